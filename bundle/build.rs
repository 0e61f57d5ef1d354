//! The triple this crate is compiled for: [`Target::host`](crate::target::Target::host).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if let Some(target) = std::env::var_os("TARGET") {
        println!(
            "cargo:rustc-env=PYFREEZE_COMPILED_FOR={}",
            target.to_string_lossy()
        );
    }
}
