//! How a build talks to its caller: progress and warnings while it runs
//! (a [`Reporter`]), and what it did once it is done (a [`BuildReport`]).

use crate::diagnostics::Diagnostic;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// A step of the build, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    ScanningImports,
    Compiling,
    WritingArchive,
}

impl Phase {
    pub fn describe(self) -> &'static str {
        match self {
            Phase::ScanningImports => "scanning imports",
            Phase::Compiling => "compiling",
            Phase::WritingArchive => "writing the archive",
        }
    }
}

/// Receives progress and warnings as the build goes. Called from the
/// build's worker threads too, hence `Sync` and `&self`.
pub trait Reporter: Sync {
    /// A new step over `items` items (0: not counted).
    fn phase(&self, _phase: Phase, _items: u64) {}
    /// One item of the current step is done.
    fn advance(&self) {}
    /// A warning about the program.
    fn diagnostic(&self, _diagnostic: &Diagnostic) {}
}

/// A reporter that ignores everything.
pub struct NoReporter;

impl Reporter for NoReporter {}

/// Modules by origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ModuleCounts {
    pub user: usize,
    pub third_party: usize,
    pub stdlib: usize,
}

impl ModuleCounts {
    pub fn total(&self) -> usize {
        self.user + self.third_party + self.stdlib
    }
}

/// Where the time went.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timings {
    pub total: Duration,
    pub graph: Duration,
    pub compile: Duration,
    pub archive_and_write: Duration,
}

/// Use of the bytecode cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    pub enabled: bool,
    pub hits: usize,
    pub misses: usize,
    /// Damaged entries found, removed and rebuilt.
    pub corrupt: usize,
}

/// With `--pack`: the stub and what it carries.
#[derive(Debug, Clone, Serialize)]
pub struct PackedReport {
    pub stub: PathBuf,
    /// Bytes before the archive: the stub, the compressed bootloader, its table.
    pub prefix_size: u64,
}

/// What a finished build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub output: PathBuf,
    pub modules: ModuleCounts,
    /// The whole executable, in bytes.
    pub size: u64,
    pub archive_size: u64,
    pub bootloader: PathBuf,
    pub bootloader_size: u64,
    pub packed: Option<PackedReport>,
    /// Linux: the oldest glibc the executable starts on, and which file
    /// needs it (`bootloader`, or an archive path).
    pub glibc: Option<pyfreeze_bundle::manifest::GlibcFloor>,
    /// The newest glibc the bootloader alone needs.
    pub bootloader_glibc: Option<String>,
    /// The runtime, as `inspect` names it (`CPython 3.11.7`).
    pub runtime: String,
    /// Why the build uses it, with what helps on this machine.
    pub runtime_why: String,
    /// Third-party directories searched, the venv's site-packages first.
    pub site_packages: Vec<PathBuf>,
    /// `site-packages: DIR (from --venv)`: which venv, and why that one.
    pub site_note: Option<String>,
    /// The `.dist-info` directories bundled.
    pub metadata: Vec<String>,
    /// The package rules that fired (`pygments.toml: pygments`).
    pub rules_fired: Vec<String>,
    pub timings: Timings,
    pub cache: CacheStats,
    /// Every warning, in the order the reporter got them.
    pub diagnostics: Vec<Diagnostic>,
}
