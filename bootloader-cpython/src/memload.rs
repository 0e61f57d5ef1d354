//! Shared libraries and extension modules, loaded from memory: each one's
//! bytes go into a memfd, which is `dlopen`ed as `/proc/self/fd/N`.
//!
//! Every memfd stays open for the life of the process: if one were closed
//! and its number reused, glibc's loaded-library list would match the new
//! `/proc/self/fd/N` path to the old library. A library's dependencies are
//! loaded first, with `RTLD_GLOBAL`, so the dynamic linker finds them by
//! soname and never searches the disk.
//!
//! Where memory loading is refused (`vm.memfd_noexec=2`, SELinux, no
//! `/proc`), or `PYFREEZE_NATIVE_FROM_DISK=1` asks for it, the bundle's
//! libraries and extensions are written once into the private per-user cache
//! directory named after the bundle's checksum, and loaded from there.

use pyfreeze_bundle::launch::cache_dir;
use pyfreeze_bundle::{Bundle, ModuleKind};
use std::ffi::{CStr, CString, c_void};
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;

/// Set to `1` to load native code from the per-user cache directory.
pub const FROM_DISK_VAR: &str = "PYFREEZE_NATIVE_FROM_DISK";

pub struct Loader {
    bundle: &'static Bundle<'static>,
    /// Memfds never closed (see the module comment).
    kept: Vec<OwnedFd>,
    /// Where native files were written, once memory loading was refused.
    disk: Option<PathBuf>,
    from_disk: bool,
}

impl Loader {
    pub fn new(bundle: &'static Bundle<'static>) -> Loader {
        let from_disk = std::env::var_os(FROM_DISK_VAR).is_some_and(|v| v == "1");
        Loader {
            bundle,
            kept: Vec::new(),
            disk: None,
            from_disk,
        }
    }

    /// `dlopen` the archive's `path` with `RTLD_GLOBAL`; its dependencies
    /// must be loaded already.
    pub fn library(&mut self, path: &str) -> Result<*mut c_void, String> {
        if !self.from_disk {
            let file = self.memfd(path)?;
            match dlopen(&file) {
                Ok(handle) => return Ok(handle),
                // Executable memory refused: from disk instead, from now on.
                Err(_) if refused(&file) => self.from_disk = true,
                Err(e) => return Err(e),
            }
        }
        let file = self.on_disk(path)?;
        dlopen(&file)
    }

    /// A path CPython's extension loader can `dlopen`: a memfd, or the file
    /// in the per-user directory where memory loading is refused.
    pub fn extension(&mut self, path: &str) -> Result<String, String> {
        if !self.from_disk {
            return self.memfd(path);
        }
        self.on_disk(path)
    }

    fn memfd(&mut self, path: &str) -> Result<String, String> {
        let data = self
            .bundle
            .read_path(path)
            .map_err(|e| format!("{path}: {e}"))?;
        let name = CString::new(format!(
            "pyfreeze:{}",
            path.rsplit('/').next().unwrap_or(path)
        ))
        .unwrap_or_default();
        /// Executable even where `vm.memfd_noexec` = 1 makes memfds
        /// non-executable by default (Linux 6.3+); older kernels refuse the
        /// flag, and need no asking.
        const MFD_EXEC: libc::c_uint = 0x10;
        let create = |flags| {
            // SAFETY: plain system call with a NUL-terminated name.
            unsafe { libc::memfd_create(name.as_ptr(), flags) }
        };
        let mut fd = create(libc::MFD_CLOEXEC | MFD_EXEC);
        if fd < 0 && errno() == libc::EINVAL {
            fd = create(libc::MFD_CLOEXEC);
        }
        if fd < 0 {
            self.from_disk = true;
            return self.on_disk(path);
        }
        // SAFETY: a new descriptor only we own.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut file = std::fs::File::from(owned);
        file.write_all(&data)
            .map_err(|e| format!("{path}: cannot write it into memory: {e}"))?;
        let shown = format!("/proc/self/fd/{}", file.as_raw_fd());
        self.kept.push(OwnedFd::from(file));
        Ok(shown)
    }

    fn on_disk(&mut self, path: &str) -> Result<String, String> {
        if self.disk.is_none() {
            let m = &self.bundle.manifest;
            let native: std::collections::HashSet<&str> = m
                .libraries
                .iter()
                .map(|l| l.path.as_str())
                .chain(
                    m.modules
                        .iter()
                        .filter(|r| r.kind == ModuleKind::Extension)
                        .filter_map(|r| r.code.as_deref()),
                )
                .chain([pyfreeze_bundle::runtime::cpython::BOOTSTRAP_PATH])
                .collect();
            self.disk = cache_dir::materialize(self.bundle, ".native", &|rec| {
                native.contains(rec.path.as_str())
            });
        }
        match &self.disk {
            Some(dir) => Ok(dir.join(path).to_string_lossy().into_owned()),
            None => Err(format!(
                "{path} cannot be loaded: this system refuses to run code from memory, and no \
                 private per-user cache directory could be created to load it from (set \
                 XDG_CACHE_HOME to a directory you own)"
            )),
        }
    }
}

fn dlopen(file: &str) -> Result<*mut c_void, String> {
    let path = CString::new(file).map_err(|_| format!("{file}: NUL in path"))?;
    // SAFETY: dlopen with a NUL-terminated path; dlerror's text is read at once.
    unsafe {
        let handle = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL);
        if handle.is_null() {
            let err = libc::dlerror();
            let why = if err.is_null() {
                "unknown error".to_string()
            } else {
                CStr::from_ptr(err).to_string_lossy().into_owned()
            };
            return Err(why);
        }
        Ok(handle)
    }
}

/// Whether loading `file` failed because executable memory is refused
/// (rather than because the library itself is at fault): then mapping the
/// memfd for execution fails.
fn refused(file: &str) -> bool {
    let Ok(f) = std::fs::File::open(file) else {
        return true; // no /proc
    };
    // SAFETY: a one-page mapping of a file we opened, unmapped at once.
    unsafe {
        let map = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_EXEC,
            libc::MAP_PRIVATE,
            f.as_raw_fd(),
            0,
        );
        if map == libc::MAP_FAILED {
            return true;
        }
        libc::munmap(map, 4096);
    }
    false
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
