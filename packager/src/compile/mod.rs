//! Bytecode: every module with source compiled by the runtime's compiler,
//! in parallel, through the per-user cache. All errors are reported together.

use crate::analyze::{Graph, Kind, ModuleId};
use crate::cache::Cache;
use crate::error::{BuildError, CompileFailure};
use crate::report::{Phase, Reporter};
use crate::runtime::Runtime;
use rayon::prelude::*;

/// A module with its bytecode, ready for the archive.
pub struct Compiled {
    pub module: ModuleId,
    /// Its path under the bundle's root (`pkg/mod.py`).
    pub virtual_path: String,
    pub pyc: Vec<u8>,
}

/// Compile every module of `graph` that has source.
pub fn compile_modules(
    graph: &Graph,
    runtime: &dyn Runtime,
    optimize: u8,
    cache: &Cache,
    reporter: &dyn Reporter,
) -> Result<Vec<Compiled>, BuildError> {
    let sources: Vec<(ModuleId, String)> = graph
        .iter()
        .filter(|(_, m)| matches!(m.kind, Kind::Source { .. }))
        .map(|(id, m)| (id, m.virtual_path(&graph.script_name)))
        .collect();
    reporter.phase(Phase::Compiling, sources.len() as u64);
    let format = runtime.bytecode_format();
    let results: Vec<Result<Compiled, CompileFailure>> = sources
        .into_par_iter()
        .map(|(module, virtual_path)| {
            reporter.advance();
            let m = &graph[module];
            let Kind::Source { file, .. } = &m.kind else {
                unreachable!("only sources are compiled")
            };
            let text = m.text.as_deref().unwrap_or_default();
            let key = Cache::key(&format, text, &virtual_path, optimize);
            let pyc = match cache.get(&key) {
                Some(pyc) => pyc,
                None => {
                    let pyc = runtime
                        .compile(text, &virtual_path, &file.display(), optimize)
                        .map_err(|diagnostic| CompileFailure::Syntax {
                            diagnostic,
                            chain: graph.imported_by(module),
                        })?;
                    cache.put(&key, &pyc);
                    pyc
                }
            };
            Ok(Compiled {
                module,
                virtual_path,
                pyc,
            })
        })
        .collect();
    let (compiled, failures): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    if !failures.is_empty() {
        return Err(BuildError::Compile(
            failures.into_iter().filter_map(Result::err).collect(),
        ));
    }
    Ok(compiled.into_iter().filter_map(Result::ok).collect())
}
