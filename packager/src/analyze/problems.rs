//! What the graph says is wrong, as diagnostics: imports the frozen program
//! cannot satisfy, and the program's own modules that shadow the stdlib.

use super::{Graph, Kind};
use crate::diagnostics::{Diagnostic, ImportSite};
use crate::runtime::Runtime;
use pyfreeze_bundle::Origin;
use pyfreeze_bundle::target::Target;

/// Imports that cannot be satisfied, each with the chain of importers. The
/// stdlib's own probes for optional accelerators are left out: they are not
/// the user's problem.
pub fn unsatisfied(graph: &Graph, runtime: &dyn Runtime) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for u in graph.unsatisfied() {
        if graph[u.importer].origin == Origin::Stdlib {
            continue;
        }
        let m = &graph[u.module];
        let chain = format!("{} -> {}", graph.required_chain(u.importer), m.name);
        let site = ImportSite {
            importer: graph.display_name(u.importer).to_string(),
            line: u.line,
            delayed: u.delayed,
        };
        let module = m.name.clone();
        out.push(match &m.kind {
            Kind::Extension(file) => Diagnostic::UnloadableExtension {
                module,
                file: file.clone(),
                runtime: runtime.kind(),
                site,
                chain,
            },
            Kind::Excluded { rule: Some(rule) } => Diagnostic::ExcludedByRule {
                module,
                why: rule.why.clone(),
                runtime: rule.runtime,
                site,
                chain,
            },
            _ => Diagnostic::MissingModule {
                module,
                site,
                chain,
            },
        });
    }
    out
}

/// The program's own top-level modules named like standard library ones
/// win, as under CPython with the script's directory first; say so.
pub fn stdlib_shadows(graph: &Graph, runtime: &dyn Runtime, target: &Target) -> Vec<Diagnostic> {
    let builtins = runtime.builtin_modules(target);
    let mut found = Vec::new();
    for (id, m) in graph.iter() {
        if m.origin != Origin::User || m.name.contains('.') || id == graph.entry {
            continue;
        }
        let Kind::Source { file, .. } = &m.kind else {
            continue;
        };
        if runtime.has_stdlib_module(&m.name) || builtins.contains(&m.name) {
            found.push(Diagnostic::ShadowedStdlib {
                module: m.name.clone(),
                file: std::path::PathBuf::from(file.display()),
            });
        }
    }
    found
}
