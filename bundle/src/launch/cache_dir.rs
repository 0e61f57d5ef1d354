//! Files on disk, once per bundle. Modules stay in memory, but code that
//! opens a data file by path (`open(os.path.join(os.path.dirname(__file__),
//! "x.txt"))`, `importlib.resources.as_file`, `os.chdir(sys._MEIPASS)`)
//! needs a real directory, and so does a shared library where the system
//! refuses to load one from memory. The first start writes those files to a
//! per-user cache directory named after the bundle's checksum; later starts
//! (and other copies) reuse it.
//!
//! * The directory is created atomically (written under a temporary name,
//!   then renamed) and is private to the user (0700).
//! * It, and every directory above it up to the cache root, is used only
//!   when owned by the user and not writable by anyone else: otherwise
//!   someone else could swap its files.
//! * On reuse its files are checked against the manifest (sizes, and
//!   hashes where that is cheap); a damaged or emptied directory is rebuilt.
//! * Temporary directories that starts killed midway left behind are
//!   removed once they are a few minutes old.
//!
//! Where is the cache root? `$PYFREEZE_DATA_DIR` if set; else
//! `$XDG_CACHE_HOME/pyfreeze/bundles` or `$HOME/.cache/pyfreeze/bundles`;
//! with neither set, the passwd entry's home, a private
//! `$XDG_RUNTIME_DIR/pyfreeze/bundles`, then `<temp dir>/pyfreeze-<uid>/bundles`
//! (macOS: `~/Library/Caches`; Windows: `%LOCALAPPDATA%`).

use crate::private_dir::{
    cache_in_home, create_private_dir, non_empty, passwd_home, private_base, trusted_dir, uid,
    user_cache_root,
};
use crate::{Bundle, FileRecord};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Overrides where per-bundle directories go.
pub const DATA_DIR_VAR: &str = "PYFREEZE_DATA_DIR";

/// Data files up to this size in all are checked against their CRC-32 on
/// every start (as entries in the archive are when read); larger sets are
/// checked by size only.
const HASH_LIMIT: u64 = 4 << 20;

/// Temporary directories older than this are leftovers of killed starts.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

/// Whether an archive entry is a data file: neither module code nor package
/// metadata nor the runtime's own.
pub fn is_data_file<'b>(bundle: &'b Bundle<'_>) -> impl Fn(&FileRecord) -> bool + 'b {
    let module_files: HashSet<&str> = bundle
        .manifest
        .modules
        .iter()
        .flat_map(|r| {
            // A source a rule wants on disk goes there with the data files;
            // so does an extension module's file (a library loaded by path).
            let source = r.source.iter().filter(|_| !r.on_disk);
            let code = r
                .code
                .iter()
                .filter(|_| !(r.on_disk && r.kind == crate::ModuleKind::Extension));
            code.chain(source)
        })
        .map(String::as_str)
        .collect();
    move |rec| {
        let top = rec.path.split('/').next().unwrap_or_default();
        !module_files.contains(rec.path.as_str())
            && !top.ends_with(".dist-info")
            && top != crate::PYFREEZE_DIR
    }
}

/// The bundle's root directory on disk (`sys._MEIPASS`), with its data
/// files, created if need be; `Err` says why no safe per-user directory could
/// be had.
pub fn bundle_root(bundle: &Bundle<'_>) -> Result<PathBuf, String> {
    let wanted = is_data_file(bundle);
    materialize(bundle, "", &wanted, false)
}

/// The directory holding the bundle's files that `wanted` picks, under the
/// bundle's name plus `suffix`, created (or repaired) if need be. `code`:
/// the files are native code, mapped at every start; each is synced to disk
/// before the directory is published (a torn library would crash the
/// program, where the check of a large set compares sizes only), and
/// dropped from the page cache, which the writes left in large folios that
/// a map counts in a process's memory whole (measured: hello's peak RSS
/// 11.0 MB, 10.3 MB read back from disk).
pub fn materialize(
    bundle: &Bundle<'_>,
    suffix: &str,
    wanted: &dyn Fn(&FileRecord) -> bool,
    code: bool,
) -> Result<PathBuf, String> {
    let base = cache_base()?;
    let id = format!("{}{suffix}", &crate::hex(&bundle.trailer.sha256)[..32]);
    let target = base.join(&id);
    if trusted_dir(&target, true) {
        if intact(bundle, &target, wanted) {
            return Ok(target);
        }
        // Damaged, emptied, or half-deleted: move it away, then rebuild.
        let broken = base.join(format!(
            ".tmp-broken-{id}-{}-{}",
            std::process::id(),
            nanos()
        ));
        if std::fs::rename(&target, &broken).is_ok() {
            let _ = std::fs::remove_dir_all(&broken);
        }
    } else if std::fs::symlink_metadata(&target).is_ok() {
        return Err(format!(
            "{} exists but is not a private directory of this user",
            target.display()
        ));
    }
    remove_stale(&base);
    let tmp = base.join(format!(".tmp-{id}-{}-{}", std::process::id(), nanos()));
    let written = create_private_dir(&tmp)
        .and_then(|()| write_files(bundle, &tmp, wanted, code))
        .map_err(|e| format!("cannot write into {}: {e}", base.display()));
    if written.is_ok() && std::fs::rename(&tmp, &target).is_ok() {
        return Ok(target);
    }
    // Another copy started at the same moment and won the race, or writing
    // failed: clean up, then use the winner's directory if it is sound.
    let _ = std::fs::remove_dir_all(&tmp);
    if trusted_dir(&target, true) && intact(bundle, &target, wanted) {
        return Ok(target);
    }
    Err(written
        .err()
        .unwrap_or_else(|| format!("cannot create {}", target.display())))
}

/// Every wanted file is there with its size (and, for small sets, its hash).
fn intact(bundle: &Bundle<'_>, dir: &Path, wanted: &dyn Fn(&FileRecord) -> bool) -> bool {
    let files: Vec<&FileRecord> = bundle.manifest.files.iter().filter(|r| wanted(r)).collect();
    let total: u64 = files.iter().map(|r| r.size).sum();
    files.iter().all(|rec| {
        let path = dir.join(&rec.path);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            return false;
        };
        if !meta.is_file() || meta.len() != rec.size {
            return false;
        }
        total > HASH_LIMIT
            || std::fs::read(&path).is_ok_and(|bytes| crate::crc32(&bytes) == rec.crc32)
    })
}

/// Remove what killed starts left: `.tmp-*` directories older than a few minutes.
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let stale = entry.file_name().to_string_lossy().starts_with(".tmp-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_AFTER);
        if stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write_files(
    bundle: &Bundle<'_>,
    dir: &Path,
    wanted: &dyn Fn(&FileRecord) -> bool,
    code: bool,
) -> std::io::Result<()> {
    for rec in bundle.manifest.files.iter().filter(|r| wanted(r)) {
        // Paths were checked by the bundle reader: relative, no `..`.
        let path = dir.join(&rec.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        // A damaged file ends the process (exit 2), not the cache.
        super::copy(bundle, &rec.path, &mut file)?;
        if code {
            file.sync_data()?;
            drop_from_page_cache(&file);
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn drop_from_page_cache(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: advice on an open descriptor; the data is on disk (synced).
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
}

#[cfg(not(target_os = "linux"))]
fn drop_from_page_cache(_file: &std::fs::File) {}

/// Every place per-bundle directories may be, the usual one first (for
/// `pyfreeze cache dir` and `cache clean`); nothing is created.
pub fn data_cache_dirs() -> Vec<PathBuf> {
    if let Some(dir) = non_empty(DATA_DIR_VAR) {
        return vec![dir];
    }
    let mut dirs: Vec<PathBuf> = user_cache_root()
        .into_iter()
        .chain(passwd_home().map(cache_in_home))
        .map(|root| root.join("pyfreeze").join("bundles"))
        .collect();
    if let Some(run) = non_empty("XDG_RUNTIME_DIR") {
        dirs.push(run.join("pyfreeze").join("bundles"));
    }
    dirs.push(
        std::env::temp_dir()
            .join(format!("pyfreeze-{}", uid()))
            .join("bundles"),
    );
    dirs.dedup();
    dirs
}

/// The directory per-bundle directories go in, created private if missing,
/// checked (see the module comment); `Err` says why none can be used. An
/// unsafe cache under a set HOME is refused, not worked around; the other
/// places are for when HOME (and XDG_CACHE_HOME) are unset.
pub fn cache_base() -> Result<PathBuf, String> {
    if let Some(dir) = non_empty(DATA_DIR_VAR) {
        return private_base(dir, None);
    }
    if cfg!(windows) {
        let base = non_empty("LOCALAPPDATA").ok_or("LOCALAPPDATA is not set")?;
        return private_base(base.join("pyfreeze").join("bundles"), Some(base));
    }
    if let Some(root) = user_cache_root() {
        return private_base(root.join("pyfreeze").join("bundles"), Some(root));
    }
    // No HOME (cron, systemd units, env -i): the passwd entry's home, a
    // private runtime directory, then a private directory under the temp dir.
    let mut tried = vec!["HOME is not set".to_string()];
    if let Some(root) = passwd_home().map(cache_in_home) {
        match private_base(root.join("pyfreeze").join("bundles"), Some(root)) {
            Ok(base) => return Ok(base),
            Err(why) => tried.push(why),
        }
    }
    if let Some(run) = non_empty("XDG_RUNTIME_DIR").filter(|d| trusted_dir(d, true)) {
        match private_base(run.join("pyfreeze").join("bundles"), Some(run)) {
            Ok(base) => return Ok(base),
            Err(why) => tried.push(why),
        }
    }
    let own = std::env::temp_dir().join(format!("pyfreeze-{}", uid()));
    let _ = create_private_dir(&own);
    if trusted_dir(&own, true) {
        match private_base(own.join("bundles"), Some(own)) {
            Ok(base) => return Ok(base),
            Err(why) => tried.push(why),
        }
    } else {
        tried.push(format!(
            "{} is not a private directory of this user",
            own.display()
        ));
    }
    Err(tried.join("; "))
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}
