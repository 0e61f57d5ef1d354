//! A program made of a package with subpackages, relative imports,
//! `__init__` side effects and `__main__` guards runs frozen as under python3,
//! under both runtimes.

use pyfreeze_tests::*;
use std::process::Command;

#[test]
fn package_program_matches_python() {
    for runtime in RUNTIMES {
        let script = fixtures().join("package_app").join("run.py");
        let dir = scratch();
        let exe = dir.path().join("shop-app");
        freeze(&script, &exe, runtime);
        for args in [vec![], vec!["--fail"]] {
            let expected = Command::new(python3())
                .arg(&script)
                .args(&args)
                .output()
                .unwrap();
            assert!(expected.status.code().is_some(), "python3 did not run");
            let got = run(&exe, &args);
            assert_eq!(
                text(&got.stdout),
                text(&expected.stdout),
                "stderr: {}",
                text(&got.stderr)
            );
            assert_eq!(got.status.code(), expected.status.code());
        }
        let out = text(&run(&exe, [""; 0]).stdout);
        // The package __init__ ran once, the subpackage's __init__ too, and the
        // guarded block of a module imported (not run) did not.
        assert_eq!(out.matches("init shop\n").count(), 1, "{out}");
        assert_contains(&out, "['shop', 'shop.inventory']");
        assert!(!out.contains("must not happen"), "{out}");
        let manifest = manifest(&exe);
        for (name, kind) in [
            ("shop", pyfreeze_bundle::ModuleKind::Package),
            ("shop.inventory", pyfreeze_bundle::ModuleKind::Package),
            ("shop.reports.summary", pyfreeze_bundle::ModuleKind::Module),
        ] {
            let m = manifest
                .module(name)
                .unwrap_or_else(|| panic!("{name} not bundled"));
            assert_eq!(m.kind, kind);
            assert_eq!(m.origin, pyfreeze_bundle::Origin::User);
        }
    }
}
