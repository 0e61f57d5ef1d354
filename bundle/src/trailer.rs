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
//!     72     8  magic "PYFREEZE"
//! ```
//!
//! The hash covers the trailer's own fields, so changing any byte of the
//! payload or of the trailer is detected.

use sha2::{Digest, Sha256};

pub const MAGIC: &[u8; 8] = b"PYFREEZE";
pub const LEN: usize = 80;
const HASHED_FIELDS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    pub format: u32,
    pub flags: u32,
    pub payload_offset: u64,
    pub payload_len: u64,
    pub manifest_offset: u64,
    pub manifest_len: u64,
    pub sha256: [u8; 32],
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
        };
        t.sha256 = t.compute_hash(payload);
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
        b[72..80].copy_from_slice(MAGIC);
        b
    }

    /// Decode the last `LEN` bytes of a file. `None` when the magic is absent:
    /// the file is not a bundle (or something was appended after one).
    pub fn from_bytes(b: &[u8; LEN]) -> Option<Self> {
        if &b[72..80] != MAGIC {
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
        Some(Trailer {
            format: u32_at(0),
            flags: u32_at(4),
            payload_offset: u64_at(8),
            payload_len: u64_at(16),
            manifest_offset: u64_at(24),
            manifest_len: u64_at(32),
            sha256,
        })
    }

    /// The hash this trailer should carry for `payload`: one streaming pass.
    pub fn compute_hash(&self, payload: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(payload);
        h.update(&self.to_bytes()[..HASHED_FIELDS]);
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
        let mut moved = t;
        moved.manifest_len += 1;
        assert_ne!(moved.compute_hash(payload), t.sha256);
    }

    #[test]
    fn wrong_magic_is_not_a_trailer() {
        let mut b = Trailer::for_payload(b"", 0, (0, 0)).to_bytes();
        b[79] ^= 1;
        assert!(Trailer::from_bytes(&b).is_none());
    }
}
