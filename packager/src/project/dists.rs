//! Package metadata: the `.dist-info` directories of the distributions whose
//! modules are bundled, so that `importlib.metadata.version("click")` and
//! entry-point lookups work in the frozen program.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub struct Distribution {
    /// `click-8.1.7.dist-info`
    pub dir: PathBuf,
    /// `click`, as the directory name spells it.
    pub name: String,
    /// `8.1.7`
    pub version: String,
    /// Top-level modules and packages the distribution installs.
    pub top_level: BTreeSet<String>,
    /// (group, name, `module:attr`) of each entry point it declares.
    pub entry_points: Vec<(String, String, String)>,
    /// The distributions it requires whatever extras are asked for
    /// (`Requires-Dist` without an `extra ==` marker), normalised.
    pub requires: Vec<String>,
}

impl Distribution {
    /// The modules its entry points of `group` name.
    pub fn entry_point_modules<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entry_points
            .iter()
            .filter(move |(g, _, _)| g == group)
            .map(|(_, _, value)| value.split(':').next().unwrap_or(value).trim())
    }
}

/// `entry_points.txt`: `[group]` sections of `name = module:attr [extras]`.
fn entry_points(dir: &Path) -> Vec<(String, String, String)> {
    let Ok(text) = std::fs::read_to_string(dir.join("entry_points.txt")) else {
        return Vec::new();
    };
    let mut group = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(g) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = g.trim().to_string();
        } else if let Some((name, value)) = line.split_once('=') {
            let value = value.split('[').next().unwrap_or(value).trim();
            out.push((group.clone(), name.trim().to_string(), value.to_string()));
        }
    }
    out
}

/// Whether two distribution names are the same after PEP 503
/// normalisation (`Foo_Bar` is `foo-bar`).
pub fn same_name(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if matches!(c, '-' | '_' | '.') {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
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
            let stem = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = stem.strip_suffix(".dist-info").unwrap_or(&stem);
            let (name, version) = stem.split_once('-').unwrap_or((stem, ""));
            found.push(Distribution {
                name: name.to_string(),
                version: version.to_string(),
                entry_points: entry_points(&dir),
                requires: requirements(&dir),
                dir,
                top_level,
            });
        }
    }
    found
}

/// `Requires-Dist: name (>=1) ; marker` lines of METADATA, but those for an
/// extra: the normalised names.
fn requirements(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("METADATA")) else {
        return Vec::new();
    };
    text.lines()
        // The headers end at the first empty line (a line of spaces is a
        // folded header's continuation); the description follows.
        .take_while(|l| !l.trim_end_matches('\r').is_empty())
        .filter_map(|l| l.strip_prefix("Requires-Dist:"))
        .filter(|req| {
            let marker = req.split_once(';').map(|(_, m)| m).unwrap_or("");
            !marker.contains("extra")
        })
        .filter_map(|req| {
            let name = req
                .trim()
                .split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .next()?;
            (!name.is_empty()).then(|| normalize(name))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_versions_and_top_levels() {
        let site = tempfile::tempdir().unwrap();
        let info = site.path().join("Foo_Bar-1.2.3.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(info.join("RECORD"), "foo/__init__.py,,\nfoo_cli.py,,\n../../bin/foo,,\nFoo_Bar-1.2.3.dist-info/METADATA,,\n").unwrap();
        let found = find(&[site.path().to_path_buf()]);
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!((d.name.as_str(), d.version.as_str()), ("Foo_Bar", "1.2.3"));
        assert_eq!(d.top_level.iter().collect::<Vec<_>>(), ["foo", "foo_cli"]);
        assert!(same_name("foo-bar", &d.name) && same_name("FOO.BAR", "foo__bar"));
        std::fs::write(
            info.join("entry_points.txt"),
            "[console_scripts]\nfoo = foo.cli:main\n\n[flake8.extension]\nX1 = foo_cli:Plugin [extra]\n",
        )
        .unwrap();
        std::fs::write(
            info.join("METADATA"),
            "Metadata-Version: 2.1\nName: Foo_Bar\nLicense: MIT\n        \n        more\n\
             Requires-Dist: Runtime_Pkg==2.1\n\
             Requires-Dist: click (>=8) ; python_version >= \"3.8\"\n\
             Requires-Dist: pandas ; extra == \"df\"\n\nRequires-Dist: not-a-header\n",
        )
        .unwrap();
        let d = &find(&[site.path().to_path_buf()])[0];
        assert_eq!(d.requires, ["runtime-pkg", "click"]);
        assert_eq!(
            d.entry_point_modules("flake8.extension")
                .collect::<Vec<_>>(),
            ["foo_cli"]
        );
        assert_eq!(
            d.entry_point_modules("console_scripts").collect::<Vec<_>>(),
            ["foo.cli"]
        );
        assert!(!same_name("foobar", "foo-bar"));
    }
}
