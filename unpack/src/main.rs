//! `pyfreeze-unpack`: the stub a packed executable (`pyfreeze build --pack`)
//! starts as. It decompresses the real bootloader, stored after it as zstd
//! frames, into an anonymous in-memory file (memfd) on all cores, and
//! executes that, passing the file it started from so that the bootloader
//! reads the archive from it. Nothing is written to disk. Linux only: other
//! systems cannot execute a file that exists only in memory.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// Lets `pyfreeze build --pack` recognise this file.
#[used]
static MARKER: &str = pyfreeze_bundle::pack::UNPACK_MARKER;

/// Exit code for "this executable cannot start", as the bootloader's.
const EXIT_BAD_BUNDLE: i32 = 2;

fn main() {
    let err = run();
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pyfreeze-unpack".into());
    eprintln!("{name}: {err}");
    std::process::exit(EXIT_BAD_BUNDLE);
}

#[cfg(not(target_os = "linux"))]
fn run() -> String {
    "packed executables run on Linux only; rebuild without --pack".into()
}

/// Returns only on failure, with the message to print.
#[cfg(target_os = "linux")]
fn run() -> String {
    match linux::unpack_and_exec() {
        Ok(never) => match never {},
        Err(msg) => msg,
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use pyfreeze_bundle::BundleError;
    use pyfreeze_bundle::pack::{self, Packed};
    use pyfreeze_bundle::reader::locate;
    use std::convert::Infallible;
    use std::ffi::CString;
    use std::fs::File;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::time::Instant;

    pub fn unpack_and_exec() -> Result<Infallible, String> {
        let started = Instant::now();
        // The kernel's name for the file being run: its real path, even
        // through symlinks; sys.executable becomes this.
        let argv0 = std::env::args_os().next();
        let exe = pyfreeze_bundle::own_exe::find(argv0.as_deref())
            .map_err(|e| format!("cannot find its own executable: {e}"))?;
        // The inode being run, even if its path was replaced since.
        let file = File::open("/proc/self/exe")
            .or_else(|_| File::open(&exe))
            .map_err(|e| format!("cannot read {}: {e}", exe.display()))?;
        // SAFETY: read-only map of our own executable (see the bootloader).
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| format!("cannot read {}: {e}", exe.display()))?;
        let (trailer, _) = locate(&map).map_err(|e| match e {
            BundleError::NotABundle => "no program is attached to this executable; make one \
                                        with `pyfreeze build --pack SCRIPT`"
                .to_string(),
            e => format!("{} cannot start: {e}", exe.display()),
        })?;
        let prefix = map
            .get(..trailer.payload_offset as usize)
            .ok_or("the archive's offset lies outside the file")?;
        let packed = pack::read(prefix)
            .map_err(|e| format!("{} cannot start: {e}", exe.display()))?
            .ok_or_else(|| {
                format!(
                    "{} holds no packed runtime; pyfreeze-unpack starts only executables built \
                     with `pyfreeze build --pack`",
                    exe.display()
                )
            })?;

        let runtime = memfd()?;
        let runtime_file = File::from(runtime);
        decompress(&map, &packed, &runtime_file)?;
        seal(&runtime_file);
        drop(map);

        // The bootloader reads the archive through this descriptor.
        let fd = file.as_raw_fd();
        // SAFETY: clearing close-on-exec on a descriptor we own.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } != 0 {
            return Err(format!(
                "cannot pass {} on: {}",
                exe.display(),
                last_error()
            ));
        }
        let mut launch = format!("{}={fd}:", pack::LAUNCH_VAR).into_bytes();
        launch.extend_from_slice(exe.as_os_str().as_bytes());
        let env: Vec<CString> = std::env::vars_os()
            .filter(|(k, _)| k.as_bytes() != pack::LAUNCH_VAR.as_bytes())
            .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat())
            .chain(std::iter::once(launch))
            .filter_map(|kv| CString::new(kv).ok())
            .collect();
        let argv: Vec<CString> = std::env::args_os()
            .filter_map(|a| CString::new(a.as_bytes()).ok())
            .collect();
        if std::env::var_os("PYFREEZE_TRACE_STARTUP").is_some_and(|v| v == "1") {
            eprintln!(
                "pyfreeze-unpack: {} bytes of runtime from {} in {:.2} ms",
                packed.runtime_len,
                packed.compressed_len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        let ptrs = |v: &[CString]| {
            let mut p: Vec<*const libc::c_char> = v.iter().map(|s| s.as_ptr()).collect();
            p.push(std::ptr::null());
            p
        };
        let (argv, env) = (ptrs(&argv), ptrs(&env));
        // execveat needs no /proc (glibc's fexecve may, before 2.27);
        // fexecve where the kernel lacks it (before 3.19).
        // SAFETY: both arrays are null-terminated and outlive the calls,
        // which return only on failure.
        unsafe {
            libc::syscall(
                libc::SYS_execveat,
                runtime_file.as_raw_fd(),
                c"".as_ptr(),
                argv.as_ptr(),
                env.as_ptr(),
                libc::AT_EMPTY_PATH,
            );
            libc::fexecve(runtime_file.as_raw_fd(), argv.as_ptr(), env.as_ptr())
        };
        Err(format!("cannot run the unpacked runtime: {}", last_error()))
    }

    fn memfd() -> Result<OwnedFd, String> {
        /// Executable even where `vm.memfd_noexec` = 1 makes memfds
        /// non-executable by default (Linux 6.3+); older kernels refuse the
        /// flag, and need no asking.
        const MFD_EXEC: libc::c_uint = 0x10;
        let flags = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
        let create = |flags| {
            // SAFETY: plain system call with a static name.
            unsafe { libc::memfd_create(c"pyfreeze-boot".as_ptr(), flags) }
        };
        let mut fd = create(flags | MFD_EXEC);
        if fd < 0 && last_error().raw_os_error() == Some(libc::EINVAL) {
            fd = create(flags);
        }
        if fd < 0 {
            return Err(format!(
                "cannot create the in-memory file to run from (memfd_create: {}); packed \
                 executables need Linux 3.17 or later, with executable memfds allowed \
                 (vm.memfd_noexec below 2); rebuild without --pack otherwise",
                last_error()
            ));
        }
        // SAFETY: a new descriptor only we own.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// No one may change the runtime after it was checked; best effort.
    fn seal(file: &File) {
        let seals =
            libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
        // SAFETY: fcntl on a descriptor we own.
        unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) };
    }

    /// Each frame into its place, the frames shared out over the cores.
    /// Each core decompresses into a buffer of its own and writes that into
    /// the memfd: the kernel then fills new pages straight from the buffer,
    /// where a mapping would fault in and zero every page first (measured
    /// slower, bench/RESULTS.md).
    fn decompress(file: &[u8], packed: &Packed, runtime: &File) -> Result<(), String> {
        use std::os::unix::fs::FileExt;
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, packed.chunks.len());
        let mut jobs: Vec<Vec<(&[u8], std::ops::Range<usize>)>> =
            (0..threads).map(|_| Vec::new()).collect();
        for (i, (from, raw)) in packed.frames().enumerate() {
            let input = file
                .get(from)
                .ok_or("a packed frame lies outside the file")?;
            jobs[i % threads].push((input, raw));
        }
        let damaged = |why: String| {
            format!("the packed runtime is damaged ({why}); rebuild or download it again")
        };
        let run = |jobs: Vec<(&[u8], std::ops::Range<usize>)>| -> Result<(), String> {
            let mut dctx = zstd::bulk::Decompressor::new()
                .map_err(|e| format!("cannot start decompressing: {e}"))?;
            let mut buf: Vec<u8> = Vec::new();
            for (input, raw) in jobs {
                buf.clear();
                buf.reserve(raw.len());
                let n = dctx
                    .decompress_to_buffer(input, &mut buf)
                    .map_err(|e| damaged(e.to_string()))?;
                if n != raw.len() {
                    return Err(damaged("a frame has the wrong size".into()));
                }
                runtime
                    .write_all_at(&buf, raw.start as u64)
                    .map_err(|e| format!("cannot write the runtime into memory: {e}"))?;
            }
            Ok(())
        };
        let mut jobs = jobs.into_iter();
        let mine = jobs.next().unwrap_or_default();
        std::thread::scope(|s| {
            let others: Vec<_> = jobs.map(|j| s.spawn(move || run(j))).collect();
            let first = run(mine);
            others
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("decompression failed".into()))
                })
                .chain(std::iter::once(first))
                .collect::<Result<Vec<()>, String>>()
        })?;
        Ok(())
    }

    fn last_error() -> std::io::Error {
        std::io::Error::last_os_error()
    }
}
