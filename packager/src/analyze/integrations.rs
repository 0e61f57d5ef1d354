//! Optional integrations: a package that another package imports only on
//! an optional path (inside a function, under `try/except ImportError`,
//! behind an availability check) stays out of the bundle when it is heavy,
//! unless something says the program uses it. `import duckdb` in a venv
//! that also holds pandas, polars and pyarrow must not bring all three:
//! duckdb imports them only inside the methods that convert results.
//!
//! An import by a third-party module of another distribution's module is
//! followed when any of these holds:
//! 1. it runs when the importing module is imported (module level, not
//!    guarded): the package needs it to import at all;
//! 2. the importing distribution requires the other one (`Requires-Dist`
//!    without an extra, transitively): polars loads its runtime package in
//!    a function, which it declares;
//! 3. the program's own code imports the other distribution (or asks for it
//!    with `--hidden-import`, `--collect-submodules`): then every path to it
//!    may be taken;
//! 4. it was seen happen when the package was imported (CPython);
//! 5. a package rule adds it.
//!
//! What no import followed this way reaches is left out when its packages
//! weigh at least [`HEAVY`] on disk; lighter ones stay (an Excel writer that
//! `DataFrame.to_excel` imports costs little and is often used). Each one
//! left out is reported with the import that would bring it.

use super::{Graph, Kind, Module, ModuleId};
use crate::project::dists::{self, Distribution};
use pyfreeze_bundle::Origin;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;

/// Packages lighter than this are kept whatever path reaches them.
pub const HEAVY: u64 = 10 << 20;

/// A distribution left out of the bundle, and the import that would have
/// brought it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    /// The distribution (or top-level package) left out.
    pub package: String,
    /// The top-level module that import names: what `--hidden-import`
    /// takes to bring it.
    pub module: String,
    /// Bytes on disk of its packages and of what they would bring.
    pub size: u64,
    /// The module whose import of it was not followed, and its line.
    pub importer: String,
    pub line: u32,
    /// That import is inside a function (else: guarded).
    pub delayed: bool,
}

/// Which distribution each third-party module belongs to.
struct Owners<'a> {
    by_top_level: HashMap<&'a str, usize>,
    dists: &'a [Distribution],
}

impl<'a> Owners<'a> {
    fn new(dists: &'a [Distribution]) -> Self {
        let mut by_top_level = HashMap::new();
        for (i, d) in dists.iter().enumerate() {
            for top in &d.top_level {
                by_top_level.entry(top.as_str()).or_insert(i);
            }
        }
        Owners {
            by_top_level,
            dists,
        }
    }

    /// The normalised distribution name of a third-party module, else its
    /// top-level name; `None` for the program's own and the stdlib.
    fn of(&self, m: &Module) -> Option<String> {
        if m.origin != Origin::ThirdParty {
            return None;
        }
        let top = m.name.split('.').next().unwrap_or(&m.name);
        Some(match self.by_top_level.get(top) {
            Some(&i) => dists::normalize(&self.dists[i].name),
            None => top.to_string(),
        })
    }

    /// Every distribution `name` requires, transitively, itself included.
    fn requirements(&self, name: &str) -> HashSet<String> {
        let mut seen = HashSet::from([name.to_string()]);
        let mut queue = VecDeque::from([name.to_string()]);
        while let Some(at) = queue.pop_front() {
            let Some(d) = self.dists.iter().find(|d| dists::normalize(&d.name) == at) else {
                continue;
            };
            for r in &d.requires {
                if seen.insert(r.clone()) {
                    queue.push_back(r.clone());
                }
            }
        }
        seen
    }
}

/// The graph without the heavy optional integrations, and those left out.
pub fn leave_out(graph: Graph, dists: &[Distribution]) -> (Graph, Vec<Deferred>) {
    let owners = Owners::new(dists);
    let owner: Vec<Option<String>> = graph.iter().map(|(_, m)| owners.of(m)).collect();
    // 3: what the program's modules import (the entry's imports include
    // --hidden-import and --collect-submodules).
    let claimed: HashSet<String> = graph
        .iter()
        .filter(|(_, m)| m.origin == Origin::User)
        .flat_map(|(_, m)| m.imports.iter())
        .filter_map(|e| owner[e.to.index()].clone())
        .collect();
    let requirements: HashMap<&String, HashSet<String>> = owner
        .iter()
        .flatten()
        .map(|d| (d, owners.requirements(d)))
        .collect();
    // Why an import of another distribution is followed, besides where it
    // is (conditions 2 to 5 of the module's comment).
    let reason = |admitted: &HashSet<String>, a: &String, b: &String, e: &super::Edge| {
        e.observed
            || e.by_rule
            || claimed.contains(b)
            || admitted.contains(b)
            || requirements.get(a).is_some_and(|r| r.contains(b))
    };
    let cross = |from: ModuleId, e: &super::Edge| match (&owner[from.index()], &owner[e.to.index()])
    {
        (Some(a), Some(b)) if a != b => Some((a, b)),
        _ => None,
    };
    // The entry, and what the program's own code imports (it may call any
    // of its functions).
    let roots: Vec<ModuleId> = std::iter::once(graph.entry)
        .chain(
            graph
                .iter()
                .filter(|(_, m)| m.origin == Origin::User)
                .flat_map(|(_, m)| m.imports.iter().map(|e| e.to)),
        )
        .collect();
    let plan = |admitted: &HashSet<String>| {
        // Modules loaded whenever what imports them is: through imports at
        // module level (guarded ones are tried too), and those followed for
        // a reason. A module of a package that only a function loads
        // (duckdb.polars_io) is not: its imports are as optional as that.
        let (eager, _) = reach(&graph, &roots, &mut |from, e| match cross(from, e) {
            Some((a, b)) => !e.delayed || reason(admitted, a, b, e),
            None => !e.delayed,
        });
        reach(
            &graph,
            &[graph.entry],
            &mut |from, e| match cross(from, e) {
                Some((a, b)) => {
                    reason(admitted, a, b, e) || (!e.optional && !e.delayed && eager[from.index()])
                }
                None => true,
            },
        )
    };
    let mut admitted: HashSet<String> = HashSet::new();
    // A distribution's weight: what its top-level packages take on disk.
    let mut weights: HashMap<String, u64> = HashMap::new();
    loop {
        let (kept, parents) = plan(&admitted);
        let left = left_out(&graph, &kept, &owner);
        // Admit a distribution left out when what it would bring, all of
        // it, is light; then look again. (Modules nothing imports, found
        // as a side effect of a probe, stay out whatever their weight.)
        // What admitting `d` would bring, and its weight.
        let mut cost = |d: &String| {
            let mut with = admitted.clone();
            with.insert(d.clone());
            let (more, _) = plan(&with);
            let bytes: u64 = left
                .iter()
                .filter(|(_, ids)| ids.iter().any(|id| more[id.index()]))
                .map(|(e, ids)| {
                    *weights
                        .entry(e.clone())
                        .or_insert_with(|| weight(&graph, ids))
                })
                .sum();
            (bytes, more != kept)
        };
        let mut light = Vec::new();
        let mut heavy = HashMap::new();
        for d in left.keys().filter(|d| !admitted.contains(*d)) {
            match cost(d) {
                (bytes, true) if bytes < HEAVY => light.push(d.clone()),
                (bytes, _) => {
                    heavy.insert(d.clone(), bytes);
                }
            }
        }
        if !light.is_empty() {
            admitted.extend(light);
            continue;
        }
        let deferred = left
            .iter()
            .filter_map(|(d, ids)| {
                let (importer, edge) = first_site(&graph, &kept, ids)?;
                let module = &graph[edge.to].name;
                Some(Deferred {
                    package: d.clone(),
                    module: module.split('.').next().unwrap_or(module).to_string(),
                    size: heavy.get(d).copied().unwrap_or_default(),
                    importer: graph.display_name(importer).to_string(),
                    line: edge.line,
                    delayed: edge.delayed,
                })
            })
            .collect();
        // What was said of a package left out no longer applies.
        let dropped: HashSet<&str> = graph
            .iter()
            .filter(|(id, _)| !kept[id.index()])
            .map(|(_, m)| m.name.as_str())
            .collect();
        let said: Vec<crate::Diagnostic> = graph
            .diagnostics
            .iter()
            .filter(|d| match d {
                crate::Diagnostic::ComputedImport { package, .. } => {
                    !dropped.contains(package.as_str())
                }
                _ => true,
            })
            .cloned()
            .collect();
        let mut graph = graph.keep(&kept, &parents);
        graph.diagnostics = said;
        return (graph, deferred);
    }
}

/// The third-party modules `kept` leaves out, by distribution.
fn left_out(
    graph: &Graph,
    kept: &[bool],
    owner: &[Option<String>],
) -> BTreeMap<String, Vec<ModuleId>> {
    let mut left: BTreeMap<String, Vec<ModuleId>> = BTreeMap::new();
    for (id, m) in graph.iter() {
        if !kept[id.index()]
            && let Some(d) = &owner[id.index()]
            && !matches!(m.kind, Kind::Missing)
        {
            left.entry(d.clone()).or_default().push(id);
        }
    }
    left
}

/// Which modules `roots` reach through the imports `follows` accepts, with
/// the packages above each; and the module that reached each.
fn reach(
    graph: &Graph,
    roots: &[ModuleId],
    follows: &mut dyn FnMut(ModuleId, &super::Edge) -> bool,
) -> (Vec<bool>, Vec<Option<ModuleId>>) {
    let mut kept = vec![false; graph.len()];
    let mut parents = vec![None; graph.len()];
    let mut queue = VecDeque::new();
    for &root in roots {
        if !kept[root.index()] {
            kept[root.index()] = true;
            queue.push_back(root);
        }
    }
    while let Some(id) = queue.pop_front() {
        for e in &graph[id].imports {
            if !kept[e.to.index()] && follows(id, e) {
                kept[e.to.index()] = true;
                parents[e.to.index()] = Some(id);
                queue.push_back(e.to);
            }
        }
    }
    // A kept `a.b.c` needs `a` and `a.b`.
    for (id, m) in graph.iter() {
        if kept[id.index()] {
            let mut name = m.name.as_str();
            while let Some((parent, _)) = name.rsplit_once('.') {
                if let Some(p) = graph.id_of(parent) {
                    kept[p.index()] = true;
                }
                name = parent;
            }
        }
    }
    (kept, parents)
}

/// The first import (in the order modules were found) from a kept module
/// into `ids`: what would bring them.
fn first_site<'g>(
    graph: &'g Graph,
    kept: &[bool],
    ids: &[ModuleId],
) -> Option<(ModuleId, &'g super::Edge)> {
    let wanted: HashSet<ModuleId> = ids.iter().copied().collect();
    graph
        .iter()
        .filter(|(id, _)| kept[id.index()])
        .find_map(|(id, m)| {
            m.imports
                .iter()
                .find(|e| wanted.contains(&e.to))
                .map(|e| (id, e))
        })
}

/// Bytes on disk of the top-level packages (directories, whole) and
/// modules of the modules `ids`.
fn weight(graph: &Graph, ids: &[ModuleId]) -> u64 {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut files = 0;
    let tops: HashSet<ModuleId> = ids
        .iter()
        .filter_map(|&id| {
            let name = &graph[id].name;
            graph.id_of(name.split('.').next().unwrap_or(name))
        })
        .collect();
    for id in tops {
        let m = &graph[id];
        if let Some(package) = m.package_dirs() {
            dirs.extend(package.iter().filter_map(|d| match &d.location {
                super::resolve::Location::Disk(p) => Some(p.clone()),
                super::resolve::Location::Embedded(_) => None,
            }));
        } else if let Kind::Extension(file) = &m.kind {
            files += std::fs::metadata(file).map_or(0, |f| f.len());
        } else if let Kind::Source {
            file: super::resolve::SourceFile::Disk(file),
            ..
        } = &m.kind
        {
            files += std::fs::metadata(file).map_or(0, |f| f.len());
        }
    }
    // Only the outermost directories: a package's files include its
    // subpackages'.
    dirs.sort();
    dirs.dedup();
    let outer: Vec<&PathBuf> = dirs
        .iter()
        .filter(|d| !dirs.iter().any(|o| o != *d && d.starts_with(o)))
        .collect();
    let in_dirs: u64 = outer
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(d).into_iter().filter_map(Result::ok))
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    files + in_dirs
}
