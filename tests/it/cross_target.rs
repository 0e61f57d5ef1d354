//! Cross-target packaging checked on one Linux machine: stand-in bootloaders
//! of each format (tests/fixtures/bootloaders, made with zig), format and
//! architecture checks, payload placement per format, bundles that
//! `inspect` and `verify` read back, code signing after the build, and the
//! import graph following the target platform.

use pyfreeze_bundle::Bundle;
use pyfreeze_tests::*;
use std::path::{Path, PathBuf};

const PROGRAM: &str = "import sys\n\
    if sys.platform == 'win32':\n    import winonly\nelse:\n    import posixonly\n\
    import os.path\nprint(os.path.join('a', 'b'))\n";

fn project() -> tempfile::TempDir {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", PROGRAM),
            ("winonly.py", "X = 'windows'\n"),
            ("posixonly.py", "X = 'posix'\n"),
        ],
    );
    dir
}

fn build_for(dir: &Path, triple: &str, boot: &Path, out: &str) -> std::process::Output {
    pyfreeze(
        dir,
        [
            "build",
            "main.py",
            "--target",
            triple,
            "--bootloader",
            boot.to_str().unwrap(),
            "-o",
            out,
            "--runtime",
            "rustpython",
        ],
    )
}

fn inspect_json(dir: &Path, exe: &Path) -> serde_json::Value {
    let out = pyfreeze(dir, ["inspect", "--json", exe.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `inspect --json` reads `exe` back as a bootloader of this format and architecture.
fn assert_inspected_as(dir: &Path, exe: &Path, format: &str, arch: &str) -> serde_json::Value {
    let doc = inspect_json(dir, exe);
    assert_eq!(
        (
            doc["bootloader"]["format"].as_str(),
            doc["bootloader"]["arch"].as_str()
        ),
        (Some(format), Some(arch)),
        "{}",
        exe.display()
    );
    doc
}

fn verify_ok(dir: &Path, exe: &Path) {
    let out = pyfreeze(dir, ["verify", exe.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn windows_bundle_from_linux() {
    let dir = project();
    let boot = stand_in_bootloader(dir.path(), "x86_64-windows-gnu.exe");
    let out = build_for(dir.path(), "x86_64-pc-windows-msvc", &boot, "app.exe");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exe = dir.path().join("app.exe");
    let doc = assert_inspected_as(dir.path(), &exe, "PE", "x86_64");
    assert_eq!(doc["build"]["target"], "x86_64-pc-windows-msvc");
    verify_ok(dir.path(), &exe);

    // The archive is an overlay after the last section: the bootloader is untouched.
    let bytes = std::fs::read(&exe).unwrap();
    let boot_bytes = std::fs::read(&boot).unwrap();
    assert!(bytes.starts_with(&boot_bytes));
    let pe = goblin::pe::PE::parse(&bytes).unwrap();
    let end_of_sections = pe
        .sections
        .iter()
        .map(|s| s.pointer_to_raw_data as usize + s.size_of_raw_data as usize)
        .max()
        .unwrap();
    assert!(end_of_sections <= boot_bytes.len());

    // The platform-specific part of the graph follows the target.
    let m = Bundle::open(&bytes).unwrap().manifest;
    assert!(m.module("winonly").is_some() && m.module("posixonly").is_none());
    assert!(
        m.module("ntpath").is_some(),
        "ntpath is what os.path is on Windows"
    );
    assert!(
        m.module("nt").is_none(),
        "nt is built into the Windows runtime"
    );

    // Default output names follow the target.
    let out = pyfreeze(
        dir.path(),
        [
            "build",
            "main.py",
            "--target",
            "x86_64-pc-windows-msvc",
            "--bootloader",
            boot.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    assert!(dir.path().join("dist/main.exe").is_file());
}

#[test]
fn linux_bundle_follows_posix_branches() {
    let dir = project();
    let boot = stand_in_bootloader(dir.path(), "aarch64-linux-gnu");
    let out = build_for(dir.path(), "aarch64-unknown-linux-gnu", &boot, "app");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exe = dir.path().join("app");
    assert_inspected_as(dir.path(), &exe, "ELF", "aarch64");
    verify_ok(dir.path(), &exe);
    let m = Bundle::open(&std::fs::read(&exe).unwrap())
        .unwrap()
        .manifest;
    assert!(m.module("posixonly").is_some() && m.module("winonly").is_none());
}

fn macho(bytes: &[u8]) -> goblin::mach::MachO<'_> {
    match goblin::mach::Mach::parse(bytes).unwrap() {
        goblin::mach::Mach::Binary(m) => m,
        _ => panic!("fat"),
    }
}

fn linkedit(m: &goblin::mach::MachO<'_>) -> (u64, u64) {
    let seg = m
        .segments
        .iter()
        .find(|s| s.name().unwrap() == "__LINKEDIT")
        .unwrap();
    (seg.fileoff, seg.filesize)
}

#[test]
fn macos_bundles_stay_signable() {
    for (fixture, triple, arch) in [
        ("aarch64-macos", "aarch64-apple-darwin", "aarch64"),
        ("x86_64-macos", "x86_64-apple-darwin", "x86_64"),
    ] {
        let dir = project();
        let boot = stand_in_bootloader(dir.path(), fixture);
        let out = build_for(dir.path(), triple, &boot, "app");
        assert!(out.status.success(), "{triple}: {}", text(&out.stderr));
        let exe = dir.path().join("app");
        let bytes = std::fs::read(&exe).unwrap();
        let m = macho(&bytes);
        // __LINKEDIT, and the string table at its end, cover the archive to the last byte,
        // so `codesign` finds nothing outside a segment; no stale signature is left.
        let (fileoff, filesize) = linkedit(&m);
        assert_eq!(fileoff + filesize, bytes.len() as u64, "{triple}");
        let has_signature = m.load_commands.iter().any(|c| {
            matches!(
                c.command,
                goblin::mach::load_command::CommandVariant::CodeSignature(_)
            )
        });
        assert!(
            !has_signature,
            "{triple}: the bootloader's old signature is still there"
        );
        let symtab = m.load_commands.iter().find_map(|c| match c.command {
            goblin::mach::load_command::CommandVariant::Symtab(s) => Some(s),
            _ => None,
        });
        if let Some(s) = symtab {
            assert_eq!(
                u64::from(s.stroff + s.strsize),
                bytes.len() as u64,
                "{triple}"
            );
        }
        assert_inspected_as(dir.path(), &exe, "Mach-O", arch);
        verify_ok(dir.path(), &exe);

        // What `codesign` does: a signature blob at the end of __LINKEDIT and a
        // load command pointing at it. The bundle must still be found.
        let signed = sign_like_codesign(&bytes);
        let signed_path = dir.path().join("signed");
        std::fs::write(&signed_path, &signed).unwrap();
        verify_ok(dir.path(), &signed_path);
    }
}

/// Append a fake code signature (16-byte aligned) and an LC_CODE_SIGNATURE
/// in the free space after the load commands, growing __LINKEDIT over it.
fn sign_like_codesign(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    while !out.len().is_multiple_of(16) {
        out.push(0);
    }
    let dataoff = out.len() as u32;
    let blob = vec![0xfa; 4096];
    out.extend_from_slice(&blob);
    let ncmds = u32::from_le_bytes(out[16..20].try_into().unwrap());
    let sizeofcmds = u32::from_le_bytes(out[20..24].try_into().unwrap());
    let at = 32 + sizeofcmds as usize;
    let mut cmd = Vec::new();
    for v in [0x1du32, 16, dataoff, blob.len() as u32] {
        cmd.extend_from_slice(&v.to_le_bytes());
    }
    assert!(
        out[at..at + 16].iter().all(|b| *b == 0),
        "no room after the load commands"
    );
    out[at..at + 16].copy_from_slice(&cmd);
    out[16..20].copy_from_slice(&(ncmds + 1).to_le_bytes());
    out[20..24].copy_from_slice(&(sizeofcmds + 16).to_le_bytes());
    out
}

#[test]
fn windows_bundles_can_be_signed_afterwards() {
    let dir = project();
    let boot = stand_in_bootloader(dir.path(), "x86_64-windows-gnu.exe");
    assert!(
        build_for(dir.path(), "x86_64-pc-windows-msvc", &boot, "app.exe")
            .status
            .success()
    );
    let mut bytes = std::fs::read(dir.path().join("app.exe")).unwrap();
    // What signtool does: pad to 8, append the certificate table, point the
    // security data directory at it.
    while !bytes.len().is_multiple_of(8) {
        bytes.push(0);
    }
    let cert_at = bytes.len() as u32;
    bytes.extend_from_slice(&[0xcc; 2048]);
    let pe_at = u32::from_le_bytes(bytes[0x3c..0x40].try_into().unwrap()) as usize;
    let security = pe_at + 24 + 112 + 4 * 8;
    bytes[security..security + 4].copy_from_slice(&cert_at.to_le_bytes());
    bytes[security + 4..security + 8].copy_from_slice(&2048u32.to_le_bytes());
    let signed = dir.path().join("signed.exe");
    std::fs::write(&signed, &bytes).unwrap();
    verify_ok(dir.path(), &signed);
}

#[test]
fn format_or_architecture_mismatches_name_both() {
    let dir = project();
    for (fixture, triple, expected) in [
        (
            "x86_64-linux-gnu",
            "aarch64-unknown-linux-gnu",
            "it is a x86_64 ELF executable, but target aarch64-unknown-linux-gnu needs a aarch64 ELF one",
        ),
        (
            "x86_64-windows-gnu.exe",
            "x86_64-apple-darwin",
            "it is a x86_64 PE executable, but target x86_64-apple-darwin needs a x86_64 Mach-O one",
        ),
        (
            "aarch64-macos",
            "x86_64-unknown-linux-gnu",
            "it is a aarch64 Mach-O executable, but target x86_64-unknown-linux-gnu needs a x86_64 ELF one",
        ),
        (
            "aarch64-windows-gnu.exe",
            "x86_64-pc-windows-msvc",
            "it is a aarch64 PE executable",
        ),
    ] {
        let boot = stand_in_bootloader(dir.path(), fixture);
        let out = build_for(dir.path(), triple, &boot, "never");
        assert!(!out.status.success(), "{fixture} for {triple}");
        assert!(
            text(&out.stderr).contains(expected),
            "{fixture} for {triple}: {}",
            text(&out.stderr)
        );
        assert!(!dir.path().join("never").exists());
    }
    let out = pyfreeze(
        dir.path(),
        ["build", "main.py", "--target", "sparc-sun-solaris"],
    );
    assert_contains(&text(&out.stderr), "unknown target \"sparc-sun-solaris\"");
}

#[test]
fn bootloaders_are_found_by_target_and_missing_ones_explained() {
    let dir = project();
    let boot_dir = dir.path().join("boot");
    let windows = boot_dir.join("x86_64-pc-windows-msvc");
    std::fs::create_dir_all(&windows).unwrap();
    let stand_in = stand_in_bootloader(dir.path(), "x86_64-windows-gnu.exe");
    std::fs::copy(&stand_in, windows.join("pyfreeze-boot.exe")).unwrap();
    let with_dir = |args: &[&str]| {
        std::process::Command::new(pyfreeze_bin())
            .current_dir(dir.path())
            .env("PYFREEZE_BOOTLOADER_DIR", &boot_dir)
            .env("PYFREEZE_CACHE_DIR", test_cache())
            .args(args)
            .output()
            .unwrap()
    };
    let listed = text(&with_dir(&["targets"]).stdout);
    assert!(
        listed.contains(&format!(
            "x86_64-pc-windows-msvc: {}",
            windows.join("pyfreeze-boot.exe").display()
        )),
        "{listed}"
    );
    assert_contains(&listed, "aarch64-apple-darwin: no bootloader installed");

    let built = with_dir(&[
        "build",
        "main.py",
        "--target",
        "x86_64-pc-windows-msvc",
        "-o",
        "w.exe",
    ]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let missing = with_dir(&[
        "build",
        "main.py",
        "--target",
        "aarch64-apple-darwin",
        "-o",
        "m",
    ]);
    let said = text(&missing.stderr);
    assert!(!missing.status.success());
    assert_contains(&said, "no bootloader for aarch64-apple-darwin found");
    assert_contains(&said, "pyfreeze-boot-aarch64-apple-darwin artifact");
    assert_contains(
        &said,
        &boot_dir
            .join("aarch64-apple-darwin/pyfreeze-boot")
            .display()
            .to_string(),
    );
}

#[test]
fn stripping_an_elf_bundle_is_explained() {
    let app = freeze_source("print('hi')\n", &[]);
    let stripped: PathBuf = app.dir.path().join("stripped");
    let status = std::process::Command::new("strip")
        .arg(&app.exe)
        .arg("-o")
        .arg(&stripped)
        .status()
        .expect("strip (binutils)");
    assert!(status.success());
    let out = output_of(&mut std::process::Command::new(&stripped));
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("such as `strip`") && said.contains("rebuild it and do not strip it"),
        "{said}"
    );
}
