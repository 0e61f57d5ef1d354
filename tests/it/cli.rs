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

/// A PyInstaller command line builds the same bundle: the options that
/// change what goes in mean what they mean there, the others are accepted
/// with one note each, and one that cannot be honoured yet is refused.
#[test]
fn pyinstaller_options_are_understood() {
    let dir = scratch();
    let venv = fake_venv(
        dir.path(),
        &[
            ("plug/__init__.py", ""),
            ("plug/data.txt", "plug data\n"),
            (
                "plug-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: plug\nVersion: 1.0\nRequires-Dist: dep\n",
            ),
            ("plug-1.0.dist-info/top_level.txt", "plug\n"),
            (
                "dep-2.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: dep\nVersion: 2.0\n",
            ),
        ],
    );
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import importlib, importlib.metadata as md, importlib.resources\n\
                 plug, dep = (n.lower() for n in ('PLUG', 'DEP'))\n\
                 print(md.version(plug), md.version(dep))\n\
                 print(importlib.resources.files(plug).joinpath('data.txt').read_text().strip())\n\
                 print(importlib.import_module('helper').NAME)\n",
            ),
            ("extra/helper.py", "NAME = 'helper from --paths'\n"),
            ("more/other.py", ""),
        ],
    );
    let venv = venv.to_str().unwrap();
    let out = pyfreeze(
        dir.path(),
        [
            "build",
            "main.py",
            "--venv",
            venv,
            "-n",
            "tool",
            "--distpath",
            "out",
            "-F",
            "--onedir",
            "--clean",
            "-y",
            "--log-level",
            "WARN",
            "--paths",
            "more:extra",
            "--hidden-import",
            "helper",
            "--collect-data",
            "plug",
            "--recursive-copy-metadata",
            "plug",
        ],
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    for note in ["note: --onedir", "note: --log-level", "note: --clean"] {
        assert_eq!(err.matches(note).count(), 1, "{note}: {err}");
    }
    let exe = dir.path().join("out/tool");
    assert_eq!(
        text(&run(&exe, [""; 0]).stdout),
        "1.0 2.0\nplug data\nhelper from --paths\n"
    );
    // Without them, plug (which the program never imports) is not there.
    let out = pyfreeze(
        dir.path(),
        [
            "build",
            "main.py",
            "--venv",
            venv,
            "-o",
            "plain",
            "--paths",
            "extra",
            "--hidden-import",
            "helper",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run_plain = run(&dir.path().join("plain"), [""; 0]);
    assert_contains(&text(&run_plain.stderr), "PackageNotFoundError");

    for (args, says) in [
        (
            vec!["--runtime-hook", "rth.py"],
            "--runtime-hook rth.py: no such file",
        ),
        (
            vec!["--copy-metadata", "nosuch"],
            "--copy-metadata nosuch: no distribution",
        ),
        (
            vec!["-n", "../up"],
            "--name \"../up\": expected a file name",
        ),
    ] {
        let mut all = vec!["build", "main.py", "--venv", venv, "-o", "refused"];
        all.extend(args);
        let out = pyfreeze(dir.path(), &all);
        assert!(!out.status.success(), "{all:?}");
        assert_contains(&text(&out.stderr), says);
        assert!(!dir.path().join("refused").exists());
    }
}
