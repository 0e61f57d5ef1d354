//! `pyfreeze build`: the pipeline's stages, in order.

use crate::analyze::problems;
use crate::archive::{self, ArchiveOptions};
use crate::attach::{self, bootloader, pack};
use crate::cache::Cache;
use crate::error::BuildError;
use crate::options::BuildOptions;
use crate::project::{self, Project};
use crate::report::{BuildReport, ModuleCounts, PackedReport, Phase, Reporter, Timings};
use pyfreeze_bundle::{ModuleRecord, Origin};
use std::path::PathBuf;
use std::time::Instant;

/// Freeze a program into one executable. Warnings and progress go to
/// `reporter` as they happen; the report says what was written.
pub fn build(opts: &BuildOptions, reporter: &dyn Reporter) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let target = project::target(&opts.program)?;
    if opts.pack {
        pack::check_target(&target)?;
    }
    let prepared = project::prepare(&opts.program)?;

    // 1. The import graph, and what it says is wrong; the runtime, if left
    // to us, is CPython for a program that needs it (a given bootloader is
    // the caller's choice of runtime).
    reporter.phase(Phase::ScanningImports, 0);
    let mut project = project::walk(prepared)?;
    if opts.bootloader.is_none()
        && let Some(cpython) = project::cpython_instead(&opts.program, &project)
    {
        project = cpython;
    }
    let runtime = project.runtime.as_ref();
    if opts.native_cache && runtime.rule_name() != "cpython" {
        return Err(anyhow::anyhow!(
            "--native-cache applies to the CPython runtime, and this build uses {}, which \
             loads no native code: add --runtime cpython, or leave --native-cache out",
            runtime.name()
        )
        .into());
    }
    let boot_path = bootloader::find(opts.bootloader.as_deref(), &target, runtime)?;
    let boot = bootloader::load(&boot_path, &target, runtime)?;
    let cache = Cache::open(opts.use_cache);
    let packed = match opts.pack {
        true => Some(pack::prepare(&boot, &target, &cache)?),
        false => None,
    };
    let output = match &opts.output {
        Some(path) => path.clone(),
        None => PathBuf::from("dist").join(format!(
            "{}{}",
            project.settings.default_stem(),
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
    reporter.phase(Phase::WritingArchive, 0);
    let archive = archive::write_archive(
        &project,
        compiled,
        &ArchiveOptions {
            include_source: opts.include_source,
            optimize: opts.optimize,
            compress: opts.compress_mode(),
            native_cache: opts.native_cache,
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
        .site_note
        .filter(|_| !project.site_implicit || modules.third_party > 0);
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
        site_packages: project.site_packages,
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
    all.extend(project.graph.diagnostics.iter().cloned());
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
