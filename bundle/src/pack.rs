//! Packed executables (`pyfreeze build --pack`, Linux only): the bootloader
//! is replaced by the small `pyfreeze-unpack` stub followed by the real
//! bootloader compressed with zstd. The archive and trailer follow as in any
//! bundle, so the reader, `inspect` and `verify` find them the same way:
//!
//! ```text
//! [ pyfreeze-unpack ][ zstd frames ][ chunk table ][ pack tail: 40 bytes ][ payload ][ trailer ]
//! ```
//!
//! The runtime is cut into chunks, each one zstd frame with its checksum, so
//! that the stub can decompress them on all cores at once. The pack tail
//! (all integers little-endian):
//!
//! ```text
//! offset  size  field
//!      0     8  magic "PYFRPACK"
//!      8     4  pack format version (1)
//!     12     4  number of chunks
//!     16     8  size of the runtime, decompressed
//!     24     8  size of the zstd frames together
//!     32     8  reserved, zero
//! ```
//!
//! Each entry of the chunk table is two u64: the frame's compressed and
//! decompressed sizes. Like an unpacked bootloader, the runtime is outside
//! the archive's sha256; zstd's frame checksums catch a damaged one.

pub const MAGIC: &[u8; 8] = b"PYFRPACK";
pub const VERSION: u32 = 1;
pub const TAIL_LEN: usize = 40;
const CHUNK_ENTRY_LEN: usize = 16;

/// What a reader accepts, so that a hostile file cannot make the stub
/// allocate or loop without bound.
pub const MAX_CHUNKS: u32 = 4096;
pub const MAX_RUNTIME: u64 = 256 << 20;

/// Chunks of this size compress almost as well as one frame and share out
/// evenly over the cores that decompress them (2 MiB started hello 9% faster
/// than 4 MiB on 2 cores, for 2% more bytes).
pub const CHUNK_SIZE: usize = 2 << 20;

/// How the stub tells the bootloader it started from memory which file holds
/// the archive: `FD:PATH`, an open descriptor of that file and its path.
pub const LAUNCH_VAR: &str = "PYFREEZE_PACKED_FROM";

/// Every pyfreeze-unpack stub carries this string; the packager checks it.
pub const UNPACK_MARKER: &str = "PYFREEZE-UNPACK:pack=1;";
pub const UNPACK_MARKER_PREFIX: &str = "PYFREEZE-UNPACK:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub compressed: u64,
    pub raw: u64,
}

/// Where the parts of a packed prefix lie, as offsets into the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// End of the stub: where the zstd frames begin.
    pub stub_len: u64,
    pub runtime_len: u64,
    pub chunks: Vec<Chunk>,
}

impl Packed {
    /// Each frame's place in the file and in the decompressed runtime.
    pub fn frames(&self) -> impl Iterator<Item = (std::ops::Range<usize>, std::ops::Range<usize>)> {
        let mut at = self.stub_len as usize;
        let mut out = 0usize;
        self.chunks.iter().map(move |c| {
            let file = at..at + c.compressed as usize;
            let raw = out..out + c.raw as usize;
            at = file.end;
            out = raw.end;
            (file, raw)
        })
    }

    pub fn compressed_len(&self) -> u64 {
        self.chunks.iter().map(|c| c.compressed).sum()
    }
}

/// The chunk table and tail that follow the frames.
pub fn footer(chunks: &[Chunk]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunks.len() * CHUNK_ENTRY_LEN + TAIL_LEN);
    for c in chunks {
        out.extend_from_slice(&c.compressed.to_le_bytes());
        out.extend_from_slice(&c.raw.to_le_bytes());
    }
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(chunks.len() as u32).to_le_bytes());
    out.extend_from_slice(&chunks.iter().map(|c| c.raw).sum::<u64>().to_le_bytes());
    out.extend_from_slice(
        &chunks
            .iter()
            .map(|c| c.compressed)
            .sum::<u64>()
            .to_le_bytes(),
    );
    out.extend_from_slice(&0u64.to_le_bytes());
    out
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackError {
    #[error("the packed runtime's table is damaged: {0}")]
    Damaged(&'static str),
    #[error("packed with format {0}, this pyfreeze-unpack reads format {VERSION}")]
    Version(u32),
}

/// Read the pack tail that ends at `prefix.len()` (the payload's offset).
/// `Ok(None)`: the prefix is an ordinary bootloader, not a packed one.
pub fn read(prefix: &[u8]) -> Result<Option<Packed>, PackError> {
    let Some(tail_at) = prefix.len().checked_sub(TAIL_LEN) else {
        return Ok(None);
    };
    let tail = &prefix[tail_at..];
    if &tail[..8] != MAGIC {
        return Ok(None);
    }
    let u32_at = |i: usize| u32::from_le_bytes([tail[i], tail[i + 1], tail[i + 2], tail[i + 3]]);
    let u64_at = |b: &[u8], i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(a)
    };
    let version = u32_at(8);
    if version != VERSION {
        return Err(PackError::Version(version));
    }
    let count = u32_at(12);
    let runtime_len = u64_at(tail, 16);
    let frames_len = u64_at(tail, 24);
    if count == 0 || count > MAX_CHUNKS {
        return Err(PackError::Damaged("chunk count out of range"));
    }
    if runtime_len > MAX_RUNTIME || u64_at(tail, 32) != 0 {
        return Err(PackError::Damaged("sizes out of range"));
    }
    let table_len = count as usize * CHUNK_ENTRY_LEN;
    let table_at = tail_at
        .checked_sub(table_len)
        .ok_or(PackError::Damaged("table lies outside the file"))?;
    let stub_len = (table_at as u64)
        .checked_sub(frames_len)
        .ok_or(PackError::Damaged("frames lie outside the file"))?;
    let table = &prefix[table_at..tail_at];
    let chunks: Vec<Chunk> = table
        .chunks_exact(CHUNK_ENTRY_LEN)
        .map(|e| Chunk {
            compressed: u64_at(e, 0),
            raw: u64_at(e, 8),
        })
        .collect();
    let sum = |f: fn(&Chunk) -> u64| {
        chunks
            .iter()
            .try_fold(0u64, |acc, c| acc.checked_add(f(c)))
            .unwrap_or(u64::MAX)
    };
    if sum(|c| c.compressed) != frames_len || sum(|c| c.raw) != runtime_len {
        return Err(PackError::Damaged("chunk sizes do not add up"));
    }
    if chunks
        .iter()
        .any(|c| c.raw > MAX_RUNTIME || c.compressed == 0)
    {
        return Err(PackError::Damaged("chunk sizes out of range"));
    }
    Ok(Some(Packed {
        stub_len,
        runtime_len,
        chunks,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(stub: &[u8], frames: &[&[u8]], raw: &[u64]) -> Vec<u8> {
        let chunks: Vec<Chunk> = frames
            .iter()
            .zip(raw)
            .map(|(f, r)| Chunk {
                compressed: f.len() as u64,
                raw: *r,
            })
            .collect();
        let mut out = stub.to_vec();
        for f in frames {
            out.extend_from_slice(f);
        }
        out.extend_from_slice(&footer(&chunks));
        out
    }

    #[test]
    fn footer_round_trips() {
        let p = prefix(b"STUB", &[b"aaa", b"bb"], &[10, 7]);
        let packed = read(&p).unwrap().unwrap();
        assert_eq!(packed.stub_len, 4);
        assert_eq!(packed.runtime_len, 17);
        let frames: Vec<_> = packed.frames().collect();
        assert_eq!(frames, vec![(4..7, 0..10), (7..9, 10..17)]);
        assert_eq!(&p[frames[1].0.clone()], b"bb");
    }

    #[test]
    fn an_ordinary_bootloader_is_not_packed() {
        assert_eq!(read(b"\x7fELF plain bootloader bytes"), Ok(None));
        assert_eq!(read(b""), Ok(None));
    }

    #[test]
    fn damaged_tables_are_refused_not_trusted() {
        let good = prefix(b"STUB", &[b"aaa"], &[10]);
        let tail = good.len() - TAIL_LEN;
        // Frames longer than the file.
        let mut p = good.clone();
        p[tail + 24..tail + 32].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(read(&p).is_err());
        // Chunk count beyond the table.
        let mut p = good.clone();
        p[tail + 12..tail + 16].copy_from_slice(&MAX_CHUNKS.to_le_bytes());
        assert!(read(&p).is_err());
        // Decompressed size that does not match the chunks.
        let mut p = good.clone();
        p[tail + 16] ^= 1;
        assert!(read(&p).is_err());
        // Another version.
        let mut p = good;
        p[tail + 8] = 9;
        assert_eq!(read(&p), Err(PackError::Version(9)));
    }
}
