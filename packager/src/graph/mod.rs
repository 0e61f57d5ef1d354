//! The import graph: every module the program can import, found by scanning
//! sources from the entry script outwards, breadth first. Each breadth-first
//! level is read, decoded and parsed in parallel; names are resolved in order,
//! so the result does not depend on thread timing.

pub mod resolve;
pub mod scan;

use crate::compile::Diagnostic;
use pyfreeze_bundle::Origin;
use pyfreeze_bundle::target::Target;
use rayon::prelude::*;
use resolve::{Found, Location, Resolver, SearchDir, SourceFile};
use scan::Import;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Imports inside stdlib functions that a frozen program never reaches
/// through that function, as (importer, imported, why). Like PyInstaller's
/// hooks' `excludedimports`: without them every bundle would carry email,
/// argparse, tempfile, decimal... for code paths that cannot run. A program
/// that does use the imported module imports it itself, and then it is in.
const STDLIB_LAZY_EDGES: &[(&str, &str, &str)] = &[
    (
        "importlib._bootstrap_external",
        "importlib.metadata",
        "PathFinder.find_distributions is only called by importlib.metadata",
    ),
    (
        "importlib._bootstrap_external",
        "importlib.readers",
        "resource readers of file-system loaders; bundle modules have their own",
    ),
    (
        "inspect",
        "argparse",
        "only inspect's command-line interface (_main)",
    ),
];

fn is_lazy_stdlib_edge(importer: &str, imported: &str) -> bool {
    STDLIB_LAZY_EDGES.iter().any(|(from, to, _)| {
        *from == importer
            && (imported == *to
                || imported
                    .strip_prefix(to)
                    .is_some_and(|r| r.starts_with('.')))
    })
}

/// Name of the entry script's module record.
pub const MAIN: &str = "__main__";

pub struct GraphOptions<'a> {
    pub script: &'a Path,
    /// The program's own directories after the script's (`--path`).
    pub paths: &'a [PathBuf],
    pub target: &'a Target,
    /// Modules included whether imported or not (the runtime's needs).
    pub always: &'a [&'a str],
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// A module or regular package with source.
    Source {
        file: SourceFile,
        package: Option<SearchDir>,
    },
    Namespace(Vec<SearchDir>),
    /// Built into the target's runtime: nothing to bundle.
    Builtin,
    /// Exists only on other platforms (`winreg` on Linux): never reported.
    Foreign,
    /// Only a compiled extension exists; RustPython cannot load it.
    Extension(PathBuf),
    Missing {
        optional: bool,
    },
}

#[derive(Debug)]
pub struct Module {
    pub name: String,
    pub kind: Kind,
    pub origin: Origin,
    /// The first module that imported this one, and on which line: the chain
    /// shown in reports (`app -> pkg.util -> yaml`).
    pub importer: Option<(usize, u32)>,
    /// Decoded source, once scanned.
    pub text: Option<String>,
}

impl Module {
    pub fn is_package(&self) -> bool {
        matches!(
            self.kind,
            Kind::Source {
                package: Some(_),
                ..
            } | Kind::Namespace(_)
        )
    }

    /// Path under the bundle's virtual root, derived from the name.
    pub fn virtual_path(&self, script_name: &str) -> String {
        if self.name == MAIN {
            return script_name.to_string();
        }
        let base = self.name.replace('.', "/");
        match self.kind {
            Kind::Source {
                package: Some(_), ..
            } => format!("{base}/__init__.py"),
            Kind::Namespace(_) => base,
            _ => format!("{base}.py"),
        }
    }
}

pub struct Graph {
    pub modules: Vec<Module>,
    /// File name of the entry script, which stands for `__main__` in reports.
    pub script_name: String,
    index: HashMap<String, usize>,
    /// Relative imports that cannot be resolved, with where they are.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("{diagnostic}{chain}")]
    Syntax {
        diagnostic: Diagnostic,
        chain: ImportedBy,
    },
    #[error("{file}: {message}{chain}")]
    Unreadable {
        file: String,
        message: String,
        chain: ImportedBy,
    },
}

/// "imported by: a -> b", or nothing for the entry script.
#[derive(Debug)]
pub struct ImportedBy(pub Option<String>);

impl std::fmt::Display for ImportedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(chain) => write!(f, "\n  imported by: {chain}"),
            None => Ok(()),
        }
    }
}

struct Walker {
    graph: Graph,
    resolver: Resolver,
    search: Vec<SearchDir>,
    builtins: HashSet<&'static str>,
    foreign: HashSet<&'static str>,
    queue: Vec<usize>,
}

/// Walk the graph from `opts.script`. Syntax errors and unreadable files are
/// fatal (every one is reported); missing modules are recorded in the graph.
pub fn build(opts: &GraphOptions<'_>) -> Result<Graph, Vec<GraphError>> {
    let script_dir = opts
        .script
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut search = vec![SearchDir {
        location: Location::Disk(script_dir),
        origin: Origin::User,
    }];
    search.extend(opts.paths.iter().map(|p| SearchDir {
        location: Location::Disk(p.clone()),
        origin: Origin::User,
    }));
    search.push(SearchDir {
        location: Location::Stdlib(String::new()),
        origin: Origin::Stdlib,
    });

    let mut w = Walker {
        graph: Graph {
            modules: Vec::new(),
            script_name: script_file_name(opts.script),
            index: HashMap::new(),
            warnings: Vec::new(),
        },
        resolver: Resolver::default(),
        search,
        builtins: opts.target.builtin_modules().into_iter().collect(),
        foreign: opts.target.foreign_modules().iter().copied().collect(),
        queue: Vec::new(),
    };
    let main = w.add(
        MAIN,
        Kind::Source {
            file: SourceFile::Disk(opts.script.to_path_buf()),
            package: None,
        },
        Origin::User,
        None,
    );
    for name in opts.always {
        w.ensure(name, main, 0, false);
    }

    let mut errors = Vec::new();
    while !w.queue.is_empty() {
        let level = std::mem::take(&mut w.queue);
        let scanned: Vec<(usize, Scanned)> = level
            .par_iter()
            .map(|&i| (i, scan_module(&w.graph.modules[i], opts.target)))
            .collect();
        for (i, result) in scanned {
            match result {
                Ok((text, imports)) => {
                    w.graph.modules[i].text = Some(text);
                    for import in imports {
                        w.resolve_import(i, &import);
                    }
                }
                Err(e) => errors.push(w.error(i, e)),
            }
        }
    }
    if errors.is_empty() {
        Ok(w.graph)
    } else {
        Err(errors)
    }
}

pub fn script_file_name(script: &Path) -> String {
    script
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "__main__.py".into())
}

/// A module's decoded source and the imports found in it.
type Scanned = Result<(String, Vec<Import>), ScanError>;

enum ScanError {
    Syntax(Diagnostic),
    Unreadable(String),
}

fn scan_module(module: &Module, target: &Target) -> Scanned {
    let Kind::Source { file, .. } = &module.kind else {
        return Ok((String::new(), Vec::new()));
    };
    let bytes = file
        .read()
        .map_err(|e| ScanError::Unreadable(format!("{e:#}")))?;
    let text = crate::source::decode(&bytes)
        .map_err(|e| ScanError::Unreadable(e.to_string()))?
        .into_owned();
    let parsed = rustpython_compiler::parser::parse_module(&text).map_err(|e| {
        // The compiler's message matches CPython's ("'(' was never closed"
        // at the bracket), so prefer it to the bare parser's.
        ScanError::Syntax(
            crate::compile::diagnose(&text, &file.display())
                .unwrap_or_else(|| Diagnostic::from_parse_error(&file.display(), &text, &e)),
        )
    })?;
    let mode = scan::ScanMode {
        is_main: module.name == MAIN,
        skip_cli_functions: module.origin == Origin::Stdlib,
    };
    let imports = scan::scan(parsed.syntax(), &text, target, mode);
    Ok((text, imports))
}

impl Walker {
    fn add(
        &mut self,
        name: &str,
        kind: Kind,
        origin: Origin,
        importer: Option<(usize, u32)>,
    ) -> usize {
        let i = self.graph.modules.len();
        if matches!(kind, Kind::Source { .. }) {
            self.queue.push(i);
        }
        self.graph.modules.push(Module {
            name: name.to_string(),
            kind,
            origin,
            importer,
            text: None,
        });
        self.graph.index.insert(name.to_string(), i);
        i
    }

    fn error(&self, i: usize, e: ScanError) -> GraphError {
        let chain = self.graph.imported_by(i);
        match e {
            ScanError::Syntax(diagnostic) => GraphError::Syntax { diagnostic, chain },
            ScanError::Unreadable(message) => {
                let file = match &self.graph.modules[i].kind {
                    Kind::Source { file, .. } => file.display(),
                    _ => self.graph.modules[i].name.clone(),
                };
                GraphError::Unreadable {
                    file,
                    message,
                    chain,
                }
            }
        }
    }

    fn resolve_import(&mut self, importer: usize, import: &Import) {
        let base = match self.absolute_name(importer, import) {
            Ok(name) => name,
            Err(why) => {
                let dots = ".".repeat(import.level as usize);
                let warning = format!(
                    "{} line {}: `from {dots}{} import ...`: {why}",
                    self.graph.display_name(importer),
                    import.line,
                    import.module
                );
                self.graph.warnings.push(warning);
                return;
            }
        };
        if base.is_empty() {
            return;
        }
        if self.graph.modules[importer].origin == Origin::Stdlib
            && is_lazy_stdlib_edge(&self.graph.modules[importer].name, &base)
        {
            return;
        }
        let Some(found) = self.ensure(&base, importer, import.line, import.optional) else {
            return;
        };
        if self.graph.modules[found].is_package() {
            for name in import.names.iter().filter(|n| *n != "*") {
                self.try_submodule(found, &format!("{base}.{name}"), importer, import.line);
            }
        }
    }

    /// The absolute dotted name an import refers to.
    fn absolute_name(&self, importer: usize, import: &Import) -> Result<String, &'static str> {
        if import.level == 0 {
            return Ok(import.module.clone());
        }
        let package = match &import.anchor {
            Some(anchor) => anchor.clone(),
            None => self.graph.package_of(importer),
        };
        if package.is_empty() {
            return Err("relative import in a module that is not in a package");
        }
        let mut parts: Vec<&str> = package.split('.').collect();
        let up = import.level as usize - 1;
        if up >= parts.len() {
            return Err("relative import beyond the top-level package");
        }
        parts.truncate(parts.len() - up);
        if !import.module.is_empty() {
            parts.push(&import.module);
        }
        Ok(parts.join("."))
    }

    /// Make sure `name` (and its parents) are in the graph. `None` when the
    /// name cannot be a module on its own (a parent is missing, or is a plain
    /// module that sets it as an attribute, like `os.path`).
    fn ensure(&mut self, name: &str, importer: usize, line: u32, optional: bool) -> Option<usize> {
        if let Some(&i) = self.graph.index.get(name) {
            let m = &mut self.graph.modules[i];
            if let Kind::Missing {
                optional: was_optional,
            } = &mut m.kind
                && *was_optional
                && !optional
            {
                *was_optional = false;
                m.importer = Some((importer, line));
            }
            return Some(i);
        }
        let via = Some((importer, line));
        let dirs = match name.rsplit_once('.') {
            Some((parent, _)) => {
                let p = self.ensure(parent, importer, line, optional)?;
                match &self.graph.modules[p].kind {
                    Kind::Source {
                        package: Some(dir), ..
                    } => vec![dir.clone()],
                    Kind::Namespace(dirs) => dirs.clone(),
                    _ => return None,
                }
            }
            None => {
                if self.builtins.contains(name) {
                    return Some(self.add(name, Kind::Builtin, Origin::Stdlib, via));
                }
                if self.foreign.contains(name) {
                    return Some(self.add(name, Kind::Foreign, Origin::Stdlib, via));
                }
                self.search.clone()
            }
        };
        let part = name.rsplit('.').next().unwrap_or(name);
        let i = match self.resolver.find(&dirs, part) {
            Found::Module { file, origin } => self.add(
                name,
                Kind::Source {
                    file,
                    package: None,
                },
                origin,
                via,
            ),
            Found::Package { init, dir } => {
                let origin = dir.origin;
                self.add(
                    name,
                    Kind::Source {
                        file: init,
                        package: Some(dir),
                    },
                    origin,
                    via,
                )
            }
            Found::Namespace(dirs) => {
                let origin = dirs[0].origin;
                self.add(name, Kind::Namespace(dirs), origin, via)
            }
            Found::Extension { file, origin } => self.add(name, Kind::Extension(file), origin, via),
            Found::Nowhere => {
                let origin = self.graph.modules[importer].origin;
                self.add(name, Kind::Missing { optional }, origin, via)
            }
        };
        Some(i)
    }

    /// `from pkg import name`: add `pkg.name` if it is a submodule; if it is
    /// not, it is an attribute of `pkg` and nothing is missing.
    fn try_submodule(&mut self, package: usize, name: &str, importer: usize, line: u32) {
        if self.graph.index.contains_key(name) {
            return;
        }
        let dirs = match &self.graph.modules[package].kind {
            Kind::Source {
                package: Some(dir), ..
            } => vec![dir.clone()],
            Kind::Namespace(dirs) => dirs.clone(),
            _ => return,
        };
        let part = name.rsplit('.').next().unwrap_or(name);
        let found = self.resolver.find(&dirs, part);
        if found != Found::Nowhere {
            self.ensure(name, importer, line, false);
        }
    }
}

impl Graph {
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The package a module's relative imports count from.
    fn package_of(&self, i: usize) -> String {
        let m = &self.modules[i];
        if m.name == MAIN {
            return String::new();
        }
        if m.is_package() {
            return m.name.clone();
        }
        m.name
            .rsplit_once('.')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()
    }

    /// How to name a module to the user: the script's file name for `__main__`.
    pub fn display_name(&self, i: usize) -> &str {
        let name = self.modules[i].name.as_str();
        if name == MAIN {
            &self.script_name
        } else {
            name
        }
    }

    /// How module `i` came into the graph, for error messages.
    pub fn imported_by(&self, i: usize) -> ImportedBy {
        ImportedBy(self.modules[i].importer.is_some().then(|| self.chain(i)))
    }

    /// `hello.py -> pkg.util -> yaml`
    pub fn chain(&self, i: usize) -> String {
        let mut names = vec![self.display_name(i)];
        let mut seen = HashSet::from([i]);
        let mut at = i;
        while let Some((parent, _)) = self.modules[at].importer {
            if !seen.insert(parent) {
                break;
            }
            names.push(self.display_name(parent));
            at = parent;
        }
        names.reverse();
        names.join(" -> ")
    }

    /// Modules that are imported unconditionally but cannot be found.
    pub fn missing(&self) -> impl Iterator<Item = (usize, &Module)> {
        self.modules
            .iter()
            .enumerate()
            .filter(|(_, m)| matches!(m.kind, Kind::Missing { optional: false }))
    }

    pub fn extensions(&self) -> impl Iterator<Item = (usize, &Module)> {
        self.modules
            .iter()
            .enumerate()
            .filter(|(_, m)| matches!(m.kind, Kind::Extension(_)))
    }
}
