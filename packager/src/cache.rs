//! The per-user build cache: bytecode and deflated archive entries. Entries
//! are keyed by the sha256 of what determines them (source text, virtual
//! path, optimisation level, compiler and pyfreeze version), never by file
//! times, so a rebuild of an unchanged program compiles nothing.
//!
//! A cache is a place someone could poison, so:
//! * it is used only when it (and every directory up to the user's cache
//!   root) is owned by the user and writable by no one else; otherwise the
//!   build goes without it, saying so once;
//! * every entry carries an HMAC-SHA256, under a secret only this user can
//!   read, of its key and content: an entry damaged, renamed, copied from
//!   another cache or forged without the secret is rejected, deleted and
//!   rebuilt, never used. (Deflated entries are also inflated and hashed
//!   against their source by the archive writer.)

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const LAYOUT: &str = "cache-v5";
const SECRET: &str = "secret";
const TAG_LEN: usize = 32;

#[derive(Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    secret: [u8; 32],
    /// Why the cache directory is not used, when it is not.
    pub ignored: Option<(PathBuf, String)>,
    pub hits: AtomicUsize,
    pub misses: AtomicUsize,
    pub corrupt: AtomicUsize,
}

/// `$PYFREEZE_CACHE_DIR`, else `$XDG_CACHE_HOME/pyfreeze`, else `~/.cache/pyfreeze`.
pub fn root() -> Option<PathBuf> {
    location().map(|(root, _)| root)
}

/// The cache's root, and the directory from which down to it every
/// directory must be private: `$PYFREEZE_CACHE_DIR` itself when it is set,
/// else the user's cache root.
fn location() -> Option<(PathBuf, PathBuf)> {
    if let Some(dir) = std::env::var_os("PYFREEZE_CACHE_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return Some((dir.clone(), dir));
    }
    let user = pyfreeze_bundle::private_dir::user_cache_root()?;
    Some((user.join("pyfreeze"), user))
}

impl Cache {
    /// A cache in the user's cache directory; disabled with `--no-cache`,
    /// when there is no such directory, or when it is not private to the
    /// user (then `ignored` says why).
    pub fn open(enabled: bool) -> Cache {
        let Some((root, up_to)) = location().filter(|_| enabled) else {
            return Cache::default();
        };
        let dir = root.join(LAYOUT);
        let checked = pyfreeze_bundle::private_dir::private_base(dir.clone(), Some(up_to))
            .and_then(|dir| shared_subdir(&dir).map_or(Ok(dir), Err))
            .and_then(|dir| secret(&dir).map(|secret| (dir, secret)));
        match checked {
            Ok((dir, secret)) => Cache {
                dir: Some(dir),
                secret,
                ..Cache::default()
            },
            Err(why) => Cache {
                ignored: Some((dir, why)),
                ..Cache::default()
            },
        }
    }

    /// The key of a module's bytecode in `bytecode_format`.
    pub fn key(bytecode_format: &str, text: &str, virtual_path: &str, optimize: u8) -> String {
        let mut h = Sha256::new();
        for part in [
            LAYOUT,
            bytecode_format,
            env!("CARGO_PKG_VERSION"),
            &optimize.to_string(),
            virtual_path,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(text.as_bytes());
        pyfreeze_bundle::hex(&h.finalize())
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join(&key[..2]).join(&key[2..]))
    }

    /// A module's bytecode, counted in the hit and miss numbers `--verbose` shows.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let found = self.load(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Any entry, checked against its tag; a bad one is removed.
    pub fn load(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path(key)?;
        let mut bytes = std::fs::read(&path).ok()?;
        match bytes.len().checked_sub(TAG_LEN) {
            Some(split)
                if self
                    .tag(key, &bytes[..split])
                    .verify_slice(&bytes[split..])
                    .is_ok() =>
            {
                bytes.truncate(split);
                Some(bytes)
            }
            _ => {
                self.corrupt.fetch_add(1, Ordering::Relaxed);
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Store an entry; failures only cost a recompilation next time.
    pub fn put(&self, key: &str, value: &[u8]) {
        let Some(path) = self.path(key) else { return };
        let tag = self.tag(key, value).finalize().into_bytes();
        let _ = write_atomically(&path, &[value, &tag]);
    }

    /// The HMAC of an entry: binds its content to its key under this
    /// user's secret.
    fn tag(&self, key: &str, value: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(key.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac
    }

    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// Use so far, for the build report.
    pub fn stats(&self) -> crate::report::CacheStats {
        crate::report::CacheStats {
            enabled: self.enabled(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            corrupt: self.corrupt.load(Ordering::Relaxed),
        }
    }
}

impl pyfreeze_bundle::writer::DeflateCache for Cache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.load(key)
    }

    fn put(&self, key: &str, single_entry_zip: &[u8]) {
        Cache::put(self, key, single_entry_zip);
    }

    fn rejected(&self, key: &str) {
        self.corrupt.fetch_add(1, Ordering::Relaxed);
        if let Some(path) = self.path(key) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Why one of the cache's entry directories is not private, if one is not:
/// the same rule as for the cache's own directory.
fn shared_subdir(dir: &Path) -> Option<String> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir() || m.file_type().is_symlink())
                && !pyfreeze_bundle::private_dir::trusted_dir(p, false)
        })
        .map(|p| {
            format!(
                "{} is not a directory of this user that only it can write",
                p.display()
            )
        })
}

fn write_atomically(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent"))?;
    match pyfreeze_bundle::private_dir::create_private_dir(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    for part in parts {
        tmp.write_all(part)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The cache's secret: 32 random bytes in a file only the user can read,
/// made on first use (and remade if it is not such a file).
fn secret(dir: &Path) -> Result<[u8; 32], String> {
    let path = dir.join(SECRET);
    if let Ok(file) = open_no_follow(&path) {
        let sound = file
            .metadata()
            .is_ok_and(|m| pyfreeze_bundle::private_dir::private_file(&m) && m.len() == 32);
        let mut secret = [0u8; 32];
        if sound && std::io::Read::read_exact(&mut &file, &mut secret).is_ok() {
            return Ok(secret);
        }
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| format!("no random numbers for the cache's key: {e}"))?;
    // tempfile creates the file 0600; renamed over whatever was there.
    write_atomically(&path, &[&secret])
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(secret)
}

fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path)
}

/// Every place `pyfreeze cache clean` empties: the build cache's layouts
/// (this one and earlier ones) and the data caches frozen programs use.
pub struct CacheDirs {
    /// The build cache's root (`None`: no HOME to find it from).
    pub build: Option<PathBuf>,
    /// The data cache directories, in the order frozen programs try them.
    pub data: Vec<PathBuf>,
}

/// The caches `cache dir` lists, which are exactly what `clean` removes.
pub fn dirs() -> CacheDirs {
    CacheDirs {
        build: root(),
        data: pyfreeze_bundle::launch::cache_dir::data_cache_dirs(),
    }
}

/// The build cache's layout directories under `root` (`cache-v*`).
fn layouts(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("cache-v"))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// `pyfreeze cache clean`: remove the build cache and the data caches that
/// [`dirs`] lists, nothing else; returns what was removed.
pub fn clean() -> anyhow::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let listed = dirs();
    let build = listed.build.as_deref().map(layouts).unwrap_or_default();
    for dir in build.into_iter().chain(listed.data) {
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", dir.display()))?;
            removed.push(dir);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_in(dir: &Path) -> Cache {
        Cache {
            dir: Some(dir.to_path_buf()),
            secret: secret(dir).unwrap(),
            ..Cache::default()
        }
    }

    #[test]
    fn round_trip_and_corruption_is_never_loaded() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(tmp.path());
        let key = Cache::key("f", "x = 1\n", "m.py", 0);
        assert_eq!(cache.get(&key), None);
        cache.put(&key, b"pyc bytes");
        assert_eq!(cache.get(&key).as_deref(), Some(&b"pyc bytes"[..]));

        let path = cache.path(&key).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[2] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(cache.get(&key), None);
        assert_eq!(cache.corrupt.load(Ordering::Relaxed), 1);
        assert!(!path.exists(), "a corrupt entry is removed");
    }

    #[test]
    fn keys_depend_on_everything_that_changes_the_bytecode() {
        let base = Cache::key("f", "x = 1\n", "m.py", 0);
        assert_ne!(base, Cache::key("f", "x = 2\n", "m.py", 0));
        assert_ne!(base, Cache::key("f", "x = 1\n", "n.py", 0));
        assert_ne!(base, Cache::key("f", "x = 1\n", "m.py", 1));
        assert_ne!(base, Cache::key("g", "x = 1\n", "m.py", 0));
        assert_eq!(base, Cache::key("f", "x = 1\n", "m.py", 0));
    }

    #[test]
    fn renamed_copied_and_forged_entries_are_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(tmp.path());
        let (a, b) = (
            Cache::key("f", "a = 1\n", "a.py", 0),
            Cache::key("f", "b = 1\n", "b.py", 0),
        );
        cache.put(&a, b"code of a");
        // Renamed: a's entry under b's key.
        std::fs::create_dir_all(cache.path(&b).unwrap().parent().unwrap()).unwrap();
        std::fs::copy(cache.path(&a).unwrap(), cache.path(&b).unwrap()).unwrap();
        assert_eq!(
            cache.get(&b),
            None,
            "an entry moved to another key is rejected"
        );
        // Forged without the secret: content plus a plain sha256, or an
        // HMAC under another secret (another user's cache).
        let forged = [&b"evil"[..], &Sha256::digest(b"evil")].concat();
        std::fs::write(cache.path(&a).unwrap(), &forged).unwrap();
        assert_eq!(cache.get(&a), None);
        let other = tempfile::tempdir().unwrap();
        let elsewhere = cache_in(other.path());
        elsewhere.put(&a, b"evil");
        std::fs::copy(elsewhere.path(&a).unwrap(), cache.path(&a).unwrap()).unwrap();
        assert_eq!(
            cache.get(&a),
            None,
            "an entry copied from another cache is rejected"
        );
        assert_eq!(cache.corrupt.load(Ordering::Relaxed), 3);
        // The secret is private and kept.
        let meta = std::fs::metadata(tmp.path().join(SECRET)).unwrap();
        assert!(pyfreeze_bundle::private_dir::private_file(&meta));
        assert_eq!(secret(tmp.path()).unwrap(), cache.secret);
    }
}
