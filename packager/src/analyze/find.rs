//! Finding a module by name on the search path and adding it to the graph,
//! with its parent packages: a module, a package, a namespace package, a
//! built-in, an extension, or nothing.

use super::resolve::{Found, SourceFile};
use super::walk::{EntryError, Walker};
use super::{Graph, Kind, ModuleId};
use crate::diagnostics::Diagnostic;
use pyfreeze_bundle::Origin;

impl Walker<'_> {
    /// Make sure `name` (and its parents) are in the graph. `None` when the
    /// name cannot be a module on its own (a parent is missing, or is a plain
    /// module that sets it as an attribute, like `os.path`).
    pub(super) fn ensure(&mut self, name: &str, importer: ModuleId, line: u32) -> Option<ModuleId> {
        self.ensure_via(name, Some((importer, line)))
    }

    /// The module `-m NAME` runs: NAME itself, or `NAME.__main__` for a
    /// package. It and its parent packages are roots of the graph.
    pub(super) fn entry_module(
        &mut self,
        name: &str,
        as_main: bool,
    ) -> Result<ModuleId, EntryError> {
        let not_found = || {
            EntryError(format!(
                "module {name} not found (searched the working directory, --path, site-packages, the stdlib)"
            ))
        };
        let top = self.ensure_via(name, None).ok_or_else(not_found)?;
        let entry = match &self.graph[top].kind {
            Kind::Source {
                package: Some(_), ..
            }
            | Kind::Namespace(_)
                if as_main =>
            {
                let main = format!("{name}.__main__");
                let id = self
                    .ensure_via(&main, Some((top, 0)))
                    .ok_or_else(not_found)?;
                if !matches!(self.graph[id].kind, Kind::Source { .. }) {
                    return Err(EntryError(format!(
                        "{name} is a package without a __main__ module; it cannot be run with -m"
                    )));
                }
                id
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
        self.graph.get_mut(entry).importer = None;
        Ok(entry)
    }

    pub(super) fn ensure_via(
        &mut self,
        name: &str,
        via: Option<(ModuleId, u32)>,
    ) -> Option<ModuleId> {
        if let Some(id) = self.graph.id_of(name) {
            return Some(id);
        }
        use pyfreeze_bundle::limits::{MAX_NAME_LEN, MAX_NESTING};
        if name.len() > MAX_NAME_LEN || name.split('.').count() > MAX_NESTING {
            self.graph.diagnostics.push(Diagnostic::NameTooLong {
                name: name.to_string(),
            });
            return None;
        }
        let importer_origin = via.map_or(Origin::User, |(i, _)| self.graph[i].origin);
        if let Some(rule) = self.exclusion(name) {
            return Some(self.add(name, Kind::Excluded { rule }, importer_origin, via));
        }
        let dirs = match name.rsplit_once('.') {
            Some((parent, _)) => {
                let p = self.ensure_via(parent, via)?;
                self.graph[p].package_dirs()?.to_vec()
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
        let id = match self.resolver.find(&dirs, part) {
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
        Some(id)
    }

    /// `from pkg import name`: add `pkg.name` if it is a submodule; if it is
    /// not, it is an attribute of `pkg` and nothing is missing.
    pub(super) fn try_submodule(
        &mut self,
        package: ModuleId,
        name: &str,
        importer: ModuleId,
        line: u32,
    ) -> Option<ModuleId> {
        if let Some(id) = self.graph.id_of(name) {
            return Some(id);
        }
        let dirs = self.graph[package].package_dirs()?.to_vec();
        let part = name.rsplit('.').next().unwrap_or(name);
        if self.resolver.find(&dirs, part) == Found::Nowhere && self.exclusion(name).is_none() {
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
    let has = |needle: String| memchr::memmem::find(bytes, needle.as_bytes()).is_some();
    has(format!("sys.modules['{name}']")) || has(format!("sys.modules[\"{name}\"]"))
}

/// Whether a package's `__init__.py` extends its own `__path__`. The
/// standard library never does, so its files are not read for this.
fn extends_path(init: &SourceFile) -> bool {
    if matches!(init, SourceFile::Embedded(_)) {
        return false;
    }
    init.read()
        .map(|bytes| {
            let has = |needle: &[u8]| memchr::memmem::find(&bytes, needle).is_some();
            has(b"extend_path(") || has(b"declare_namespace(")
        })
        .unwrap_or(false)
}
