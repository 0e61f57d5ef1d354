//! Hostile or odd input to the packager, and many copies of one executable
//! starting at once: clear warnings or errors, never a panic or a hang, and
//! the output replaced only by a successful build.

use pyfreeze_tests::*;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn build(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", "main.py", "-o", "app"];
    args.extend_from_slice(extra);
    let out = Command::new("timeout")
        .arg("120")
        .arg(pyfreeze_bin())
        .args(&args)
        .current_dir(dir)
        .env("PYFREEZE_CACHE_DIR", test_cache())
        .output()
        .unwrap();
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(124), "pyfreeze hung");
    out
}

#[test]
fn symlink_loops_end_with_a_warning_not_a_hang() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import pkg\nprint(pkg.__name__)\n"),
            ("pkg/__init__.py", ""),
            ("pkg/data/file.txt", "x"),
        ],
    );
    std::os::unix::fs::symlink(dir.path().join("pkg"), dir.path().join("pkg/loop")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("pkg/data"),
        dir.path().join("pkg/data/again"),
    )
    .unwrap();
    let out = build(dir.path(), &["--collect-submodules", "pkg"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("pkg.loop: its directory was already collected (a symlink loop?)"),
        "{}",
        text(&out.stderr)
    );
    // Only the real modules are in, not pkg.loop.loop.loop...
    let m = manifest(&dir.path().join("app"));
    assert!(
        m.modules.iter().all(|r| !r.name.starts_with("pkg.loop.")),
        "loop collected"
    );
    assert_eq!(text(&run(&dir.path().join("app"), [""; 0]).stdout), "pkg\n");
}

#[test]
fn dangling_links_odd_names_and_shadowed_stdlib_names_are_reported() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import json, pkg\ntry:\n    import dangling\nexcept ImportError:\n    pass\nprint(json.MINE)\n",
            ),
            ("json.py", "MINE = 'own json'\n"),
            ("pkg/__init__.py", ""),
        ],
    );
    std::os::unix::fs::symlink(
        dir.path().join("nowhere.py"),
        dir.path().join("dangling.py"),
    )
    .unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"bad\xffname.py");
    std::fs::write(dir.path().join(odd), "x = 1\n").unwrap();
    std::fs::write(
        dir.path()
            .join("pkg")
            .join(std::ffi::OsStr::from_bytes(b"data\xfe.txt")),
        "x",
    )
    .unwrap();
    let out = build(dir.path(), &[]);
    let warnings = text(&out.stderr);
    assert!(out.status.success(), "{warnings}");
    assert_contains(
        &warnings,
        "json.py shadows the standard library module json",
    );
    assert_contains(&warnings, "a module's file name must be valid UTF-8");
    assert_contains(&warnings, "its name is not valid UTF-8");
    assert_eq!(
        text(&run(&dir.path().join("app"), [""; 0]).stdout),
        "own json\n"
    );
}

#[test]
fn two_files_for_one_archive_path_and_huge_files() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "print('ok')\n"),
            ("a/same.txt", "first"),
            ("b/same.txt", "second"),
        ],
    );
    let out = build(
        dir.path(),
        &["--add-data", "a/same.txt:d", "--add-data", "b/same.txt:d"],
    );
    assert!(out.status.success());
    assert_contains(
        &text(&out.stderr),
        "d/same.txt is already taken in the bundle by a/same.txt",
    );

    // A data file over the per-file limit (sparse: no disk used).
    let huge = std::fs::File::create(dir.path().join("huge.bin")).unwrap();
    huge.set_len((1 << 30) + 1).unwrap();
    let before = std::fs::read(dir.path().join("app")).unwrap();
    let out = build(dir.path(), &["--add-data", "huge.bin:."]);
    assert!(!out.status.success());
    assert_contains(&text(&out.stderr), "a bundle holds files up to");
    assert_eq!(
        std::fs::read(dir.path().join("app")).unwrap(),
        before,
        "output replaced by a failed build"
    );
}

fn data_app() -> Frozen {
    freeze_tree(
        &[
            (
                "main.py",
                "import os, sys, importlib.resources as res\n\
                 text = res.files('pkg').joinpath('words.txt').read_text().strip()\n\
                 on_disk = os.path.isfile(os.path.join(sys._MEIPASS, 'pkg', 'words.txt'))\n\
                 print(text, on_disk)\n\
                 code = int(sys.argv[1]) if len(sys.argv) > 1 else 0\n\
                 if code == 6:\n    sys.stdout.flush(); os.kill(os.getpid(), 15)\n\
                 sys.exit(code)\n",
            ),
            ("pkg/__init__.py", ""),
            ("pkg/words.txt", "data survives\n"),
        ],
        &[],
    )
}

#[test]
fn two_hundred_copies_starting_at_once() {
    let app = data_app();
    let home = app.dir.path().join("home");
    let children: Vec<_> = (0..200)
        .map(|i| {
            Command::new(&app.exe)
                .arg((i % 7).to_string())
                .env_clear()
                .env("HOME", &home)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        // Copies told to kill themselves with SIGTERM die of it; the others exit with their code.
        use std::os::unix::process::ExitStatusExt;
        let (status, expected) = match i % 7 {
            6 => (out.status.signal(), 15),
            code => (out.status.code(), code as i32),
        };
        assert_eq!(status, Some(expected), "copy {i}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "data survives True\n",
            "copy {i}: {}",
            text(&out.stderr)
        );
    }
    let bundles = home.join(".cache/pyfreeze/bundles");
    let left: Vec<_> = std::fs::read_dir(&bundles)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn a_cache_directory_that_is_not_private_is_not_used() {
    let app = data_app();
    let run_with = |home: &Path| {
        Command::new(&app.exe)
            .env_clear()
            .env("HOME", home)
            .output()
            .unwrap()
    };
    // Loose permissions on the directory that holds the bundles.
    let loose = app.dir.path().join("loose");
    let bundles = loose.join(".cache/pyfreeze/bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    std::fs::set_permissions(&bundles, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run_with(&loose);
    // Data still comes from memory; nothing was written to the shared place.
    assert_eq!(
        text(&out.stdout),
        "data survives False\n",
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(&bundles).unwrap().count(), 0);

    // Owned by someone else (the tests may run as root: give it to nobody).
    let foreign = app.dir.path().join("foreign");
    let bundles = foreign.join(".cache/pyfreeze/bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    // SAFETY: chown on a path we just created.
    let c = std::ffi::CString::new(bundles.as_os_str().as_bytes()).unwrap();
    let changed = unsafe { libc::chown(c.as_ptr(), 65534, 65534) } == 0;
    if changed {
        let out = run_with(&foreign);
        assert_eq!(
            text(&out.stdout),
            "data survives False\n",
            "{}",
            text(&out.stderr)
        );
    } else {
        // Not root: a directory we do not own cannot be made here; the
        // ownership check is exercised by the loose-permission case's logic.
        assert_ne!(unsafe { libc::geteuid() }, 0);
    }

    // A sound cache directory is used.
    let good = app.dir.path().join("good");
    assert_eq!(text(&run_with(&good).stdout), "data survives True\n");
}
