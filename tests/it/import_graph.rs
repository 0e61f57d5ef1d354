//! The import graph on real project layouts: search order, venvs, namespace
//! packages, optional and missing imports, hidden/excluded/collected modules,
//! package metadata, compiled extensions, and the explain commands.

use pyfreeze_tests::*;
use std::path::Path;
use std::process::{Command, Output};

fn build_in(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["build", "main.py", "-o", "app"];
    all.extend_from_slice(args);
    pyfreeze(dir, all)
}

fn must_build(dir: &Path, args: &[&str]) -> Output {
    let out = build_in(dir, args);
    assert!(out.status.success(), "build failed: {}", text(&out.stderr));
    out
}

fn run_app(dir: &Path) -> String {
    let out = run(&dir.join("app"), [""; 0]);
    assert!(out.status.success(), "app failed: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn search_order_script_dir_then_path_then_site_packages_then_stdlib() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "app/main.py",
                "import a, b, c, textwrap\nprint(a.WHERE, b.WHERE, c.WHERE, getattr(textwrap, 'WHERE', 'stdlib'))\n",
            ),
            ("app/a.py", "WHERE = 'script'\n"),
            ("extra/a.py", "WHERE = 'path'\n"),
            ("extra/b.py", "WHERE = 'path'\n"),
        ],
    );
    fake_venv(
        dir.path(),
        &[
            ("a.py", "WHERE = 'site'\n"),
            ("b.py", "WHERE = 'site'\n"),
            ("c.py", "WHERE = 'site'\n"),
        ],
    );
    let app = dir.path().join("app");
    let out = must_build(&app, &["--path", "../extra", "--venv", "../venv"]);
    assert_eq!(run_app(&app), "script path site stdlib\n");
    let said = text(&out.stdout);
    assert_contains(
        &said,
        "site-packages: ../venv/lib/python3.11/site-packages (from --venv)",
    );

    // $VIRTUAL_ENV is used when --venv is not given.
    let out = Command::new(pyfreeze_bin())
        .current_dir(&app)
        .env("VIRTUAL_ENV", dir.path().join("venv"))
        .env("PYFREEZE_CACHE_DIR", test_cache())
        .args(["build", "main.py", "-o", "app2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_contains(&text(&out.stdout), "(from $VIRTUAL_ENV)");
    assert_eq!(
        text(&run(&app.join("app2"), [""; 0]).stdout),
        "script site site stdlib\n"
    );

    // A directory that is not a venv is refused, saying what was expected.
    let bad = build_in(&app, &["--venv", "../extra"]);
    assert!(!bad.status.success());
    assert_contains(&text(&bad.stderr), "no site-packages found");
}

#[test]
fn namespace_packages_extend_path_and_dynamic_imports() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import importlib\nfrom typing import TYPE_CHECKING\n\
                 import ns.one, ns.two\nimport legacy.left, legacy.right\n\
                 plain = __import__('dyn_a')\nrel = importlib.import_module('.inner', 'dyn_pkg')\n\
                 if TYPE_CHECKING:\n    import only_for_typing\n\
                 print(ns.one.X, ns.two.X, legacy.left.X, legacy.right.X, plain.X, rel.X, ns.__path__ is not None)\n",
            ),
            ("left/ns/one.py", "X = 'ns-left'\n"),
            ("right/ns/two.py", "X = 'ns-right'\n"),
            (
                "left/legacy/__init__.py",
                "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
            ),
            ("left/legacy/left.py", "X = 'legacy-left'\n"),
            (
                "right/legacy/__init__.py",
                "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
            ),
            ("right/legacy/right.py", "X = 'legacy-right'\n"),
            ("dyn_a.py", "X = 'dunder-import'\n"),
            ("dyn_pkg/__init__.py", ""),
            ("dyn_pkg/inner.py", "X = 'import_module'\n"),
        ],
    );
    let out = must_build(dir.path(), &["--path", "left", "--path", "right"]);
    assert!(
        !text(&out.stderr).contains("only_for_typing"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        run_app(dir.path()),
        "ns-left ns-right legacy-left legacy-right dunder-import import_module True\n"
    );
    let m = manifest(&dir.path().join("app"));
    assert_eq!(
        m.module("ns").unwrap().kind,
        pyfreeze_bundle::ModuleKind::Namespace
    );
    assert!(m.module("only_for_typing").is_none());
}

#[test]
fn optional_missing_and_platform_guarded_imports() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import sys\nimport helper\n\
                 try:\n    import fast_json_lib\nexcept ImportError:\n    fast_json_lib = None\n\
                 if sys.platform == 'win32':\n    import winreg\n\
                 print('fallback' if fast_json_lib is None else 'fast')\n\
                 if len(sys.argv) > 1:\n    helper.use_missing()\n",
            ),
            (
                "helper.py",
                "def use_missing():\n    import not_installed_anywhere\n",
            ),
        ],
    );
    let out = must_build(dir.path(), &[]);
    let warnings = text(&out.stderr);
    // Optional and other-platform imports are not reported; the real miss is, with its chain.
    assert!(
        !warnings.contains("fast_json_lib") && !warnings.contains("winreg"),
        "{warnings}"
    );
    assert_contains(&warnings, "module not_installed_anywhere not found");
    assert_contains(&warnings, "main.py -> helper -> not_installed_anywhere");
    assert_contains(&warnings, "inside a function");
    assert_eq!(run_app(dir.path()), "fallback\n");
    // The frozen program sees ImportError exactly where CPython would.
    let failing = run(&dir.path().join("app"), ["go"]);
    assert_eq!(failing.status.code(), Some(1));
    assert!(
        text(&failing.stderr)
            .contains("ModuleNotFoundError: No module named 'not_installed_anywhere'")
    );

    // --strict turns the warning into an error and writes nothing.
    std::fs::remove_file(dir.path().join("app")).unwrap();
    let strict = build_in(dir.path(), &["--strict"]);
    assert!(!strict.status.success());
    assert_contains(&text(&strict.stderr), "not_installed_anywhere");
    assert_contains(&text(&strict.stderr), "--strict");
    assert!(!dir.path().join("app").exists());
}

#[test]
fn hidden_excluded_and_collected_modules() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import importlib, sys\n\
                 name = 'comp' + 'uted'\n\
                 print(importlib.import_module(name).X)\n\
                 for p in ['a', 'b', '0001_initial']:\n    print(importlib.import_module('plugins.' + p).NAME)\n\
                 try:\n    import heavy\nexcept ImportError as e:\n    print('heavy excluded:', type(e).__name__)\n",
            ),
            ("computed.py", "X = 'hidden import found'\n"),
            ("plugins/__init__.py", ""),
            ("plugins/a.py", "NAME = 'plugin a'\n"),
            ("plugins/b.py", "NAME = 'plugin b'\n"),
            // Named as Django's migrations are: only importlib can import it.
            ("plugins/0001_initial.py", "NAME = 'migration 0001'\n"),
            ("heavy/__init__.py", "from . import part\n"),
            ("heavy/part.py", "X = 1\n"),
        ],
    );
    // Without help the computed imports fail at run time.
    must_build(dir.path(), &[]);
    assert_eq!(run(&dir.path().join("app"), [""; 0]).status.code(), Some(1));

    must_build(
        dir.path(),
        &[
            "--hidden-import",
            "computed",
            "--collect-submodules",
            "plugins",
            "--exclude-module",
            "heavy",
        ],
    );
    assert_eq!(
        run_app(dir.path()),
        "hidden import found\nplugin a\nplugin b\nmigration 0001\nheavy excluded: ModuleNotFoundError\n"
    );
    let m = manifest(&dir.path().join("app"));
    assert!(m.module("heavy").is_none() && m.module("heavy.part").is_none());

    // Asking for a module that does not exist is an error.
    let bad = build_in(dir.path(), &["--hidden-import", "no_such_module"]);
    assert!(!bad.status.success());
    assert_contains(
        &text(&bad.stderr),
        "--hidden-import no_such_module: no such module",
    );
}

#[test]
fn package_metadata_for_importlib_metadata() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[(
            "main.py",
            "import importlib.metadata as md\nimport fakepkg\n\
             print(md.version('fakepkg'), md.version('FakePkg'))\n\
             eps = md.entry_points(group='console_scripts')\n\
             print(sorted(ep.name for ep in eps), md.metadata('fakepkg')['Summary'])\n\
             try:\n    md.version('not-bundled')\nexcept md.PackageNotFoundError:\n    print('not bundled: not found')\n",
        )],
    );
    fake_venv(
        dir.path(),
        &[
            ("fakepkg/__init__.py", "X = 1\n"),
            (
                "fakepkg-1.2.3.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: FakePkg\nVersion: 1.2.3\nSummary: A fake package\n",
            ),
            (
                "fakepkg-1.2.3.dist-info/entry_points.txt",
                "[console_scripts]\nfake-tool = fakepkg:main\n",
            ),
            ("fakepkg-1.2.3.dist-info/top_level.txt", "fakepkg\n"),
            (
                "other-9.9.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: other\nVersion: 9.9\n",
            ),
            ("other-9.9.dist-info/top_level.txt", "other\n"),
        ],
    );
    must_build(dir.path(), &["--venv", "venv"]);
    assert_eq!(
        run_app(dir.path()),
        "1.2.3 1.2.3\n['fake-tool'] A fake package\nnot bundled: not found\n"
    );
    let m = manifest(&dir.path().join("app"));
    assert!(m.file("fakepkg-1.2.3.dist-info/METADATA").is_some());
    assert!(
        m.file("other-9.9.dist-info/METADATA").is_none(),
        "metadata of a distribution not bundled"
    );
}

#[test]
fn compiled_extensions_are_reported_and_pure_fallbacks_work() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[(
            "main.py",
            "import speedy\nprint(speedy.add(2, 3))\nif __import__('sys').argv[1:]:\n    import needs_c\n",
        )],
    );
    fake_venv(
        dir.path(),
        &[
            (
                "speedy/__init__.py",
                "try:\n    from ._speedups import add\nexcept ImportError:\n    def add(a, b):\n        return a + b\n",
            ),
            (
                "speedy/_speedups.cpython-311-x86_64-linux-gnu.so",
                "not really an ELF",
            ),
            ("needs_c/__init__.py", "from ._core import thing\n"),
            (
                "needs_c/_core.cpython-311-x86_64-linux-gnu.so",
                "not really an ELF",
            ),
        ],
    );
    // RustPython loads no extension module: what it says of them.
    let out = must_build(dir.path(), &rustpython_and(&["--venv", "venv"]));
    let warnings = text(&out.stderr);
    assert!(!warnings.contains("speedy"), "{warnings}");
    assert_contains(&warnings, "module needs_c._core is a compiled extension");
    assert_contains(&warnings, "_core.cpython-311-x86_64-linux-gnu.so");
    assert_contains(&warnings, "package needs_c");
    assert_eq!(run_app(dir.path()), "5\n");
}

#[test]
fn graph_and_why_explain_the_bundle() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import pkg.util\ntry:\n    import nope\nexcept ImportError:\n    pass\n",
            ),
            ("pkg/__init__.py", ""),
            ("pkg/util.py", "import json\n"),
        ],
    );
    let why = pyfreeze(dir.path(), ["why", "json.decoder", "main.py"]);
    assert_eq!(
        text(&why.stdout).trim(),
        "main.py -> pkg.util -> json -> json.decoder"
    );
    let not = pyfreeze(dir.path(), ["why", "asyncio", "main.py"]);
    assert!(!not.status.success());

    let tree = text(&pyfreeze(dir.path(), ["graph", "main.py"]).stdout);
    assert!(tree.starts_with("main.py [module, own]\n"), "{tree}");
    assert_contains(&tree, "\n  pkg [package, own]\n");
    assert!(
        tree.contains("\n    pkg.util [module, own]\n")
            || tree.contains("\n  pkg.util [module, own]\n"),
        "{tree}"
    );
    assert_contains(&tree, "nope [missing, own]");

    let dot = text(&pyfreeze(dir.path(), ["graph", "main.py", "--format", "dot"]).stdout);
    assert!(dot.starts_with("digraph imports {"), "{dot}");
    assert!(
        dot.contains("[style=dashed]"),
        "the optional import is dashed: {dot}"
    );

    let json: serde_json::Value = serde_json::from_slice(
        &pyfreeze(dir.path(), ["graph", "main.py", "--format", "json"]).stdout,
    )
    .unwrap();
    assert_eq!(json["entry"], "main.py");
    let util = json["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "pkg.util")
        .unwrap();
    assert_eq!(util["imports"][0]["module"], "json");
    let missing = &json["missing"].as_array().unwrap()[0];
    assert_eq!(
        (missing["name"].as_str(), missing["optional"].as_bool()),
        (Some("nope"), Some(true))
    );
}

#[test]
fn progress_bar_only_on_a_terminal() {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", "import json, csv, argparse\n")]);
    // Piped: nothing but the summary, even when the bar would be due at once.
    let piped = Command::new(pyfreeze_bin())
        .current_dir(dir.path())
        .env("PYFREEZE_PROGRESS_DELAY_MS", "0")
        .env_remove("CI")
        .args(["build", "main.py", "-o", "app", "--no-cache"])
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(
        !text(&piped.stderr).contains('\r') && text(&piped.stderr).is_empty(),
        "{:?}",
        text(&piped.stderr)
    );

    // On a pseudo-terminal (util-linux `script`), the bar appears.
    let cmd = format!(
        "{} build main.py -o app --no-cache",
        pyfreeze_bin().display()
    );
    let tty = Command::new("script")
        .current_dir(dir.path())
        .env("PYFREEZE_PROGRESS_DELAY_MS", "0")
        .env_remove("CI")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .expect("`script` from util-linux provides the pseudo-terminal");
    assert!(tty.status.success(), "{}", text(&tty.stderr));
    let shown = text(&tty.stdout);
    assert!(
        shown.contains("compiling") || shown.contains("scanning imports"),
        "{shown:?}"
    );
}

/// Plug-ins named by dotted strings and imported by a helper later
/// (cookiecutter's Jinja extensions, logging's and Django's settings): a
/// package's strings that name its own modules, and the program's strings
/// naming any module, bring those modules in; a package's strings naming
/// another package do not.
#[test]
fn modules_named_by_dotted_strings_are_bundled() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "app/main.py",
                "import host\n\
                 HANDLERS = {'class': 'mine.handlers.Rotating'}\n\
                 print(host.load_all(), host.load(HANDLERS['class']))\n\
                 try:\n    host.load(host.DEFAULTS[2])\nexcept ImportError as e:\n    print('not bundled:', e.name)\n",
            ),
            ("app/mine/__init__.py", ""),
            ("app/mine/handlers.py", "Rotating = 'user handler'\n"),
        ],
    );
    fake_venv(
        dir.path(),
        &[
            (
                "host/__init__.py",
                "\"\"\"Loads host.ext_docs_only (a docstring: not followed).\"\"\"\n\
                 import importlib\n\
                 DEFAULTS = ['host.ext.Jsonify', 'host.ext.Slug', 'other.Thing']\n\
                 def load(path):\n    module, name = path.rsplit('.', 1)\n    return getattr(importlib.import_module(module), name)\n\
                 def load_all():\n    return [load(p) for p in DEFAULTS[:2]]\n",
            ),
            ("host/ext.py", "Jsonify = 'jsonify'\nSlug = 'slug'\n"),
            ("host/ext_docs_only.py", ""),
            ("other.py", "Thing = 'other'\n"),
        ],
    );
    let app = dir.path().join("app");
    must_build(&app, &["--venv", "../venv"]);
    assert_eq!(
        run_app(&app),
        "['jsonify', 'slug'] user handler\nnot bundled: other\n"
    );
    let m = manifest(&app.join("app"));
    assert!(m.module("host.ext_docs_only").is_none());
}

/// A package that loads its submodules lazily (openai's generated SDK)
/// names them only under `if TYPE_CHECKING:` and in relative strings given
/// to `import_module`: its own submodules imported there are bundled; what
/// it imports there from elsewhere is for annotations only, and is not.
#[test]
fn submodules_a_package_loads_lazily_are_bundled() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[(
            "app/main.py",
            "import lazy\nprint(lazy.Client().name, 'typing_only' in __import__('sys').modules)\n",
        )],
    );
    fake_venv(
        dir.path(),
        &[
            (
                "lazy/__init__.py",
                "import typing as _t\n\
                 if _t.TYPE_CHECKING:\n    from .client import Client as Client\n    import typing_only\n\
                 else:\n    _EXPORTS = {'Client': ('.client', 'Client')}\n\
                 \x20   def __getattr__(name):\n        import importlib\n\
                 \x20       module, attr = _EXPORTS[name]\n\
                 \x20       return getattr(importlib.import_module(module, __name__), attr)\n",
            ),
            (
                "lazy/client.py",
                "class Client:\n    name = 'lazy client'\n",
            ),
            ("typing_only.py", "X = 1\n"),
        ],
    );
    let app = dir.path().join("app");
    must_build(&app, &["--venv", "../venv"]);
    assert_eq!(run_app(&app), "lazy client False\n");
    let m = manifest(&app.join("app"));
    assert!(m.module("lazy.client").is_some());
    assert!(m.module("typing_only").is_none());
}

/// Without a venv, third-party packages come from where `pip install` put
/// them for the interpreter at hand (`--python`, else `python3`), as under
/// PyInstaller, which runs inside it; the build says so when it used one.
/// (Under RustPython: this fake interpreter cannot be bundled.)
#[test]
fn without_a_venv_the_interpreters_own_packages_are_found() {
    let dir = scratch();
    let site = dir.path().join("site");
    write_tree(
        dir.path(),
        &[
            ("app/main.py", "import extpkg\nprint(extpkg.WHERE)\n"),
            ("site/extpkg.py", "WHERE = 'from the interpreter'\n"),
        ],
    );
    // An interpreter that answers pyfreeze's question about itself.
    let python = dir.path().join("python3-fake");
    let probe = serde_json::json!({
        "executable": python, "version": [3, 11, 4], "version_text": "3.11.4",
        "implementation": "cpython", "abiflags": "", "magic": 3495, "stdlib": "/nonexistent",
        "lib_dynload": null, "purelib": site, "platlib": site, "prefix": "/x", "base_prefix": "/x",
        "libdir": "/x", "instsoname": "libpython3.11.so.1.0", "ldlibrary": "libpython3.11.so",
        "shared": true, "gil_disabled": false, "ext_suffixes": [".so"], "builtin": [], "frozen": [],
        "startup": [], "platform": "linux", "machine": "x86_64", "sysconfigdata": null
    });
    write_executable(&python, format!("#!/bin/sh\ncat <<'EOF'\n{probe}\nEOF\n"));
    let app = dir.path().join("app");
    let out = Command::new(pyfreeze_bin())
        .current_dir(&app)
        .env_remove("VIRTUAL_ENV")
        .env("PYFREEZE_CACHE_DIR", test_cache())
        .args([
            "build",
            "main.py",
            "-o",
            "app",
            "--runtime",
            "rustpython",
            "--python",
        ])
        .arg(&python)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_contains(
        &text(&out.stdout),
        &format!(
            "site-packages: {} (from {}",
            site.display(),
            python.display()
        ),
    );
    assert_eq!(run_app(&app), "from the interpreter\n");
}
