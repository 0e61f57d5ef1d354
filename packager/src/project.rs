//! From the caller's description of a program ([`ProgramOptions`]) to its
//! walked import graph: merges in `[tool.pyfreeze]`, checks the inputs,
//! finds the virtual environment's site-packages, loads the package rules
//! in force, and walks.

use crate::analyze::{self, Graph, GraphEntry, GraphOptions, Kind, resolve};
use crate::error::BuildError;
use crate::options::{EntryPoint, ProgramOptions};
use crate::rules::{self, Rules};
use crate::runtime::{self, Runtime, RuntimeKind};
use anyhow::{Result, anyhow, bail};
use pyfreeze_bundle::target::Target;
use std::path::{Path, PathBuf};

pub struct Project {
    pub graph: Graph,
    pub target: Target,
    pub runtime: Box<dyn Runtime>,
    pub settings: Settings,
    /// Third-party directories searched, and where they came from.
    pub site_packages: Vec<PathBuf>,
    pub site_note: Option<String>,
    /// They are the interpreter's, taken for want of a venv: worth a note
    /// only when a package came from there.
    pub site_implicit: bool,
}

/// Everything about a program but its graph: the settings, the target, the
/// runtime and the venv, all checked.
pub struct Prepared {
    pub target: Target,
    pub runtime: Box<dyn Runtime>,
    pub settings: Settings,
    pub site_packages: Vec<PathBuf>,
    pub site_note: Option<String>,
    /// They are the interpreter's, taken for want of a venv: worth a note
    /// only when a package came from there.
    pub site_implicit: bool,
}

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
    pub runtime: RuntimeKind,
    /// Whether the runtime was asked for (`--runtime`, `[tool.pyfreeze]`),
    /// rather than left to pyfreeze.
    pub runtime_chosen: bool,
    pub python: Option<PathBuf>,
    /// Directories of the user's own package rules.
    pub hooks_dirs: Vec<PathBuf>,
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

/// `--target TRIPLE`, else the host.
pub fn target(program: &ProgramOptions) -> Result<Target> {
    match &program.target {
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
    let host = crate::host_triple();
    Target::parse(host).ok_or_else(|| anyhow!("pyfreeze does not support its own platform {host}"))
}

/// Resolve the settings and walk the program's import graph (with the
/// CPython runtime where the default one cannot run the program: see
/// [`cpython_instead`]).
pub fn load(program: &ProgramOptions) -> Result<Project, BuildError> {
    let project = walk(prepare(program)?)?;
    Ok(cpython_instead(program, &project).unwrap_or(project))
}

/// The same program under the CPython runtime, when the runtime was left to
/// pyfreeze and the default one cannot run it: its required imports reach a
/// compiled extension module with no pure-Python version (or a package a
/// rule says needs CPython), it is built for this machine, and this machine
/// is one the CPython runtime supports. The interpreter is the one
/// `--runtime cpython` would take (the venv's, else `python3`); if it cannot
/// be bundled, `None`, and the RustPython build's warnings name the flag.
pub fn cpython_instead(program: &ProgramOptions, project: &Project) -> Option<Project> {
    let host = crate::host_triple();
    if project.settings.runtime_chosen
        || project.settings.runtime != RuntimeKind::RustPython
        || project.target.triple != host
        || !host.ends_with("-linux-gnu")
    {
        return None;
    }
    let unsatisfied = analyze::problems::unsatisfied(&project.graph, project.runtime.as_ref());
    let because = unsatisfied
        .iter()
        .chain(&project.graph.diagnostics)
        .find_map(|d| match d {
            crate::Diagnostic::UnloadableExtension { module, .. } => {
                Some(format!("compiled extension module {module}"))
            }
            crate::Diagnostic::NeedsRuntime {
                package, runtime, ..
            } if runtime == "cpython" => Some(format!("package {package}")),
            crate::Diagnostic::ExcludedByRule {
                module,
                runtime: Some(runtime),
                ..
            } if runtime == "cpython" => Some(format!("module {module}")),
            _ => None,
        })?;
    let mut with_cpython = program.clone();
    with_cpython.runtime = Some(RuntimeKind::CPython);
    let mut project = walk(prepare(&with_cpython).ok()?).ok()?;
    // Only real shared libraries: a stray file with an extension's name
    // would turn a working RustPython build into a failing one.
    let loadable = project.graph.iter().all(|(_, m)| match &m.kind {
        Kind::Extension(file) => is_elf(file),
        _ => true,
    });
    if !loadable {
        return None;
    }
    project.settings.runtime_chosen = false;
    project.graph.diagnostics.insert(
        0,
        crate::Diagnostic::RuntimeChosen {
            runtime: project.runtime.name(),
            because,
        },
    );
    Some(project)
}

fn is_elf(file: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// Resolve and check everything but the graph: settings, target, runtime
/// (asking CPython about itself), venv.
pub fn prepare(program: &ProgramOptions) -> Result<Prepared> {
    let target = target(program)?;
    let settings = settings(program)?;
    for dir in &settings.paths {
        if !dir.is_dir() {
            bail!("--path {}: not a directory", dir.display());
        }
    }
    let runtime = runtime::select(
        settings.runtime,
        settings.python.as_deref(),
        settings.venv.as_deref(),
    )?;
    if settings.runtime == RuntimeKind::CPython && target.triple != crate::host_triple() {
        // Where the CPython runtime is not built yet, say so rather than
        // send the user to a machine where it fails too.
        let elsewhere = if target.triple.ends_with("-linux-gnu") {
            format!("Build on a {} machine", target.triple)
        } else {
            format!(
                "It runs on Linux with glibc for now, not on {} (see the README's plan)",
                target.triple
            )
        };
        bail!(
            "--runtime cpython builds for the machine it runs on ({}), not for {}: the bundle \
             carries this machine's interpreter and compiled extensions. {elsewhere}, or use the \
             RustPython runtime, whose bytecode runs anywhere",
            crate::host_triple(),
            target.triple,
        );
    }
    let (mut site_packages, mut site_note) = site_packages(settings.venv.as_deref())?;
    let site_implicit = site_packages.is_empty();
    if site_packages.is_empty()
        && let Some((dirs, from)) = runtime
            .default_site_packages()
            .or_else(|| interpreter_site_packages(settings.python.as_deref()))
    {
        site_note = dirs
            .first()
            .map(|d| format!("site-packages: {} (from {from})", d.display()));
        site_packages = dirs;
    }
    Ok(Prepared {
        target,
        runtime,
        settings,
        site_packages,
        site_note,
        site_implicit,
    })
}

/// Walk the import graph of a prepared program.
pub fn walk(prepared: Prepared) -> Result<Project, BuildError> {
    let Prepared {
        target,
        runtime,
        settings,
        site_packages,
        site_note,
        site_implicit,
    } = prepared;
    let distributions = crate::archive::dists::find(&site_packages);
    let rules = active_rules(
        &target,
        runtime.as_ref(),
        &distributions,
        &settings.hooks_dirs,
    )?;
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
    let mut graph = analyze::analyze(&GraphOptions {
        entry,
        paths: &settings.paths,
        site_packages: &site_packages,
        target: &target,
        runtime: runtime.as_ref(),
        rules: &rules,
        hidden_imports: &settings.hidden_imports,
        collect: &settings.collect_submodules,
        excludes: &settings.exclude_modules,
        distributions: &distributions,
    })
    .map_err(|e| match e {
        analyze::walk::AnalyzeError::Entry(e) => BuildError::Other(anyhow!("{e}")),
        analyze::walk::AnalyzeError::Modules(failures) => BuildError::Compile(failures),
    })?;
    for (flag, names) in [
        ("--hidden-import", &settings.hidden_imports),
        ("--collect-submodules", &settings.collect_submodules),
    ] {
        for name in names {
            if matches!(graph.get(name).map(|m| &m.kind), None | Some(Kind::Missing)) {
                return Err(anyhow!(
                    "{flag} {name}: no such module on the search path (the script's directory, \
                     --path, site-packages, the stdlib)"
                )
                .into());
            }
        }
    }
    let shadows = analyze::problems::stdlib_shadows(&graph, runtime.as_ref(), &target);
    graph.diagnostics.extend(shadows);
    Ok(Project {
        graph,
        target,
        runtime,
        settings,
        site_packages,
        site_note,
        site_implicit,
    })
}

/// The package rules whose conditions hold for this build: the target, the
/// runtime, and the versions of the distributions installed in the venv (a
/// condition on one that is not installed does not hold).
fn active_rules(
    target: &Target,
    runtime: &dyn Runtime,
    dists: &[crate::archive::dists::Distribution],
    hooks_dirs: &[PathBuf],
) -> Result<Rules> {
    use std::str::FromStr;
    for dir in hooks_dirs {
        rules::check_hooks_dir(dir)?;
    }
    let all = Rules::load(hooks_dirs)?;
    let version_of = |of: rules::VersionOf<'_>| {
        let dist = match of {
            rules::VersionOf::Distribution(name) => dists
                .iter()
                .find(|d| crate::archive::dists::same_name(&d.name, name)),
            rules::VersionOf::Module(module) => {
                let top = module.split('.').next().unwrap_or(module);
                dists.iter().find(|d| d.top_level.contains(top))
            }
        }?;
        pep440_rs::Version::from_str(&dist.version).ok()
    };
    Ok(all.active(&rules::Context {
        sys_platform: target.sys_platform(),
        runtime: runtime.rule_name(),
        version_of: &version_of,
    }))
}

/// The caller's options, completed by `<dir>/pyproject.toml` when the entry
/// is a project directory. Options given by the caller add to the table's.
fn settings(program: &ProgramOptions) -> Result<Settings> {
    let mut s = Settings {
        entry: EntrySpec::Module(String::new()),
        base: PathBuf::from("."),
        paths: program.paths.clone(),
        venv: program.venv.clone(),
        hidden_imports: program.hidden_imports.clone(),
        exclude_modules: program.exclude_modules.clone(),
        collect_submodules: program.collect_submodules.clone(),
        add_data: program.add_data.clone(),
        name: None,
        runtime: program.runtime.unwrap_or_default(),
        runtime_chosen: program.runtime.is_some(),
        python: program.python.clone(),
        hooks_dirs: program.hooks_dirs.clone(),
    };
    s.entry = match &program.entry {
        EntryPoint::Module(module) => EntrySpec::Module(module.clone()),
        EntryPoint::Function { module, function } => {
            parse_function_entry(&format!("{module}:{function}"), "--entry")?
        }
        EntryPoint::Path(script) => {
            if script.is_dir() {
                return project_settings(script, s, program.runtime.is_none());
            }
            if !script.exists() {
                bail!("entry script {} not found", script.display());
            }
            if !script.is_file() {
                bail!("entry script {} is not a file", script.display());
            }
            EntrySpec::Script(script.clone())
        }
    };
    Ok(s)
}

fn parse_function_entry(text: &str, what: &str) -> Result<EntrySpec> {
    match EntryPoint::function(text, what)? {
        EntryPoint::Function { module, function } => Ok(EntrySpec::Function { module, function }),
        _ => unreachable!("EntryPoint::function makes functions"),
    }
}

/// `[tool.pyfreeze]` in `<dir>/pyproject.toml`.
/// With `runtime_unset`, the table's `runtime` is used.
fn project_settings(dir: &Path, mut s: Settings, runtime_unset: bool) -> Result<Settings> {
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
        #[serde(default)]
        hooks_dir: OneOrMany,
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
    if runtime_unset && let Some(name) = &t.runtime {
        s.runtime = RuntimeKind::parse(name).ok_or_else(|| {
            anyhow!(
                "{}: [tool.pyfreeze] runtime {name:?}: expected \"rustpython\" or \"cpython\"",
                file.display()
            )
        })?;
        s.runtime_chosen = true;
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
    let dirs = match t.hooks_dir {
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
            Some((src, dest)) => s.add_data.push(format!("{}:{dest}", rel(src).display())),
            None => bail!(
                "{}: [tool.pyfreeze] data {spec:?}: expected \"SRC:DEST\"",
                file.display()
            ),
        }
    }
    Ok(s)
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
