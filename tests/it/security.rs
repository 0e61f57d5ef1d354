//! Under attack: outputs that would destroy a user's file, poisoned caches,
//! a data cache tampered with, signals, crafted names (issue 16).

use pyfreeze_tests::*;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = scratch();
    write_tree(dir.path(), files);
    dir
}

fn build_in(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["build"];
    all.extend(args);
    pyfreeze(dir, all)
}

/// A hooks directory whose rule for `pkg` sets `FROM_RULE` to
/// `{root}/plugins`.
fn root_rule_hooks() -> tempfile::TempDir {
    project(&[(
        "pkg.toml",
        "[[rule]]\nmodule = \"pkg\"\nwhy = \"test\"\nenv = { FROM_RULE = \"{root}/plugins\" }\n",
    )])
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a plain libc call on a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// `cmd` started with no stdin and its output piped.
fn spawn_piped(cmd: &mut Command) -> std::process::Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Run `cmd`, failing the test instead of hanging if it blocks.
fn output_within(cmd: &mut Command, limit: Duration) -> std::process::Output {
    let mut child = spawn_piped(cmd);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} blocked for more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn outputs_that_would_destroy_a_file_are_refused() {
    let dir = project(&[
        ("app.py", "import helper\nhelper.hi()\n"),
        ("helper.py", "def hi():\n    print('hi')\n"),
        ("notes.txt", "my notes\n"),
        ("pkg/__init__.py", ""),
    ]);
    let d = dir.path();
    let originals: Vec<(PathBuf, Vec<u8>)> = ["app.py", "helper.py", "notes.txt"]
        .iter()
        .map(|f| (d.join(f), std::fs::read(d.join(f)).unwrap()))
        .collect();
    let boot = d.join("boot");
    std::fs::copy(boot_bin(), &boot).unwrap();
    let boot_before = std::fs::read(&boot).unwrap();
    // The --pack stub in use, beside that bootloader.
    let stub = d.join("pyfreeze-unpack");
    std::fs::copy(unpack_bin(), &stub).unwrap();
    let stub_before = std::fs::read(&stub).unwrap();
    std::os::unix::fs::symlink(d.join("app.py"), d.join("link")).unwrap();
    mkfifo(&d.join("fifo"));

    let refused = |args: &[&str], why: &str| {
        let out = build_in(d, args);
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?} must be refused: {err}"
        );
        assert_contains(&err, why);
        assert!(!err.contains("panicked"), "{err}");
    };
    refused(&["app.py", "-o", "app.py"], "which this build reads");
    refused(&["app.py", "-o", "helper.py"], "which this build reads");
    refused(&["app.py", "-o", "link"], "which this build reads");
    refused(
        &["app.py", "--bootloader", "boot", "-o", "boot"],
        "which this build reads",
    );
    refused(
        &[
            "app.py",
            "--bootloader",
            "boot",
            "--pack",
            "-o",
            "pyfreeze-unpack",
        ],
        "the build's input",
    );
    refused(
        &["app.py", "-o", "notes.txt"],
        "is not a pyfreeze executable",
    );
    refused(&["app.py", "-o", "pkg"], "is a directory");
    refused(&["app.py", "-o", "fifo"], "not a regular file");
    refused(&["app.py", "-o", "/dev/null"], "not a regular file");
    // Nothing changed on disk, and nothing was left beside the targets.
    for (path, bytes) in &originals {
        assert_eq!(
            &std::fs::read(path).unwrap(),
            bytes,
            "{} changed",
            path.display()
        );
    }
    assert_eq!(std::fs::read(&boot).unwrap(), boot_before);
    assert_eq!(std::fs::read(&stub).unwrap(), stub_before);
    assert!(
        std::fs::symlink_metadata(d.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(
        &std::fs::metadata("/dev/null").unwrap().file_type()
    ));
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pyfreeze-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A previous output (and an empty file) may be replaced.
    std::fs::write(d.join("empty"), "").unwrap();
    for target in ["out", "out", "empty"] {
        let out = build_in(d, &["app.py", "-o", target]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&run(&d.join(target), [""; 0]).stdout), "hi\n");
    }

    // extract's -o: never the executable itself, never a file.
    let out = pyfreeze(d, ["extract", "out", "-o", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains(&text(&out.stderr), "is not a directory");
    assert_eq!(text(&run(&d.join("out"), [""; 0]).stdout), "hi\n");
}

#[test]
fn inspect_verify_and_extract_refuse_what_is_not_a_regular_file() {
    let dir = scratch();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    for args in [
        vec!["inspect", "fifo"],
        vec!["verify", "fifo"],
        vec!["extract", "fifo", "-o", "x"],
        vec!["inspect", "/dev/zero"],
        vec!["inspect", "."],
    ] {
        let out = output_within(
            Command::new(pyfreeze_bin())
                .current_dir(dir.path())
                .args(&args),
            Duration::from_secs(20),
        );
        assert!(!out.status.success(), "{args:?}");
        assert_contains(&text(&out.stderr), "not a regular file");
        if args[0] == "verify" {
            // 1 is "damaged"; what cannot be read as a bundle is 2.
            assert_eq!(out.status.code(), Some(2), "{args:?}");
        }
    }
    let missing = pyfreeze(dir.path(), ["verify", "no-such-file"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn inspect_escapes_control_characters_from_the_bundle() {
    let f = freeze_tree(
        &[
            ("main.py", "import pkg\n"),
            ("pkg/__init__.py", ""),
            ("pkg/\x1b[2J\x1b]0;owned\x07x.txt", "data\n"),
        ],
        &[],
    );
    let out = pyfreeze(
        f.dir.path(),
        ["inspect", "--modules", f.exe.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07'),
        "{shown:?}"
    );
    assert_contains(&shown, "pkg/\\u{1b}[2J");
}

/// verify and extract name a damaged entry, and errors quote names: the
/// escapes and the bidi override of a crafted name are shown, never sent.
#[test]
fn verify_and_extract_escape_crafted_names() {
    let content = "pyfreeze-test-unique-content-0123456789\n";
    let f = freeze_tree(
        &[
            ("main.py", "import pkg\n"),
            ("pkg/__init__.py", ""),
            ("pkg/\x1b[2J\u{202E}txt.exe", content),
        ],
        &[],
    );
    let mut bytes = std::fs::read(&f.exe).unwrap();
    let at = bytes
        .windows(content.len())
        .position(|w| w == content.as_bytes())
        .expect("the data file is stored");
    bytes[at] ^= 0x20;
    let damaged = f.dir.path().join("damaged");
    std::fs::write(&damaged, &bytes).unwrap();
    for args in [
        vec!["verify", "damaged"],
        vec!["extract", "damaged", "-o", "out"],
    ] {
        let out = pyfreeze(f.dir.path(), &args);
        assert!(!out.status.success(), "{args:?}");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            !all.contains('\x1b') && !all.contains('\u{202E}'),
            "{args:?}: {all:?}"
        );
        // (extract refuses the whole archive first, naming no entry.)
        if args[0] == "verify" {
            assert_contains(&all, "\\u{1b}[2J\\u{202e}txt.exe");
        }
    }
}

#[test]
fn an_invalid_literal_module_name_is_a_build_error() {
    let dir = project(&[(
        "app.py",
        "import importlib\nprint('x')\nimportlib.import_module('bad name')\n",
    )]);
    let out = build_in(dir.path(), &["app.py", "-o", "app", "--strict"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_contains(&err, "app.py:3:");
    assert_contains(&err, "\"bad name\" is not a module name");
    assert!(!dir.path().join("app").exists());
    // The rule the README states: no file could be named so, an error;
    // a file could (but no import statement), a lookup like any other.
    for (name, error) in [
        ("", true),
        ("a..b", true),
        ("foo-bar.baz", false),
        ("1abc", false),
    ] {
        write_tree(
            dir.path(),
            &[(
                "lookup.py",
                &format!("import importlib\nimportlib.import_module({name:?})\n"),
            )],
        );
        let out = build_in(dir.path(), &["lookup.py", "-o", "odd"]);
        let err = text(&out.stderr);
        assert_eq!(!out.status.success(), error, "{name:?}: {err}");
        if error {
            assert_contains(&err, "lookup.py:2:");
        } else {
            let first = name.split('.').next().unwrap();
            assert_contains(&err, &format!("module {first}"));
            assert_contains(&err, "not found");
        }
    }
    // In a package, such a call is CPython's business at run time.
    let venv = fake_venv(
        dir.path(),
        &[(
            "odd/__init__.py",
            "import importlib\ntry:\n    importlib.import_module('a b')\nexcept ImportError:\n    pass\n",
        )],
    );
    write_tree(dir.path(), &[("uses.py", "import odd\nprint('ok')\n")]);
    let out = build_in(
        dir.path(),
        &["uses.py", "-o", "uses", "--venv", venv.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&run(&dir.path().join("uses"), [""; 0]).stdout), "ok\n");
}

/// The build cache, as a user's: private directory, entries bound to their
/// keys under a secret.
#[test]
fn a_poisoned_build_cache_is_never_used() {
    let dir = project(&[
        ("a.py", "import helper\nprint('A', helper.WORD)\n"),
        ("b.py", "import helper\nprint('B', helper.WORD)\n"),
        ("helper.py", "WORD = 'right'\n"),
        ("evil.py", "WORD = 'evil'\n"),
        ("pkg/__init__.py", ""),
        ("pkg/data.txt", &"some data to deflate\n".repeat(50)),
        (
            "c.py",
            "import pkg, os\nprint(open(os.path.join(os.path.dirname(pkg.__file__), 'data.txt')).read()[:9])\n",
        ),
    ]);
    let d = dir.path();
    let cache = d.join("cache");
    let build = |script: &str, out: &str| {
        let o = Command::new(pyfreeze_bin())
            .current_dir(d)
            .env("PYFREEZE_CACHE_DIR", &cache)
            .args(["build", script, "-o", out, "-v"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        (text(&o.stdout), text(&o.stderr))
    };
    build("a.py", "a");
    build("c.py", "c");
    let entries = |dir: &Path| -> Vec<PathBuf> {
        walk_files(dir)
            .into_iter()
            .filter(|p| !p.ends_with("secret"))
            .collect()
    };
    let before = entries(&cache);
    assert!(!before.is_empty());
    // Forge: every entry replaced by evil.py's bytecode, each with a plain
    // sha256 recomputed (the old integrity check), as a copied entry has.
    build("evil.py", "evil");
    let evil_entries: Vec<PathBuf> = entries(&cache)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert!(!evil_entries.is_empty());
    let evil = std::fs::read(&evil_entries[0]).unwrap();
    for entry in &before {
        std::fs::write(entry, &evil).unwrap();
    }
    let (stdout, _) = build("a.py", "a");
    assert_contains(&stdout, "damaged entries found, removed and redone");
    assert_eq!(text(&run(&d.join("a"), [""; 0]).stdout), "A right\n");
    assert!(pyfreeze(d, ["verify", "a"]).status.success());
    let (_, _) = build("c.py", "c");
    assert_eq!(text(&run(&d.join("c"), [""; 0]).stdout), "some data\n");
    assert!(pyfreeze(d, ["verify", "c"]).status.success());

    // A cache directory others can write is not used, with one warning.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let count = entries(&cache).len();
    let (_, stderr) = build("b.py", "b");
    assert_eq!(stderr.matches("not used").count(), 1, "{stderr}");
    assert_contains(&stderr, "PYFREEZE_CACHE_DIR");
    assert_eq!(
        entries(&cache).len(),
        count,
        "nothing written to a loose cache"
    );
    assert_eq!(text(&run(&d.join("b"), [""; 0]).stdout), "B right\n");
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().unwrap().is_dir() {
                out.extend(walk_files(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

/// The data cache heals: a changed, deleted or emptied file is restored,
/// stale temporary directories go, `cache clean` and `cache dir` cover it.
#[test]
fn the_data_cache_heals_and_is_cleaned() {
    for runtime in RUNTIMES {
        let f = freeze_tree(
            &[
                (
                    "main.py",
                    "import os, pkg\nprint(open(os.path.join(os.path.dirname(pkg.__file__), 'words.txt')).read().strip())\n",
                ),
                ("pkg/__init__.py", ""),
                ("pkg/words.txt", "genuine words\n"),
            ],
            runtime,
        );
        let data = f.dir.path().join("data");
        let start = || {
            let out = Command::new(&f.exe)
                .env("PYFREEZE_DATA_DIR", &data)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", text(&out.stderr));
            text(&out.stdout)
        };
        assert_eq!(start(), "genuine words\n");
        let bundle_dir = std::fs::read_dir(&data)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let words = bundle_dir.join("pkg/words.txt");
        std::fs::write(&words, "poisoned word\n").unwrap(); // same size
        assert_eq!(start(), "genuine words\n");
        std::fs::remove_file(&words).unwrap();
        assert_eq!(start(), "genuine words\n");
        for e in std::fs::read_dir(&bundle_dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                std::fs::remove_dir_all(p).unwrap();
            } else {
                std::fs::remove_file(p).unwrap();
            }
        }
        assert_eq!(start(), "genuine words\n");
        assert!(
            pyfreeze(f.dir.path(), ["verify", f.exe.to_str().unwrap()])
                .status
                .success()
        );

        // A killed start's leftovers: removed once old, kept while young.
        let old = data.join(".tmp-0123-1-1");
        let young = data.join(".tmp-4567-1-1");
        std::fs::create_dir_all(old.join("x")).unwrap();
        std::fs::create_dir_all(&young).unwrap();
        let status = Command::new("touch")
            .args(["-d", "10 minutes ago"])
            .arg(&old)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::remove_dir_all(&bundle_dir).unwrap(); // so the next start writes
        assert_eq!(start(), "genuine words\n");
        assert!(!old.exists(), "a stale temporary directory is removed");
        assert!(young.exists(), "a young one may be another start's");

        // `cache dir` names both caches; `cache clean` empties both.
        let cache = f.dir.path().join("build-cache");
        let with_env = |args: &[&str]| {
            Command::new(pyfreeze_bin())
                .env("PYFREEZE_CACHE_DIR", &cache)
                .env("PYFREEZE_DATA_DIR", &data)
                .args(args)
                .output()
                .unwrap()
        };
        let dirs = text(&with_env(&["cache", "dir"]).stdout);
        assert_contains(&dirs, &format!("build cache: {}", cache.display()));
        assert_contains(&dirs, &format!("data cache:  {}", data.display()));
        let clean = with_env(&["cache", "clean"]);
        assert!(clean.status.success(), "{}", text(&clean.stderr));
        assert_contains(&text(&clean.stdout), &format!("Removed {}", data.display()));
        assert!(!data.exists());
        // Nothing is removed that `cache dir` did not list.
        for line in text(&clean.stdout).lines() {
            let removed = line.strip_prefix("Removed ").unwrap_or(line);
            assert!(
                dirs.lines()
                    .any(|l| removed.starts_with(l.split_once(": ").map_or(l, |p| p.1).trim())),
                "{removed} was not listed by cache dir:\n{dirs}"
            );
        }
    }
}

/// A program that says when it is ready, then sleeps; with an atexit
/// handler and its SIGINT disposition printed.
const SLEEPER: &str = "import atexit, signal, sys, time\n\
atexit.register(lambda: print('atexit ran', flush=True))\n\
print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, flush=True)\n\
time.sleep(float(sys.argv[1]))\n\
print('slept', flush=True)\n";

/// Start `cmd`, wait for its first line, send SIGINT, return the rest.
fn interrupt(cmd: &mut Command) -> (String, String, std::process::ExitStatus) {
    let mut child = spawn_piped(cmd);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    (first + &rest, text(&out.stderr), out.status)
}

#[test]
fn ctrl_c_runs_atexit_and_an_ignored_sigint_stays_ignored_as_in_cpython() {
    // The CPython runtime's twin is in cpython.rs.
    let f = freeze_source(SLEEPER, RUSTPYTHON);
    let script = f.dir.path().join("main.py");
    for runner in [
        vec![f.exe.clone()],
        vec![PathBuf::from(python3()), script.clone()],
    ] {
        let shown = format!("{runner:?}");
        // Ctrl-C: the traceback, atexit handlers, then death by SIGINT.
        let (stdout, stderr, status) = interrupt(
            default_sigint(&mut Command::new(&runner[0]))
                .args(&runner[1..])
                .arg("30"),
        );
        assert_eq!(stdout, "False\natexit ran\n", "{shown}: {stderr}");
        assert_contains(&stderr, "KeyboardInterrupt");
        assert_eq!(status.signal(), Some(libc::SIGINT), "{shown}: {status:?}");
        // Started with SIGINT ignored (nohup, supervisors): it stays so.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("trap '' INT; exec \"$@\"")
            .arg("sh")
            .args(&runner)
            .arg("1.5");
        let (stdout, stderr, status) = interrupt(&mut cmd);
        assert_eq!(stdout, "True\nslept\natexit ran\n", "{shown}: {stderr}");
        assert_eq!(status.code(), Some(0), "{shown}: {stderr}");
    }
}

/// What a project file or a rule directory names is checked at build time:
/// a rule's `env` that would stop every start, rule files that are not
/// regular files, an output name that leaves dist/, data from outside the
/// project (said), and build-cache directories others can write (ignored).
#[test]
fn project_files_and_rule_directories_are_checked_at_build_time() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[("main.py", "import pkg\n"), ("pkg/__init__.py", "")],
    );
    let build = |extra: &[&str]| {
        let mut args = vec!["build", "main.py", "-o", "out/app"];
        args.extend_from_slice(extra);
        output_within(
            Command::new(pyfreeze_bin())
                .current_dir(dir.path())
                .args(&args),
            Duration::from_secs(120),
        )
    };
    // A rule's env: a name with `=`, an empty name, a NUL in a value.
    for (i, env) in [
        r#"{ "A=B" = "1" }"#,
        r#"{ "" = "1" }"#,
        r#"{ X = "a\u0000b" }"#,
    ]
    .iter()
    .enumerate()
    {
        let hooks = dir.path().join(format!("env-hooks-{i}"));
        std::fs::create_dir_all(&hooks).unwrap();
        std::fs::write(
            hooks.join("bad.toml"),
            format!("[[rule]]\nmodule = \"pkg\"\nwhy = \"test\"\nenv = {env}\n"),
        )
        .unwrap();
        let out = build(&["--hooks-dir", hooks.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{env}: {err}");
        assert_contains(&err, "bad.toml, rule 1: env");
        assert!(!dir.path().join("out/app").exists());
    }
    // A FIFO and a link to /dev/zero named *.toml: refused at once.
    for (i, make) in ["fifo", "zero"].iter().enumerate() {
        let hooks = dir.path().join(format!("odd-hooks-{i}"));
        std::fs::create_dir_all(&hooks).unwrap();
        let file = hooks.join("x.toml");
        if *make == "fifo" {
            assert!(
                Command::new("mkfifo")
                    .arg(&file)
                    .status()
                    .unwrap()
                    .success()
            );
        } else {
            std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
        }
        let started = Instant::now();
        let out = build(&["--hooks-dir", hooks.to_str().unwrap()]);
        assert!(!out.status.success(), "{make}");
        assert_contains(&text(&out.stderr), "x.toml: not a regular file");
        assert!(started.elapsed() < Duration::from_secs(60), "{make}");
    }
    // A rule file over the size limit.
    let hooks = dir.path().join("big-hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("big.toml"), "#".repeat(2 << 20)).unwrap();
    let out = build(&["--hooks-dir", hooks.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_contains(&text(&out.stderr), "more than a rule file's limit");

    // [tool.pyfreeze] name is a file name in dist/.
    let outside = scratch();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "not the project's\n").unwrap();
    for name in ["../../../escape", "/tmp/escape", "..", "a/b"] {
        std::fs::write(
            dir.path().join("pyproject.toml"),
            format!("[tool.pyfreeze]\nscript = \"main.py\"\nname = {name:?}\n"),
        )
        .unwrap();
        let out = pyfreeze(dir.path(), ["build", "."]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{name}: {err}");
        assert_contains(&err, "[tool.pyfreeze] name");
        assert!(!dir.path().join("dist").exists(), "{name}");
    }
    // Data from outside the project: bundled, with one warning naming it.
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!(
            "[tool.pyfreeze]\nscript = \"main.py\"\nname = \"app\"\ndata = [{:?}]\n",
            format!("{}:stuff", secret.display())
        ),
    )
    .unwrap();
    let out = pyfreeze(dir.path(), ["build", "."]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("outside the project's directory").count(),
        1,
        "{err}"
    );
    assert_contains(&err, &secret.display().to_string());

    // A build-cache entry directory that others can write: the cache is
    // not used, with the warning the cache's own directory gets.
    let cache = scratch();
    let cached_build = || {
        output_of(
            Command::new(pyfreeze_bin())
                .current_dir(dir.path())
                .env("PYFREEZE_CACHE_DIR", cache.path())
                .args(["build", "main.py", "-o", "out/cached"]),
        )
    };
    let first = cached_build();
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(!text(&first.stderr).contains("not used"));
    let layout = std::fs::read_dir(cache.path())
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
        .unwrap()
        .path();
    let sub = std::fs::read_dir(&layout)
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
        .expect("an entry directory")
        .path();
    assert_eq!(
        std::fs::metadata(&sub).unwrap().permissions().mode() & 0o077,
        0,
        "entry directories are made private"
    );
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o777)).unwrap();
    let second = cached_build();
    let err = text(&second.stderr);
    assert!(second.status.success(), "{err}");
    assert_contains(&err, "not used");
    assert_contains(&err, &sub.display().to_string());
}

/// Messages stay readable: an expression too deep for CPython's compiler is
/// a compile error naming the file, not the helper's traceback; a syntax
/// error on a 400 KB line quotes a window of it.
#[test]
fn messages_about_huge_sources_stay_short() {
    let deep = format!("x = {}'x'\n", "'x'+".repeat(5000));
    let broken = format!("x = [{}\n", "1, ".repeat(100_000) + "(");
    for (source, runtime) in [(&deep, CPYTHON), (&broken, CPYTHON), (&broken, RUSTPYTHON)] {
        let dir = scratch();
        write_tree(
            dir.path(),
            &[("main.py", "import gen\n"), ("gen.py", source)],
        );
        let mut args = vec!["build", "main.py", "-o", "app"];
        args.extend_from_slice(runtime);
        let out = pyfreeze(dir.path(), &args);
        let err = text(&out.stderr);
        if std::ptr::eq(source, &deep) && out.status.success() {
            panic!("{runtime:?}: python3 refuses this expression: {err}");
        }
        assert!(!out.status.success(), "{runtime:?}");
        assert_contains(&err, "gen.py:");
        assert!(
            !err.contains("Traceback") && !err.contains("stopped answering"),
            "{runtime:?}: {err}"
        );
        assert!(
            err.len() < 2000,
            "{runtime:?}: {} bytes: {}",
            err.len(),
            err.chars().take(500).collect::<String>()
        );
        assert!(!dir.path().join("app").exists());
    }
}

/// Arguments and paths are bytes that need not be UTF-8: both runtimes
/// decode them as CPython does (surrogateescape), so os.fsencode gives the
/// bytes back and sys.executable names the file, whatever directory it is
/// started from.
#[test]
fn arguments_and_paths_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let program = "import os, sys\nprint(ascii(sys.argv[1:]), os.fsencode(sys.argv[1]) == b'\\xff-arg')\n\
                   print(os.path.exists(sys.executable), os.path.basename(os.fsencode(sys.executable)))\n\
                   print(ascii(sys.orig_argv[1:]) if hasattr(sys, 'orig_argv') else ['\\udcff-arg'])\n";
    for runtime in RUNTIMES {
        let app = freeze_source(program, runtime);
        let odd = app
            .dir
            .path()
            .join(std::ffi::OsStr::from_bytes(b"dir-\xfe"));
        std::fs::create_dir_all(&odd).unwrap();
        let exe = odd.join("app");
        std::fs::copy(&app.exe, &exe).unwrap();
        let out = output_of(
            Command::new(&exe)
                .arg(std::ffi::OsStr::from_bytes(b"\xff-arg"))
                .current_dir(&odd),
        );
        assert!(out.status.success(), "{runtime:?}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "['\\udcff-arg'] True\nTrue b'app'\n['\\udcff-arg']\n",
            "{runtime:?}"
        );
    }
}

/// A `--native-cache` bundle under a HOME whose name is not UTF-8 writes
/// its cache there and loads libpython and its extensions from it (it used
/// to exit 2 naming a path with U+FFFD in it).
#[test]
fn the_native_cache_under_a_home_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let app = freeze_source(
        "import json, _ctypes, sys\nprint(json.dumps([1]), sys.flags.optimize)\n",
        &[CPYTHON, &["--native-cache"]].concat(),
    );
    let home = app
        .dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"home-\xfe"));
    std::fs::create_dir_all(&home).unwrap();
    for _ in 0..2 {
        let out = output_of(
            Command::new(&app.exe)
                .env_clear()
                .env("HOME", &home)
                .env("PATH", "/usr/bin:/bin"),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "[1] 0\n");
        assert!(
            !text(&out.stderr).contains("note:"),
            "{}",
            text(&out.stderr)
        );
    }
    let cache = home.join(".cache/pyfreeze/bundles");
    let written: Vec<_> = std::fs::read_dir(&cache)
        .unwrap_or_else(|e| panic!("{}: {e}", cache.display()))
        .collect();
    assert_eq!(written.len(), 1, "one bundle's native cache");
}

/// The bundle's root (`sys._MEIPASS`) under a HOME that is not UTF-8 names
/// the directory its data files are in, and a rule's `{root}` names it too
/// (both used to name a path with U+FFFD in it, which does not exist). The
/// CPython runtime gives the path's bytes, decoded as CPython decodes every
/// path; the RustPython runtime, whose importer works in UTF-8, names the
/// same directory through a descriptor of it. Without data files, the
/// CPython runtime's virtual root sits beside the executable, whatever
/// bytes its directory's name holds.
#[test]
fn the_data_root_under_a_home_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let hooks = root_rule_hooks();
    let hooks_dir = hooks.path().to_str().unwrap();
    let program = "import os, sys, pkg\n\
                   root = sys._MEIPASS\n\
                   data = os.path.join(os.path.dirname(pkg.__file__), 'd.txt')\n\
                   print(os.path.isdir(root), open(data).read().strip())\n\
                   print(os.path.samefile(os.path.dirname(os.environ['FROM_RULE']), root))\n\
                   print(os.fsencode(root).startswith(os.fsencode(os.environ['HOME'])))\n";
    for runtime in RUNTIMES {
        let f = freeze_tree(
            &[
                ("main.py", program),
                ("pkg/__init__.py", ""),
                ("pkg/d.txt", "bundled data\n"),
            ],
            &[runtime, &["--hooks-dir", hooks_dir]].concat(),
        );
        let home = f.dir.path().join(std::ffi::OsStr::from_bytes(b"home-\xfe"));
        std::fs::create_dir_all(&home).unwrap();
        let out = output_of(
            Command::new(&f.exe)
                .env_clear()
                .env("HOME", &home)
                .env("PATH", "/usr/bin:/bin"),
        );
        assert!(out.status.success(), "{runtime:?}: {}", text(&out.stderr));
        let under_home = if runtime == CPYTHON { "True" } else { "False" };
        assert_eq!(
            text(&out.stdout),
            format!("True bundled data\nTrue\n{under_home}\n"),
            "{runtime:?}: {}",
            text(&out.stderr)
        );
    }
    // No data files: a virtual root beside the executable.
    let app = freeze_source(
        "import os, sys\n\
         print(os.path.dirname(os.fsencode(sys._MEIPASS)) == os.path.dirname(os.fsencode(sys.executable)))\n",
        CPYTHON,
    );
    let odd = app
        .dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"dir-\xfe"));
    std::fs::create_dir_all(&odd).unwrap();
    let exe = odd.join("app");
    std::fs::copy(&app.exe, &exe).unwrap();
    let out = output_of(&mut Command::new(&exe));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "True\n");
}

/// A modest soft limit on open files (`ulimit -Sn 12`) does not stop a
/// program that loads several native libraries: the soft limit is raised
/// to the hard one at start.
#[test]
fn a_low_soft_limit_on_open_files_is_raised() {
    let program = "import resource, ssl, sqlite3, lzma, bz2, ctypes, decimal\n\
                   soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n\
                   print('ok', soft > 12)\n";
    for runtime in RUNTIMES {
        let app = freeze_source(program, runtime);
        let out = output_of(
            Command::new("bash")
                .arg("-c")
                .arg(format!("ulimit -Sn 12 && exec '{}'", app.exe.display())),
        );
        assert!(out.status.success(), "{runtime:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "ok True\n", "{runtime:?}");
    }
}

/// A program that loads many native objects runs under a hard limit on open
/// files as low as python's own for the same imports (plus one, for the
/// executable the bundle is read from): each memfd is closed once its
/// object is loaded, prefetched copies the program does not take are
/// closed, and running out of descriptors is never taken for a system that
/// refuses memory loading (which wrote the native cache, silently).
#[test]
fn many_native_libraries_load_at_pythons_limit_on_open_files() {
    let program = "import ssl, sqlite3, lzma, bz2, ctypes, decimal, json, csv, array, mmap\n\
                   import select, socket, hashlib, zlib, unicodedata, asyncio, struct, math\n\
                   import os\n\
                   held = [f for f in os.listdir('/proc/self/fd')\n\
                           if 'memfd:' in os.path.realpath('/proc/self/fd/' + f)]\n\
                   print('ok', len(held) < 3)\n";
    let app = freeze_source(program, CPYTHON);
    let script = app.dir.path().join("main.py");
    let home = app.dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let python = String::from_utf8(
        Command::new(python3())
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    // `ulimit -n` sets the hard limit too: nothing can raise it again.
    let under = |limit: u32, what: &str| {
        output_of(
            Command::new("bash")
                .arg("-c")
                .arg(format!("ulimit -n {limit} && exec {what}"))
                .env("HOME", &home)
                .env_remove("XDG_CACHE_HOME")
                .env_remove("PYFREEZE_DATA_DIR"),
        )
    };
    let needs = (4..64)
        .find(|&n| {
            let out = under(n, &format!("'{}' -I '{}'", python.trim(), script.display()));
            out.status.success()
        })
        .expect("python runs the imports under some limit");
    let out = under(needs + 1, &format!("'{}'", app.exe.display()));
    assert!(
        out.status.success(),
        "python runs under `ulimit -n {needs}`, the bundle not under {}: {}",
        needs + 1,
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "ok True\n");
    assert!(
        !text(&out.stderr).contains("note:"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !home.join(".cache/pyfreeze").exists(),
        "nothing is written to the native cache"
    );
    // Out of descriptors at the very start: a clear line, exit 2.
    let out = under(4, &format!("'{}'", app.exe.display()));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ulimit -n"),
        "{}",
        text(&out.stderr)
    );
}

/// A bundle whose data files cannot be kept on disk never reads them from a
/// directory another user could have made beside the executable: its root
/// is a path no one can create, and reads through the loader still work.
#[test]
fn data_is_never_read_from_a_directory_another_user_made() {
    let hooks = root_rule_hooks();
    let hooks_dir = hooks.path().to_str().unwrap();
    for runtime in RUNTIMES {
        let f = freeze_tree(
            &[
                (
                    "main.py",
                    "import os, sys, importlib.resources\n\
                     print(importlib.resources.files('pkg').joinpath('d.txt').read_text().strip())\n\
                     path = os.path.join(os.path.dirname(__import__('pkg').__file__), 'd.txt')\n\
                     try:\n    print(open(path).read().strip())\nexcept OSError as e:\n    print(type(e).__name__)\n\
                     v = os.environ.get('FROM_RULE', '')\nprint(bool(v) and not v.startswith(os.path.dirname(sys.executable)))\n",
                ),
                ("pkg/__init__.py", ""),
                ("pkg/d.txt", "bundled data\n"),
            ],
            &[runtime, &["--hooks-dir", hooks_dir]].concat(),
        );
        // What an attacker put where the old fallback root was.
        let planted = f.exe.parent().unwrap().join("app_internal/pkg");
        std::fs::create_dir_all(&planted).unwrap();
        std::fs::write(planted.join("d.txt"), "planted\n").unwrap();
        let out = output_of(
            Command::new(&f.exe)
                .env_clear()
                .env("PYFREEZE_DATA_DIR", f.dir.path().join("main.py")),
        );
        let stdout = text(&out.stdout);
        assert!(!stdout.contains("planted"), "{runtime:?}: {stdout}");
        // (FROM_RULE is set, under the new root: not beside the executable.)
        assert_eq!(
            stdout,
            "bundled data\nFileNotFoundError\nTrue\n",
            "{runtime:?}: {}",
            text(&out.stderr)
        );
    }
}
