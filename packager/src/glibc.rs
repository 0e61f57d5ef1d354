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
    // (flags, name offset) of each version needed.
    let needs: Vec<(u16, usize)> = match &elf.verneed {
        Some(verneed) => verneed
            .iter()
            .flat_map(|need| {
                need.iter()
                    .map(|aux| (aux.vna_flags, aux.vna_name))
                    .collect::<Vec<_>>()
            })
            .collect(),
        // Without section headers (stripped to what the loader reads), the
        // same table through the dynamic segment.
        None => dynamic_verneed(&elf, bytes),
    };
    let mut newest = None;
    for (flags, name) in needs {
        // A weak version (not a weak symbol) does not stop the loader.
        if flags & goblin::elf::symver::VER_FLG_WEAK != 0 {
            continue;
        }
        let Some(name) = elf.dynstrtab.get_at(name) else {
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
    newest
}

/// The version-needed table (`DT_VERNEED`, `DT_VERNEEDNUM`) read through
/// the program headers: (`vna_flags`, `vna_name`) of each entry.
fn dynamic_verneed(elf: &goblin::elf::Elf<'_>, bytes: &[u8]) -> Vec<(u16, usize)> {
    use goblin::elf::dynamic::{DT_VERNEED, DT_VERNEEDNUM};
    let Some(dynamic) = &elf.dynamic else {
        return Vec::new();
    };
    let value = |tag| {
        dynamic
            .dyns
            .iter()
            .find(|d| d.d_tag == tag)
            .map(|d| d.d_val)
    };
    let (Some(at), Some(count)) = (value(DT_VERNEED), value(DT_VERNEEDNUM)) else {
        return Vec::new();
    };
    // The table's address, as a file offset.
    let Some(offset) = elf.program_headers.iter().find_map(|ph| {
        (ph.p_type == goblin::elf::program_header::PT_LOAD
            && at >= ph.p_vaddr
            && at < ph.p_vaddr + ph.p_filesz)
            .then(|| at - ph.p_vaddr + ph.p_offset)
    }) else {
        return Vec::new();
    };
    let read16 = |at: u64| -> Option<u16> {
        let at = usize::try_from(at).ok()?;
        Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
    };
    let read32 = |at: u64| -> Option<u32> {
        let at = usize::try_from(at).ok()?;
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let mut out = Vec::new();
    let mut need = offset;
    // Elf_Verneed: version u16, cnt u16, file u32, aux u32, next u32;
    // Elf_Vernaux: hash u32, flags u16, other u16, name u32, next u32.
    for _ in 0..count.min(256) {
        let (Some(cnt), Some(aux), Some(next)) =
            (read16(need + 2), read32(need + 8), read32(need + 12))
        else {
            break;
        };
        let mut entry = need + u64::from(aux);
        for _ in 0..cnt {
            let (Some(flags), Some(name), Some(next_aux)) =
                (read16(entry + 4), read32(entry + 8), read32(entry + 12))
            else {
                break;
            };
            out.push((flags, name as usize));
            entry += u64::from(next_aux);
        }
        if next == 0 {
            break;
        }
        need += u64::from(next);
    }
    out
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
        // Without section headers (as the CPython runtime strips libraries),
        // the same floor through the dynamic segment.
        let mut stripped = me.clone();
        stripped[0x28..0x30].fill(0);
        stripped[0x3c..0x40].fill(0);
        assert_eq!(needed(&stripped), Some(version));
    }
}
