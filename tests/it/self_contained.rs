//! A frozen executable needs nothing from the machine: no Python, no
//! environment, no particular working directory, no writable disk; under
//! both runtimes.

use pyfreeze_tests::*;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

const PROGRAM: &str = "import sys, os, json\n\
    print(json.dumps({'frozen': sys.frozen, 'cwd': os.getcwd(), 'args': sys.argv[1:]}))\n";

#[test]
fn runs_with_an_empty_environment_from_any_directory() {
    for runtime in RUNTIMES {
        let app = freeze_source(PROGRAM, runtime);
        let elsewhere = scratch();
        let out = Command::new(&app.exe)
            .env_clear()
            .current_dir(elsewhere.path())
            .arg("x")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got["frozen"], true);
        assert_eq!(got["args"], serde_json::json!(["x"]));
        assert_eq!(
            got["cwd"],
            elsewhere.path().canonicalize().unwrap().to_str().unwrap()
        );
    }
}

#[test]
fn keeps_working_after_being_copied_and_its_sources_deleted() {
    for runtime in RUNTIMES {
        let app = freeze_tree(
            &[
                ("main.py", "import helper\nprint(helper.VALUE)\n"),
                ("helper.py", "VALUE = 'from helper'\n"),
            ],
            runtime,
        );
        let elsewhere = scratch();
        let copy = elsewhere.path().join("copied-app");
        std::fs::copy(&app.exe, &copy).unwrap();
        let sources = app.dir.path().to_path_buf();
        drop(app); // removes the sources and the original executable
        assert!(!sources.exists());
        let out = output_of(Command::new(&copy).env_clear());
        assert_eq!(text(&out.stdout), "from helper\n", "{}", text(&out.stderr));
    }
}

#[test]
fn ignores_python_environment_variables() {
    for runtime in RUNTIMES {
        let app = freeze_source(
            "import sys\nprint(sys.flags.ignore_environment, [p for p in sys.path if 'evil' in p])\n",
            runtime,
        );
        let out = Command::new(&app.exe)
            .env("PYTHONPATH", "/evil")
            .env("PYTHONHOME", "/evil")
            .env("PYTHONSTARTUP", "/evil/startup.py")
            .output()
            .unwrap();
        assert_eq!(text(&out.stdout), "1 []\n", "{}", text(&out.stderr));
    }
}

#[test]
fn writes_nothing_at_start_and_needs_no_writable_directory() {
    // The CPython runtime's twin is in cpython.rs.
    let app = freeze_source(
        "import sys, os, json, re, collections\nprint('imported', len(sys.modules) > 20, sys.frozen)\n",
        RUSTPYTHON,
    );
    let locked = scratch();
    let tmp = locked.path().join("tmp");
    let home = locked.path().join("home");
    for dir in [&tmp, &home] {
        std::fs::create_dir(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let out = Command::new(&app.exe)
        .env_clear()
        .env("TMPDIR", &tmp)
        .env("HOME", &home)
        .current_dir(&home)
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "imported True True\n",
        "{}",
        text(&out.stderr)
    );
    for dir in [&tmp, &home] {
        assert_eq!(
            std::fs::read_dir(dir).unwrap().count(),
            0,
            "something was written to {}",
            dir.display()
        );
    }
    // Nothing appeared beside the executable either.
    let beside: Vec<_> = std::fs::read_dir(app.exe.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(beside.len(), 1);
}

#[test]
fn modules_come_from_the_executable_not_the_disk() {
    for runtime in RUNTIMES {
        // A module file with the same name beside the executable's virtual root
        // must not be picked up: imports are served from the archive in memory.
        let app = freeze_tree(
            &[
                (
                    "main.py",
                    "import helper\nprint(helper.WHERE, helper.__file__.endswith('helper.py'))\n",
                ),
                ("helper.py", "WHERE = 'bundled'\n"),
            ],
            runtime,
        );
        let root = app.exe.parent().unwrap().join("app_internal");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("helper.py"), "WHERE = 'disk'\n").unwrap();
        let out = run(&app.exe, [""; 0]);
        assert_eq!(text(&out.stdout), "bundled True\n", "{}", text(&out.stderr));
    }
}
