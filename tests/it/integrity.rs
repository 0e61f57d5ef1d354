//! The bootloader checks the manifest and trailer before any Python code
//! runs, and each entry when the runtime reads it; it refuses damaged,
//! truncated or foreign bundles with exit code 2. `pyfreeze verify` checks
//! every byte. Under both runtimes: they share the bundle's checks, and
//! each has its own importer.

use pyfreeze_bundle::{Bundle, trailer};
use pyfreeze_tests::*;
use std::path::Path;

const PROGRAM: &str = "print('USER CODE RAN')\n";

/// Run `exe`; with `copies`, on the bundle's own native code, never the
/// build machine's files (which a start here would map instead).
fn run_with(exe: &Path, copies: bool) -> std::process::Output {
    let mut cmd = std::process::Command::new(exe);
    if copies {
        cmd.env("PYFREEZE_NATIVE_FROM_MEMORY", "1");
    }
    output_of(cmd.stdin(std::process::Stdio::null()))
}

fn assert_refused(exe: &Path, what: &str) {
    assert_refused_with(exe, false, what);
}

fn assert_refused_with(exe: &Path, copies: bool, what: &str) {
    let out = run_with(exe, copies);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: status {:?}, stderr {stderr}",
        out.status
    );
    assert!(
        !text(&out.stdout).contains("USER CODE RAN"),
        "{what}: user code ran"
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(
        stderr.lines().count() <= 2,
        "{what}: not a clear message: {stderr}"
    );
    assert!(
        [
            "damaged",
            "checksum",
            "truncated",
            "appended",
            "not a pyfreeze",
            "format"
        ]
        .iter()
        .any(|w| stderr.contains(w)),
        "{what}: unclear message: {stderr}"
    );
}

#[test]
fn a_damaged_manifest_or_trailer_is_refused_before_any_code_runs() {
    for runtime in RUNTIMES {
        damaged_manifest_or_trailer(runtime);
    }
}

fn damaged_manifest_or_trailer(runtime: &[&str]) {
    let app = freeze_source(PROGRAM, runtime);
    let good = std::fs::read(&app.exe).unwrap();
    let bundle = Bundle::open(&good).unwrap();
    let manifest_start = (bundle.bootloader_len + bundle.trailer.manifest_offset) as usize;
    let manifest_len = bundle.trailer.manifest_len as usize;
    let bad = app.dir.path().join("bad");
    // Spread over the manifest, plus every byte of the trailer.
    let mut positions: Vec<usize> = (0..20)
        .map(|k| manifest_start + k * manifest_len / 20)
        .collect();
    positions.extend(good.len() - trailer::LEN..good.len());
    for pos in positions {
        write_flipped(&good, pos, &bad);
        assert_refused(
            &bad,
            &format!("flip at {pos} (manifest at {manifest_start})"),
        );
    }
}

#[test]
fn a_damaged_module_is_refused_when_it_is_imported_and_never_taken_for_a_missing_one() {
    for runtime in RUNTIMES {
        damaged_module(runtime);
    }
}

fn damaged_module(runtime: &[&str]) {
    let app = freeze_tree(
        &[
            (
                "main.py",
                "print('USER CODE RAN', flush=True)\ntry:\n    import helper\nexcept ImportError:\n    print('taken for missing')\n",
            ),
            ("helper.py", "print('HELPER RAN')\n"),
        ],
        runtime,
    );
    let good = std::fs::read(&app.exe).unwrap();
    let bundle = Bundle::open(&good).unwrap();
    let entry_at = |path: &str| {
        let rec = bundle.manifest.file(path).unwrap();
        (bundle.bootloader_len + rec.offset + rec.stored / 2) as usize
    };
    let bad = app.dir.path().join("bad");

    write_flipped(&good, entry_at("helper.pyc"), &bad);
    let out = run(&bad, [""; 0]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(text(&out.stdout), "USER CODE RAN\n", "{stderr}");
    assert_contains(&stderr, "helper.pyc does not match its checksum");
    assert_contains(&stderr, "download it again");
    assert!(stderr.lines().count() <= 2, "{stderr}");
    let verify = pyfreeze(&root(), [Path::new("verify"), &bad]);
    assert_eq!(verify.status.code(), Some(1));
    assert_contains(&text(&verify.stdout), "helper.pyc");

    // The program's own code is read before it runs.
    write_flipped(&good, entry_at("main.pyc"), &bad);
    assert_refused(&bad, "damaged main.pyc");
}

/// Wherever a byte of the archive flips, the program either runs exactly as
/// built (the byte is in a part it never reads) or is refused with exit 2;
/// never anything in between. `verify` sees every flip.
#[test]
fn wherever_a_byte_flips_the_program_runs_unchanged_or_is_refused() {
    for runtime in RUNTIMES {
        byte_flips(runtime);
    }
}

fn byte_flips(runtime: &[&str]) {
    let app = freeze_source(PROGRAM, runtime);
    let good = std::fs::read(&app.exe).unwrap();
    let payload_start = Bundle::open(&good).unwrap().bootloader_len as usize;
    let bad = app.dir.path().join("bad");
    let span = good.len() - payload_start;
    let mut refused = 0;
    for pos in (0..40).map(|k| payload_start + k * span / 40) {
        write_flipped(&good, pos, &bad);
        // As started here, and on the bundle's own copies of native code,
        // as a start on any other machine reads them.
        for copies in [false, true] {
            let out = run_with(&bad, copies);
            if out.status.success() {
                assert_eq!(text(&out.stdout), "USER CODE RAN\n", "flip at {pos}");
            } else {
                assert_refused_with(&bad, copies, &format!("flip at {pos}"));
                refused += usize::from(copies);
            }
        }
        let verify = pyfreeze(&root(), [Path::new("verify"), &bad]);
        assert_eq!(
            verify.status.code(),
            Some(1),
            "verify missed the flip at {pos}"
        );
    }
    assert!(refused > 0, "no flip hit anything the program reads");
}

#[test]
fn truncated_or_extended_files_are_refused() {
    for runtime in RUNTIMES {
        truncated_or_extended(runtime);
    }
}

fn truncated_or_extended(runtime: &[&str]) {
    let app = freeze_source(PROGRAM, runtime);
    let good = std::fs::read(&app.exe).unwrap();
    let payload_start = Bundle::open(&good).unwrap().bootloader_len as usize;
    let bad = app.dir.path().join("bad");
    // Cuts inside the payload: a cut inside the bootloader itself is refused
    // by the operating system's loader before any of our code runs.
    for (what, bytes) in [
        ("truncated by one byte", good[..good.len() - 1].to_vec()),
        (
            "truncated in the middle of the payload",
            good[..(payload_start + good.len()) / 2].to_vec(),
        ),
        (
            "truncated right after the bootloader",
            good[..payload_start + 10].to_vec(),
        ),
        ("junk appended", [good.clone(), b"junk".to_vec()].concat()),
        (
            "payload cut in the middle",
            [&good[..good.len() - 5000], &good[good.len() - 4000..]].concat(),
        ),
    ] {
        write_executable(&bad, &bytes);
        assert_refused(&bad, what);
    }
    // The untouched file still runs.
    assert_eq!(text(&run(&app.exe, [""; 0]).stdout), "USER CODE RAN\n");
}

#[test]
fn the_bare_bootloader_says_what_it_is() {
    let out = run(&boot_bin(), [""; 0]);
    assert_eq!(out.status.code(), Some(2));
    assert_contains(&text(&out.stderr), "pyfreeze build");
}

#[test]
fn bytecode_of_another_format_is_refused_with_a_clear_message() {
    // A bundle that is intact (checksum matches) but claims bytecode from
    // another RustPython: the bootloader must refuse it, not try to run it.
    let app = freeze_source(PROGRAM, RUSTPYTHON);
    let good = std::fs::read(&app.exe).unwrap();
    let bundle = Bundle::open(&good).unwrap();
    let boot = &good[..bundle.bootloader_len as usize];
    let mut manifest = bundle.manifest.clone();
    manifest.bytecode = "rustpython-0.4.0/marshal-4".into();
    let mut writer = pyfreeze_bundle::writer::BundleWriter::new(None);
    for file in &bundle.manifest.files {
        writer
            .add(
                file.path.clone(),
                bundle.read(file).unwrap().into_owned(),
                file.compression,
            )
            .unwrap();
    }
    let payload = writer.finish(manifest).unwrap();
    let trailer = payload.trailer(boot.len() as u64).to_bytes();
    let other = app.dir.path().join("other");
    write_executable(&other, [boot, &payload.bytes, &trailer].concat());

    let out = run(&other, [""; 0]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_contains(&stderr, "rustpython-0.4.0/marshal-4");
    assert_contains(
        &stderr,
        pyfreeze_bundle::runtime::rustpython::BYTECODE_FORMAT,
    );
    assert_contains(&stderr, "rebuild");
    assert!(!text(&out.stdout).contains("USER CODE RAN"));
}

/// The CPython runtime reads its index, not the manifest: a manifest
/// rewritten to say something else (its checksums recomputed, so every
/// hash matches) is refused by verify, naming the disagreement.
#[test]
fn verify_refuses_an_index_that_disagrees_with_the_manifest() {
    let app = freeze_tree(
        &[
            ("main.py", "import pkg.a\n"),
            ("pkg/__init__.py", ""),
            ("pkg/a.py", "print('A')\n"),
            ("pkg/b.py", "print('B')\n"),
        ],
        &[CPYTHON, &["--hidden-import", "pkg.b"]].concat(),
    );
    let good = std::fs::read(&app.exe).unwrap();
    let ok = pyfreeze(app.dir.path(), ["verify", app.exe.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", text(&ok.stdout));
    let bundle = Bundle::open(&good).unwrap();
    let boot = &good[..bundle.bootloader_len as usize];
    // The manifest now says pkg.a is pkg.b's code.
    let mut manifest = bundle.manifest.clone();
    let b_code = manifest.module("pkg.b").unwrap().code.clone();
    manifest
        .modules
        .iter_mut()
        .find(|m| m.name == "pkg.a")
        .unwrap()
        .code = b_code;
    let mut writer = pyfreeze_bundle::writer::BundleWriter::new(None);
    for file in &bundle.manifest.files {
        writer
            .add(
                file.path.clone(),
                bundle.read(file).unwrap().into_owned(),
                file.compression,
            )
            .unwrap();
    }
    let payload = writer.finish(manifest).unwrap();
    let trailer = payload.trailer(boot.len() as u64).to_bytes();
    let forged = app.dir.path().join("forged");
    write_executable(&forged, [boot, &payload.bytes, &trailer].concat());
    let out = pyfreeze(app.dir.path(), ["verify", "forged"]);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert_contains(
        &said,
        "index.marshal: module pkg.a differs from the manifest's",
    );
}
