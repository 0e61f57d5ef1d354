//! Finding the file this process runs, with or without `/proc` (some
//! sandboxes and containers have none): `/proc/self/exe`, else the path
//! the kernel was asked to execute (`AT_EXECFN`), else `argv[0]` as
//! PyInstaller's bootloader reads it (a path, or a name on `PATH`). Paths
//! are made absolute with symlinks resolved; call before any `chdir`.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

/// The executable's real path (symlinks resolved), as `sys.executable`.
pub fn find(argv0: Option<&OsStr>) -> io::Result<PathBuf> {
    if let Ok(exe) = std::env::current_exe()
        && !is_dynamic_loader(&exe)
    {
        return Ok(std::fs::canonicalize(&exe).unwrap_or(exe));
    }
    let candidates = exec_fn()
        .filter(|p| !p.as_os_str().is_empty() && !is_descriptor_path(p))
        .into_iter()
        .chain(argv0.and_then(from_argv0));
    for candidate in candidates {
        if let Ok(real) = std::fs::canonicalize(&candidate)
            && real.is_file()
        {
            return Ok(real);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "neither /proc/self/exe, the executed path nor argv[0] names a file; mount /proc, or \
         start the program by its path",
    ))
}

/// Whether this process was started from an in-memory file (a memfd, as
/// `pyfreeze-unpack` starts the bootloader), with `/proc` or without.
pub fn runs_from_memory() -> bool {
    match std::env::current_exe() {
        Ok(exe) => {
            use std::os::unix::ffi::OsStrExt;
            exe.as_os_str().as_bytes().starts_with(b"/memfd:")
        }
        // Without /proc, an fexecve'd file was executed as /dev/fd/N.
        Err(_) => exec_fn().is_some_and(|p| is_descriptor_path(&p)),
    }
}

/// Started through the dynamic loader (`ld-linux-x86-64.so.2 ./app`):
/// `/proc/self/exe` is the loader, not the program.
fn is_dynamic_loader(exe: &Path) -> bool {
    exe.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with("ld-linux") || n.starts_with("ld.so") || n.starts_with("ld64.so")
    })
}

fn is_descriptor_path(path: &Path) -> bool {
    path.starts_with("/dev/fd") || path.starts_with("/proc/self/fd")
}

/// `getauxval(AT_EXECFN)`: the path given to `execve`, as given.
#[cfg(target_os = "linux")]
fn exec_fn() -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: getauxval has no preconditions; AT_EXECFN's value, when the
    // kernel gives one, points at a NUL-terminated string on the initial
    // stack, which lives as long as the process.
    let at = unsafe { libc::getauxval(libc::AT_EXECFN) };
    if at == 0 {
        return None;
    }
    // SAFETY: as above.
    let name = unsafe { std::ffi::CStr::from_ptr(at as *const libc::c_char) };
    Some(PathBuf::from(OsStr::from_bytes(name.to_bytes())))
}

#[cfg(not(target_os = "linux"))]
fn exec_fn() -> Option<PathBuf> {
    None
}

/// `argv[0]` as a path: itself when it holds a `/`, else the first
/// executable file of that name on `PATH`.
fn from_argv0(argv0: &OsStr) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    if argv0.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(argv0));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(argv0))
        .find(|p| is_executable_file(p))
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_finds_itself() {
        let me = find(None).expect("own path");
        assert!(me.is_absolute() && me.is_file(), "{}", me.display());
        assert_eq!(
            me,
            std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap()
        );
    }

    #[test]
    fn argv0_is_a_path_or_a_name_on_path() {
        assert_eq!(
            from_argv0(OsStr::new("./x/y")),
            Some(PathBuf::from("./x/y"))
        );
        // `sh` is on every PATH the tests run with.
        let sh = from_argv0(OsStr::new("sh")).expect("sh on PATH");
        assert!(sh.ends_with("sh") && is_executable_file(&sh));
        assert_eq!(from_argv0(OsStr::new("no-such-program-here")), None);
        assert!(exec_fn().is_some(), "the kernel passes AT_EXECFN");
    }
}
