//! Bad input gets a clear message (what, where, what to do), a non-zero exit,
//! no Rust panic, and never a new or half-written output file.

use pyfreeze_tests::*;
use std::path::Path;
use std::process::Output;

/// Build `script` into `dir/out` (which already holds a previous build's
/// bytes) and check the failure left it untouched.
fn failed_build(dir: &Path, script: &Path, extra: &[&str]) -> String {
    let out = dir.join("out");
    std::fs::write(&out, b"previous build").unwrap();
    let mut args = vec![
        "build",
        script.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let result: Output = pyfreeze(dir, &args);
    let stderr = text(&result.stderr);
    assert!(!result.status.success(), "build succeeded: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"previous build",
        "output replaced"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pyfreeze"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    stderr
}

#[test]
fn missing_entry_script() {
    let dir = scratch();
    let stderr = failed_build(dir.path(), &dir.path().join("nope.py"), &[]);
    assert!(
        stderr.contains("entry script")
            && stderr.contains("nope.py")
            && stderr.contains("not found"),
        "{stderr}"
    );
}

#[test]
fn syntax_error_anywhere_in_the_graph_names_file_line_column_and_importer() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import pkg.util\n"),
            ("pkg/__init__.py", ""),
            ("pkg/util.py", "import pkg.broken\n"),
            ("pkg/broken.py", "x = 1\ndef f(a, b:\n    return a\n"),
        ],
    );
    let stderr = failed_build(dir.path(), &dir.path().join("main.py"), &[]);
    let broken = dir.path().join("pkg/broken.py");
    assert!(
        stderr.contains(&format!("{}:2:", broken.display())),
        "{stderr}"
    );
    assert_contains(&stderr, "SyntaxError");
    assert!(
        stderr.contains("    def f(a, b:\n"),
        "the line is shown: {stderr}"
    );
    assert!(stderr.contains('^'), "a caret: {stderr}");
    assert_contains(&stderr, "imported by: main.py -> pkg.util -> pkg.broken");
}

#[test]
fn compile_errors_found_after_parsing_are_reported_too() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import helper\n"),
            ("helper.py", "def f():\n    pass\nreturn 3\n"),
        ],
    );
    let stderr = failed_build(dir.path(), &dir.path().join("main.py"), &[]);
    assert_contains(&stderr, "helper.py:3:");
    assert_contains(&stderr, "'return' outside function");
    assert_contains(&stderr, "imported by: main.py -> helper");
}

#[test]
fn non_utf8_source_without_a_coding_cookie() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("main.py"),
        b"name = 'caf\xe9'\nprint(name)\n",
    )
    .unwrap();
    let stderr = failed_build(dir.path(), &dir.path().join("main.py"), &[]);
    assert_contains(&stderr, "main.py");
    assert!(
        stderr.contains("not valid UTF-8") && stderr.contains("coding"),
        "{stderr}"
    );

    // With a cookie the same bytes are fine.
    std::fs::write(
        dir.path().join("ok.py"),
        b"# -*- coding: latin-1 -*-\nprint('caf\xe9')\n",
    )
    .unwrap();
    let exe = dir.path().join("ok");
    freeze(&dir.path().join("ok.py"), &exe, &[]);
    assert_eq!(text(&run(&exe, [""; 0]).stdout), "café\n");
}

#[test]
fn bootloaders_that_cannot_be_used() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "print(1)\n"),
            ("notes.txt", "not an executable\n"),
        ],
    );
    let script = dir.path().join("main.py");
    let frozen = dir.path().join("frozen-already");
    freeze(&script, &frozen, &[]);

    let cases: [(&str, &Path, &[&str]); 5] = [
        (
            "missing",
            &dir.path().join("no-such-boot"),
            &["cannot read bootloader", "no-such-boot"],
        ),
        ("a directory", dir.path(), &["cannot read bootloader"]),
        (
            "a text file",
            &dir.path().join("notes.txt"),
            &["not an executable"],
        ),
        (
            "another program",
            Path::new("/bin/sh"),
            &["not a pyfreeze bootloader"],
        ),
        ("a frozen program", &frozen, &["already a frozen program"]),
    ];
    for (what, boot, expected) in cases {
        let stderr = failed_build(
            dir.path(),
            &script,
            &["--bootloader", boot.to_str().unwrap()],
        );
        for needle in expected {
            assert!(stderr.contains(needle), "{what}: {stderr}");
        }
    }
}

#[test]
fn output_that_is_a_directory() {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", "print(1)\n")]);
    std::fs::create_dir(dir.path().join("outdir")).unwrap();
    let result = pyfreeze(dir.path(), ["build", "main.py", "-o", "outdir"]);
    assert!(!result.status.success());
    assert_contains(&text(&result.stderr), "is a directory");
}

/// A pyfreeze without its bootloaders says how to get them, and never
/// names `pip install pyfreeze`, which installs another project.
#[test]
fn a_missing_bootloader_names_the_install_that_carries_it() {
    let dir = scratch();
    let copy = dir.path().join("pyfreeze");
    std::fs::copy(pyfreeze_bin(), &copy).unwrap();
    write_tree(dir.path(), &[("app.py", "print('hi')\n")]);
    let got = output_of(
        std::process::Command::new(&copy)
            .args(["build", "app.py", "--runtime", "rustpython"])
            .env_remove("PYFREEZE_BOOTLOADER_DIR")
            .current_dir(dir.path()),
    );
    let said = text(&got.stderr);
    assert!(!got.status.success(), "{said}");
    assert_contains(&said, "no bootloader for");
    assert_contains(&said, "pip install ./pyfreeze_rs-*.whl");
    assert!(!said.contains("pip install pyfreeze`"), "{said}");
    assert!(!dir.path().join("dist").exists(), "an output was written");
}
