//! Bootloaders carried inside the `pyfreeze` binary itself, zstd-compressed
//! (the wheel's, and `--features embed-bootloaders`). They are decompressed
//! into memory and written straight into the output: never extracted to
//! disk. They are named by paths under `<built-in>/`, so that reports and
//! errors can show where a bootloader came from like any other.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// (target triple, file name, size, zstd-compressed bytes), from build.rs.
static FILES: &[(&str, &str, usize, &[u8])] = include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

const BUILT_IN: &str = "<built-in>";

/// The built-in file `file` for `triple`, as a path, if carried.
pub fn path(triple: &str, file: &str) -> Option<PathBuf> {
    find(triple, file).map(|_| Path::new(BUILT_IN).join(triple).join(file))
}

/// The bytes of a built-in file, decompressed; `None` when `path` does not
/// name one.
pub fn read(path: &Path) -> Option<Result<Vec<u8>>> {
    let (_, _, size, packed) = lookup(path)?;
    Some(
        zstd::bulk::decompress(packed, *size)
            .with_context(|| format!("the built-in {} is damaged", path.display())),
    )
}

/// Whether `path` names a built-in file (without decompressing it).
pub fn contains(path: &Path) -> bool {
    lookup(path).is_some()
}

fn lookup(path: &Path) -> Option<&'static (&'static str, &'static str, usize, &'static [u8])> {
    let rest = path.strip_prefix(BUILT_IN).ok()?;
    find(rest.parent()?.to_str()?, rest.file_name()?.to_str()?)
}

fn find(
    triple: &str,
    file: &str,
) -> Option<&'static (&'static str, &'static str, usize, &'static [u8])> {
    FILES.iter().find(|(t, f, _, _)| *t == triple && *f == file)
}

/// Every carried file: (triple, file name, size, compressed size).
pub fn list() -> impl Iterator<Item = (&'static str, &'static str, usize, usize)> {
    FILES.iter().map(|(t, f, s, p)| (*t, *f, *s, p.len()))
}
