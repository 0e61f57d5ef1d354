//! From the caller's description of a program ([`ProgramOptions`]) to its
//! walked import graph, one job per module:
//!
//! ```text
//! settings, pyproject   the caller's options merged with [tool.pyfreeze]
//! (runtime::choice)     the runtime the build uses, and why
//! site, dists           the site-packages searched, and the distributions there
//! walk                  the package rules in force, and the import graph
//! ```

pub mod dists;
mod pyproject;
pub mod settings;
pub mod site;
mod walk;

pub use settings::{EntrySpec, Settings};
pub use site::Site;

use crate::analyze::Graph;
use crate::error::BuildError;
use crate::options::ProgramOptions;
use crate::runtime::choice::{self, AskedBy, Why};
use crate::runtime::{Runtime, RuntimeKind};
use anyhow::anyhow;
use pyfreeze_bundle::target::Target;

/// A program, ready to build: its settings, target, runtime, packages and
/// import graph.
pub struct Project {
    pub graph: Graph,
    pub target: Target,
    pub runtime: Box<dyn Runtime>,
    /// Why the build uses this runtime.
    pub runtime_why: Why,
    pub settings: Settings,
    pub site: Site,
}

/// Load a program: settings, target, runtime, site-packages, graph. A
/// runtime `bootloader` says it wants counts where the caller asked for
/// none (`--bootloader` without `--runtime`).
pub fn load(
    program: &ProgramOptions,
    bootloader: Option<RuntimeKind>,
) -> Result<Project, BuildError> {
    let settings = settings::settings(program)?;
    let target = target(program.target.as_ref().or(settings.table.target.as_ref()))?;
    let asked = match (program.runtime, bootloader) {
        (Some(kind), _) => Some((kind, AskedBy::Option)),
        (None, Some(kind)) => Some((kind, AskedBy::Bootloader)),
        (None, None) => settings.runtime,
    };
    let chosen = choice::choose(
        asked,
        &target,
        settings.python.as_deref(),
        settings.venv.as_deref(),
    )?;
    let site = site::find(
        settings.venv.as_deref(),
        settings.python.as_deref(),
        chosen.runtime.as_ref(),
    )?;
    let graph = walk::walk(&settings, &target, chosen.runtime.as_ref(), &site)?;
    Ok(Project {
        graph,
        target,
        runtime: chosen.runtime,
        runtime_why: chosen.why,
        settings,
        site,
    })
}

/// `--target TRIPLE` (or `[tool.pyfreeze] target`), else the machine
/// pyfreeze runs on.
fn target(triple: Option<&String>) -> anyhow::Result<Target> {
    match triple {
        None => Target::host().ok_or_else(|| {
            anyhow!(
                "pyfreeze does not support its own platform {}",
                Target::host_triple()
            )
        }),
        Some(triple) => Target::parse(triple).ok_or_else(|| {
            crate::BuildError::UnknownTarget {
                triple: triple.clone(),
            }
            .into()
        }),
    }
}
