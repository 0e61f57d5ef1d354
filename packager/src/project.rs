//! From the command line's description of a program (`SourceArgs`) to its
//! walked import graph: checks the inputs, finds the virtual environment's
//! site-packages, adds what every bundle needs, and judges what is missing.

use crate::cli::SourceArgs;
use crate::graph::{self, Graph, GraphEntry, GraphOptions, Kind, resolve};
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
    pub settings: Settings,
    /// Third-party directories searched, and where they came from.
    pub site_packages: Vec<PathBuf>,
    pub site_note: Option<String>,
}

/// What runs when the executable starts.
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

/// The command line merged with the project's `[tool.pyfreeze]` table.
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

/// The triple pyfreeze itself was compiled for: the default target.
pub fn host_triple() -> &'static str {
    env!("PYFREEZE_HOST_TARGET")
}

/// `--target TRIPLE`, else the host.
pub fn target(source: &SourceArgs) -> Result<Target> {
    match &source.target {
        None => host_target(),
        Some(triple) => Target::parse(triple).ok_or_else(|| {
            anyhow!(
                "unknown target {triple:?}: pyfreeze builds for x86_64 and aarch64 Linux, Windows \
                 and macOS (run `pyfreeze targets` for the list)"
            )
        }),
    }
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
    let settings = settings(source)?;
    for dir in &settings.paths {
        if !dir.is_dir() {
            bail!("--path {}: not a directory", dir.display());
        }
    }
    let (site_packages, site_note) = site_packages(settings.venv.as_deref())?;
    let mut always = always_included();
    always.extend(settings.hidden_imports.iter().cloned());
    let entry = match &settings.entry {
        EntrySpec::Script(path) => GraphEntry::Script(path),
        EntrySpec::Module(name) => GraphEntry::Module {
            name,
            base: &settings.base,
            as_main: true,
        },
        EntrySpec::Function { module, .. } => GraphEntry::Module {
            name: module,
            base: &settings.base,
            as_main: false,
        },
    };
    let graph = graph::build(&GraphOptions {
        entry,
        paths: &settings.paths,
        site_packages: &site_packages,
        target: &target,
        always: &always,
        collect: &settings.collect_submodules,
        excludes: &settings.exclude_modules,
    })
    .map_err(|errors| {
        if let [graph::GraphError::Entry(e)] = errors.as_slice() {
            return anyhow!("{e}");
        }
        crate::compile::failure(errors.iter().map(ToString::to_string).collect())
    })?;
    for (flag, names) in [
        ("--hidden-import", &settings.hidden_imports),
        ("--collect-submodules", &settings.collect_submodules),
    ] {
        for name in names {
            let found = graph.index_of(name).map(|i| &graph.modules[i].kind);
            if matches!(found, None | Some(Kind::Missing)) {
                bail!(
                    "{flag} {name}: no such module on the search path (the script's directory, \
                     --path, site-packages, the stdlib)"
                );
            }
        }
    }
    let mut graph = graph;
    warn_stdlib_shadows(&mut graph, &target);
    Ok(Project {
        graph,
        target,
        settings,
        site_packages,
        site_note,
    })
}

/// The command line, completed by `<dir>/pyproject.toml` when SCRIPT is a
/// project directory. Options given on the command line add to the table's.
fn settings(source: &SourceArgs) -> Result<Settings> {
    let mut s = Settings {
        entry: EntrySpec::Module(String::new()),
        base: PathBuf::from("."),
        paths: source.paths.clone(),
        venv: source.venv.clone(),
        hidden_imports: source.hidden_imports.clone(),
        exclude_modules: source.exclude_modules.clone(),
        collect_submodules: source.collect_submodules.clone(),
        add_data: source.add_data.clone(),
        name: None,
    };
    s.entry = if let Some(module) = &source.module {
        EntrySpec::Module(module.clone())
    } else if let Some(entry) = &source.entry {
        parse_function_entry(entry, "--entry")?
    } else {
        let Some(script) = &source.script else {
            bail!(
                "nothing to build: pass a SCRIPT, a project directory, -m MODULE or --entry MODULE:FUNCTION"
            );
        };
        if script.is_dir() {
            return project_settings(script, s);
        }
        if !script.exists() {
            bail!("entry script {} not found", script.display());
        }
        if !script.is_file() {
            bail!("entry script {} is not a file", script.display());
        }
        EntrySpec::Script(script.clone())
    };
    Ok(s)
}

fn parse_function_entry(text: &str, what: &str) -> Result<EntrySpec> {
    match text.split_once(':') {
        Some((module, function))
            if !module.trim().is_empty()
                && !function.trim().is_empty()
                && !function.contains(['.', ':']) =>
        {
            Ok(EntrySpec::Function {
                module: module.trim().to_string(),
                function: function.trim().to_string(),
            })
        }
        _ => bail!("{what} {text:?}: expected MODULE:FUNCTION, e.g. mytool.cli:main"),
    }
}

/// `[tool.pyfreeze]` in `<dir>/pyproject.toml`.
fn project_settings(dir: &Path, mut s: Settings) -> Result<Settings> {
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
    }
    let file = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&file).map_err(|_| {
        anyhow!(
            "{} is a directory without a pyproject.toml; pass a script, or describe the program \
             in a [tool.pyfreeze] table (see the README)",
            dir.display()
        )
    })?;
    let parsed: PyProject =
        toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
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
    if chosen != 1 {
        bail!(
            "{}: [tool.pyfreeze] needs exactly one of script, module or entry",
            file.display()
        );
    }
    let rel = |p: &str| dir.join(p);
    s.entry = if let Some(script) = &t.script {
        let path = rel(script);
        if !path.is_file() {
            bail!(
                "{}: [tool.pyfreeze] script {script:?} not found",
                file.display()
            );
        }
        EntrySpec::Script(path)
    } else if let Some(module) = t.module {
        EntrySpec::Module(module)
    } else {
        parse_function_entry(
            t.entry.as_deref().unwrap_or_default(),
            "[tool.pyfreeze] entry",
        )?
    };
    s.base = dir.to_path_buf();
    s.name = t.name;
    let mut paths: Vec<PathBuf> = t.paths.iter().map(|p| rel(p)).collect();
    paths.append(&mut s.paths);
    s.paths = paths;
    if s.venv.is_none() {
        s.venv = t.venv.map(|v| rel(&v));
    }
    s.hidden_imports.extend(t.hidden_imports);
    s.exclude_modules.extend(t.exclude_modules);
    s.collect_submodules.extend(t.collect_submodules);
    for spec in t.data {
        match spec.rsplit_once(':') {
            Some((src, dest)) => s.add_data.push(format!("{}:{dest}", rel(src).display())),
            None => bail!(
                "{}: [tool.pyfreeze] data {spec:?}: expected \"SRC:DEST\"",
                file.display()
            ),
        }
    }
    Ok(s)
}

/// The program's own top-level modules named like standard library ones
/// win, as under CPython with the script's directory first; say so.
fn warn_stdlib_shadows(graph: &mut Graph, target: &Target) {
    let lib = stdlib::get();
    let builtins = target.builtin_modules();
    let mut found = Vec::new();
    for (i, m) in graph.modules.iter().enumerate() {
        if m.origin != Origin::User || m.name.contains('.') || i == graph.entry {
            continue;
        }
        let Kind::Source { file, .. } = &m.kind else {
            continue;
        };
        let in_stdlib = lib.is_file(&format!("{}.py", m.name))
            || lib.is_file(&format!("{}/__init__.py", m.name))
            || builtins.contains(&m.name.as_str());
        if in_stdlib {
            found.push(format!(
                "{} shadows the standard library module {}: the program imports its own, as under CPython",
                file.display(),
                m.name
            ));
        }
    }
    graph.warnings.extend(found);
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
