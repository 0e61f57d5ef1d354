//! Data files: non-Python files inside the bundled packages (templates,
//! certificates, ...) and `--add-data SRC:DEST`. They go into the archive
//! under the package's virtual path; the runtime serves them from memory
//! (`get_data`, `importlib.resources`) and can materialise them on disk.

use crate::analyze::Graph;
use crate::analyze::resolve::Location;
use crate::diagnostics::Diagnostic;
use crate::rules::is_within;
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::Origin;
use std::path::{Path, PathBuf};

/// Files that are code (or compiled code), never data.
const CODE_SUFFIXES: [&str; 7] = [".py", ".pyc", ".pyo", ".so", ".pyd", ".dylib", ".pyi"];

/// Files of the bundled packages (stdlib packages only when a rule asks),
/// each as (archive path, file on disk).
pub struct PackageFiles {
    pub data: Vec<(String, PathBuf)>,
    /// Shared libraries (`.so`, `libfoo.so.1`): extension modules the graph
    /// did not take, libraries extensions need, or libraries that code loads
    /// by path (ctypes), which a runtime that loads native code sorts out.
    pub native: Vec<(String, PathBuf)>,
    /// Files that cannot be bundled.
    pub warnings: Vec<Diagnostic>,
}

pub fn package_files(graph: &Graph) -> PackageFiles {
    let mut out = Vec::new();
    let mut walk = Walk {
        libraries_on_disk: &graph.rules.libraries_on_disk,
        ..Walk::default()
    };
    for (_, m) in graph.iter() {
        let wanted = m.origin != Origin::Stdlib
            || graph
                .rules
                .collect_data
                .iter()
                .any(|p| is_within(&m.name, p));
        if !wanted {
            continue;
        }
        let Some(dirs) = m.package_dirs() else {
            continue;
        };
        let prefix = m.name.replace('.', "/");
        for dir in dirs {
            if let Location::Disk(path) = &dir.location {
                walk.collect(path, &prefix, 0, &mut out);
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    let mut native = std::mem::take(&mut walk.native);
    native.sort();
    native.dedup_by(|a, b| a.0 == b.0);
    PackageFiles {
        data: out,
        native,
        warnings: walk.warnings,
    }
}

#[derive(Default)]
struct Walk<'a> {
    /// Archive directories whose shared libraries are data (a rule's
    /// `libraries-on-disk`: Qt loads its plug-ins from files by path).
    libraries_on_disk: &'a [String],
    /// `.so` files that are not data: see [`package_files`].
    native: Vec<(String, PathBuf)>,
    /// Directories already walked (canonical): a symlink loop ends here.
    seen: std::collections::HashSet<PathBuf>,
    warnings: Vec<Diagnostic>,
}

/// Not data: caches, version control and desktop litter.
const IGNORED: [&str; 9] = [
    "__pycache__",
    ".git",
    ".hg",
    ".svn",
    ".DS_Store",
    ".gitignore",
    ".gitattributes",
    ".mypy_cache",
    ".pytest_cache",
];

/// Deeper than this, a data directory is almost surely a symlink loop.
const MAX_DEPTH: usize = 32;

impl Walk<'_> {
    /// Data files directly in `dir` and in its subdirectories that are not
    /// packages of their own (those collect their own data when bundled).
    fn collect(
        &mut self,
        dir: &Path,
        prefix: &str,
        depth: usize,
        out: &mut Vec<(String, PathBuf)>,
    ) {
        let Ok(canonical) = std::fs::canonicalize(dir) else {
            return;
        };
        if depth > MAX_DEPTH || !self.seen.insert(canonical) {
            return; // a symlink loop, or a directory reached twice
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let Ok(name) = entry.file_name().into_string() else {
                self.warnings.push(Diagnostic::NonUtf8DataFile { path });
                continue;
            };
            // Dotfiles are data too (tldextract's `.tld_set_snapshot`), but
            // not version-control or desktop litter.
            if IGNORED.contains(&name.as_str()) {
                continue;
            }
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let archive_path = format!("{prefix}/{name}");
            if meta.is_dir() {
                if !path.join("__init__.py").exists() || is_data_package(&path) {
                    self.collect(&path, &archive_path, depth + 1, out);
                }
            } else if meta.is_file()
                && !on_disk(self.libraries_on_disk, &archive_path)
                && is_shared_library_name(&name)
            {
                self.native.push((archive_path, path));
            } else if meta.is_file()
                && (!CODE_SUFFIXES.iter().any(|s| name.ends_with(s))
                    // Type stubs in a directory that is not a package are
                    // data read by path: mypy's typeshed (a stub beside a
                    // module in a package is only for type checkers).
                    || (depth > 0 && name.ends_with(".pyi"))
                    || on_disk(self.libraries_on_disk, &archive_path))
            {
                out.push((archive_path, path));
            }
        }
    }
}

/// A package that holds only data beside its `__init__.py` (lark's
/// `grammars`): its files are read through the parent's loader
/// (`pkgutil.get_data("lark", "grammars/common.lark")`) without the package
/// ever being imported, so they come with the parent's data.
fn is_data_package(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    rd.filter_map(Result::ok).all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == "__init__.py"
            || name == "__pycache__"
            || !(CODE_SUFFIXES.iter().any(|s| name.ends_with(s)) || is_shared_library_name(&name))
    })
}

/// Whether `archive_path` is a shared library that a rule's
/// `libraries-on-disk` puts on disk.
pub fn library_on_disk(rules: &crate::analyze::RuleEffects, archive_path: &str) -> bool {
    on_disk(&rules.libraries_on_disk, archive_path)
}

/// `x.so`, `x.abi3.so`, `libfoo.so.1.2`: an ELF shared object by its name.
fn is_shared_library_name(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

fn on_disk(dirs: &[String], archive_path: &str) -> bool {
    [".so", ".pyd", ".dylib"]
        .iter()
        .any(|s| archive_path.ends_with(s))
        && dirs
            .iter()
            .any(|d| archive_path.starts_with(&format!("{d}/")))
}

/// `--add-data SRC:DEST`: a file, or a directory (recursively), placed at
/// DEST under the bundle's root (`.` for the root itself).
pub fn added_data(specs: &[String]) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for spec in specs {
        // Split at the last ':' so Windows drive letters in SRC still work.
        let Some((src, dest)) = spec.rsplit_once(':') else {
            bail!("--add-data {spec:?}: expected SRC:DEST, e.g. assets/logo.png:assets");
        };
        let src = PathBuf::from(src);
        let dest = dest.trim_matches('/');
        let dest = if dest == "." { "" } else { dest };
        if !dest.is_empty() && !pyfreeze_bundle::reader::is_safe_relative_path(dest) {
            bail!("--add-data {spec:?}: DEST must be a relative path inside the bundle");
        }
        let meta = std::fs::metadata(&src)
            .with_context(|| format!("--add-data {spec:?}: cannot read {}", src.display()))?;
        let join = |name: &str| {
            if dest.is_empty() {
                name.to_string()
            } else {
                format!("{dest}/{name}")
            }
        };
        if meta.is_file() {
            let name = src
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((join(&name), src.clone()));
        } else {
            for entry in walkdir::WalkDir::new(&src).sort_by_file_name().into_iter() {
                let entry = entry.with_context(|| format!("--add-data {spec:?}"))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(&src).unwrap_or(entry.path());
                let Some(rel) = rel.to_str() else {
                    bail!(
                        "--add-data {spec:?}: {} is not a UTF-8 file name",
                        entry.path().display()
                    );
                };
                out.push((join(&rel.replace('\\', "/")), entry.path().to_path_buf()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_data_files_and_directories_land_under_dest() {
        let dir = tempfile::tempdir().unwrap();
        let assets = dir.path().join("assets");
        std::fs::create_dir_all(assets.join("img")).unwrap();
        std::fs::write(assets.join("a.txt"), "a").unwrap();
        std::fs::write(assets.join("img/b.png"), "b").unwrap();
        let spec = |s: &str| vec![s.replace("DIR", &dir.path().display().to_string())];
        let files = added_data(&spec("DIR/assets:res")).unwrap();
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["res/a.txt", "res/img/b.png"]);
        let one = added_data(&spec("DIR/assets/a.txt:.")).unwrap();
        assert_eq!(one[0].0, "a.txt");
        for bad in ["no-colon", "DIR/assets:../out", "DIR/missing:x"] {
            assert!(added_data(&spec(bad)).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn package_walks_skip_code_litter_code_subpackages_and_loops_but_keep_stub_and_data_directories()
     {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        for (path, text) in [
            ("__init__.py", ""),
            ("mod.py", ""),
            ("data.json", "{}"),
            (".snapshot", ""),
            (".DS_Store", ""),
            ("templates/page.html", "<p>"),
            ("mod.pyi", ""),
            ("typeshed/stdlib/builtins.pyi", ""),
            ("sub/__init__.py", ""),
            ("sub/code.py", ""),
            ("sub/own.txt", ""),
            // A package of data only (lark's grammars): read through the
            // parent's loader, never imported.
            ("grammars/__init__.py", ""),
            ("grammars/common.lark", ""),
        ] {
            let path = pkg.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(&pkg, pkg.join("templates/loop")).unwrap();
        let mut out = Vec::new();
        Walk::default().collect(&pkg, "pkg", 0, &mut out);
        let paths: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "pkg/.snapshot",
                "pkg/data.json",
                "pkg/grammars/common.lark",
                "pkg/templates/page.html",
                "pkg/typeshed/stdlib/builtins.pyi"
            ]
        );
    }
}
