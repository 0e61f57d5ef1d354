//! `pyfreeze verify`: recompute every hash of a frozen executable.

use crate::attach::{bootloader, pack};
use anyhow::Result;
use pyfreeze_bundle::{Bundle, BundleError};
use std::path::Path;

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every hash matches.
    Intact {
        files: usize,
        modules: usize,
        sha256: String,
    },
    /// Each problem, one line each.
    Damaged(Vec<String>),
    /// The file is not a pyfreeze bundle at all.
    NotABundle,
}

/// Check every entry's sha256, the archive checksum, the bytecode format
/// and (for `--pack`) every frame of the packed runtime.
pub fn verify(path: &Path) -> Result<Verification, super::ToolError> {
    let bytes = crate::tools::inspect::map(path).map_err(super::ToolError::Unreadable)?;
    Ok(verify_bytes(&bytes))
}

fn verify_bytes(bytes: &[u8]) -> Verification {
    let bundle = match Bundle::open_unverified(bytes) {
        Ok(b) => b,
        Err(BundleError::NotABundle) => return Verification::NotABundle,
        Err(e) => return Verification::Damaged(vec![e.to_string()]),
    };
    let mut problems: Vec<String> = bundle
        .damaged_files()
        .into_iter()
        .map(|(file, why)| format!("{file}: {why}"))
        .collect();
    // What the CPython runtime reads instead of the manifest says the same.
    problems.extend(crate::tools::index::disagreements(&bundle));
    if !bundle.checksums_ok() {
        problems.push(
            "archive checksum does not match the trailer (the zip structure, the manifest \
             or the trailer was modified)"
                .to_string(),
        );
    }
    let bytecode = &bundle.manifest.bytecode;
    let runtime = crate::runtime::for_bytecode(bytecode);
    if runtime.is_none() {
        let known: Vec<&str> = crate::runtime::KNOWN.iter().map(|r| r.formats).collect();
        problems.push(
            BundleError::IncompatibleBytecode {
                found: bytecode.clone(),
                expected: known.join(" or "),
            }
            .to_string(),
        );
    }
    let prefix = &bytes[..bundle.bootloader_len as usize];
    if let Some(problem) = check_packed_runtime(prefix, bytes, runtime.map(|r| r.marker)) {
        problems.push(problem);
    }
    if problems.is_empty() {
        Verification::Intact {
            files: bundle.manifest.files.len(),
            modules: bundle.manifest.modules.len(),
            sha256: pyfreeze_bundle::hex(&bundle.trailer.sha256),
        }
    } else {
        Verification::Damaged(problems)
    }
}

/// With `--pack`: every frame of the runtime decompresses with a matching
/// checksum, into a bootloader for this bundle format.
fn check_packed_runtime(prefix: &[u8], file: &[u8], marker: Option<&str>) -> Option<String> {
    let packed = match pyfreeze_bundle::pack::read(prefix) {
        Ok(Some(p)) => p,
        Ok(None) => return None,
        Err(e) => return Some(e.to_string()),
    };
    match pack::unpack(file, &packed) {
        Err(e) => Some(format!("packed runtime: {e:#}")),
        Ok(runtime) if marker.is_none() || bootloader::marker(&runtime) != marker => {
            Some("packed runtime: not a bootloader for this bundle format".to_string())
        }
        Ok(_) => None,
    }
}
