//! Differential tests: each program in tests/fixtures/diff gives the same
//! stdout and exit code frozen with the RustPython runtime as under
//! `python3 program.py` (cpython.rs runs them under every CPython).

use pyfreeze_tests::*;
use std::process::Command;

#[test]
fn fixture_programs_behave_as_under_python3() {
    let dir = fixtures().join("diff");
    let mut programs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    programs.sort();
    assert!(
        programs.len() >= 10,
        "need at least 10 fixtures, have {}",
        programs.len()
    );

    let out_dir = scratch();
    let mut failures = Vec::new();
    for program in &programs {
        let name = program.file_stem().unwrap().to_str().unwrap();
        let expected = Command::new(python3())
            .arg(program)
            .current_dir(&dir)
            .output()
            .unwrap();
        let exe = out_dir.path().join(name);
        freeze(program, &exe, RUSTPYTHON);
        let got = Command::new(&exe).current_dir(&dir).output().unwrap();
        if got.stdout != expected.stdout || got.status.code() != expected.status.code() {
            failures.push(format!(
                "{name}: exit {:?} vs python3 {:?}\n--- frozen stdout\n{}\n--- python3 stdout\n{}\n--- frozen stderr\n{}",
                got.status.code(),
                expected.status.code(),
                text(&got.stdout),
                text(&expected.stdout),
                text(&got.stderr),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
