//! The caller's options ([`ProgramOptions`]) merged with the project's
//! `[tool.pyfreeze]` table (see [`super::pyproject`]), the entry point
//! resolved and checked.

use crate::options::{EntryPoint, ProgramOptions};
use crate::runtime::RuntimeKind;
use crate::runtime::choice::AskedBy;
use anyhow::{Result, bail};
use std::path::PathBuf;

/// What runs when the executable starts, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntrySpec {
    Script(PathBuf),
    /// `-m MODULE`
    Module(String),
    /// `--entry MODULE:FUNCTION`
    Function {
        module: String,
        function: String,
    },
}

/// The caller's options merged with the project's `[tool.pyfreeze]` table.
#[derive(Debug, Clone)]
pub struct Settings {
    pub entry: EntrySpec,
    /// Where `-m` and `--entry` modules are searched first: the project
    /// directory, else the working directory.
    pub base: PathBuf,
    pub paths: Vec<PathBuf>,
    pub venv: Option<PathBuf>,
    pub hidden_imports: Vec<String>,
    pub exclude_modules: Vec<String>,
    pub collect_submodules: Vec<String>,
    pub add_data: Vec<String>,
    /// Output name from `[tool.pyfreeze] name`.
    pub name: Option<String>,
    /// The runtime asked for (`--runtime`, `[tool.pyfreeze]`), if any;
    /// otherwise [`crate::runtime::choice`] decides.
    pub runtime: Option<(RuntimeKind, AskedBy)>,
    pub python: Option<PathBuf>,
    /// Directories of the user's own package rules.
    pub hooks_dirs: Vec<PathBuf>,
    /// Build options `[tool.pyfreeze]` sets (the command line's win).
    pub table: TableBuild,
    /// Distributions whose metadata goes in anyway, and whether with what
    /// they require.
    pub copy_metadata: Vec<(String, bool)>,
    /// `[tool.pyfreeze] data` sources outside the project's directory
    /// (bundled, with a warning: a project file names them).
    pub data_outside: Vec<PathBuf>,
    /// `--runtime-hook` scripts, checked to be files.
    pub runtime_hooks: Vec<PathBuf>,
}

impl Settings {
    /// The name the output is given by default.
    pub fn default_stem(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.entry {
            EntrySpec::Script(path) => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "app".into()),
            EntrySpec::Module(m) | EntrySpec::Function { module: m, .. } => {
                m.split('.').next().unwrap_or(m).to_string()
            }
        }
    }
}

/// The caller's options, completed by `<dir>/pyproject.toml` when the entry
/// is a project directory. Options given by the caller add to the table's.
pub fn settings(program: &ProgramOptions) -> Result<Settings> {
    let mut s = Settings {
        entry: EntrySpec::Module(String::new()),
        base: PathBuf::from("."),
        paths: program.paths.clone(),
        venv: program.venv.clone(),
        hidden_imports: program.hidden_imports.clone(),
        exclude_modules: program.exclude_modules.clone(),
        collect_submodules: program.collect_submodules.clone(),
        add_data: program.add_data.clone(),
        data_outside: Vec::new(),
        runtime_hooks: program.runtime_hooks.clone(),
        table: TableBuild::default(),
        copy_metadata: program.copy_metadata.clone(),
        name: None,
        runtime: program.runtime.map(|k| (k, AskedBy::Option)),
        python: program.python.clone(),
        hooks_dirs: program.hooks_dirs.clone(),
    };
    match &program.entry {
        EntryPoint::Module(module) => s.entry = EntrySpec::Module(module.clone()),
        EntryPoint::Function { module, function } => {
            s.entry = function_entry(&format!("{module}:{function}"), "--entry")?
        }
        EntryPoint::Path(dir) if dir.is_dir() => s = super::pyproject::apply(dir, s)?,
        EntryPoint::Path(script) => {
            if !script.exists() {
                bail!("entry script {} not found", script.display());
            }
            if !script.is_file() {
                bail!("entry script {} is not a file", script.display());
            }
            s.entry = EntrySpec::Script(script.clone());
        }
    }
    for hook in &s.runtime_hooks {
        if !hook.is_file() {
            bail!(
                "--runtime-hook {}: no such file; give the path of a Python script",
                hook.display()
            );
        }
    }
    for dir in &s.paths {
        if !dir.is_dir() {
            bail!("--path {}: not a directory", dir.display());
        }
    }
    Ok(s)
}

/// `MODULE:FUNCTION`; `what` names where it was written.
pub(super) fn function_entry(text: &str, what: &str) -> Result<EntrySpec> {
    match EntryPoint::function(text, what)? {
        EntryPoint::Function { module, function } => Ok(EntrySpec::Function { module, function }),
        _ => unreachable!("EntryPoint::function makes functions"),
    }
}

/// The build options a `[tool.pyfreeze]` table may set, as it set them.
#[derive(Debug, Clone, Default)]
pub struct TableBuild {
    pub optimize: Option<u8>,
    pub compress: Option<crate::CompressMode>,
    pub pack: Option<bool>,
    pub no_source: Option<bool>,
    pub strict: Option<bool>,
    pub native_cache: Option<bool>,
    pub no_build_paths: Option<bool>,
    pub target: Option<String>,
}

impl TableBuild {
    /// `opts` with what the table sets where the command line kept the
    /// default.
    pub fn merged(&self, opts: &crate::BuildOptions) -> crate::BuildOptions {
        let mut out = opts.clone();
        if out.optimize == 0 {
            out.optimize = self.optimize.unwrap_or(0);
        }
        if out.compress.is_none() {
            out.compress = self.compress;
        }
        out.pack |= self.pack.unwrap_or(false);
        out.include_source &= !self.no_source.unwrap_or(false);
        out.strict |= self.strict.unwrap_or(false);
        out.native_cache |= self.native_cache.unwrap_or(false);
        out.build_paths &= !self.no_build_paths.unwrap_or(false);
        out
    }
}
