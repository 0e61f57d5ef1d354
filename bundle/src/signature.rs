//! Finding the bundle in an executable that was code-signed after it was
//! built. Signing appends the signature after everything else: a Mach-O code
//! signature (the blob `LC_CODE_SIGNATURE` points at, at the end of
//! `__LINKEDIT`) or a PE Authenticode certificate table (the security data
//! directory). The trailer then sits right before that signature, not at the
//! end of the file. Only the few header fields needed are read, each bounds-
//! checked.

/// Where a signature appended to `file` begins, if it has one at its end.
pub fn signature_start(file: &[u8]) -> Option<usize> {
    macho_code_signature(file).or_else(|| pe_certificate_table(file))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

const MH_MAGIC_64: u32 = 0xfeed_facf;
pub const LC_CODE_SIGNATURE: u32 = 0x1d;

/// `LC_CODE_SIGNATURE`'s data offset, when the signature ends the file.
fn macho_code_signature(file: &[u8]) -> Option<usize> {
    if u32_at(file, 0)? != MH_MAGIC_64 {
        return None;
    }
    let ncmds = u32_at(file, 16)? as usize;
    let mut at = 32usize;
    for _ in 0..ncmds.min(4096) {
        let cmd = u32_at(file, at)?;
        let size = u32_at(file, at + 4)? as usize;
        if cmd == LC_CODE_SIGNATURE {
            let off = u32_at(file, at + 8)? as usize;
            let len = u32_at(file, at + 12)? as usize;
            return (off.checked_add(len)? == file.len()).then_some(off);
        }
        if size < 8 {
            return None;
        }
        at = at.checked_add(size)?;
    }
    None
}

/// The Authenticode certificate table's offset, when it ends the file.
fn pe_certificate_table(file: &[u8]) -> Option<usize> {
    if file.get(0..2)? != b"MZ" {
        return None;
    }
    let pe = u32_at(file, 0x3c)? as usize;
    if file.get(pe..pe.checked_add(4)?)? != b"PE\0\0" {
        return None;
    }
    let optional = pe + 24;
    let directories = match u16_at(file, optional)? {
        0x20b => optional + 112, // PE32+
        0x10b => optional + 96,  // PE32
        _ => return None,
    };
    let security = directories + 4 * 8;
    let off = u32_at(file, security)? as usize;
    let len = u32_at(file, security + 4)? as usize;
    (off != 0 && off.checked_add(len)? == file.len()).then_some(off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_found_in_foreign_or_short_files() {
        assert_eq!(signature_start(b""), None);
        assert_eq!(signature_start(b"MZ"), None);
        assert_eq!(signature_start(&[0xcf, 0xfa, 0xed, 0xfe]), None);
        assert_eq!(signature_start(&[0u8; 4096]), None);
    }
}
