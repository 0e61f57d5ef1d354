//! `pyfreeze extract`: unpack a frozen executable's archive into a directory:
//! module source where it was carried (bytecode where not), data files and
//! the manifest. Never writes outside the directory.

use anyhow::{Context, Result, bail};
use pyfreeze_bundle::Bundle;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Component, Path};

/// Refuse archives that claim to unpack to more than this.
const MAX_TOTAL_BYTES: u64 = 8 << 30;

/// Unpack the executable at `exe` into `dir` (new or empty); returns how
/// many files were written.
pub fn extract(exe: &Path, dir: &Path) -> Result<usize, super::ToolError> {
    let bytes = crate::tools::inspect::map(exe).map_err(super::ToolError::Unreadable)?;
    let bundle =
        Bundle::open_unverified(&bytes).map_err(|e| super::ToolError::from_bundle(exe, e))?;
    if !bundle.checksums_ok() {
        return Err(super::ToolError::Damaged {
            path: exe.to_path_buf(),
            problems: vec![
                "the archive checksum does not match; run `pyfreeze verify` to see what is damaged"
                    .into(),
            ],
        });
    }
    extract_bundle(&bundle, dir).map_err(|message| super::ToolError::Other {
        path: exe.to_path_buf(),
        message,
    })
}

fn extract_bundle(bundle: &Bundle<'_>, dir: &Path) -> Result<usize> {
    let m = &bundle.manifest;
    let total: u64 = m.files.iter().map(|f| f.size).sum();
    if total > MAX_TOTAL_BYTES {
        bail!(
            "the archive claims {total} unpacked bytes (limit {MAX_TOTAL_BYTES}); refusing to extract"
        );
    }
    // Like build's -o: never replace a file, never follow into a device.
    if let Ok(meta) = std::fs::metadata(dir)
        && !meta.is_dir()
    {
        bail!(
            "{} exists and is not a directory; extract into a new or empty directory",
            dir.display()
        );
    }
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{} is not empty; extract into a new or empty directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;

    // Bytecode only where the module's source was not carried.
    let with_source: HashSet<&str> = m
        .modules
        .iter()
        .filter(|r| r.source.is_some())
        .filter_map(|r| r.code.as_deref())
        .collect();
    let mut written = 0;
    for rec in m
        .files
        .iter()
        .filter(|f| !with_source.contains(f.path.as_str()))
    {
        let data = bundle.read(rec)?;
        write_inside(dir, &rec.path, &data)?;
        written += 1;
    }
    let manifest = serde_json::to_vec_pretty(m)?;
    write_inside(dir, pyfreeze_bundle::MANIFEST_PATH, &manifest)?;
    Ok(written + 1)
}

/// Write `rel` under `dir`, refusing absolute paths, `..`, and symlinks on the way.
fn write_inside(dir: &Path, rel: &str, data: &[u8]) -> Result<()> {
    if !pyfreeze_bundle::reader::is_safe_relative_path(rel) {
        bail!("refusing to extract {rel:?}: it would leave the target directory");
    }
    let rel_path = Path::new(rel);
    if rel_path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        bail!("refusing to extract {rel:?}: it would leave the target directory");
    }
    let mut at = dir.to_path_buf();
    let mut components = rel_path.components().peekable();
    while let Some(component) = components.next() {
        at.push(component);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                bail!("refusing to extract {rel:?}: {} is a symlink", at.display())
            }
            Ok(meta) if components.peek().is_some() && !meta.is_dir() => {
                bail!(
                    "cannot extract {rel:?}: {} is not a directory",
                    at.display()
                )
            }
            Ok(_) if components.peek().is_none() => bail!("{} exists already", at.display()),
            Ok(_) => {}
            Err(_) if components.peek().is_some() => std::fs::create_dir(&at)?,
            Err(_) => {}
        }
    }
    // create_new: fails rather than following a symlink planted since the check.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&at)
        .with_context(|| format!("cannot write {}", at.display()))?;
    file.write_all(data)?;
    Ok(())
}
