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

/// What runs when the frozen program starts.
#[derive(Debug, Clone, Copy)]
pub enum GraphEntry<'a> {
    /// A script file, run as `__main__`.
    Script(&'a Path),
    /// A module found from `base` (the working or project directory). With
    /// `as_main` it runs as `__main__` like `python -m` (a package runs its
    /// `__main__` submodule); without, it is imported and a function called.
    Module {
        name: &'a str,
        base: &'a Path,
        as_main: bool,
    },
}

pub struct GraphOptions<'a> {
    pub entry: GraphEntry<'a>,
    /// The program's own directories after the script's (`--path`).
    pub paths: &'a [PathBuf],
    /// Third-party directories: a venv's site-packages and what its `.pth`
    /// files add.
    pub site_packages: &'a [PathBuf],
    pub target: &'a Target,
    /// Modules included whether imported or not: the runtime's needs and
    /// `--hidden-import`s.
    pub always: &'a [String],
    /// `--collect-submodules`: packages included with every submodule.
    pub collect: &'a [String],
    /// `--exclude-module`: left out with their submodules.
    pub excludes: &'a [String],
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// A module or regular package with source; a package has the
    /// directories its submodules are searched in.
    Source {
        file: SourceFile,
        package: Option<Vec<SearchDir>>,
    },
    Namespace(Vec<SearchDir>),
    /// Built into the target's runtime: nothing to bundle.
    Builtin,
    /// Exists only on other platforms (`winreg` on Linux): never reported.
    Foreign,
    /// Left out on purpose (`--exclude-module`).
    Excluded,
    /// Only a compiled extension exists; RustPython cannot load it.
    Extension(PathBuf),
    /// Not found anywhere on the search path.
    Missing,
}

/// One import of one module by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub to: usize,
    pub line: u32,
    /// Inside `try: ... except ImportError` (or similar).
    pub optional: bool,
    /// Inside a function: runs only when the function is called.
    pub delayed: bool,
}

/// An import that cannot be satisfied in the frozen program.
#[derive(Debug, Clone)]
pub struct Unsatisfied {
    pub module: usize,
    /// The importing module, its line, and whether the import is inside a function.
    pub importer: usize,
    pub line: u32,
    pub delayed: bool,
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
    /// Modules this one imports (graph edges), in first-seen order.
    pub imports: Vec<Edge>,
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
    /// The module that runs at start (`__main__` for a script).
    pub entry: usize,
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
    #[error(transparent)]
    Entry(EntryError),
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
    excludes: Vec<String>,
    /// Name of the module that runs as `__main__` (its `__main__` guards count).
    entry_name: String,
    /// Package directories `--collect-submodules` has listed (canonical).
    collected_dirs: HashSet<PathBuf>,
    queue: Vec<usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EntryError(pub String);

/// Walk the graph from the entry. Syntax errors and unreadable files are
/// fatal (every one is reported); missing modules are recorded in the graph.
pub fn build(opts: &GraphOptions<'_>) -> Result<Graph, Vec<GraphError>> {
    let first_dir = match opts.entry {
        GraphEntry::Script(script) => match script.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
        GraphEntry::Module { base, .. } => base.to_path_buf(),
    };
    let mut search = vec![SearchDir {
        location: Location::Disk(first_dir),
        origin: Origin::User,
    }];
    search.extend(opts.paths.iter().map(|p| SearchDir {
        location: Location::Disk(p.clone()),
        origin: Origin::User,
    }));
    search.extend(opts.site_packages.iter().map(|p| SearchDir {
        location: Location::Disk(p.clone()),
        origin: Origin::ThirdParty,
    }));
    search.push(SearchDir {
        location: Location::Stdlib(String::new()),
        origin: Origin::Stdlib,
    });

    let script_name = match opts.entry {
        GraphEntry::Script(script) => script_file_name(script),
        GraphEntry::Module { name, .. } => name.to_string(),
    };
    let mut w = Walker {
        graph: Graph {
            modules: Vec::new(),
            entry: 0,
            script_name,
            index: HashMap::new(),
            warnings: Vec::new(),
        },
        resolver: Resolver::default(),
        search,
        builtins: opts.target.builtin_modules().into_iter().collect(),
        foreign: opts.target.foreign_modules().iter().copied().collect(),
        excludes: opts.excludes.to_vec(),
        entry_name: MAIN.to_string(),
        collected_dirs: HashSet::new(),
        queue: Vec::new(),
    };
    let main = match opts.entry {
        GraphEntry::Script(script) => w.add(
            MAIN,
            Kind::Source {
                file: SourceFile::Disk(script.to_path_buf()),
                package: None,
            },
            Origin::User,
            None,
        ),
        GraphEntry::Module { name, as_main, .. } => match w.entry_module(name, as_main) {
            Ok(i) => i,
            Err(e) => return Err(vec![GraphError::Entry(e)]),
        },
    };
    w.graph.entry = main;
    if !matches!(opts.entry, GraphEntry::Module { as_main: false, .. }) {
        w.entry_name = w.graph.modules[main].name.clone();
    }
    let root_import = |line| Import {
        module: String::new(),
        level: 0,
        names: Vec::new(),
        anchor: None,
        line,
        optional: false,
        delayed: false,
    };
    // Running `pkg.mod` imports `pkg` first.
    let parents: Vec<usize> = {
        let name = &w.graph.modules[main].name;
        name.match_indices('.')
            .filter_map(|(at, _)| w.graph.index.get(&name[..at]).copied())
            .collect()
    };
    for p in parents {
        w.edge(main, p, &root_import(0));
    }
    for name in opts.always {
        if let Some(i) = w.ensure(name, main, 0) {
            w.edge(main, i, &root_import(0));
        }
    }
    for name in opts.collect {
        w.collect_submodules(name, main);
    }

    let mut errors = Vec::new();
    while !w.queue.is_empty() {
        let level = std::mem::take(&mut w.queue);
        let scanned: Vec<(usize, Scanned)> = level
            .par_iter()
            .map(|&i| {
                let module = &w.graph.modules[i];
                (
                    i,
                    scan_module(module, opts.target, module.name == w.entry_name),
                )
            })
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
    w.graph.warnings.append(&mut w.resolver.warnings);
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

/// Larger "source files" are refused: they are data (or a mistake).
const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// A module's decoded source and the imports found in it.
type Scanned = Result<(String, Vec<Import>), ScanError>;

enum ScanError {
    Syntax(Diagnostic),
    Unreadable(String),
}

fn scan_module(module: &Module, target: &Target, is_entry: bool) -> Scanned {
    let Kind::Source { file, .. } = &module.kind else {
        return Ok((String::new(), Vec::new()));
    };
    if let SourceFile::Disk(path) = file
        && let Ok(meta) = std::fs::metadata(path)
        && meta.len() > MAX_SOURCE_BYTES
    {
        return Err(ScanError::Unreadable(format!(
            "the file is {} bytes; Python sources over {MAX_SOURCE_BYTES} bytes are refused",
            meta.len()
        )));
    }
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
        is_main: is_entry,
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
            imports: Vec::new(),
        });
        self.graph.index.insert(name.to_string(), i);
        i
    }

    fn is_excluded(&self, name: &str) -> bool {
        self.excludes.iter().any(|x| {
            name == x
                || name
                    .strip_prefix(x.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    fn edge(&mut self, from: usize, to: usize, import: &Import) {
        if from == to {
            return;
        }
        let edges = &mut self.graph.modules[from].imports;
        match edges.iter_mut().find(|e| e.to == to) {
            // The strongest import of `to` in `from` is what counts.
            Some(e) => {
                if e.optional && !import.optional || e.delayed && !import.delayed {
                    e.line = import.line;
                }
                e.optional &= import.optional;
                e.delayed &= import.delayed;
            }
            None => edges.push(Edge {
                to,
                line: import.line,
                optional: import.optional,
                delayed: import.delayed,
            }),
        }
    }

    /// `--collect-submodules`: the package and everything under it.
    fn collect_submodules(&mut self, name: &str, importer: usize) {
        let Some(i) = self.ensure(name, importer, 0) else {
            return;
        };
        let root = Import {
            module: String::new(),
            level: 0,
            names: Vec::new(),
            anchor: None,
            line: 0,
            optional: false,
            delayed: false,
        };
        self.edge(importer, i, &root);
        let dirs = match &self.graph.modules[i].kind {
            Kind::Source {
                package: Some(dirs),
                ..
            }
            | Kind::Namespace(dirs) => dirs.clone(),
            _ => return,
        };
        // A directory reached again through a symlink is a loop: stop there.
        let mut fresh = false;
        for dir in &dirs {
            match &dir.location {
                Location::Disk(path) => {
                    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                    fresh |= self.collected_dirs.insert(canonical);
                }
                Location::Stdlib(_) => fresh = true,
            }
        }
        if !fresh {
            self.graph.warnings.push(format!(
                "{name}: its directory was already collected (a symlink loop?); its submodules are not collected again"
            ));
            return;
        }
        for part in self.resolver.submodule_names(&dirs) {
            self.collect_submodules(&format!("{name}.{part}"), i);
        }
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
        let found = self.ensure(&base, importer, import.line);
        // `import a.b.c` also imports a and a.b (a missing `a` included).
        let mut parent = base.as_str();
        while let Some((p, _)) = parent.rsplit_once('.') {
            if let Some(&pi) = self.graph.index.get(p) {
                self.edge(importer, pi, import);
            }
            parent = p;
        }
        let Some(found) = found else {
            return;
        };
        self.edge(importer, found, import);
        if self.graph.modules[found].is_package() {
            for name in import.names.iter().filter(|n| *n != "*") {
                if let Some(sub) =
                    self.try_submodule(found, &format!("{base}.{name}"), importer, import.line)
                {
                    self.edge(importer, sub, import);
                }
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
    fn ensure(&mut self, name: &str, importer: usize, line: u32) -> Option<usize> {
        self.ensure_via(name, Some((importer, line)))
    }

    /// The module `-m NAME` runs: NAME itself, or `NAME.__main__` for a
    /// package. It and its parent packages are roots of the graph.
    fn entry_module(&mut self, name: &str, as_main: bool) -> Result<usize, EntryError> {
        let not_found = || {
            EntryError(format!(
                "module {name} not found (searched the working directory, --path, site-packages, the stdlib)"
            ))
        };
        let top = self.ensure_via(name, None).ok_or_else(not_found)?;
        let entry = match &self.graph.modules[top].kind {
            Kind::Source {
                package: Some(_), ..
            }
            | Kind::Namespace(_)
                if as_main =>
            {
                let main = format!("{name}.__main__");
                let i = self
                    .ensure_via(&main, Some((top, 0)))
                    .ok_or_else(not_found)?;
                if !matches!(self.graph.modules[i].kind, Kind::Source { .. }) {
                    return Err(EntryError(format!(
                        "{name} is a package without a __main__ module; it cannot be run with -m"
                    )));
                }
                i
            }
            Kind::Source { .. } | Kind::Namespace(_) => top,
            Kind::Missing => return Err(not_found()),
            _ => {
                return Err(EntryError(format!(
                    "module {name} is built in or compiled; it cannot be the entry point"
                )));
            }
        };
        // The entry heads the import chains shown to the user.
        self.graph.modules[entry].importer = None;
        Ok(entry)
    }

    fn ensure_via(&mut self, name: &str, via: Option<(usize, u32)>) -> Option<usize> {
        if let Some(&i) = self.graph.index.get(name) {
            return Some(i);
        }
        use pyfreeze_bundle::limits::{MAX_NAME_LEN, MAX_NESTING};
        if name.len() > MAX_NAME_LEN || name.split('.').count() > MAX_NESTING {
            let shown: String = name.chars().take(60).collect();
            self.graph.warnings.push(format!(
                "module {shown}... left out: names longer than {MAX_NAME_LEN} characters or nested \
                 deeper than {MAX_NESTING} packages cannot be bundled (is there a symlink loop?)"
            ));
            return None;
        }
        let importer_origin = via.map_or(Origin::User, |(i, _)| self.graph.modules[i].origin);
        if self.is_excluded(name) {
            return Some(self.add(name, Kind::Excluded, importer_origin, via));
        }
        let dirs = match name.rsplit_once('.') {
            Some((parent, _)) => {
                let p = self.ensure_via(parent, via)?;
                match &self.graph.modules[p].kind {
                    Kind::Source {
                        package: Some(dirs),
                        ..
                    }
                    | Kind::Namespace(dirs) => dirs.clone(),
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
                // `__path__ = pkgutil.extend_path(__path__, __name__)` (or
                // pkg_resources.declare_namespace): every directory of that
                // name on the path contributes, as for a namespace package.
                let package_dirs = if extends_path(&init) {
                    self.resolver.portions(&dirs, part)
                } else {
                    vec![dir]
                };
                self.add(
                    name,
                    Kind::Source {
                        file: init,
                        package: Some(package_dirs),
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
                if sets_itself_in_sys_modules(&self.graph, name) {
                    // `sys.modules["collections.abc"] = ...` in the parent
                    // package: the name exists at run time without a file.
                    return None;
                }
                self.add(name, Kind::Missing, importer_origin, via)
            }
        };
        Some(i)
    }

    /// `from pkg import name`: add `pkg.name` if it is a submodule; if it is
    /// not, it is an attribute of `pkg` and nothing is missing.
    fn try_submodule(
        &mut self,
        package: usize,
        name: &str,
        importer: usize,
        line: u32,
    ) -> Option<usize> {
        if let Some(&i) = self.graph.index.get(name) {
            return Some(i);
        }
        let dirs = match &self.graph.modules[package].kind {
            Kind::Source {
                package: Some(dirs),
                ..
            }
            | Kind::Namespace(dirs) => dirs.clone(),
            _ => return None,
        };
        let part = name.rsplit('.').next().unwrap_or(name);
        if self.resolver.find(&dirs, part) == Found::Nowhere && !self.is_excluded(name) {
            return None;
        }
        self.ensure(name, importer, line)
    }
}

/// Whether the package that would hold `name` puts it into `sys.modules`
/// itself (its `__init__.py` names it in a string literal, as
/// `sys.modules["collections.abc"] = _collections_abc` does).
fn sets_itself_in_sys_modules(graph: &Graph, name: &str) -> bool {
    let Some(parent) = name.rsplit_once('.').and_then(|(p, _)| graph.get(p)) else {
        return false;
    };
    let Kind::Source { file, .. } = &parent.kind else {
        return false;
    };
    // The parent's text once scanned; before that, its file.
    let read;
    let bytes = match &parent.text {
        Some(text) => text.as_bytes(),
        None => match file.read() {
            Ok(b) => {
                read = b;
                &read[..]
            }
            Err(_) => return false,
        },
    };
    let has = |needle: String| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    has(format!("sys.modules['{name}']")) || has(format!("sys.modules[\"{name}\"]"))
}

/// Whether a package's `__init__.py` extends its own `__path__`. The
/// standard library never does, so its files are not read for this.
fn extends_path(init: &SourceFile) -> bool {
    if matches!(init, SourceFile::Stdlib(_)) {
        return false;
    }
    init.read()
        .map(|bytes| {
            let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
            has(b"extend_path(") || has(b"declare_namespace(")
        })
        .unwrap_or(false)
}

impl Graph {
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn get(&self, name: &str) -> Option<&Module> {
        self.index_of(name).map(|i| &self.modules[i])
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

    /// Modules the program needs: reachable from the entry script (and the
    /// modules included on purpose) through imports not guarded by
    /// `except ImportError`. With, for each, the importer that first reached it.
    pub fn required(&self) -> Vec<Option<usize>> {
        self.reach(|e| !e.optional)
    }

    /// Like [`Graph::required`], but only through imports that run when the
    /// importing module is imported (not inside functions).
    fn eager(&self) -> Vec<Option<usize>> {
        self.reach(|e| !e.optional && !e.delayed)
    }

    /// Breadth-first reach from the entry over the edges `follow` accepts:
    /// for each module, the module that reached it (itself for the entry).
    fn reach(&self, follow: impl Fn(&Edge) -> bool) -> Vec<Option<usize>> {
        let mut parent: Vec<Option<usize>> = vec![None; self.modules.len()];
        let mut queue = std::collections::VecDeque::from([self.entry]);
        parent[self.entry] = Some(self.entry);
        while let Some(i) = queue.pop_front() {
            for e in self.modules[i].imports.iter().filter(|e| follow(e)) {
                if parent[e.to].is_none() {
                    parent[e.to] = Some(i);
                    queue.push_back(e.to);
                }
            }
        }
        parent
    }

    /// Imports the frozen program cannot satisfy: modules not found, or found
    /// only as compiled extensions, imported without an ImportError guard by
    /// a module the program needs. Imports of modules that only other
    /// platforms have, and optional ones, are left out.
    pub fn unsatisfied(&self) -> Vec<Unsatisfied> {
        let required = self.required();
        let eager = self.eager();
        let mut out: Vec<Unsatisfied> = Vec::new();
        for (importer, m) in self.modules.iter().enumerate() {
            if required[importer].is_none() {
                continue;
            }
            for e in m.imports.iter().filter(|e| !e.optional) {
                if !matches!(self.modules[e.to].kind, Kind::Missing | Kind::Extension(_)) {
                    continue;
                }
                // Delayed if the import, or the way to its importer, is inside a function.
                let e = Edge {
                    delayed: e.delayed || eager[importer].is_none(),
                    ..*e
                };
                match out.iter_mut().find(|u| u.module == e.to) {
                    // Prefer an import at module level over one in a function.
                    Some(u) if u.delayed && !e.delayed => {
                        *u = Unsatisfied {
                            module: e.to,
                            importer,
                            line: e.line,
                            delayed: e.delayed,
                        }
                    }
                    Some(_) => {}
                    None => out.push(Unsatisfied {
                        module: e.to,
                        importer,
                        line: e.line,
                        delayed: e.delayed,
                    }),
                }
            }
        }
        out.sort_by_key(|u| u.module);
        out
    }

    /// `hello.py -> pkg.util`, along the imports the program needs.
    pub fn required_chain(&self, i: usize) -> String {
        let required = self.required();
        let mut names = vec![self.display_name(i)];
        let mut at = i;
        while let Some(Some(parent)) = required.get(at).copied() {
            if parent == at || names.len() > self.modules.len() {
                break;
            }
            names.push(self.display_name(parent));
            at = parent;
        }
        names.reverse();
        names.join(" -> ")
    }
}
