//! The pyfreeze bundle format, shared by the packager (writes it, inspects it)
//! and the bootloader (reads it at every start).
//!
//! An executable built by pyfreeze is laid out as
//!
//! ```text
//! [ bootloader (ELF / PE / Mach-O) ][ payload: a zip archive ][ trailer: 112 bytes ]
//! ```
//!
//! * The payload is an ordinary zip archive, so `unzip -l app` lists it. Its
//!   last entry is `__pyfreeze__/manifest.json`, which records every other
//!   entry's offset, size, sha256 and CRC-32, and every module's name, kind
//!   and files.
//! * The trailer (see [`trailer`]) says where the payload and the manifest are
//!   and carries two sha256: one over the manifest (and the trailer), which the
//!   bootloader checks before any Python code runs, and one over the whole
//!   payload, which `pyfreeze verify` checks. The runtime checks each entry's
//!   CRC-32 whenever it reads the entry ([`Bundle::read`]).
//!
//! The reader never trusts a number it reads: every offset, size and count is
//! checked against the file and against [`limits`] before it is used.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(all(test, feature = "write"))]
mod fuzz;
#[cfg(feature = "launch")]
pub mod launch;
pub mod limits;
pub mod manifest;
#[cfg(all(unix, feature = "own-exe"))]
pub mod own_exe;
pub mod pack;
#[cfg(feature = "private-dirs")]
pub mod private_dir;
pub mod reader;
pub mod runtime;
pub mod signature;
pub mod target;
pub mod trailer;
#[cfg(feature = "write")]
pub mod writer;

pub use manifest::{Compression, FileRecord, Manifest, ModuleKind, ModuleRecord, Origin};
pub use reader::{Bundle, BundleError};
pub use trailer::Trailer;

/// Version of the bundle layout (trailer + manifest schema). Bumped on any
/// change a bootloader of the previous version could misread.
pub const FORMAT_VERSION: u32 = 3;

/// Every pyfreeze bootloader carries a marker that starts with this string
/// and states the bundle and bytecode formats it reads (see [`runtime`]).
pub const BOOTLOADER_MARKER_PREFIX: &str = "PYFREEZE-BOOTLOADER:";

/// The archive's own directory: the manifest, and what a runtime needs
/// besides modules (its shared libraries, its importer's index).
pub const PYFREEZE_DIR: &str = "__pyfreeze__";

/// Name of the manifest inside the zip payload.
pub const MANIFEST_PATH: &str = "__pyfreeze__/manifest.json";

/// Archive paths of modules are `<virtual path>c` for bytecode and the virtual
/// path itself (`pkg/mod.py`) for source, as in a `__pycache__`-less tree.
pub fn bytecode_path(source_path: &str) -> String {
    format!("{source_path}c")
}

/// CRC-32 (as zip computes it): what the runtime checks an entry against
/// when it reads it, at several GB/s.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// sha256 as lowercase hex, the form the manifest stores.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
