//! Frozen programs behave like the same program run by python: entry
//! points, module attributes, data files, tracebacks, process behaviour,
//! import-system edge cases and awkward paths; under both runtimes.

use pyfreeze_tests::*;
use std::path::Path;
use std::process::{Command, Stdio};

fn build_here(dir: &Path, args: &[&str]) {
    let out = pyfreeze(dir, args);
    assert!(
        out.status.success(),
        "pyfreeze {args:?}: {}",
        text(&out.stderr)
    );
}

#[test]
fn run_a_module_like_python_dash_m() {
    for runtime in RUNTIMES {
        let dir = scratch();
        write_tree(
            dir.path(),
            &[
                ("tool/__init__.py", "VERSION = '2.0'\n"),
                (
                    "tool/__main__.py",
                    "import sys\nfrom . import core, VERSION\nprint(__name__, __package__, __spec__.name, core.answer(), VERSION, sys.argv[1:])\n",
                ),
                ("tool/core.py", "def answer():\n    return 42\n"),
            ],
        );
        build_here(
            dir.path(),
            &[&["build", "-m", "tool", "-o", "app"], runtime].concat(),
        );
        let got = run(&dir.path().join("app"), ["x", "y"]);
        let expected = Command::new(python3())
            .current_dir(dir.path())
            .args(["-m", "tool", "x", "y"])
            .output()
            .unwrap();
        assert_eq!(
            text(&got.stdout),
            text(&expected.stdout),
            "{runtime:?}: {}",
            text(&got.stderr)
        );
        assert_eq!(
            text(&got.stdout),
            "__main__ tool tool.__main__ 42 2.0 ['x', 'y']\n"
        );
        // Default output name is the module's.
        build_here(dir.path(), &[&["build", "-m", "tool"], runtime].concat());
        assert!(dir.path().join("dist/tool").is_file());
    }
}

#[test]
fn call_a_function_like_a_console_script() {
    for runtime in RUNTIMES {
        let dir = scratch();
        write_tree(
            dir.path(),
            &[
                ("cli/__init__.py", ""),
                (
                    "cli/main.py",
                    "import sys\ndef main():\n    print('called with', sys.argv[1:])\n    mode = sys.argv[1]\n    \
                     return {'int': 3, 'none': None, 'msg': 'failed: bad input'}[mode]\n\
                     if __name__ == '__main__':\n    print('must not run')\n",
                ),
            ],
        );
        build_here(
            dir.path(),
            &[&["build", "--entry", "cli.main:main", "-o", "app"], runtime].concat(),
        );
        let app = dir.path().join("app");
        let three = run(&app, ["int"]);
        assert_eq!(
            (three.status.code(), text(&three.stdout)),
            (Some(3), "called with ['int']\n".to_string())
        );
        assert_eq!(run(&app, ["none"]).status.code(), Some(0));
        let msg = run(&app, ["msg"]);
        assert_eq!(
            (msg.status.code(), text(&msg.stderr)),
            (Some(1), "failed: bad input\n".to_string())
        );

        let bad = pyfreeze(dir.path(), ["build", "--entry", "cli.main", "-o", "app2"]);
        assert!(!bad.status.success());
        assert_contains(&text(&bad.stderr), "expected MODULE:FUNCTION");
    }
}

#[test]
fn pyproject_tool_pyfreeze_table() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"demo\"\n\n[tool.pyfreeze]\nentry = \"demo.cli:run\"\nname = \"demo-tool\"\n\
                 paths = [\"src\"]\nhidden-imports = [\"demo.plugin\"]\nexclude-modules = [\"demo.heavy\"]\n\
                 data = [\"assets/greeting.txt:assets\"]\nruntime = \"rustpython\"\n",
            ),
            (
                "src/demo/cli.py",
                "import importlib, os, sys\ndef run():\n    plugin = importlib.import_module('demo.' + 'plugin')\n    \
                 with open(os.path.join(sys._MEIPASS, 'assets', 'greeting.txt')) as f:\n        greeting = f.read().strip()\n    \
                 try:\n        import demo.heavy\n    except ImportError:\n        heavy = 'excluded'\n    \
                 print(greeting, plugin.NAME, heavy)\n",
            ),
            ("src/demo/__init__.py", ""),
            ("src/demo/plugin.py", "NAME = 'plugin loaded'\n"),
            ("src/demo/heavy.py", "X = 1\n"),
            ("assets/greeting.txt", "hello from data\n"),
        ],
    );
    build_here(dir.path(), &["build", "."]);
    let exe = dir.path().join("dist/demo-tool");
    let first = manifest(&exe);
    assert_eq!(
        first.bytecode,
        pyfreeze_bundle::runtime::rustpython::BYTECODE_FORMAT,
        "the table's runtime"
    );
    assert_contains(
        first.build.runtime_reason.as_deref().unwrap_or_default(),
        "[tool.pyfreeze]",
    );
    let out = run(&exe, [""; 0]);
    assert_eq!(
        text(&out.stdout),
        "hello from data plugin loaded excluded\n",
        "{}",
        text(&out.stderr)
    );

    // The build options, set in the table: -OO, no source, zstd everywhere.
    let table = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("{table}optimize = 2\nno-source = true\ncompress = \"none\"\nstrict = true\n"),
    )
    .unwrap();
    build_here(dir.path(), &["build", "."]);
    let m = manifest(&exe);
    assert_eq!(m.build.optimize, 2);
    assert!(!m.build.source, "no-source");
    assert!(
        m.files
            .iter()
            .all(|f| f.compression == pyfreeze_bundle::Compression::Stored),
        "compress = none"
    );
    assert_eq!(
        text(&run(&exe, [""; 0]).stdout),
        "hello from data plugin loaded excluded\n"
    );
    // A bad value names the key.
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("{table}compress = \"max\"\n"),
    )
    .unwrap();
    let out = pyfreeze(dir.path(), ["build", "."]);
    assert!(!out.status.success());
    assert_contains(&text(&out.stderr), "[tool.pyfreeze] compress = \"max\"");

    // A directory without a table is explained.
    let empty = scratch();
    let out = pyfreeze(empty.path(), ["build", "."]);
    assert_contains(&text(&out.stderr), "pyproject.toml");
}

#[test]
fn module_attributes_and_listing_like_importlib() {
    for runtime in RUNTIMES {
        let app = freeze_tree(
            &[
                (
                    "main.py",
                    "import sys, os, importlib.util, pkgutil\nimport pkg.sub.leaf\n\
                     m = pkg.sub.leaf\n\
                     print(m.__name__, m.__package__, m.__spec__.name, type(m.__loader__).__name__)\n\
                     print(os.path.relpath(m.__file__, sys._MEIPASS), os.path.relpath(pkg.__path__[0], sys._MEIPASS))\n\
                     print(pkg.__spec__.submodule_search_locations == pkg.__path__, m.__spec__.origin == m.__file__)\n\
                     print(importlib.util.find_spec('pkg.other').name, importlib.util.find_spec('no.such') is None if False else importlib.util.find_spec('nosuch') is None)\n\
                     print(sorted(name for _, name, _ in pkgutil.iter_modules(pkg.__path__)))\n\
                     print(sorted(name for _, name, _ in pkgutil.walk_packages(pkg.__path__, 'pkg.')))\n\
                     print('pkg' in [name for _, name, ispkg in pkgutil.iter_modules() if ispkg])\n",
                ),
                ("pkg/__init__.py", ""),
                ("pkg/other.py", ""),
                ("pkg/sub/__init__.py", ""),
                ("pkg/sub/leaf.py", ""),
            ],
            &[runtime, &["--collect-submodules", "pkg"]].concat(),
        );
        let out = run(&app.exe, [""; 0]);
        assert_eq!(
            text(&out.stdout),
            "pkg.sub.leaf pkg.sub pkg.sub.leaf BundleImporter\n\
             pkg/sub/leaf.py pkg\n\
             True True\n\
             pkg.other True\n\
             ['other', 'sub']\n\
             ['pkg.other', 'pkg.sub', 'pkg.sub.leaf']\n\
             True\n",
            "{}",
            text(&out.stderr)
        );
    }
}

/// A property-testing library seeds its runs from a test function's source
/// and signature (hypothesis's `function_digest`): frozen, with the source
/// carried, they are python's, and so are the line numbers and names.
#[test]
fn source_derived_seeds_are_pythons() {
    let program = "import hashlib, inspect\n\nclass Box:\n    @staticmethod\n    def check(a: int, b=\"x\", *rest, flag=False, **kw) -> bool:\n        \"\"\"A test function whose source seeds a property-testing run.\"\"\"\n        return bool(a)\n\ndef digest(f):\n    h = hashlib.sha384()\n    h.update(inspect.getsource(f).encode())\n    h.update(repr(inspect.signature(f)).encode())\n    return h.hexdigest()[:16]\n\nf = Box.check\nprint(digest(f), f.__code__.co_firstlineno, f.__qualname__, inspect.getsourcelines(f)[1])\nprint(inspect.getsource(Box).count(\"\\n\"), inspect.getmodule(f).__name__)\n";
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", program)]);
    let python = Command::new("python3")
        .arg("main.py")
        .current_dir(dir.path())
        .output()
        .expect("python3 runs");
    assert!(python.status.success(), "{}", text(&python.stderr));
    for runtime in RUNTIMES {
        let out = pyfreeze(
            dir.path(),
            [&["build", "main.py", "-o", "app"], runtime].concat(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let ran = run(&dir.path().join("app"), [""; 0]);
        assert_eq!(
            text(&ran.stdout),
            text(&python.stdout),
            "{runtime:?}: {}",
            text(&ran.stderr)
        );
    }
}

/// `--runtime-hook` scripts run in the order given, before the entry
/// point, under both runtimes; what they import is bundled; one that
/// raises stops the program with its traceback.
#[test]
fn runtime_hooks_run_in_order_before_the_entry_point() {
    for runtime in RUNTIMES {
        let dir = scratch();
        write_tree(
            dir.path(),
            &[
                (
                    "main.py",
                    "import os, sys\nprint(os.environ['FROM_HOOK'], sys.hook_order, sys.modules['hookdep'].NAME)\n",
                ),
                (
                    "hooks/first.py",
                    "import os, sys, hookdep\nos.environ['FROM_HOOK'] = 'set'\nsys.hook_order = ['first']\n",
                ),
                (
                    "hooks/second.py",
                    "import sys\nsys.hook_order.append('second')\n",
                ),
                ("hooks/bad.py", "raise RuntimeError('hook says no')\n"),
                ("hookdep.py", "NAME = 'dep of a hook'\n"),
            ],
        );
        let hooks = [
            "--runtime-hook",
            "hooks/first.py",
            "--runtime-hook",
            "hooks/second.py",
        ];
        let args = [&["build", "main.py", "-o", "app"], &hooks[..], runtime].concat();
        let out = pyfreeze(dir.path(), args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let ran = run(&dir.path().join("app"), [""; 0]);
        assert_eq!(
            text(&ran.stdout),
            "set ['first', 'second'] dep of a hook\n",
            "{runtime:?}: {}",
            text(&ran.stderr)
        );
        assert!(
            manifest(&dir.path().join("app"))
                .module("hookdep")
                .is_some()
        );

        let args = [
            &[
                "build",
                "main.py",
                "-o",
                "bad",
                "--runtime-hook",
                "hooks/bad.py",
            ],
            runtime,
        ]
        .concat();
        assert!(pyfreeze(dir.path(), args).status.success());
        let ran = run(&dir.path().join("bad"), [""; 0]);
        assert_eq!(ran.status.code(), Some(1), "{runtime:?}");
        assert_contains(&text(&ran.stderr), "RuntimeError: hook says no");
        assert!(text(&ran.stdout).is_empty());
    }
}

/// What a library tries in turn to read its package data (lark: the
/// loader's get_data, then open): each way finds a data-only sub-package's
/// files without importing it, and a missing file raises what python
/// raises, so the library's next attempt runs. An extension module is no
/// package.
#[test]
fn package_data_fallbacks_behave_as_under_python() {
    let program = "import os, pkgutil, importlib.resources as res, importlib.util\n\
                   import mypkg, _ctypes\n\
                   here = os.path.dirname(mypkg.__file__)\n\
                   ways = {\n\
                   'pkgutil': lambda f: pkgutil.get_data('mypkg', 'grammars/' + f).decode(),\n\
                   'resources': lambda f: (res.files('mypkg') / 'grammars' / f).read_text(),\n\
                   'loader': lambda f: mypkg.__loader__.get_data(os.path.join(here, 'grammars', f)).decode(),\n\
                   'open': lambda f: open(os.path.join(here, 'grammars', f)).read(),\n\
                   }\n\
                   for way, read in ways.items():\n\
                   \x20   try:\n\
                   \x20       read('none.grammar')\n\
                   \x20   except OSError as e:\n\
                   \x20       print(way, read('common.grammar').strip(), type(e).__name__)\n\
                   print(importlib.util.find_spec('_ctypes').loader.is_package('_ctypes'))\n";
    let script = "mypkg/grammars/common.grammar";
    let mut expected: String = ["pkgutil", "resources", "loader", "open"]
        .iter()
        .map(|w| format!("{w} start: WORD+ FileNotFoundError\n"))
        .collect();
    expected.push_str("False\n");
    let tree = [
        ("main.py", program),
        ("mypkg/__init__.py", ""),
        ("mypkg/grammars/__init__.py", ""),
        (script, "start: WORD+\n"),
    ];
    let dir = scratch();
    write_tree(dir.path(), &tree);
    let python = Command::new("python3")
        .arg("main.py")
        .current_dir(dir.path())
        .output()
        .expect("python3 runs");
    assert_eq!(
        text(&python.stdout),
        expected,
        "python itself: {}",
        text(&python.stderr)
    );
    for runtime in RUNTIMES {
        let dir = scratch();
        write_tree(dir.path(), &tree);
        let out = pyfreeze(
            dir.path(),
            [&["build", "main.py", "-o", "app"], runtime].concat(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let m = manifest(&dir.path().join("app"));
        assert!(m.module("mypkg.grammars").is_none(), "never imported");
        assert!(
            m.file(script).is_some(),
            "{runtime:?}: the data package's file"
        );
        let ran = run(&dir.path().join("app"), [""; 0]);
        assert_eq!(
            text(&ran.stdout),
            expected,
            "{runtime:?}: {}",
            text(&ran.stderr)
        );
    }
}

#[test]
fn data_files_through_every_access_path() {
    for runtime in RUNTIMES {
        let dir = scratch();
        let cache = dir.path().join("cache-home");
        write_tree(
            dir.path(),
            &[
                (
                    "main.py",
                    "import os, sys, pkgutil, importlib.resources as res\nimport mypkg\n\
                     print(res.files('mypkg').joinpath('data/info.txt').read_text().strip())\n\
                     with res.as_file(res.files('mypkg') / 'data' / 'info.txt') as p:\n    print(open(p).read().strip(), os.path.exists(p))\n\
                     print(pkgutil.get_data('mypkg', 'data/info.txt').decode().strip())\n\
                     print(mypkg.__loader__.get_data(os.path.join(os.path.dirname(mypkg.__file__), 'data', 'info.txt')).decode().strip())\n\
                     print(open(os.path.join(os.path.dirname(mypkg.__file__), 'data', 'info.txt')).read().strip())\n\
                     print(open(os.path.join(sys._MEIPASS, 'extra', 'notes.md')).read().strip())\n\
                     print(sorted(p.name for p in res.files('mypkg').iterdir() if not p.name.endswith('.py')))\n",
                ),
                ("mypkg/__init__.py", ""),
                ("mypkg/data/info.txt", "package data\n"),
                ("extras/notes.md", "added data\n"),
            ],
        );
        let args = [
            &[
                "build",
                "main.py",
                "-o",
                "app",
                "--add-data",
                "extras/notes.md:extra",
            ],
            runtime,
        ]
        .concat();
        let out = pyfreeze(dir.path(), args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let run_with_home = |home: &Path| {
            Command::new(dir.path().join("app"))
                .env_clear()
                .env("HOME", home)
                .output()
                .unwrap()
        };
        let expected = "package data\npackage data True\npackage data\npackage data\npackage data\nadded data\n['data']\n";
        let first = run_with_home(&cache);
        assert_eq!(text(&first.stdout), expected, "{}", text(&first.stderr));
        // Materialised once in the per-user cache, privately...
        let bundles = cache.join(".cache/pyfreeze/bundles");
        let entries: Vec<_> = std::fs::read_dir(&bundles)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&entries[0]).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert!(entries[0].join("mypkg/data/info.txt").is_file());
        assert!(
            !entries[0].join("mypkg/__init__.py").exists(),
            "modules are never written"
        );
        // ...and reused: a second start writes nothing new.
        let before = std::fs::metadata(&entries[0]).unwrap().modified().unwrap();
        assert_eq!(text(&run_with_home(&cache).stdout), expected);
        assert_eq!(
            std::fs::metadata(&entries[0]).unwrap().modified().unwrap(),
            before
        );

        // Several copies started at once on an empty cache all succeed.
        let fresh = dir.path().join("fresh-home");
        let children: Vec<_> = (0..16)
            .map(|_| {
                Command::new(dir.path().join("app"))
                    .env_clear()
                    .env("HOME", &fresh)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(text(&out.stdout), expected, "{}", text(&out.stderr));
        }
        let left: Vec<_> = std::fs::read_dir(fresh.join(".cache/pyfreeze/bundles"))
            .unwrap()
            .collect();
        assert_eq!(left.len(), 1, "temporary directories left behind: {left:?}");
    }
}

#[test]
fn tracebacks_show_source_lines_and_inspect_getsource_works() {
    for runtime in RUNTIMES {
        let files: &[(&str, &str)] = &[
            (
                "main.py",
                "import inspect, helper\nprint(inspect.getsource(helper.explode).splitlines()[0])\nhelper.explode()\n",
            ),
            ("helper.py", "def explode():\n    value = 1 / 0\n"),
        ];
        let with_source = freeze_tree(files, runtime);
        let out = run(&with_source.exe, [""; 0]);
        assert_eq!(text(&out.stdout), "def explode():\n");
        let stderr = text(&out.stderr);
        assert_contains(
            &stderr,
            "helper.py\", line 2, in explode\n    value = 1 / 0",
        );
        assert_contains(
            &stderr,
            "main.py\", line 3, in <module>\n    helper.explode()",
        );
        assert!(
            stderr
                .trim_end()
                .ends_with("ZeroDivisionError: division by zero"),
            "{stderr}"
        );

        let without = freeze_tree(
            &[("main.py", "import helper\nhelper.explode()\n"), files[1]],
            &[runtime, &["--no-source"]].concat(),
        );
        let stderr = text(&run(&without.exe, [""; 0]).stderr);
        assert_contains(&stderr, "helper.py\", line 2, in explode");
        assert!(!stderr.contains("value = 1 / 0"), "{stderr}");

        // Run from a directory holding other files of the same names: the
        // traceback shows the bundle's source (or none), never theirs.
        let decoys = scratch();
        write_tree(
            decoys.path(),
            &[
                ("helper.py", "decoy_line_one = 1\ndecoy_line_two = 2\n"),
                (
                    "main.py",
                    "decoy_main_one\ndecoy_main_two\ndecoy_main_three\n",
                ),
            ],
        );
        for (exe, source_line) in [
            (&with_source.exe, Some("    value = 1 / 0")),
            (&without.exe, None),
        ] {
            let out = output_of(Command::new(exe).current_dir(decoys.path()));
            let stderr = text(&out.stderr);
            assert!(!stderr.contains("decoy"), "{runtime:?}: {stderr}");
            if let Some(line) = source_line {
                assert_contains(&stderr, line);
            }
            assert_contains(&stderr, "ZeroDivisionError");
        }
    }
}

#[test]
fn process_behaviour_matches_python() {
    for runtime in RUNTIMES {
        let program = "import atexit, os, signal, subprocess, sys, threading\n\
            atexit.register(print, 'atexit ran')\n\
            os.environ['PYFREEZE_TEST_VAR'] = 'set by the program'\n\
            print(subprocess.run(['sh', '-c', 'echo child sees $PYFREEZE_TEST_VAR'], capture_output=True, text=True).stdout.strip())\n\
            got = []\n\
            signal.signal(signal.SIGUSR1, lambda signum, frame: got.append(signum))\n\
            os.kill(os.getpid(), signal.SIGUSR1)\n\
            print('signal handled', got == [signal.SIGUSR1])\n\
            results = []\n\
            threads = [threading.Thread(target=lambda i=i: results.append(i * i)) for i in range(5)]\n\
            [t.start() for t in threads]; [t.join() for t in threads]\n\
            print('threads', sorted(results))\n\
            name = input('name? ')\n\
            print('hello', name)\n\
            print('flags', sys.flags.optimize, sys.flags.no_site, [p for p in sys.path if '/work/' in p or 'fixtures' in p])\n";
        let app = freeze_source(program, runtime);
        let dir = scratch();
        std::fs::write(dir.path().join("prog.py"), program).unwrap();
        for exe in [Some(&app.exe), None] {
            let mut cmd = match exe {
                Some(exe) => Command::new(exe),
                None => {
                    let mut c = Command::new(python3());
                    c.arg(dir.path().join("prog.py"));
                    c
                }
            };
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"Ada\n").unwrap();
            let out = child.wait_with_output().unwrap();
            let stdout = text(&out.stdout);
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_eq!(
                stdout
                    .replace("flags 0 0", "flags 0 X")
                    .replace("flags 0 1", "flags 0 X"),
                "child sees set by the program\nsignal handled True\nthreads [0, 1, 4, 9, 16]\nname? hello Ada\nflags 0 X []\natexit ran\n",
                "{exe:?}"
            );
        }
    }
}

#[test]
fn optimize_levels_drop_asserts_and_docstrings() {
    for runtime in RUNTIMES {
        let program = "def f():\n    \"\"\"doc\"\"\"\nimport sys\ntry:\n    assert False, 'asserts on'\n    print('asserts off')\nexcept AssertionError as e:\n    print(e)\nprint(f.__doc__, sys.flags.optimize, __debug__)\n";
        for (level, expected) in [
            ("0", "asserts on\ndoc 0 True\n"),
            ("1", "asserts off\ndoc 1 False\n"),
            ("2", "asserts off\nNone 2 False\n"),
        ] {
            let app = freeze_tree(
                &[("main.py", program)],
                &[runtime, &["--optimize", level]].concat(),
            );
            assert_eq!(
                text(&run(&app.exe, [""; 0]).stdout),
                expected,
                "-O level {level}"
            );
        }
    }
}

#[test]
fn multiprocessing_with_every_start_method() {
    let dir = scratch();
    let exe = dir.path().join("mp");
    // The CPython runtime's twin is in cpython.rs.
    freeze(&fixtures().join("multiprocessing_app.py"), &exe, RUSTPYTHON);
    for method in ["fork", "spawn", "forkserver"] {
        let out = Command::new("timeout")
            .arg("120")
            .arg(&exe)
            .arg(method)
            .output()
            .unwrap();
        assert_eq!(
            text(&out.stdout),
            format!(
                "{method} pool: [0, 1, 4, 9, 16, 25]\n{method} process: from child\n{method} exitcode: 0\n{method} executor: [49, 64]\n"
            ),
            "{}",
            text(&out.stderr)
        );
        assert!(out.status.success());
    }
}

#[test]
fn import_system_edge_cases_match_python() {
    for runtime in RUNTIMES {
        let script = fixtures().join("edge_cases").join("main.py");
        let dir = scratch();
        let exe = dir.path().join("edge");
        freeze(&script, &exe, runtime);
        let expected = Command::new(python3()).arg(&script).output().unwrap();
        assert!(expected.status.success(), "{}", text(&expected.stderr));
        let got = run(&exe, [""; 0]);
        assert_eq!(
            text(&got.stdout),
            text(&expected.stdout),
            "{}",
            text(&got.stderr)
        );
    }
}

#[test]
fn awkward_paths_and_symlinks() {
    for runtime in RUNTIMES {
        let app = freeze_source(
            "import sys, os\nprint(sys.executable)\nprint(os.path.basename(sys.argv[0]))\n",
            runtime,
        );
        let odd = app.dir.path().join("dir with spaces/ünïcødé ✓");
        std::fs::create_dir_all(&odd).unwrap();
        let moved = odd.join("my app");
        std::fs::copy(&app.exe, &moved).unwrap();
        let out = output_of(&mut Command::new(&moved));
        assert_eq!(
            text(&out.stdout),
            format!("{}\nmy app\n", moved.display()),
            "{}",
            text(&out.stderr)
        );

        let link = app.dir.path().join("link-to-app");
        std::os::unix::fs::symlink(&moved, &link).unwrap();
        let out = output_of(&mut Command::new(&link));
        // sys.executable is the real file, as under PyInstaller; argv[0] the link.
        assert_eq!(
            text(&out.stdout),
            format!("{}\nlink-to-app\n", moved.display()),
            "{}",
            text(&out.stderr)
        );
    }
}
