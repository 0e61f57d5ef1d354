//! What every bootloader does before its runtime starts: find its own file
//! (or the file `pyfreeze-unpack` started it from), map it, check the
//! manifest's checksum, parse the manifest, and refuse a damaged or foreign
//! file with exit code 2 and a message that says what to do. Entries are
//! checked when the runtime reads them ([`read`]), with the same exit code.

pub mod cache_dir;
pub mod trace;

use crate::{Bundle, BundleError};
use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::exit;
use std::sync::OnceLock;

/// Exit code for "this executable cannot start" (damaged, truncated, foreign).
pub const EXIT_BAD_BUNDLE: i32 = 2;

/// How the executable was started, and its checked bundle.
pub struct Launched {
    /// The executable's real path (symlinks resolved), as `sys.executable`.
    pub exe: PathBuf,
    /// The command line, as text for messages (not UTF-8: replaced).
    pub argv: Vec<String>,
    /// The command line as given, byte for byte: what the program sees,
    /// decoded as CPython decodes it (surrogateescape).
    pub argv_os: Vec<std::ffi::OsString>,
    pub bundle: Bundle<'static>,
    /// The whole file, mapped for the life of the process.
    pub file: &'static [u8],
}

/// In a rule's `env` value: the bundle's directory (`sys._MEIPASS`), set
/// once [`bundle_root`] knows it (Qt's `QT_PLUGIN_PATH`).
pub const ROOT_PLACEHOLDER: &str = "{root}";

/// Set the environment variables the bundle's package rules ask for, where
/// unset (those naming [`ROOT_PLACEHOLDER`]: in [`bundle_root`]). Call
/// before the runtime (or any other thread) starts.
pub fn apply_env(bundle: &Bundle<'_>) {
    for (name, value) in &bundle.manifest.env {
        if !value.contains(ROOT_PLACEHOLDER) && std::env::var_os(name).is_none() {
            // SAFETY: called before any other thread exists.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

/// A bundle's native code stays open as memfds (one per library, see the
/// CPython bootloader): raise the soft limit on open files to the hard
/// limit, as the JVM and Go's runtime do, so that a modest soft limit does
/// not make a program with many libraries fail where python would not.
fn raise_fd_limit() {
    #[cfg(unix)]
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            // Not past what select() can watch unless the hard limit says
            // so already: programs that use it keep working.
            limit.rlim_cur = limit.rlim_max.min(65536).max(limit.rlim_cur);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Open the bundle this process runs, checked against `bytecode` (the
/// runtime's format, or `None` when the runtime checks it itself). Every
/// failure ends the process with [`EXIT_BAD_BUNDLE`].
pub fn open(bytecode: Option<&str>, trace: &mut trace::Trace) -> Launched {
    raise_fd_limit();
    let argv_os: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let argv: Vec<String> = argv_os
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (exe, file) = match packed::launched_from() {
        Some(Ok(found)) => found,
        Some(Err(e)) => fail(&argv, &e),
        None => match own_path() {
            Ok(p) => {
                let file = File::open(&p);
                (p, file)
            }
            Err(e) => fail(&argv, &format!("cannot find its own executable: {e}")),
        },
    };
    let (map, file) = match file.and_then(|f| {
        // SAFETY: the file is our own executable, mapped read-only. Replacing
        // it while we run (as package managers do) swaps the inode, which does
        // not affect an existing mapping; truncating it in place would, as it
        // would for the code the OS itself maps.
        unsafe { memmap2::Mmap::map(&f) }.map(|m| (m, f))
    }) {
        Ok(m) => m,
        Err(e) => fail(&argv, &format!("cannot read {}: {e}", exe.display())),
    };
    // The map lives as long as the process: modules are decoded from it lazily.
    let bytes: &'static [u8] = Box::leak(Box::new(map));
    trace.mark("map");
    let _ = RUNNING.set((argv.clone(), exe.display().to_string()));
    let bundle = match open_bundle(bytes, bytecode, trace) {
        Ok(b) => {
            let _ = SOURCE.set((file, b.bootloader_len));
            // Entries are read from the file from now on, not through the
            // map (see [`read`]): drop the pages reading the trailer and the
            // manifest brought in.
            release(bytes);
            b
        }
        Err(BundleError::NotABundle) => fail(
            &argv,
            "no program is attached to this executable. If it is the bare pyfreeze bootloader, \
             make an executable with `pyfreeze build SCRIPT`. If `pyfreeze build` made it, something \
             removed the program from it, such as `strip` (which drops what is appended to an ELF \
             file): rebuild it and do not strip it, as the bootloader is stripped already",
        ),
        Err(e) => fail(&argv, &format!("{} cannot start: {e}", exe.display())),
    };
    if let Some(floor) = &bundle.manifest.build.glibc
        && let Some(why) = glibc_too_old(floor)
    {
        fail(&argv, &why);
    }
    Launched {
        exe,
        argv,
        argv_os,
        bundle,
        file: bytes,
    }
}

/// `Bundle::open`, step by step so that each step can be timed.
fn open_bundle(
    bytes: &'static [u8],
    bytecode: Option<&str>,
    trace: &mut trace::Trace,
) -> Result<Bundle<'static>, BundleError> {
    let (trailer, payload) = crate::reader::locate(bytes)?;
    crate::reader::check_manifest_hash(&trailer, payload)?;
    trace.mark("checksum");
    let bundle = Bundle::parse(trailer, payload)?;
    if let Some(expected) = bytecode {
        bundle.check_bytecode(expected)?;
    }
    trace.mark("manifest");
    Ok(bundle)
}

/// Why this system's glibc is older than the bundle's floor (before
/// libpython or a library fails to load with symbol errors), if it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_too_old(floor: &crate::manifest::GlibcFloor) -> Option<String> {
    // SAFETY: returns a pointer to a static NUL-terminated string.
    let here = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    let here = here.to_string_lossy();
    let older = match (glibc_version(&here), glibc_version(&floor.version)) {
        (Some(have), Some(need)) => have < need,
        _ => false,
    };
    let file = floor.file.rsplit('/').next().unwrap_or(&floor.file);
    older.then(|| {
        format!(
            "needs glibc {} or newer (for {file}); this system has {here}",
            floor.version
        )
    })
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_too_old(_floor: &crate::manifest::GlibcFloor) -> Option<String> {
    None
}

/// `2.35` (or `2.28.9000`) as numbers.
fn glibc_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split('.').map(str::parse::<u32>);
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => Some((major, minor)),
        _ => None,
    }
}

/// The command line and executable of this process, for [`read`]'s message.
static RUNNING: OnceLock<(Vec<String>, String)> = OnceLock::new();

/// The executable, open, and where its payload starts: what [`read`] and
/// [`copy`] read entries from.
static SOURCE: OnceLock<(File, u64)> = OnceLock::new();

/// The file at `path` in the archive, for the running program; `None` when
/// the archive has none. An entry that does not match its checksum ends the
/// process as a damaged bundle does at start (exit 2, saying what to do),
/// rather than raising an exception a program's `except ImportError:` or
/// `except OSError:` would take for a missing file.
///
/// Entries are read with `pread`, not through the map: the page cache keeps
/// a freshly written or read file in large folios, and a read through a map
/// makes a whole folio (up to megabytes) count in the process's memory.
pub fn read(bundle: &Bundle<'static>, path: &str) -> Option<Cow<'static, [u8]>> {
    let rec = bundle.manifest.file(path)?;
    let read = match SOURCE.get() {
        Some((file, payload_at)) => read_at(file, payload_at + rec.offset, rec.stored)
            .map_err(|e| BundleError::Damaged(format!("{}: {e}", rec.path)))
            .and_then(|raw| match crate::reader::unpack(rec, &raw)? {
                Cow::Borrowed(_) => Ok(Cow::Owned(raw)),
                Cow::Owned(unpacked) => Ok(Cow::Owned(unpacked)),
            }),
        None => bundle.read(rec),
    };
    match read {
        Ok(bytes) => Some(bytes),
        Err(e) => damaged(&e),
    }
}

/// Write the file at `path` in the archive into `out`, checked as [`read`]
/// checks it, in pieces: a library of tens of megabytes is never held
/// whole in this process's memory. `Ok(false)` when the archive has no such file; a
/// damaged file ends the process.
pub fn copy(bundle: &Bundle<'_>, path: &str, out: &mut dyn Write) -> std::io::Result<bool> {
    match try_copy(bundle, path, out) {
        Ok(found) => Ok(found),
        Err(CopyError::Damaged(e)) => damaged(&e),
        Err(CopyError::Io(e)) => Err(e),
    }
}

/// Why [`try_copy`] failed.
#[derive(Debug)]
pub enum CopyError {
    /// The entry does not match its checksum (end the process with [`damaged`]).
    Damaged(BundleError),
    /// Writing failed.
    Io(std::io::Error),
}

/// [`copy`], for a helper thread: a damaged file is returned, for the
/// thread that uses the copy to report.
pub fn try_copy(bundle: &Bundle<'_>, path: &str, out: &mut dyn Write) -> Result<bool, CopyError> {
    let Some(rec) = bundle.manifest.file(path) else {
        return Ok(false);
    };
    let Some((file, payload_at)) = SOURCE.get() else {
        let bytes = bundle.read(rec).map_err(CopyError::Damaged)?;
        out.write_all(&bytes).map_err(CopyError::Io)?;
        return Ok(true);
    };
    // Read with `pread`, not through the map: a fault on the map brings a
    // whole page-cache folio (up to megabytes) into this process's memory,
    // which copying from the map put at 4 MB more peak RSS for a stdlib CLI.
    let raw = Range {
        file,
        at: payload_at + rec.offset,
        left: rec.stored,
    };
    let mut unpacked: Box<dyn Read> = match rec.compression {
        crate::Compression::Stored => Box::new(raw),
        crate::Compression::Deflate => Box::new(flate2::read::DeflateDecoder::new(
            std::io::BufReader::with_capacity(CHUNK, raw),
        )),
        crate::Compression::Zstd => Box::new(
            crate::reader::zstd_decoder(std::io::BufReader::with_capacity(CHUNK, raw))
                .map_err(CopyError::Io)?,
        ),
    };
    let mut buf = vec![0u8; CHUNK];
    let mut crc = crc32fast::Hasher::new();
    let mut total = 0u64;
    loop {
        let n = match unpacked.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // The manifest was checked: the entry lies inside the file, so
            // what fails here is its data (a broken deflate stream).
            Err(e) => {
                return Err(CopyError::Damaged(BundleError::Damaged(format!(
                    "{}: {e}",
                    rec.path
                ))));
            }
        };
        total += n as u64;
        if total > rec.size {
            break;
        }
        crc.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(CopyError::Io)?;
    }
    if total != rec.size || crc.finalize() != rec.crc32 {
        return Err(CopyError::Damaged(BundleError::EntryDamaged(
            rec.path.clone(),
        )));
    }
    Ok(true)
}

/// Pieces [`copy`] moves at a time: big enough for few system calls, small
/// enough to stay in the CPU's cache between reading and writing.
const CHUNK: usize = 256 << 10;

fn read_at(file: &File, at: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut raw = vec![0u8; usize::try_from(len).map_err(std::io::Error::other)?];
    let mut range = Range {
        file,
        at,
        left: len,
    };
    range.read_exact(&mut raw)?;
    Ok(raw)
}

/// `pread`, where the system has it.
#[cfg(unix)]
fn pread(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn pread(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

/// `len` bytes of `file` from `at`, read with `pread`.
struct Range<'f> {
    file: &'f File,
    at: u64,
    left: u64,
}

impl Read for Range<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = pread(self.file, &mut buf[..want], self.at)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.at += n as u64;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Take the map's pages out of this process's memory. They are clean pages
/// of a read-only file map: anything that reads them again gets them back
/// from the file.
#[cfg(unix)]
fn release(map: &[u8]) {
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let start = (map.as_ptr() as usize).next_multiple_of(page);
    let end = (map.as_ptr() as usize + map.len()) / page * page;
    if end > start {
        // SAFETY: whole pages inside the executable's read-only map, which
        // lives as long as the process; MADV_DONTNEED on a file map only
        // drops this process's references to its pages.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}

#[cfg(not(unix))]
fn release(_map: &[u8]) {}

/// End the process for a damaged entry found while the program runs.
pub fn damaged(e: &BundleError) -> ! {
    let (argv, exe) = RUNNING.get().cloned().unwrap_or_default();
    fail(&argv, &format!("{exe} cannot go on: {e}"))
}

/// Take the `--pack` stub's variable out of the environment before any
/// other thread can read it. The first thing a bootloader's `main` does.
pub fn take_launch_var() {
    packed::take_launch_var();
}

/// A panic is a bug in pyfreeze or its runtime, never the user's: say so in
/// one line instead of a Rust backtrace, and exit with 70 (EX_SOFTWARE).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("fatal: internal error in the Python runtime: {msg}{at}");
        exit(70);
    }));
}

/// Started by `pyfreeze-unpack` from memory (`pyfreeze build --pack`): the
/// archive is in the file the stub started from, which it passes on.
#[cfg(target_os = "linux")]
mod packed {
    use crate::pack::LAUNCH_VAR;
    use std::ffi::OsString;
    use std::fs::File;
    use std::os::fd::{FromRawFd, RawFd};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::PathBuf;
    use std::sync::OnceLock;

    static LAUNCH: OnceLock<Option<OsString>> = OnceLock::new();

    /// Remove the stub's variable, so that programs this one starts do not
    /// see it, and keep its value.
    pub fn take_launch_var() {
        let value = std::env::var_os(LAUNCH_VAR);
        if value.is_some() {
            // SAFETY: the first thing `main` does; no other thread exists yet.
            unsafe { std::env::remove_var(LAUNCH_VAR) };
        }
        let _ = LAUNCH.set(value);
    }

    /// The file and path the stub passed, when this process runs from a
    /// memfd as the stub starts it; a stray variable in the environment of
    /// an ordinary executable changes nothing.
    pub fn launched_from() -> Option<Result<(PathBuf, std::io::Result<File>), String>> {
        let value = LAUNCH.get()?.as_ref()?;
        if !crate::own_exe::runs_from_memory() {
            return None;
        }
        let bytes = value.as_bytes();
        let parsed = bytes.iter().position(|&b| b == b':').and_then(|colon| {
            let fd: RawFd = std::str::from_utf8(&bytes[..colon]).ok()?.parse().ok()?;
            let path = PathBuf::from(OsString::from_vec(bytes[colon + 1..].to_vec()));
            (fd > 2).then_some((fd, path))
        });
        let Some((fd, path)) = parsed else {
            return Some(Err(format!(
                "{LAUNCH_VAR} is malformed; start the executable itself"
            )));
        };
        // Programs this one starts must not inherit it.
        // SAFETY: fcntl on a descriptor number; fails if it is not open.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } != 0 {
            return Some(Err(format!(
                "{LAUNCH_VAR} names descriptor {fd}, which is not open; start the executable itself"
            )));
        }
        // SAFETY: the stub opened this descriptor for us and left it open
        // across exec; we take it over and close it once mapped.
        let file = unsafe { File::from_raw_fd(fd) };
        Some(Ok((path, Ok(file))))
    }
}

#[cfg(not(target_os = "linux"))]
mod packed {
    pub fn take_launch_var() {}
    pub fn launched_from()
    -> Option<Result<(std::path::PathBuf, std::io::Result<std::fs::File>), String>> {
        None
    }
}

/// The executable's real path: symlinks resolved, as PyInstaller reports it.
#[cfg(unix)]
fn own_path() -> std::io::Result<PathBuf> {
    crate::own_exe::find(std::env::args_os().next().as_deref())
}

#[cfg(not(unix))]
fn own_path() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

/// Say why the executable cannot start, as `<name>: <why>`, and exit 2.
pub fn fail(argv: &[String], msg: &str) -> ! {
    let name = argv
        .first()
        .map(|a| a.rsplit(['/', '\\']).next().unwrap_or(a).to_string())
        .unwrap_or_else(|| "pyfreeze-boot".into());
    eprintln!("{name}: {msg}");
    exit(EXIT_BAD_BUNDLE);
}

/// The bundle's root (`sys._MEIPASS`) and whether its data files are on disk
/// there. With data files, the private per-user directory holding them (see
/// [`cache_dir`]); without (or where none can be had), a virtual directory
/// beside the executable, so that a start writes nothing. When data files
/// cannot be written, say why on stderr, once, before the program can meet
/// a `FileNotFoundError`. Then set the rules' environment variables that
/// name it. Call before the runtime starts any thread.
pub fn bundle_root(
    bundle: &Bundle<'_>,
    exe: &std::path::Path,
    argv: &[String],
) -> (std::path::PathBuf, bool) {
    let (root, materialized) = find_root(bundle, exe, argv);
    for (name, value) in &bundle.manifest.env {
        if value.contains(ROOT_PLACEHOLDER) && std::env::var_os(name).is_none() {
            // The root as it is (not necessarily UTF-8) in place of each
            // placeholder.
            let mut joined = std::ffi::OsString::new();
            for (i, part) in value.split(ROOT_PLACEHOLDER).enumerate() {
                if i > 0 {
                    joined.push(&root);
                }
                joined.push(part);
            }
            // SAFETY: as apply_env, before the runtime starts any thread.
            unsafe { std::env::set_var(name, joined) };
        }
    }
    (root, materialized)
}

fn find_root(
    bundle: &Bundle<'_>,
    exe: &std::path::Path,
    argv: &[String],
) -> (std::path::PathBuf, bool) {
    let has_data =
        bundle.manifest.build.data_files > 0 || bundle.manifest.modules.iter().any(|m| m.on_disk);
    if !has_data {
        return (virtual_root(exe), false);
    }
    match cache_dir::bundle_root(bundle) {
        Ok(dir) => (dir, true),
        Err(why) => {
            {
                let name = argv
                    .first()
                    .map(|a| a.rsplit('/').next().unwrap_or(a))
                    .unwrap_or("program");
                eprintln!(
                    "{name}: its data files cannot be kept on disk ({why}); opening them by path \
                     will fail. Set {} to a private directory of yours",
                    cache_dir::DATA_DIR_VAR
                );
            }
            (unreachable_root(exe), false)
        }
    }
}

/// The root of a bundle whose data files cannot be kept on disk: a path no
/// one can create (procfs refuses new entries), so that no file another
/// user put beside the executable (`<name>_internal` in /tmp) is ever read
/// as the bundle's, nor named by a rule's `{root}` (a Qt plug-in path).
/// Reads through the loader still come from memory.
fn unreachable_root(exe: &std::path::Path) -> std::path::PathBuf {
    std::path::Path::new("/proc/self/pyfreeze-no-data-directory").join(internal_name(exe))
}

/// A directory the bundle's files appear under when no real one can be
/// had: beside the executable, named after it, like PyInstaller's
/// `_internal`. It does not exist; modules are served from memory.
pub fn virtual_root(exe: &std::path::Path) -> std::path::PathBuf {
    let dir = exe.parent().unwrap_or(std::path::Path::new(""));
    dir.join(internal_name(exe))
}

/// `<stem>_internal`, the stem's bytes as they are.
fn internal_name(exe: &std::path::Path) -> std::ffi::OsString {
    let mut name = exe
        .file_stem()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_else(|| "app".into());
    name.push("_internal");
    name
}
