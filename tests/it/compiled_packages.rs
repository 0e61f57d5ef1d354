//! Real compiled-extension packages from PyPI under the CPython runtime:
//! numpy, pandas, Pillow, pydantic (pydantic-core), cryptography, lxml,
//! psutil, orjson, ujson, msgpack, PyYAML's C loader, zstandard, regex,
//! markupsafe, charset-normalizer, and the stdlib's own extensions, pinned
//! in tests/fixtures/compiled/requirements.txt and installed into a CPython
//! 3.12 venv. Each program's output frozen equals the venv's python's.

use pyfreeze_tests::*;
use std::process::Command;

#[test]
fn compiled_packages_behave_as_under_their_python() {
    let venv = compiled_venv();
    let python = venv.join("bin").join("python");
    let dir = scratch();
    let mut programs: Vec<_> = std::fs::read_dir(fixtures().join("compiled"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    programs.sort();
    assert!(programs.len() >= 5);
    let mut failures = Vec::new();
    for program in &programs {
        let name = program.file_stem().unwrap().to_str().unwrap();
        let exe = dir.path().join(name);
        let build = freeze(
            program,
            &exe,
            &["--runtime", "cpython", "--venv", venv.to_str().unwrap()],
        );
        let expected = Command::new(&python)
            .arg(program)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            expected.status.success(),
            "{name} under python: {}",
            text(&expected.stderr)
        );
        let got = output_of(Command::new(&exe).current_dir(dir.path()));
        if got.stdout != expected.stdout || got.status.code() != expected.status.code() {
            failures.push(format!(
                "{name}: exit {:?}\n--- frozen stderr\n{}\n--- build said\n{}",
                got.status.code(),
                text(&got.stderr),
                text(&build.stderr)
            ));
        }
        assert!(
            text(&got.stdout).ends_with("ok\n"),
            "{name}: {}",
            text(&got.stdout)
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
