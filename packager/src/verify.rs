//! `pyfreeze verify`: recompute every hash of a frozen executable.

use pyfreeze_bundle::{Bundle, BundleError};
use std::path::Path;
use std::process::ExitCode;

/// Exit 0: intact. Exit 1: damaged (each problem named). Exit 2: not a bundle.
pub fn verify(path: &Path, bytes: &[u8]) -> ExitCode {
    let shown = path.display();
    let bundle = match Bundle::open_unverified(bytes) {
        Ok(b) => b,
        Err(BundleError::NotABundle) => {
            eprintln!("error: {shown}: not a pyfreeze bundle");
            return ExitCode::from(2);
        }
        Err(e) => {
            println!("FAILED: {shown}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut problems: Vec<String> = bundle
        .damaged_files()
        .into_iter()
        .map(|(file, why)| format!("{file}: {why}"))
        .collect();
    if !bundle.payload_hash_ok() {
        problems.push(
            "archive checksum does not match the trailer (the zip structure, the manifest \
             or the trailer was modified)"
                .to_string(),
        );
    }
    if let Err(e) = bundle.check_bytecode(pyfreeze_bundle::BYTECODE_FORMAT) {
        problems.push(e.to_string());
    }
    if let Some(problem) = check_packed_runtime(&bytes[..bundle.bootloader_len as usize], bytes) {
        problems.push(problem);
    }
    if problems.is_empty() {
        println!(
            "OK: {shown}: {} files, {} modules, archive sha256 {}",
            bundle.manifest.files.len(),
            bundle.manifest.modules.len(),
            pyfreeze_bundle::hex(&bundle.trailer.sha256)
        );
        ExitCode::SUCCESS
    } else {
        println!("FAILED: {shown}");
        for p in problems {
            println!("  {p}");
        }
        ExitCode::from(1)
    }
}

/// With `--pack`: every frame of the runtime decompresses with a matching
/// checksum, into a bootloader for this bundle format.
fn check_packed_runtime(prefix: &[u8], file: &[u8]) -> Option<String> {
    let packed = match pyfreeze_bundle::pack::read(prefix) {
        Ok(Some(p)) => p,
        Ok(None) => return None,
        Err(e) => return Some(e.to_string()),
    };
    match crate::pack::unpack(file, &packed) {
        Err(e) => Some(format!("packed runtime: {e:#}")),
        Ok(runtime)
            if crate::bootloader::marker(&runtime) != Some(pyfreeze_bundle::BOOTLOADER_MARKER) =>
        {
            Some("packed runtime: not a bootloader for this bundle format".to_string())
        }
        Ok(_) => None,
    }
}
