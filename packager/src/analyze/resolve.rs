//! Where a module name's file is: the search path, as CPython's PathFinder
//! walks it, over directories on disk and a tree of sources carried inside
//! pyfreeze (the runtime's stdlib).

use crate::diagnostics::Diagnostic;
use crate::runtime::embedded::EmbeddedTree;
use pyfreeze_bundle::Origin;
use std::collections::HashMap;
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// A path inside an embedded tree (`""` for its top).
#[derive(Clone)]
pub struct Embedded {
    pub tree: &'static EmbeddedTree,
    pub path: String,
}

impl Embedded {
    fn join(&self, part: &str) -> Embedded {
        Embedded {
            tree: self.tree,
            path: join_embedded(&self.path, part),
        }
    }
}

impl PartialEq for Embedded {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.tree, other.tree) && self.path == other.path
    }
}

impl Eq for Embedded {}

impl std::hash::Hash for Embedded {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.path.hash(state);
    }
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<embedded>/{}", self.path)
    }
}

/// A directory to search: on disk, or inside an embedded tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Disk(PathBuf),
    Embedded(Embedded),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    pub location: Location,
    pub origin: Origin,
}

/// A source file on disk or in an embedded tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceFile {
    Disk(PathBuf),
    Embedded(Embedded),
}

impl SourceFile {
    pub fn read(&self) -> anyhow::Result<Vec<u8>> {
        use anyhow::Context;
        match self {
            SourceFile::Disk(p) => {
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
            }
            SourceFile::Embedded(e) => e.tree.read(&e.path),
        }
    }

    /// How to name the file to the user.
    pub fn display(&self) -> String {
        match self {
            SourceFile::Disk(p) => p.display().to_string(),
            SourceFile::Embedded(e) => format!("<stdlib>/{}", e.path),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Module {
        file: SourceFile,
        origin: Origin,
    },
    /// A regular package: its `__init__.py` and the directory it searches.
    Package {
        init: SourceFile,
        dir: SearchDir,
    },
    /// PEP 420: directories without `__init__.py`, every portion on the path.
    Namespace(Vec<SearchDir>),
    /// Only a compiled extension (`.so`, `.pyd`) exists: RustPython cannot load it.
    Extension {
        file: PathBuf,
        origin: Origin,
    },
    Nowhere,
}

/// Looks names up, caching directory listings so each directory is read once.
pub struct Resolver {
    listings: HashMap<PathBuf, HashMap<String, FileType>>,
    /// Files that look like modules but cannot be (non-UTF-8 names).
    pub diagnostics: Vec<Diagnostic>,
    /// File name endings of extension modules (`.cpython-311-x86_64-linux-gnu.so`, `.so`).
    extension_suffixes: Vec<String>,
    /// An extension module wins over a `.py` of the same name in the same
    /// directory, as in CPython's FileFinder; else the `.py` is its
    /// pure-Python fallback and wins.
    extensions_first: bool,
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver::new([".so", ".pyd", ".dylib"].map(String::from).to_vec(), false)
    }
}

impl Resolver {
    pub fn new(extension_suffixes: Vec<String>, extensions_first: bool) -> Self {
        Resolver {
            listings: HashMap::new(),
            diagnostics: Vec::new(),
            extension_suffixes,
            extensions_first,
        }
    }

    fn listing(&mut self, dir: &Path) -> &HashMap<String, FileType> {
        let diagnostics = &mut self.diagnostics;
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return HashMap::new();
            };
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let Ok(name) = e.file_name().into_string() else {
                        if e.file_name().as_encoded_bytes().ends_with(b".py") {
                            diagnostics.push(Diagnostic::NonUtf8ModuleFile { path: e.path() });
                        }
                        return None;
                    };
                    // Follow symlinks (metadata, not file_type): a symlinked package counts.
                    let ty = std::fs::metadata(e.path()).ok()?.file_type();
                    Some((name, ty))
                })
                .collect()
        })
    }

    /// Every directory named `part` in `dirs`: the portions of a package that
    /// extends its `__path__` (or of a namespace package).
    pub fn portions(&mut self, dirs: &[SearchDir], part: &str) -> Vec<SearchDir> {
        let mut found = Vec::new();
        for dir in dirs {
            match &dir.location {
                Location::Disk(path) => {
                    if self.listing(path).get(part).is_some_and(FileType::is_dir) {
                        found.push(SearchDir {
                            location: Location::Disk(path.join(part)),
                            origin: dir.origin,
                        });
                    }
                }
                Location::Embedded(at) => {
                    let base = at.join(part);
                    if at.tree.is_dir(&base.path) {
                        found.push(SearchDir {
                            location: Location::Embedded(base),
                            origin: dir.origin,
                        });
                    }
                }
            }
        }
        found
    }

    /// Names of the modules and packages directly inside `dirs`, for
    /// `--collect-submodules`.
    pub fn submodule_names(&mut self, dirs: &[SearchDir]) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        for dir in dirs {
            match &dir.location {
                Location::Disk(path) => {
                    let entries: Vec<(String, bool)> = self
                        .listing(path)
                        .iter()
                        .map(|(name, ty)| (name.clone(), ty.is_dir()))
                        .collect();
                    for (name, is_dir) in entries {
                        let module = if is_dir {
                            let sub = path.join(&name);
                            let listing = self.listing(&sub);
                            let has_python = listing.keys().any(|n| n.ends_with(".py"))
                                || listing.values().any(FileType::is_dir);
                            (has_python && is_identifier(&name)).then_some(name)
                        } else {
                            // Source, or (for a runtime that loads them) an
                            // extension module: `mod.cpython-311-x86_64-linux-gnu.so`.
                            let extension = self
                                .extensions_first
                                .then(|| {
                                    self.extension_suffixes
                                        .iter()
                                        .find_map(|s| name.strip_suffix(s.as_str()))
                                })
                                .flatten();
                            name.strip_suffix(".py")
                                .or(extension)
                                .filter(|stem| *stem != "__init__" && is_identifier(stem))
                                .map(str::to_string)
                        };
                        names.extend(module);
                    }
                }
                Location::Embedded(at) => {
                    let prefix = &at.path;
                    for file in at.tree.files_under(prefix) {
                        let rest = if prefix.is_empty() {
                            file
                        } else {
                            &file[prefix.len() + 1..]
                        };
                        let first = rest.split('/').next().unwrap_or(rest);
                        let name = first.strip_suffix(".py").unwrap_or(first);
                        if name != "__init__" && is_identifier(name) {
                            names.insert(name.to_string());
                        }
                    }
                }
            }
        }
        names
    }

    /// Find `part` (one name component) in `dirs`, in order.
    pub fn find(&mut self, dirs: &[SearchDir], part: &str) -> Found {
        let mut portions = Vec::new();
        let mut extension = None;
        let suffixes = self.extension_suffixes.clone();
        let extensions_first = self.extensions_first;
        for dir in dirs {
            match &dir.location {
                Location::Disk(path) => {
                    let listing = self.listing(path);
                    let is_dir = listing.get(part).is_some_and(FileType::is_dir);
                    let module_file = listing
                        .get(&format!("{part}.py"))
                        .is_some_and(FileType::is_file);
                    // In suffix order, as CPython tries them.
                    let ext = suffixes.iter().find_map(|s| {
                        let name = format!("{part}{s}");
                        listing
                            .get(&name)
                            .is_some_and(FileType::is_file)
                            .then(|| path.join(&name))
                    });
                    let ext = ext.or_else(|| {
                        listing
                            .iter()
                            .filter(|(name, ty)| {
                                !extensions_first
                                    && ty.is_file()
                                    && name.split('.').next() == Some(part)
                                    && suffixes.iter().any(|s| name.ends_with(s.as_str()))
                            })
                            .map(|(name, _)| path.join(name))
                            .min()
                    });
                    if is_dir {
                        let pkg = path.join(part);
                        if self
                            .listing(&pkg)
                            .get("__init__.py")
                            .is_some_and(FileType::is_file)
                        {
                            return Found::Package {
                                init: SourceFile::Disk(pkg.join("__init__.py")),
                                dir: SearchDir {
                                    location: Location::Disk(pkg),
                                    origin: dir.origin,
                                },
                            };
                        }
                    }
                    if extensions_first && let Some(file) = ext.clone() {
                        return Found::Extension {
                            file,
                            origin: dir.origin,
                        };
                    }
                    // A .py beside an extension module is its pure-Python
                    // fallback: RustPython can run that one.
                    if module_file {
                        return Found::Module {
                            file: SourceFile::Disk(path.join(format!("{part}.py"))),
                            origin: dir.origin,
                        };
                    }
                    if is_dir {
                        portions.push(SearchDir {
                            location: Location::Disk(path.join(part)),
                            origin: dir.origin,
                        });
                    }
                    if extension.is_none() {
                        extension = ext.map(|file| (file, dir.origin));
                    }
                }
                Location::Embedded(at) => {
                    let lib = at.tree;
                    let base = at.join(part);
                    let init = base.join("__init__.py");
                    if lib.is_file(&init.path) {
                        return Found::Package {
                            init: SourceFile::Embedded(init),
                            dir: SearchDir {
                                location: Location::Embedded(base),
                                origin: dir.origin,
                            },
                        };
                    }
                    let module = at.join(&format!("{part}.py"));
                    if lib.is_file(&module.path) {
                        return Found::Module {
                            file: SourceFile::Embedded(module),
                            origin: dir.origin,
                        };
                    }
                    if lib.is_dir(&base.path) {
                        portions.push(SearchDir {
                            location: Location::Embedded(base),
                            origin: dir.origin,
                        });
                    }
                }
            }
        }
        if !portions.is_empty() {
            return Found::Namespace(portions);
        }
        match extension {
            Some((file, origin)) => Found::Extension { file, origin },
            None => Found::Nowhere,
        }
    }
}

fn join_embedded(prefix: &str, part: &str) -> String {
    if prefix.is_empty() {
        part.to_string()
    } else {
        format!("{prefix}/{part}")
    }
}

/// A name a module file can have: `-` and a leading digit included, as
/// CPython imports such files by computed names (Django's migrations,
/// `0001_initial.py`, through `importlib.import_module`).
fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c == '_' || c == '-' || c.is_alphanumeric())
}

/// The site-packages directories of a virtual environment (POSIX
/// `lib/pythonX.Y/site-packages`, Windows `Lib/site-packages`), followed by
/// the directories their `.pth` files add (editable installs).
pub fn venv_site_packages(venv: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let lib = venv.join("lib");
    if let Ok(rd) = std::fs::read_dir(&lib) {
        let mut versions: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
            .map(|e| e.path().join("site-packages"))
            .filter(|p| p.is_dir())
            .collect();
        versions.sort();
        found.extend(versions);
    }
    let windows = venv.join("Lib").join("site-packages");
    if windows.is_dir() && !found.contains(&windows) {
        found.push(windows);
    }
    let mut with_pth = found.clone();
    for site in &found {
        with_pth.extend(pth_dirs(site));
    }
    Ok(with_pth)
}

/// Directory lines of the `.pth` files in `site` (lines starting with
/// `import` run code at start-up under CPython; they are ignored here).
fn pth_dirs(site: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(site) else {
        return Vec::new();
    };
    let mut pths: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pth"))
        .collect();
    pths.sort();
    let mut dirs = Vec::new();
    for pth in pths {
        let Ok(text) = std::fs::read_to_string(&pth) else {
            continue;
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with("import ")
                || line.starts_with("import\t")
            {
                continue;
            }
            let dir = site.join(line);
            if dir.is_dir() && !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(dir: &Path, origin: Origin) -> SearchDir {
        SearchDir {
            location: Location::Disk(dir.to_path_buf()),
            origin,
        }
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        dir
    }

    #[test]
    fn packages_modules_namespaces_and_extensions_in_search_order() {
        let first = tree(&[
            "pkg/__init__.py",
            "mod.py",
            "ns/a.py",
            "fast.cpython-311-x86_64-linux-gnu.so",
        ]);
        let second = tree(&["mod.py", "ns/b.py", "fast.py", "only_ext.abi3.so"]);
        let dirs = [
            disk(first.path(), Origin::User),
            disk(second.path(), Origin::ThirdParty),
        ];
        let mut r = Resolver::default();
        assert!(matches!(r.find(&dirs, "pkg"), Found::Package { .. }));
        // The first directory wins.
        assert_eq!(
            r.find(&dirs, "mod"),
            Found::Module {
                file: SourceFile::Disk(first.path().join("mod.py")),
                origin: Origin::User
            }
        );
        // A namespace package gathers every portion on the path.
        let Found::Namespace(portions) = r.find(&dirs, "ns") else {
            panic!("ns is a namespace package");
        };
        assert_eq!(portions.len(), 2);
        // A pure-Python module later on the path beats an extension earlier.
        assert!(matches!(
            r.find(&dirs, "fast"),
            Found::Module {
                origin: Origin::ThirdParty,
                ..
            }
        ));
        assert!(matches!(r.find(&dirs, "only_ext"), Found::Extension { .. }));
        assert_eq!(r.find(&dirs, "nowhere"), Found::Nowhere);
        let subs = r.submodule_names(&[disk(&first.path().join("ns"), Origin::User)]);
        assert_eq!(subs.into_iter().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn the_embedded_stdlib_is_searched_like_a_directory() {
        let top = SearchDir {
            location: Location::Embedded(Embedded {
                tree: crate::runtime::rustpython::stdlib(),
                path: String::new(),
            }),
            origin: Origin::Stdlib,
        };
        let mut r = Resolver::default();
        let Found::Package { init, dir } = r.find(std::slice::from_ref(&top), "json") else {
            panic!("json is a package");
        };
        assert_eq!(init.display(), "<stdlib>/json/__init__.py");
        assert!(
            String::from_utf8(init.read().unwrap())
                .unwrap()
                .contains("def dumps")
        );
        assert!(matches!(
            r.find(std::slice::from_ref(&dir), "decoder"),
            Found::Module { .. }
        ));
        assert!(
            r.submodule_names(std::slice::from_ref(&dir))
                .contains("encoder")
        );
    }

    #[test]
    fn venv_site_packages_and_pth_directories() {
        let venv = tree(&["lib/python3.11/site-packages/x.py", "src/editable/mod.py"]);
        let site = venv.path().join("lib/python3.11/site-packages");
        std::fs::write(
            site.join("editable.pth"),
            format!(
                "# comment\nimport os\n{}\nmissing-dir\n",
                venv.path().join("src/editable").display()
            ),
        )
        .unwrap();
        let found = venv_site_packages(venv.path()).unwrap();
        assert_eq!(found, [site, venv.path().join("src/editable")]);
    }
}
