//! `pyfreeze build`: from a script to one executable.

use crate::cache::Cache;
use crate::cli::BuildArgs;
use crate::graph::{self, GraphOptions, Kind, MAIN};
use crate::{bootloader, compile, output, stdlib};
use anyhow::{Context, Result, anyhow, bail};
use pyfreeze_bundle::manifest::{BuildInfo, Entry};
use pyfreeze_bundle::target::Target;
use pyfreeze_bundle::writer::BundleWriter;
use pyfreeze_bundle::{Compression, Manifest, ModuleKind, ModuleRecord, Origin};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The triple pyfreeze itself was compiled for: the default target.
pub fn host_triple() -> &'static str {
    env!("PYFREEZE_HOST_TARGET")
}

/// Packages every bundle carries because the runtime uses them at start:
/// `encodings` registers the codec search function and loads codecs by name.
const ALWAYS_PACKAGES: &[&str] = &["encodings"];

pub fn build(args: &BuildArgs) -> Result<()> {
    let started = Instant::now();
    let script = &args.script;
    check_inputs(script, &args.paths)?;
    let target = host_target()?;
    let boot_path = bootloader::find(args.bootloader.as_deref(), &target)?;
    let boot = bootloader::load(&boot_path, &target)?;
    let output = match &args.output {
        Some(path) => path.clone(),
        None => default_output(script, &target),
    };

    // 1. The import graph.
    let graph = walk(script, &args.paths)?;
    if !args.quiet {
        report_problems(&graph);
    }

    // 2. Bytecode, in parallel.
    let script_name = graph.script_name.clone();
    let sources: Vec<(usize, String)> = graph
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m.kind, Kind::Source { .. }))
        .map(|(i, m)| (i, m.virtual_path(&script_name)))
        .collect();
    let graph_done = Instant::now();
    let cache = Cache::open(!args.no_cache);
    let compiled: Vec<Result<Vec<u8>, compile::Diagnostic>> = sources
        .par_iter()
        .map(|(i, vpath)| {
            let m = &graph.modules[*i];
            let Kind::Source { file, .. } = &m.kind else {
                unreachable!()
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
    let compile_done = Instant::now();
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

    // 3. The archive.
    let mut writer = BundleWriter::new(source_date_epoch()?);
    let mut records = Vec::new();
    for ((i, vpath), pyc) in sources.iter().zip(pycs) {
        let m = &graph.modules[*i];
        let code_path = pyfreeze_bundle::bytecode_path(vpath);
        // The script may also be imported under its own name: one file, two records.
        if !writer.contains(&code_path) {
            writer.add(code_path.clone(), pyc, Compression::Stored)?;
        }
        let source = if args.no_source {
            None
        } else {
            if !writer.contains(vpath) {
                let text = m.text.clone().unwrap_or_default().into_bytes();
                writer.add(vpath.clone(), text, Compression::Deflate)?;
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
            path: m.virtual_path(&script_name),
            code: None,
            source: None,
        });
    }
    records.sort_by(|a, b| a.name.cmp(&b.name));
    let counts = count_origins(&records);
    let manifest = Manifest {
        format: pyfreeze_bundle::FORMAT_VERSION,
        bytecode: pyfreeze_bundle::BYTECODE_FORMAT.to_string(),
        entry: Entry::Script {
            module: MAIN.to_string(),
        },
        build: BuildInfo {
            pyfreeze: env!("CARGO_PKG_VERSION").to_string(),
            target: target.triple.clone(),
            optimize: args.optimize,
            source: !args.no_source,
        },
        modules: records,
        files: Vec::new(),
    };
    let payload = writer.finish(manifest)?;
    let trailer = payload.trailer(boot.bytes.len() as u64).to_bytes();

    // 4. The executable, replaced only now that everything succeeded.
    output::write_executable(&output, &[&boot.bytes, &payload.bytes, &trailer])?;
    if !args.quiet {
        let total = boot.bytes.len() + payload.bytes.len() + trailer.len();
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
            human_size(boot.bytes.len() as u64),
            human_size(payload.bytes.len() as u64),
        );
        if args.verbose {
            let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
            let written = Instant::now();
            println!("bootloader: {}", boot.path.display());
            println!(
                "time: import graph {:.0} ms, compile {:.0} ms, archive and write {:.0} ms",
                ms(started, graph_done),
                ms(graph_done, compile_done),
                ms(compile_done, written)
            );
            if cache.enabled() {
                println!(
                    "cache: {} modules reused, {} compiled{}",
                    cache.hits.load(Ordering::Relaxed),
                    cache.misses.load(Ordering::Relaxed) + cache.corrupt.load(Ordering::Relaxed),
                    match cache.corrupt.load(Ordering::Relaxed) {
                        0 => String::new(),
                        n => format!(" ({n} damaged entries rebuilt)"),
                    }
                );
            } else {
                println!("cache: off");
            }
        }
    }
    Ok(())
}

/// `pyfreeze why MODULE SCRIPT`
pub fn why(args: &crate::cli::WhyArgs) -> Result<std::process::ExitCode> {
    let graph = walk(&args.script, &args.paths)?;
    match graph.index_of(&args.module) {
        Some(i) => {
            println!("{}", graph.chain(i));
            Ok(std::process::ExitCode::SUCCESS)
        }
        None => {
            eprintln!(
                "{} is not imported by {}",
                args.module,
                args.script.display()
            );
            Ok(std::process::ExitCode::FAILURE)
        }
    }
}

fn walk(script: &Path, paths: &[PathBuf]) -> Result<graph::Graph> {
    check_inputs(script, paths)?;
    let target = host_target()?;
    let always = always_included();
    let always: Vec<&str> = always.iter().map(String::as_str).collect();
    graph::build(&GraphOptions {
        script,
        paths,
        target: &target,
        always: &always,
    })
    .map_err(|errors| {
        let n = errors.len();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow!(
            "{}\n{n} module{} could not be compiled; fix {} and build again",
            shown.join("\n\n"),
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        )
    })
}

fn check_inputs(script: &Path, paths: &[PathBuf]) -> Result<()> {
    if !script.exists() {
        bail!("entry script {} not found", script.display());
    }
    if !script.is_file() {
        bail!("entry script {} is not a file", script.display());
    }
    for dir in paths {
        if !dir.is_dir() {
            bail!("--path {}: not a directory", dir.display());
        }
    }
    Ok(())
}

fn host_target() -> Result<Target> {
    Target::parse(host_triple()).ok_or_else(|| {
        anyhow!(
            "pyfreeze does not support its own platform {}",
            host_triple()
        )
    })
}

fn default_output(script: &Path, target: &Target) -> PathBuf {
    let stem = script
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    PathBuf::from("dist").join(format!("{stem}{}", target.exe_suffix()))
}

/// `encodings` and every codec module in it.
fn always_included() -> Vec<String> {
    let lib = stdlib::get();
    let mut names: Vec<String> = ALWAYS_PACKAGES.iter().map(|s| s.to_string()).collect();
    for package in ALWAYS_PACKAGES {
        let mut subs: Vec<String> = lib
            .files_under(package)
            .filter_map(|f| f.strip_suffix(".py"))
            .filter(|f| !f.ends_with("/__init__"))
            .map(|f| f.replace('/', "."))
            .collect();
        subs.sort();
        names.extend(subs);
    }
    names
}

fn report_problems(graph: &graph::Graph) {
    for (i, m) in graph.missing() {
        if m.origin == Origin::Stdlib {
            continue; // the stdlib probes for optional accelerators; not the user's problem
        }
        eprintln!(
            "warning: module {} not found (imported by {}); the program will fail with ImportError \
             if it runs that import. Add the directory holding it with --path.",
            m.name,
            graph.chain(i)
        );
    }
    for (i, m) in graph.extensions() {
        if let Kind::Extension(file) = &m.kind {
            eprintln!(
                "warning: module {} is a compiled extension ({}), which RustPython cannot load \
                 (imported by {})",
                m.name,
                file.display(),
                graph.chain(i)
            );
        }
    }
    for w in &graph.warnings {
        eprintln!("warning: {w}");
    }
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
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .with_context(|| format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds")),
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
