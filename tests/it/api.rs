//! The library API on its own, without the command line: typed options in,
//! typed reports, diagnostics and errors out.

use pyfreeze::runtime::RuntimeKind;
use pyfreeze::{
    BuildError, BuildOptions, Diagnostic, EntryPoint, NoReporter, Phase, ProgramOptions, Reporter,
    ToolError, Verification,
};
use pyfreeze_tests::*;
use std::path::Path;
use std::sync::Mutex;

/// Keeps what the build reported, in order.
#[derive(Default)]
struct Collect {
    phases: Mutex<Vec<(Phase, u64)>>,
    advanced: Mutex<u64>,
    diagnostics: Mutex<Vec<Diagnostic>>,
}

impl Reporter for Collect {
    fn phase(&self, phase: Phase, items: u64) {
        self.phases.lock().unwrap().push((phase, items));
    }
    fn advance(&self) {
        *self.advanced.lock().unwrap() += 1;
    }
    fn diagnostic(&self, d: &Diagnostic) {
        self.diagnostics.lock().unwrap().push(d.clone());
    }
}

fn options(dir: &Path, script: &str) -> BuildOptions {
    let mut o = BuildOptions::new(ProgramOptions::new(EntryPoint::Path(dir.join(script))));
    o.output = Some(dir.join("out").join("app"));
    o.bootloader = Some(boot_bin());
    o.use_cache = false;
    o
}

#[test]
fn build_reports_what_it_did_and_every_warning_by_kind() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            (
                "main.py",
                "import helper, string\ntry:\n    import optional_thing\nexcept ImportError:\n    pass\nprint(helper.X)\n",
            ),
            (
                "helper.py",
                "X = 'helped'\ndef later():\n    import not_installed\n",
            ),
            ("string.py", "# shadows the stdlib\n"),
            ("fastlib.cpython-311-x86_64-linux-gnu.so", ""),
            ("uses_ext.py", "import fastlib\n"),
        ],
    );
    let mut opts = options(dir.path(), "main.py");
    opts.program.hidden_imports = vec!["uses_ext".into()];
    let collect = Collect::default();
    let report = pyfreeze::build(&opts, &collect).expect("build");

    assert_eq!(report.output, dir.path().join("out/app"));
    assert_eq!(
        report.size,
        std::fs::metadata(&report.output).unwrap().len()
    );
    assert_eq!(report.bootloader, boot_bin());
    // No runtime asked for: the bootloader given says which.
    assert_eq!(report.runtime, "RustPython 0.6.0");
    assert_contains(&report.runtime_why, "--bootloader");
    assert_eq!(report.modules.user, 4, "main, helper, string, uses_ext");
    assert!(report.modules.stdlib > 10);
    assert_eq!(report.modules.third_party, 0);
    assert!(!report.cache.enabled);

    // Progress: the three phases, and one step per compiled module.
    let phases: Vec<Phase> = collect.phases.lock().unwrap().iter().map(|p| p.0).collect();
    assert_eq!(
        phases,
        [
            Phase::ScanningImports,
            Phase::Compiling,
            Phase::WritingArchive
        ]
    );
    let compiled = collect.phases.lock().unwrap()[1].1;
    assert_eq!(*collect.advanced.lock().unwrap(), compiled);

    // Warnings come as values: matched by kind, with their data.
    let got = collect.diagnostics.lock().unwrap().clone();
    assert_eq!(got, report.diagnostics);
    let missing = got
        .iter()
        .find_map(|d| match d {
            Diagnostic::MissingModule {
                module,
                site,
                chain,
            } => Some((module, site, chain)),
            _ => None,
        })
        .expect("a missing module");
    assert_eq!(missing.0, "not_installed");
    assert_eq!((missing.1.importer.as_str(), missing.1.line), ("helper", 3));
    assert!(missing.1.delayed);
    assert_eq!(missing.2, "main.py -> helper -> not_installed");
    assert!(got.iter().any(|d| matches!(d,
        Diagnostic::UnloadableExtension { module, runtime, .. } if module == "fastlib" && *runtime == RuntimeKind::RustPython)));
    assert!(got.iter().any(|d| matches!(d,
        Diagnostic::ShadowedStdlib { module, .. } if module == "string")));
    assert!(
        !got.iter().any(|d| d.to_string().contains("optional_thing")),
        "a guarded import is not a problem: {got:?}"
    );

    // The executable is real: it runs, and the tools read it back.
    let out = run(&report.output, [""; 0]);
    assert_eq!(text(&out.stdout), "helped\n");
    let inspected = pyfreeze::inspect(&report.output, true).unwrap();
    assert_eq!(inspected.bundle.runtime, "RustPython 0.6.0");
    assert_eq!(inspected.modules.total, report.modules.total());
    assert!(matches!(
        pyfreeze::verify(&report.output).unwrap(),
        Verification::Intact { .. }
    ));
    let unpacked = dir.path().join("unpacked");
    let n = pyfreeze::extract(&report.output, &unpacked).unwrap();
    assert!(n > 0 && unpacked.join("helper.py").is_file());
}

#[test]
fn strict_and_compile_failures_are_typed_errors_and_write_nothing() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import gone\n"),
            ("broken.py", "import ok\ndef f(:\n    pass\n"),
            ("ok.py", ""),
        ],
    );
    let mut strict = options(dir.path(), "main.py");
    strict.strict = true;
    match pyfreeze::build(&strict, &NoReporter) {
        Err(BuildError::Unsatisfied(d)) => {
            assert!(
                matches!(&d[..], [Diagnostic::MissingModule { module, .. }] if module == "gone")
            )
        }
        other => panic!("expected an unsatisfied-import error, got {other:?}"),
    }
    let broken = options(dir.path(), "broken.py");
    match pyfreeze::build(&broken, &NoReporter) {
        Err(BuildError::Compile(failures)) => {
            assert_eq!(failures.len(), 1);
            let shown = failures[0].to_string();
            assert!(
                shown.starts_with(&format!("{}:2:", dir.path().join("broken.py").display())),
                "{shown}"
            );
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
}

/// What a caller acts on comes back as a variant with its data: an unknown
/// target, a bad project setting (file and key), an unusable bootloader, an
/// output pyfreeze will not replace; and, from the tools, a file that is no
/// bundle or a damaged one, each with its exit code.
#[test]
fn errors_callers_act_on_are_variants() {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", "print(1)\n")]);

    let mut o = options(dir.path(), "main.py");
    o.program.target = Some("sparc-sun-solaris".into());
    match pyfreeze::build(&o, &NoReporter) {
        Err(BuildError::UnknownTarget { triple }) => assert_eq!(triple, "sparc-sun-solaris"),
        other => panic!("expected UnknownTarget, got {other:?}"),
    }

    write_tree(
        dir.path(),
        &[(
            "proj/pyproject.toml",
            "[tool.pyfreeze]\nscript = \"../main.py\"\noptimize = 7\n",
        )],
    );
    let mut o = options(dir.path(), "main.py");
    o.program.entry = EntryPoint::Path(dir.path().join("proj"));
    match pyfreeze::build(&o, &NoReporter) {
        Err(BuildError::Setting { file, key, message }) => {
            assert_eq!(file, dir.path().join("proj/pyproject.toml"));
            assert_eq!(key, "optimize");
            assert!(message.starts_with("optimize = 7"), "{message}");
        }
        other => panic!("expected Setting, got {other:?}"),
    }

    let mut o = options(dir.path(), "main.py");
    o.bootloader = Some("/bin/sh".into());
    match pyfreeze::build(&o, &NoReporter) {
        Err(BuildError::Bootloader { path, message }) => {
            assert_eq!(path, Path::new("/bin/sh"));
            assert!(message.contains("not a pyfreeze bootloader"), "{message}");
        }
        other => panic!("expected Bootloader, got {other:?}"),
    }

    std::fs::create_dir_all(dir.path().join("out/app")).unwrap();
    match pyfreeze::build(&options(dir.path(), "main.py"), &NoReporter) {
        Err(BuildError::RefusedOutput { path, message }) => {
            assert_eq!(path, dir.path().join("out/app"));
            assert!(message.starts_with("is a directory"), "{message}");
        }
        other => panic!("expected RefusedOutput, got {other:?}"),
    }

    let not_bundle = Path::new("/bin/sh");
    match pyfreeze::inspect(not_bundle, false) {
        Err(e @ ToolError::NotABundle(_)) => assert_eq!(e.exit_code(), 2),
        other => panic!("expected NotABundle, got {:?}", other.err()),
    }
    match pyfreeze::verify(&dir.path().join("missing")) {
        Err(e @ ToolError::Unreadable(_)) => assert_eq!(e.exit_code(), 2),
        other => panic!("expected Unreadable, got {other:?}"),
    }
    std::fs::remove_dir(dir.path().join("out/app")).unwrap();
    let app = dir.path().join("out/app");
    pyfreeze::build(&options(dir.path(), "main.py"), &NoReporter).unwrap();
    let mut bytes = std::fs::read(&app).unwrap();
    let n = bytes.len();
    bytes[n - 200] ^= 0xff;
    let damaged = dir.path().join("damaged");
    std::fs::write(&damaged, &bytes).unwrap();
    match pyfreeze::extract(&damaged, &dir.path().join("x")) {
        Err(e @ ToolError::Damaged { .. }) => assert_eq!(e.exit_code(), 1),
        other => panic!("expected Damaged, got {other:?}"),
    }
}

#[test]
fn graph_and_why_without_building() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import pkg.a\n"),
            ("pkg/__init__.py", ""),
            ("pkg/a.py", "import json\n"),
        ],
    );
    let program = ProgramOptions::new(EntryPoint::Path(dir.path().join("main.py")));
    let graph = pyfreeze::graph(&program).unwrap();
    let a = graph.id_of("pkg.a").unwrap();
    assert_eq!(graph.chain(a), "main.py -> pkg.a");
    assert!(graph.get("json.decoder").is_some());
    // The shipped rules fired: every bundle carries the codecs.
    assert!(graph.get("encodings.utf_8").is_some());
    assert!(
        graph
            .rules
            .fired
            .iter()
            .any(|r| r.starts_with("stdlib.toml"))
    );
    let (_, chain) = pyfreeze::why("json", &program).unwrap();
    assert_eq!(chain.as_deref(), Some("main.py -> pkg.a -> json"));
    let (_, none) = pyfreeze::why("xml", &program).unwrap();
    assert_eq!(none, None);
}
