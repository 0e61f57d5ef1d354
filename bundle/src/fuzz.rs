//! Property tests for the reader (the bootloader's, and `inspect`/`verify`/
//! `extract`'s): whatever the bytes, it returns a result and never panics,
//! never reads out of bounds, and never unpacks more than a file declares.
//! `PROPTEST_CASES=100000 cargo test -p pyfreeze-bundle --features write fuzz`
//! runs them longer; cases that once failed are kept in proptest-regressions/.

use crate::manifest::*;
use crate::reader::Bundle;
use crate::writer::BundleWriter;
use crate::{Compression, Trailer};
use proptest::prelude::*;

const BOOT: &[u8] = b"\x7fELF not really a bootloader, just bytes before the payload";

fn valid_bundle() -> Vec<u8> {
    let mut w = BundleWriter::new(None);
    w.add(
        "app.pyc".into(),
        b"\x2b\x0e\r\n\x01\0\0\0pyc bytes here".to_vec(),
        Compression::Stored,
    )
    .unwrap();
    w.add(
        "app.py".into(),
        b"print('hello')\n".repeat(20),
        Compression::Deflate,
    )
    .unwrap();
    w.add("pkg/data.txt".into(), vec![7; 300], Compression::Deflate)
        .unwrap();
    let manifest = crate::writer::tests::manifest();
    let payload = w.finish(manifest).unwrap();
    let trailer = payload.trailer(BOOT.len() as u64);
    [BOOT, &payload.bytes, &trailer.to_bytes()].concat()
}

/// Everything a tool might do with a bundle; must not panic.
fn exercise(bytes: &[u8]) {
    let _ = Bundle::open(bytes);
    // What the unpack stub reads before the payload.
    for end in [bytes.len(), bytes.len().saturating_sub(crate::trailer::LEN)] {
        if let Ok(Some(packed)) = crate::pack::read(&bytes[..end]) {
            for (file, raw) in packed.frames() {
                assert!(file.end <= end && raw.end as u64 <= packed.runtime_len);
            }
        }
    }
    if let Ok(b) = Bundle::open_unverified(bytes) {
        let _ = b.checksums_ok();
        let _ = b.damaged_files();
        for f in &b.manifest.files {
            if let Ok(data) = b.read(f) {
                assert_eq!(
                    data.len() as u64,
                    f.size,
                    "read returned another size than declared"
                );
            }
        }
    }
}

/// A payload made of `manifest_json` alone, with a trailer whose checksum
/// matches, so parsing gets past the hash.
fn with_manifest(manifest_json: &[u8], junk_before: &[u8]) -> Vec<u8> {
    let mut payload = junk_before.to_vec();
    let offset = payload.len() as u64;
    payload.extend_from_slice(manifest_json);
    let t = Trailer::for_payload(
        &payload,
        BOOT.len() as u64,
        (offset, manifest_json.len() as u64),
    );
    [BOOT, &payload, &t.to_bytes()].concat()
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("../../etc/passwd".to_string()),
        Just("/abs".to_string()),
        Just("a".repeat(5000)),
        Just(vec!["p"; 200].join(".")),
        Just(vec!["d"; 200].join("/")),
        "[a-z_./\\\\:]{0,40}",
        any::<String>(),
    ]
}

fn hostile_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(u64::MAX),
        Just(u64::MAX / 2),
        Just(1u64 << 40),
        0u64..5000
    ]
}

proptest! {
    #[test]
    fn mutated_bundles_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in prop::option::of(any::<prop::sample::Index>()),
        insert in prop::option::of((any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..64))),
    ) {
        let mut bytes = valid_bundle();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value;
        }
        if let Some((at, junk)) = insert {
            let i = at.index(bytes.len());
            bytes.splice(i..i, junk);
        }
        if let Some(at) = cut {
            bytes.truncate(at.index(bytes.len() + 1));
        }
        exercise(&bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
        // With a pack tail's magic where the stub looks for one.
        let mut packed = bytes.clone();
        if packed.len() >= crate::pack::TAIL_LEN {
            let at = packed.len() - crate::pack::TAIL_LEN;
            packed[at..at + 8].copy_from_slice(crate::pack::MAGIC);
            packed[at + 8..at + 12].copy_from_slice(&crate::pack::VERSION.to_le_bytes());
            exercise(&packed);
        }
        // And with a well-formed trailer pointing into them.
        let t = Trailer::for_payload(&bytes, 0, (0, bytes.len() as u64));
        exercise(&[&bytes[..], &t.to_bytes()].concat());
    }

    #[test]
    fn hostile_manifests_are_refused_or_bounded(
        names in prop::collection::vec(hostile_string(), 1..6),
        numbers in prop::collection::vec(hostile_u64(), 6),
        deflate in any::<bool>(),
        junk in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let files: Vec<FileRecord> = names.iter().enumerate().map(|(i, n)| FileRecord {
            path: n.clone(),
            offset: numbers[i % 6],
            stored: numbers[(i + 1) % 6],
            size: numbers[(i + 2) % 6],
            compression: if deflate { Compression::Deflate } else { Compression::Stored },
            sha256: "00".repeat(32),
            crc32: numbers[(i + 3) % 6] as u32,
        }).collect();
        let modules: Vec<ModuleRecord> = names.iter().map(|n| ModuleRecord {
            name: n.clone(),
            kind: ModuleKind::Package,
            origin: Origin::User,
            path: n.clone(),
            code: Some(n.clone()),
            source: None,
            on_disk: false,
        }).collect();
        let manifest = Manifest {
            format: crate::FORMAT_VERSION,
            bytecode: crate::runtime::rustpython::BYTECODE_FORMAT.into(),
            entry: Entry::Script { module: names[0].clone() },
            build: BuildInfo::default(),
            runtime: None,
            modules,
            env: Default::default(),
            libraries: Vec::new(),
            prefetch: Vec::new(),
            build_files: Vec::new(),
            files,
        };
        let json = serde_json::to_vec(&manifest).unwrap();
        exercise(&with_manifest(&json, &junk));
    }

    #[test]
    fn random_json_never_panics(text in "\\{[\"a-z:,0-9\\[\\]{} ]{0,300}\\}") {
        exercise(&with_manifest(text.as_bytes(), b""));
    }
}

#[test]
fn a_zip_bomb_stops_at_the_declared_size() {
    let mut bytes = valid_bundle();
    let bundle = Bundle::open(&bytes).unwrap();
    // Replace the manifest with one declaring 300 bytes for a deflate stream
    // of a megabyte of zeros.
    let bomb = {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        e.finish().unwrap()
    };
    let mut manifest = bundle.manifest.clone();
    let data = manifest
        .files
        .iter_mut()
        .find(|f| f.path == "pkg/data.txt")
        .unwrap();
    let payload_len = bundle.payload.len() as u64;
    data.offset = payload_len;
    data.stored = bomb.len() as u64;
    data.size = 300;
    let mut payload = bundle.payload.to_vec();
    payload.extend_from_slice(&bomb);
    let json = serde_json::to_vec(&manifest).unwrap();
    let offset = payload.len() as u64;
    payload.extend_from_slice(&json);
    let t = Trailer::for_payload(&payload, BOOT.len() as u64, (offset, json.len() as u64));
    bytes = [BOOT, &payload, &t.to_bytes()].concat();
    let b = Bundle::open(&bytes).unwrap();
    let err = b.read_path("pkg/data.txt").unwrap_err();
    assert!(
        err.to_string()
            .contains("unpacks to 301 bytes, manifest says 300"),
        "{err}"
    );
}

#[test]
fn a_damaged_entry_is_refused_when_read_and_reported_by_verify() {
    let good = valid_bundle();
    let bundle = Bundle::open(&good).unwrap();
    let rec = bundle.manifest.file("app.pyc").unwrap().clone();
    assert_eq!(rec.compression, Compression::Stored);
    let at = BOOT.len() + rec.offset as usize;
    let mut bytes = good.clone();
    bytes[at] ^= 0x01;
    // The manifest is intact: the bundle opens, the other entries read, and
    // only the damaged one is refused.
    let b = Bundle::open(&bytes).unwrap();
    assert_eq!(
        b.read_path("app.pyc").unwrap_err(),
        crate::BundleError::EntryDamaged("app.pyc".into())
    );
    for other in b.manifest.files.iter().filter(|f| f.path != rec.path) {
        b.read(other).unwrap();
    }
    assert!(!b.checksums_ok());
    assert_eq!(b.damaged_files().len(), 1);
    // A flip in the manifest is refused at open.
    let manifest_offset = bundle.trailer.manifest_offset as usize;
    drop(bundle);
    let mut bytes = good;
    let manifest_at = BOOT.len() + manifest_offset + 10;
    bytes[manifest_at] ^= 0x01;
    assert_eq!(
        Bundle::open(&bytes).unwrap_err(),
        crate::BundleError::ChecksumMismatch
    );
}

#[test]
fn absurd_claims_are_refused_with_a_message() {
    let base = Bundle::open(&valid_bundle()).unwrap().manifest;
    type Edit = Box<dyn Fn(&mut Manifest)>;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|m| m.files[0].size = u64::MAX), "limit"),
        (
            Box::new(|m| m.files[0].offset = u64::MAX - 1),
            "outside the archive",
        ),
        (
            Box::new(|m| m.modules[0].name = vec!["a"; 100].join(".")),
            "invalid module name",
        ),
        (
            Box::new(|m| m.modules[0].name = "a".repeat(2000)),
            "invalid module name",
        ),
        (
            Box::new(|m| m.prefetch = vec!["lib/missing.so".into()]),
            "prefetch refers to missing file",
        ),
        (
            Box::new(|m| {
                let extra = m.files[0].clone();
                m.files = vec![extra; crate::limits::MAX_ENTRIES + 1];
            }),
            "limit",
        ),
    ];
    for (edit, expected) in cases {
        let mut m = base.clone();
        edit(&mut m);
        let json = serde_json::to_vec(&m).unwrap();
        let err = Bundle::open(&with_manifest(&json, b""))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
    }
}
