//! `pyfreeze inspect`, `verify` and `extract`, and byte-identical rebuilds.

use pyfreeze_bundle::Bundle;
use pyfreeze_tests::*;
use std::path::Path;
use std::process::Command;

/// hello, with the RustPython runtime: what these tests read back is its.
fn hello(dir: &Path) -> std::path::PathBuf {
    let exe = dir.join("hello");
    freeze(&root().join("examples/hello/hello.py"), &exe, RUSTPYTHON);
    exe
}

#[test]
fn inspect_summarises_and_json_is_stable() {
    let dir = scratch();
    let exe = hello(dir.path());
    let human = pyfreeze(dir.path(), ["inspect", exe.to_str().unwrap()]);
    assert!(human.status.success(), "{}", text(&human.stderr));
    let shown = text(&human.stdout);
    for needle in [
        "x86_64 ELF",
        "x86_64-unknown-linux-gnu",
        "glibc >=",
        "RustPython 0.6.0",
        "chosen as    asked for: --runtime rustpython",
        "hello.py",
        "modules",
        "sha256",
    ] {
        assert!(shown.contains(needle), "{needle} missing:\n{shown}");
    }

    let json = pyfreeze(dir.path(), ["inspect", "--json", exe.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let bytes = std::fs::read(&exe).unwrap();
    let bundle = Bundle::open(&bytes).unwrap();
    assert_eq!(doc["size"], bytes.len() as u64);
    assert_eq!(doc["bootloader"]["format"], "ELF");
    assert_eq!(doc["bootloader"]["arch"], "x86_64");
    assert_eq!(doc["bootloader"]["size"], bundle.bootloader_len);
    assert!(
        doc["bootloader"]["min_glibc"]
            .as_str()
            .unwrap()
            .starts_with("2.")
    );
    assert_eq!(
        doc["bundle"]["bytecode"],
        pyfreeze_bundle::runtime::rustpython::BYTECODE_FORMAT
    );
    assert_eq!(
        doc["bundle"]["sha256"],
        pyfreeze_bundle::hex(&bundle.trailer.sha256)
    );
    assert_eq!(doc["bundle"]["files"], bundle.manifest.files.len());
    assert_eq!(doc["entry"]["path"], "hello.py");
    assert_eq!(
        doc["build"]["runtime_reason"],
        "asked for: --runtime rustpython"
    );
    let modules = &doc["modules"];
    assert_eq!(modules["total"], bundle.manifest.modules.len());
    assert_eq!(modules["user"], 1);
    assert_eq!(
        modules["total"].as_u64().unwrap(),
        modules["user"].as_u64().unwrap()
            + modules["third_party"].as_u64().unwrap()
            + modules["stdlib"].as_u64().unwrap()
    );
    assert!(doc.get("entries").is_none());

    let listed = pyfreeze(
        dir.path(),
        ["inspect", "--json", "--modules", exe.to_str().unwrap()],
    );
    let doc: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), bundle.manifest.files.len());
    let pyc = entries.iter().find(|e| e["path"] == "hello.pyc").unwrap();
    assert_eq!(pyc["kind"], "bytecode");
    assert_eq!(pyc["sha256"].as_str().unwrap().len(), 64);
    assert!(
        entries
            .iter()
            .any(|e| e["path"] == "hello.py" && e["kind"] == "source")
    );

    let table = text(&pyfreeze(dir.path(), ["inspect", "--modules", exe.to_str().unwrap()]).stdout);
    assert!(
        table
            .lines()
            .any(|l| l.contains("bytecode") && l.ends_with("hello.pyc")),
        "{table}"
    );
}

#[test]
fn verify_accepts_intact_and_names_what_is_damaged() {
    let dir = scratch();
    let exe = hello(dir.path());
    let ok = pyfreeze(dir.path(), ["verify", exe.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(text(&ok.stdout).starts_with("OK: "), "{}", text(&ok.stdout));
    assert_eq!(text(&ok.stdout).lines().count(), 1);

    // Damage the data of one file: verify names it.
    let bytes = std::fs::read(&exe).unwrap();
    let bundle = Bundle::open(&bytes).unwrap();
    let target = bundle.manifest.file("hello.pyc").unwrap();
    let at = (bundle.bootloader_len + target.offset + target.stored / 2) as usize;
    let mut damaged = bytes.clone();
    damaged[at] ^= 0x40;
    let bad = dir.path().join("bad");
    std::fs::write(&bad, &damaged).unwrap();
    let out = pyfreeze(dir.path(), ["verify", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stdout);
    assert_contains(&said, "hello.pyc: sha256 differs");
    assert_contains(&said, "archive checksum does not match");

    // Any single byte of the archive or trailer: caught.
    let span = bytes.len() - bundle.bootloader_len as usize;
    for k in 0..25 {
        let pos = bundle.bootloader_len as usize + k * span / 25 + 7;
        let mut flipped = bytes.clone();
        flipped[pos] ^= 1;
        std::fs::write(&bad, &flipped).unwrap();
        let out = pyfreeze(dir.path(), ["verify", bad.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "flip at {pos}: {}",
            text(&out.stdout)
        );
    }

    // Truncated: caught.
    std::fs::write(&bad, &bytes[..bytes.len() - 100]).unwrap();
    assert_eq!(
        pyfreeze(dir.path(), ["verify", bad.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );

    // Not bundles at all.
    std::fs::write(
        &bad,
        (0..100_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for foreign in [Path::new("/bin/sh"), bad.as_path()] {
        let out = pyfreeze(dir.path(), ["verify", foreign.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", foreign.display());
        assert_contains(&text(&out.stderr), "not a pyfreeze bundle");
    }
}

#[test]
fn extract_writes_sources_data_and_manifest() {
    let dir = scratch();
    let exe = hello(dir.path());
    let out_dir = dir.path().join("x");
    let out = pyfreeze(
        dir.path(),
        [
            "extract",
            exe.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("hello.py")).unwrap(),
        std::fs::read_to_string(root().join("examples/hello/hello.py")).unwrap()
    );
    assert!(out_dir.join("encodings/__init__.py").is_file());
    assert!(
        !out_dir.join("hello.pyc").exists(),
        "bytecode written although source was carried"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("__pyfreeze__/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["entry"]["module"], "__main__");

    // Without source, bytecode is what there is.
    let nosrc = dir.path().join("nosrc");
    freeze(
        &root().join("examples/hello/hello.py"),
        &nosrc,
        &rustpython_and(&["--no-source"]),
    );
    let out_dir2 = dir.path().join("y");
    assert!(
        pyfreeze(
            dir.path(),
            [
                "extract",
                nosrc.to_str().unwrap(),
                "-o",
                out_dir2.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    let pyc = std::fs::read(out_dir2.join("hello.pyc")).unwrap();
    assert_eq!(&pyc[..4], &pyfreeze_bundle::runtime::rustpython::PYC_MAGIC);

    // A non-empty target is refused.
    let again = pyfreeze(
        dir.path(),
        [
            "extract",
            exe.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(!again.status.success());
    assert_contains(&text(&again.stderr), "not empty");
}

/// `extract` of a hostile copy of hello whose manifest lists an extra file
/// `name` of `size` bytes (consistent and correctly hashed), into `dir/target`.
fn extract_hostile(dir: &Path, name: &str, size: Option<u64>) -> std::process::Output {
    let exe = hello(dir);
    let bytes = std::fs::read(&exe).unwrap();
    let bundle = Bundle::open(&bytes).unwrap();
    let boot = &bytes[..bundle.bootloader_len as usize];
    let (payload, manifest_at) =
        hostile_payload_with(&bundle, name, size.unwrap_or(bundle.manifest.files[0].size));
    let trailer = pyfreeze_bundle::Trailer::for_payload(&payload, boot.len() as u64, manifest_at);
    let file = dir.join("hostile");
    std::fs::write(&file, [boot, &payload, &trailer.to_bytes()].concat()).unwrap();
    let target = dir.join("target");
    pyfreeze(
        dir,
        [
            "extract",
            file.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
    )
}

#[test]
fn extract_refuses_entries_that_would_escape() {
    // The reader refuses unsafe names before extract writes anything.
    for evil in ["../escape.txt", "/etc/evil", "a/../../b"] {
        let dir = scratch();
        let out = extract_hostile(dir.path(), evil, None);
        assert!(!out.status.success(), "{evil}");
        assert_contains(&text(&out.stderr), "unsafe file name");
        assert!(!dir.path().join("escape.txt").exists());
        let target = dir.path().join("target");
        assert!(!target.exists() || std::fs::read_dir(&target).unwrap().next().is_none());
    }
}

#[test]
fn extract_refuses_absurd_sizes() {
    let dir = scratch();
    let out = extract_hostile(dir.path(), "zz-bomb.txt", Some(1 << 40));
    assert!(!out.status.success());
    assert_contains(&text(&out.stderr), "limit");
    assert!(!dir.path().join("target").exists());
}

/// A payload whose manifest lists an extra file named `name` (bypassing the
/// writer's own checks by editing the manifest JSON).
fn hostile_payload_with(bundle: &Bundle<'_>, name: &str, size: u64) -> (Vec<u8>, (u64, u64)) {
    let mut manifest = bundle.manifest.clone();
    let mut extra = manifest.files[0].clone();
    extra.path = name.to_string();
    extra.size = size;
    if size != extra.stored {
        extra.compression = pyfreeze_bundle::Compression::Deflate;
    }
    manifest.files.push(extra);
    manifest.files.sort_by(|a, b| a.path.cmp(&b.path));
    let json = serde_json::to_vec(&manifest).unwrap();
    let mut payload = bundle.payload.to_vec();
    let offset = payload.len() as u64;
    payload.extend_from_slice(&json);
    (payload, (offset, json.len() as u64))
}

#[test]
fn rebuilds_are_byte_identical_across_directories_and_times() {
    let a = scratch();
    let b = scratch();
    let src = fixtures().join("package_app");
    for (dir, sub) in [(a.path(), "one"), (b.path(), "two/levels")] {
        let dest = dir.join(sub);
        std::fs::create_dir_all(&dest).unwrap();
        copy_tree(&src, &dest);
    }
    let out_a = a.path().join("app");
    let out_b = b.path().join("app");
    // The first without the cache, the second with it: same bytes either way.
    freeze(&a.path().join("one/run.py"), &out_a, &["--no-cache"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    freeze(&b.path().join("two/levels/run.py"), &out_b, &[]);
    let (x, y) = (
        std::fs::read(&out_a).unwrap(),
        std::fs::read(&out_b).unwrap(),
    );
    assert!(x == y, "rebuilds differ");
    // No build path leaks into the executable.
    let needle = a.path().to_str().unwrap().as_bytes();
    assert!(
        !x.windows(needle.len()).any(|w| w == needle),
        "build path inside the executable"
    );

    // SOURCE_DATE_EPOCH is the only time that can appear, and it is honoured.
    let out_c = a.path().join("app-epoch");
    let status = Command::new(pyfreeze_bin())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "build",
            a.path().join("one/run.py").to_str().unwrap(),
            "-o",
            out_c.to_str().unwrap(),
            "-q",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    assert_ne!(std::fs::read(&out_c).unwrap(), x);
    let unzip_listing = Command::new("unzip").arg("-l").arg(&out_c).output();
    if let Ok(listing) = unzip_listing {
        assert!(
            text(&listing.stdout).contains("2023-11-14")
                || text(&listing.stdout).contains("11-14-2023")
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn second_build_reuses_the_cache_and_a_damaged_entry_is_rebuilt() {
    let cache = scratch();
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import helper\nprint(helper.X)\n"),
            ("helper.py", "X = 41 + 1\n"),
        ],
    );
    let build = |extra: &[&str]| {
        let out = Command::new(pyfreeze_bin())
            .env("PYFREEZE_CACHE_DIR", cache.path())
            .current_dir(dir.path())
            .args(["build", "main.py", "-o", "app", "-v"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let first = build(&[]);
    assert_contains(&first, "cache: 0 modules reused");
    let second = build(&[]);
    assert_contains(&second, " 0 compiled");
    assert!(!second.contains("cache: 0 modules reused"), "{second}");
    assert!(build(&["--no-cache"]).contains("cache: off"));

    // Damage every cache entry: all are detected and rebuilt, the program still right.
    let mut damaged = 0;
    for entry in walk(cache.path())
        .into_iter()
        .filter(|e| !e.ends_with("secret"))
    {
        let mut bytes = std::fs::read(&entry).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&entry, bytes).unwrap();
        damaged += 1;
    }
    assert!(damaged > 0);
    let third = build(&[]);
    let found = match damaged {
        1 => "; 1 damaged entry found, removed and redone".to_string(),
        n => format!("; {n} damaged entries found, removed and redone"),
    };
    assert!(third.contains(&found), "{third}");
    assert_eq!(text(&run(&dir.path().join("app"), [""; 0]).stdout), "42\n");

    // `cache clean` empties it.
    let clean = Command::new(pyfreeze_bin())
        .env("PYFREEZE_CACHE_DIR", cache.path())
        .env("PYFREEZE_DATA_DIR", cache.path().join("bundles"))
        .args(["cache", "clean"])
        .output()
        .unwrap();
    assert!(clean.status.success());
    assert_eq!(walk(cache.path()).len(), 0);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().unwrap().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}
