//! `pyfreeze build --pack`: the bootloader compressed behind the
//! pyfreeze-unpack stub, decompressed into memory at each start.

use pyfreeze_tests::*;
use std::path::Path;

/// Prints what a packed start could get wrong: where it thinks it is, what
/// it inherited, what it leaks.
const PROBE: &str = r#"
import os, sys
print("frozen", sys.frozen)
print("executable", sys.executable)
print("argv", sys.argv[1:])
print("launch var", "PYFREEZE_PACKED_FROM" in os.environ)
print("fds", sorted(int(f) for f in os.listdir("/proc/self/fd"))[:3])
print("stdin", sys.stdin.read())
sys.exit(int(sys.argv[1]))
"#;

fn build(dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let exe = dir.join(name);
    freeze(&dir.join("main.py"), &exe, extra);
    exe
}

fn run_probe(exe: &Path) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(exe)
        .args(["7", "ä b", ""])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"piped in")
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn a_packed_executable_behaves_as_the_unpacked_one_and_is_much_smaller() {
    for runtime in RUNTIMES {
        packed_behaves_as_unpacked(runtime);
    }
}

fn packed_behaves_as_unpacked(runtime: &[&str]) {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", PROBE)]);
    let plain = build(dir.path(), "plain", runtime);
    let packed = build(dir.path(), "packed", &[runtime, &["--pack"]].concat());

    let (a, b) = (run_probe(&plain), run_probe(&packed));
    assert_eq!(b.status.code(), Some(7), "stderr: {}", text(&b.stderr));
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(text(&b.stderr), "");
    let packed_out = text(&b.stdout);
    // Same facts, but each reports its own file.
    assert_eq!(
        text(&a.stdout).replace(&*plain.to_string_lossy(), "EXE"),
        packed_out.replace(&*packed.to_string_lossy(), "EXE")
    );
    assert_contains(
        &packed_out,
        &format!("executable {}\n", packed.canonicalize().unwrap().display()),
    );
    assert_contains(&packed_out, "argv ['7', 'ä b', '']\n");
    // The stub's variable and descriptor do not reach the program.
    assert_contains(&packed_out, "launch var False\n");
    assert_contains(&packed_out, "fds [0, 1, 2]\n");
    assert_contains(&packed_out, "stdin piped in\n");

    // RustPython's bootloader is the interpreter, and most of the file.
    let (plain_len, packed_len) = (len(&plain), len(&packed));
    if runtime == RUSTPYTHON {
        assert!(
            packed_len * 2 < plain_len,
            "--pack should more than halve the size: {packed_len} vs {plain_len}"
        );
    }
}

fn len(p: &Path) -> u64 {
    std::fs::metadata(p).expect("stat").len()
}

#[test]
fn packed_builds_are_reproducible_with_and_without_the_cache() {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", "print('same')\n")]);
    let a = build(dir.path(), "a", &rustpython_and(&["--pack"]));
    let b = build(dir.path(), "b", &rustpython_and(&["--pack", "--no-cache"]));
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "two --pack builds differ"
    );
    assert_eq!(text(&run(&b, [""; 0]).stdout), "same\n");
}

#[test]
fn inspect_and_verify_read_a_packed_executable() {
    let f = freeze_tree(&[("main.py", "print(1)\n")], &rustpython_and(&["--pack"]));
    let out = pyfreeze(
        &root(),
        [
            Path::new("inspect"),
            &f.exe,
            Path::new("--json"),
            Path::new("--modules"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let boot = &json["bootloader"];
    assert_eq!(boot["packed"]["runtime_size"], len(&boot_bin()));
    assert_eq!(boot["packed"]["stub_size"], len(&unpack_bin()));
    // Described from the decompressed runtime, not from the stub.
    assert_eq!(
        boot["marker"],
        pyfreeze_bundle::runtime::rustpython::BOOTLOADER_MARKER
    );
    // Bytecode is compressed, as in every build unless --compress none.
    let entries = json["entries"].as_array().expect("entries");
    let bytecode: Vec<_> = entries.iter().filter(|e| e["kind"] == "bytecode").collect();
    assert!(!bytecode.is_empty());
    assert!(
        bytecode.iter().any(|e| e["compression"] == "zstd"),
        "bytecode left stored under --pack"
    );
    let out = pyfreeze(&root(), [Path::new("verify"), &f.exe]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert_contains(&text(&out.stdout), "OK:");
}

#[test]
fn a_damaged_packed_runtime_or_archive_is_refused_before_any_code_runs() {
    let f = freeze_tree(
        &[("main.py", "open('ran', 'w').close()\nprint('ran')\n")],
        &rustpython_and(&["--pack"]),
    );
    let bytes = std::fs::read(&f.exe).unwrap();
    let packed = pyfreeze_bundle::pack::read(
        &bytes[..pyfreeze_bundle::Bundle::open(&bytes)
            .unwrap()
            .bootloader_len as usize],
    )
    .unwrap()
    .expect("a pack footer");
    let (frame, _) = packed.frames().nth(1).expect("a second frame");
    let bundle = pyfreeze_bundle::Bundle::open(&bytes).unwrap();
    let manifest_at = (bundle.bootloader_len
        + bundle.trailer.manifest_offset
        + bundle.trailer.manifest_len / 2) as usize;
    for (at, what) in [
        (frame.start + frame.len() / 2, "packed runtime is damaged"),
        (manifest_at, "cannot start"),
    ] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x20;
        let exe = f.dir.path().join("bad");
        write_executable(&exe, &bad);
        let out = output_of(std::process::Command::new(&exe).current_dir(f.dir.path()));
        assert_eq!(
            out.status.code(),
            Some(2),
            "byte {at}: {}",
            text(&out.stderr)
        );
        assert_contains(&text(&out.stderr), what);
        assert!(!f.dir.path().join("ran").exists(), "user code ran");
        let verify = pyfreeze(&root(), [Path::new("verify"), &exe]);
        assert_eq!(verify.status.code(), Some(1), "verify missed byte {at}");
    }
}

#[test]
fn the_launch_variable_changes_nothing_for_an_ordinary_executable() {
    let f = freeze_source(
        "import os\nprint('PYFREEZE_PACKED_FROM' in os.environ)\n",
        &[],
    );
    let out = output_of(
        std::process::Command::new(&f.exe).env("PYFREEZE_PACKED_FROM", "0:/etc/hostname"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "False\n");
}

#[test]
fn pack_is_refused_clearly_where_it_cannot_work() {
    let dir = scratch();
    write_tree(dir.path(), &[("main.py", "print(1)\n")]);
    // A Windows target: nothing to run a file from memory with.
    let out = pyfreeze(
        dir.path(),
        [
            "build",
            "main.py",
            "--pack",
            "--target",
            "x86_64-pc-windows-msvc",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_contains(&text(&out.stderr), "--pack works for Linux targets only");
    // A bootloader without the stub beside it (its runtime is the build's).
    let lonely = dir.path().join("lonely");
    std::fs::create_dir(&lonely).unwrap();
    std::fs::copy(boot_bin(), lonely.join("pyfreeze-boot")).unwrap();
    let out = pyfreeze(
        dir.path(),
        [
            "build",
            "main.py",
            "--pack",
            "-o",
            "app",
            "--bootloader",
            "lonely/pyfreeze-boot",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_contains(&err, "pyfreeze-unpack");
    assert_contains(&err, "cargo build --release");
    assert!(!dir.path().join("app").exists(), "an output was written");
    // The stub alone, with nothing attached.
    let out = output_of(&mut std::process::Command::new(unpack_bin()));
    assert_eq!(out.status.code(), Some(2));
    assert_contains(&text(&out.stderr), "no program is attached");
}

#[test]
fn packed_copies_started_at_once_all_succeed() {
    let f = freeze_source(
        "import sys\nprint('ok', sys.argv[1])\nsys.exit(3)\n",
        RUSTPYTHON,
    );
    let packed = f.dir.path().join("packed");
    freeze(
        &f.dir.path().join("main.py"),
        &packed,
        &rustpython_and(&["--pack"]),
    );
    let children: Vec<_> = (0..16)
        .map(|i| {
            std::process::Command::new(&packed)
                .arg(i.to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("start")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(text(&out.stdout), format!("ok {i}\n"));
    }
}

#[test]
fn multiprocessing_spawn_children_start_through_the_stub_too() {
    // Spawned children re-execute sys.executable: the packed file.
    for runtime in RUNTIMES {
        let dir = scratch();
        let exe = dir.path().join("mp");
        freeze(
            &fixtures().join("multiprocessing_app.py"),
            &exe,
            &[runtime, &["--pack"]].concat(),
        );
        let out = run(&exe, ["spawn"]);
        assert!(out.status.success(), "{runtime:?}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "spawn pool: [0, 1, 4, 9, 16, 25]\nspawn process: from child\n\
             spawn exitcode: 0\nspawn executor: [49, 64]\n",
            "{runtime:?}"
        );
    }
}
