//! The command line as a user meets it: build writes an executable, says what
//! it did, picks a default output name, and documents every option.

use pyfreeze_tests::*;
use std::os::unix::fs::PermissionsExt;

#[test]
fn build_writes_an_executable_and_reports_what_it_did() {
    let dir = scratch();
    let out = dir.path().join("hello");
    let build = freeze(&root().join("examples/hello/hello.py"), &out, &[]);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);

    // The output, the time, the module counts and sizes; the runtime and
    // why (built plainly here: this machine's CPython); the oldest glibc it
    // runs on, which this machine's libpython sets.
    let said = text(&build.stdout);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 3, "{said}");
    assert_contains(lines[0], out.to_str().unwrap());
    assert!(lines[0].contains(" modules ("), "{said}");
    assert_contains(lines[0], " MB");
    assert_contains(lines[0], " s:");
    assert!(lines[1].starts_with("runtime: CPython 3."), "{said}");
    assert_contains(lines[1], "the build is for this machine");
    assert!(lines[2].starts_with("runs on: glibc 2."), "{said}");
    assert_contains(lines[2], "uv python install");

    let ran = run(&out, ["Alice"]);
    assert!(ran.status.success());
    assert_eq!(text(&ran.stdout).lines().next(), Some("Hello, Alice!"));
    assert!(text(&ran.stdout).contains("running as a frozen executable"));
}

#[test]
fn default_output_is_dist_slash_script_stem() {
    let dir = scratch();
    write_tree(dir.path(), &[("tool.py", "print('tool ran')\n")]);
    let build = pyfreeze(dir.path(), ["build", "tool.py"]);
    assert!(build.status.success(), "{}", text(&build.stderr));
    let exe = dir.path().join("dist").join("tool");
    assert_eq!(text(&run(&exe, [""; 0]).stdout), "tool ran\n");
}

#[test]
fn help_explains_every_option() {
    let top = text(&pyfreeze(&root(), ["--help"]).stdout);
    assert_contains(&top, "build");
    let build = text(&pyfreeze(&root(), ["build", "--help"]).stdout);
    for option in [
        "--output",
        "--path",
        "--bootloader",
        "--no-source",
        "--optimize",
        "--verbose",
        "--quiet",
        "--compress",
        "--pack",
    ] {
        let line = build
            .lines()
            .find(|l| l.trim_start().contains(option))
            .unwrap_or_else(|| panic!("{option} missing from build --help:\n{build}"));
        // The help text is either on the option's line or the line after it.
        let explained = line
            .split(option)
            .nth(1)
            .is_some_and(|rest| rest.trim().len() > 10)
            || build
                .split(line)
                .nth(1)
                .and_then(|r| r.lines().nth(1))
                .is_some_and(|l| l.trim().len() > 10);
        assert!(explained, "{option} has no explanation:\n{build}");
    }
}

#[test]
fn quiet_prints_nothing() {
    let dir = scratch();
    let out = dir.path().join("hello");
    let build = freeze(&root().join("examples/hello/hello.py"), &out, &["--quiet"]);
    assert_eq!(text(&build.stdout), "");
    assert_eq!(text(&build.stderr), "");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `pyfreeze inspect --json app | head -1`: the reader is gone before
    // pyfreeze writes; it should stop as other tools do, not report a bug.
    let f = freeze_source("print(1)\n", &[]);
    let mut child = std::process::Command::new(pyfreeze_bin())
        .args(["inspect", "--modules"])
        .arg(&f.exe)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stderr), "", "{:?}", out.status);
}
