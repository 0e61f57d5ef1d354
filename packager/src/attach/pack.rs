//! `pyfreeze build --pack`: instead of the bootloader as it is, the output
//! begins with the small `pyfreeze-unpack` stub and the bootloader
//! compressed with zstd (layout in `pyfreeze_bundle::pack`): about 40% of
//! the size, for the time it takes to decompress at every start.
//! The compressed bootloader is cached per bootloader.

use super::bootloader::{self, Bootloader};
use crate::cache::Cache;
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::pack::{self, Chunk};
use pyfreeze_bundle::target::{Os, Target};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const STUB_STEM: &str = "pyfreeze-unpack";

/// Measured on the x86_64 bootloader (28.6 MB, 2 cores): level 12 packs
/// it into 10.2 MB in 0.5 s and decompresses at 1.5 GB/s per core; level 19
/// saves 1 MB more but takes 9 s to pack and decompresses 25% slower,
/// which every start would pay.
const LEVEL: i32 = 12;

pub struct Packed {
    pub stub: PathBuf,
    pub stub_bytes: Vec<u8>,
    /// The zstd frames, then the chunk table and pack tail.
    pub frames_and_footer: Vec<u8>,
}

impl Packed {
    /// Bytes before the archive: the stub, the frames and the footer.
    pub fn prefix_len(&self) -> u64 {
        (self.stub_bytes.len() + self.frames_and_footer.len()) as u64
    }
}

/// Refuse `--pack` early for targets it cannot serve.
pub fn check_target(target: &Target) -> Result<()> {
    if target.os != Os::Linux {
        bail!(
            "--pack works for Linux targets only (it runs the bootloader from an in-memory file, \
             which {} cannot do); build for {} without --pack",
            match target.os {
                Os::Windows => "Windows",
                Os::MacOs => "macOS",
                Os::Linux => "Linux",
            },
            target.triple
        );
    }
    Ok(())
}

/// The stub beside the bootloader, checked, and the bootloader compressed.
pub fn prepare(boot: &Bootloader, target: &Target, cache: &Cache) -> Result<Packed> {
    let stub = stub_path(&boot.path);
    let stub_bytes = check_stub(&stub, target)?;
    let frames_and_footer = compressed(boot.bytes(), cache)?;
    Ok(Packed {
        stub,
        stub_bytes,
        frames_and_footer,
    })
}

/// `pyfreeze-unpack` lives beside `pyfreeze-boot`, wherever that was found
/// (built in, too).
fn stub_path(boot: &Path) -> PathBuf {
    let suffix = boot
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    boot.with_file_name(format!("{STUB_STEM}{suffix}"))
}

fn check_stub(path: &Path, target: &Target) -> Result<Vec<u8>> {
    let bytes = bootloader::read(path).with_context(|| {
        format!(
            "--pack needs the {STUB_STEM} stub beside the bootloader, at {}; build it with \
             `cargo build --release --ignore-rust-version -p pyfreeze-unpack` (for another \
             target, take it from the same CI artifact as pyfreeze-boot)",
            path.display()
        )
    })?;
    bootloader::check_kind(&bytes, target)
        .with_context(|| format!("{} cannot be used as the unpack stub", path.display()))?;
    let marker = pack::UNPACK_MARKER.as_bytes();
    if memchr::memmem::find(&bytes, marker).is_none() {
        bail!(
            "{} is not a {STUB_STEM} stub of this pyfreeze (its marker {:?} is missing); use \
             the one built with this release",
            path.display(),
            pack::UNPACK_MARKER
        );
    }
    Ok(bytes)
}

/// The bootloader as zstd frames plus footer, from the cache when an
/// earlier build compressed the same bootloader.
fn compressed(boot: &[u8], cache: &Cache) -> Result<Vec<u8>> {
    let mut key = Sha256::new();
    key.update(format!(
        "packed-runtime;pack={};level={LEVEL};chunk={};zstd={}\0",
        pack::VERSION,
        pack::CHUNK_SIZE,
        zstd::zstd_safe::version_string()
    ));
    key.update(boot);
    let key = pyfreeze_bundle::hex(&key.finalize());
    if let Some(hit) = cache.load(&key).filter(|b| is_whole(b, boot.len())) {
        return Ok(hit);
    }
    let frames: Vec<Vec<u8>> = boot
        .par_chunks(pack::CHUNK_SIZE)
        .map(|chunk| -> Result<Vec<u8>> {
            let mut c = zstd::bulk::Compressor::new(LEVEL)?;
            c.include_checksum(true)?;
            c.include_contentsize(true)?;
            Ok(c.compress(chunk)?)
        })
        .collect::<Result<_>>()
        .context("cannot compress the bootloader")?;
    let chunks: Vec<Chunk> = frames
        .iter()
        .zip(boot.chunks(pack::CHUNK_SIZE))
        .map(|(f, raw)| Chunk {
            compressed: f.len() as u64,
            raw: raw.len() as u64,
        })
        .collect();
    let mut out = frames.concat();
    out.extend_from_slice(&pack::footer(&chunks));
    cache.put(&key, &out);
    Ok(out)
}

/// A cached entry describes a runtime of the expected size.
fn is_whole(frames_and_footer: &[u8], runtime_len: usize) -> bool {
    matches!(pack::read(frames_and_footer),
        Ok(Some(p)) if p.stub_len == 0 && p.runtime_len == runtime_len as u64)
}

/// Decompress a packed runtime (for `inspect` and `verify`): every frame's
/// checksum and size is checked.
pub fn unpack(file: &[u8], packed: &pack::Packed) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(packed.runtime_len as usize);
    for (from, raw) in packed.frames() {
        let frame = file
            .get(from)
            .context("a packed frame lies outside the file")?;
        let data = zstd::bulk::decompress(frame, raw.len()).context("a packed frame is damaged")?;
        if data.len() != raw.len() {
            bail!("a packed frame decompresses to the wrong size");
        }
        out.extend_from_slice(&data);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_round_trips_and_is_deterministic() {
        let boot: Vec<u8> = (0..(pack::CHUNK_SIZE * 2 + 12345))
            .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
            .collect();
        let cache = Cache::open(false);
        let a = compressed(&boot, &cache).unwrap();
        let b = compressed(&boot, &cache).unwrap();
        assert_eq!(a, b, "packing must be reproducible");
        let packed = pack::read(&a).unwrap().unwrap();
        assert_eq!(packed.chunks.len(), 3);
        assert_eq!(unpack(&a, &packed).unwrap(), boot);
        // A flipped byte inside a frame is caught by zstd's checksum.
        let mut bad = a.clone();
        bad[100] ^= 0x40;
        assert!(unpack(&bad, &packed).is_err());
    }
}
