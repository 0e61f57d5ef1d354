//! The pyfreeze build library: from a Python program to one executable, and
//! the tools that look inside the result. The `pyfreeze` command line is a
//! thin layer over this API; the library itself prints nothing.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! options, project   what to build: the caller's options merged with
//!                    [tool.pyfreeze], the runtime (runtime::choice), site-packages
//! analyze/           the import graph from the entry (user code, venv, stdlib),
//!                    with the package rules of rules/ applied as it grows
//! compile/           every module to bytecode, in parallel, through the cache
//! archive/           the zip archive: bytecode, source, metadata, data, manifest
//! attach/            find and check the bootloader, place the archive in it
//!                    (ELF/PE/Mach-O layout, --pack), write the output atomically
//! tools/             inspect, verify, extract an executable
//! runtime/           everything that depends on the interpreter, one module each
//! ```
//!
//! Entry points: [`build`], [`graph`], [`why`], [`inspect`], [`verify`],
//! [`extract`], [`targets`]. Progress and warnings go to a [`Reporter`];
//! results come back as typed values ([`BuildReport`], [`Diagnostic`], ...).

pub mod analyze;
pub mod archive;
pub mod attach;
pub mod cache;
pub mod compile;
mod diagnostics;
mod error;
mod freeze;
pub mod glibc;
mod options;
pub mod project;
mod report;
pub mod rules;
pub mod runtime;
pub mod tools;

pub use analyze::{Graph, ModuleId};
pub use diagnostics::{Diagnostic, SyntaxDiagnostic};
pub use error::BuildError;
pub use freeze::{build, graph, why};
pub use options::{BuildOptions, CompressMode, EntryPoint, ProgramOptions};
pub use report::{
    BuildReport, CacheStats, ModuleCounts, NoReporter, PackedReport, Phase, Reporter, Timings,
};
pub use tools::ToolError;
pub use tools::extract::extract;
pub use tools::inspect::{InspectReport, inspect};
pub use tools::targets::{TargetInfo, targets};
pub use tools::verify::{Verification, verify};
