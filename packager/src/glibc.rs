//! The oldest glibc an ELF file starts on: the newest `GLIBC_x.y` symbol
//! version it needs. A system with an older glibc refuses it in the dynamic
//! loader, with errors that name symbols rather than the cause.

use pyfreeze_bundle::manifest::GlibcFloor;
use std::fmt;

/// The newest glibc the bootloaders pyfreeze ships (its wheel, and
/// `cargo install --features embed-bootloaders`) may need.
pub const SHIPPED: Version = Version(2, 28);

/// A glibc version, `2.35`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32);

impl Version {
    /// `2.35`, `2.2.5` (read as 2.2), `2.28.9000`.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.split('.').map(str::parse::<u32>);
        match (parts.next(), parts.next()) {
            (Some(Ok(major)), Some(Ok(minor))) => Some(Version(major, minor)),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// The newest glibc version `bytes` (an ELF executable or library) needs;
/// `None` for a file that is not ELF or needs no versioned glibc symbol.
pub fn needed(bytes: &[u8]) -> Option<Version> {
    let elf = goblin::elf::Elf::parse(bytes).ok()?;
    let verneed = elf.verneed.as_ref()?;
    let mut newest = None;
    for need in verneed.iter() {
        for aux in need.iter() {
            // A weak version (not a weak symbol) does not stop the loader.
            if aux.vna_flags & goblin::elf::symver::VER_FLG_WEAK != 0 {
                continue;
            }
            let Some(name) = elf.dynstrtab.get_at(aux.vna_name) else {
                continue;
            };
            let version = match name.strip_prefix("GLIBC_") {
                // `-z pack-relative-relocs` output: glibc 2.36's loader.
                Some("ABI_DT_RELR") => Some(Version(2, 36)),
                Some(number) => Version::parse(number),
                None => None,
            };
            newest = newest.max(version);
        }
    }
    newest
}

/// The floor of a set of files: the newest version any of them needs, and
/// the first file (in the order given) that needs it.
#[derive(Default)]
pub struct Floor {
    newest: Option<(Version, String)>,
}

impl Floor {
    /// Take `bytes`, known as `file`, into account.
    pub fn add(&mut self, file: &str, bytes: &[u8]) {
        if let Some(version) = needed(bytes) {
            self.note(file, version);
        }
    }

    /// `file` needs `version`.
    pub fn note(&mut self, file: &str, version: Version) {
        if self.newest.as_ref().is_none_or(|(v, _)| version > *v) {
            self.newest = Some((version, file.to_string()));
        }
    }

    pub fn version(&self) -> Option<Version> {
        self.newest.as_ref().map(|(v, _)| *v)
    }

    /// As the manifest records it.
    pub fn record(&self) -> Option<GlibcFloor> {
        self.newest.as_ref().map(|(version, file)| GlibcFloor {
            version: version.to_string(),
            file: file.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(Version::parse("2.35") > Version::parse("2.4"));
        assert_eq!(Version::parse("2.2.5"), Some(Version(2, 2)));
        assert_eq!(Version::parse("2.28.9000"), Some(Version(2, 28)));
        assert_eq!(Version::parse("PRIVATE"), None);
        assert_eq!(Version(2, 31).to_string(), "2.31");
    }

    #[test]
    fn the_floor_of_this_test_binary_is_a_glibc_version() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let version = needed(&me).expect("a glibc floor");
        assert!(version >= Version(2, 2), "{version}");
        let mut floor = Floor::default();
        floor.add("not elf", b"#!/bin/sh\n");
        assert_eq!(floor.version(), None);
        floor.add("me", &me);
        floor.add("me again", &me);
        let record = floor.record().unwrap();
        assert_eq!(
            (record.version, record.file),
            (version.to_string(), "me".into())
        );
    }
}
