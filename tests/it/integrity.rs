//! The bootloader checks the whole payload before any Python code runs and
//! refuses damaged, truncated or foreign bundles with exit code 2.

use pyfreeze_bundle::{Bundle, trailer};
use pyfreeze_tests::*;
use std::path::Path;

const PROGRAM: &str = "print('USER CODE RAN')\n";

fn assert_refused(exe: &Path, what: &str) {
    let out = run(exe, [""; 0]);
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
fn flipped_bytes_anywhere_in_archive_or_trailer_are_refused() {
    let app = freeze_source(PROGRAM);
    let good = std::fs::read(&app.exe).unwrap();
    let payload_start = Bundle::open(&good).unwrap().bootloader_len as usize;
    let bad = app.dir.path().join("bad");
    // Spread over the payload, plus every byte of the trailer.
    let span = good.len() - payload_start;
    let mut positions: Vec<usize> = (0..40).map(|k| payload_start + k * span / 40).collect();
    positions.extend(good.len() - trailer::LEN..good.len());
    for pos in positions {
        let mut bytes = good.clone();
        bytes[pos] ^= 0x01;
        std::fs::write(&bad, &bytes).unwrap();
        std::fs::set_permissions(&bad, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        assert_refused(
            &bad,
            &format!("flip at {pos} (payload starts at {payload_start})"),
        );
    }
}

#[test]
fn truncated_or_extended_files_are_refused() {
    let app = freeze_source(PROGRAM);
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
        std::fs::write(&bad, &bytes).unwrap();
        std::fs::set_permissions(&bad, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
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
    let app = freeze_source(PROGRAM);
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
    std::fs::write(&other, [boot, &payload.bytes, &trailer].concat()).unwrap();
    std::fs::set_permissions(&other, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

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
