//! Shared libraries and extension modules, loaded from memory: each one's
//! bytes go into a memfd, which is `dlopen`ed as `/proc/self/fd/N`.
//!
//! A memfd is closed once its object is loaded (the mapping keeps it), so
//! a program holds about as many descriptors as python does. glibc keeps
//! the name an object was opened by, and would answer a later `dlopen` of
//! the same name with the old object; so each reuse of a number N is named
//! with one more slash (`/proc/self/fd//N`), a new string for the same
//! file. The zip CPython's zipimport reads start-up codecs from (outside
//! UTF-8 locales) stays open: it is read by path. A library's dependencies are
//! loaded first, so the dynamic linker finds them by soname (it matches
//! every loaded object's soname, whatever its scope) and never searches the
//! disk. Only libpython is loaded with `RTLD_GLOBAL` (extension modules use
//! its symbols without linking it); other libraries are local, as when
//! CPython loads an extension with its wheel's libraries, so that none
//! interposes its symbols on system libraries loaded later.
//!
//! Libraries that need each other (Pillow's freetype and harfbuzz) cannot
//! both come first: the first of such a cycle is loaded from a copy whose
//! `DT_NEEDED` entries for the others point at a library it needs anyway,
//! with lazy binding; the others are then loaded globally, and its calls
//! into them resolve on first use.
//!
//! Each memfd is named `pyfreeze/<archive path>`, which `/proc/self/maps`
//! shows as `/memfd:pyfreeze/numpy.libs/libscipy_openblas64_-....so
//! (deleted)`. The dynamic linker knows the object by the path `dlopen` was
//! given, `/proc/self/fd/N`; once loaded, it is renamed in the linker's list
//! to the memfd's path as the kernel shows it (see [`show_as`]). So
//! `/proc/self/maps`, `dl_iterate_phdr` and `dladdr` all name the same file,
//! by a name that ends as the library's does, and `dlopen` of that name
//! finds it: threadpoolctl, which scikit-learn limits BLAS and OpenMP
//! threads with, finds OpenBLAS and libgomp that way (in the maps). An
//! extension module is renamed to its `__file__` instead (under
//! `sys._MEIPASS`), for code that `dlopen`s a module by its `__file__`.
//!
//! On the machine that built the bundle, a native file still there
//! unchanged is loaded from there instead of from a memfd (see
//! [`crate::build_files`]); the loader treats its descriptor as a memfd's.
//!
//! Where memory loading is refused (`vm.memfd_noexec=2`, SELinux, no
//! `/proc`), or `PYFREEZE_NATIVE_FROM_DISK=1` or the build
//! (`--native-cache`) asks for it, the bundle's libraries and extensions are
//! written once into the private per-user cache directory named after the
//! bundle's checksum, and loaded from there.

use pyfreeze_bundle::launch::{self, CopyError, cache_dir};
use pyfreeze_bundle::manifest::LibraryRecord;
use pyfreeze_bundle::{Bundle, ModuleKind};
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_void};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

/// Set to `1` to load native code from the per-user cache directory.
pub const FROM_DISK_VAR: &str = "PYFREEZE_NATIVE_FROM_DISK";

pub struct Loader {
    bundle: &'static Bundle<'static>,
    /// The bundle's root (`sys._MEIPASS`): extension modules are named
    /// under it, by their `__file__`.
    root: PathBuf,
    /// The memfd paths of the extension modules handed out, with their
    /// archive paths, to rename each once CPython has loaded it.
    in_memory: HashMap<String, String>,
    /// Sonames of the bundle's libraries, and which are loaded.
    bundled: std::collections::HashSet<String>,
    loaded: std::collections::HashSet<String>,
    /// Sonames the first library of a dependency cycle calls lazily: they
    /// load globally (see the module comment).
    called_lazily: std::collections::HashSet<String>,
    /// Descriptors handed out by name and not yet loaded (see the module
    /// comment).
    held: HashMap<String, OwnedFd>,
    /// How many names each descriptor number has been given so far.
    names_of: HashMap<i32, usize>,
    /// Where native files were written, once memory loading was refused.
    disk: Option<PathBuf>,
    from_disk: bool,
    /// The system refused executable memory (not merely --native-cache).
    memory_refused: bool,
    /// Whether the build machine's files may be used (see [`crate::build_files`]).
    build_files: bool,
    prefetched: Option<Arc<Prefetched>>,
}

/// The libraries and extension modules the manifest lists to `prefetch`,
/// copied into memfds on a helper thread while libpython loads and the
/// interpreter starts (numpy's 24 MB OpenBLAS takes about 8 ms to copy, its
/// `_multiarray_umath` 3.5 ms); the loader takes them from here.
struct Prefetched {
    /// The planned files, in the order the program is expected to load them.
    planned: Vec<String>,
    /// Each planned file: `None` while it is being copied.
    slots: Mutex<HashMap<String, Option<Result<File, CopyError>>>>,
    copied: Condvar,
    /// A child forked before the copies were done cannot wait for a thread
    /// it does not have: it copies what it needs itself.
    pid: u32,
}

impl Prefetched {
    fn start(bundle: &'static Bundle<'static>, build_files: bool) -> Option<Arc<Prefetched>> {
        let planned = bundle.manifest.prefetch.clone();
        if planned.is_empty() || !room_for(planned.len()) {
            return None;
        }
        let this = Arc::new(Prefetched {
            planned: planned.clone(),
            slots: Mutex::new(planned.iter().map(|p| (p.clone(), None)).collect()),
            copied: Condvar::new(),
            pid: std::process::id(),
        });
        let shared = this.clone();
        let spawned = std::thread::Builder::new()
            .name("pyfreeze-prefetch".into())
            .spawn(move || {
                for path in planned {
                    let found = build_files.then(|| crate::build_files::open(bundle, &path));
                    let copy = match found.flatten() {
                        Some(file) => Ok(file),
                        None => match new_memfd(&path) {
                            Ok(mut file) => {
                                launch::try_copy(bundle, &path, &mut file).map(|_| file)
                            }
                            Err(e) => Err(CopyError::Io(e)),
                        },
                    };
                    if let Ok(mut slots) = shared.slots.lock() {
                        slots.insert(path, Some(copy));
                    }
                    shared.copied.notify_all();
                }
            });
        spawned.ok().map(|_| this)
    }

    /// The prefetched copy of `path`, once it is done; `None` if it was not
    /// planned or could not be made (the caller copies it itself).
    fn take(&self, path: &str) -> Option<File> {
        if std::process::id() != self.pid {
            return None;
        }
        let mut slots = self.slots.lock().ok()?;
        while let Some(None) = slots.get(path) {
            slots = self.copied.wait(slots).ok()?;
        }
        // The copies planned before this one that the program has not
        // taken are likely never needed (a codec the analysis saw but no
        // one imports): close them rather than hold a descriptor and their
        // memory for good. One needed after all is copied again.
        if slots.contains_key(path) {
            for earlier in self.planned.iter().take_while(|p| *p != path) {
                if let Some(Some(_)) = slots.get(earlier) {
                    slots.remove(earlier);
                }
            }
        }
        match slots.remove(path)?? {
            Ok(file) => Some(file),
            Err(CopyError::Damaged(e)) => launch::damaged(&e),
            Err(CopyError::Io(_)) => None,
        }
    }

    /// Close every copy made and not taken: the process is out of
    /// descriptors.
    fn discard(&self) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.retain(|_, slot| slot.is_none());
        }
    }
}

impl Loader {
    pub fn new(bundle: &'static Bundle<'static>, root: &std::path::Path) -> Loader {
        let from_disk = bundle.manifest.build.native_cache
            || std::env::var_os(FROM_DISK_VAR).is_some_and(|v| v == "1");
        let build_files = crate::build_files::allowed();
        Loader {
            bundle,
            root: root.to_path_buf(),
            in_memory: HashMap::new(),
            called_lazily: std::collections::HashSet::new(),
            bundled: bundle
                .manifest
                .libraries
                .iter()
                .map(|l| l.soname.clone())
                .collect(),
            loaded: std::collections::HashSet::new(),
            held: HashMap::new(),
            names_of: HashMap::new(),
            disk: None,
            from_disk,
            memory_refused: false,
            build_files,
            prefetched: if from_disk {
                None
            } else {
                Prefetched::start(bundle, build_files)
            },
        }
    }

    /// The manifest's record of the library at the archive's `path`.
    fn record(&self, path: &str) -> Option<&'static LibraryRecord> {
        let bundle: &'static Bundle<'static> = self.bundle;
        bundle.manifest.libraries.iter().find(|l| l.path == path)
    }

    /// `dlopen` the archive's `path`; its dependencies must be loaded already.
    pub fn library(&mut self, path: &str) -> Result<*mut c_void, String> {
        let handle = self.load_library(path)?;
        self.loaded
            .extend(self.record(path).map(|l| l.soname.clone()));
        Ok(handle)
    }

    fn load_library(&mut self, path: &str) -> Result<*mut c_void, String> {
        let record = self.record(path);
        let soname = record.map(|l| l.soname.as_str()).unwrap_or_default();
        // Global: libpython, whose symbols extension modules use without
        // linking it, and what the first library of a cycle calls lazily.
        // Every other library is local, as when CPython loads an extension
        // and its wheel's libraries: a bundled library must not interpose
        // its symbols on the system libraries loaded later (Pygame's SDL
        // crashed at init once its libsystemd, libdbus... were global).
        let global = soname.starts_with("libpython") || self.called_lazily.contains(soname);
        if !self.from_disk {
            // Bundled libraries this one needs that are not loaded yet: a cycle.
            let pending: Vec<String> = self.bundled.difference(&self.loaded).cloned().collect();
            let (file, lazy) =
                self.memfd_with(path, |needed| pending.iter().any(|p| p == needed))?;
            if lazy {
                let cut = record
                    .map(|l| l.needs.iter().filter(|n| pending.contains(n)).cloned())
                    .into_iter()
                    .flatten();
                self.called_lazily.extend(cut);
            }
            let opened = dlopen(&file, lazy, global || lazy);
            let target = link_target(&file);
            if let Ok(handle) = opened
                && let Some(name) = &target
            {
                show_as(handle, name.as_bytes());
            }
            // The build machine's file would not load (a noexec mount?):
            // the bundle's copy, from memory.
            if opened.is_err() && target.is_some_and(|t| !t.starts_with("/memfd:")) {
                self.release(&file);
                self.build_files = false;
                return self.load_library(path);
            }
            // Executable memory refused: from disk instead, from now on.
            let fall_back = opened.is_err() && refused(&file);
            self.release(&file);
            if !fall_back {
                return opened;
            }
            self.from_disk = true;
            self.memory_refused = true;
        }
        let file = self.on_disk(path)?;
        let opened = dlopen(&file, false, global);
        self.release(&file);
        opened
    }

    /// A path CPython's extension loader can `dlopen`: a memfd, or the file
    /// in the per-user directory where memory loading is refused.
    pub fn extension(&mut self, path: &str) -> Result<String, String> {
        if !self.from_disk {
            let (file, _) = self.memfd_with(path, |_| false)?;
            self.in_memory.insert(file.clone(), path.to_string());
            return Ok(file);
        }
        self.on_disk(path)
    }

    /// CPython has loaded the extension module it was given `location` for:
    /// rename it to its `__file__` (see [`show_as`]).
    pub fn loaded(&mut self, location: &str) {
        if let Some(path) = self.in_memory.remove(location) {
            rename_loaded(location, self.root.join(path).as_os_str().as_bytes());
        }
        self.release(location);
    }

    /// Close the descriptor handed out as `name`, if it was one: its object
    /// is loaded (or failed to load).
    fn release(&mut self, name: &str) {
        self.held.remove(name);
    }

    /// The archive's `path` in a new memfd; with its `DT_NEEDED` entries
    /// that `cut` picks repointed (see the module comment), in which case
    /// the second value says it must be bound lazily.
    fn memfd_with(
        &mut self,
        path: &str,
        cut: impl Fn(&str) -> bool,
    ) -> Result<(String, bool), String> {
        // The manifest lists the bundled libraries each library needs.
        let lazy = self
            .record(path)
            .is_some_and(|l| l.needs.iter().any(|n| cut(n)));
        let prefetched = match &self.prefetched {
            Some(p) if !lazy => p.take(path),
            _ => None,
        };
        let found = prefetched.or_else(|| {
            (self.build_files && !lazy)
                .then(|| crate::build_files::open(self.bundle, path))
                .flatten()
        });
        if let Some(file) = found {
            return Ok((self.hold(file), false));
        }
        let mut created = new_memfd(path);
        if created.as_ref().is_err_and(out_of_descriptors)
            && let Some(p) = &self.prefetched
        {
            p.discard();
            created = new_memfd(path);
        }
        let mut file = match created {
            Ok(file) => file,
            // Not a refusal of memory loading: writing the native cache
            // would need descriptors too.
            Err(e) if out_of_descriptors(&e) => {
                return Err(format!(
                    "{path}: cannot load it: {e}; raise the limit on open files (ulimit -n)"
                ));
            }
            Err(_) => {
                self.from_disk = true;
                self.memory_refused = true;
                return self.on_disk(path).map(|file| (file, false));
            }
        };
        let written = if lazy {
            // A damaged file ends the process (exit 2).
            let mut data = pyfreeze_bundle::launch::read(self.bundle, path)
                .ok_or_else(|| format!("{path} is not in the archive"))?
                .into_owned();
            elf::repoint_needed(&mut data, &cut)
                .ok_or_else(|| format!("{path}: cannot break its dependency cycle"))?;
            file.write_all(&data).map(|()| true)
        } else {
            // In pieces, never all in this process's memory.
            pyfreeze_bundle::launch::copy(self.bundle, path, &mut file)
        };
        match written {
            Ok(true) => {}
            Ok(false) => return Err(format!("{path} is not in the archive")),
            Err(e) => return Err(format!("{path}: cannot write it into memory: {e}")),
        }
        Ok((self.hold(file), lazy))
    }

    /// Keep `file` open until [`Self::release`]; the path `dlopen` takes it
    /// by, a string no loaded object has had (see the module comment).
    fn hold(&mut self, file: File) -> String {
        let fd = file.as_raw_fd();
        let names = self.names_of.entry(fd).or_insert(0);
        let name = format!("/proc/self/fd/{}{fd}", "/".repeat(*names));
        *names += 1;
        self.held.insert(name.clone(), OwnedFd::from(file));
        name
    }

    fn on_disk(&mut self, path: &str) -> Result<String, String> {
        let mut why = None;
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
            match cache_dir::materialize(
                self.bundle,
                ".native",
                &|rec| native.contains(rec.path.as_str()),
                true,
            ) {
                Ok(dir) => self.disk = Some(dir),
                Err(e) => why = Some(e),
            }
        }
        match &self.disk {
            Some(dir) => {
                let file = dir.join(path);
                match file.to_str() {
                    Some(file) => Ok(file.to_string()),
                    // Under a HOME that is not UTF-8 no `String` names the
                    // file: `dlopen` takes it by an open descriptor instead.
                    None => {
                        let opened = File::open(&file)
                            .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
                        Ok(self.hold(opened))
                    }
                }
            }
            // Asked for (--native-cache, PYFREEZE_NATIVE_FROM_DISK) where no
            // cache can be had: memory works, so load from there.
            None if !self.memory_refused => {
                eprintln!(
                    "note: native code is loaded from memory: the native cache cannot be \
                     written ({}); set XDG_CACHE_HOME or PYFREEZE_DATA_DIR to a directory you own",
                    why.as_deref().unwrap_or("no private per-user directory")
                );
                self.from_disk = false;
                self.memfd_with(path, |_| false).map(|(file, _)| file)
            }
            None => Err(format!(
                "{path} cannot be loaded: this system refuses to run code from memory, and no \
                 private per-user cache directory could be created to load it from (set \
                 XDG_CACHE_HOME to a directory you own)"
            )),
        }
    }
}

/// Whether the limit on open files leaves room for `copies` prefetched
/// memfds held at once, with some to spare: under a low limit (which
/// `ulimit -n` sets hard), the loader copies each file itself instead, one
/// descriptor at a time.
fn room_for(copies: usize) -> bool {
    let mut limit = std::mem::MaybeUninit::<libc::rlimit>::zeroed();
    // SAFETY: getrlimit writes the struct it is given.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, limit.as_mut_ptr()) != 0 {
            return false;
        }
        limit.assume_init().rlim_cur
    };
    soft >= copies as libc::rlim_t + 64
}

/// Whether `e` says the process (or the system) has no descriptor left.
fn out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// A new memfd named after `path`, or why the system gave none.
fn new_memfd(path: &str) -> std::io::Result<File> {
    // At most 249 bytes; the file's own name must survive (see the module comment).
    let shown = if path.len() <= 240 {
        path
    } else {
        path.rsplit('/').next().unwrap_or(path)
    };
    let name = CString::new(format!("pyfreeze/{shown}")).unwrap_or_default();
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
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a new descriptor only we own.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

fn dlopen(file: &str, lazy: bool, global: bool) -> Result<*mut c_void, String> {
    let path = CString::new(file).map_err(|_| format!("{file}: NUL in path"))?;
    let binding = if lazy {
        libc::RTLD_LAZY
    } else {
        libc::RTLD_NOW
    };
    // SAFETY: dlopen with a NUL-terminated path; dlerror's text is read at once.
    unsafe {
        let scope = if global {
            libc::RTLD_GLOBAL
        } else {
            libc::RTLD_LOCAL
        };
        let handle = libc::dlopen(path.as_ptr(), binding | scope);
        if handle.is_null() {
            let err = libc::dlerror();
            let mut why = if err.is_null() {
                "unknown error".to_string()
            } else {
                CStr::from_ptr(err).to_string_lossy().into_owned()
            };
            if why.ends_with("Too many open files") {
                why.push_str("; raise the limit on open files (ulimit -n)");
            }
            return Err(why);
        }
        Ok(handle)
    }
}

/// Where the memfd path `file` links: `/memfd:pyfreeze/... (deleted)`.
fn link_target(file: &str) -> Option<String> {
    std::fs::read_link(file)
        .ok()
        .and_then(|p| p.into_os_string().into_string().ok())
}

/// Rename the object `handle` to `name` in the dynamic linker's list: its
/// `link_map`'s `l_name` (public in `<link.h>`), which is what
/// `dl_iterate_phdr` and `dladdr` report and what `dlopen` matches a name
/// against. A library is named as `/proc/self/maps` shows its memfd (what
/// threadpoolctl matches); an extension module by its `__file__`, so that
/// C code that `dlopen`s a module's `__file__` (matplotlib's `_tkagg`, for
/// `_tkinter`) gets the loaded module, and code that finds files beside its
/// own object with `dladdr` (onnxruntime) looks under `sys._MEIPASS`. The
/// name is allocated with malloc, as glibc frees it if the object is ever
/// unloaded; the one it replaces is left alone.
fn show_as(handle: *mut c_void, name: &[u8]) {
    /// The head of glibc's `struct link_map`, fixed by `<link.h>`.
    #[repr(C)]
    struct LinkMap {
        l_addr: usize,
        l_name: *mut libc::c_char,
    }
    const RTLD_DI_LINKMAP: libc::c_int = 2;
    unsafe extern "C" {
        fn dlinfo(handle: *mut c_void, request: libc::c_int, arg: *mut c_void) -> libc::c_int;
    }
    let Ok(name) = CString::new(name) else {
        return;
    };
    let mut map: *mut LinkMap = std::ptr::null_mut();
    // SAFETY: dlinfo writes the object's link_map pointer for a live handle;
    // the string is a fresh malloc'ed copy that the link map then owns.
    unsafe {
        if dlinfo(handle, RTLD_DI_LINKMAP, (&raw mut map).cast()) == 0 && !map.is_null() {
            let copy = libc::strdup(name.as_ptr());
            if !copy.is_null() {
                (*map).l_name = copy;
            }
        }
    }
}

/// After CPython has loaded an extension module from `location` (a memfd
/// path), rename it to `name` (see [`show_as`]).
fn rename_loaded(location: &str, name: &[u8]) {
    let Ok(path) = CString::new(location) else {
        return;
    };
    // SAFETY: RTLD_NOLOAD only looks the object up; the extra reference it
    // takes is dropped at once (the module keeps the object loaded).
    unsafe {
        let handle = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD);
        if !handle.is_null() {
            show_as(handle, name);
            libc::dlclose(handle);
        }
    }
}

/// Whether loading `file` failed because executable memory is refused
/// (rather than because the library itself is at fault): then mapping the
/// memfd for execution fails.
fn refused(file: &str) -> bool {
    let f = match std::fs::File::open(file) {
        Ok(f) => f,
        // Out of descriptors is no refusal: the error stands.
        Err(e) if out_of_descriptors(&e) => return false,
        Err(_) => return true, // no /proc
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

/// Just enough of ELF64 (little-endian) to read and repoint `DT_NEEDED`.
mod elf {
    const PT_LOAD: u32 = 1;
    const PT_DYNAMIC: u32 = 2;
    const DT_NEEDED: u64 = 1;
    const DT_STRTAB: u64 = 5;

    fn u16_at(b: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
    }
    fn u32_at(b: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
    }
    fn u64_at(b: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
    }

    /// (file offset of each DT_NEEDED entry's value, name offset in the
    /// file) and the string table's file offset.
    fn dynamic(b: &[u8]) -> Option<(Vec<(usize, usize)>, usize)> {
        if b.get(..5)? != b"\x7fELF\x02" || b.get(5)? != &1 {
            return None;
        }
        let phoff = u64_at(b, 0x20)? as usize;
        let phentsize = u16_at(b, 0x36)? as usize;
        let phnum = u16_at(b, 0x38)? as usize;
        let headers: Vec<(u32, u64, u64, u64)> = (0..phnum)
            .map(|i| {
                let at = phoff + i * phentsize;
                Some((
                    u32_at(b, at)?,
                    u64_at(b, at + 8)?,
                    u64_at(b, at + 16)?,
                    u64_at(b, at + 32)?,
                ))
            })
            .collect::<Option<_>>()?;
        let to_offset = |vaddr: u64| {
            headers
                .iter()
                .find(|h| h.0 == PT_LOAD && vaddr >= h.2 && vaddr < h.2 + h.3)
                .map(|h| (vaddr - h.2 + h.1) as usize)
        };
        let dynamic = headers.iter().find(|h| h.0 == PT_DYNAMIC)?;
        let (mut needed, mut strtab) = (Vec::new(), None);
        let mut at = dynamic.1 as usize;
        loop {
            let tag = u64_at(b, at)?;
            let value = u64_at(b, at + 8)?;
            match tag {
                0 => break,
                DT_NEEDED => needed.push((at + 8, value as usize)),
                DT_STRTAB => strtab = to_offset(value),
                _ => {}
            }
            at += 16;
        }
        Some((needed, strtab?))
    }

    fn name(b: &[u8], at: usize) -> Option<&str> {
        let rest = b.get(at..)?;
        std::str::from_utf8(&rest[..rest.iter().position(|&c| c == 0)?]).ok()
    }

    /// Repoint the `DT_NEEDED` entries `cut` picks at the name of one it
    /// keeps; `None` if every entry would be cut.
    pub fn repoint_needed(b: &mut [u8], cut: &dyn Fn(&str) -> bool) -> Option<()> {
        let (entries, strtab) = dynamic(b)?;
        let names: Vec<(usize, usize, String)> = entries
            .iter()
            .map(|&(at, off)| Some((at, off, name(b, strtab + off)?.to_string())))
            .collect::<Option<_>>()?;
        let keep = names.iter().find(|(_, _, n)| !cut(n))?.1 as u64;
        for (at, _, n) in &names {
            if cut(n) {
                b[*at..*at + 8].copy_from_slice(&keep.to_le_bytes());
            }
        }
        Some(())
    }
}
