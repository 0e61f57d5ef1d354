//! Embeds what the `pyfreeze` binary carries: RustPython's standard library
//! sources (from the `rustpython-pylib` crate) as a zip, so that the packager
//! needs no Python and no cargo registry once installed; and the package
//! rules of `rules/*.toml`.

use std::io::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=rules");
    println!(
        "cargo:rustc-env=PYFREEZE_HOST_TARGET={}",
        std::env::var("TARGET").expect("TARGET")
    );
    let out_dir = std::env::var_os("OUT_DIR").expect("OUT_DIR");
    let rules = embed_rules(&Path::new(&out_dir).join("rules.rs"));
    pack_stdlib(&Path::new(&out_dir).join("stdlib.zip"), &left_out(&rules));
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
