//! Where a module name's file is: the search path, as CPython's PathFinder
//! walks it, over directories on disk and the stdlib carried in pyfreeze.

use crate::stdlib;
use pyfreeze_bundle::Origin;
use std::collections::HashMap;
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// A directory to search: on disk, or inside the embedded stdlib (a prefix,
/// `""` for its top level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Disk(PathBuf),
    Stdlib(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    pub location: Location,
    pub origin: Origin,
}

/// A source file on disk or in the embedded stdlib.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceFile {
    Disk(PathBuf),
    Stdlib(String),
}

impl SourceFile {
    pub fn read(&self) -> anyhow::Result<Vec<u8>> {
        use anyhow::Context;
        match self {
            SourceFile::Disk(p) => {
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
            }
            SourceFile::Stdlib(p) => stdlib::get().read(p),
        }
    }

    /// How to name the file to the user.
    pub fn display(&self) -> String {
        match self {
            SourceFile::Disk(p) => p.display().to_string(),
            SourceFile::Stdlib(p) => format!("<stdlib>/{p}"),
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
#[derive(Default)]
pub struct Resolver {
    listings: HashMap<PathBuf, HashMap<String, FileType>>,
    /// Files that look like modules but cannot be (non-UTF-8 names).
    pub warnings: Vec<String>,
}

const EXTENSION_SUFFIXES: [&str; 3] = [".so", ".pyd", ".dylib"];

impl Resolver {
    fn listing(&mut self, dir: &Path) -> &HashMap<String, FileType> {
        let warnings = &mut self.warnings;
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return HashMap::new();
            };
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let Ok(name) = e.file_name().into_string() else {
                        if e.file_name().as_encoded_bytes().ends_with(b".py") {
                            warnings.push(format!(
                                "{} skipped: a module's file name must be valid UTF-8",
                                e.path().display()
                            ));
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
                Location::Stdlib(prefix) => {
                    let base = join_stdlib(prefix, part);
                    if stdlib::get().is_dir(&base) {
                        found.push(SearchDir {
                            location: Location::Stdlib(base),
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
                            name.strip_suffix(".py")
                                .filter(|stem| *stem != "__init__" && is_identifier(stem))
                                .map(str::to_string)
                        };
                        names.extend(module);
                    }
                }
                Location::Stdlib(prefix) => {
                    let lib = stdlib::get();
                    for file in lib.files_under(prefix) {
                        let rest = &file[prefix.len() + 1..];
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
        for dir in dirs {
            match &dir.location {
                Location::Disk(path) => {
                    let listing = self.listing(path);
                    let is_dir = listing.get(part).is_some_and(FileType::is_dir);
                    let module_file = listing
                        .get(&format!("{part}.py"))
                        .is_some_and(FileType::is_file);
                    let ext = listing
                        .iter()
                        .filter(|(name, ty)| {
                            ty.is_file()
                                && name.split('.').next() == Some(part)
                                && EXTENSION_SUFFIXES.iter().any(|s| name.ends_with(s))
                        })
                        .map(|(name, _)| path.join(name))
                        .min();
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
                Location::Stdlib(prefix) => {
                    let lib = stdlib::get();
                    let base = join_stdlib(prefix, part);
                    let init = format!("{base}/__init__.py");
                    if lib.is_file(&init) {
                        return Found::Package {
                            init: SourceFile::Stdlib(init),
                            dir: SearchDir {
                                location: Location::Stdlib(base),
                                origin: dir.origin,
                            },
                        };
                    }
                    let module = format!("{base}.py");
                    if lib.is_file(&module) {
                        return Found::Module {
                            file: SourceFile::Stdlib(module),
                            origin: dir.origin,
                        };
                    }
                    if lib.is_dir(&base) {
                        portions.push(SearchDir {
                            location: Location::Stdlib(base),
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

fn join_stdlib(prefix: &str, part: &str) -> String {
    if prefix.is_empty() {
        part.to_string()
    } else {
        format!("{prefix}/{part}")
    }
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c == '_' || c.is_alphanumeric())
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
