//! Placing the archive in the bootloader so that each format stays valid,
//! and can still be code-signed afterwards:
//!
//! * ELF: appended after the last byte (the loader ignores it). `strip`
//!   rewrites the file without it; the bootloader then says so.
//! * PE: appended as an overlay after the last section. `signtool` can sign
//!   the result: the certificate table goes after the trailer, where the
//!   bootloader looks too.
//! * Mach-O: appended inside `__LINKEDIT`, whose size (and the string
//!   table's, which ends it) is extended to cover it, because `codesign`
//!   refuses data after `__LINKEDIT`. An ad-hoc signature already in the
//!   bootloader is removed first; sign the result with `codesign` (arm64
//!   macOS runs only signed code: `codesign -s - app` at least).

use anyhow::{Context, Result, bail};
use pyfreeze_bundle::signature::LC_CODE_SIGNATURE;
use pyfreeze_bundle::target::Format;
use pyfreeze_bundle::writer::Payload;

/// How the output begins: the bootloader as it is (ELF, PE), or changed to
/// make room for the archive (Mach-O). The archive and the trailer follow.
pub enum Attached {
    Unchanged {
        trailer: [u8; pyfreeze_bundle::trailer::LEN],
    },
    Modified {
        prefix: Vec<u8>,
        trailer: [u8; pyfreeze_bundle::trailer::LEN],
    },
}

impl Attached {
    pub fn len(&self, boot: &[u8], payload: &Payload) -> usize {
        let prefix = match self {
            Attached::Unchanged { .. } => boot.len(),
            Attached::Modified { prefix, .. } => prefix.len(),
        };
        prefix + payload.bytes.len() + pyfreeze_bundle::trailer::LEN
    }
}

/// Place `payload` for the bootloader `boot` of `format`.
pub fn attach(boot: &[u8], format: Format, payload: &Payload) -> Result<Attached> {
    match format {
        Format::Elf => Ok(unchanged(boot, payload)),
        Format::Pe => {
            if pyfreeze_bundle::signature::signature_start(boot).is_some() {
                bail!(
                    "the bootloader is Authenticode-signed; use an unsigned bootloader and sign \
                     the built executable instead"
                );
            }
            Ok(unchanged(boot, payload))
        }
        Format::MachO => macho(boot, payload),
    }
}

fn unchanged(boot: &[u8], payload: &Payload) -> Attached {
    Attached::Unchanged {
        trailer: payload.trailer(boot.len() as u64).to_bytes(),
    }
}

fn append(mut out: Vec<u8>, payload: &Payload) -> Vec<u8> {
    let trailer = payload.trailer(out.len() as u64).to_bytes();
    out.extend_from_slice(&payload.bytes);
    out.extend_from_slice(&trailer);
    out
}

const LC_SEGMENT_64: u32 = 0x19;
const LC_SYMTAB: u32 = 0x2;
const MACH_HEADER_64: usize = 32;
/// Segment sizes in memory are whole pages: 16 KiB on arm64, a multiple of 4 KiB.
const PAGE: u64 = 0x4000;

fn macho(boot: &[u8], payload: &Payload) -> Result<Attached> {
    let mut out = boot.to_vec();
    let rd32 = |b: &[u8], at: usize| -> Result<u32> {
        Ok(u32::from_le_bytes(
            b.get(at..at + 4)
                .context("Mach-O header cut short")?
                .try_into()?,
        ))
    };
    let rd64 = |b: &[u8], at: usize| -> Result<u64> {
        Ok(u64::from_le_bytes(
            b.get(at..at + 8)
                .context("Mach-O header cut short")?
                .try_into()?,
        ))
    };
    let commands = |b: &[u8]| -> Result<Vec<(usize, u32, usize)>> {
        let ncmds = rd32(b, 16)? as usize;
        let mut at = MACH_HEADER_64;
        let mut found = Vec::with_capacity(ncmds);
        for _ in 0..ncmds {
            let cmd = rd32(b, at)?;
            let size = rd32(b, at + 4)? as usize;
            if size < 8 {
                bail!("malformed Mach-O load command at {at}");
            }
            found.push((at, cmd, size));
            at += size;
        }
        Ok(found)
    };

    // 1. Drop an existing (ad-hoc) signature: it covers the old file only.
    let mut signature_removed = false;
    if let Some(&(at, _, size)) = commands(&out)?.iter().find(|c| c.1 == LC_CODE_SIGNATURE) {
        let dataoff = rd32(&out, at + 8)? as usize;
        let datasize = rd32(&out, at + 12)? as usize;
        if dataoff + datasize != out.len() {
            bail!(
                "the bootloader's code signature does not end the file; cannot place the archive"
            );
        }
        let ncmds = rd32(&out, 16)?;
        let sizeofcmds = rd32(&out, 20)?;
        let end_of_commands = MACH_HEADER_64 + sizeofcmds as usize;
        out.drain(at..at + size);
        out.splice(
            end_of_commands - size..end_of_commands - size,
            std::iter::repeat_n(0u8, size),
        );
        out[16..20].copy_from_slice(&(ncmds - 1).to_le_bytes());
        out[20..24].copy_from_slice(&(sizeofcmds - size as u32).to_le_bytes());
        out.truncate(dataoff);
        signature_removed = true;
    }

    // 2. __LINKEDIT must end the file, with the string table last in it.
    let cmds = commands(&out)?;
    let linkedit = cmds
        .iter()
        .find(|&&(at, cmd, _)| {
            cmd == LC_SEGMENT_64
                && out
                    .get(at + 8..at + 24)
                    .is_some_and(|n| n.starts_with(b"__LINKEDIT\0"))
        })
        .map(|c| c.0)
        .context("the bootloader has no __LINKEDIT segment")?;
    let fileoff = rd64(&out, linkedit + 40)?;
    let mut old_end = fileoff + rd64(&out, linkedit + 48)?;
    if signature_removed && old_end > out.len() as u64 {
        old_end = out.len() as u64; // it covered the signature just removed
    }
    if old_end != out.len() as u64 {
        bail!(
            "the bootloader's __LINKEDIT segment does not end the file; cannot place the archive in it"
        );
    }
    let symtab = cmds.iter().find(|c| c.1 == LC_SYMTAB).map(|c| c.0);

    // 3. Append, then grow __LINKEDIT (and the string table ending it) over it.
    let mut out = append(out, payload);
    let filesize = out.len() as u64 - fileoff;
    out[linkedit + 48..linkedit + 56].copy_from_slice(&filesize.to_le_bytes());
    out[linkedit + 32..linkedit + 40]
        .copy_from_slice(&filesize.div_ceil(PAGE).saturating_mul(PAGE).to_le_bytes());
    if let Some(at) = symtab {
        let stroff = rd32(&out, at + 16)? as u64;
        let strsize = rd32(&out, at + 20)? as u64;
        // The string table ends __LINKEDIT, give or take alignment padding.
        if stroff + strsize <= old_end && old_end - (stroff + strsize) < 16 {
            let grown = u32::try_from(out.len() as u64 - stroff)
                .context("archive too large for a Mach-O string table")?;
            out[at + 20..at + 24].copy_from_slice(&grown.to_le_bytes());
        }
    }
    // Split the finished file back into the changed bootloader and the trailer.
    let prefix_len = out.len() - payload.bytes.len() - pyfreeze_bundle::trailer::LEN;
    let mut trailer = [0u8; pyfreeze_bundle::trailer::LEN];
    trailer.copy_from_slice(&out[out.len() - pyfreeze_bundle::trailer::LEN..]);
    out.truncate(prefix_len);
    Ok(Attached::Modified {
        prefix: out,
        trailer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyfreeze_bundle::manifest::{BuildInfo, Entry, Manifest};
    use pyfreeze_bundle::writer::BundleWriter;

    fn fixture(name: &str) -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/bootloaders/"
        );
        std::fs::read(format!("{path}{name}")).unwrap()
    }

    fn payload() -> Payload {
        let mut w = BundleWriter::new(None);
        w.add(
            "m.pyc".into(),
            b"not really bytecode".to_vec(),
            Compression::Deflate,
        )
        .unwrap();
        w.finish(Manifest {
            format: pyfreeze_bundle::FORMAT_VERSION,
            bytecode: "test".into(),
            entry: Entry::Script {
                module: "__main__".into(),
            },
            build: BuildInfo::default(),
            runtime: None,
            modules: vec![pyfreeze_bundle::ModuleRecord {
                name: "__main__".into(),
                kind: pyfreeze_bundle::ModuleKind::Module,
                origin: pyfreeze_bundle::Origin::User,
                path: "m.py".into(),
                code: Some("m.pyc".into()),
                source: None,
                on_disk: false,
            }],
            env: Default::default(),
            libraries: Vec::new(),
            prefetch: Vec::new(),
            build_files: Vec::new(),
            files: Vec::new(),
        })
        .unwrap()
    }
    use pyfreeze_bundle::Compression;

    /// The executable as written: prefix, payload, trailer.
    fn assemble(boot: &[u8], attached: &Attached, payload: &Payload) -> Vec<u8> {
        let (prefix, trailer) = match attached {
            Attached::Unchanged { trailer } => (boot.to_vec(), trailer),
            Attached::Modified { prefix, trailer } => (prefix.clone(), trailer),
        };
        [&prefix[..], &payload.bytes, &trailer[..]].concat()
    }

    #[test]
    fn elf_and_pe_get_the_archive_appended() {
        let p = payload();
        for (name, format) in [
            ("x86_64-linux-gnu", Format::Elf),
            ("x86_64-windows-gnu.exe", Format::Pe),
        ] {
            let boot = fixture(name);
            let attached = attach(&boot, format, &p).unwrap();
            assert!(matches!(attached, Attached::Unchanged { .. }), "{name}");
            let file = assemble(&boot, &attached, &p);
            assert_eq!(attached.len(&boot, &p), file.len());
            let bundle = pyfreeze_bundle::Bundle::open(&file).unwrap();
            assert_eq!(bundle.bootloader_len, boot.len() as u64, "{name}");
            assert!(goblin::Object::parse(&file).is_ok(), "{name} still parses");
        }
    }

    #[test]
    fn mach_o_linkedit_and_string_table_grow_over_the_archive() {
        let p = payload();
        for name in ["x86_64-macos", "aarch64-macos"] {
            let boot = fixture(name);
            let attached = attach(&boot, Format::MachO, &p).unwrap();
            let file = assemble(&boot, &attached, &p);
            assert!(pyfreeze_bundle::Bundle::open(&file).is_ok(), "{name}");
            let goblin::mach::Mach::Binary(macho) = goblin::mach::Mach::parse(&file).unwrap()
            else {
                panic!("{name}: not a thin Mach-O");
            };
            let linkedit = macho
                .segments
                .iter()
                .find(|s| s.name().ok() == Some("__LINKEDIT"))
                .unwrap();
            assert_eq!(
                linkedit.fileoff + linkedit.filesize,
                file.len() as u64,
                "{name}"
            );
            assert!(linkedit.vmsize >= linkedit.filesize && linkedit.vmsize % PAGE == 0);
            // No signature is left over: it would cover the old file only.
            assert!(
                !macho
                    .load_commands
                    .iter()
                    .any(|c| c.command.cmd() == LC_CODE_SIGNATURE),
                "{name}: stale signature"
            );
            let symtab = macho.load_commands.iter().find_map(|c| match c.command {
                goblin::mach::load_command::CommandVariant::Symtab(s) => Some(s),
                _ => None,
            });
            if let Some(s) = symtab {
                assert_eq!(
                    (s.stroff + s.strsize) as usize,
                    file.len(),
                    "{name}: strtab ends the file"
                );
            }
        }
    }

    #[test]
    fn a_mach_o_whose_linkedit_does_not_end_the_file_is_refused() {
        let mut boot = fixture("x86_64-macos");
        boot.extend_from_slice(&[0u8; 64]);
        let err = attach(&boot, Format::MachO, &payload()).err().unwrap();
        assert!(err.to_string().contains("__LINKEDIT"), "{err}");
    }
}
