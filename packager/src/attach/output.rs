//! Writing the executable so that a failed build never leaves a partial file
//! and never destroys a user's file: the target is checked first (see
//! [`check_target`]), then a temporary file written beside it is renamed
//! over it.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// A piece of the output: bytes, or a whole file copied by the kernel
/// (`copy_file_range`, a reflink where the file system can) instead of
/// through memory.
pub enum Part<'a> {
    Bytes(&'a [u8]),
    /// A file and the length it had when it was checked.
    File(&'a Path, u64),
}

/// Refuse an output path whose file must not be replaced: anything but a
/// regular file (a device, a FIFO, a directory), one of the build's
/// `inputs` (or a symlink to one), or (with `all_inputs_known`, so that an
/// input is named as such first) a file that is not a pyfreeze executable.
/// Nothing on disk changes when this fails.
pub fn check_target(path: &Path, inputs: &[&Path], all_inputs_known: bool) -> Result<()> {
    let Ok(link) = std::fs::symlink_metadata(path) else {
        return Ok(()); // a new file
    };
    // A symlink is judged by what it points to (the rename replaces only
    // the link, but its target is what the user named).
    let meta = match link.file_type().is_symlink() {
        true => match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(_) => return Ok(()), // dangling: the link alone is replaced
        },
        false => link,
    };
    let refuse = |message: String| -> anyhow::Error {
        crate::BuildError::RefusedOutput {
            path: path.to_path_buf(),
            message,
        }
        .into()
    };
    if meta.is_dir() {
        return Err(refuse("is a directory; pass a file name with -o".into()));
    }
    if !meta.is_file() {
        return Err(refuse(
            "is not a regular file (a device, FIFO or socket); pyfreeze replaces only regular \
             files. Pass another path with -o"
                .into(),
        ));
    }
    if let Some(input) = inputs.iter().find(|i| same_file(&meta, i)) {
        return Err(refuse(format!(
            "is {}, which this build reads; writing there would destroy it. Pass another path \
             with -o",
            match input == &path {
                true => "one of the build's inputs".to_string(),
                false => format!("the build's input {}", input.display()),
            }
        )));
    }
    if all_inputs_known && meta.len() > 0 && !is_pyfreeze_executable(path) {
        return Err(refuse(
            "exists and is not a pyfreeze executable; pyfreeze replaces only its own outputs. \
             Remove it first, or pass another path with -o"
                .into(),
        ));
    }
    Ok(())
}

/// The same file (device and inode) as `other`.
fn same_file(meta: &std::fs::Metadata, other: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(other).is_ok_and(|o| o.dev() == meta.dev() && o.ino() == meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Ends with a pyfreeze trailer (damaged or not: a previous output).
fn is_pyfreeze_executable(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let magic = pyfreeze_bundle::trailer::MAGIC;
    let mut end = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::End(-(magic.len() as i64)))?;
            f.read_exact(&mut end)
        })
        .is_ok_and(|()| &end == magic)
}

pub fn write_executable(path: &Path, parts: &[Part<'_>], inputs: &[&Path]) -> Result<()> {
    let mut all: Vec<&Path> = inputs.to_vec();
    all.extend(parts.iter().filter_map(|p| match p {
        Part::File(from, _) => Some(*from),
        Part::Bytes(_) => None,
    }));
    check_target(path, &all, true)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".pyfreeze-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    for part in parts {
        let written = match part {
            Part::Bytes(bytes) => tmp.write_all(bytes),
            Part::File(from, expected) => std::fs::File::open(from)
                .and_then(|mut f| std::io::copy(&mut f, tmp.as_file_mut()))
                .and_then(|copied| {
                    if copied == *expected {
                        Ok(())
                    } else {
                        Err(std::io::Error::other(format!(
                            "{} changed while pyfreeze was reading it",
                            from.display()
                        )))
                    }
                }),
        };
        written.with_context(|| format!("cannot write {}", tmp.path().display()))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
