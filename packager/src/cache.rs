//! The per-user bytecode cache. Entries are keyed by the sha256 of what
//! determines the bytecode (source text, virtual path, optimisation level,
//! compiler and pyfreeze version), never by file times, so a rebuild of an
//! unchanged program compiles nothing. Every entry carries its own sha256: a
//! damaged entry is detected, deleted and rebuilt, never loaded.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const LAYOUT: &str = "cache-v2";

#[derive(Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    pub hits: AtomicUsize,
    pub misses: AtomicUsize,
    pub corrupt: AtomicUsize,
}

/// `$PYFREEZE_CACHE_DIR`, else `$XDG_CACHE_HOME/pyfreeze`, else `~/.cache/pyfreeze`.
pub fn root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PYFREEZE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("pyfreeze"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|home| PathBuf::from(home).join(".cache").join("pyfreeze"))
}

impl Cache {
    /// A cache in the user's cache directory; disabled with `--no-cache` or
    /// when there is no such directory.
    pub fn open(enabled: bool) -> Cache {
        Cache {
            dir: enabled.then(root).flatten().map(|r| r.join(LAYOUT)),
            ..Cache::default()
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

    /// Any entry, checked against its own sha256; a damaged one is removed.
    pub fn load(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path(key)?;
        let mut bytes = std::fs::read(&path).ok()?;
        match bytes.len().checked_sub(32) {
            Some(split) if Sha256::digest(&bytes[..split])[..] == bytes[split..] => {
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
        let _ = write_atomically(&path, &[value, &Sha256::digest(value)]);
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
}

fn write_atomically(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent"))?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    for part in parts {
        tmp.write_all(part)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `pyfreeze cache clean`: remove every cached entry.
pub fn clean() -> anyhow::Result<Option<PathBuf>> {
    let Some(root) = root() else { return Ok(None) };
    let dir = root.join(LAYOUT);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(Some(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_in(dir: &Path) -> Cache {
        Cache {
            dir: Some(dir.to_path_buf()),
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
}
