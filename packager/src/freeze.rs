//! `pyfreeze build`: the pipeline's stages, in order.

use crate::analyze::problems;
use crate::archive::{self, ArchiveOptions};
use crate::attach::{self, bootloader, pack};
use crate::cache::Cache;
use crate::error::BuildError;
use crate::options::BuildOptions;
use crate::project::{self, Project};
use crate::report::{BuildReport, ModuleCounts, PackedReport, Phase, Reporter, Timings};
use crate::{Graph, ProgramOptions};
use pyfreeze_bundle::{ModuleRecord, Origin};
use std::path::PathBuf;
use std::time::Instant;

/// Freeze a program into one executable. Warnings and progress go to
/// `reporter` as they happen; the report says what was written.
pub fn build(opts: &BuildOptions, reporter: &dyn Reporter) -> Result<BuildReport, BuildError> {
    deep_stacks();
    let started = Instant::now();

    // 1. The import graph under the runtime the build uses (the bootloader
    // given, if any, says which), and what the graph says is wrong.
    reporter.phase(Phase::ScanningImports, 0);
    let given = opts.bootloader.as_deref().and_then(bootloader::runtime_of);
    let project = project::load(&opts.program, given)?;
    let opts = &project.settings.table.merged(opts);
    let target = &project.target;
    if opts.pack {
        pack::check_target(target)?;
    }
    let runtime = project.runtime.as_ref();
    if opts.native_cache && !runtime.has_native_cache() {
        return Err(anyhow::anyhow!(
            "--native-cache applies to the CPython runtime, and this build uses {}, which \
             loads no native code: add --runtime cpython, or leave --native-cache out",
            runtime.name()
        )
        .into());
    }
    let boot_path = bootloader::find(opts.bootloader.as_deref(), target, runtime)?;
    let boot = bootloader::load(&boot_path, target, runtime)?;
    let cache = Cache::open(opts.use_cache);
    let packed = match opts.pack {
        true => Some(pack::prepare(&boot, target, &cache)?),
        false => None,
    };
    let output = match &opts.output {
        Some(path) => path.clone(),
        None => opts
            .dist_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("dist"))
            .join(format!(
                "{}{}",
                opts.name
                    .clone()
                    .unwrap_or_else(|| project.settings.default_stem()),
                project.target.exe_suffix()
            )),
    };
    // Refuse a bad -o before the work, and again (with every input known)
    // before writing.
    let mut early: Vec<&std::path::Path> = vec![&boot.path];
    if let project::EntrySpec::Script(script) = &project.settings.entry {
        early.push(script);
    }
    attach::output::check_target(&output, &early, false)?;
    let mut diagnostics = judge_imports(&project, opts.strict)?;
    if let Some((dir, why)) = &cache.ignored {
        diagnostics.push(crate::Diagnostic::CacheIgnored {
            dir: dir.clone(),
            why: why.clone(),
        });
    }
    for source in &project.settings.data_outside {
        diagnostics.push(crate::Diagnostic::DataOutsideProject {
            source: source.clone(),
            project: project.settings.base.join("pyproject.toml"),
        });
    }
    for d in &diagnostics {
        reporter.diagnostic(d);
    }
    let graph_done = Instant::now();

    // 2. Bytecode, in parallel, through the cache.
    let compiled = crate::compile::compile_modules(
        &project.graph,
        project.runtime.as_ref(),
        opts.optimize,
        &cache,
        reporter,
    )?;
    let compile_done = Instant::now();

    // 3. The archive: bytecode, source, package metadata, data, manifest.
    // (With --pack, the stub starts first, then the bootloader.)
    let bootloader_glibc = crate::glibc::needed(boot.bytes()).max(
        packed
            .as_ref()
            .and_then(|p| crate::glibc::needed(&p.stub_bytes)),
    );
    reporter.phase(Phase::WritingArchive, 0);
    let archive = archive::write_archive(
        &project,
        compiled,
        &ArchiveOptions {
            include_source: opts.include_source,
            optimize: opts.optimize,
            compress: opts.compress_mode(),
            native_cache: opts.native_cache,
            build_paths: opts.build_paths,
            bootloader_glibc,
        },
        &cache,
    )?;
    for d in &archive.diagnostics {
        reporter.diagnostic(d);
    }
    diagnostics.extend(archive.diagnostics);

    // 4. The executable, replaced only now that everything succeeded.
    let payload = &archive.payload;
    let inputs = input_files(&project, &archive.data_sources);
    let size = attach::write_executable(
        &output,
        &boot,
        project.target.format(),
        packed.as_ref(),
        payload,
        &inputs,
    )?;
    let done = Instant::now();
    let modules = count_origins(&payload.manifest.modules);
    let site_note = project
        .site
        .note
        .clone()
        .filter(|_| !project.site.implicit || modules.third_party > 0);
    Ok(BuildReport {
        output,
        modules,
        size,
        archive_size: payload.bytes.len() as u64,
        bootloader: boot.path.clone(),
        bootloader_size: boot.bytes().len() as u64,
        packed: packed.map(|p| PackedReport {
            prefix_size: p.prefix_len(),
            stub: p.stub,
        }),
        glibc: payload.manifest.build.glibc.clone(),
        bootloader_glibc: bootloader_glibc.map(|v| v.to_string()),
        runtime: project.runtime.name(),
        runtime_why: project.runtime_why.detail(project.runtime.kind()),
        site_packages: project.site.dirs.clone(),
        site_note,
        metadata: archive.metadata,
        rules_fired: project.graph.rules.fired.clone(),
        timings: Timings {
            total: done - started,
            graph: graph_done - started,
            compile: compile_done - graph_done,
            archive_and_write: done - compile_done,
        },
        cache: cache.stats(),
        diagnostics,
    })
}

/// The import graph of a program, as `pyfreeze graph` shows it, without
/// building anything.
pub fn graph(program: &ProgramOptions) -> Result<Graph, BuildError> {
    deep_stacks();
    Ok(project::load(program, None)?.graph)
}

/// The shortest import chain that pulls `module` into the program
/// (`hello.py -> encodings.idna -> re`), or `None` when nothing imports it.
pub fn why(module: &str, program: &ProgramOptions) -> Result<(Graph, Option<String>), BuildError> {
    deep_stacks();
    let graph = graph(program)?;
    let chain = graph.id_of(module).map(|id| graph.chain(id));
    Ok((graph, chain))
}

/// The files on disk the build read: module sources, extensions, data.
fn input_files<'a>(project: &'a Project, data: &'a [PathBuf]) -> Vec<&'a std::path::Path> {
    use crate::analyze::{Kind, resolve::SourceFile};
    let modules = project.graph.iter().filter_map(|(_, m)| match &m.kind {
        Kind::Source {
            file: SourceFile::Disk(path),
            ..
        }
        | Kind::Extension(path) => Some(path.as_path()),
        _ => None,
    });
    modules.chain(data.iter().map(PathBuf::as_path)).collect()
}

/// Imports that cannot be satisfied, then the graph's other warnings; with
/// `strict`, unsatisfied imports are an error.
fn judge_imports(project: &Project, strict: bool) -> Result<Vec<crate::Diagnostic>, BuildError> {
    let unsatisfied = problems::unsatisfied(&project.graph, project.runtime.as_ref());
    if strict && !unsatisfied.is_empty() {
        return Err(BuildError::Unsatisfied(unsatisfied));
    }
    let mut all = unsatisfied;
    // A package that needs another runtime matters only where the program
    // needs the package: not behind an optional import (requests' optional
    // pyopenssl support, which would reach cryptography).
    let required = project.graph.required();
    all.extend(
        project
            .graph
            .diagnostics
            .iter()
            .filter(|d| match d {
                crate::Diagnostic::NeedsRuntime { package, .. } => project
                    .graph
                    .id_of(package)
                    .is_some_and(|id| required[id.index()].is_some()),
                _ => true,
            })
            .cloned(),
    );
    Ok(all)
}

fn count_origins(records: &[ModuleRecord]) -> ModuleCounts {
    let mut counts = ModuleCounts::default();
    for r in records {
        match r.origin {
            Origin::User => counts.user += 1,
            Origin::ThirdParty => counts.third_party += 1,
            Origin::Stdlib => counts.stdlib += 1,
        }
    }
    counts
}

/// The parser, the graph's scan and RustPython's compiler recurse once per
/// level of nesting: a generated module with a 5000-term expression
/// overflowed the 2 MiB stacks of rayon's default threads. Give the worker
/// threads deep stacks (address space, not memory, until used). Once per
/// process; a pool the caller built already is kept.
fn deep_stacks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(256 << 20)
            .build_global();
    });
}
