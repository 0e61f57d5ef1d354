//! Package metadata: the `.dist-info` directories of the distributions whose
//! modules are bundled, so that `importlib.metadata.version("click")` and
//! entry-point lookups work in the frozen program.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub struct Distribution {
    /// `click-8.1.7.dist-info`
    pub dir: PathBuf,
    /// Top-level modules and packages the distribution installs.
    pub top_level: BTreeSet<String>,
}

/// Every `.dist-info` in `site_packages`, with the top-level names it
/// provides (from `top_level.txt`, else from `RECORD`).
pub fn find(site_packages: &[PathBuf]) -> Vec<Distribution> {
    let mut found = Vec::new();
    for site in site_packages {
        let Ok(rd) = std::fs::read_dir(site) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && p.extension().is_some_and(|e| e == "dist-info"))
            .collect();
        dirs.sort();
        for dir in dirs {
            let top_level = top_level_names(&dir);
            found.push(Distribution { dir, top_level });
        }
    }
    found
}

fn top_level_names(dir: &Path) -> BTreeSet<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join("top_level.txt")) {
        let names: BTreeSet<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if !names.is_empty() {
            return names;
        }
    }
    // RECORD: `path,hash,size` per installed file.
    let Ok(record) = std::fs::read_to_string(dir.join("RECORD")) else {
        return BTreeSet::new();
    };
    record
        .lines()
        .filter_map(|line| line.split(',').next())
        .filter(|path| {
            !path.starts_with("..")
                && !path.contains(".dist-info/")
                && !path.contains("__pycache__")
        })
        .filter_map(|path| {
            let first = path.split('/').next()?;
            if path.contains('/') {
                Some(first.to_string())
            } else {
                first.strip_suffix(".py").map(str::to_string)
            }
        })
        .collect()
}

/// The files of a dist-info directory as (archive path, bytes), archive
/// paths relative to site-packages (`click-8.1.7.dist-info/METADATA`).
pub fn files(dist: &Distribution) -> Vec<(String, Vec<u8>)> {
    let Some(base) = dist.dir.parent() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&dist.dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(base) else {
            continue;
        };
        let Some(rel) = rel.to_str() else { continue };
        if let Ok(bytes) = std::fs::read(entry.path()) {
            out.push((rel.replace('\\', "/"), bytes));
        }
    }
    out
}
