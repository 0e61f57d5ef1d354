//! The real-world suite: 33 popular pure-Python programs and libraries from
//! PyPI (tests/fixtures/suite: pinned requirements, one deterministic driver
//! each, no network), each frozen plainly (`pyfreeze build driver.py --venv
//! VENV`, no other flag: the CPython runtime, the venv's interpreter) and
//! with `--runtime rustpython`; its output must equal the venv's python's.
//! The README's table lists the results.

use pyfreeze_tests::*;
use std::collections::BTreeMap;
use std::process::Command;

/// Programs that do not work frozen yet under the RustPython runtime, and
/// why (the README says the same).
const KNOWN_FAILING: &[(&str, &str)] = &[(
    "jsonschema_demo",
    "RustPython's urljoin keeps an empty # fragment (CPython's up to 3.13 drops it): jsonschema 4.17's $ref resolver then fails",
)];

/// Built plainly, every one of them works: among them packages compiled
/// with mypyc (tomli, chardet and isort), whose shared `<hash>__mypyc`
/// extension modules have names that start with a digit.
#[test]
fn popular_programs_freeze_plainly_and_behave_as_under_python() {
    run_suite(&[], &[]);
}

/// The same programs under the RustPython runtime.
#[test]
fn popular_programs_behave_as_under_python_under_the_rustpython_runtime() {
    run_suite(RUSTPYTHON, KNOWN_FAILING);
}

/// Freeze every driver with `extra` and compare each run with python's;
/// `known_failing` must fail, and nothing else.
fn run_suite(extra: &[&str], known_failing: &[(&str, &str)]) {
    let venv = suite_venv();
    let python = venv.join("bin").join("python");
    let mut drivers: Vec<_> = std::fs::read_dir(fixtures().join("suite").join("drivers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    drivers.sort();
    assert!(
        drivers.len() >= 25,
        "the suite has {} programs",
        drivers.len()
    );
    let results: BTreeMap<String, Result<(), String>> = std::thread::scope(|scope| {
        let chunks: Vec<_> = drivers.chunks(drivers.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let python = &python;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|driver| {
                            let name = driver.file_stem().unwrap().to_string_lossy().into_owned();
                            (name, check(driver, venv, python, extra))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut problems = Vec::new();
    for (name, result) in &results {
        let known = known_failing.iter().any(|(k, _)| k == name);
        match (result, known) {
            (Ok(()), true) => problems.push(format!(
                "{name} works now: take it off the known failures and the README's table"
            )),
            (Err(why), false) => problems.push(format!("{name}: {why}")),
            _ => {}
        }
    }
    let working = results.values().filter(|r| r.is_ok()).count();
    eprintln!(
        "real-world suite {extra:?}: {working} of {} programs work frozen",
        results.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(working >= 25, "only {working} programs work");
}

/// Freeze `driver` plainly and compare its run with python's.
fn check(
    driver: &std::path::Path,
    venv: &std::path::Path,
    python: &std::path::Path,
    extra: &[&str],
) -> Result<(), String> {
    let work = scratch();
    let exe = work.path().join("app");
    let expected = Command::new(python)
        .arg(driver)
        .current_dir(work.path())
        .output()
        .unwrap();
    if !expected.status.success() {
        return Err(format!("python itself failed: {}", text(&expected.stderr)));
    }
    let mut args = vec![
        "build",
        driver.to_str().unwrap(),
        "-o",
        "app",
        "--venv",
        venv.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let build = pyfreeze(work.path(), args);
    if !build.status.success() {
        return Err(format!("build failed: {}", text(&build.stderr)));
    }
    // Plain builds for this machine take the venv's CPython.
    if extra.is_empty() && !text(&build.stdout).contains("runtime: CPython") {
        return Err(format!(
            "built plainly without CPython: {}",
            text(&build.stdout)
        ));
    }
    let got = output_of(Command::new(&exe).current_dir(work.path()));
    if got.stdout != expected.stdout || got.status.code() != expected.status.code() {
        let ours = text(&got.stdout);
        let theirs = text(&expected.stdout);
        let first = ours
            .lines()
            .zip(theirs.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("frozen: {a}\npython: {b}"))
            .unwrap_or_default();
        return Err(format!(
            "exit {:?} (python {:?}); first difference:\n{first}\nstderr: {}",
            got.status.code(),
            expected.status.code(),
            text(&got.stderr).lines().last().unwrap_or_default()
        ));
    }
    Ok(())
}
