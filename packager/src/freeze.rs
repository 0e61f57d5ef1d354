//! `pyfreeze build`: from a script to one executable.

use crate::cache::Cache;
use crate::cli::{BuildArgs, CompressMode};
use crate::graph::{Graph, Kind, MAIN};
use crate::output::Part;
use crate::progress::Progress;
use crate::project::{self, EntrySpec, Project};
use crate::{bootloader, compile, data, dists, layout, output, pack};
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::manifest::{BuildInfo, Entry};
use pyfreeze_bundle::writer::BundleWriter;
use pyfreeze_bundle::{Compression, Manifest, ModuleKind, ModuleRecord, Origin};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

pub fn build(args: &BuildArgs) -> Result<()> {
    let started = Instant::now();
    let target = project::target(&args.source)?;
    if args.pack {
        pack::check_target(&target)?;
    }
    let boot_path = bootloader::find(args.bootloader.as_deref(), &target)?;
    let boot = bootloader::load(&boot_path, &target)?;
    let cache = Cache::open(!args.no_cache);
    let packed = match args.pack {
        true => Some(pack::prepare(&boot, &target, &cache)?),
        false => None,
    };
    let progress = Progress::start(!args.quiet);

    // 1. The import graph.
    progress.phase("scanning imports", 0);
    let project = project::load(&args.source, target)?;
    let output = match &args.output {
        Some(path) => path.clone(),
        None => PathBuf::from("dist").join(format!(
            "{}{}",
            project.settings.default_stem(),
            project.target.exe_suffix()
        )),
    };
    judge_imports(&project, args)?;
    let graph_done = Instant::now();

    // 2. Bytecode, in parallel, through the cache.
    let compiled = compile_modules(&project.graph, args, &cache, &progress)?;
    let compile_done = Instant::now();

    // 3. The archive: bytecode, source, package metadata, data, manifest.
    progress.phase("writing the archive", 0);
    let archive = write_archive(&project, args, compiled, &cache)?;
    let payload = &archive.payload;
    let attached = match &packed {
        // The stub is an ordinary ELF file: what follows it is left alone.
        Some(p) => layout::Attached::Unchanged {
            trailer: payload.trailer(p.prefix_len()).to_bytes(),
        },
        None => layout::attach(boot.bytes(), project.target.format(), payload)?,
    };

    // 4. The executable, replaced only now that everything succeeded.
    let parts = match (&attached, &packed) {
        (layout::Attached::Unchanged { trailer }, Some(p)) => vec![
            Part::File(&p.stub, p.stub_len),
            Part::Bytes(&p.frames_and_footer),
            Part::Bytes(&payload.bytes),
            Part::Bytes(trailer),
        ],
        (layout::Attached::Unchanged { trailer }, None) => vec![
            Part::File(&boot.path, boot.bytes().len() as u64),
            Part::Bytes(&payload.bytes),
            Part::Bytes(trailer),
        ],
        (layout::Attached::Modified { prefix, trailer }, _) => vec![
            Part::Bytes(prefix),
            Part::Bytes(&payload.bytes),
            Part::Bytes(trailer),
        ],
    };
    output::write_executable(&output, &parts)?;
    progress.finish();
    if args.quiet {
        return Ok(());
    }
    let counts = count_origins(&payload.manifest.modules);
    let (total, runtime) = match &packed {
        Some(p) => (
            p.prefix_len() + (payload.bytes.len() + pyfreeze_bundle::trailer::LEN) as u64,
            format!(
                "{} bootloader packed with its unpack stub into {}",
                human_size(boot.bytes().len() as u64),
                human_size(p.prefix_len())
            ),
        ),
        None => (
            attached.len(boot.bytes(), payload) as u64,
            format!("{} bootloader", human_size(boot.bytes().len() as u64)),
        ),
    };
    println!(
        "Built {} in {:.2} s: {} modules ({} own, {} third-party, {} stdlib), {} \
         ({runtime} + {} archive)",
        output.display(),
        started.elapsed().as_secs_f64(),
        counts.0 + counts.1 + counts.2,
        counts.0,
        counts.1,
        counts.2,
        human_size(total),
        human_size(payload.bytes.len() as u64),
    );
    if let Some(note) = &project.site_note {
        println!("{note}");
    }
    if args.verbose {
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        println!("bootloader: {}", boot.path.display());
        if let Some(p) = &packed {
            println!("unpack stub: {}", p.stub.display());
        }
        for dir in project.site_packages.iter().skip(1) {
            println!("also searched: {}", dir.display());
        }
        let metadata = &archive.metadata;
        println!(
            "package metadata: {}",
            if metadata.is_empty() {
                "none".to_string()
            } else {
                metadata.join(", ")
            }
        );
        println!(
            "time: import graph {:.0} ms, compile {:.0} ms, archive and write {:.0} ms",
            ms(started, graph_done),
            ms(graph_done, compile_done),
            ms(compile_done, Instant::now())
        );
        println!("{}", cache_summary(&cache));
    }
    Ok(())
}

/// Report imports that cannot be satisfied: warnings, or with `--strict`
/// an error.
fn judge_imports(project: &Project, args: &BuildArgs) -> Result<()> {
    let problems = project::problems(&project.graph);
    if args.strict && !problems.is_empty() {
        bail!(
            "{}\n{} import{} cannot be satisfied (--strict)",
            problems.join("\n"),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
    if !args.quiet {
        for warning in problems.iter().chain(&project.graph.warnings) {
            eprintln!("warning: {warning}");
        }
    }
    Ok(())
}

/// A module with its bytecode, ready for the archive.
struct Compiled {
    index: usize,
    virtual_path: String,
    pyc: Vec<u8>,
}

/// Every module with source, compiled in parallel (or taken from the
/// cache); all compile errors are reported together.
fn compile_modules(
    graph: &Graph,
    args: &BuildArgs,
    cache: &Cache,
    progress: &Progress,
) -> Result<Vec<Compiled>> {
    let sources: Vec<(usize, String)> = graph
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m.kind, Kind::Source { .. }))
        .map(|(i, m)| (i, m.virtual_path(&graph.script_name)))
        .collect();
    progress.phase("compiling", sources.len() as u64);
    let results: Vec<Result<Compiled, String>> = sources
        .into_par_iter()
        .map(|(index, virtual_path)| {
            progress.tick();
            let m = &graph.modules[index];
            let Kind::Source { file, .. } = &m.kind else {
                unreachable!("only sources are compiled")
            };
            let text = m.text.as_deref().unwrap_or_default();
            let key = Cache::key(text, &virtual_path, args.optimize);
            let pyc = match cache.get(&key) {
                Some(pyc) => pyc,
                None => {
                    let pyc = compile::compile(text, &virtual_path, &file.display(), args.optimize)
                        .map_err(|diagnostic| {
                            format!("{diagnostic}{}", graph.imported_by(index))
                        })?;
                    cache.put(&key, &pyc);
                    pyc
                }
            };
            Ok(Compiled {
                index,
                virtual_path,
                pyc,
            })
        })
        .collect();
    let (compiled, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    if !errors.is_empty() {
        return Err(compile::failure(
            errors.into_iter().filter_map(Result::err).collect(),
        ));
    }
    Ok(compiled.into_iter().filter_map(Result::ok).collect())
}

struct Archive {
    payload: pyfreeze_bundle::writer::Payload,
    /// The `.dist-info` directories included.
    metadata: Vec<String>,
}

fn write_archive(
    project: &Project,
    args: &BuildArgs,
    compiled: Vec<Compiled>,
    cache: &Cache,
) -> Result<Archive> {
    let graph = &project.graph;
    let mut writer = BundleWriter::new(source_date_epoch()?);
    let mode = args.compress.unwrap_or(if args.pack {
        CompressMode::All
    } else {
        CompressMode::Auto
    });
    let (bytecode_compression, other_compression) = match mode {
        CompressMode::Auto => (Compression::Stored, Compression::Deflate),
        CompressMode::All => (Compression::Deflate, Compression::Deflate),
        CompressMode::None => (Compression::Stored, Compression::Stored),
    };
    let mut records = Vec::new();
    for Compiled {
        index,
        virtual_path,
        pyc,
    } in compiled
    {
        let m = &graph.modules[index];
        let code_path = pyfreeze_bundle::bytecode_path(&virtual_path);
        // The script may also be imported under its own name: one file, two records.
        if !writer.contains(&code_path) {
            writer.add(code_path.clone(), pyc, bytecode_compression)?;
        }
        let source = if args.no_source {
            None
        } else {
            if !writer.contains(&virtual_path) {
                let text = m.text.clone().unwrap_or_default().into_bytes();
                writer.add(virtual_path.clone(), text, other_compression)?;
            }
            Some(virtual_path.clone())
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
        });
    }
    for m in graph
        .modules
        .iter()
        .filter(|m| matches!(m.kind, Kind::Namespace(_)))
    {
        records.push(ModuleRecord {
            name: m.name.clone(),
            kind: ModuleKind::Namespace,
            origin: m.origin,
            path: m.virtual_path(&graph.script_name),
            code: None,
            source: None,
        });
    }
    let metadata = add_distribution_metadata(&mut writer, project, other_compression)?;
    let data_files = add_data_files(&mut writer, project, other_compression, args.quiet)?;
    records.sort_by(|a, b| a.name.cmp(&b.name));
    let manifest = Manifest {
        format: pyfreeze_bundle::FORMAT_VERSION,
        bytecode: pyfreeze_bundle::BYTECODE_FORMAT.to_string(),
        entry: match &project.settings.entry {
            EntrySpec::Script(_) => Entry::Script {
                module: MAIN.to_string(),
            },
            EntrySpec::Module(_) => Entry::Module {
                module: graph.modules[graph.entry].name.clone(),
            },
            EntrySpec::Function { module, function } => Entry::Function {
                module: module.clone(),
                function: function.clone(),
            },
        },
        build: BuildInfo {
            pyfreeze: env!("CARGO_PKG_VERSION").to_string(),
            target: project.target.triple.clone(),
            optimize: args.optimize,
            source: !args.no_source,
            data_files,
        },
        modules: records,
        files: Vec::new(),
    };
    let deflated = cache
        .enabled()
        .then_some(cache as &dyn pyfreeze_bundle::writer::DeflateCache);
    let payload = writer.finish_with_cache(manifest, deflated)?;
    Ok(Archive { payload, metadata })
}

/// Package data and `--add-data` files; returns how many were added.
fn add_data_files(
    writer: &mut BundleWriter,
    project: &Project,
    compression: Compression,
    quiet: bool,
) -> Result<usize> {
    let (package_data, mut warnings) = data::package_data(&project.graph);
    let mut data_from: std::collections::HashMap<String, PathBuf> =
        std::collections::HashMap::new();
    for (path, file) in package_data
        .into_iter()
        .chain(data::added_data(&project.settings.add_data)?)
    {
        if writer.contains(&path) {
            match data_from.get(&path) {
                Some(first) if first != &file => warnings.push(format!(
                    "data file {} not added: {path} is already taken in the bundle by {}",
                    file.display(),
                    first.display()
                )),
                Some(_) => {}
                None => warnings.push(format!(
                    "data file {} not added: {path} is a module's file in the bundle",
                    file.display()
                )),
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
    if !quiet {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(data_from.len())
}

fn cache_summary(cache: &Cache) -> String {
    if !cache.enabled() {
        return "cache: off".to_string();
    }
    format!(
        "cache: {} modules reused, {} compiled{}",
        cache.hits.load(Ordering::Relaxed),
        cache.misses.load(Ordering::Relaxed),
        match cache.corrupt.load(Ordering::Relaxed) {
            0 => String::new(),
            n => format!(" ({n} damaged entries rebuilt)"),
        }
    )
}

/// The `.dist-info` directories of the distributions whose top-level
/// modules are bundled. Returns their names.
fn add_distribution_metadata(
    writer: &mut BundleWriter,
    project: &Project,
    compression: Compression,
) -> Result<Vec<String>> {
    let bundled: BTreeSet<&str> = bundled_top_levels(&project.graph);
    let mut added = Vec::new();
    for dist in dists::find(&project.site_packages) {
        if !dist.top_level.iter().any(|t| bundled.contains(t.as_str())) {
            continue;
        }
        let mut any = false;
        for (path, bytes) in dists::files(&dist) {
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
        .modules
        .iter()
        .filter(|m| {
            m.origin == Origin::ThirdParty
                && matches!(m.kind, Kind::Source { .. } | Kind::Namespace(_))
        })
        .map(|m| m.name.split('.').next().unwrap_or(&m.name))
        .collect()
}

fn count_origins(records: &[ModuleRecord]) -> (usize, usize, usize) {
    records.iter().fold((0, 0, 0), |acc, r| match r.origin {
        Origin::User => (acc.0 + 1, acc.1, acc.2),
        Origin::ThirdParty => (acc.0, acc.1 + 1, acc.2),
        Origin::Stdlib => (acc.0, acc.1, acc.2 + 1),
    })
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

pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
