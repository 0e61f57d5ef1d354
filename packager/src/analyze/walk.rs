//! Building the graph: from the entry outwards, breadth first. Each level is
//! read, decoded and parsed in parallel; names are resolved in order, so the
//! result does not depend on thread timing. Package rules fire as their
//! trigger modules join the graph.

use super::compiled;
use super::resolve::{Embedded, Found, Location, Resolver, SearchDir, SourceFile};
use super::scan::{self, Import};
use super::{Edge, Graph, Kind, MAIN, Module, ModuleId};
use crate::diagnostics::{Diagnostic, SyntaxDiagnostic};
use crate::error::CompileFailure;
use crate::rules::{Rules, is_within};
use crate::runtime::{Runtime, Stdlib};
use pyfreeze_bundle::Origin;
use pyfreeze_bundle::target::Target;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    pub runtime: &'a dyn Runtime,
    /// The package rules in force (conditions already checked).
    pub rules: &'a Rules,
    /// `--hidden-import`: included whether imported or not.
    pub hidden_imports: &'a [String],
    /// `--runtime-hook` scripts, bundled as [`runtime_hook_name`]s.
    pub runtime_hooks: &'a [PathBuf],
    /// `--collect-submodules`: packages included with every submodule.
    pub collect: &'a [String],
    /// `--exclude-module`: left out with their submodules.
    pub excludes: &'a [String],
    /// The venv's distributions, for entry points.
    pub distributions: &'a [crate::project::dists::Distribution],
}

/// A failure to start the walk at all: the entry cannot be found or run.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EntryError(pub String);

#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Entry(EntryError),
    /// Every module that cannot be read or parsed.
    #[error("{} modules cannot be read or parsed", .0.len())]
    Modules(Vec<CompileFailure>),
}

pub(super) struct Walker<'a> {
    pub(super) graph: Graph,
    pub(super) resolver: Resolver,
    pub(super) search: Vec<SearchDir>,
    pub(super) target: &'a Target,
    pub(super) runtime: &'a dyn Runtime,
    pub(super) rules: &'a Rules,
    pub(super) builtins: HashSet<String>,
    pub(super) foreign: HashSet<&'static str>,
    /// `--exclude-module`s, then rule excludes as their rules fire (with why).
    pub(super) excludes: Vec<(String, Option<super::Exclusion>)>,
    /// Name of the module that runs as `__main__` (its `__main__` guards count).
    pub(super) entry_name: String,
    /// Package directories collected so far (canonical): a loop ends there.
    pub(super) collected_dirs: HashSet<PathBuf>,
    /// Modules to scan at the next level.
    pub(super) queue: Vec<ModuleId>,
    /// Modules whose rules have not fired yet.
    pub(super) untriggered: Vec<ModuleId>,
    /// The venv's distributions, for entry points.
    pub(super) distributions: &'a [crate::project::dists::Distribution],
    /// Entry-point groups already followed.
    pub(super) groups_seen: HashSet<String>,
    /// Each top-level package's modules by name, listed once, for the
    /// Cython string tables of its extensions (scanned in parallel).
    pub(super) package_modules: std::sync::Mutex<HashMap<PathBuf, Arc<HashSet<String>>>>,
}

/// Walk the graph from the entry. Unreadable and unparsable files are fatal
/// (every one is reported); missing modules are recorded in the graph.
pub fn analyze(opts: &GraphOptions<'_>) -> Result<Graph, AnalyzeError> {
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
    let site = opts.site_packages.iter().map(|p| SearchDir {
        location: Location::Disk(p.clone()),
        origin: Origin::ThirdParty,
    });
    let stdlib: Vec<SearchDir> = match opts.runtime.stdlib() {
        Stdlib::Embedded(tree) => vec![SearchDir {
            location: Location::Embedded(Embedded {
                tree,
                path: String::new(),
            }),
            origin: Origin::Stdlib,
        }],
        Stdlib::Disk(dirs) => dirs
            .into_iter()
            .map(|d| SearchDir {
                location: Location::Disk(d),
                origin: Origin::Stdlib,
            })
            .collect(),
    };
    if opts.runtime.stdlib_before_site_packages() {
        search.extend(stdlib);
        search.extend(site);
    } else {
        search.extend(site);
        search.extend(stdlib);
    }

    let script_name = match opts.entry {
        GraphEntry::Script(script) => script_file_name(script),
        GraphEntry::Module { name, .. } => name.to_string(),
    };
    let mut w = Walker {
        graph: Graph {
            loads_extensions: opts.runtime.loads_extensions(),
            ..Graph::new(script_name)
        },
        resolver: Resolver::new(
            opts.runtime.extension_suffixes(),
            opts.runtime.loads_extensions(),
        ),
        search,
        target: opts.target,
        runtime: opts.runtime,
        rules: opts.rules,
        builtins: opts
            .runtime
            .builtin_modules(opts.target)
            .into_iter()
            .collect(),
        foreign: opts.target.foreign_modules().iter().copied().collect(),
        excludes: opts.excludes.iter().map(|x| (x.clone(), None)).collect(),
        entry_name: MAIN.to_string(),
        collected_dirs: HashSet::new(),
        queue: Vec::new(),
        untriggered: Vec::new(),
        distributions: opts.distributions,
        groups_seen: HashSet::new(),
        package_modules: Default::default(),
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
        GraphEntry::Module { name, as_main, .. } => {
            w.entry_module(name, as_main).map_err(AnalyzeError::Entry)?
        }
    };
    w.graph.entry = main;
    if !matches!(opts.entry, GraphEntry::Module { as_main: false, .. }) {
        w.entry_name = w.graph[main].name.clone();
    }
    // Running `pkg.mod` imports `pkg` first.
    let parents: Vec<ModuleId> = {
        let name = &w.graph[main].name;
        name.match_indices('.')
            .filter_map(|(at, _)| w.graph.id_of(&name[..at]))
            .collect()
    };
    for p in parents {
        w.edge(main, p, &root_import());
    }
    for rule in opts.rules.always() {
        w.fire(rule, main);
    }
    for name in opts.runtime.required_modules() {
        w.include(&name, main);
    }
    for name in opts.hidden_imports {
        w.include(name, main);
    }
    for (i, script) in opts.runtime_hooks.iter().enumerate() {
        let kind = Kind::Source {
            file: SourceFile::Disk(script.clone()),
            package: None,
        };
        let hook = w.add(&runtime_hook_name(i), kind, Origin::User, Some((main, 0)));
        w.edge(main, hook, &root_import());
    }
    for name in opts.collect {
        w.collect_submodules(name, main);
    }
    w.fire_pending();

    let mut errors = Vec::new();
    let mut observed: HashSet<String> = HashSet::new();
    loop {
        w.walk_queue(&mut errors);
        // What packages with compiled extensions import from C cannot be
        // read: observe it, then walk what that adds.
        let observed_more = w.observe_packages(&mut observed);
        let plugged_in = w.own_entry_points();
        if !observed_more && !plugged_in {
            break;
        }
    }
    w.graph.diagnostics.append(&mut w.resolver.diagnostics);
    let computed = w.computed_import_warnings();
    w.graph.diagnostics.extend(computed);
    if errors.is_empty() {
        Ok(w.graph)
    } else {
        Err(AnalyzeError::Modules(errors))
    }
}

impl Walker<'_> {
    /// Scan and resolve until nothing new is queued.
    fn walk_queue(&mut self, errors: &mut Vec<CompileFailure>) {
        let w = self;
        while !w.queue.is_empty() {
            let level = std::mem::take(&mut w.queue);
            let scanned: Vec<(ModuleId, Scanned)> =
                level.par_iter().map(|&id| (id, w.scan(id))).collect();
            for (id, result) in scanned {
                match result {
                    Ok((text, found)) => {
                        w.graph.get_mut(id).text = Some(text);
                        for import in &found.imports {
                            w.resolve_import(id, import);
                        }
                        for (text, line) in &found.dotted_strings {
                            w.dotted_string(id, text, *line);
                        }
                        for import in &found.type_checking_imports {
                            w.type_checking_import(id, import);
                        }
                        for group in &found.entry_point_groups {
                            w.entry_point_group(group, id);
                        }
                        w.graph.rules.copy_metadata.extend(found.distributions);
                        w.graph
                            .computed_imports
                            .extend(found.computed_imports.into_iter().map(|line| (id, line)));
                        // The program's own code asks for a name no bundle
                        // can hold: say so now, not as a damaged bundle later.
                        // (In packages, such calls are left to fail as CPython's would.)
                        if w.graph[id].origin == Origin::User {
                            for (name, line) in found.invalid_names {
                                errors.push(CompileFailure::BadModuleName {
                                    file: w.display_file(id),
                                    line,
                                    name,
                                });
                            }
                        }
                    }
                    Err(e) => errors.push(w.error(id, e)),
                }
                w.fire_pending();
            }
        }
    }

    /// A string literal of module `id` that reads as a dotted path: the
    /// module it names (`"pkg.mod"`), or the module of the object it names
    /// (`"pkg.mod.Class"`), is bundled if it exists. Only for the program's
    /// own code and for strings naming the package they are in (cookiecutter's
    /// Jinja extensions, Django's and logging's settings, plug-in tables):
    /// never for the standard library, whose size the graph keeps down.
    fn dotted_string(&mut self, id: ModuleId, text: &str, line: u32) {
        let module = &self.graph[id];
        let wanted = match module.origin {
            Origin::User => true,
            Origin::ThirdParty => top_level(text) == top_level(&module.name),
            Origin::Stdlib => false,
        };
        if !wanted {
            return;
        }
        let object_module = text.rsplit_once('.').map(|(m, _)| m);
        for name in std::iter::once(text).chain(object_module) {
            if !self.exists(name, id) {
                continue;
            }
            let import = Import {
                module: name.to_string(),
                line,
                optional: true,
                delayed: true,
                ..root_import()
            };
            self.resolve_import(id, &import);
        }
    }

    /// An import under `if TYPE_CHECKING:` of module `id`: followed (as an
    /// optional, delayed import of a module that exists) only where it names
    /// a module of the same package, as lazily loaded submodules are; an
    /// import there of anything else is for annotations only.
    fn type_checking_import(&mut self, id: ModuleId, import: &Import) {
        let module = &self.graph[id];
        if module.origin == Origin::Stdlib {
            return;
        }
        if import.level == 0 && top_level(&import.module) != top_level(&module.name) {
            return;
        }
        let import = Import {
            only_if_found: true,
            ..import.clone()
        };
        self.resolve_import(id, &import);
    }

    /// One warning per package (not per call) with imports by computed
    /// names that no package rule covers, naming the first place.
    fn computed_import_warnings(&self) -> Vec<Diagnostic> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for &(id, line) in &self.graph.computed_imports {
            let m = &self.graph[id];
            let package = top_level(&m.name);
            let covered = self.rules.iter().any(|r| {
                matches!(&r.trigger, crate::rules::Trigger::Module(t) if top_level(t) == package)
            });
            if m.origin == Origin::Stdlib || covered || !seen.insert(package) {
                continue;
            }
            let Kind::Source { file, .. } = &m.kind else {
                continue;
            };
            let sites = self
                .graph
                .computed_imports
                .iter()
                .filter(|(i, _)| self.graph[*i].name.split('.').next() == Some(package))
                .count();
            // --collect-submodules takes a package: not a script or a
            // plain module, for which it would fail.
            let collectable = m.name != MAIN
                && self
                    .graph
                    .id_of(package)
                    .is_some_and(|p| self.graph[p].package_dirs().is_some());
            out.push(Diagnostic::ComputedImport {
                package: if m.name == MAIN {
                    self.graph.script_name.clone()
                } else {
                    package.to_string()
                },
                file: PathBuf::from(file.display()),
                line,
                sites,
                collectable,
            });
        }
        out
    }

    /// Observe the imports of third-party extension modules and of their
    /// top-level packages, those not observed yet; whether that queued anything.
    fn observe_packages(&mut self, observed: &mut HashSet<String>) -> bool {
        if !self.graph.loads_extensions {
            return false;
        }
        let mut packages: Vec<String> = self
            .graph
            .iter()
            .filter(|(_, m)| m.origin == Origin::ThirdParty && matches!(m.kind, Kind::Extension(_)))
            .flat_map(|(_, m)| [top_level(&m.name).to_string(), m.name.clone()])
            .filter(|name| !observed.contains(name))
            .collect();
        // Packages first, each before its modules.
        packages.sort_by_key(|n| (n.matches('.').count(), n.clone()));
        packages.dedup();
        if packages.is_empty() {
            return false;
        }
        observed.extend(packages.iter().cloned());
        let dirs: Vec<PathBuf> = self
            .search
            .iter()
            .filter(|d| d.origin != Origin::Stdlib)
            .filter_map(|d| match &d.location {
                Location::Disk(p) => Some(p.clone()),
                Location::Embedded(_) => None,
            })
            .collect();
        for (package, loaded) in self.runtime.observe_imports(&packages, &dirs) {
            let (Some(loaded), Some(importer)) = (loaded, self.graph.id_of(&package)) else {
                continue;
            };
            for name in loaded {
                let import = Import {
                    module: name,
                    optional: true,
                    delayed: true,
                    only_if_found: true,
                    observed: true,
                    ..root_import()
                };
                self.resolve_observed(importer, &import);
            }
        }
        self.fire_pending();
        !self.queue.is_empty()
    }
}

pub fn script_file_name(script: &Path) -> String {
    script
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "__main__.py".into())
}

/// An import that stands for "included on purpose": line 0, not optional.
pub(super) fn root_import() -> Import {
    Import {
        module: String::new(),
        level: 0,
        names: Vec::new(),
        anchor: None,
        line: 0,
        optional: false,
        delayed: false,
        only_if_found: false,
        fallback_for: Vec::new(),
        observed: false,
        by_rule: false,
    }
}

/// `pkg` of `pkg.sub.mod`.
fn top_level(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// `pkg/mod.py` beside the extension module `pkg/mod.cpython-312-x86_64-linux-gnu.so`.
fn source_beside(extension: &std::path::Path) -> Option<std::path::PathBuf> {
    let name = extension.file_name()?.to_str()?;
    let stem = name.split('.').next()?;
    let source = extension.with_file_name(format!("{stem}.py"));
    source.is_file().then_some(source)
}

/// Larger "source files" are refused: they are data (or a mistake).
const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// A module's decoded source and the imports found in it.
type Scanned = Result<(String, scan::ScanResult), ScanError>;

enum ScanError {
    Syntax(SyntaxDiagnostic),
    Unreadable(String),
}

impl Walker<'_> {
    fn scan(&self, id: ModuleId) -> Scanned {
        let module = &self.graph[id];
        if let Kind::Extension(file) = &module.kind {
            // What the extension imports from C, guessed from its strings.
            let bytes = std::fs::read(file).map_err(|e| {
                ScanError::Unreadable(format!("cannot read {}: {e}", file.display()))
            })?;
            let mut imports = compiled::binary_imports(&bytes);
            // mypyc (mypy, black) and some Cython packages ship each module's
            // source beside it, and keep its strings where the scan above
            // cannot read them: the source's imports are the module's.
            if let Some(source) = source_beside(file)
                && let Ok((_, found)) = self.scan_source(id, &SourceFile::Disk(source))
            {
                imports.extend(found.imports);
            }
            // Only the package's own modules: another package's, imported
            // in a function, is an optional integration (scipy.sparse for
            // pyarrow's tensors) that the program imports itself if it uses it.
            let top = module.name.split('.').next().unwrap_or_default();
            imports.extend(
                compiled::cython_source_imports(file, MAX_SOURCE_BYTES)
                    .into_iter()
                    .filter(|i| i.level > 0 || i.module.split('.').next() == Some(top)),
            );
            let tables = compiled::cython_string_tables(&bytes);
            if !tables.is_empty()
                && let Some(own) = self.package_modules(&module.name, file)
            {
                imports.extend(compiled::cython_table_imports(&tables, top, &own));
            }
            return Ok((
                String::new(),
                scan::ScanResult {
                    imports,
                    ..Default::default()
                },
            ));
        }
        let Kind::Source { file, .. } = &module.kind else {
            return Ok((String::new(), scan::ScanResult::default()));
        };
        self.scan_source(id, file)
    }

    /// The modules of the top-level package that holds `file`, the
    /// extension module `name`; listed from disk once per package.
    fn package_modules(&self, name: &str, file: &Path) -> Option<Arc<HashSet<String>>> {
        let top = name.split('.').next()?;
        // pkg.sub.ext is <site>/pkg/sub/ext.*.so: <site> is one level up
        // per dot, and one more.
        let dir = file.ancestors().nth(name.matches('.').count() + 1)?;
        let dir = dir.join(top);
        if let Some(known) = self.lock_package_modules().get(&dir) {
            return Some(known.clone());
        }
        let listed = Arc::new(compiled::package_modules(top, &dir));
        self.lock_package_modules().insert(dir, listed.clone());
        Some(listed)
    }

    fn lock_package_modules(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<HashSet<String>>>> {
        // The map holds finished listings only: a panic elsewhere leaves it sound.
        self.package_modules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Read and scan `file`, the source of module `id`.
    fn scan_source(&self, id: ModuleId, file: &SourceFile) -> Scanned {
        let module = &self.graph[id];
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
        let text = super::source::decode(&bytes)
            .map_err(|e| ScanError::Unreadable(e.to_string()))?
            .into_owned();
        let parsed = rustpython_compiler::parser::parse_module(&text).map_err(|e| {
            // The compiler's message matches the interpreter's ("'(' was never
            // closed" at the bracket), so prefer it to the bare parser's.
            ScanError::Syntax(
                self.runtime
                    .diagnose(&text, &file.display())
                    .unwrap_or_else(|| scan::parse_error(&file.display(), &text, &e)),
            )
        })?;
        let skip = self
            .rules
            .skip_functions(&module.name, module.origin == Origin::Stdlib);
        let mode = scan::ScanMode {
            is_main: module.name == self.entry_name,
            skip_functions: &skip,
            python_version: self.runtime.python_version(),
        };
        let found = scan::scan(parsed.syntax(), &text, self.target, mode);
        Ok((text, found))
    }

    pub(super) fn add(
        &mut self,
        name: &str,
        kind: Kind,
        origin: Origin,
        importer: Option<(ModuleId, u32)>,
    ) -> ModuleId {
        let scannable = match kind {
            Kind::Source { .. } => true,
            Kind::Extension(_) => self.graph.loads_extensions,
            _ => false,
        };
        let id = self.graph.push(Module {
            name: name.to_string(),
            kind,
            origin,
            importer,
            text: None,
            imports: Vec::new(),
        });
        if scannable {
            self.queue.push(id);
        }
        self.untriggered.push(id);
        id
    }

    pub(super) fn edge(&mut self, from: ModuleId, to: ModuleId, import: &Import) {
        if from == to {
            return;
        }
        let edges = &mut self.graph.get_mut(from).imports;
        match edges.iter_mut().find(|e| e.to == to) {
            // The strongest import of `to` in `from` is what counts.
            Some(e) => {
                if e.optional && !import.optional || e.delayed && !import.delayed {
                    e.line = import.line;
                }
                e.optional &= import.optional;
                e.delayed &= import.delayed;
                e.observed |= import.observed;
                e.by_rule |= import.by_rule;
            }
            None => edges.push(Edge {
                to,
                line: import.line,
                optional: import.optional,
                delayed: import.delayed,
                observed: import.observed,
                by_rule: import.by_rule,
            }),
        }
    }

    fn display_file(&self, id: ModuleId) -> String {
        match &self.graph[id].kind {
            Kind::Source { file, .. } => file.display(),
            _ => self.graph[id].name.clone(),
        }
    }

    fn error(&self, id: ModuleId, e: ScanError) -> CompileFailure {
        let chain = self.graph.imported_by(id);
        match e {
            ScanError::Syntax(diagnostic) => CompileFailure::Syntax { diagnostic, chain },
            ScanError::Unreadable(message) => {
                let file = match &self.graph[id].kind {
                    Kind::Source { file, .. } => file.display(),
                    _ => self.graph[id].name.clone(),
                };
                CompileFailure::Unreadable {
                    file,
                    message,
                    chain,
                }
            }
        }
    }

    /// A name found in a compiled extension's strings is followed when it
    /// is a module of the extension's own package, or of the standard
    /// library: anything else is far likelier a word than an import.
    fn binary_import_allowed(&mut self, importer: ModuleId, name: &str) -> bool {
        let top = top_level(name);
        let own = top_level(&self.graph[importer].name) == top;
        if !own {
            let origin = match self.graph.id_of(top) {
                Some(id) => Some(self.graph[id].origin),
                None => match self.resolver.find(&self.search.clone(), top) {
                    Found::Module { origin, .. } | Found::Extension { origin, .. } => Some(origin),
                    Found::Package { dir, .. } => Some(dir.origin),
                    Found::Namespace(dirs) => dirs.first().map(|d| d.origin),
                    Found::Nowhere => self.builtins.contains(top).then_some(Origin::Stdlib),
                },
            };
            if origin != Some(Origin::Stdlib) {
                return false;
            }
        }
        self.exists(name, importer)
    }

    /// An import seen happen (by `observe_imports`): followed where the
    /// module exists as a file, not as an alias some package registered.
    fn resolve_observed(&mut self, importer: ModuleId, import: &Import) {
        if self.exists(&import.module, importer) {
            let import = Import {
                only_if_found: false,
                ..import.clone()
            };
            self.resolve_import(importer, &import);
        }
    }

    fn resolve_import(&mut self, importer: ModuleId, import: &Import) {
        let base = match self.absolute_name(importer, import) {
            Ok(name) => name,
            Err(why) => {
                let dots = ".".repeat(import.level as usize);
                self.graph.diagnostics.push(Diagnostic::BadRelativeImport {
                    importer: self.graph.display_name(importer).to_string(),
                    line: import.line,
                    import: format!("{dots}{}", import.module),
                    why: why.to_string(),
                });
                return;
            }
        };
        if base.is_empty() || (import.only_if_found && !self.binary_import_allowed(importer, &base))
        {
            return;
        }
        let rules = self.rules;
        let importer_name = self.graph[importer].name.clone();
        // `from . import sub` drops as `import pkg.sub` does.
        let dropped = |name: &str| {
            rules
                .for_module(&importer_name)
                .any(|r| r.drop_imports.iter().any(|d| is_within(name, d)))
        };
        if dropped(&base) {
            return;
        }
        // A fallback whose primaries are all there never runs.
        let spare;
        let import = if !import.fallback_for.is_empty() && self.primaries_present(importer, import)
        {
            spare = Import {
                optional: true,
                ..import.clone()
            };
            &spare
        } else {
            import
        };
        let found = self.ensure(&base, importer, import.line);
        // `import a.b.c` also imports a and a.b (a missing `a` included).
        let mut parent = base.as_str();
        while let Some((p, _)) = parent.rsplit_once('.') {
            if let Some(pi) = self.graph.id_of(p) {
                self.edge(importer, pi, import);
            }
            parent = p;
        }
        let Some(found) = found else {
            return;
        };
        self.edge(importer, found, import);
        if self.graph[found].is_package() {
            for name in import.names.iter().filter(|n| *n != "*") {
                let sub_name = format!("{base}.{name}");
                if dropped(&sub_name) {
                    continue;
                }
                if let Some(sub) = self.try_submodule(found, &sub_name, importer, import.line) {
                    self.edge(importer, sub, import);
                }
            }
        }
    }

    /// Whether every import a fallback stands in for resolved to a module
    /// the program has.
    fn primaries_present(&self, importer: ModuleId, import: &Import) -> bool {
        import.fallback_for.iter().all(|(module, level)| {
            let primary = Import {
                module: module.clone(),
                level: *level,
                ..root_import()
            };
            self.absolute_name(importer, &primary)
                .ok()
                .and_then(|name| self.graph.id_of(&name))
                .is_some_and(|id| !self.graph.is_unsatisfiable(id))
        })
    }

    /// Every distribution of the venv with entry points in `group` (a
    /// plug-in group read by name): the modules they name, and their
    /// metadata, imported (optionally) by `reader`.
    pub(super) fn entry_point_group(&mut self, group: &str, reader: ModuleId) {
        if !self.groups_seen.insert(group.to_string()) {
            return;
        }
        let distributions = self.distributions;
        for dist in distributions {
            let modules: Vec<&str> = dist.entry_point_modules(group).collect();
            if modules.is_empty() {
                continue;
            }
            self.graph.rules.copy_metadata.push(dist.name.clone());
            for module in modules {
                let fresh = self.graph.id_of(module).is_none();
                if self.exists(module, reader) {
                    if fresh {
                        self.plugin(module, group, &dist.name);
                    }
                    self.include_as(module, reader, true);
                }
            }
        }
    }

    /// Plug-ins that only entry points name: a bundled distribution's entry
    /// points into its own modules, for a group whose host is bundled
    /// (`cliff.formatter.list` when cliff is, `pytest11` when pytest is).
    /// Hosts often compute the group's name (stevedore's namespaces), so the
    /// literal lookups the scan finds are not enough. Other distributions'
    /// plug-ins stay out: the program may never load them (a venv's every
    /// `pytest11`). True when this queued modules to walk.
    fn own_entry_points(&mut self) -> bool {
        let distributions = self.distributions;
        let mut wanted = Vec::new();
        for dist in distributions {
            if !dist.top_level.iter().any(|t| self.bundled(t).is_some()) {
                continue;
            }
            for (group, _, value) in &dist.entry_points {
                let module = value.split(':').next().unwrap_or(value).trim();
                if BUILD_TIME_GROUPS.iter().any(|g| is_within(group, g))
                    || !dist.top_level.contains(top_level(module))
                    || self.graph.id_of(module).is_some()
                {
                    continue;
                }
                if let Some(host) = group_hosts(group).find_map(|h| self.bundled(h)) {
                    wanted.push((host, group.as_str(), &dist.name, module));
                }
            }
        }
        for (host, group, dist, module) in wanted {
            let fresh = self.graph.id_of(module).is_none();
            if self.exists(module, host) {
                self.graph.rules.copy_metadata.push(dist.to_string());
                if fresh {
                    self.plugin(module, group, dist);
                }
                self.include_as(module, host, true);
            }
        }
        self.fire_pending();
        !self.queue.is_empty()
    }

    /// Note that `module` comes as a plug-in (for `why`).
    fn plugin(&mut self, module: &str, group: &str, dist: &str) {
        let why = format!("entry point group {group} of distribution {dist}");
        self.graph.plugins.insert(module.to_string(), why);
    }

    /// The module named `name`, when the graph holds it (not missing).
    fn bundled(&self, name: &str) -> Option<ModuleId> {
        let id = self.graph.id_of(name)?;
        (!matches!(self.graph[id].kind, Kind::Missing)).then_some(id)
    }

    /// The absolute dotted name an import refers to.
    fn absolute_name(&self, importer: ModuleId, import: &Import) -> Result<String, &'static str> {
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
}

/// The module a `--runtime-hook` script is bundled as: both runtimes import
/// `pyfreeze_runtime_hook_00`, `_01`, ... in turn before the entry point
/// (`run_runtime_hooks` in bundle/src/runtime/importer.py).
pub fn runtime_hook_name(i: usize) -> String {
    format!("pyfreeze_runtime_hook_{i:02}")
}

/// Entry-point groups only installers and build tools read.
const BUILD_TIME_GROUPS: [&str; 5] = [
    "console_scripts",
    "gui_scripts",
    "distutils",
    "setuptools",
    "egg_info",
];

/// The modules that may host an entry-point group: its first dotted part,
/// that without trailing digits (`pytest11`), and before an underscore.
fn group_hosts(group: &str) -> impl Iterator<Item = &str> {
    let first = group.split('.').next().unwrap_or(group);
    let bare = first.trim_end_matches(|c: char| c.is_ascii_digit());
    let stem = first.split('_').next().unwrap_or(first);
    [first, bare, stem].into_iter().filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::rustpython::RustPython;

    #[test]
    fn a_groups_host_is_its_first_part_bare_of_digits_or_before_an_underscore() {
        let hosts = |g| group_hosts(g).collect::<Vec<_>>();
        assert_eq!(hosts("cliff.formatter.list")[0], "cliff");
        assert_eq!(hosts("pytest11")[1], "pytest");
        assert_eq!(hosts("opentelemetry_instrumentor")[2], "opentelemetry");
        assert!(
            BUILD_TIME_GROUPS
                .iter()
                .any(|g| is_within("distutils.commands", g))
        );
        assert!(
            !BUILD_TIME_GROUPS
                .iter()
                .any(|g| is_within("sphinx.builders", g))
        );
    }

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn walk(dir: &Path, rules: &Rules, hidden: &[String], excludes: &[String]) -> Graph {
        let target = Target::parse("x86_64-unknown-linux-gnu").unwrap();
        analyze(&GraphOptions {
            entry: GraphEntry::Script(&dir.join("main.py")),
            paths: &[],
            site_packages: &[],
            target: &target,
            runtime: &RustPython,
            rules,
            hidden_imports: hidden,
            runtime_hooks: &[],
            collect: &[],
            excludes,
            distributions: &[],
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn names(g: &Graph) -> Vec<&str> {
        let mut names: Vec<&str> = g.iter().map(|(_, m)| m.name.as_str()).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn imports_are_followed_and_kinds_recorded() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                (
                    "main.py",
                    "import pkg.sub\nfrom pkg import attr, other\nimport sys, missing_mod\n",
                ),
                ("pkg/__init__.py", "attr = 1\n"),
                ("pkg/sub.py", "from . import other\n"),
                ("pkg/other.py", ""),
            ],
        );
        let g = walk(dir.path(), &Rules::default(), &[], &[]);
        assert_eq!(
            names(&g),
            [MAIN, "missing_mod", "pkg", "pkg.other", "pkg.sub", "sys"]
        );
        assert!(matches!(g.get("sys").unwrap().kind, Kind::Builtin));
        assert!(matches!(g.get("missing_mod").unwrap().kind, Kind::Missing));
        let other = g.id_of("pkg.other").unwrap();
        assert_eq!(g.chain(other), "main.py -> pkg.other");
        let unsatisfied = g.unsatisfied();
        assert_eq!(unsatisfied.len(), 1);
        assert_eq!(g[unsatisfied[0].module].name, "missing_mod");
        assert_eq!(unsatisfied[0].line, 3);
    }

    #[test]
    fn rules_fire_when_their_trigger_joins_the_graph() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("main.py", "import plug\n"),
                ("plug/__init__.py", "import plug.cli\n"),
                (
                    "plug/cli.py",
                    "import argparse_like\nfrom . import qtbits\n",
                ),
                ("plug/qtbits.py", ""),
                ("plug/loaders/__init__.py", ""),
                ("plug/loaders/a.py", "import plug.loaders.deep.b\n"),
                ("plug/loaders/deep/b.py", ""),
                ("plug/tests/__init__.py", ""),
                ("argparse_like.py", ""),
                ("unrelated/__init__.py", ""),
            ],
        );
        let text = r#"
[[rule]]
module = "plug"
why = "loaders are found by name"
collect-submodules = ["plug.loaders"]
exclude = ["plug.tests"]
hidden-imports = ["plug.tests", "plug.not_in_this_version"]
optional = ["gone"]

[[rule]]
module = "plug.cli"
why = "the command line is never run frozen"
drop-imports = ["argparse_like", "plug.qtbits"]

[[rule]]
module = "unrelated"
why = "never triggered"
hidden-imports = ["plug.tests"]
"#;
        let rules = Rules {
            rules: crate::rules::parse("plug.toml", text).unwrap(),
        };
        let g = walk(dir.path(), &rules, &[], &[]);
        assert_eq!(
            names(&g),
            [
                MAIN,
                "plug",
                "plug.cli",
                "plug.loaders",
                "plug.loaders.a",
                "plug.loaders.deep",
                "plug.loaders.deep.b",
                "plug.tests"
            ]
        );
        assert!(matches!(
            g.get("plug.tests").unwrap().kind,
            Kind::Excluded { rule: Some(_) }
        ));
        // Collected modules are imported by the rule's trigger.
        let a = g.id_of("plug.loaders.a").unwrap();
        assert_eq!(g.chain(a), "main.py -> plug -> plug.loaders.a");
        assert_eq!(g.rules.fired, ["plug.toml: plug", "plug.toml: plug.cli"]);
        assert!(g.rules.optional.contains("gone"));
    }

    #[test]
    fn hidden_and_excluded_modules_from_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("main.py", "import heavy\n"),
                ("heavy.py", ""),
                ("computed.py", "import json\n"),
            ],
        );
        let g = walk(
            dir.path(),
            &Rules::default(),
            &["computed".into()],
            &["heavy".into()],
        );
        assert!(matches!(
            g.get("heavy").unwrap().kind,
            Kind::Excluded { rule: None }
        ));
        assert!(matches!(
            g.get("computed").unwrap().kind,
            Kind::Source { .. }
        ));
        assert!(
            g.get("json").is_some(),
            "a hidden import's own imports are followed"
        );
        assert!(
            g.unsatisfied().is_empty(),
            "exclusions asked for are not problems"
        );
    }

    #[test]
    fn unreadable_and_broken_files_are_all_reported() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("main.py", "import a, b\n"),
                ("a.py", "def f(:\n"),
                ("b.py", "x = '\u{e9}'\n"),
            ],
        );
        std::fs::write(dir.path().join("b.py"), b"x = '\xff'\n").unwrap();
        let target = Target::parse("x86_64-unknown-linux-gnu").unwrap();
        let err = analyze(&GraphOptions {
            entry: GraphEntry::Script(&dir.path().join("main.py")),
            paths: &[],
            site_packages: &[],
            target: &target,
            runtime: &RustPython,
            rules: &Rules::default(),
            hidden_imports: &[],
            runtime_hooks: &[],
            collect: &[],
            excludes: &[],
            distributions: &[],
        })
        .err()
        .unwrap();
        let AnalyzeError::Modules(failures) = err else {
            panic!("expected module failures");
        };
        assert_eq!(failures.len(), 2);
        assert!(
            matches!(&failures[0], CompileFailure::Syntax { diagnostic, .. } if diagnostic.line == 1)
        );
        assert!(
            matches!(&failures[1], CompileFailure::Unreadable { message, .. } if message.contains("UTF-8"))
        );
    }
}
