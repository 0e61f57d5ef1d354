//! Packs RustPython's standard library sources (from the `rustpython-pylib`
//! crate) into a zip that is compiled into the `pyfreeze` binary, so that the
//! packager needs no Python and no cargo registry once installed.

use std::io::Write;
use std::path::Path;

/// Packages that cannot work in a frozen RustPython program (GUI toolkits,
/// installers, the IDE) and are left out of the carried stdlib.
const LEFT_OUT: &[&str] = &["idlelib", "tkinter", "turtledemo", "ensurepip", "venv"];

fn main() {
    let lib = Path::new(rustpython_pylib::LIB_PATH);
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("stdlib.zip");
    println!("cargo:rerun-if-changed=build.rs");
    println!(
        "cargo:rustc-env=PYFREEZE_HOST_TARGET={}",
        std::env::var("TARGET").expect("TARGET")
    );

    let mut files: Vec<(String, std::path::PathBuf)> = walkdir::WalkDir::new(lib)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(lib)
                .ok()?
                .to_str()?
                .replace('\\', "/");
            let top = rel.split('/').next()?;
            let keep = rel.ends_with(".py")
                && !LEFT_OUT.contains(&top)
                && !rel
                    .split('/')
                    .any(|c| c == "__pycache__" || c == "test" || c == "tests");
            keep.then(|| (rel, e.path().to_path_buf()))
        })
        .collect();
    files.sort();
    assert!(
        files.len() > 500,
        "rustpython-pylib's Lib looks incomplete at {}",
        lib.display()
    );

    let mut zip = zip::ZipWriter::new(std::fs::File::create(&out).expect("create stdlib.zip"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default());
    for (rel, path) in &files {
        zip.start_file(rel.as_str(), options).expect("zip entry");
        zip.write_all(&std::fs::read(path).expect("read stdlib file"))
            .expect("zip write");
    }
    zip.finish().expect("finish stdlib.zip");
}
