//! The import graph: every module the program can import, found by reading
//! sources from the entry outwards. This module holds the data model and
//! the questions asked of it; [`walk`] builds it, [`scan`] finds the imports
//! in one source, [`resolve`] finds a name on the search path, [`problems`]
//! turns what is missing into diagnostics.

pub mod compiled;
mod condition;
mod find;
mod include;
pub mod integrations;
pub mod problems;
pub mod resolve;
pub mod scan;
pub mod source;
pub mod walk;

pub use walk::{GraphEntry, GraphOptions, analyze};

use pyfreeze_bundle::Origin;
use resolve::{SearchDir, SourceFile};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

/// Name of the entry script's module record.
pub const MAIN: &str = "__main__";

/// A module of one graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(u32);

impl ModuleId {
    /// Position in the order modules were found.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    fn from_index(i: usize) -> Self {
        ModuleId(u32::try_from(i).expect("fewer than 2^32 modules"))
    }
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
    /// Left out on purpose: `--exclude-module`, or a package rule (with its why).
    Excluded {
        rule: Option<Exclusion>,
    },
    /// A compiled extension module (`.so`): bundled for a runtime that loads
    /// them, else a module the program cannot import.
    Extension(PathBuf),
    /// Not found anywhere on the search path.
    Missing,
}

/// One import of one module by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub to: ModuleId,
    pub line: u32,
    /// Inside `try: ... except ImportError` (or similar).
    pub optional: bool,
    /// Inside a function: runs only when the function is called.
    pub delayed: bool,
    /// Seen happen when the importing package was imported (CPython), not
    /// read in its source.
    pub observed: bool,
    /// Added by a package rule (or an entry point), not read in source.
    pub by_rule: bool,
}

/// An import that cannot be satisfied in the frozen program.
#[derive(Debug, Clone)]
pub struct Unsatisfied {
    pub module: ModuleId,
    /// The importing module, its line, and whether the import is inside a function.
    pub importer: ModuleId,
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
    pub importer: Option<(ModuleId, u32)>,
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

    /// The directories a package's submodules are searched in.
    pub fn package_dirs(&self) -> Option<&[SearchDir]> {
        match &self.kind {
            Kind::Source {
                package: Some(dirs),
                ..
            }
            | Kind::Namespace(dirs) => Some(dirs),
            _ => None,
        }
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

/// Why a rule leaves a module out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub why: String,
    /// The runtime that does have the module (the rule's `requires-runtime`):
    /// a program that needs it is built with that runtime when the choice is
    /// pyfreeze's (tkinter: CPython).
    pub runtime: Option<crate::runtime::RuntimeKind>,
}

/// What the package rules that fired asked of the rest of the build.
#[derive(Debug, Default)]
pub struct RuleEffects {
    /// `pygments.toml: pygments` for each rule that fired, in order.
    pub fired: Vec<String>,
    /// Modules whose absence is harmless (`optional`).
    pub optional: HashSet<String>,
    /// Packages whose non-Python files go in, stdlib ones included.
    pub collect_data: Vec<String>,
    /// Packages whose module sources are also files on disk at run time.
    pub sources_on_disk: Vec<String>,
    /// So are the standard library's (`stdlib-sources-on-disk`).
    pub stdlib_sources_on_disk: bool,
    /// Directories whose shared libraries are data (`libraries-on-disk`).
    pub libraries_on_disk: Vec<String>,
    /// Environment variables the program starts with, unless set.
    pub env: std::collections::BTreeMap<String, String>,
    /// Distributions whose metadata goes in: named by rules, read by name
    /// (`importlib.metadata.version("x")`), or providing entry points read.
    pub copy_metadata: Vec<String>,
}

pub struct Graph {
    modules: Vec<Module>,
    /// The module that runs at start (`__main__` for a script).
    pub entry: ModuleId,
    /// File name of the entry script, which stands for `__main__` in reports.
    pub script_name: String,
    index: HashMap<String, ModuleId>,
    /// Warnings found while walking (bad relative imports, odd file names...).
    pub diagnostics: Vec<crate::Diagnostic>,
    pub rules: RuleEffects,
    /// The runtime loads compiled extension modules.
    pub loads_extensions: bool,
    /// Imports by computed names: the module and line of each.
    pub computed_imports: Vec<(ModuleId, u32)>,
    /// Modules an entry point brought in, by name: which group of which
    /// distribution (`why` says so).
    pub plugins: HashMap<String, String>,
}

impl std::ops::Index<ModuleId> for Graph {
    type Output = Module;

    fn index(&self, id: ModuleId) -> &Module {
        &self.modules[id.index()]
    }
}

impl Graph {
    fn new(script_name: String) -> Self {
        Graph {
            modules: Vec::new(),
            entry: ModuleId(0),
            script_name,
            index: HashMap::new(),
            diagnostics: Vec::new(),
            rules: RuleEffects::default(),
            loads_extensions: false,
            computed_imports: Vec::new(),
            plugins: HashMap::new(),
        }
    }

    fn push(&mut self, module: Module) -> ModuleId {
        let id = ModuleId::from_index(self.modules.len());
        self.index.insert(module.name.clone(), id);
        self.modules.push(module);
        id
    }

    fn get_mut(&mut self, id: ModuleId) -> &mut Module {
        &mut self.modules[id.index()]
    }

    pub fn len(&self) -> usize {
        self.modules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// The graph of the modules `kept` marks (by index), their imports of
    /// each other, and what refers to them; ids are renumbered. A module
    /// whose first importer is gone is said to be imported by `parents`'s.
    fn keep(self, kept: &[bool], parents: &[Option<ModuleId>]) -> Graph {
        let mut renumbered = vec![None; self.modules.len()];
        let mut modules = Vec::new();
        for (i, m) in self.modules.into_iter().enumerate() {
            if kept[i] {
                renumbered[i] = Some(ModuleId::from_index(modules.len()));
                modules.push(m);
            }
        }
        let new = |id: ModuleId| renumbered[id.index()];
        let old_of: Vec<usize> = (0..renumbered.len()).filter(|&i| kept[i]).collect();
        for (m, &old) in modules.iter_mut().zip(&old_of) {
            m.imports.retain_mut(|e| match new(e.to) {
                Some(to) => {
                    e.to = to;
                    true
                }
                None => false,
            });
            m.importer = match m.importer.and_then(|(id, line)| Some((new(id)?, line))) {
                Some(found) => Some(found),
                None => parents[old]
                    .filter(|p| p.index() != old)
                    .and_then(new)
                    .map(|p| (p, 0)),
            };
        }
        let index = modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), ModuleId::from_index(i)))
            .collect();
        Graph {
            modules,
            entry: new(self.entry).unwrap_or(self.entry),
            script_name: self.script_name,
            index,
            diagnostics: self.diagnostics,
            rules: self.rules,
            loads_extensions: self.loads_extensions,
            computed_imports: self
                .computed_imports
                .into_iter()
                .filter_map(|(id, line)| Some((new(id)?, line)))
                .collect(),
            plugins: self.plugins,
        }
    }

    /// Every module with its id, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = (ModuleId, &Module)> {
        self.modules
            .iter()
            .enumerate()
            .map(|(i, m)| (ModuleId::from_index(i), m))
    }

    pub fn id_of(&self, name: &str) -> Option<ModuleId> {
        self.index.get(name).copied()
    }

    pub fn get(&self, name: &str) -> Option<&Module> {
        self.id_of(name).map(|id| &self[id])
    }

    /// The package a module's relative imports count from.
    fn package_of(&self, id: ModuleId) -> String {
        let m = &self[id];
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
    pub fn display_name(&self, id: ModuleId) -> &str {
        let name = self[id].name.as_str();
        if name == MAIN {
            &self.script_name
        } else {
            name
        }
    }

    /// How module `id` came into the graph (`app.py -> a -> b`), for error
    /// messages; `None` for the entry.
    pub fn imported_by(&self, id: ModuleId) -> Option<String> {
        self[id].importer.is_some().then(|| self.chain(id))
    }

    /// `hello.py -> pkg.util -> yaml`, along the first importers.
    pub fn chain(&self, id: ModuleId) -> String {
        let shown = |id: ModuleId| match self.plugins.get(&self[id].name) {
            Some(plugin) => format!("{} ({plugin})", self.display_name(id)),
            None => self.display_name(id).to_string(),
        };
        let mut names = vec![shown(id)];
        let mut seen = HashSet::from([id]);
        let mut at = id;
        while let Some((parent, _)) = self[at].importer {
            if !seen.insert(parent) {
                break;
            }
            names.push(shown(parent));
            at = parent;
        }
        names.reverse();
        names.join(" -> ")
    }

    /// Modules the program needs: reachable from the entry (and the modules
    /// included on purpose) through imports not guarded by `except
    /// ImportError`. With, for each, the importer that first reached it.
    pub fn required(&self) -> Vec<Option<ModuleId>> {
        self.reach(|e| !e.optional)
    }

    /// Like [`Graph::required`], but only through imports that run when the
    /// importing module is imported (not inside functions).
    fn eager(&self) -> Vec<Option<ModuleId>> {
        self.reach(|e| !e.optional && !e.delayed)
    }

    /// The modules a start imports, in about the order it imports them:
    /// depth first from the entry, in source order, through every import
    /// that runs when its module is imported (guarded ones too: they are
    /// tried). What the runtime prepares ahead of the program.
    pub fn start_order(&self) -> Vec<ModuleId> {
        let mut seen = vec![false; self.modules.len()];
        let mut order = Vec::new();
        // (module, index of its next import to follow)
        let mut stack = vec![(self.entry, 0usize)];
        seen[self.entry.index()] = true;
        order.push(self.entry);
        while let Some((id, next)) = stack.pop() {
            let imports = &self[id].imports;
            let Some(at) = (next..imports.len()).find(|&i| !imports[i].delayed) else {
                continue;
            };
            stack.push((id, at + 1));
            let to = imports[at].to;
            if !seen[to.index()] {
                seen[to.index()] = true;
                order.push(to);
                stack.push((to, 0));
            }
        }
        order
    }

    /// Breadth-first reach from the entry over the edges `follow` accepts:
    /// for each module, the module that reached it (itself for the entry).
    fn reach(&self, follow: impl Fn(&Edge) -> bool) -> Vec<Option<ModuleId>> {
        let mut parent: Vec<Option<ModuleId>> = vec![None; self.modules.len()];
        let mut queue = VecDeque::from([self.entry]);
        parent[self.entry.index()] = Some(self.entry);
        while let Some(id) = queue.pop_front() {
            for e in self[id].imports.iter().filter(|e| follow(e)) {
                if parent[e.to.index()].is_none() {
                    parent[e.to.index()] = Some(id);
                    queue.push_back(e.to);
                }
            }
        }
        parent
    }

    /// Whether the frozen program misses module `id` when it is imported:
    /// not found, left out by a rule, or an extension the runtime cannot load;
    /// and not declared harmless by a rule.
    pub(crate) fn is_unsatisfiable(&self, id: ModuleId) -> bool {
        let m = &self[id];
        let missing = match m.kind {
            Kind::Missing | Kind::Excluded { rule: Some(_) } => true,
            Kind::Extension(_) => !self.loads_extensions,
            _ => false,
        };
        missing
            && !self
                .rules
                .optional
                .iter()
                .any(|o| crate::rules::is_within(&m.name, o))
    }

    /// Imports the frozen program cannot satisfy, made without an
    /// ImportError guard by a module the program needs. Imports of modules
    /// that only other platforms have, and optional ones, are left out.
    pub fn unsatisfied(&self) -> Vec<Unsatisfied> {
        let required = self.required();
        let eager = self.eager();
        let mut out: Vec<Unsatisfied> = Vec::new();
        for (importer, m) in self.iter() {
            if required[importer.index()].is_none() {
                continue;
            }
            for e in m.imports.iter().filter(|e| !e.optional) {
                if !self.is_unsatisfiable(e.to) {
                    continue;
                }
                // Delayed if the import, or the way to its importer, is inside a function.
                let delayed = e.delayed || eager[importer.index()].is_none();
                let found = Unsatisfied {
                    module: e.to,
                    importer,
                    line: e.line,
                    delayed,
                };
                match out.iter_mut().find(|u| u.module == e.to) {
                    // Prefer an import at module level over one in a function.
                    Some(u) if u.delayed && !delayed => *u = found,
                    Some(_) => {}
                    None => out.push(found),
                }
            }
        }
        out.sort_by_key(|u| u.module);
        out
    }

    /// `hello.py -> pkg.util`, along the imports the program needs.
    pub fn required_chain(&self, id: ModuleId) -> String {
        let required = self.required();
        let mut names = vec![self.display_name(id)];
        let mut at = id;
        while let Some(Some(parent)) = required.get(at.index()).copied() {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn module(name: &str, kind: Kind) -> Module {
        Module {
            name: name.into(),
            kind,
            origin: Origin::User,
            importer: None,
            text: None,
            imports: Vec::new(),
        }
    }

    fn edge(to: ModuleId, optional: bool, delayed: bool) -> Edge {
        Edge {
            to,
            line: 1,
            optional,
            delayed,
            observed: false,
            by_rule: false,
        }
    }

    /// main -> a -> missing (in a function); main -> b -> missing (at module
    /// level); main -.-> c (optional) -> gone.
    fn sample() -> Graph {
        let mut g = Graph::new("app.py".into());
        let main = g.push(module(MAIN, Kind::Builtin));
        let a = g.push(module("a", Kind::Builtin));
        let b = g.push(module("b", Kind::Builtin));
        let missing = g.push(module("missing", Kind::Missing));
        let c = g.push(module("c", Kind::Builtin));
        let gone = g.push(module("gone", Kind::Missing));
        g.get_mut(main).imports = vec![
            edge(a, false, false),
            edge(b, false, false),
            edge(c, true, false),
        ];
        g.get_mut(a).imports = vec![edge(missing, false, true)];
        g.get_mut(b).imports = vec![edge(missing, false, false)];
        g.get_mut(c).imports = vec![edge(gone, false, false)];
        g.get_mut(a).importer = Some((main, 1));
        g.get_mut(missing).importer = Some((a, 1));
        g
    }

    #[test]
    fn unsatisfied_imports_prefer_module_level_and_skip_optional_paths() {
        let g = sample();
        let found = g.unsatisfied();
        assert_eq!(
            found.len(),
            1,
            "gone is only reached through an optional import"
        );
        let u = &found[0];
        assert_eq!(g[u.module].name, "missing");
        assert_eq!(g[u.importer].name, "b");
        assert!(!u.delayed);
        assert_eq!(g.required_chain(u.importer), "app.py -> b");
        assert_eq!(g.chain(u.module), "app.py -> a -> missing");
    }

    #[test]
    fn rule_optional_modules_are_never_unsatisfied() {
        let mut g = sample();
        g.rules.optional.insert("missing".into());
        assert!(g.unsatisfied().is_empty());
    }

    #[test]
    fn virtual_paths_follow_the_kind() {
        let pkg = module(
            "p.q",
            Kind::Source {
                file: SourceFile::Disk("x".into()),
                package: Some(Vec::new()),
            },
        );
        assert_eq!(pkg.virtual_path("app.py"), "p/q/__init__.py");
        assert_eq!(
            module("p.r", Kind::Missing).virtual_path("app.py"),
            "p/r.py"
        );
        assert_eq!(module(MAIN, Kind::Missing).virtual_path("app.py"), "app.py");
    }
}
