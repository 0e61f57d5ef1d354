//! A tree of source files carried inside the `pyfreeze` binary as a zip
//! (RustPython's standard library, packed by build.rs), so an installed
//! pyfreeze needs no Python and no cargo registry.

use anyhow::{Context, Result};
use std::collections::HashSet;
use std::io::{Cursor, Read};

pub struct EmbeddedTree {
    archive: zip::ZipArchive<Cursor<&'static [u8]>>,
    files: HashSet<String>,
    dirs: HashSet<String>,
}

impl EmbeddedTree {
    /// The tree in `zip`, a zip archive pyfreeze's own build script wrote:
    /// failing to read it is a bug in that build.
    pub fn new(zip: &'static [u8]) -> Self {
        let archive = zip::ZipArchive::new(Cursor::new(zip)).expect("embedded zip");
        let files: HashSet<String> = archive.file_names().map(str::to_string).collect();
        let dirs = files
            .iter()
            .flat_map(|f| f.match_indices('/').map(move |(i, _)| f[..i].to_string()))
            .collect();
        EmbeddedTree {
            archive,
            files,
            dirs,
        }
    }

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
