//! Package rules (hooks): the shipped ones, the user's (`--hooks-dir`,
//! `[tool.pyfreeze] hooks-dir`), entry-point plug-ins, computed imports,
//! and no false alarms for imports that cannot fail.

use pyfreeze_tests::*;
use std::path::Path;

fn build(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["build", "main.py", "-o", "app"];
    all.extend_from_slice(args);
    pyfreeze(dir, all)
}

#[test]
fn shipped_rules_are_listed_and_say_when_they_fire() {
    let listed = pyfreeze(&root(), ["rules"]);
    assert!(listed.status.success());
    let said = text(&listed.stdout);
    for family in [
        "pygments.toml: pygments",
        "jinja2.toml",
        "docutils.toml",
        "markdown.toml",
        "pip.toml",
        "timezones.toml",
        "linters.toml",
        "stdlib.toml: (every program)",
    ] {
        assert_contains(&said, family);
    }
    let files: std::collections::BTreeSet<&str> = said
        .lines()
        .filter_map(|l| l.split(':').next())
        .filter(|f| f.ends_with(".toml"))
        .collect();
    assert!(files.len() >= 60, "{} rule files", files.len());
    let json: serde_json::Value =
        serde_json::from_slice(&pyfreeze(&root(), ["hooks", "--json"]).stdout).unwrap();
    assert!(json["rules"].as_array().unwrap().len() >= 200);

    let f = freeze_tree(
        &[(
            "main.py",
            "import time\nprint(time.strptime('2024-03-01', '%Y-%m-%d').tm_yday)\n",
        )],
        &["-v"],
    );
    let said = text(&f.build_output.stdout);
    // Grouped by file: each file named once.
    let fired = said
        .lines()
        .find(|l| l.starts_with("rules fired: "))
        .unwrap_or_else(|| panic!("{said}"));
    assert_contains(fired, "rules fired: stdlib.toml (every program");
    assert_contains(fired, ", time");
    assert_eq!(fired.matches("stdlib.toml").count(), 1, "{fired}");
    assert_eq!(text(&run(&f.exe, [""; 0]).stdout), "61\n");
}

#[test]
fn users_add_their_own_rules() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import host\nprint(host.load('beta'))\n"),
            (
                "host/__init__.py",
                "import importlib\ndef load(name):\n    return importlib.import_module('host.plugins.' + name).NAME\n",
            ),
            ("host/plugins/__init__.py", ""),
            ("host/plugins/alpha.py", "NAME = 'alpha'\n"),
            ("host/plugins/beta.py", "NAME = 'beta'\n"),
            (
                "rules/host.toml",
                "[[rule]]\nmodule = \"host\"\nwhy = \"plug-ins are imported by name\"\ncollect-submodules = [\"host.plugins\"]\n",
            ),
        ],
    );
    // Without the rule: one warning for the package, naming the place and the flag.
    let plain = build(dir.path(), &[]);
    let warned = text(&plain.stderr);
    assert_eq!(
        warned.matches("imports modules by computed names").count(),
        1,
        "{warned}"
    );
    assert_contains(
        &warned,
        "host/__init__.py:3: host imports modules by computed names",
    );
    assert_contains(&warned, "--collect-submodules host");
    assert_eq!(run(&dir.path().join("app"), [""; 0]).status.code(), Some(1));
    // With it: no warning, and the plug-ins are there.
    let ruled = build(dir.path(), &["--rules-dir", "rules", "-v"]);
    assert!(ruled.status.success(), "{}", text(&ruled.stderr));
    assert!(
        !text(&ruled.stderr).contains("computed names"),
        "{}",
        text(&ruled.stderr)
    );
    assert_contains(&text(&ruled.stdout), "host.toml (host)");
    // In the script itself (not a package): the advice is a flag that works.
    write_tree(
        dir.path(),
        &[(
            "loader.py",
            "import importlib, sys\nprint(importlib.import_module('host.plugins.' + sys.argv[1]).NAME)\n",
        )],
    );
    let script = pyfreeze(dir.path(), ["build", "loader.py", "-o", "loader"]);
    let said = text(&script.stderr);
    assert_contains(
        &said,
        "loader.py:2: loader.py imports modules by computed names",
    );
    assert!(!said.contains("--collect-submodules loader"), "{said}");
    assert_contains(&said, "--hidden-import for each module it loads");
    assert_eq!(
        text(&run(&dir.path().join("app"), [""; 0]).stdout),
        "beta\n"
    );
    // The same from [tool.pyfreeze].
    write_tree(
        dir.path(),
        &[(
            "pyproject.toml",
            "[tool.pyfreeze]\nscript = \"main.py\"\nname = \"app2\"\nhooks-dir = \"rules\"\n",
        )],
    );
    let project = pyfreeze(dir.path(), ["build", "."]);
    assert!(project.status.success(), "{}", text(&project.stderr));
    assert_eq!(
        text(&run(&dir.path().join("dist/app2"), [""; 0]).stdout),
        "beta\n"
    );
    // A mistake in a rule file is an error naming the file and the rule.
    write_tree(
        dir.path(),
        &[(
            "bad/x.toml",
            "[[rule]]\nmodule = \"host\"\nwhy = \"w\"\nhiden-imports = [\"a\"]\n",
        )],
    );
    let bad = build(dir.path(), &["--hooks-dir", "bad"]);
    assert!(!bad.status.success());
    assert_contains(&text(&bad.stderr), "x.toml");
    assert_contains(&text(&bad.stderr), "unknown field");
}

/// Code that finds its parts by listing its own package directory under
/// `sys._MEIPASS` (Faker's providers and locales) works when a rule asks
/// for the package's sources on disk, and only then.
#[test]
fn sources_on_disk_lay_a_package_out_as_files() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import importlib, sys\nfrom pathlib import Path\nimport langs\n\
                 names = langs.available()\n\
                 print(names, [importlib.import_module('langs.' + n).NAME for n in names])\n\
                 print(Path(sys._MEIPASS, 'langs', 'fr', '__init__.py').exists())\n",
            ),
            (
                "langs/__init__.py",
                "import sys\nfrom pathlib import Path\n\
                 def available():\n\
                 \x20   base = Path(sys._MEIPASS) / 'langs' if getattr(sys, 'frozen', False) else Path(__file__).parent\n\
                 \x20   return sorted(p.parent.name for p in base.glob('*/__init__.py'))\n",
            ),
            ("langs/en/__init__.py", "NAME = 'english'\n"),
            ("langs/fr/__init__.py", "NAME = 'french'\n"),
            (
                "collect/langs.toml",
                "[[rule]]\nmodule = \"langs\"\nwhy = \"w\"\ncollect-submodules = [\"langs\"]\n",
            ),
            (
                "disk/langs.toml",
                "[[rule]]\nmodule = \"langs\"\nwhy = \"w\"\ncollect-submodules = [\"langs\"]\n\
                 sources-on-disk = [\"langs\"]\n",
            ),
        ],
    );
    let data = dir.path().join("data-cache");
    let start = || {
        let out = output_of(
            std::process::Command::new(dir.path().join("app")).env("PYFREEZE_DATA_DIR", &data),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // The modules alone are not enough: the directory listing is empty.
    let collected = build(dir.path(), &["--hooks-dir", "collect"]);
    assert!(collected.status.success(), "{}", text(&collected.stderr));
    assert_eq!(start(), "[] []\nFalse\n");
    assert!(!data.exists(), "nothing is written without a reason");
    // With the sources on disk, even with --no-source.
    for extra in [&[][..], &["--no-source"][..]] {
        let mut args = vec!["--hooks-dir", "disk"];
        args.extend_from_slice(extra);
        let built = build(dir.path(), &args);
        assert!(built.status.success(), "{}", text(&built.stderr));
        assert_eq!(start(), "['en', 'fr'] ['english', 'french']\nTrue\n");
    }
    let m = manifest(&dir.path().join("app"));
    let mut on_disk: Vec<&str> = m
        .modules
        .iter()
        .filter(|r| r.on_disk)
        .map(|r| r.name.as_str())
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, ["langs", "langs.en", "langs.fr"]);
}

#[test]
fn entry_point_plugins_come_with_their_metadata() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[(
            "main.py",
            "from importlib.metadata import entry_points\nfor ep in sorted(entry_points(group='demo.plugins'), key=lambda e: e.name):\n    print(ep.name, ep.load()())\n",
        )],
    );
    let venv = fake_venv(
        dir.path(),
        &[
            (
                "plug_a-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: plug-a\nVersion: 1.0\n",
            ),
            (
                "plug_a-1.0.dist-info/entry_points.txt",
                "[demo.plugins]\na = plug_a.impl:hello\n",
            ),
            ("plug_a-1.0.dist-info/top_level.txt", "plug_a\n"),
            ("plug_a/__init__.py", ""),
            ("plug_a/impl.py", "def hello():\n    return 'from a'\n"),
            (
                "plug_b-2.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: plug-b\nVersion: 2.0\n",
            ),
            (
                "plug_b-2.0.dist-info/entry_points.txt",
                "[demo.plugins]\nb = plug_b:hello\n[other]\nx = plug_b:other\n",
            ),
            ("plug_b-2.0.dist-info/top_level.txt", "plug_b\n"),
            (
                "plug_b.py",
                "def hello():\n    return 'from b'\ndef other():\n    return 0\n",
            ),
            (
                "unrelated-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: unrelated\nVersion: 1.0\n",
            ),
            ("unrelated.py", ""),
        ],
    );
    let out = build(dir.path(), &["--venv", venv.to_str().unwrap(), "--strict"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&run(&dir.path().join("app"), [""; 0]).stdout),
        "a from a\nb from b\n"
    );
    let m = manifest(&dir.path().join("app"));
    assert!(m.file("plug_a-1.0.dist-info/entry_points.txt").is_some());
    assert!(m.module("unrelated").is_none());
}

/// A host that computes its group's name (as stevedore's users do) still
/// finds the plug-ins its own distribution declares; the entry points of
/// other groups (scripts, a test runner's) and other distributions' plug-ins
/// stay out, and a literal stevedore namespace brings every plug-in.
#[test]
fn a_distributions_own_plugins_come_without_a_literal_group() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[(
            "main.py",
            "import host\nprint(sorted(host.formatters().items()))\nimport stevedore\nprint(sorted(stevedore.ExtensionManager(namespace='host.checks').names()))\n",
        )],
    );
    let venv = fake_venv(
        dir.path(),
        &[
            (
                "host-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: host\nVersion: 1.0\n",
            ),
            (
                "host-1.0.dist-info/entry_points.txt",
                "[host.formatters]\ntable = host.fmt.table:NAME\n[console_scripts]\nhost = host.cli:main\n[pytest11]\nhostplug = host.testing\n",
            ),
            ("host-1.0.dist-info/top_level.txt", "host\n"),
            (
                "host/__init__.py",
                "from importlib.metadata import entry_points\nNAMESPACE = __name__ + '.formatters'\ndef formatters():\n    return {ep.name: ep.load() for ep in entry_points(group=NAMESPACE)}\n",
            ),
            ("host/fmt/__init__.py", ""),
            ("host/fmt/table.py", "NAME = 'a table'\n"),
            ("host/cli.py", "def main():\n    pass\n"),
            ("host/testing.py", "import pytest\n"),
            (
                "other_plug-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: other-plug\nVersion: 1.0\n",
            ),
            (
                "other_plug-1.0.dist-info/entry_points.txt",
                "[host.formatters]\ncsv = other_plug:NAME\n",
            ),
            ("other_plug-1.0.dist-info/top_level.txt", "other_plug\n"),
            ("other_plug/__init__.py", "NAME = 'csv'\n"),
            (
                "checks-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: checks\nVersion: 1.0\n",
            ),
            (
                "checks-1.0.dist-info/entry_points.txt",
                "[host.checks]\nx = checks.x\n",
            ),
            ("checks-1.0.dist-info/top_level.txt", "checks\n"),
            ("checks/__init__.py", ""),
            ("checks/x.py", ""),
            (
                "stevedore/__init__.py",
                "from importlib.metadata import entry_points\nclass ExtensionManager:\n    def __init__(self, namespace):\n        self.eps = entry_points(group=namespace)\n    def names(self):\n        return [ep.name for ep in self.eps if ep.load()]\n",
            ),
        ],
    );
    let out = build(dir.path(), &["--venv", venv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run_out = run(&dir.path().join("app"), [""; 0]);
    assert_eq!(
        text(&run_out.stdout),
        "[('table', 'a table')]\n['x']\n",
        "{}",
        text(&run_out.stderr)
    );
    let m = manifest(&dir.path().join("app"));
    assert!(m.module("host.fmt.table").is_some());
    for absent in ["host.cli", "host.testing", "other_plug"] {
        assert!(m.module(absent).is_none(), "{absent} bundled");
    }
    assert!(m.module("checks.x").is_some(), "stevedore's namespace");
    // `why` says which entry point brought each in.
    for (module, says) in [
        (
            "host.fmt.table",
            "main.py -> host -> host.fmt.table (entry point group host.formatters of distribution host)",
        ),
        (
            "checks.x",
            "(entry point group host.checks of distribution checks)",
        ),
    ] {
        let why = pyfreeze(
            dir.path(),
            ["why", module, "main.py", "--venv", venv.to_str().unwrap()],
        );
        assert!(why.status.success(), "{}", text(&why.stderr));
        assert_contains(&text(&why.stdout), says);
    }
}

#[test]
fn metadata_and_probes_by_literal_name() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import importlib.metadata, importlib.util\nprint(importlib.metadata.version('toolkit'))\nprint(importlib.util.find_spec('helper') is not None)\n",
            ),
            ("helper.py", ""),
        ],
    );
    let venv = fake_venv(
        dir.path(),
        &[
            (
                "toolkit-3.1.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: toolkit\nVersion: 3.1\n",
            ),
            ("toolkit/__init__.py", ""),
        ],
    );
    let out = build(dir.path(), &["--venv", venv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&run(&dir.path().join("app"), [""; 0]).stdout),
        "3.1\nTrue\n"
    );
}

#[test]
fn no_false_alarms_for_imports_that_cannot_fail() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[(
            "main.py",
            "try:\n    from _thread import get_ident\n    import fancylib\n    HAS_FANCY = True\nexcept ImportError:\n    from _dummy_thread import get_ident\n    fancylib = None\n    HAS_FANCY = False\n\
             if HAS_FANCY:\n    from fancylib import extras\nif fancylib is not None:\n    import fancylib.more\nprint('ok')\n",
        )],
    );
    // RustPython's stdlib still has _dummy_thread; CPython's has not, and
    // rightly warns.
    let out = build(dir.path(), &rustpython_and(&["--strict"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "no warnings");
    // A real miss still fails --strict.
    write_tree(dir.path(), &[("main.py", "import really_missing_module\n")]);
    let out = build(dir.path(), &["--strict"]);
    assert!(!out.status.success());
    assert_contains(&text(&out.stderr), "really_missing_module");
}

#[test]
fn compiled_only_packages_name_the_cpython_runtime() {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", "import orjson\n")]);
    let venv = fake_venv(
        dir.path(),
        &[
            ("orjson/__init__.py", "from .orjson import *\n"),
            ("orjson/orjson.cpython-311-x86_64-linux-gnu.so", ""),
        ],
    );
    let out = build(
        dir.path(),
        &["--venv", venv.to_str().unwrap(), "--runtime", "rustpython"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let warned = text(&out.stderr);
    assert_contains(&warned, "package orjson needs the CPython runtime");
    assert_contains(&warned, "--runtime cpython");
}

/// A rule's runtime requirement follows only required imports: a package
/// reached through an optional import (requests -> urllib3.contrib.pyopenssl
/// -> cryptography) does not ask for another runtime.
#[test]
fn a_runtime_requirement_follows_only_required_imports() {
    let dir = scratch();
    let venv = fake_venv(
        dir.path(),
        &[
            (
                "client/__init__.py",
                "try:\n    from client import contrib\nexcept ImportError:\n    contrib = None\n",
            ),
            ("client/contrib.py", "import needy\n"),
            ("needy/__init__.py", "NAME = 'needy'\n"),
        ],
    );
    let hooks = dir.path().join("hooks");
    write_tree(
        &hooks,
        &[(
            "needy.toml",
            "[[rule]]\nmodule = \"needy\"\nwhy = \"its core is compiled\"\nrequires-runtime = \"cpython\"\n",
        )],
    );
    for (program, warned) in [
        ("import client\nprint('ok')\n", false),
        ("import client, needy\nprint('ok')\n", true),
    ] {
        write_tree(dir.path(), &[("main.py", program)]);
        let out = build(
            dir.path(),
            &[
                "--venv",
                venv.to_str().unwrap(),
                "--runtime",
                "rustpython",
                "--hooks-dir",
                hooks.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stderr).contains("package needy needs the CPython runtime"),
            warned,
            "{program}: {}",
            text(&out.stderr)
        );
    }
}

/// Qt's way: a library that loads plug-ins by listing a directory and
/// opening files by path, told where by an environment variable. A rule's
/// `libraries-on-disk` writes a directory's shared libraries with the data
/// files, and `{root}` in its `env` is the bundle's directory.
#[test]
fn libraries_on_disk_and_env_naming_the_bundle_directory() {
    let dir = scratch();
    let plugin = "ELF, standing in for a plug-in";
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import os, sys\nimport viewer\n\
                 where = os.environ.get('VIEWER_PLUGIN_PATH')\n\
                 print(where == os.path.join(sys._MEIPASS, 'viewer', 'plugins') if where else None)\n\
                 found = sorted(os.listdir(os.path.join(where, 'platforms'))) if where and os.path.isdir(where) else []\n\
                 print(found, [open(os.path.join(where, 'platforms', f)).read() for f in found])\n",
            ),
            ("viewer/__init__.py", ""),
            ("viewer/plugins/platforms/libqdemo.so", plugin),
            ("viewer/plugins/platforms/README", "data anyway\n"),
            (
                "plain/viewer.toml",
                "[[rule]]\nmodule = \"viewer\"\nwhy = \"w\"\n",
            ),
            (
                "disk/viewer.toml",
                "[[rule]]\nmodule = \"viewer\"\nwhy = \"plug-ins load by path\"\n\
                 libraries-on-disk = [\"viewer/plugins\"]\n\
                 env = { VIEWER_PLUGIN_PATH = \"{root}/viewer/plugins\" }\n",
            ),
            (
                "bad/viewer.toml",
                "[[rule]]\nmodule = \"viewer\"\nwhy = \"w\"\nenv = { X = \"{prefix}/x\" }\n",
            ),
        ],
    );
    let data = dir.path().join("data-cache");
    let start = || {
        let out = output_of(
            std::process::Command::new(dir.path().join("app"))
                .env("PYFREEZE_DATA_DIR", &data)
                .env_remove("VIEWER_PLUGIN_PATH"),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // Without the rule a shared library is code, not data; the README is data.
    let plain = build(dir.path(), &["--hooks-dir", "plain"]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    assert_eq!(start(), "None\n[] []\n");
    for runtime in ["rustpython", "cpython"] {
        let built = build(dir.path(), &["--hooks-dir", "disk", "--runtime", runtime]);
        assert!(built.status.success(), "{}", text(&built.stderr));
        assert_eq!(
            start(),
            format!("True\n['README', 'libqdemo.so'] ['data anyway\\n', '{plugin}']\n"),
            "{runtime}"
        );
    }
    let bad = build(dir.path(), &["--hooks-dir", "bad"]);
    assert!(!bad.status.success());
    assert_contains(&text(&bad.stderr), "{root}");
}
