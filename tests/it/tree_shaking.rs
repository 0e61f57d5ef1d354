//! Only what the import graph reaches goes into the archive, as bytecode
//! compiled by the packager.

use pyfreeze_tests::*;

#[test]
fn hello_carries_only_what_it_imports() {
    for runtime in RUNTIMES {
        let dir = scratch();
        let exe = dir.path().join("hello");
        freeze(&root().join("examples/hello/hello.py"), &exe, runtime);
        let manifest = manifest(&exe);
        let names: Vec<&str> = manifest.modules.iter().map(|m| m.name.as_str()).collect();
        for heavy in [
            "asyncio", "email", "unittest", "http", "xml", "tkinter", "argparse", "json",
        ] {
            assert!(
                !names
                    .iter()
                    .any(|n| *n == heavy || n.starts_with(&format!("{heavy}."))),
                "{runtime:?}: hello carries {heavy}: {names:?}"
            );
        }
        // What the runtime needs at start is there.
        for needed in [
            "__main__",
            "encodings",
            "encodings.utf_8",
            "encodings.aliases",
        ] {
            assert!(names.contains(&needed), "{needed} missing: {names:?}");
        }
        // Built-in modules are never bundled.
        for builtin in ["sys", "_io", "posix", "time"] {
            assert!(!names.contains(&builtin), "{builtin} bundled");
        }
    }
}

#[test]
fn every_module_is_bytecode_and_runs_without_source() {
    let app = freeze_tree(
        &[
            (
                "main.py",
                "import helper\nimport json\nprint(helper.f(), json.dumps([1]))\n",
            ),
            ("helper.py", "def f():\n    return 'compiled'\n"),
        ],
        &rustpython_and(&["--no-source"]),
    );
    let manifest = manifest(&app.exe);
    assert!(!manifest.build.source);
    assert_eq!(
        manifest.bytecode,
        pyfreeze_bundle::runtime::rustpython::BYTECODE_FORMAT
    );
    for module in &manifest.modules {
        let code = module.code.as_deref().expect("bytecode");
        assert!(code.ends_with(".pyc"), "{code}");
        assert!(module.source.is_none(), "{} carries source", module.name);
    }
    assert!(
        manifest.files.iter().all(|f| !f.path.ends_with(".py")),
        "source files in the archive"
    );
    let out = run(&app.exe, [""; 0]);
    assert_eq!(text(&out.stdout), "compiled [1]\n", "{}", text(&out.stderr));
}

#[test]
fn compress_chooses_what_is_compressed() {
    use pyfreeze_bundle::Compression::{Stored, Zstd};
    // Big enough for compression to pay, in source and bytecode alike.
    let functions: String = (0..40)
        .map(|i| format!("def f{i}(x):\n    return x + {i}\n"))
        .collect();
    let helper = format!("X = 'helper'\n{functions}");
    let data = "data ".repeat(200);
    let files: &[(&str, &str)] = &[
        (
            "main.py",
            "import helper, importlib.resources as r\nprint(helper.X, r.files('helper_data').joinpath('d.txt').read_text()[:9])\n",
        ),
        ("helper.py", &helper),
        ("helper_data/__init__.py", ""),
        ("helper_data/d.txt", &data),
        // Already compressed: stored whatever the mode.
        ("helper_data/noise.bin", "\u{7f}\u{3}\u{11}\u{5a}"),
    ];
    for (mode, compressed) in [("auto", Zstd), ("all", Zstd), ("none", Stored)] {
        for runtime in RUNTIMES {
            let app = freeze_tree(files, &[runtime, &["--compress", mode]].concat());
            let m = manifest(&app.exe);
            let kind_of = |suffix: &str| {
                let f = m.files.iter().find(|f| f.path.ends_with(suffix)).unwrap();
                f.compression
            };
            assert_eq!(
                (
                    kind_of("helper.pyc"),
                    kind_of("helper.py"),
                    kind_of("d.txt"),
                    kind_of("noise.bin"),
                ),
                (compressed, compressed, compressed, Stored),
                "{mode} {runtime:?}"
            );
            assert_eq!(
                text(&run(&app.exe, [""; 0]).stdout),
                "helper data data\n",
                "{mode} {runtime:?}"
            );
        }
    }
}

/// A package that another package imports only inside a function (or under
/// `try/except ImportError`) is left out when it is heavy and the program
/// does not import it, with a note naming it; light ones, ones imported at
/// module level, required ones (`Requires-Dist`) and ones the program
/// imports stay.
#[test]
fn heavy_optional_integrations_are_left_out() {
    let heavy_data = "x".repeat(12_000_000);
    let dir = scratch();
    let venv = fake_venv(
        dir.path(),
        &[
            (
                "host/__init__.py",
                "import needed\ntry:\n    import guarded\nexcept ImportError:\n    guarded = None\n\
                 def to_heavy():\n    import heavy\n    return heavy.NAME\n\
                 def to_light():\n    import light\n    return light.NAME\n\
                 def to_required():\n    import required\n    return required.NAME\n",
            ),
            (
                "host-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: host\nRequires-Dist: required\nRequires-Dist: heavy ; extra == \"all\"\n",
            ),
            ("host-1.0.dist-info/top_level.txt", "host\n"),
            ("needed.py", "NAME = 'needed'\n"),
            ("guarded/__init__.py", "NAME = 'guarded'\n"),
            ("guarded/blob.dat", &heavy_data),
            (
                "heavy/__init__.py",
                "import importlib\nNAME = 'heavy'\ndef load(n):\n    return importlib.import_module(n)\n",
            ),
            ("heavy/blob.dat", &heavy_data),
            ("light/__init__.py", "NAME = 'light'\n"),
            ("required/__init__.py", "NAME = 'required'\n"),
            ("required/blob.dat", &heavy_data),
        ],
    );
    let venv = venv.to_str().unwrap();
    let program = "import sys, host\n\
        for f in (host.to_light, host.to_required, host.to_heavy):\n    try:\n        print(f())\n    except ImportError as e:\n        print('missing', e.name)\n\
        print('guarded', host.guarded is None)\n";
    for runtime in RUNTIMES {
        let app = freeze_tree(
            &[("main.py", program)],
            &[runtime, &["--venv", venv]].concat(),
        );
        let notes = text(&app.build_output.stderr);
        let names: Vec<String> = manifest(&app.exe)
            .modules
            .iter()
            .map(|m| m.name.clone())
            .collect();
        for kept in ["host", "needed", "light", "required"] {
            assert!(
                names.contains(&kept.to_string()),
                "{runtime:?}: {kept} left out: {notes}"
            );
        }
        for left in ["heavy", "guarded"] {
            assert!(
                !names.contains(&left.to_string()),
                "{runtime:?}: {left} bundled"
            );
            assert_contains(&notes, &format!("note: left out {left} (12 MB"));
        }
        assert_contains(&notes, "--hidden-import heavy");
        // Nothing is said of what left-out packages do.
        assert!(
            !notes.contains("heavy imports modules by computed names"),
            "{notes}"
        );
        let out = run(&app.exe, [""; 0]);
        assert_eq!(
            text(&out.stdout),
            "light\nrequired\nmissing heavy\nguarded True\n",
            "{runtime:?}: {}",
            text(&out.stderr)
        );
        // Imported by the program itself, it goes in.
        let app = freeze_tree(
            &[("main.py", &format!("import heavy\n{program}"))],
            &[runtime, &["--venv", venv]].concat(),
        );
        assert!(manifest(&app.exe).module("heavy").is_some(), "{runtime:?}");
        assert_contains(
            &text(&app.build_output.stderr),
            "heavy imports modules by computed names",
        );
        assert_eq!(
            text(&run(&app.exe, [""; 0]).stdout),
            // (guarded, which the program still does not import, stays out.)
            "light\nrequired\nheavy\nguarded True\n",
            "{runtime:?}"
        );
    }
}
