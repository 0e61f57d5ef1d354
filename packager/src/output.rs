//! Writing the executable so that a failed build never leaves a partial file:
//! write a temporary file beside the target, then rename it over the target.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;

pub fn write_executable(path: &Path, parts: &[&[u8]]) -> Result<()> {
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
        tmp.write_all(part)
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
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
