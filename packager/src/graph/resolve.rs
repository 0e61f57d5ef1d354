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
}

const EXTENSION_SUFFIXES: [&str; 3] = [".so", ".pyd", ".dylib"];

impl Resolver {
    fn listing(&mut self, dir: &Path) -> &HashMap<String, FileType> {
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return HashMap::new();
            };
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?; // non-UTF-8 names cannot be modules
                    // Follow symlinks (metadata, not file_type): a symlinked package counts.
                    let ty = std::fs::metadata(e.path()).ok()?.file_type();
                    Some((name, ty))
                })
                .collect()
        })
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
                    let base = if prefix.is_empty() {
                        part.to_string()
                    } else {
                        format!("{prefix}/{part}")
                    };
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
