//! What the interpreter says about itself, asked once per build: its real
//! executable (a pyenv shim or a symlink is not it), version, bytecode magic,
//! stdlib, lib-dynload and site-packages, libpython, extension suffixes and
//! built-in modules. Nothing is inferred from its path.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

const PROBE: &str = include_str!("probe.py");

#[derive(Debug, Clone, Deserialize)]
pub struct Interpreter {
    pub executable: PathBuf,
    #[serde(deserialize_with = "version")]
    pub version: (u32, u32, u32),
    pub version_text: String,
    pub implementation: String,
    pub abiflags: String,
    pub magic: u16,
    pub stdlib: PathBuf,
    pub lib_dynload: Option<PathBuf>,
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub prefix: PathBuf,
    pub base_prefix: PathBuf,
    pub libdir: PathBuf,
    pub instsoname: Option<String>,
    pub ldlibrary: Option<String>,
    pub shared: bool,
    pub gil_disabled: bool,
    pub ext_suffixes: Vec<String>,
    pub builtin: Vec<String>,
    pub frozen: Vec<String>,
    /// Modules imported while CPython starts, before any program code.
    pub startup: Vec<String>,
    pub platform: String,
    pub machine: String,
    /// The module sysconfig imports by computed name for the build's variables.
    pub sysconfigdata: Option<String>,
}

fn version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(u32, u32, u32), D::Error> {
    let v: Vec<u32> = Vec::deserialize(d)?;
    match v[..] {
        [a, b, c] => Ok((a, b, c)),
        _ => Err(serde::de::Error::custom("version_info[:3] expected")),
    }
}

impl Interpreter {
    /// libpython's path and soname.
    pub fn libpython(&self) -> Result<(PathBuf, String)> {
        let name = self
            .instsoname
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| self.ldlibrary.clone())
            .context("the interpreter does not name its libpython (INSTSONAME)")?;
        let path = self.libdir.join(&name);
        if !path.is_file() {
            bail!(
                "{} says its libpython is {}, which does not exist",
                self.executable.display(),
                path.display()
            );
        }
        Ok((path, name))
    }

    /// The site-packages of the interpreter itself (a venv's, or the base
    /// installation's), used when no venv is given.
    pub fn site_packages(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.purelib.clone()];
        if self.platlib != self.purelib {
            dirs.push(self.platlib.clone());
        }
        dirs.retain(|d| d.is_dir());
        dirs
    }
}

/// Ask `python` about itself.
pub fn probe(python: &Path) -> Result<Interpreter> {
    let out = Command::new(python)
        .args(["-I", "-S", "-c", PROBE])
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH")
        .output()
        .with_context(|| {
            format!(
                "cannot run {} to ask it about itself; pass the interpreter to build with as \
                 --python PATH (or a venv with --venv)",
                python.display()
            )
        })?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        let said = match said.trim() {
            "" => format!("it ended with {} and said nothing", out.status),
            text => text.chars().take(400).collect(),
        };
        bail!(
            "{} failed when asked about itself: {said}",
            python.display()
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "{} answered something that is not an interpreter's description: {}",
            python.display(),
            String::from_utf8_lossy(&out.stdout)
                .chars()
                .take(200)
                .collect::<String>()
        )
    })
}
