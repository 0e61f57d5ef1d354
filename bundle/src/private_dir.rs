//! Directories only the user can write, for the caches on both sides: the
//! packager's build cache and the bundles' data directories. A cache another
//! user (or a group) can write is a cache someone else can poison, so a
//! directory is trusted only when it, and every directory above it up to the
//! user's cache root, is owned by the user and writable by no one else.

use std::path::{Path, PathBuf};

/// An absolute path from a non-empty environment variable.
pub fn non_empty(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// The user's cache root: `$XDG_CACHE_HOME`, else `~/.cache`
/// (macOS: `~/Library/Caches`; Windows: `%LOCALAPPDATA%`); `None` when the
/// variables it comes from are unset.
pub fn user_cache_root() -> Option<PathBuf> {
    if cfg!(windows) {
        return non_empty("LOCALAPPDATA");
    }
    non_empty("XDG_CACHE_HOME")
        .filter(|_| !cfg!(target_os = "macos"))
        .or_else(|| non_empty("HOME").map(cache_in_home))
}

pub fn cache_in_home(home: PathBuf) -> PathBuf {
    if cfg!(target_os = "macos") {
        home.join("Library").join("Caches")
    } else {
        home.join(".cache")
    }
}

/// `base`, created private if missing (and the directories between `root`
/// and it), if it and every directory from `root` down to it are owned by
/// the user and writable by no one else; `Err` says which is not.
pub fn private_base(base: PathBuf, root: Option<PathBuf>) -> Result<PathBuf, String> {
    create_private_dirs(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    let mut dir = base.clone();
    loop {
        if !trusted_dir(&dir, false) {
            return Err(format!(
                "{} is not a directory of this user that only it can write",
                dir.display()
            ));
        }
        if Some(&dir) == root.as_ref() || root.is_none() {
            break;
        }
        match dir.parent() {
            Some(p) if root.as_ref().is_some_and(|r| p.starts_with(r)) => dir = p.to_path_buf(),
            _ => break,
        }
    }
    Ok(base)
}

/// `dir` and its missing parents, each created 0700 whatever the umask (a
/// group-writable umask would otherwise make the cache untrusted forever).
fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dirs(parent)?;
    }
    match create_private_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// A new directory only its owner can enter (0700 from the start, not
/// chmod-ed after, so there is no moment where others could).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A real directory (not a symlink) owned by this user and not writable by
/// others; with `private`, not readable by others either.
#[cfg(unix)]
pub fn trusted_dir(dir: &Path, private: bool) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    let loose = if private { 0o077 } else { 0o022 };
    meta.is_dir() && meta.uid() == uid() && meta.mode() & loose == 0
}

#[cfg(not(unix))]
pub fn trusted_dir(dir: &Path, _private: bool) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
}

/// A regular file (not a symlink) owned by this user that no one else can
/// read or write.
#[cfg(unix)]
pub fn private_file(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.is_file() && meta.uid() == uid() && meta.mode() & 0o077 == 0
}

#[cfg(not(unix))]
pub fn private_file(meta: &std::fs::Metadata) -> bool {
    meta.is_file()
}

#[cfg(unix)]
pub fn uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
pub fn uid() -> u32 {
    0
}

/// The home directory of the user's passwd entry.
#[cfg(unix)]
pub fn passwd_home() -> Option<PathBuf> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: passwd is plain old data; all-zero is a valid value.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16384];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r fills `pwd` with pointers into `buf`, which
    // outlives their use below.
    let rc = unsafe { libc::getpwuid_r(uid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_dir.is_null() {
        return None;
    }
    // SAFETY: pw_dir points to a NUL-terminated string in `buf`.
    let dir = unsafe { CStr::from_ptr(pwd.pw_dir) };
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(dir.to_bytes()));
    (path.is_absolute() && path != Path::new("/")).then_some(path)
}

#[cfg(not(unix))]
pub fn passwd_home() -> Option<PathBuf> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn loose_directories_anywhere_up_to_the_root_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path().join("a").join("b");
        assert_eq!(
            private_base(base.clone(), Some(root.path().to_path_buf())),
            Ok(base.clone())
        );
        let mode = std::fs::metadata(root.path().join("a"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "created private whatever the umask");
        std::fs::set_permissions(
            root.path().join("a"),
            std::fs::Permissions::from_mode(0o777),
        )
        .unwrap();
        let err = private_base(base.clone(), Some(root.path().to_path_buf())).unwrap_err();
        assert!(err.contains("only it can write"), "{err}");
        // Without a root, only the directory itself is judged.
        assert_eq!(private_base(base.clone(), None), Ok(base));
    }
}
