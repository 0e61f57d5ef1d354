//! `[tool.pyfreeze]` in a project's `pyproject.toml`: what to run and how
//! to build it, for `pyfreeze build PROJECT_DIR`. Paths in it are relative
//! to the project directory.

use super::settings::{EntrySpec, Settings, function_entry};
use crate::runtime::RuntimeKind;
use crate::runtime::choice::AskedBy;
use anyhow::{Result, anyhow, bail};
use std::path::{Path, PathBuf};

/// `s` completed by `[tool.pyfreeze]` in `<dir>/pyproject.toml`; the
/// table's `runtime` counts only where the caller named none.
pub fn apply(dir: &Path, mut s: Settings) -> Result<Settings> {
    #[derive(serde::Deserialize)]
    struct PyProject {
        tool: Option<Tool>,
    }
    #[derive(serde::Deserialize)]
    struct Tool {
        pyfreeze: Option<Table>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Table {
        script: Option<String>,
        module: Option<String>,
        entry: Option<String>,
        name: Option<String>,
        #[serde(default)]
        paths: Vec<String>,
        venv: Option<String>,
        #[serde(default)]
        hidden_imports: Vec<String>,
        #[serde(default)]
        exclude_modules: Vec<String>,
        #[serde(default)]
        collect_submodules: Vec<String>,
        #[serde(default)]
        data: Vec<String>,
        runtime: Option<String>,
        python: Option<String>,
        #[serde(default, alias = "hooks-dir")]
        rules_dir: OneOrMany,
        // Build options, as on the command line (which wins).
        optimize: Option<u8>,
        compress: Option<String>,
        pack: Option<bool>,
        no_source: Option<bool>,
        strict: Option<bool>,
        native_cache: Option<bool>,
        no_build_paths: Option<bool>,
        target: Option<String>,
    }
    /// `"dir"` or `["dir", ...]`.
    #[derive(serde::Deserialize, Default)]
    #[serde(untagged)]
    enum OneOrMany {
        #[default]
        None,
        One(String),
        Many(Vec<String>),
    }
    let file = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&file).map_err(|_| {
        anyhow!(
            "{} is a directory without a pyproject.toml; pass a script, or describe the program \
             in a [tool.pyfreeze] table (see the README)",
            dir.display()
        )
    })?;
    let parsed: PyProject = toml::from_str(&text).map_err(|e| {
        anyhow!(
            "{}: {}",
            file.display(),
            crate::diagnostics::excerpt(&e.to_string())
        )
    })?;
    let Some(t) = parsed.tool.and_then(|t| t.pyfreeze) else {
        bail!(
            "{} has no [tool.pyfreeze] table; add one with script, module or entry (see the README)",
            file.display()
        );
    };
    let chosen = [t.script.is_some(), t.module.is_some(), t.entry.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    // A setting that cannot be used: an error naming the file and the key.
    let setting = |key: &'static str, message: String| -> anyhow::Error {
        crate::BuildError::Setting {
            file: file.clone(),
            key,
            message,
        }
        .into()
    };
    if chosen != 1 {
        return Err(setting(
            "script",
            "needs exactly one of script, module or entry".into(),
        ));
    }
    let rel = |p: &str| dir.join(p);
    s.entry = if let Some(script) = &t.script {
        let path = rel(script);
        if !path.is_file() {
            return Err(setting("script", format!("script {script:?} not found")));
        }
        EntrySpec::Script(path)
    } else if let Some(module) = t.module {
        EntrySpec::Module(module)
    } else {
        function_entry(
            t.entry.as_deref().unwrap_or_default(),
            "[tool.pyfreeze] entry",
        )?
    };
    s.base = dir.to_path_buf();
    if let Some(name) = &t.name {
        // A file name in dist/, never a path out of it.
        if name.is_empty() || name.contains(['/', '\\', '\0']) || name == "." || name == ".." {
            return Err(setting(
                "name",
                format!(
                    "name {name:?}: expected a file name (the output is dist/<name>), without \
                     `/`, `\\` or `..`; use -o PATH to write elsewhere"
                ),
            ));
        }
    }
    s.name = t.name;
    if let Some(level) = t.optimize
        && level > 2
    {
        return Err(setting(
            "optimize",
            format!("optimize = {level}: expected 0, 1 or 2 (as python -O, -OO)"),
        ));
    }
    let compress = match t.compress.as_deref() {
        None => None,
        Some("auto") => Some(crate::CompressMode::Auto),
        Some("all") => Some(crate::CompressMode::All),
        Some("none") => Some(crate::CompressMode::None),
        Some(other) => {
            return Err(setting(
                "compress",
                format!("compress = {other:?}: expected \"auto\", \"all\" or \"none\""),
            ));
        }
    };
    s.table = super::settings::TableBuild {
        optimize: t.optimize,
        compress,
        pack: t.pack,
        no_source: t.no_source,
        strict: t.strict,
        native_cache: t.native_cache,
        no_build_paths: t.no_build_paths,
        target: t.target,
    };
    let mut paths: Vec<PathBuf> = t.paths.iter().map(|p| rel(p)).collect();
    paths.append(&mut s.paths);
    s.paths = paths;
    if s.venv.is_none() {
        s.venv = t.venv.map(|v| rel(&v));
    }
    if s.runtime.is_none()
        && let Some(name) = &t.runtime
    {
        let kind = RuntimeKind::parse(name).ok_or_else(|| {
            setting(
                "runtime",
                format!("runtime {name:?}: expected \"rustpython\" or \"cpython\""),
            )
        })?;
        s.runtime = Some((kind, AskedBy::Table));
    }
    if s.python.is_none() {
        s.python = t.python.map(|p| {
            if p.contains('/') {
                rel(&p)
            } else {
                PathBuf::from(p)
            }
        });
    }
    let dirs = match t.rules_dir {
        OneOrMany::None => Vec::new(),
        OneOrMany::One(d) => vec![d],
        OneOrMany::Many(ds) => ds,
    };
    let mut hooks: Vec<PathBuf> = dirs.iter().map(|d| rel(d)).collect();
    hooks.append(&mut s.hooks_dirs);
    s.hooks_dirs = hooks;
    s.hidden_imports.extend(t.hidden_imports);
    s.exclude_modules.extend(t.exclude_modules);
    s.collect_submodules.extend(t.collect_submodules);
    for spec in t.data {
        match spec.rsplit_once(':') {
            Some((src, dest)) => {
                let source = rel(src);
                if !within(&source, dir) {
                    s.data_outside.push(source.clone());
                }
                s.add_data.push(format!("{}:{dest}", source.display()))
            }
            None => {
                return Err(setting(
                    "data",
                    format!("data {spec:?}: expected \"SRC:DEST\""),
                ));
            }
        }
    }
    Ok(s)
}

/// `path` is inside `dir` once `..` and symlinks are resolved (a path that
/// does not exist yet counts as inside when its words say so).
fn within(path: &Path, dir: &Path) -> bool {
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => {
            path.starts_with(dir)
                && !path
                    .components()
                    .any(|c| c == std::path::Component::ParentDir)
        }
    }
}
