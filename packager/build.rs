//! Embeds what the `pyfreeze` binary carries: RustPython's standard library
//! sources (from the `rustpython-pylib` crate) as a zip, so that the packager
//! needs no Python and no cargo registry once installed; the package rules
//! of `rules/*.toml`; and, for the self-contained binary (the wheel), the
//! bootloaders, zstd-compressed (see `embed_bootloaders`).

use std::io::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=rules");
    let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR");
    let rules = embed_rules(&Path::new(&out_dir).join("rules.rs"));
    pack_stdlib(&Path::new(&out_dir).join("stdlib.zip"), &left_out(&rules));
    embed_bootloaders(Path::new(&out_dir));
}

/// The bootloader files pyfreeze can carry, per target.
const EMBEDDABLE: &[&str] = &["pyfreeze-boot", "pyfreeze-boot-cpython", "pyfreeze-unpack"];

/// `embedded.rs`: `&[(triple, file name, size, zstd bytes)]`. They come from
/// `$PYFREEZE_EMBED_BOOTLOADERS` (a directory of `<triple>/<file>`, as the
/// release workflow assembles for every target), else, with the
/// `embed-bootloaders` feature, from a release build of this workspace's
/// bootloaders for the target being built (in its own target directory:
/// the outer build holds the lock on this one). Else nothing is carried and
/// pyfreeze looks for bootloaders on disk only.
fn embed_bootloaders(out_dir: &Path) {
    println!("cargo:rerun-if-env-changed=PYFREEZE_EMBED_BOOTLOADERS");
    let target = std::env::var("TARGET").expect("TARGET");
    let from = match std::env::var_os("PYFREEZE_EMBED_BOOTLOADERS").filter(|d| !d.is_empty()) {
        Some(dir) => {
            println!("cargo:rerun-if-changed={}", Path::new(&dir).display());
            Some(std::path::PathBuf::from(dir))
        }
        None if std::env::var_os("CARGO_FEATURE_EMBED_BOOTLOADERS").is_some() => {
            Some(build_bootloaders(out_dir, &target))
        }
        None => None,
    };
    let mut code = String::from("&[\n");
    if let Some(from) = from {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&from)
            .unwrap_or_else(|e| panic!("PYFREEZE_EMBED_BOOTLOADERS {}: {e}", from.display()))
        {
            let dir = entry.expect("entry").path();
            let Some(triple) = dir.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                continue;
            };
            for stem in EMBEDDABLE {
                for file in [stem.to_string(), format!("{stem}.exe")] {
                    let path = dir.join(&file);
                    if path.is_file() {
                        found.push((triple.clone(), file, path));
                    }
                }
            }
        }
        found.sort();
        assert!(
            found.iter().any(|(_, f, _)| f.starts_with("pyfreeze-boot")),
            "no bootloader to embed in {}",
            from.display()
        );
        for (triple, file, path) in found {
            let bytes = std::fs::read(&path).expect("read bootloader");
            // Level 19: built once, decompressed at every build (~1 GB/s).
            let packed = zstd::bulk::compress(&bytes, 19).expect("zstd");
            let stored = out_dir.join(format!("{triple}-{file}.zst"));
            std::fs::write(&stored, packed).expect("write compressed bootloader");
            code.push_str(&format!(
                "    ({triple:?}, {file:?}, {}, include_bytes!({:?})),\n",
                bytes.len(),
                stored.display()
            ));
        }
    }
    code.push(']');
    std::fs::write(out_dir.join("embedded.rs"), code).expect("write embedded.rs");
}

/// Build the host's bootloaders (release) and return a directory laid out
/// as `<triple>/<file>`.
fn build_bootloaders(out_dir: &Path, target: &str) -> std::path::PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    for dir in [
        "bootloader",
        "bootloader-cpython",
        "unpack",
        "stub-runtime",
        "bundle",
        "vendor",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    // OUT_DIR is <target dir>[/<triple>]/<profile>/build/<pkg>/out.
    let target_dir = out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("target directory")
        .join("embedded-bootloaders");
    let mut packages = vec!["pyfreeze-boot"];
    if target.contains("linux-gnu") {
        packages.extend(["pyfreeze-boot-cpython", "pyfreeze-unpack"]);
    }
    // Linux glibc bootloaders are linked for glibc 2.28, whatever this
    // machine's, so that frozen programs start on older systems: with
    // cargo-zigbuild (pip install cargo-zigbuild ziglang; `pip install .`
    // gets them as build requirements). PYFREEZE_BOOTLOADER_GLIBC=host
    // embeds ones for this machine's glibc instead (inspect says so).
    println!("cargo:rerun-if-env-changed=PYFREEZE_BOOTLOADER_GLIBC");
    let host_glibc = std::env::var_os("PYFREEZE_BOOTLOADER_GLIBC").is_some_and(|v| v == "host");
    let zig = target.ends_with("-linux-gnu") && !host_glibc;
    let zig_target = format!("{target}.2.28");
    let mut cmd = if zig {
        let found = std::process::Command::new("cargo-zigbuild")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "embedding bootloaders for {target} needs cargo-zigbuild and zig to link them for \
             glibc 2.28 (pip install cargo-zigbuild ziglang); or set \
             PYFREEZE_BOOTLOADER_GLIBC=host to embed bootloaders that need this machine's glibc"
        );
        let mut cmd = std::process::Command::new("cargo-zigbuild");
        cmd.args(["zigbuild", "--target", &zig_target]);
        cmd
    } else {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = std::process::Command::new(cargo);
        cmd.args(["build", "--target", target]);
        cmd
    };
    cmd.current_dir(workspace)
        .args(["--release", "--ignore-rust-version"])
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    if workspace.join("Cargo.lock").is_file() {
        cmd.arg("--locked");
    }
    for p in &packages {
        cmd.args(["-p", p]);
    }
    let status = cmd.status().expect("run cargo to build the bootloaders");
    assert!(status.success(), "building the bootloaders to embed failed");
    let built = target_dir.join(target).join("release");
    let staged = out_dir.join("bootloaders").join(target);
    std::fs::create_dir_all(&staged).expect("stage bootloaders");
    let suffix = if target.contains("windows") {
        ".exe"
    } else {
        ""
    };
    for p in packages {
        let file = format!("{p}{suffix}");
        std::fs::copy(built.join(&file), staged.join(&file)).expect("copy built bootloader");
    }
    out_dir.join("bootloaders")
}

/// `rules.rs`: `&[(file name, text)]` of every rule file, in name order.
fn embed_rules(out: &Path) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("packager/rules")
        .map(|e| e.expect("rules entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut code = String::from("&[\n");
    let mut texts = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display()
        ));
        texts.push((
            name,
            std::fs::read_to_string(&path).expect("read rule file"),
        ));
    }
    code.push(']');
    std::fs::write(out, code).expect("write rules.rs");
    texts
}

/// Top-level packages the always-firing RustPython rules exclude: they are
/// left out of the carried stdlib too.
fn left_out(rules: &[(String, String)]) -> Vec<String> {
    let mut names = Vec::new();
    for (file, text) in rules {
        let parsed: toml::Value =
            toml::from_str(text).unwrap_or_else(|e| panic!("rules/{file}: {e}"));
        let Some(list) = parsed.get("rule").and_then(|r| r.as_array()) else {
            continue;
        };
        for rule in list {
            let always = rule.get("always").and_then(|a| a.as_bool()) == Some(true);
            let runtime = rule
                .get("when")
                .and_then(|w| w.get("runtime"))
                .and_then(|r| r.as_str());
            if !always || runtime != Some("rustpython") {
                continue;
            }
            for name in rule
                .get("exclude")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                names.extend(name.as_str().map(str::to_string));
            }
        }
    }
    names
}

fn pack_stdlib(out: &Path, left_out: &[String]) {
    let lib = Path::new(rustpython_pylib::LIB_PATH);
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
            let top_module = top.strip_suffix(".py").unwrap_or(top);
            let keep = rel.ends_with(".py")
                && !left_out.iter().any(|l| l == top_module)
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

    let mut zip = zip::ZipWriter::new(std::fs::File::create(out).expect("create stdlib.zip"));
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
