//! Everything that depends on the interpreter a bundle runs on, behind one
//! trait: the Python version the graph evaluates `sys.version_info` checks
//! against, the modules built into the runtime, where the standard library
//! comes from, whether extension modules load, the bytecode compiler and its
//! format, and the bootloader's name and marker.
//!
//! A new runtime is a new module here implementing [`Runtime`] (its facts
//! shared with its bootloader go in `pyfreeze_bundle::runtime`), plus a line
//! in [`RuntimeKind`] and [`KNOWN`]. The graph walker, the archive writer and
//! the tools only ever talk to the trait.

pub mod embedded;
pub mod rustpython;

use crate::diagnostics::SyntaxDiagnostic;
use pyfreeze_bundle::target::Target;
use std::path::PathBuf;

/// Which interpreter the executable embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum RuntimeKind {
    /// RustPython: pure Python, no Python needed to build, any target.
    #[default]
    #[cfg_attr(feature = "clap", value(name = "rustpython"))]
    RustPython,
}

/// Where a runtime's standard library is, for the import graph.
pub enum Stdlib {
    /// Sources carried inside pyfreeze.
    Embedded(&'static embedded::EmbeddedTree),
    /// Directories on disk, searched in order.
    Disk(Vec<PathBuf>),
}

/// One interpreter, as the packager sees it.
pub trait Runtime: Sync {
    /// As `pyfreeze inspect` names it: `RustPython 0.6.0`.
    fn name(&self) -> String;

    /// As rule conditions name it (`when.runtime`): `rustpython`.
    fn rule_name(&self) -> &'static str;

    /// As a diagnostic names it: `RustPython`.
    fn short_name(&self) -> &'static str;

    /// `sys.version_info` under this runtime, for the graph's version checks.
    fn python_version(&self) -> (u32, u32, u32);

    /// Modules compiled into the runtime for `target`: nothing to bundle,
    /// never missing.
    fn builtin_modules(&self, target: &Target) -> Vec<String>;

    /// Where the standard library comes from.
    fn stdlib(&self) -> Stdlib;

    /// Whether the standard library has a top-level module `name`.
    fn has_stdlib_module(&self, name: &str) -> bool;

    /// Whether compiled extension modules (`.so`, `.pyd`) can be loaded.
    fn loads_extensions(&self) -> bool;

    /// The bytecode format written into the manifest; a bootloader runs only
    /// its own.
    fn bytecode_format(&self) -> String;

    /// Compile one module to a `.pyc`. `virtual_path` becomes `co_filename`;
    /// `display` names the file in errors.
    fn compile(
        &self,
        text: &str,
        virtual_path: &str,
        display: &str,
        optimize: u8,
    ) -> Result<Vec<u8>, SyntaxDiagnostic>;

    /// The compiler's own diagnostic for a source the parser rejected, if it
    /// agrees that it is an error (its messages are the interpreter's).
    fn diagnose(&self, text: &str, display: &str) -> Option<SyntaxDiagnostic> {
        self.compile(text, "<scan>", display, 0).err()
    }

    /// The bootloader's file name, without `.exe`.
    fn bootloader_stem(&self) -> &'static str;

    /// The marker a matching bootloader carries.
    fn bootloader_marker(&self) -> &'static str;
}

/// The runtime for `kind`.
pub fn select(kind: RuntimeKind) -> &'static dyn Runtime {
    match kind {
        RuntimeKind::RustPython => &rustpython::RustPython,
    }
}

/// Every runtime this pyfreeze knows, for tools reading a bundle.
pub const KNOWN: &[&dyn Runtime] = &[&rustpython::RustPython];

/// The runtime that runs bundles of this bytecode format.
pub fn for_bytecode(bytecode: &str) -> Option<&'static dyn Runtime> {
    KNOWN
        .iter()
        .copied()
        .find(|r| r.bytecode_format() == bytecode)
}
