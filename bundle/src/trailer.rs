//! The fixed-size trailer at the very end of a frozen executable.
//!
//! ```text
//! offset  size  field
//!      0     4  format version (u32 LE)
//!      4     4  flags (u32 LE, must be 0)
//!      8     8  payload offset in the file (u64 LE)
//!     16     8  payload length (u64 LE)
//!     24     8  manifest offset inside the payload (u64 LE)
//!     32     8  manifest length (u64 LE)
//!     40    32  sha256 of (payload bytes ++ trailer bytes 0..40)
//!     72    32  sha256 of (manifest bytes ++ trailer bytes 0..72)
//!    104     8  magic "PYFREEZE"
//! ```
//!
//! Two hashes, for two readers. A start checks only the second, over the
//! manifest and the trailer's fields (a few hundred kilobytes at most): the
//! manifest carries each entry's sha256 and CRC-32, and the runtime checks an
//! entry's CRC-32 whenever it reads it. Hashing the whole payload at every
//! start cost 10-36 ms for CPython bundles and put every page of the file in
//! the process's memory. `pyfreeze verify` checks the first, over every byte
//! of the payload, and every entry's sha256.

use sha2::{Digest, Sha256};

pub const MAGIC: &[u8; 8] = b"PYFREEZE";
pub const LEN: usize = 112;
/// Trailer bytes the payload hash covers (the fields before it).
const PAYLOAD_HASHED: usize = 40;
/// Trailer bytes the manifest hash covers (the fields and the payload hash).
const MANIFEST_HASHED: usize = 72;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    pub format: u32,
    pub flags: u32,
    pub payload_offset: u64,
    pub payload_len: u64,
    pub manifest_offset: u64,
    pub manifest_len: u64,
    /// Over the whole payload (and the fields before it): `pyfreeze verify`.
    pub sha256: [u8; 32],
    /// Over the manifest (and every field before it): checked at every start.
    pub manifest_sha256: [u8; 32],
}

impl Trailer {
    /// Build the trailer for `payload`, to be written right after it at `payload_offset`.
    pub fn for_payload(payload: &[u8], payload_offset: u64, manifest: (u64, u64)) -> Self {
        let mut t = Trailer {
            format: crate::FORMAT_VERSION,
            flags: 0,
            payload_offset,
            payload_len: payload.len() as u64,
            manifest_offset: manifest.0,
            manifest_len: manifest.1,
            sha256: [0; 32],
            manifest_sha256: [0; 32],
        };
        t.sha256 = t.compute_hash(payload);
        let start = usize::try_from(manifest.0).unwrap_or(usize::MAX);
        let end = usize::try_from(manifest.0.saturating_add(manifest.1)).unwrap_or(usize::MAX);
        t.manifest_sha256 = t.compute_manifest_hash(payload.get(start..end).unwrap_or_default());
        t
    }

    pub fn to_bytes(&self) -> [u8; LEN] {
        let mut b = [0u8; LEN];
        b[0..4].copy_from_slice(&self.format.to_le_bytes());
        b[4..8].copy_from_slice(&self.flags.to_le_bytes());
        b[8..16].copy_from_slice(&self.payload_offset.to_le_bytes());
        b[16..24].copy_from_slice(&self.payload_len.to_le_bytes());
        b[24..32].copy_from_slice(&self.manifest_offset.to_le_bytes());
        b[32..40].copy_from_slice(&self.manifest_len.to_le_bytes());
        b[40..72].copy_from_slice(&self.sha256);
        b[72..104].copy_from_slice(&self.manifest_sha256);
        b[104..112].copy_from_slice(MAGIC);
        b
    }

    /// Decode the last `LEN` bytes of a file. `None` when the magic is absent:
    /// the file is not a bundle (or something was appended after one).
    pub fn from_bytes(b: &[u8; LEN]) -> Option<Self> {
        if &b[104..112] != MAGIC {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(a)
        };
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(&b[40..72]);
        let mut manifest_sha256 = [0u8; 32];
        manifest_sha256.copy_from_slice(&b[72..104]);
        Some(Trailer {
            format: u32_at(0),
            flags: u32_at(4),
            payload_offset: u64_at(8),
            payload_len: u64_at(16),
            manifest_offset: u64_at(24),
            manifest_len: u64_at(32),
            sha256,
            manifest_sha256,
        })
    }

    /// The hash this trailer should carry for `payload`: one streaming pass.
    pub fn compute_hash(&self, payload: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(payload);
        h.update(&self.to_bytes()[..PAYLOAD_HASHED]);
        h.finalize().into()
    }

    /// The hash this trailer should carry for the manifest's bytes.
    pub fn compute_manifest_hash(&self, manifest: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(manifest);
        h.update(&self.to_bytes()[..MANIFEST_HASHED]);
        h.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hash_covers_the_fields() {
        let payload = b"payload bytes";
        let t = Trailer::for_payload(payload, 1000, (3, 4));
        let back = Trailer::from_bytes(&t.to_bytes()).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.compute_hash(payload), t.sha256);
        assert_eq!(back.compute_manifest_hash(b"load"), t.manifest_sha256);
        assert_ne!(back.compute_manifest_hash(b"loaD"), t.manifest_sha256);
        let mut moved = t;
        moved.manifest_len += 1;
        assert_ne!(moved.compute_hash(payload), t.sha256);
        assert_ne!(moved.compute_manifest_hash(b"load"), t.manifest_sha256);
        // The manifest hash also covers the payload hash.
        let mut other = t;
        other.sha256[0] ^= 1;
        assert_ne!(other.compute_manifest_hash(b"load"), t.manifest_sha256);
    }

    #[test]
    fn wrong_magic_is_not_a_trailer() {
        let mut b = Trailer::for_payload(b"", 0, (0, 0)).to_bytes();
        b[LEN - 1] ^= 1;
        assert!(Trailer::from_bytes(&b).is_none());
    }
}
