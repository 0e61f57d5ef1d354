//! The package rules in force for a build, and the walk of the program's
//! import graph with them.

use super::dists::{self, Distribution};
use super::settings::{EntrySpec, Settings};
use super::site::Site;
use crate::analyze::{self, Graph, GraphEntry, GraphOptions, Kind};
use crate::error::BuildError;
use crate::rules::{self, Rules};
use crate::runtime::Runtime;
use anyhow::{Result, anyhow};
use pyfreeze_bundle::target::Target;
use std::path::PathBuf;

/// Walk the program's import graph under `runtime` for `target`.
pub fn walk(
    settings: &Settings,
    target: &Target,
    runtime: &dyn Runtime,
    site: &Site,
) -> Result<Graph, BuildError> {
    let rules = active_rules(target, runtime, &site.distributions, &settings.hooks_dirs)?;
    let entry = match &settings.entry {
        EntrySpec::Script(path) => GraphEntry::Script(path),
        EntrySpec::Module(name) => GraphEntry::Module {
            name,
            base: &settings.base,
            as_main: true,
        },
        EntrySpec::Function { module, .. } => GraphEntry::Module {
            name: module,
            base: &settings.base,
            as_main: false,
        },
    };
    let graph = analyze::analyze(&GraphOptions {
        entry,
        paths: &settings.paths,
        site_packages: &site.dirs,
        target,
        runtime,
        rules: &rules,
        hidden_imports: &settings.hidden_imports,
        runtime_hooks: &settings.runtime_hooks,
        collect: &settings.collect_submodules,
        excludes: &settings.exclude_modules,
        distributions: &site.distributions,
    })
    .map_err(|e| match e {
        analyze::walk::AnalyzeError::Entry(e) => BuildError::Other(anyhow!("{e}")),
        analyze::walk::AnalyzeError::Modules(failures) => BuildError::Compile(failures),
    })?;
    for (flag, names) in [
        ("--hidden-import", &settings.hidden_imports),
        ("--collect-submodules", &settings.collect_submodules),
    ] {
        for name in names {
            if matches!(graph.get(name).map(|m| &m.kind), None | Some(Kind::Missing)) {
                return Err(anyhow!(
                    "{flag} {name}: no such module on the search path (the script's directory, \
                     --path, site-packages, the stdlib)"
                )
                .into());
            }
        }
    }
    let (mut graph, left_out) = analyze::integrations::leave_out(graph, &site.distributions);
    let asked = copy_metadata(&settings.copy_metadata, &site.distributions)?;
    graph.rules.copy_metadata.extend(asked);
    // Their metadata stays out too: a package that finds it would take the
    // distribution for installed.
    graph
        .rules
        .copy_metadata
        .retain(|name| !left_out.iter().any(|d| dists::normalize(name) == d.package));
    graph.diagnostics.extend(left_out.into_iter().map(|d| {
        crate::Diagnostic::OptionalIntegration {
            module: d.module,
            size: d.size,
            importer: d.importer,
            line: d.line,
            delayed: d.delayed,
        }
    }));
    let shadows = analyze::problems::stdlib_shadows(&graph, runtime, target);
    graph.diagnostics.extend(shadows);
    Ok(graph)
}

/// The package rules whose conditions hold for this build: the target, the
/// runtime, and the versions of the distributions installed in the venv (a
/// condition on one that is not installed does not hold).
fn active_rules(
    target: &Target,
    runtime: &dyn Runtime,
    dists: &[Distribution],
    hooks_dirs: &[PathBuf],
) -> Result<Rules> {
    use std::str::FromStr;
    for dir in hooks_dirs {
        rules::check_hooks_dir(dir)?;
    }
    let all = Rules::load(hooks_dirs)?;
    let version_of = |of: rules::VersionOf<'_>| {
        let dist = match of {
            rules::VersionOf::Distribution(name) => {
                dists.iter().find(|d| dists::same_name(&d.name, name))
            }
            rules::VersionOf::Module(module) => {
                let top = module.split('.').next().unwrap_or(module);
                dists.iter().find(|d| d.top_level.contains(top))
            }
        }?;
        pep440_rs::Version::from_str(&dist.version).ok()
    };
    Ok(all.active(&rules::Context {
        sys_platform: target.sys_platform(),
        runtime: runtime.kind(),
        version_of: &version_of,
    }))
}

/// The distributions `--copy-metadata` names (with what each requires, for
/// the recursive form), checked to exist.
fn copy_metadata(asked: &[(String, bool)], dists: &[Distribution]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut todo: Vec<(String, bool, bool)> =
        asked.iter().map(|(n, r)| (n.clone(), *r, true)).collect();
    while let Some((name, recursive, named)) = todo.pop() {
        if out.iter().any(|o| dists::same_name(o, &name)) {
            continue;
        }
        let Some(dist) = dists.iter().find(|d| dists::same_name(&d.name, &name)) else {
            if named {
                return Err(anyhow!(
                    "--copy-metadata {name}: no distribution of that name in site-packages; \
                     install it, or check the name (`pip show {name}`)"
                ));
            }
            continue; // a requirement not installed: python would lack it too
        };
        out.push(dist.name.clone());
        if recursive {
            for req in &dist.requires {
                todo.push((req.clone(), true, false));
            }
        }
    }
    Ok(out)
}
