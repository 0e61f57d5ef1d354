//! Where a program's third-party packages are: the site-packages of the
//! venv (`--venv`, `$VIRTUAL_ENV`), else of the interpreter the runtime or
//! the user names; and the distributions installed there (see [`dists`]).

use super::dists::{self, Distribution};
use crate::analyze::resolve;
use crate::runtime::{self, Runtime};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// The third-party directories a build searches.
pub struct Site {
    /// site-packages (and `.pth` directories), in search order.
    pub dirs: Vec<PathBuf>,
    /// `site-packages: DIR (from ...)`, for the build's report.
    pub note: Option<String>,
    /// They are the interpreter's, taken for want of a venv: worth a note
    /// only when a package came from there.
    pub implicit: bool,
    /// The distributions installed in `dirs`.
    pub distributions: Vec<Distribution>,
}

/// The venv's site-packages, else the runtime's interpreter's, else those
/// of `python` (`--python`, else `python3` on PATH).
pub fn find(venv: Option<&Path>, python: Option<&Path>, runtime: &dyn Runtime) -> Result<Site> {
    let (mut dirs, mut note) = venv_site_packages(venv)?;
    let implicit = dirs.is_empty();
    if implicit
        && let Some((found, from)) = runtime
            .default_site_packages()
            .or_else(|| interpreter_site_packages(python))
    {
        note = found
            .first()
            .map(|d| format!("site-packages: {} (from {from})", d.display()));
        dirs = found;
    }
    let distributions = dists::find(&dirs);
    Ok(Site {
        dirs,
        note,
        implicit,
        distributions,
    })
}

/// With no venv, the RustPython runtime takes its third-party packages where
/// `pip install` put them for the interpreter the user has: `--python`, else
/// `python3` on PATH (as PyInstaller, which runs inside that interpreter,
/// does). None if there is no such interpreter.
fn interpreter_site_packages(python: Option<&Path>) -> Option<(Vec<PathBuf>, String)> {
    let path = python.unwrap_or(Path::new("python3"));
    let interpreter = runtime::cpython::probe(path).ok()?;
    let dirs = interpreter.site_packages();
    (!dirs.is_empty()).then(|| {
        let name = match python {
            Some(p) => p.display().to_string(),
            None => "python3 on PATH".to_string(),
        };
        (
            dirs,
            format!("{name}; pass --venv to use a virtual environment"),
        )
    })
}

/// `--venv DIR`, else `$VIRTUAL_ENV`: its site-packages (and `.pth` dirs).
fn venv_site_packages(venv: Option<&Path>) -> Result<(Vec<PathBuf>, Option<String>)> {
    let (dir, how) = match venv {
        Some(dir) => (dir.to_path_buf(), "--venv"),
        None => match std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
            Some(dir) => (PathBuf::from(dir), "$VIRTUAL_ENV"),
            None => return Ok((Vec::new(), None)),
        },
    };
    if !dir.is_dir() {
        bail!("{how} {}: not a directory", dir.display());
    }
    let found = resolve::venv_site_packages(&dir)?;
    let Some(first) = found.first() else {
        bail!(
            "{how} {}: no site-packages found (expected {}/lib/pythonX.Y/site-packages); \
             pass the directory created by `python3 -m venv`",
            dir.display(),
            dir.display()
        );
    };
    let note = format!("site-packages: {} (from {how})", first.display());
    Ok((found, Some(note)))
}
