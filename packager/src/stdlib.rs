//! RustPython's standard library, carried inside the `pyfreeze` binary as a
//! zip of sources (packed by build.rs), so an installed pyfreeze needs no
//! Python and no cargo registry.

use anyhow::{Context, Result};
use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::sync::OnceLock;

static STDLIB_ZIP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.zip"));

pub struct Stdlib {
    archive: zip::ZipArchive<Cursor<&'static [u8]>>,
    files: HashSet<String>,
    dirs: HashSet<String>,
}

pub fn get() -> &'static Stdlib {
    static STDLIB: OnceLock<Stdlib> = OnceLock::new();
    STDLIB.get_or_init(|| {
        // The zip is produced by our own build script: failing to read it is a build bug.
        let archive = zip::ZipArchive::new(Cursor::new(STDLIB_ZIP)).expect("embedded stdlib zip");
        let files: HashSet<String> = archive.file_names().map(str::to_string).collect();
        let dirs = files
            .iter()
            .flat_map(|f| f.match_indices('/').map(move |(i, _)| f[..i].to_string()))
            .collect();
        Stdlib {
            archive,
            files,
            dirs,
        }
    })
}

impl Stdlib {
    pub fn is_file(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        path.is_empty() || self.dirs.contains(path)
    }

    pub fn read(&self, path: &str) -> Result<Vec<u8>> {
        // A clone shares the parsed central directory; each thread reads its own.
        let mut archive = self.archive.clone();
        let mut entry = archive
            .by_name(path)
            .with_context(|| format!("stdlib file {path} missing from the embedded stdlib"))?;
        let mut out = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut out)?;
        Ok(out)
    }

    /// Every file under `dir` (recursively), for collecting whole packages.
    pub fn files_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files.iter().map(String::as_str).filter(move |f| {
            dir.is_empty() || f.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
        })
    }
}
