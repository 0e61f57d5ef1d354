//! Modules that join the graph on purpose rather than by an import: the
//! package rules as their triggers join, `--hidden-import`, and
//! `--collect-submodules`.

use super::resolve::{Found, Location};
use super::walk::{Walker, root_import};
use super::{Kind, ModuleId};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, Trigger, is_within};

impl Walker<'_> {
    /// Fire the rules of the modules added since the last call (which may
    /// add more modules, whose rules fire in turn).
    pub(super) fn fire_pending(&mut self) {
        while !self.untriggered.is_empty() {
            for id in std::mem::take(&mut self.untriggered) {
                // Rules fire for what exists, built-in modules included.
                if matches!(
                    self.graph[id].kind,
                    Kind::Missing | Kind::Excluded { .. } | Kind::Foreign
                ) {
                    continue;
                }
                let all = self.rules;
                let rules: Vec<&Rule> = all.for_module(&self.graph[id].name).collect();
                for rule in rules {
                    self.fire(rule, id);
                }
            }
        }
    }

    /// Apply one rule, with `trigger` as the importer of what it adds.
    pub(super) fn fire(&mut self, rule: &Rule, trigger: ModuleId) {
        self.graph.rules.fired.push(rule.label());
        // What a package's rule adds is a guess about what the package may
        // import: optional, so that the guessed modules' own imports raise
        // no false alarms. What every program needs is not.
        let optional = rule.trigger != Trigger::Always;
        for name in &rule.exclude {
            self.excludes.push((
                name.clone(),
                Some(super::Exclusion {
                    why: rule.why.clone(),
                    runtime: rule.requires_runtime,
                }),
            ));
        }
        // A rule that leaves modules out names the runtime that has them; it
        // matters only where the program imports one (see Exclusion).
        if let (Some(needed), Trigger::Module(package)) = (rule.requires_runtime, &rule.trigger)
            && needed != self.runtime.kind()
        {
            self.graph.diagnostics.push(Diagnostic::NeedsRuntime {
                package: package.clone(),
                runtime: needed,
                why: rule.why.clone(),
            });
        }
        let effects = &mut self.graph.rules;
        for (name, value) in &rule.env {
            effects
                .env
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
        effects.optional.extend(rule.optional.iter().cloned());
        effects
            .collect_data
            .extend(rule.collect_data.iter().cloned());
        effects
            .sources_on_disk
            .extend(rule.sources_on_disk.iter().cloned());
        effects.stdlib_sources_on_disk |= rule.stdlib_sources_on_disk;
        effects
            .libraries_on_disk
            .extend(rule.libraries_on_disk.iter().cloned());
        effects
            .copy_metadata
            .extend(rule.copy_metadata.iter().cloned());
        for name in &rule.hidden_imports {
            // A rule may name a module another version of the package has.
            if self.exists(name, trigger) {
                self.include_as(name, trigger, optional);
            }
        }
        for group in &rule.entry_point_groups {
            self.entry_point_group(group, trigger);
        }
        for name in &rule.collect_submodules {
            if !self.exists(name, trigger) {
                continue;
            }
            let mut names = Vec::new();
            self.list_submodules(name, trigger, &mut names);
            for name in names {
                self.include_as(&name, trigger, optional);
            }
        }
    }

    /// Whether `name` exists on the search path. Its parent package joins
    /// the graph (imported by `trigger`) when it exists.
    pub(super) fn exists(&mut self, name: &str, trigger: ModuleId) -> bool {
        if let Some(id) = self.graph.id_of(name) {
            return !matches!(self.graph[id].kind, Kind::Missing);
        }
        match name.rsplit_once('.') {
            None => {
                self.builtins.contains(name)
                    || self.resolver.find(&self.search.clone(), name) != Found::Nowhere
            }
            Some((parent, part)) => {
                if !self.exists(parent, trigger) {
                    return false;
                }
                let Some(p) = self.ensure(parent, trigger, 0) else {
                    return false;
                };
                let Some(dirs) = self.graph[p].package_dirs().map(<[_]>::to_vec) else {
                    return false;
                };
                self.resolver.find(&dirs, part) != Found::Nowhere
            }
        }
    }

    /// `name` (a package) and every module under it, depth first in name
    /// order, each joining the graph as imported by `trigger`.
    pub(super) fn list_submodules(&mut self, name: &str, trigger: ModuleId, out: &mut Vec<String>) {
        let Some(id) = self.ensure(name, trigger, 0) else {
            return;
        };
        out.push(name.to_string());
        let Some(dirs) = self.graph[id].package_dirs().map(<[_]>::to_vec) else {
            return;
        };
        for part in self.resolver.submodule_names(&dirs) {
            self.list_submodules(&format!("{name}.{part}"), trigger, out);
        }
    }

    /// A module a rule includes, imported by `importer` at line 0.
    pub(super) fn include_as(&mut self, name: &str, importer: ModuleId, optional: bool) {
        if let Some(id) = self.ensure(name, importer, 0) {
            let import = super::scan::Import {
                optional,
                by_rule: true,
                ..root_import()
            };
            self.edge(importer, id, &import);
        }
    }

    /// A module included on purpose, imported by `importer` at line 0.
    pub(super) fn include(&mut self, name: &str, importer: ModuleId) {
        if let Some(id) = self.ensure(name, importer, 0) {
            self.edge(importer, id, &root_import());
        }
    }

    /// Left out by `--exclude-module` (`Some(None)`) or a rule (`Some(why)`).
    pub(super) fn exclusion(&self, name: &str) -> Option<Option<super::Exclusion>> {
        self.excludes
            .iter()
            .find(|(x, _)| is_within(name, x))
            .map(|(_, why)| why.clone())
    }

    /// `--collect-submodules`: the package and everything under it, each
    /// imported by its parent.
    pub(super) fn collect_submodules(&mut self, name: &str, importer: ModuleId) {
        let Some(id) = self.ensure(name, importer, 0) else {
            return;
        };
        self.edge(importer, id, &root_import());
        let Some(dirs) = self.graph[id].package_dirs().map(<[_]>::to_vec) else {
            return;
        };
        // A directory reached again through a symlink is a loop: stop there.
        let mut fresh = false;
        for dir in &dirs {
            match &dir.location {
                Location::Disk(path) => {
                    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                    fresh |= self.collected_dirs.insert(canonical);
                }
                Location::Embedded(_) => fresh = true,
            }
        }
        if !fresh {
            self.graph.diagnostics.push(Diagnostic::CollectedTwice {
                package: name.to_string(),
            });
            return;
        }
        for part in self.resolver.submodule_names(&dirs) {
            self.collect_submodules(&format!("{name}.{part}"), id);
        }
    }
}
