//! `pyfreeze build`: from a script to one executable.

use crate::cache::Cache;
use crate::cli::{BuildArgs, CompressMode};
use crate::graph::{Graph, Kind, MAIN};
use crate::output::Part;
use crate::progress::Progress;
use crate::project::{self, EntrySpec, Project};
use crate::{bootloader, compile, data, dists, layout, output};
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
    let boot_path = bootloader::find(args.bootloader.as_deref(), &target)?;
    let boot = bootloader::load(&boot_path, &target)?;

    let progress = Progress::start(!args.quiet);
    progress.phase("scanning imports", 0);

    // 1. The import graph.
    let project = project::load(&args.source, target)?;
    let output = match &args.output {
        Some(path) => path.clone(),
        None => PathBuf::from("dist").join(format!(
            "{}{}",
            project.settings.default_stem(),
            project.target.exe_suffix()
        )),
    };
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
        for p in &problems {
            eprintln!("warning: {p}");
        }
        for w in &project.graph.warnings {
            eprintln!("warning: {w}");
        }
    }
    let graph = &project.graph;
    let graph_done = Instant::now();

    // 2. Bytecode, in parallel, through the cache.
    let sources: Vec<(usize, String)> = graph
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m.kind, Kind::Source { .. }))
        .map(|(i, m)| (i, m.virtual_path(&graph.script_name)))
        .collect();
    let cache = Cache::open(!args.no_cache);
    progress.phase("compiling", sources.len() as u64);
    let compiled: Vec<Result<Vec<u8>, compile::Diagnostic>> = sources
        .par_iter()
        .map(|(i, vpath)| {
            progress.tick();
            let m = &graph.modules[*i];
            let Kind::Source { file, .. } = &m.kind else {
                unreachable!("only sources are compiled")
            };
            let text = m.text.as_deref().unwrap_or_default();
            let key = Cache::key(text, vpath, args.optimize);
            if let Some(pyc) = cache.get(&key) {
                return Ok(pyc);
            }
            let pyc = compile::compile(text, vpath, &file.display(), args.optimize)?;
            cache.put(&key, &pyc);
            Ok(pyc)
        })
        .collect();
    let mut errors = Vec::new();
    let mut pycs = Vec::with_capacity(compiled.len());
    for ((i, _), result) in sources.iter().zip(compiled) {
        match result {
            Ok(pyc) => pycs.push(pyc),
            Err(diagnostic) => errors.push(format!("{diagnostic}{}", graph.imported_by(*i))),
        }
    }
    if !errors.is_empty() {
        let n = errors.len();
        bail!(
            "{}\n{n} module{} could not be compiled; fix {} and build again",
            errors.join("\n\n"),
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        );
    }
    let compile_done = Instant::now();

    // 3. The archive: bytecode, source, package metadata, manifest.
    progress.phase("writing the archive", 0);
    let mut writer = BundleWriter::new(source_date_epoch()?);
    let (bytecode_compression, other_compression) = match args.compress {
        CompressMode::Auto => (Compression::Stored, Compression::Deflate),
        CompressMode::All => (Compression::Deflate, Compression::Deflate),
        CompressMode::None => (Compression::Stored, Compression::Stored),
    };
    let mut records = Vec::new();
    for ((i, vpath), pyc) in sources.iter().zip(pycs) {
        let m = &graph.modules[*i];
        let code_path = pyfreeze_bundle::bytecode_path(vpath);
        // The script may also be imported under its own name: one file, two records.
        if !writer.contains(&code_path) {
            writer.add(code_path.clone(), pyc, bytecode_compression)?;
        }
        let source = if args.no_source {
            None
        } else {
            if !writer.contains(vpath) {
                let text = m.text.clone().unwrap_or_default().into_bytes();
                writer.add(vpath.clone(), text, other_compression)?;
            }
            Some(vpath.clone())
        };
        records.push(ModuleRecord {
            name: m.name.clone(),
            kind: if m.is_package() {
                ModuleKind::Package
            } else {
                ModuleKind::Module
            },
            origin: m.origin,
            path: vpath.clone(),
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
    let metadata = add_distribution_metadata(&mut writer, &project, other_compression)?;
    let (package_data, data_warnings) = data::package_data(graph);
    let mut data_from: std::collections::HashMap<String, PathBuf> =
        std::collections::HashMap::new();
    let mut warnings = data_warnings;
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
        writer.add(path.clone(), bytes, other_compression)?;
        data_from.insert(path, file);
    }
    let data_files = data_from.len();
    if !args.quiet {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
    }
    records.sort_by(|a, b| a.name.cmp(&b.name));
    let counts = count_origins(&records);
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
        .then_some(&cache as &dyn pyfreeze_bundle::writer::DeflateCache);
    let payload = writer.finish_with_cache(manifest, deflated)?;
    let attached = layout::attach(boot.bytes(), project.target.format(), &payload)?;

    // 4. The executable, replaced only now that everything succeeded.
    let parts = match &attached {
        layout::Attached::Unchanged { trailer } => [
            Part::File(&boot.path, boot.bytes().len() as u64),
            Part::Bytes(&payload.bytes),
            Part::Bytes(trailer),
        ],
        layout::Attached::Modified { prefix, trailer } => [
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
    let total = attached.len(boot.bytes(), &payload);
    println!(
        "Built {} in {:.2} s: {} modules ({} own, {} third-party, {} stdlib), {} \
         ({} bootloader + {} archive)",
        output.display(),
        started.elapsed().as_secs_f64(),
        counts.0 + counts.1 + counts.2,
        counts.0,
        counts.1,
        counts.2,
        human_size(total as u64),
        human_size(boot.bytes().len() as u64),
        human_size(payload.bytes.len() as u64),
    );
    if let Some(note) = &project.site_note {
        println!("{note}");
    }
    if args.verbose {
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        println!("bootloader: {}", boot.path.display());
        for dir in project.site_packages.iter().skip(1) {
            println!("also searched: {}", dir.display());
        }
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
        if cache.enabled() {
            println!(
                "cache: {} modules reused, {} compiled{}",
                cache.hits.load(Ordering::Relaxed),
                cache.misses.load(Ordering::Relaxed),
                match cache.corrupt.load(Ordering::Relaxed) {
                    0 => String::new(),
                    n => format!(" ({n} damaged entries rebuilt)"),
                }
            );
        } else {
            println!("cache: off");
        }
    }
    Ok(())
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
