//! Files on disk, once per bundle. Modules stay in memory, but code that
//! opens a data file by path (`open(os.path.join(os.path.dirname(__file__),
//! "x.txt"))`, `importlib.resources.as_file`) needs a real file, and so does
//! a shared library where the system refuses to load one from memory. The
//! first start writes those files to a per-user cache directory named after
//! the bundle's checksum; later starts (and other copies) reuse it.
//!
//! The directory is created atomically (written under a temporary name, then
//! renamed), is private to the user (0700), and is only used when it, and the
//! directory holding it, belong to the user and are not writable by others.

use crate::{Bundle, FileRecord};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The directory holding this bundle's data files, created if need be; None
/// when no safe per-user cache directory can be had.
pub fn data_root(bundle: &Bundle<'_>) -> Option<PathBuf> {
    let m = &bundle.manifest;
    let module_files: HashSet<&str> = m
        .modules
        .iter()
        .flat_map(|r| r.code.iter().chain(r.source.iter()))
        .map(String::as_str)
        .collect();
    materialize(bundle, "", &|rec| {
        let top = rec.path.split('/').next().unwrap_or_default();
        !module_files.contains(rec.path.as_str())
            && !top.ends_with(".dist-info")
            && top != crate::PYFREEZE_DIR
    })
}

/// The directory holding the bundle's files that `wanted` picks, under the
/// bundle's name plus `suffix`, created if need be; None when no safe
/// per-user cache directory can be had or the files cannot be written.
pub fn materialize(
    bundle: &Bundle<'_>,
    suffix: &str,
    wanted: &dyn Fn(&FileRecord) -> bool,
) -> Option<PathBuf> {
    let base = cache_base()?;
    let id = format!("{}{suffix}", &crate::hex(&bundle.trailer.sha256)[..32]);
    let target = base.join(&id);
    if trusted_dir(&target, true) {
        return Some(target);
    }
    // Created private if missing; an existing one is used only if sound,
    // never repaired: loose permissions mean someone else may be in it.
    if let Some(parent) = base.parent() {
        std::fs::create_dir_all(parent).ok()?;
    }
    let _ = create_private_dir(&base);
    if !trusted_dir(&base, false) {
        return None;
    }
    let tmp = base.join(format!(".tmp-{id}-{}-{}", std::process::id(), nanos()));
    let written = create_private_dir(&tmp).is_ok() && write_files(bundle, &tmp, wanted).is_ok();
    if written && std::fs::rename(&tmp, &target).is_ok() {
        return Some(target);
    }
    // Another copy started at the same moment and won the race, or writing
    // failed: clean up, then use the winner's directory if it is sound.
    let _ = std::fs::remove_dir_all(&tmp);
    trusted_dir(&target, true).then_some(target)
}

fn write_files(
    bundle: &Bundle<'_>,
    dir: &Path,
    wanted: &dyn Fn(&FileRecord) -> bool,
) -> std::io::Result<()> {
    for rec in bundle.manifest.files.iter().filter(|r| wanted(r)) {
        // Paths were checked by the bundle reader: relative, no `..`.
        let path = dir.join(&rec.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let data = bundle.read(rec).map_err(std::io::Error::other)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(&data)?;
    }
    Ok(())
}

/// `$XDG_CACHE_HOME/pyfreeze/bundles` or `~/.cache/pyfreeze/bundles` (Linux),
/// `~/Library/Caches/pyfreeze/bundles` (macOS), `%LOCALAPPDATA%\pyfreeze\bundles`.
fn cache_base() -> Option<PathBuf> {
    let non_empty = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        non_empty("LOCALAPPDATA")?
    } else if cfg!(target_os = "macos") {
        non_empty("HOME")?.join("Library").join("Caches")
    } else {
        non_empty("XDG_CACHE_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| non_empty("HOME").map(|h| h.join(".cache")))?
    };
    Some(base.join("pyfreeze").join("bundles"))
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// A new directory only its owner can enter (0700 from the start, not
/// chmod-ed after, so there is no moment where others could).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A real directory (not a symlink) owned by this user and not writable by
/// others; with `private`, not readable by others either.
#[cfg(unix)]
fn trusted_dir(dir: &Path, private: bool) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let loose = if private { 0o077 } else { 0o022 };
    meta.is_dir() && meta.uid() == me && meta.mode() & loose == 0
}

#[cfg(not(unix))]
fn trusted_dir(dir: &Path, _private: bool) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
}
