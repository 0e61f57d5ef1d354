//! Frozen programs start on the Linux systems their users have, not only on
//! the machine that built them: bootloaders that need nothing but glibc (and
//! glibc 2.28 for what pyfreeze ships), runs in minimal Debian 11 and 12
//! root filesystems with no Python, a clear refusal where glibc is too old,
//! a clear line where a desktop library is missing, and starts without /proc.

use crate::readme::{readme_block, shape};
use pyfreeze_tests::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a bootloader may ask the system for: glibc's own libraries and
/// libgcc_s (the unwinder).
const ALLOWED: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "libgcc_s.so.1",
];

fn bootloaders() -> Vec<PathBuf> {
    vec![boot_bin(), boot_cpython_bin(), unpack_bin()]
}

#[test]
fn bootloaders_need_nothing_but_glibc() {
    for boot in bootloaders() {
        let bytes = std::fs::read(&boot).unwrap();
        let elf = goblin::elf::Elf::parse(&bytes).unwrap();
        let extra: Vec<&str> = elf
            .libraries
            .iter()
            .copied()
            .filter(|l| !ALLOWED.contains(l))
            .collect();
        assert!(extra.is_empty(), "{} needs {extra:?}", boot.display());
    }
}

/// The bootloaders this suite built are what pyfreeze ships when the suite
/// is run as the README says (`tests/run`, which links them for glibc 2.28
/// with cargo-zigbuild): none needs a newer glibc.
#[test]
fn bootloaders_need_glibc_2_28_at_most() {
    let Some(()) = built_for_old_glibc() else {
        return;
    };
    for boot in bootloaders() {
        let floor = glibc_needed(&boot);
        assert!(
            floor <= (2, 28),
            "{} needs glibc {}.{}",
            boot.display(),
            floor.0,
            floor.1
        );
    }
}

/// The newest glibc `file` needs, as `inspect` reads it.
fn glibc_needed(file: &Path) -> (u32, u32) {
    let version = pyfreeze::glibc::needed(&std::fs::read(file).unwrap()).expect("an ELF file");
    (version.0, version.1)
}

/// `Some` when the suite's bootloaders were linked for an old glibc; else
/// skip (or fail, under PYFREEZE_REQUIRE_ALL=1).
fn built_for_old_glibc() -> Option<()> {
    let floor = glibc_needed(&boot_bin());
    if floor <= (2, 28) {
        return Some(());
    }
    missing(
        &format!(
            "bootloaders linked for glibc 2.28 (these need {}.{})",
            floor.0, floor.1
        ),
        "run the suite with tests/run, which builds them with cargo-zigbuild",
    );
    None
}

/// Uses what a program on Debian 11 needs from the RustPython runtime:
/// every native module, a data file, multiprocessing.
const RUSTPYTHON_PROGRAM: &str = r#"
import ctypes, decimal, hashlib, json, multiprocessing, os, sqlite3, ssl, sys, unicodedata, zlib, zoneinfo
from datetime import datetime

def square(x):
    return x * x

if __name__ == "__main__":
    db = sqlite3.connect(":memory:")
    db.execute("create table t (x)")
    db.executemany("insert into t values (?)", [(i,) for i in range(5)])
    print("sqlite", db.execute("select sum(x) from t").fetchone()[0])
    print("json", json.dumps({"b": [1, 2], "a": None}, sort_keys=True))
    print("decimal", decimal.Decimal("1.1") + decimal.Decimal("2.2"))
    print("unicodedata", unicodedata.name("é"))
    print("zlib", len(zlib.compress(b"x" * 1000)) < 100)
    print("sha256", hashlib.sha256(b"pyfreeze").hexdigest()[:16])
    print("ssl", ssl.create_default_context().verify_mode == ssl.CERT_REQUIRED)
    tz = zoneinfo.ZoneInfo("Europe/Paris")
    print("zoneinfo", datetime(2024, 7, 1, 12, tzinfo=tz).utcoffset())
    libc = ctypes.CDLL(None)
    print("ctypes", libc.abs(-7))
    with multiprocessing.Pool(2) as pool:
        print("multiprocessing", pool.map(square, range(5)))
    with open(os.path.join(sys._MEIPASS, "data", "greeting.txt")) as f:
        print("data", f.read().strip())
"#;

#[test]
fn a_rustpython_program_runs_on_debian_11() {
    let Some(()) = built_for_old_glibc() else {
        return;
    };
    let Some(bullseye) = debian_root("bullseye") else {
        return;
    };
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", RUSTPYTHON_PROGRAM),
            ("data/greeting.txt", "hello from a data file\n"),
        ],
    );
    let data = format!("{}:data", dir.path().join("data").display());
    let exe = dir.path().join("app");
    freeze(
        &dir.path().join("main.py"),
        &exe,
        &[RUSTPYTHON, &["--add-data", &data]].concat(),
    );
    let here = run(&exe, [""; 0]);
    assert!(here.status.success(), "{}", text(&here.stderr));
    let there = run_in_root(&bullseye, &exe, &[]);
    assert_eq!(
        text(&there.stdout),
        text(&here.stdout),
        "Debian 11: {}",
        text(&there.stderr)
    );
    assert!(there.status.success());
}

/// What the CPython runtime carries from the build machine: numpy's
/// libraries, and the interpreter's ssl, sqlite3, ctypes, lzma and bz2.
const CPYTHON_PROGRAM: &str = r#"
import bz2, ctypes, lzma, sqlite3, ssl
import numpy as np
a = np.arange(12, dtype=np.float64).reshape(3, 4)
print("numpy", a.sum(), (a @ a.T).trace())
print("sqlite", sqlite3.connect(":memory:").execute("select 6 * 7").fetchone()[0])
print("ssl", ssl.OPENSSL_VERSION.split()[0], ssl.create_default_context().check_hostname)
print("ctypes", ctypes.CDLL(None).abs(-3))
print("lzma", lzma.decompress(lzma.compress(b"x" * 100)) == b"x" * 100)
print("bz2", bz2.decompress(bz2.compress(b"y" * 100)) == b"y" * 100)
"#;

#[test]
fn cpython_programs_run_on_debian_12_with_no_python() {
    let Some(bookworm) = debian_root("bookworm") else {
        return;
    };
    let venv = compiled_venv();
    let app = freeze_tree(
        &[("main.py", CPYTHON_PROGRAM)],
        &["--venv", venv.to_str().unwrap()],
    );
    let here = run(&app.exe, [""; 0]);
    assert!(here.status.success(), "{}", text(&here.stderr));
    let there = run_in_root(&bookworm, &app.exe, &[]);
    assert_eq!(
        text(&there.stdout),
        text(&here.stdout),
        "Debian 12: {}",
        text(&there.stderr)
    );
    assert!(
        !bookworm.join("usr/bin/python3").exists(),
        "the root filesystem has no Python"
    );
}

/// A Tk program needs X11 libraries, which a desktop has and a bundle never
/// carries: where one is missing, the import fails with one line naming the
/// library and the package to install.
#[test]
fn a_missing_desktop_library_is_named_with_its_package() {
    let Some(bookworm) = debian_root("bookworm") else {
        return;
    };
    let app = freeze_tree(
        &[(
            "main.py",
            "try:\n    import tkinter\nexcept ImportError as e:\n    print(e)\nelse:\n    print('tk', tkinter.TkVersion)\n",
        )],
        CPYTHON,
    );
    let there = run_in_root(&bookworm, &app.exe, &[]);
    let said = text(&there.stdout);
    assert!(there.status.success(), "{said} {}", text(&there.stderr));
    assert!(said.starts_with("_tkinter needs libX"), "{said}");
    assert_contains(&said, "an X11 library");
    assert_contains(&said, "(Debian, Ubuntu) or ");
    assert_contains(&said, "(Fedora)");
    assert_eq!(said.lines().count(), 1, "{said}");
    // The README shows this line, as the exception prints it.
    let shown = readme_block(&readme(), "ImportError: _tkinter needs ");
    assert_eq!(
        shown.iter().map(|l| shape(l)).collect::<Vec<_>>(),
        [shape(&format!("ImportError: {}", said.trim_end()))]
    );
}

#[test]
fn a_cpython_program_built_here_refuses_debian_11_clearly() {
    let Some(()) = built_for_old_glibc() else {
        return;
    };
    let Some(bullseye) = debian_root("bullseye") else {
        return;
    };
    let app = freeze_tree(&[("main.py", "print('ran')\n")], CPYTHON);
    // libpython, or a library this machine's Python links (libexpat).
    let floor = manifest(&app.exe).build.glibc.expect("a glibc floor");
    assert!(floor.file.starts_with("__pyfreeze__/lib/"), "{floor:?}");
    let there = run_in_root(&bullseye, &app.exe, &[]);
    let err = text(&there.stderr);
    assert_eq!(there.status.code(), Some(2), "{err}");
    assert!(!text(&there.stdout).contains("ran"));
    assert_contains(&err, &format!("needs glibc {} or newer", floor.version));
    assert_contains(&err, "this system has 2.31");
    assert_eq!(err.lines().count(), 1, "{err}");
    // The README shows this line for its hello, whose floor file is named
    // there: the same words, the program's name and the file aside.
    let file = floor.file.rsplit('/').next().unwrap();
    let shown = readme_block(&readme(), "hello: needs glibc ");
    assert_eq!(shown.len(), 1);
    let words = |line: &str| -> String {
        let line = line.split_once(": ").map_or(line, |(_, rest)| rest);
        let line = match (line.find("(for "), line.find(");")) {
            (Some(a), Some(b)) if a < b => format!("{}(for FILE{}", &line[..a], &line[b..]),
            _ => line.to_string(),
        };
        shape(&line)
    };
    assert_eq!(
        words(&shown[0]),
        words(err.trim_end()),
        "README: {}\nprinted: {err}",
        shown[0]
    );
    assert_contains(err.trim_end(), &format!("(for {file});"));
}

/// The README, read by the tests that compare its examples with output.
fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// With /proc hidden (some sandboxes and containers), every kind of
/// executable still finds itself: `sys.executable` is its real path.
#[test]
fn programs_start_without_proc() {
    if !can_hide_proc() {
        return;
    }
    let source = "import sys\nprint(sys.executable)\nprint(sum(range(10)))\n";
    let packed = rustpython_and(&["--pack"]);
    for extra in [RUSTPYTHON, CPYTHON, packed.as_slice()] {
        let app = freeze_tree(&[("main.py", source)], extra);
        let real = app.exe.canonicalize().unwrap();
        for how in [real.clone(), PathBuf::from("./app")] {
            let out = Command::new("unshare")
                .current_dir(app.exe.parent().unwrap())
                .args([
                    "--mount",
                    "sh",
                    "-c",
                    "mount -t tmpfs none /proc && exec \"$0\"",
                ])
                .arg(&how)
                .output()
                .unwrap();
            assert_eq!(
                text(&out.stdout),
                format!("{}\n45\n", real.display()),
                "{extra:?} started as {}: {}",
                how.display(),
                text(&out.stderr)
            );
        }
    }
}

/// Whether `unshare --mount` can hide /proc here (root, util-linux).
fn can_hide_proc() -> bool {
    let works = Command::new("unshare")
        .args([
            "--mount",
            "sh",
            "-c",
            "mount -t tmpfs none /proc && test ! -e /proc/self",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        missing(
            "a mount namespace to hide /proc in (`unshare --mount`, as root)",
            "run the tests as root",
        );
    }
    works
}
