//! From an archive to an executable: find and check the bootloader
//! ([`bootloader`]), place the archive in it so the format stays valid and
//! signable ([`layout`]), or behind the unpack stub ([`pack`]), and write the
//! file only once everything succeeded ([`output`]).

pub mod bootloader;
pub mod embedded;
pub mod layout;
pub mod output;
pub mod pack;

use anyhow::Result;
use bootloader::Bootloader;
use output::Part;
use pack::Packed;
use pyfreeze_bundle::target::Format;
use pyfreeze_bundle::writer::Payload;
use std::path::Path;

/// Write `payload` after `boot` (or after the stub and the packed `boot`)
/// to `output`. Returns the executable's size.
pub fn write_executable(
    output: &Path,
    boot: &Bootloader,
    format: Format,
    packed: Option<&Packed>,
    payload: &Payload,
    inputs: &[&Path],
) -> Result<u64> {
    let attached = match packed {
        // The stub is an ordinary ELF file: what follows it is left alone.
        Some(p) => layout::Attached::Unchanged {
            trailer: payload.trailer(p.prefix_len()).to_bytes(),
        },
        None => layout::attach(boot.bytes(), format, payload)?,
    };
    let parts = match (&attached, packed) {
        (layout::Attached::Unchanged { trailer }, Some(p)) => vec![
            Part::Bytes(&p.stub_bytes),
            Part::Bytes(&p.frames_and_footer),
            Part::Bytes(&payload.bytes),
            Part::Bytes(trailer),
        ],
        (layout::Attached::Unchanged { trailer }, None) => vec![
            match boot.on_disk() {
                true => Part::File(&boot.path, boot.bytes().len() as u64),
                false => Part::Bytes(boot.bytes()),
            },
            Part::Bytes(&payload.bytes),
            Part::Bytes(trailer),
        ],
        (layout::Attached::Modified { prefix, trailer }, _) => vec![
            Part::Bytes(prefix),
            Part::Bytes(&payload.bytes),
            Part::Bytes(trailer),
        ],
    };
    let mut inputs = inputs.to_vec();
    inputs.push(&boot.path);
    if let Some(p) = packed {
        inputs.push(&p.stub);
    }
    output::write_executable(output, &parts, &inputs)?;
    let size = match packed {
        Some(p) => p.prefix_len() + (payload.bytes.len() + pyfreeze_bundle::trailer::LEN) as u64,
        None => attached.len(boot.bytes(), payload) as u64,
    };
    Ok(size)
}
