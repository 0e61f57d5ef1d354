//! The triple the tests are compiled for: with `--target` (tests/run), the
//! binaries they build and run live under `target/<triple>/`.
fn main() {
    println!("cargo:rerun-if-changed=tests/build.rs");
    if let Some(target) = std::env::var_os("TARGET") {
        println!(
            "cargo:rustc-env=PYFREEZE_TESTS_TARGET={}",
            target.to_string_lossy()
        );
    }
}
