//! The archive: bytecode and source of every module, the bundled
//! distributions' metadata, data files, and the manifest that lists them,
//! as one deterministic zip payload.

pub mod data;

use crate::analyze::{Graph, Kind, MAIN};
use crate::cache::Cache;
use crate::compile::Compiled;
use crate::diagnostics::Diagnostic;
use crate::options::CompressMode;
use crate::project::{EntrySpec, Project, dists};
use crate::rules::is_within;
use crate::runtime::BundleContents;
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::manifest::{BuildInfo, Entry};
use pyfreeze_bundle::writer::{BundleWriter, Payload};
use pyfreeze_bundle::{Compression, Manifest, ModuleKind, ModuleRecord, Origin};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

/// How the archive is written.
pub struct ArchiveOptions {
    pub include_source: bool,
    pub optimize: u8,
    pub compress: CompressMode,
    /// The manifest's `build.native_cache`.
    pub native_cache: bool,
    /// Record where this machine has the bundled native files.
    pub build_paths: bool,
    /// The newest glibc the bootloader needs (ELF bootloaders).
    pub bootloader_glibc: Option<crate::glibc::Version>,
}

pub struct Archive {
    pub payload: Payload,
    /// The `.dist-info` directories included.
    pub metadata: Vec<String>,
    /// Data files that could not go in, and why.
    pub diagnostics: Vec<Diagnostic>,
    /// The data files read from disk (an output must never replace one).
    pub data_sources: Vec<PathBuf>,
}

pub fn write_archive(
    project: &Project,
    compiled: Vec<Compiled>,
    opts: &ArchiveOptions,
    cache: &Cache,
) -> Result<Archive> {
    let graph = &project.graph;
    let mut writer = BundleWriter::new(source_date_epoch()?);
    // zstd decompresses at memory speed: bytecode is read whole anyway, and
    // native code (extension modules, libpython and other libraries) is
    // copied into a memfd at each start, so decompressing is done on that
    // copy. (Deflate took numpy's 40 MB 130 ms of its start.)
    let (bytecode_compression, other_compression) = match opts.compress {
        CompressMode::Auto | CompressMode::All => (Compression::Zstd, Compression::Zstd),
        CompressMode::None => (Compression::Stored, Compression::Stored),
    };
    let native_compression = bytecode_compression;
    let startup_compression = match opts.compress {
        CompressMode::All => Compression::Zstd,
        CompressMode::Auto | CompressMode::None => Compression::Stored,
    };
    let mut records = Vec::new();
    for Compiled {
        module,
        virtual_path,
        pyc,
    } in compiled
    {
        let m = &graph[module];
        let code_path = pyfreeze_bundle::bytecode_path(&virtual_path);
        // The script may also be imported under its own name: one file, two records.
        if !writer.contains(&code_path) {
            writer.add(code_path.clone(), pyc, bytecode_compression)?;
        }
        // A rule may ask for a package's sources as files on disk; they go in
        // even with --no-source. Its parent packages' `__init__.py` go too, so
        // that the files on disk form packages (astroid, which pylint loads its
        // checkers through, turns a file into a module name only where every
        // directory above it has one).
        let rules = &graph.rules;
        let on_disk = (rules.stdlib_sources_on_disk && m.origin == Origin::Stdlib)
            || rules
                .sources_on_disk
                .iter()
                .any(|p| is_within(&m.name, p) || (m.is_package() && is_within(p, &m.name)));
        let source = if opts.include_source || on_disk {
            if !writer.contains(&virtual_path) {
                let text = m.text.clone().unwrap_or_default().into_bytes();
                writer.add(virtual_path.clone(), text, other_compression)?;
            }
            Some(virtual_path.clone())
        } else {
            None
        };
        records.push(ModuleRecord {
            name: m.name.clone(),
            kind: if m.is_package() {
                ModuleKind::Package
            } else {
                ModuleKind::Module
            },
            origin: m.origin,
            path: virtual_path,
            code: Some(code_path),
            source,
            on_disk,
        });
    }
    // Compiled extension modules, for a runtime that loads them.
    let mut extensions = Vec::new();
    if project.runtime.loads_extensions() {
        for (_, m) in graph.iter() {
            let Kind::Extension(file) = &m.kind else {
                continue;
            };
            extensions.push((m.name.clone(), file.clone()));
            let path = extension_path(&m.name, file);
            if !writer.contains(&path) {
                writer.add(
                    path.clone(),
                    project.runtime.extension_bytes(file)?,
                    native_compression,
                )?;
            }
            // Under a rule's libraries-on-disk, the file is also written to
            // disk, where code loads it by path (PyCryptodome's ctypes).
            let on_disk = data::library_on_disk(&graph.rules, &path);
            records.push(ModuleRecord {
                name: m.name.clone(),
                kind: ModuleKind::Extension,
                origin: m.origin,
                path: path.clone(),
                code: Some(path),
                source: None,
                on_disk,
            });
        }
    }
    for (_, m) in graph
        .iter()
        .filter(|(_, m)| matches!(m.kind, Kind::Namespace(_)))
    {
        records.push(ModuleRecord {
            name: m.name.clone(),
            kind: ModuleKind::Namespace,
            origin: m.origin,
            path: m.virtual_path(&graph.script_name),
            code: None,
            source: None,
            on_disk: false,
        });
    }
    let metadata = add_distribution_metadata(&mut writer, project, other_compression)?;
    let added = add_data_files(&mut writer, project, other_compression)?;
    let (native_files, mut diagnostics) = (added.native, added.warnings);
    let mut data_files = added.data.len();
    let data_sources: Vec<PathBuf> = added.data.into_iter().map(|(_, file)| file).collect();
    records.sort_by(|a, b| a.name.cmp(&b.name));
    let entry = match &project.settings.entry {
        EntrySpec::Script(_) => Entry::Script {
            module: MAIN.to_string(),
        },
        EntrySpec::Module(_) => Entry::Module {
            module: graph[graph.entry].name.clone(),
        },
        EntrySpec::Function { module, function } => Entry::Function {
            module: module.clone(),
            function: function.clone(),
        },
    };
    let start_extensions: Vec<String> = graph
        .start_order()
        .into_iter()
        .map(|id| &graph[id])
        .filter(|m| matches!(m.kind, Kind::Extension(_)))
        .map(|m| m.name.clone())
        .collect();
    // What the runtime adds: an interpreter, its libraries, an index...
    let files = writer.paths();
    let payload = project.runtime.payload(&BundleContents {
        extensions: &extensions,
        start_extensions: &start_extensions,
        modules: &records,
        files: &files,
        native_files: &native_files,
        read: &|path| writer.get(path).map(<[u8]>::to_vec),
        entry: &entry,
        optimize: opts.optimize,
        compression: native_compression,
        startup_compression,
        build_paths: opts.build_paths,
        cache,
    })?;
    for (path, bytes, compression) in payload.files {
        writer.add(path, bytes, compression)?;
    }
    diagnostics.extend(payload.diagnostics);
    data_files += payload.data_files;
    let glibc = glibc_floor(&writer, opts.bootloader_glibc);
    let manifest = Manifest {
        format: pyfreeze_bundle::FORMAT_VERSION,
        bytecode: project.runtime.bytecode_format(),
        entry,
        build: BuildInfo {
            pyfreeze: env!("CARGO_PKG_VERSION").to_string(),
            target: project.target.triple.clone(),
            optimize: opts.optimize,
            source: opts.include_source,
            data_files,
            native_cache: opts.native_cache,
            runtime_reason: Some(project.runtime_why.summary(project.runtime.kind())),
            glibc: glibc.record(),
        },
        runtime: project.runtime.manifest_name(),
        modules: records,
        env: graph.rules.env.clone(),
        libraries: payload.libraries,
        prefetch: payload.prefetch,
        build_files: payload.build_files,
        files: Vec::new(),
    };
    let deflated = cache
        .enabled()
        .then_some(cache as &dyn pyfreeze_bundle::writer::DeflateCache);
    let payload = writer.finish_with_cache(manifest, deflated)?;
    Ok(Archive {
        payload,
        metadata,
        diagnostics,
        data_sources,
    })
}

/// The newest glibc the bootloader or any ELF file in the archive needs.
fn glibc_floor(
    writer: &BundleWriter,
    bootloader: Option<crate::glibc::Version>,
) -> crate::glibc::Floor {
    let mut floor = crate::glibc::Floor::default();
    if let Some(version) = bootloader {
        floor.note(BOOTLOADER, version);
    }
    for path in writer.paths() {
        if let Some(bytes) = writer.get(&path).filter(|b| b.starts_with(b"\x7fELF")) {
            floor.add(&path, bytes);
        }
    }
    floor
}

/// How the manifest's glibc floor names the bootloader.
pub const BOOTLOADER: &str = "bootloader";

/// `pkg/mod.cpython-311-x86_64-linux-gnu.so`: the module's directory and the
/// extension's file name.
fn extension_path(name: &str, file: &std::path::Path) -> String {
    let dir = name.rsplit_once('.').map(|(p, _)| p.replace('.', "/"));
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{name}.so"));
    match dir {
        Some(dir) => format!("{dir}/{file_name}"),
        None => file_name,
    }
}

/// Add package data and `--add-data` files; say which were added (from
/// where), the packages' shared libraries left for the runtime, and
/// warnings about files that could not be added.
fn add_data_files(
    writer: &mut BundleWriter,
    project: &Project,
    compression: Compression,
) -> Result<data::PackageFiles> {
    let data::PackageFiles {
        data: package_data,
        native: native_files,
        mut warnings,
    } = data::package_files(&project.graph);
    let mut data_from: HashMap<String, PathBuf> = HashMap::new();
    for (path, file) in package_data
        .into_iter()
        .chain(data::added_data(&project.settings.add_data)?)
    {
        if writer.contains(&path) {
            match data_from.get(&path) {
                Some(first) if first != &file => warnings.push(Diagnostic::DataPathTaken {
                    file,
                    path,
                    first: first.clone(),
                }),
                Some(_) => {}
                // An extension module's file, which goes on disk too.
                None if data::library_on_disk(&project.graph.rules, &path) => {}
                None => warnings.push(Diagnostic::DataPathIsModule { file, path }),
            }
            continue;
        }
        let size = std::fs::metadata(&file)
            .with_context(|| format!("cannot read data file {}", file.display()))?
            .len();
        if size > pyfreeze_bundle::limits::MAX_FILE_BYTES {
            bail!(
                "data file {} is {} bytes; a bundle holds files up to {} bytes. Leave it out, or ship it beside the executable",
                file.display(),
                size,
                pyfreeze_bundle::limits::MAX_FILE_BYTES
            );
        }
        let bytes = std::fs::read(&file)
            .with_context(|| format!("cannot read data file {}", file.display()))?;
        writer.add(path.clone(), bytes, compression)?;
        data_from.insert(path, file);
    }
    // Extension modules in the bundle are no candidates.
    let native_files = native_files
        .into_iter()
        .filter(|(path, _)| !writer.contains(path))
        .collect();
    Ok(data::PackageFiles {
        data: data_from.into_iter().collect(),
        native: native_files,
        warnings,
    })
}

/// The `.dist-info` directories of the distributions whose top-level
/// modules are bundled, and of those rules name. Returns their names.
fn add_distribution_metadata(
    writer: &mut BundleWriter,
    project: &Project,
    compression: Compression,
) -> Result<Vec<String>> {
    let bundled = bundled_top_levels(&project.graph);
    let named = &project.graph.rules.copy_metadata;
    let mut added = Vec::new();
    for dist in &project.site.distributions {
        let wanted = dist.top_level.iter().any(|t| bundled.contains(t.as_str()))
            || named.iter().any(|n| dists::same_name(n, &dist.name));
        if !wanted {
            continue;
        }
        let mut any = false;
        for (path, bytes) in dists::files(dist) {
            if !writer.contains(&path) {
                writer.add(path, bytes, compression)?;
                any = true;
            }
        }
        if any && let Some(name) = dist.dir.file_name() {
            added.push(name.to_string_lossy().into_owned());
        }
    }
    Ok(added)
}

fn bundled_top_levels(graph: &Graph) -> BTreeSet<&str> {
    graph
        .iter()
        .map(|(_, m)| m)
        .filter(|m| {
            m.origin == Origin::ThirdParty
                && matches!(m.kind, Kind::Source { .. } | Kind::Namespace(_))
        })
        .map(|m| m.name.split('.').next().unwrap_or(&m.name))
        .collect()
}

/// `SOURCE_DATE_EPOCH`, the reproducible-builds convention for "the time to stamp".
fn source_date_epoch() -> Result<Option<u64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => match v.trim().parse() {
            Ok(secs) => Ok(Some(secs)),
            Err(_) => bail!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds"),
        },
        Err(_) => Ok(None),
    }
}
