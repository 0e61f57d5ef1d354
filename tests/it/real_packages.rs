//! A program on popular PyPI packages (click, rich, jinja2 with markupsafe,
//! pyyaml, attrs, requests, python-dateutil, tabulate, tomli, toml), installed
//! from PyPI at pinned versions into a venv, gives the same output frozen as
//! under python3, with either runtime.

use pyfreeze_tests::*;
use std::process::Command;

#[test]
fn real_world_app_matches_python3_under_the_rustpython_runtime() {
    check_app(RUSTPYTHON);
}

/// The same app built plainly: the CPython runtime, the venv's own
/// interpreter.
#[test]
fn real_world_app_matches_python3_built_plainly() {
    check_app(&[]);
}

fn check_app(runtime: &[&str]) {
    let venv = real_packages_venv();
    let app = fixtures().join("realworld").join("app.py");
    let dir = scratch();
    let exe = dir.path().join("realworld");
    let mut flags = vec!["--venv", venv.to_str().unwrap()];
    flags.extend_from_slice(runtime);
    let build = freeze(&app, &exe, &flags);
    let said = text(&build.stdout);
    assert_contains(&said, "third-party");
    assert_contains(&said, "site-packages:");

    for args in [
        vec!["Alice", "--count", "3"],
        vec!["--count", "1"],
        vec!["--help"],
    ] {
        let expected = Command::new(venv.join("bin").join("python"))
            .arg(&app)
            .args(&args)
            .output()
            .unwrap();
        assert!(
            expected.status.success(),
            "python3: {}",
            text(&expected.stderr)
        );
        let got = run(&exe, &args);
        // click names the program after argv[0]: the executable, not app.py.
        let got_stdout = text(&got.stdout).replace("Usage: realworld ", "Usage: app.py ");
        assert_eq!(
            got_stdout,
            text(&expected.stdout),
            "args {args:?}; stderr: {}",
            text(&got.stderr)
        );
        assert_eq!(got.status.code(), expected.status.code());
    }

    // The distributions' metadata is in the bundle, so versions resolve.
    let manifest = manifest(&exe);
    for dist in [
        "click-8.5.1.dist-info",
        "rich-15.0.0.dist-info",
        "jinja2-3.1.6.dist-info",
    ] {
        assert!(
            manifest.file(&format!("{dist}/METADATA")).is_some(),
            "{dist} missing"
        );
    }
    // certifi's CA bundle travels as package data.
    assert!(manifest.file("certifi/cacert.pem").is_some());
}
