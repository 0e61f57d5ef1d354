//! Bounds the reader enforces on anything a bundle claims, so that a hostile
//! or damaged file is refused with a message instead of exhausting memory.

/// Largest manifest accepted (a 10,000-module bundle has a manifest of ~3 MB).
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;
/// Most files and modules one bundle may list.
pub const MAX_ENTRIES: usize = 200_000;
/// Largest single file once unpacked.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Longest archive path or dotted module name.
pub const MAX_NAME_LEN: usize = 1024;
/// Deepest package nesting (`a.b.c...`).
pub const MAX_NESTING: usize = 64;

/// The largest zstd window (log2 bytes) a reader accepts: the writer's
/// levels use at most 8 MiB, so 2^27 leaves room and bounds what a crafted
/// entry can make the decoder allocate.
pub const ZSTD_WINDOW_LOG_MAX: u32 = 27;
