//! What a CPython bundle carries besides modules:
//!
//! * libpython, stripped, and every shared library the bundled extension
//!   modules need (their `DT_NEEDED` closure), under `__pyfreeze__/lib/`;
//! * `__pyfreeze__/frozen.json`: the modules the bootloader adds to
//!   CPython's frozen modules: the importer and its API (compiled by this
//!   interpreter, beside it in `__pyfreeze__/`), and those CPython imports
//!   while it starts (`encodings`, `encodings.utf_8`, and on 3.10 `abc`,
//!   `codecs`, `io`);
//! * `__pyfreeze__/bootstrap.zip`: the `encodings` package whole, for
//!   CPython's zipimport, which the bootloader points at it where the locale
//!   is not UTF-8;
//! * `__pyfreeze__/index.marshal`: the importer's index of the bundle;
//! * the packages' shared libraries that code loads by path (ctypes), as
//!   data files, with the wheel libraries they need (see [`native_data`]).

use super::{CPython, native};
use crate::cache::Cache;
use crate::diagnostics::Diagnostic;
use crate::runtime::{BundleContents, Runtime, RuntimePayload};
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::manifest::{BuildFile, Entry, FileIdentity, LibraryRecord};
use pyfreeze_bundle::runtime::cpython as facts;
use pyfreeze_bundle::{Compression, ModuleKind, ModuleRecord, Origin};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn build(cp: &CPython, c: &BundleContents<'_>) -> Result<RuntimePayload> {
    let mut out = RuntimePayload::default();
    let mut libs = Libraries {
        extra: vec![cp.interpreter.libdir.clone()],
        ..Libraries::default()
    };
    let (libpython, soname) = cp.interpreter.libpython()?;
    let raw = std::fs::read(&libpython)
        .with_context(|| format!("cannot read {}", libpython.display()))?;
    let stripped = native::strip(&raw).unwrap_or(raw);
    libs.add(&soname, &libpython, stripped, &[], &mut out.diagnostics)?;

    // Each extension module's libraries, in the order they load.
    let mut needs: HashMap<&str, Vec<String>> = HashMap::new();
    for record in c.modules.iter().filter(|r| r.kind == ModuleKind::Extension) {
        let Some((_, file)) = c.extensions.iter().find(|(name, _)| *name == record.name) else {
            continue;
        };
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let order = libs.closure(file, &bytes, &mut out.diagnostics)?;
        needs.insert(record.name.as_str(), order);
    }
    let libpython_path = lib_path(&soname);
    for lib in &libs.order {
        let (bytes, record) = &libs.found[lib];
        // Every start loads libpython first: stored, it is a copy; zstd
        // took hello from 11 to 19 ms (bench/RESULTS.md).
        let compression = match record.path == libpython_path {
            true => c.startup_compression,
            false => c.compression,
        };
        out.files
            .push((record.path.clone(), bytes.clone(), compression));
        out.libraries.push(record.clone());
    }
    for order in needs.values_mut() {
        order.retain(|p| *p != libpython_path);
    }
    if c.build_paths {
        let libraries = libs.order.iter().map(|lib| {
            let (_, record) = &libs.found[lib];
            (record.path.as_str(), libs.files[lib].as_path())
        });
        let extensions = c.modules.iter().filter_map(|r| {
            let code = r
                .code
                .as_deref()
                .filter(|_| r.kind == ModuleKind::Extension)?;
            let (_, file) = c.extensions.iter().find(|(name, _)| *name == r.name)?;
            Some((code, file.as_path()))
        });
        out.build_files = libraries
            .chain(extensions)
            .filter_map(|(path, file)| build_file(path, file))
            .collect();
    }
    native_data(&libs, c, &mut out)?;
    // Native code is copied into memory (and decompressed) on a helper
    // thread while the interpreter starts, in the order the program will
    // load it: first what its start imports, each extension after its
    // libraries; then third-party extensions that need bundled libraries
    // (numpy's OpenBLAS: likely used, large).
    let record_of = |name: &str| {
        c.modules
            .iter()
            .find(|r| r.kind == ModuleKind::Extension && r.name == name)
    };
    let later = c
        .modules
        .iter()
        .filter(|r| r.kind == ModuleKind::Extension && r.origin == Origin::ThirdParty)
        .filter(|r| needs.get(r.name.as_str()).is_some_and(|n| !n.is_empty()));
    let mut planned: HashSet<String> = HashSet::new();
    for record in c
        .start_extensions
        .iter()
        .filter_map(|name| record_of(name))
        .chain(later)
    {
        let libraries = needs.get(record.name.as_str()).into_iter().flatten();
        for path in libraries.chain(record.code.as_ref()) {
            if planned.insert(path.clone()) {
                out.prefetch.push(path.clone());
            }
        }
    }

    // The importer and its API, compiled by this interpreter, and what
    // CPython imports while it starts: frozen by the bootloader.
    let mut frozen = Vec::new();
    for (name, source) in [
        (facts::IMPORTER_MODULE, facts::IMPORTER_SOURCE),
        (facts::API_MODULE, facts::API_SOURCE),
    ] {
        let code = format!("{}/{name}.pyc", pyfreeze_bundle::PYFREEZE_DIR);
        let pyc = compile_cached(cp, c.cache, source, c.optimize)?;
        out.files.push((code.clone(), pyc, c.compression));
        frozen.push(facts::FrozenModule {
            name: name.to_string(),
            code,
            package: false,
        });
    }
    let startup = startup_modules(cp, c)?;
    frozen.extend(startup.iter().map(|r| facts::FrozenModule {
        name: r.name.clone(),
        code: r.code.clone().unwrap_or_default(),
        package: r.kind == ModuleKind::Package,
    }));
    out.files.push((
        facts::SYSTEM_LIBRARIES_PATH.to_string(),
        cp.marshal(&serde_json::from_str(facts::SYSTEM_LIBRARIES_JSON)?)?,
        c.compression,
    ));
    out.files.push((
        facts::FROZEN_PATH.to_string(),
        serde_json::to_vec(&frozen)?,
        Compression::Stored,
    ));
    out.files.push((
        facts::BOOTSTRAP_PATH.to_string(),
        bootstrap_zip(c)?,
        c.compression,
    ));

    // The index, last: it lists every file.
    let mut files: Vec<String> = c.files.to_vec();
    files.extend(out.files.iter().map(|(p, _, _)| p.clone()));
    files.push(facts::INDEX_PATH.to_string());
    files.push(pyfreeze_bundle::MANIFEST_PATH.to_string());
    files.sort();
    let index = index(c, &needs, &files, &startup);
    out.files.push((
        facts::INDEX_PATH.to_string(),
        cp.marshal(&index)?,
        Compression::Stored,
    ));
    Ok(out)
}

/// The packages' shared libraries that are neither extension modules nor
/// needed by one: code loads them by path, with ctypes (lightgbm, xgboost,
/// llvmlite) or as plug-ins (Qt). (PyCryptodome's export `PyInit_`: its
/// rule's `libraries-on-disk` puts them on disk.) They go in as data files,
/// so they are on disk under `sys._MEIPASS` as in site-packages, with the
/// wheel's libraries they need where their RPATH names them (xgboost's
/// `$ORIGIN/../../xgboost_cpu.libs`), for the dynamic linker to find there.
fn native_data(libs: &Libraries, c: &BundleContents<'_>, out: &mut RuntimePayload) -> Result<()> {
    let taken: HashSet<&str> = c.files.iter().map(String::as_str).collect();
    let mut added: HashSet<String> = HashSet::new();
    let mut queue: Vec<(String, PathBuf, bool)> = c
        .native_files
        .iter()
        .map(|(path, file)| (path.clone(), file.clone(), true))
        .collect();
    while let Some((path, file, found_in_package)) = queue.pop() {
        if taken.contains(path.as_str()) || added.contains(&path) {
            continue;
        }
        let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
        // Loaded from memory as a library already. (A dependency goes on
        // disk all the same: a library loaded by path may come first.)
        if found_in_package && libs.files.values().any(|f| *f == canonical) {
            continue;
        }
        let opened = std::fs::File::open(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        // SAFETY: read-only, for the build; mapped so that judging the
        // extension modules the program does not import reads only their
        // headers and symbol tables.
        let map = unsafe { memmap2::Mmap::map(&opened) }
            .with_context(|| format!("cannot read {}", file.display()))?;
        let Ok(linking) = native::linking(&map) else {
            continue; // not an ELF file: not ours to judge
        };
        if found_in_package && native::is_extension_module(&map) {
            continue; // a module the program does not import
        }
        let bytes = map.to_vec();
        // site-packages (or the program's directory): where `path` starts.
        let depth = path.split('/').count();
        let Some(root) = file.ancestors().nth(depth) else {
            continue;
        };
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        for needed in linking.needed.iter().filter(|n| !native::is_system(n)) {
            let Some(dep) = native::resolve(needed, &file, &linking.search, &[]) else {
                continue;
            };
            let dep = std::fs::canonicalize(&dep).unwrap_or(dep);
            if let Ok(rel) = dep.strip_prefix(&root) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|p| p.as_os_str().to_string_lossy().into_owned())
                    .collect();
                queue.push((rel.join("/"), dep, false));
            }
        }
        out.files.push((path.clone(), bytes, c.compression));
        out.data_files += 1;
        added.insert(path);
    }
    Ok(())
}

/// `file` as the manifest's `build_files` names it; `None` where no
/// `String` names it (not UTF-8) or it cannot be read.
fn build_file(path: &str, file: &Path) -> Option<BuildFile> {
    let file = std::fs::canonicalize(file).ok()?;
    let identity = FileIdentity::of(&std::fs::metadata(&file).ok()?);
    Some(BuildFile {
        path: path.to_string(),
        file: file.into_os_string().into_string().ok()?,
        identity,
    })
}

fn lib_path(soname: &str) -> String {
    format!("{}/{soname}", facts::LIB_DIR)
}

/// The shared libraries found so far, by soname, and the order they load in.
#[derive(Default)]
struct Libraries {
    /// Directories searched after an object's own RUNPATH (LIBDIR).
    extra: Vec<PathBuf>,
    found: HashMap<String, (Vec<u8>, LibraryRecord)>,
    /// Sonames, dependencies before what needs them.
    order: Vec<String>,
    /// Sonames already reported as not found.
    missing: Vec<String>,
    /// Sonames being added (their dependencies are being found): a cycle
    /// stops here.
    adding: Vec<String>,
    /// Each soname's file, canonical.
    files: HashMap<String, PathBuf>,
}

impl Libraries {
    /// Add the library `soname` from `file` (its bytes as bundled), after
    /// every library it needs.
    fn add(
        &mut self,
        soname: &str,
        file: &Path,
        bytes: Vec<u8>,
        loaders_rpath: &[PathBuf],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<()> {
        if self.found.contains_key(soname) || self.adding.iter().any(|s| s == soname) {
            return Ok(());
        }
        self.adding.push(soname.to_string());
        let linking = native::linking(&bytes).with_context(|| format!("{}", file.display()))?;
        let mut needs = Vec::new();
        for needed in &linking.needed {
            if native::is_system(needed) {
                continue;
            }
            if self.bundle_dependency(needed, file, &linking, loaders_rpath, diagnostics)? {
                needs.push(needed.clone());
            }
        }
        let record = LibraryRecord {
            path: lib_path(soname),
            soname: soname.to_string(),
            needs,
        };
        self.adding.retain(|s| s != soname);
        self.files.insert(
            soname.to_string(),
            std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf()),
        );
        self.found.insert(soname.to_string(), (bytes, record));
        self.order.push(soname.to_string());
        Ok(())
    }

    /// Find and add `needed` for the object at `from`, which links as
    /// `linking` and was loaded by objects whose RPATHs are `loaders_rpath`;
    /// false if it cannot be found.
    fn bundle_dependency(
        &mut self,
        needed: &str,
        from: &Path,
        linking: &native::Linking,
        loaders_rpath: &[PathBuf],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<bool> {
        if self.found.contains_key(needed) || self.adding.iter().any(|s| s == needed) {
            return Ok(true);
        }
        // As glibc searches: without a RUNPATH of its own, an object's
        // dependencies are also looked for in the RPATHs of the objects that
        // loaded it (libbrotlidec, without either, finds libbrotlicommon
        // through libfreetype's RPATH $ORIGIN, in Pygame's wheel).
        let inherited: Vec<PathBuf> = if linking.has_runpath {
            Vec::new()
        } else {
            loaders_rpath.to_vec()
        };
        let extra: Vec<PathBuf> = inherited.iter().chain(&self.extra).cloned().collect();
        let Some(path) = native::resolve(needed, from, &linking.search, &extra) else {
            if !self.missing.iter().any(|m| m == needed) {
                self.missing.push(needed.to_string());
                diagnostics.push(Diagnostic::MissingLibrary {
                    library: needed.to_string(),
                    needed_by: from.to_path_buf(),
                });
            }
            return Ok(false);
        };
        // Never stripped: wheels' libraries are patched by auditwheel, and
        // the system's are stripped already.
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        // What `needed` loads searches this object's RPATH, then its loaders'.
        let chain: Vec<PathBuf> = native::expand(&linking.rpath, from)
            .into_iter()
            .chain(loaders_rpath.iter().cloned())
            .collect();
        self.add(needed, &path, bytes, &chain, diagnostics)?;
        Ok(true)
    }

    /// The archive paths of the libraries the extension module at `file`
    /// needs, dependencies first.
    fn closure(
        &mut self,
        file: &Path,
        bytes: &[u8],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Vec<String>> {
        let linking = native::linking(bytes).with_context(|| format!("{}", file.display()))?;
        let mut direct = Vec::new();
        for needed in linking.needed.iter().filter(|n| !native::is_system(n)) {
            if self.bundle_dependency(needed, file, &linking, &[], diagnostics)? {
                direct.push(needed.clone());
            }
        }
        let mut order = Vec::new();
        let mut visiting = Vec::new();
        for soname in &direct {
            self.post_order(soname, &mut visiting, &mut order);
        }
        Ok(order.iter().map(|s| lib_path(s)).collect())
    }

    /// `soname` after what it needs; a dependency cycle (libraries that need
    /// each other) is cut where it closes.
    fn post_order(&self, soname: &str, visiting: &mut Vec<String>, out: &mut Vec<String>) {
        if out.iter().any(|s| s == soname) || visiting.iter().any(|s| s == soname) {
            return;
        }
        visiting.push(soname.to_string());
        if let Some((_, record)) = self.found.get(soname) {
            for dep in &record.needs {
                self.post_order(dep, visiting, out);
            }
        }
        visiting.pop();
        out.push(soname.to_string());
    }
}

/// One of the runtime's own modules, compiled by this interpreter through
/// the build cache. Its file name is the import machinery's, whose frames
/// tracebacks and warnings leave out (see importer.py).
fn compile_cached(cp: &CPython, cache: &Cache, source: &str, optimize: u8) -> Result<Vec<u8>> {
    const MACHINERY: &str = "<frozen importlib._bootstrap_external>";
    let key = Cache::key(&cp.bytecode_format(), source, MACHINERY, optimize);
    if let Some(pyc) = cache.load(&key) {
        return Ok(pyc);
    }
    let pyc = cp
        .compile(source, MACHINERY, MACHINERY, optimize)
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    cache.put(&key, &pyc);
    Ok(pyc)
}

/// The bundle's modules CPython imports while it starts, before the
/// importer is installed, that it has not frozen itself.
fn startup_modules<'a>(cp: &CPython, c: &BundleContents<'a>) -> Result<Vec<&'a ModuleRecord>> {
    let i = &cp.interpreter;
    let found: Vec<&ModuleRecord> = c
        .modules
        .iter()
        .filter(|r| i.startup.contains(&r.name) && !i.frozen.contains(&r.name))
        .filter(|r| r.kind != ModuleKind::Extension && r.code.is_some())
        .collect();
    if !found.iter().any(|r| r.name == facts::ENCODINGS) {
        bail!("the encodings package, which CPython needs to start, is not in the bundle");
    }
    Ok(found)
}

/// The zip CPython's zipimport reads while it starts where the locale is
/// not UTF-8: the whole `encodings` package.
fn bootstrap_zip(c: &BundleContents<'_>) -> Result<Vec<u8>> {
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for record in c.modules {
        let wanted = record.name == facts::ENCODINGS
            || record.name.starts_with(&format!("{}.", facts::ENCODINGS));
        if !wanted || record.kind == ModuleKind::Extension {
            continue;
        }
        let Some(code) = &record.code else { continue };
        let bytes = (c.read)(code).with_context(|| format!("{code} is not in the archive"))?;
        entries.insert(code.clone(), bytes);
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (path, bytes) in entries {
        zip.start_file(path, options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The entry point as the index states it: `[kind, module, function]`.
pub(crate) fn entry_value(entry: &Entry) -> serde_json::Value {
    match entry {
        Entry::Script { module } => serde_json::json!(["script", module, null]),
        Entry::Module { module } => serde_json::json!(["module", module, null]),
        Entry::Function { module, function } => serde_json::json!(["function", module, function]),
    }
}

/// The importer's index: each module's kind, path, bytecode, source and the
/// libraries an extension needs; every file; the distributions; the entry.
fn index(
    c: &BundleContents<'_>,
    needs: &HashMap<&str, Vec<String>>,
    files: &[String],
    startup: &[&ModuleRecord],
) -> serde_json::Value {
    let mut modules = serde_json::Map::new();
    for r in c.modules {
        let kind = r.kind.as_str();
        let libs = needs.get(r.name.as_str()).cloned().unwrap_or_default();
        modules.insert(
            r.name.clone(),
            serde_json::json!([kind, r.path, r.code, r.source, libs]),
        );
    }
    let mut dist_infos: Vec<&str> = files
        .iter()
        .filter_map(|f| f.split_once('/').map(|(dir, _)| dir))
        .filter(|d| d.ends_with(".dist-info"))
        .collect();
    dist_infos.dedup();
    let entry = entry_value(c.entry);
    serde_json::json!({
        "modules": modules,
        "files": files,
        "dist_infos": dist_infos,
        "entry": entry,
        "startup": startup.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
    })
}
