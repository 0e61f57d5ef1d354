//! Writing the executable so that a failed build never leaves a partial file:
//! write a temporary file beside the target, then rename it over the target.

use anyhow::{Context, Result, bail};
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

pub fn write_executable(path: &Path, parts: &[Part<'_>]) -> Result<()> {
    if path.is_dir() {
        bail!(
            "output {} is a directory; pass a file name with -o",
            path.display()
        );
    }
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
