//! From the command line's description of a program (`SourceArgs`) to its
//! walked import graph: checks the inputs, finds the virtual environment's
//! site-packages, adds what every bundle needs, and judges what is missing.

use crate::cli::SourceArgs;
use crate::graph::{self, Graph, GraphOptions, Kind, resolve};
use crate::stdlib;
use anyhow::{Result, anyhow, bail};
use pyfreeze_bundle::Origin;
use pyfreeze_bundle::target::Target;
use std::path::{Path, PathBuf};

/// Packages every bundle carries because the runtime uses them at start:
/// `encodings` registers the codec search function and loads codecs by name.
const ALWAYS_PACKAGES: &[&str] = &["encodings"];

pub struct Project {
    pub graph: Graph,
    pub target: Target,
    /// Third-party directories searched, and where they came from.
    pub site_packages: Vec<PathBuf>,
    pub site_note: Option<String>,
}

/// The triple pyfreeze itself was compiled for: the default target.
pub fn host_triple() -> &'static str {
    env!("PYFREEZE_HOST_TARGET")
}

pub fn host_target() -> Result<Target> {
    Target::parse(host_triple()).ok_or_else(|| {
        anyhow!(
            "pyfreeze does not support its own platform {}",
            host_triple()
        )
    })
}

pub fn load(source: &SourceArgs, target: Target) -> Result<Project> {
    check_inputs(&source.script, &source.paths)?;
    let (site_packages, site_note) = site_packages(source.venv.as_deref())?;
    let mut always = always_included();
    always.extend(source.hidden_imports.iter().cloned());
    let graph = graph::build(&GraphOptions {
        script: &source.script,
        paths: &source.paths,
        site_packages: &site_packages,
        target: &target,
        always: &always,
        collect: &source.collect_submodules,
        excludes: &source.exclude_modules,
    })
    .map_err(|errors| {
        let n = errors.len();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow!(
            "{}\n{n} module{} could not be compiled; fix {} and build again",
            shown.join("\n\n"),
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        )
    })?;
    for (flag, names) in [
        ("--hidden-import", &source.hidden_imports),
        ("--collect-submodules", &source.collect_submodules),
    ] {
        for name in names {
            let found = graph.index_of(name).map(|i| &graph.modules[i].kind);
            if matches!(found, None | Some(Kind::Missing)) {
                bail!(
                    "{flag} {name}: no such module on the search path (the script's directory, --path, site-packages, the stdlib)"
                );
            }
        }
    }
    Ok(Project {
        graph,
        target,
        site_packages,
        site_note,
    })
}

fn check_inputs(script: &Path, paths: &[PathBuf]) -> Result<()> {
    if !script.exists() {
        bail!("entry script {} not found", script.display());
    }
    if !script.is_file() {
        bail!("entry script {} is not a file", script.display());
    }
    for dir in paths {
        if !dir.is_dir() {
            bail!("--path {}: not a directory", dir.display());
        }
    }
    Ok(())
}

/// `--venv DIR`, else `$VIRTUAL_ENV`: its site-packages (and `.pth` dirs).
fn site_packages(venv: Option<&Path>) -> Result<(Vec<PathBuf>, Option<String>)> {
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

/// `encodings` and every codec module in it.
fn always_included() -> Vec<String> {
    let lib = stdlib::get();
    let mut names: Vec<String> = ALWAYS_PACKAGES.iter().map(|s| s.to_string()).collect();
    for package in ALWAYS_PACKAGES {
        let mut subs: Vec<String> = lib
            .files_under(package)
            .filter_map(|f| f.strip_suffix(".py"))
            .filter(|f| !f.ends_with("/__init__"))
            .map(|f| f.replace('/', "."))
            .collect();
        subs.sort();
        names.extend(subs);
    }
    names
}

/// Imports that cannot be satisfied: each a one-line message with the chain
/// of importers. The stdlib's own probes for optional accelerators are left
/// out: they are not the user's problem.
pub fn problems(graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for u in graph.unsatisfied() {
        let m = &graph.modules[u.module];
        if graph.modules[u.importer].origin == Origin::Stdlib {
            continue;
        }
        let chain = format!("{} -> {}", graph.required_chain(u.importer), m.name);
        let place = format!(
            "{} line {}{}",
            graph.display_name(u.importer),
            u.line,
            if u.delayed {
                ", inside a function: fails only when that code runs"
            } else {
                ""
            }
        );
        out.push(match &m.kind {
            Kind::Extension(file) => format!(
                "module {} is a compiled extension ({}), which RustPython cannot load; package {} \
                 needs a pure-Python version of it ({place}; {chain})",
                m.name,
                file.display(),
                m.name.split('.').next().unwrap_or(&m.name),
            ),
            _ => format!(
                "module {} not found ({place}; {chain}). Install it in the venv, add its \
                 directory with --path, or leave it out with --exclude-module",
                m.name
            ),
        });
    }
    out
}
