//! The CPython runtime (`--runtime cpython`): every installed CPython from
//! 3.10 on, real extension modules, loaded from memory with nothing written
//! to disk, behaving as the interpreter it was built from.

use pyfreeze_tests::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// `--runtime cpython --python PYTHON`.
fn with(python: &Path) -> Vec<String> {
    vec![
        "--runtime".into(),
        "cpython".into(),
        "--python".into(),
        python.display().to_string(),
    ]
}

/// `.cpython-311-x86_64-linux-gnu.so`: what `python`'s extension modules end with.
fn ext_suffix(python: &Path) -> String {
    let out = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))",
        ])
        .output()
        .unwrap();
    text(&out.stdout).trim().to_string()
}

/// Where `python`'s C headers are, for compiling a test's extension.
fn include_dir(python: &Path) -> String {
    let out = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['include'])",
        ])
        .output()
        .unwrap();
    text(&out.stdout).trim().to_string()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The default interpreter of these tests: 3.11, else any.
fn python() -> std::path::PathBuf {
    cpython(11)
        .or_else(|| cpythons().into_iter().next().map(|(_, p)| p))
        .expect("a CPython 3.10 or later")
}

#[test]
fn hello_starts_on_every_installed_cpython() {
    let found = cpythons();
    assert!(
        found.len() >= 2,
        "expected several CPythons (pyenv has 3.10-3.13 here), found {found:?}"
    );
    let dir = scratch();
    for (minor, python) in &found {
        let exe = dir.path().join(format!("hello3{minor}"));
        freeze(
            &root().join("examples/hello/hello.py"),
            &exe,
            &args(&with(python)),
        );
        let out = run(&exe, ["Ann"]);
        assert!(out.status.success(), "3.{minor}: {}", text(&out.stderr));
        assert_contains(&text(&out.stdout), &format!("Python 3.{minor}"));
        let inspected = pyfreeze(dir.path(), ["inspect", "--json", exe.to_str().unwrap()]);
        let doc: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
        let runtime = doc["bundle"]["runtime"].as_str().unwrap();
        assert!(
            runtime.starts_with(&format!("CPython 3.{minor}.")),
            "{runtime}"
        );
        let libs = doc["libraries"].as_array().expect("libraries listed");
        assert!(
            libs[0]["soname"]
                .as_str()
                .unwrap()
                .starts_with(&format!("libpython3.{minor}"))
        );
        assert!(libs[0]["size"].as_u64().unwrap() > 1_000_000);
        let verified = pyfreeze(dir.path(), ["verify", exe.to_str().unwrap()]);
        assert!(verified.status.success(), "{}", text(&verified.stdout));
    }
}

#[test]
fn fixture_programs_behave_as_the_interpreter_they_were_built_from() {
    let programs: Vec<_> = std::fs::read_dir(fixtures().join("diff"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    assert!(programs.len() >= 10);
    let interpreters = cpythons();
    std::thread::scope(|scope| {
        for (minor, python) in &interpreters {
            let programs = &programs;
            scope.spawn(move || {
                let out_dir = scratch();
                let mut failures = Vec::new();
                for program in programs {
                    let name = program.file_stem().unwrap().to_str().unwrap();
                    let exe = out_dir.path().join(name);
                    // Newer syntax than this interpreter's: the build refuses
                    // it, as the interpreter does.
                    let compiles = Command::new(python)
                        .args([
                            "-c",
                            "import sys; compile(open(sys.argv[1]).read(), 'p', 'exec')",
                        ])
                        .arg(program)
                        .output()
                        .unwrap();
                    if !compiles.status.success() {
                        let mut a = vec![
                            "build",
                            program.to_str().unwrap(),
                            "-o",
                            exe.to_str().unwrap(),
                        ];
                        let w = with(python);
                        a.extend(args(&w));
                        let out = pyfreeze(&root(), a);
                        assert!(!out.status.success(), "3.{minor} {name} built");
                        assert_contains(&text(&out.stderr), "SyntaxError");
                        continue;
                    }
                    let expected = Command::new(python)
                        .arg(program)
                        .current_dir(program.parent().unwrap())
                        .output()
                        .unwrap();
                    freeze(program, &exe, &args(&with(python)));
                    let got = output_of(Command::new(&exe).current_dir(program.parent().unwrap()));
                    if got.stdout != expected.stdout || got.status.code() != expected.status.code()
                    {
                        failures.push(format!(
                            "3.{minor} {name}: exit {:?} vs {:?}\n{}",
                            got.status.code(),
                            expected.status.code(),
                            text(&got.stderr)
                        ));
                    }
                }
                assert!(failures.is_empty(), "{}", failures.join("\n"));
            });
        }
    });
}

const BEHAVIOUR: &str = r#"
import sys, os, importlib.resources, importlib.metadata, subprocess, threading, sqlite3, ssl, ctypes
print("frozen", sys.frozen, os.path.basename(sys._MEIPASS))
print("executable", sys.executable == os.path.realpath(sys.argv[0]))
print("argv", sys.argv[1:])
print("data", importlib.resources.files("pkg").joinpath("data.txt").read_text().strip())
print("file", open(os.path.join(os.path.dirname(__import__("pkg").__file__), "data.txt")).read().strip())
print("metadata", importlib.metadata.version("fakedist"))
print("assert", "on" if __debug__ else "off")
print("stdin", sys.stdin.readline().strip())
print("subprocess", subprocess.run([sys.executable, "child"], capture_output=True, text=True).stdout.strip() if sys.argv[1:] != ["child"] else "child")
t = threading.Thread(target=lambda: print("thread ran")); t.start(); t.join()
print("sqlite", sqlite3.connect(":memory:").execute("select 6*7").fetchone()[0])
print("ssl", ssl.create_default_context().verify_mode == ssl.CERT_REQUIRED)
print("ctypes", ctypes.CDLL(None).strlen(b"four"))
def documented():
    "doc"
print("docstring", documented.__doc__)
code = {"exit3": 3, "msg": "bye", "raise": None}.get(sys.argv[1] if len(sys.argv) > 1 else "", 0)
if code is None:
    raise RuntimeError("from the program")
sys.exit(code)
"#;

#[test]
fn a_frozen_program_sees_what_it_would_under_cpython() {
    let python = python();
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", BEHAVIOUR),
            ("pkg/__init__.py", ""),
            ("pkg/data.txt", "payload\n"),
        ],
    );
    let venv = fake_venv(
        dir.path(),
        &[
            (
                "fakedist-1.2.3.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: fakedist\nVersion: 1.2.3\n",
            ),
            ("fakedist-1.2.3.dist-info/top_level.txt", "fakedist\n"),
            ("fakedist/__init__.py", ""),
        ],
    );
    let mut extra = with(&python);
    extra.extend([
        "--venv".into(),
        venv.display().to_string(),
        "--hidden-import".into(),
        "fakedist".into(),
    ]);
    let exe = dir.path().join("out").join("app");
    freeze(&dir.path().join("main.py"), &exe, &args(&extra));
    let cache = dir.path().join("cache");
    let start = |a: &[&str], input: &str| {
        let mut child = Command::new(&exe)
            .args(a)
            .env("XDG_CACHE_HOME", &cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = start(&[], "typed\n");
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}\n{}", text(&out.stderr));
    for line in [
        "frozen True ",
        "executable True",
        "argv []",
        "data payload",
        "file payload",
        "metadata 1.2.3",
        "assert on",
        "stdin typed",
        "subprocess",
        "thread ran",
        "sqlite 42",
        "ssl True",
        "ctypes 4",
        "docstring doc",
    ] {
        assert_contains(&said, line);
    }
    // Exit statuses and messages, as python gives them.
    assert_eq!(start(&["exit3"], "").status.code(), Some(3));
    let msg = start(&["msg"], "");
    assert_eq!(
        (msg.status.code(), text(&msg.stderr)),
        (Some(1), "bye\n".to_string())
    );
    // An uncaught exception: its traceback with the source line, status 1.
    let raised = start(&["raise"], "");
    assert_eq!(raised.status.code(), Some(1));
    let tb = text(&raised.stderr);
    assert_contains(&tb, "Traceback (most recent call last):");
    assert_contains(&tb, "main.py\", line 21, in <module>");
    assert_contains(&tb, "raise RuntimeError(\"from the program\")");
    assert_contains(&tb, "RuntimeError: from the program");
    assert!(!tb.contains("_pyfreeze"), "import machinery shown: {tb}");

    // -OO: asserts and docstrings gone, as under python -OO.
    let mut optimized = extra.clone();
    optimized.extend(["--optimize".into(), "2".into()]);
    let exe2 = dir.path().join("out").join("app-oo");
    freeze(&dir.path().join("main.py"), &exe2, &args(&optimized));
    let out = output_of(
        Command::new(&exe2)
            .env("XDG_CACHE_HOME", &cache)
            .stdin(Stdio::null()),
    );
    assert_contains(&text(&out.stdout), "assert off");
    assert_contains(&text(&out.stdout), "docstring None");
}

#[test]
fn ctrl_c_runs_atexit_and_ends_by_sigint_as_cpython() {
    let python = python();
    let source = "import atexit, sys, time\natexit.register(lambda: print('atexit ran', flush=True))\nprint('ready', flush=True)\ntime.sleep(30)\n";
    let f = freeze_tree(&[("main.py", source)], &args(&with(&python)));
    for (what, mut cmd) in [
        ("frozen", Command::new(&f.exe)),
        ("python", {
            let mut c = Command::new(&python);
            c.arg(f.dir.path().join("main.py"));
            c
        }),
    ] {
        let mut child = default_sigint(&mut cmd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 6];
        use std::io::Read;
        stdout.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"ready\n", "{what}");
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGINT), "{what}: {status:?}");
        assert_eq!(rest, "atexit ran\n", "{what}");
    }
}

#[test]
fn multiprocessing_children_with_every_start_method() {
    let python = python();
    let app = fixtures().join("multiprocessing_app.py");
    let dir = scratch();
    let exe = dir.path().join("mp");
    freeze(&app, &exe, &args(&with(&python)));
    let expected = Command::new(&python).arg(&app).output().unwrap();
    let got = run(&exe, [""; 0]);
    assert_eq!(
        text(&got.stdout),
        text(&expected.stdout),
        "{}",
        text(&got.stderr)
    );
    assert_eq!(got.status.code(), expected.status.code());
}

/// Every file the process (and its children) opens for writing, creates,
/// renames or removes, as strace sees it.
fn writes_at_start(exe: &Path, home: &Path) -> Vec<String> {
    let log = home.join("strace.log");
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,link,symlink", "-o"])
        .arg(&log)
        .arg(exe)
        .env("HOME", home)
        .env("TMPDIR", home)
        .env_remove("XDG_CACHE_HOME")
        .stdin(Stdio::null())
        .output()
        .expect("strace (installed on this machine) to watch what a start writes");
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| {
            let writes = l.contains("O_WRONLY") || l.contains("O_RDWR") || l.contains("O_CREAT");
            let other = ["mkdir", "rename", "unlink", "link(", "symlink"]
                .iter()
                .any(|c| l.contains(c));
            (writes && !l.contains("/dev/null") && !l.contains("/dev/tty")) || other
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn nothing_is_written_at_start() {
    let python = python();
    let dir = scratch();
    let source = "import ssl, sqlite3, decimal, json, hashlib, ctypes\nprint(sqlite3.connect(':memory:').execute('select 1').fetchone(), decimal.Decimal(1) / 7)\n";
    write_tree(dir.path(), &[("main.py", source)]);
    let exe = dir.path().join("app");
    freeze(&dir.path().join("main.py"), &exe, &args(&with(&python)));
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let writes = writes_at_start(&exe, &home);
    assert!(
        writes.is_empty(),
        "written at start:\n{}",
        writes.join("\n")
    );
    assert_eq!(
        std::fs::read_dir(&home).unwrap().count(),
        1,
        "only strace's log"
    );
}

#[test]
fn where_memory_loading_is_refused_native_code_loads_from_the_private_cache() {
    let python = python();
    let source = "import ssl, sqlite3, _decimal\nprint(ssl.OPENSSL_VERSION.split()[0], sqlite3.connect(':memory:').execute('select 2').fetchone()[0])\n";
    let f = freeze_tree(&[("main.py", source)], &args(&with(&python)));
    let cache = f.dir.path().join("cache");
    let out = output_of(
        Command::new(&f.exe)
            .env("PYFREEZE_NATIVE_FROM_DISK", "1")
            .env("XDG_CACHE_HOME", &cache),
    );
    assert_eq!(text(&out.stdout), "OpenSSL 2\n", "{}", text(&out.stderr));
    let bundles = cache.join("pyfreeze").join("bundles");
    let dirs: Vec<_> = std::fs::read_dir(&bundles)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert!(dirs[0].to_string_lossy().ends_with(".native"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dirs[0]).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let libs = dirs[0].join("__pyfreeze__").join("lib");
    assert!(std::fs::read_dir(&libs).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("libpython")
    }));
    // A second start reuses the directory.
    let again = output_of(
        Command::new(&f.exe)
            .env("PYFREEZE_NATIVE_FROM_DISK", "1")
            .env("XDG_CACHE_HOME", &cache),
    );
    assert_eq!(text(&again.stdout), "OpenSSL 2\n");
    assert_eq!(std::fs::read_dir(&bundles).unwrap().count(), 1);
}

/// `--native-cache`: native code is written once, at the first start, into
/// the private per-user cache, and mapped from there at every start (later
/// starts write nothing); RustPython builds refuse the option.
#[test]
fn with_native_cache_native_code_is_written_once_and_loaded_from_there() {
    let python = python();
    let dir = scratch();
    let source = "import ssl\nmaps = open('/proc/self/maps').read().splitlines()\nfor name in ('libpython', '_ssl'):\n    where = {('cache' if '/pyfreeze/bundles/' in l else 'memory' if 'memfd:' in l else 'elsewhere') for l in maps if name in l}\n    print(name, sorted(where))\n";
    write_tree(dir.path(), &[("main.py", source)]);
    let exe = dir.path().join("app");
    let mut extra = with(&python);
    extra.push("--native-cache".into());
    freeze(&dir.path().join("main.py"), &exe, &args(&extra));
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let first = writes_at_start(&exe, &home);
    assert!(
        first.iter().any(|l| l.contains("libpython")),
        "the first start writes libpython: {first:?}"
    );
    let again = writes_at_start(&exe, &home);
    assert!(
        again.is_empty(),
        "written at a later start:\n{}",
        again.join("\n")
    );
    let out = output_of(
        Command::new(&exe)
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME"),
    );
    assert_eq!(
        text(&out.stdout),
        "libpython ['cache']\n_ssl ['cache']\n",
        "{}",
        text(&out.stderr)
    );
    // No cache to be had (the data directory named is a file): loaded from
    // memory, which works, with one line saying so.
    let out = output_of(
        Command::new(&exe)
            .env_clear()
            .env("PYFREEZE_DATA_DIR", dir.path().join("main.py"))
            // Not this machine's own files, which a start here maps.
            .env("PYFREEZE_NATIVE_FROM_MEMORY", "1"),
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        text(&out.stdout),
        "libpython ['memory']\n_ssl ['memory']\n",
        "{err}"
    );
    assert_eq!(
        err.matches("note: native code is loaded from memory")
            .count(),
        1,
        "{err}"
    );
    assert!(!err.contains("refuses"), "{err}");
    let shown = pyfreeze(dir.path(), ["inspect", exe.to_str().unwrap()]);
    assert_contains(
        &text(&shown.stdout),
        "native code  loaded from the per-user cache",
    );
    // The default build loads the same from memory; here, where python's
    // own files are, from those.
    let default = dir.path().join("default");
    freeze(&dir.path().join("main.py"), &default, &args(&with(&python)));
    let out = output_of(Command::new(&default).env("PYFREEZE_NATIVE_FROM_MEMORY", "1"));
    assert_eq!(text(&out.stdout), "libpython ['memory']\n_ssl ['memory']\n");
    let out = run(&default, [] as [&str; 0]);
    assert_eq!(
        text(&out.stdout),
        "libpython ['elsewhere']\n_ssl ['elsewhere']\n"
    );
    // RustPython loads no native code: the option is refused, clearly.
    let refused = pyfreeze(
        dir.path(),
        [
            "build",
            "main.py",
            "-o",
            "rp",
            "--runtime",
            "rustpython",
            "--native-cache",
        ],
    );
    assert!(!refused.status.success());
    assert_contains(
        &text(&refused.stderr),
        "--native-cache applies to the CPython runtime",
    );
    assert!(!dir.path().join("rp").exists());
}

/// On the machine that built it, native code still where the build read it
/// is mapped from there, as python maps it (no copy into memory); anything
/// else loads the bundle's copy from memory: with
/// `PYFREEZE_NATIVE_FROM_MEMORY=1`, from a build with `--no-build-paths`
/// (which then names no path of this machine), and where the file at that
/// path is not the one the build read (a copy bind-mounted over it).
#[test]
fn on_the_build_machine_native_code_is_mapped_from_pythons_own_files() {
    let python = python();
    let dir = scratch();
    let source = "import ssl\nmaps = open('/proc/self/maps').read().splitlines()\nfor name in ('libpython', '_ssl'):\n    print(sorted({l.split(None, 5)[-1] for l in maps if name in l}))\n";
    write_tree(dir.path(), &[("main.py", source)]);
    let probe = Command::new(&python)
        .args(["-c", "import os, ssl, sysconfig as s\nprint(os.path.realpath(os.path.join(s.get_config_var('LIBDIR'), s.get_config_var('INSTSONAME'))))\nprint(os.path.realpath(ssl._ssl.__file__))"])
        .output()
        .unwrap();
    let probe = text(&probe.stdout);
    let (libpython, ssl) = probe.trim().split_once('\n').unwrap();
    let own_files = format!("['{libpython}']\n['{ssl}']\n");
    let memory = |out: &std::process::Output| {
        let shown = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 2, "{shown}");
        for line in lines {
            assert!(
                line.starts_with("['/memfd:pyfreeze/"),
                "not from memory: {shown}"
            );
        }
    };

    let exe = dir.path().join("app");
    freeze(&dir.path().join("main.py"), &exe, &args(&with(&python)));
    let out = output_of(&mut Command::new(&exe));
    assert_eq!(text(&out.stdout), own_files, "{}", text(&out.stderr));
    memory(&output_of(
        Command::new(&exe).env("PYFREEZE_NATIVE_FROM_MEMORY", "1"),
    ));

    let portable = dir.path().join("portable");
    let mut extra = with(&python);
    extra.push("--no-build-paths".into());
    freeze(&dir.path().join("main.py"), &portable, &args(&extra));
    memory(&output_of(&mut Command::new(&portable)));
    let bytes = std::fs::read(&portable).unwrap();
    assert!(
        !bytes
            .windows(libpython.len())
            .any(|w| w == libpython.as_bytes()),
        "--no-build-paths still names {libpython}"
    );

    // The same bytes at the same path, but another file: not used.
    let copy = dir.path().join("libpython-copy");
    std::fs::copy(libpython, &copy).unwrap();
    let private_mounts = Command::new("unshare")
        .args(["--mount", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !private_mounts {
        missing(
            "a mount namespace to put another file at libpython's path (`unshare --mount`)",
            "run the tests as root",
        );
        return;
    }
    let out = output_of(
        Command::new("unshare")
            .args([
                "--mount",
                "sh",
                "-c",
                "mount --bind \"$0\" \"$1\" && exec \"$2\"",
            ])
            .args([copy.as_os_str(), libpython.as_ref(), exe.as_os_str()]),
    );
    let shown = text(&out.stdout);
    assert!(
        shown.starts_with("['/memfd:pyfreeze/") && shown.ends_with(&format!("['{ssl}']\n")),
        "{shown}{}",
        text(&out.stderr)
    );
}

#[test]
fn rebuilds_are_byte_identical() {
    let python = python();
    let dir = scratch();
    write_tree(
        dir.path(),
        &[("main.py", "import json, ssl\nprint(json.dumps({'a': 1}))\n")],
    );
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let mut extra = with(&python);
    freeze(&dir.path().join("main.py"), &a, &args(&extra));
    extra.push("--no-cache".into());
    freeze(&dir.path().join("main.py"), &b, &args(&extra));
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "the two builds differ"
    );
}

#[test]
fn interpreters_that_cannot_be_bundled_are_refused_clearly() {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", "print(1)\n")]);
    let build = |extra: &[&str]| {
        let mut a = vec!["build", "main.py", "-o", "out", "--runtime", "cpython"];
        a.extend_from_slice(extra);
        let out = pyfreeze(dir.path(), a);
        assert!(!out.status.success());
        assert!(!dir.path().join("out").exists());
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: ") && !err.contains("panicked"),
            "{err}"
        );
        err
    };
    assert_contains(&build(&["--python", "/nonexistent/python3"]), "--python");
    // An interpreter without a shared libpython.
    let fake = dir.path().join("static-python");
    let probe = serde_json::json!({
        "executable": "/opt/static/bin/python3.11", "version": [3, 11, 4], "version_text": "3.11.4",
        "implementation": "cpython", "abiflags": "", "magic": 3495, "stdlib": "/opt/static/lib/python3.11",
        "lib_dynload": null, "purelib": "/x", "platlib": "/x", "prefix": "/opt/static", "base_prefix": "/opt/static",
        "libdir": "/opt/static/lib", "instsoname": "libpython3.11.a", "ldlibrary": "libpython3.11.a",
        "shared": false, "gil_disabled": false, "ext_suffixes": [".so"], "builtin": [], "frozen": [],
        "startup": [], "platform": "linux", "machine": "x86_64", "sysconfigdata": null
    });
    write_executable(&fake, format!("#!/bin/sh\ncat <<'EOF'\n{probe}\nEOF\n"));
    let err = build(&["--python", fake.to_str().unwrap()]);
    assert_contains(&err, "without a shared libpython");
    assert_contains(&err, "--enable-shared");
    // Another platform's CPython is not on this machine.
    let err = build(&["--target", "x86_64-pc-windows-msvc"]);
    assert_contains(&err, "builds for the machine it runs on");
    assert_contains(&err, "runs on Linux with glibc for now");
    let err = build(&["--target", "aarch64-unknown-linux-gnu"]);
    assert_contains(&err, "Build on a aarch64-unknown-linux-gnu machine");
}

#[test]
fn rustpython_builds_name_the_cpython_runtime_for_compiled_modules() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import fastmath\n"),
            ("fastmath.cpython-311-x86_64-linux-gnu.so", ""),
        ],
    );
    // Asked for by name: left to pyfreeze, the runtime would be CPython.
    let out = pyfreeze(
        dir.path(),
        ["build", "main.py", "-o", "app", "--runtime", "rustpython"],
    );
    assert!(out.status.success());
    let warning = text(&out.stderr);
    assert_contains(&warning, "compiled extension");
    assert_contains(&warning, "--runtime cpython");
}

/// mypyc (mypy, black) keeps a compiled module's strings where the scan of
/// its binary cannot read them, but ships the module's source beside it:
/// the source's imports are followed.
#[test]
fn an_extension_module_imports_what_the_source_beside_it_imports() {
    let python = python();
    let dir = scratch();
    let suffix = ext_suffix(&python);
    write_tree(
        dir.path(),
        &[
            ("main.py", "import fastmath\n"),
            ("fastmath.py", "import argparse\n"),
            (&format!("fastmath{suffix}"), ""),
        ],
    );
    let why = |module: &str| {
        let mut a = vec!["why", module, "main.py"];
        let w = with(&python);
        a.extend(args(&w));
        pyfreeze(dir.path(), a)
    };
    let out = why("argparse");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_contains(&text(&out.stdout), "main.py -> fastmath -> argparse");
    // Without the source there is nothing to follow.
    std::fs::remove_file(dir.path().join("fastmath.py")).unwrap();
    assert!(!why("argparse").status.success());
}

#[test]
fn a_damaged_extension_or_library_is_refused_when_it_is_loaded() {
    let python = python();
    let source = "print('USER CODE RAN', flush=True)\nimport _decimal\nprint('LOADED')\n";
    let f = freeze_tree(&[("main.py", source)], &args(&with(&python)));
    let good = std::fs::read(&f.exe).unwrap();
    let bundle = pyfreeze_bundle::Bundle::open(&good).unwrap();
    let middle_of = |prefix: &str| {
        let rec = bundle
            .manifest
            .files
            .iter()
            .find(|r| r.path.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix}* in the bundle"));
        (
            rec.path.clone(),
            (bundle.bootloader_len + rec.offset + rec.stored / 2) as usize,
        )
    };
    let bad = f.dir.path().join("bad");
    let cache = f.dir.path().join("cache");
    for (prefix, from_disk, ran) in [
        ("_decimal.", false, "USER CODE RAN\n"),
        ("__pyfreeze__/lib/libpython", false, ""),
        // The fallback writes every native file before the program runs.
        ("_decimal.", true, ""),
    ] {
        let (path, at) = middle_of(prefix);
        write_flipped(&good, at, &bad);
        let mut cmd = Command::new(&bad);
        // The bundle's copies, not python's own files (which this machine has).
        cmd.env("XDG_CACHE_HOME", &cache)
            .env("PYFREEZE_NATIVE_FROM_MEMORY", "1");
        if from_disk {
            cmd.env("PYFREEZE_NATIVE_FROM_DISK", "1");
        }
        let out = output_of(&mut cmd);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert_eq!(text(&out.stdout), ran, "{path}: {stderr}");
        assert_contains(&stderr, &format!("{path} does not match its checksum"));
    }
    let out = run(&f.exe, [""; 0]);
    assert_eq!(text(&out.stdout), "USER CODE RAN\nLOADED\n");
}

/// A package that puts its own directory first on sys.path and imports
/// modules from it as top-level ones, as OpenCV's loader does: it pops
/// itself from sys.modules, imports `twin` again (its twin/twin.py, standing
/// in for cv2/cv2.abi3.so) and a compiled module from beside it.
const TWIN_PACKAGE: &str = r#"import importlib, os, sys
here = os.path.dirname(os.path.abspath(__file__))
package = sys.modules.pop("twin")
sys.path.insert(0, here)
try:
    inner = importlib.import_module("twin")
    import _statistics
finally:
    sys.path.remove(here)
    sys.modules["twin"] = package
INNER = (inner.__name__, inner.shout("hi"), os.path.relpath(inner.__file__, here))
NATIVE = (_statistics.__name__, os.path.relpath(_statistics.__file__, here), _statistics._normal_dist_inv_cdf(0.5, 3.0, 1.0))
"#;

#[test]
fn modules_a_package_imports_from_its_own_directory_on_sys_path_load_as_top_level() {
    let python = python();
    let suffix = ext_suffix(&python);
    let dir = scratch();
    let stdlib_ext = Command::new(&python)
        .args(["-c", "import _statistics; print(_statistics.__file__)"])
        .output()
        .unwrap();
    let stdlib_ext = text(&stdlib_ext.stdout).trim().to_string();
    let main =
        "import twin, sys\nprint(twin.INNER, twin.NATIVE, twin.__name__, 'twin' in sys.modules)\n";
    write_tree(
        dir.path(),
        &[
            ("main.py", main),
            ("twin/__init__.py", TWIN_PACKAGE),
            ("twin/twin.py", "def shout(s):\n    return s.upper()\n"),
        ],
    );
    std::fs::copy(
        &stdlib_ext,
        dir.path().join("twin").join(format!("_statistics{suffix}")),
    )
    .unwrap();
    let expected = output_of(Command::new(&python).arg("main.py").current_dir(dir.path()));
    assert!(expected.status.success(), "{}", text(&expected.stderr));
    assert_contains(&text(&expected.stdout), "('twin', 'HI', 'twin.py')");
    // The graph cannot see imports through sys.path: name them, as a rule does.
    let mut extra = with(&python);
    extra.extend(
        [
            "--hidden-import",
            "twin.twin",
            "--hidden-import",
            "twin._statistics",
        ]
        .map(String::from),
    );
    let exe = dir.path().join("out").join("app");
    freeze(&dir.path().join("main.py"), &exe, &args(&extra));
    let got = run(&exe, Vec::<&str>::new());
    assert!(got.status.success(), "{}", text(&got.stderr));
    assert_eq!(text(&got.stdout), text(&expected.stdout));
}

/// tkinter (and turtle) need Tcl/Tk through _tkinter, which RustPython has
/// not: a plain build runs it on CPython, where Tcl runs; asked for by
/// name, RustPython stays and the warning names the way out; there an
/// optional import changes nothing.
#[test]
fn a_tkinter_program_runs_plainly_and_rustpython_names_the_way_out() {
    let python = python();
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "gui.py",
                "import tkinter\nt = tkinter.Tcl()\nprint(t.eval('expr {6*7}'), t.eval('string toupper tk'))\n",
            ),
            (
                "maybe.py",
                "try:\n    import tkinter\nexcept ImportError:\n    tkinter = None\nprint(tkinter is None)\n",
            ),
        ],
    );
    let venv = fake_venv(dir.path(), &[]);
    let build = |script: &str, extra: &[&str]| {
        let mut a = vec!["build", script, "-o", "app", "--python"];
        a.push(python.to_str().unwrap());
        a.extend(["--venv", venv.to_str().unwrap()]);
        a.extend_from_slice(extra);
        pyfreeze(dir.path(), a)
    };
    let start = || output_of(Command::new(dir.path().join("app")).stdin(Stdio::null()));
    let plain = build("gui.py", &[]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    assert_contains(&text(&plain.stdout), "runtime: CPython");
    let got = start();
    assert_eq!(text(&got.stdout), "42 TK\n", "{}", text(&got.stderr));
    let kept = build("gui.py", RUSTPYTHON);
    assert!(kept.status.success(), "{}", text(&kept.stderr));
    assert_contains(&text(&kept.stderr), "--runtime cpython");
    assert!(!start().status.success(), "RustPython has no tkinter");
    let optional = build("maybe.py", RUSTPYTHON);
    assert!(optional.status.success(), "{}", text(&optional.stderr));
    assert!(!text(&optional.stderr).contains("--runtime cpython"));
    assert_eq!(text(&start().stdout), "True\n");
    let shown = text(&pyfreeze(dir.path(), ["inspect", "app"]).stdout);
    assert_contains(&shown, "RustPython");
}

/// A Tk window (ttk widgets, a canvas, a button's command, the main loop)
/// in a virtual X server: Tk's own script library comes with the bundle.
#[test]
fn a_tk_window_works_under_an_x_server() {
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        return missing("xvfb-run", "install Debian's xvfb, as tests/run does");
    }
    let python = python();
    let source = "import tkinter as tk\nfrom tkinter import ttk\n\
        root = tk.Tk()\nvar = tk.StringVar(value='start')\nttk.Label(root, textvariable=var).pack()\n\
        b = ttk.Button(root, text='go', command=lambda: var.set('clicked'))\nb.pack()\n\
        c = tk.Canvas(root, width=40, height=40)\nc.create_oval(2, 2, 30, 30, fill='red')\nc.pack()\n\
        root.update()\nb.invoke()\nprint(var.get(), ttk.Style().theme_use(), len(c.find_all()))\n\
        root.after(20, root.destroy)\nroot.mainloop()\nprint('closed')\n";
    let f = freeze_tree(&[("main.py", source)], &args(&with(&python)));
    let in_x = |program: &mut Command| {
        output_of(
            Command::new("xvfb-run")
                .arg("-a")
                .arg(program.get_program())
                .args(program.get_args())
                .current_dir(f.dir.path())
                .stdin(Stdio::null()),
        )
    };
    let expected = in_x(Command::new(&python).arg("main.py"));
    assert!(
        expected.status.success(),
        "xvfb-run (Debian: xvfb) and python's tkinter: {}",
        text(&expected.stderr)
    );
    assert_eq!(text(&expected.stdout), "clicked default 1\nclosed\n");
    let got = in_x(&mut Command::new(&f.exe));
    assert_eq!(
        text(&got.stdout),
        text(&expected.stdout),
        "{}",
        text(&got.stderr)
    );
}

/// `cc` builds a shared library in `dir`.
fn cc(dir: &Path, source: &str, out: &str, args: &[&str]) {
    let c = dir.join(format!("{out}.c"));
    std::fs::write(&c, source).unwrap();
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-o", out])
        .arg(&c)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("cc (gcc) builds the test's libraries");
    assert!(built.status.success(), "cc: {}", text(&built.stderr));
}

/// A package that loads its native library by path with ctypes (lightgbm,
/// xgboost, llvmlite): the library is on disk under sys._MEIPASS, with the
/// wheel library it needs where its RPATH says (`$ORIGIN/../../calc.libs`,
/// as auditwheel writes). An extension module nothing imports stays out.
#[test]
fn libraries_loaded_by_path_with_ctypes_are_on_disk_with_what_they_need() {
    let python = python();
    let suffix = ext_suffix(&python);
    let dir = scratch();
    let venv = fake_venv(
        dir.path(),
        &[(
            "calc/__init__.py",
            "import ctypes, os\n\
             _lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'lib', 'libcalc.so'))\n\
             def answer():\n    return _lib.answer()\n",
        )],
    );
    let site = venv.join("lib/python3.11/site-packages");
    std::fs::create_dir_all(site.join("calc.libs")).unwrap();
    std::fs::create_dir_all(site.join("calc/lib")).unwrap();
    cc(
        &site.join("calc.libs"),
        "int helper(void) { return 21; }\n",
        "libhelper-1a2b.so.1",
        &["-Wl,-soname,libhelper-1a2b.so.1"],
    );
    cc(
        &site.join("calc/lib"),
        "int helper(void);\nint answer(void) { return 2 * helper(); }\n",
        "libcalc.so",
        &[
            "../../calc.libs/libhelper-1a2b.so.1",
            "-Wl,-rpath,$ORIGIN/../../calc.libs",
        ],
    );
    cc(
        &site.join("calc"),
        "void *PyInit__unused(void) { return 0; }\n",
        &format!("_unused{suffix}"),
        &[],
    );
    write_tree(
        dir.path(),
        &[("main.py", "import calc\nprint(calc.answer())\n")],
    );
    let mut extra = with(&python);
    extra.extend(["--venv".to_string(), venv.display().to_string()]);
    let exe = dir.path().join("app");
    freeze(&dir.path().join("main.py"), &exe, &args(&extra));
    let got = output_of(
        Command::new(&exe)
            .env("PYFREEZE_DATA_DIR", dir.path().join("data"))
            .stdin(Stdio::null()),
    );
    assert_eq!(text(&got.stdout), "42\n", "{}", text(&got.stderr));
    let files: Vec<String> = manifest(&exe).files.into_iter().map(|r| r.path).collect();
    for wanted in ["calc/lib/libcalc.so", "calc.libs/libhelper-1a2b.so.1"] {
        assert!(
            files.iter().any(|f| f == wanted),
            "{wanted} missing: {files:?}"
        );
    }
    assert!(
        !files.iter().any(|f| f.contains("_unused")),
        "an extension module nothing imports is bundled: {files:?}"
    );
}

/// A Cython extension that imports its own package's module inside a
/// function (pyarrow's `lib` imports `pyarrow.interchange` in
/// `__dataframe__`) says so nowhere the binary scan can read (recent Cython
/// compresses its strings; here the name is built at run time): the
/// `.pyx` source shipped beside it, with the `.pxi` files it includes,
/// does. Another package imported there (an optional integration) is not
/// followed.
#[test]
fn a_cython_extensions_own_imports_are_read_from_its_source_beside_it() {
    let python = python();
    let suffix = ext_suffix(&python);
    let dir = scratch();
    let mut files = CYTHON_PACKAGE.to_vec();
    files.extend([
        (
            "pkg/_impl.pyx",
            "# cython: language_level=3\ncimport cython\ninclude \"more.pxi\"\n\
                 cdef int twice(int x):\n    return 2 * x\n",
        ),
        (
            "pkg/more.pxi",
            "def run():\n    from pkg.helper import answer  # as pyarrow's lib does\n    \
                 import other\n    return answer\n",
        ),
    ]);
    let venv = fake_venv(dir.path(), &files);
    let site = venv.join("lib/python3.11/site-packages");
    let include = include_dir(&python);
    cc(
        &site.join("pkg"),
        "#include <Python.h>\n\
         /* \"pkg.helper\", each byte plus one: no string in the binary names it. */\n\
         static const char hidden[] = \"qlh/ifmqfs\";\n\
         static PyObject *run(PyObject *self, PyObject *unused) {\n\
             char name[sizeof hidden];\n\
             for (size_t i = 0; i < sizeof hidden; i++) name[i] = hidden[i] ? hidden[i] - 1 : 0;\n\
             PyObject *m = PyImport_ImportModule(name);\n\
             if (!m) return NULL;\n\
             PyObject *r = PyObject_GetAttrString(m, \"answer\");\n\
             Py_DECREF(m);\n\
             return r;\n\
         }\n\
         static PyMethodDef methods[] = {{\"run\", run, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};\n\
         static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, \"_impl\", NULL, -1, methods};\n\
         PyMODINIT_FUNC PyInit__impl(void) { return PyModule_Create(&def); }\n",
        &format!("_impl{suffix}"),
        &[&format!("-I{include}")],
    );
    helper_is_bundled_and_found(dir.path(), &venv, &python, "source beside");
}

/// The package of the Cython tests: `pkg._impl` (added by each test)
/// imports `pkg.helper` from compiled code; `pkg.unused` and `other` must
/// stay out.
const CYTHON_PACKAGE: &[(&str, &str)] = &[
    ("pkg/__init__.py", ""),
    ("pkg/helper.py", "answer = 42\n"),
    (
        "pkg/unused.py",
        "raise SystemExit('pkg.unused is bundled')\n",
    ),
    ("other/__init__.py", ""),
];

/// Freeze `import pkg._impl; print(pkg._impl.run())` from `venv` and check
/// that `pkg.helper` is bundled and found, and `pkg.unused` and `other` are not.
fn helper_is_bundled_and_found(dir: &Path, venv: &Path, python: &Path, case: &str) {
    write_tree(
        dir,
        &[("main.py", "import pkg._impl\nprint(pkg._impl.run())\n")],
    );
    let mut extra = with(python);
    extra.extend(["--venv".to_string(), venv.display().to_string()]);
    let exe = dir.join("app");
    freeze(&dir.join("main.py"), &exe, &args(&extra));
    let modules: Vec<String> = manifest(&exe).modules.into_iter().map(|r| r.name).collect();
    assert!(
        modules.iter().any(|m| m == "pkg.helper"),
        "{case}: {modules:?}"
    );
    for left_out in ["pkg.unused", "other"] {
        assert!(
            !modules.iter().any(|m| m == left_out),
            "{case}: {left_out}: {modules:?}"
        );
    }
    let got = output_of(Command::new(&exe).stdin(Stdio::null()));
    assert_eq!(text(&got.stdout), "42\n", "{case}: {}", text(&got.stderr));
}

/// Cython 3.1 and later packs a module's strings into one table with no
/// separators, and compresses it (zlib, or its own LZSS by default since
/// 3.3): an import made in a function of a compiled module, with no source
/// shipped, is read from that table, each way it can be stored. Only the
/// package's own modules are taken from it.
#[test]
fn a_cython_modules_imports_are_read_from_its_packed_string_table() {
    let python = python();
    let suffix = ext_suffix(&python);
    let cython = cython_venv().join("bin").join("cython");
    let include = include_dir(&python);
    // Enough strings that compressing them pays, as in any real module.
    let words: Vec<String> = (0..120).map(|i| format!("'option_name_{i:03}'")).collect();
    let pyx = format!(
        "OPTIONS = ({},)\n\
         def run():\n    from pkg.helper import answer\n    return answer\n\n\
         def integrate():\n    import other\n",
        words.join(", ")
    );
    for (compression, define) in [("none", "0"), ("zlib", "1"), ("lzss", "90")] {
        let dir = scratch();
        let venv = fake_venv(dir.path(), CYTHON_PACKAGE);
        let work = dir.path().join("cy");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("_impl.pyx"), &pyx).unwrap();
        let generated = Command::new(&cython)
            .args([
                "-3",
                "--module-name",
                "pkg._impl",
                "_impl.pyx",
                "-o",
                "_impl.c",
            ])
            .current_dir(&work)
            .output()
            .expect("cython");
        assert!(generated.status.success(), "{}", text(&generated.stderr));
        let c = std::fs::read_to_string(work.join("_impl.c")).unwrap();
        assert!(
            c.contains(&format!("compression: {compression}")),
            "Cython wrote no {compression} table"
        );
        let site = venv.join("lib/python3.11/site-packages");
        let built = Command::new("cc")
            .args(["-shared", "-fPIC", "-O0", "-o"])
            .arg(site.join("pkg").join(format!("_impl{suffix}")))
            .arg(work.join("_impl.c"))
            .arg(format!("-I{include}"))
            .arg(format!("-DCYTHON_COMPRESS_STRINGS={define}"))
            .output()
            .expect("cc (gcc) builds the test's extension");
        assert!(built.status.success(), "cc: {}", text(&built.stderr));
        helper_is_bundled_and_found(dir.path(), &venv, &python, compression);
    }
}

/// C code that `dlopen`s an extension module by its `__file__` gets the
/// module already loaded from memory (matplotlib's `_tkagg` finds Tcl/Tk
/// through `_tkinter.__file__`), and `dladdr` names it by that path.
#[test]
fn an_extension_module_is_known_to_the_dynamic_linker_by_its_file() {
    let python = python();
    let source = "import ctypes, os, _statistics\n\
        lib = ctypes.CDLL(_statistics.__file__, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)\n\
        print(hasattr(lib, 'PyInit__statistics'), os.path.exists(_statistics.__file__) or 'virtual')\n";
    let f = freeze_tree(&[("main.py", source)], &args(&with(&python)));
    let got = run(&f.exe, Vec::<&str>::new());
    assert_eq!(text(&got.stdout), "True virtual\n", "{}", text(&got.stderr));
}

/// What CPython imports while it starts is frozen into it by the bootloader
/// where the locale is UTF-8 (or C, where CPython turns UTF-8 mode on), and
/// comes from the start-up zip elsewhere, with the codec the locale names.
/// Either way the program sees the encodings CPython would give it, and the
/// `encodings` modules are the bundle's (under `sys._MEIPASS`), on every
/// installed CPython (whose frozen-module tables differ in layout).
#[test]
fn the_start_up_codecs_are_cpythons_in_utf8_c_and_latin1_locales() {
    let dir = scratch();
    // A Latin-1 locale, made here (LOCPATH): few systems install one.
    let locales = dir.path().join("locales");
    std::fs::create_dir_all(&locales).unwrap();
    let made = Command::new("localedef")
        .args(["-i", "en_US", "-f", "ISO-8859-1"])
        .arg(locales.join("en_US.ISO-8859-1"))
        .output()
        .expect("localedef (libc-bin), with the locales package's charmaps");
    assert!(made.status.success(), "localedef: {}", text(&made.stderr));
    let program = dir.path().join("codecs_seen.py");
    std::fs::write(
        &program,
        r#"import sys, os
print(sys.stdout.encoding, sys.getfilesystemencoding(), sys.flags.utf8_mode)
print(ascii("caf\xe9".encode(sys.stdout.encoding)))
if getattr(sys, "frozen", False):
    for name in sorted(n for n in sys.modules if n.split(".")[0] == "encodings"):
        m = sys.modules[name]
        where = os.path.relpath(m.__file__, sys._MEIPASS)
        print("bundle:", name, where, type(m.__loader__).__name__, file=sys.stderr)
"#,
    )
    .unwrap();
    let locales_env = [
        ("LC_ALL", "C.UTF-8"),
        ("LC_ALL", "C"),
        ("LC_ALL", "en_US.ISO-8859-1"),
    ];
    for (minor, python) in cpythons() {
        let exe = dir.path().join(format!("codecs3{minor}"));
        freeze(&program, &exe, &args(&with(&python)));
        for (var, value) in locales_env {
            let env = |cmd: &mut Command| {
                cmd.env_remove("LANG")
                    .env_remove("LC_CTYPE")
                    .env(var, value)
                    .env("LOCPATH", &locales);
            };
            let mut frozen = Command::new(&exe);
            env(&mut frozen);
            let got = output_of(&mut frozen);
            let mut plain = Command::new(&python);
            plain.arg("-I").arg(&program);
            env(&mut plain);
            let want = output_of(&mut plain);
            assert!(
                got.status.success(),
                "3.{minor} {value}: {}",
                text(&got.stderr)
            );
            assert_eq!(text(&got.stdout), text(&want.stdout), "3.{minor} {value}");
            let seen = text(&got.stderr);
            assert_contains(
                &seen,
                "bundle: encodings encodings/__init__.py BundleImporter",
            );
            if value.contains("8859") {
                assert_contains(&text(&got.stdout), "iso8859-1 iso8859-1 0");
                assert_contains(
                    &seen,
                    "bundle: encodings.latin_1 encodings/latin_1.py BundleImporter",
                );
            } else {
                assert_contains(
                    &seen,
                    "bundle: encodings.utf_8 encodings/utf_8.py BundleImporter",
                );
            }
        }
    }
}
