//! Everything that depends on the interpreter a bundle runs on, behind one
//! trait: the Python version the graph evaluates `sys.version_info` checks
//! against, the modules built into the runtime, where the standard library
//! comes from, whether extension modules load, the bytecode compiler and its
//! format, and the bootloader's name and marker.
//!
//! A new runtime is a new module here implementing [`Runtime`] (its facts
//! shared with its bootloader go in `pyfreeze_bundle::runtime`), plus a
//! variant of [`RuntimeKind`] whose methods name those facts, and a line in
//! [`choice`] saying when a plain build takes it. The graph walker, the
//! archive writer and the tools only ever talk to the trait or the kind.

pub mod choice;
pub mod cpython;
pub mod embedded;
pub mod rustpython;

use crate::cache::Cache;
use crate::diagnostics::{Diagnostic, SyntaxDiagnostic};
use pyfreeze_bundle::manifest::{Entry, LibraryRecord};
use pyfreeze_bundle::target::Target;
use pyfreeze_bundle::{Compression, ModuleRecord};
use std::path::PathBuf;

/// Which interpreter the executable embeds: `RustPython` (pure Python, no
/// Python needed to build, any target) or `CPython` (the build machine's
/// interpreter and its compiled extensions).
// (Variant docs live here: clap would show them as per-value help.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum RuntimeKind {
    #[cfg_attr(feature = "clap", value(name = "rustpython"))]
    RustPython,
    #[cfg_attr(feature = "clap", value(name = "cpython"))]
    CPython,
}

impl RuntimeKind {
    /// Every runtime this pyfreeze has.
    pub const ALL: [RuntimeKind; 2] = [RuntimeKind::RustPython, RuntimeKind::CPython];

    /// As `--runtime`, `[tool.pyfreeze] runtime` and rule files spell it.
    pub fn parse(name: &str) -> Option<RuntimeKind> {
        Self::ALL.into_iter().find(|k| k.key() == name)
    }

    /// `rustpython`, `cpython`.
    pub fn key(self) -> &'static str {
        match self {
            RuntimeKind::RustPython => "rustpython",
            RuntimeKind::CPython => "cpython",
        }
    }

    /// `RustPython`, `CPython`: as messages name it.
    pub fn display_name(self) -> &'static str {
        match self {
            RuntimeKind::RustPython => "RustPython",
            RuntimeKind::CPython => "CPython",
        }
    }

    /// The bootloader's file name, without `.exe`.
    pub fn bootloader_stem(self) -> &'static str {
        match self {
            RuntimeKind::RustPython => pyfreeze_bundle::runtime::rustpython::BOOTLOADER_STEM,
            RuntimeKind::CPython => pyfreeze_bundle::runtime::cpython::BOOTLOADER_STEM,
        }
    }

    /// How tools reading a finished bundle know this runtime.
    pub fn family(self) -> &'static Family {
        match self {
            RuntimeKind::RustPython => &KNOWN[0],
            RuntimeKind::CPython => &KNOWN[1],
        }
    }

    /// The runtime whose bootloaders carry `marker`.
    pub fn of_marker(marker: &str) -> Option<RuntimeKind> {
        Self::ALL.into_iter().find(|k| k.family().marker == marker)
    }
}

impl std::fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// What a bundle holds, for a runtime to add what it needs to it.
pub struct BundleContents<'a> {
    /// Each bundled extension module's name and the file it came from.
    pub extensions: &'a [(String, PathBuf)],
    /// The extension modules a start imports, in about the order it does
    /// (see `Graph::start_order`).
    pub start_extensions: &'a [String],
    /// Every module record so far (sorted by name).
    pub modules: &'a [ModuleRecord],
    /// Every archive path so far.
    pub files: &'a [String],
    /// The packages' `.so` files that are neither bundled modules nor data
    /// (archive path, file): see `archive::data::package_files`.
    pub native_files: &'a [(String, PathBuf)],
    /// An archive entry's bytes, uncompressed.
    pub read: &'a dyn Fn(&str) -> Option<Vec<u8>>,
    pub entry: &'a Entry,
    pub optimize: u8,
    /// How native code (libraries) is compressed.
    pub compression: Compression,
    /// How what every start reads (libpython) is compressed: stored unless
    /// `--compress all` asks for the smallest file.
    pub startup_compression: Compression,
    /// Record where this machine has the bundled native files
    /// (`--no-build-paths` says not to).
    pub build_paths: bool,
    pub cache: &'a Cache,
}

/// What a runtime adds to the bundle besides modules.
#[derive(Default)]
pub struct RuntimePayload {
    /// (archive path, bytes, compression)
    pub files: Vec<(String, Vec<u8>, Compression)>,
    pub libraries: Vec<LibraryRecord>,
    /// Native files the runtime copies into memory early (the manifest's
    /// `prefetch`).
    pub prefetch: Vec<String>,
    /// The native files as the build machine has them (the manifest's
    /// `build_files`).
    pub build_files: Vec<pyfreeze_bundle::manifest::BuildFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// How many of `files` are data files (written to disk with the others).
    pub data_files: usize,
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

    /// Which runtime it is: how rules, diagnostics and options name it.
    fn kind(&self) -> RuntimeKind;

    /// Whether it builds for `target`; if not, why (a sentence saying what
    /// to do).
    fn builds_for(&self, _target: &Target) -> Result<(), String> {
        Ok(())
    }

    /// Whether it loads native code that `--native-cache` can keep on disk.
    fn has_native_cache(&self) -> bool {
        false
    }

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

    /// File name endings of extension modules it can load (or, for a
    /// runtime that loads none, that are reported as such).
    fn extension_suffixes(&self) -> Vec<String> {
        [".so", ".pyd", ".dylib"].map(String::from).to_vec()
    }

    /// The bytes of an extension module to bundle.
    fn extension_bytes(&self, file: &std::path::Path) -> anyhow::Result<Vec<u8>> {
        use anyhow::Context;
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
    }

    /// The modules importing each of `packages` loads, observed by really
    /// importing them with `search` on the path (for imports compiled code
    /// makes); `None` for a package that failed to import. Only runtimes
    /// that load extension modules observe anything.
    fn observe_imports(
        &self,
        _packages: &[String],
        _search: &[PathBuf],
    ) -> Vec<(String, Option<Vec<String>>)> {
        Vec::new()
    }

    /// Modules every bundle of this runtime carries, imported by computed
    /// names the interpreter itself makes.
    fn required_modules(&self) -> Vec<String> {
        Vec::new()
    }

    /// Third-party directories when no venv is given (the interpreter's own
    /// site-packages), and how to name where they came from.
    fn default_site_packages(&self) -> Option<(Vec<PathBuf>, String)> {
        None
    }

    /// Whether the standard library is searched before site-packages (as
    /// CPython's `sys.path` has it).
    fn stdlib_before_site_packages(&self) -> bool {
        false
    }

    /// The runtime as the manifest names it, when its bytecode format does
    /// not say it all (`CPython 3.11.7`).
    fn manifest_name(&self) -> Option<String> {
        None
    }

    /// Files the bundle must carry besides modules (an interpreter, its
    /// shared libraries, an index), once everything else is in.
    fn payload(&self, _contents: &BundleContents<'_>) -> anyhow::Result<RuntimePayload> {
        Ok(RuntimePayload::default())
    }

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
    fn bootloader_stem(&self) -> &'static str {
        self.kind().bootloader_stem()
    }

    /// The marker a matching bootloader carries.
    fn bootloader_marker(&self) -> &'static str {
        self.kind().family().marker
    }
}

/// A runtime family, as tools reading a finished bundle see it.
pub struct Family {
    /// The name `inspect` shows for this bytecode format, if it is this family's.
    pub describe: fn(&str) -> Option<String>,
    /// The marker its bootloaders carry.
    pub marker: &'static str,
    /// Its bytecode formats, for messages (`rustpython-0.6.0/marshal-5`).
    pub formats: &'static str,
}

/// Every runtime family this pyfreeze knows.
pub const KNOWN: &[Family] = &[
    Family {
        describe: rustpython::describe,
        marker: pyfreeze_bundle::runtime::rustpython::BOOTLOADER_MARKER,
        formats: pyfreeze_bundle::runtime::rustpython::BYTECODE_FORMAT,
    },
    Family {
        describe: cpython::describe,
        marker: pyfreeze_bundle::runtime::cpython::BOOTLOADER_MARKER,
        formats: "cpython-3.X/magic-N",
    },
];

/// The family that runs bundles of this bytecode format.
pub fn for_bytecode(bytecode: &str) -> Option<&'static Family> {
    KNOWN.iter().find(|f| (f.describe)(bytecode).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a runtime must provide, for each one this pyfreeze has: adding
    /// a variant to `RuntimeKind` fails here until every part is there.
    #[test]
    fn every_runtime_provides_its_names_bootloader_and_family() {
        let mut stems = std::collections::HashSet::new();
        let mut markers = std::collections::HashSet::new();
        for kind in RuntimeKind::ALL {
            // Its names: the key options and rule files spell, read back.
            assert_eq!(RuntimeKind::parse(kind.key()), Some(kind));
            assert!(!kind.display_name().is_empty());
            assert_eq!(kind.to_string(), kind.display_name());
            // Its bootloader: a file name of its own, carrying a marker of
            // its own, by which a finished bundle names its runtime.
            assert!(stems.insert(kind.bootloader_stem()), "{kind}: stem taken");
            let family = kind.family();
            assert!(markers.insert(family.marker), "{kind}: marker taken");
            assert_eq!(RuntimeKind::of_marker(family.marker), Some(kind));
            assert!(!family.formats.is_empty());
            // The family is among those the tools know.
            assert!(
                KNOWN
                    .iter()
                    .any(|f| f.marker == family.marker && f.formats == family.formats)
            );
        }
        assert_eq!(KNOWN.len(), RuntimeKind::ALL.len());
        // The trait's answers of the runtime every build can make (CPython's
        // needs an interpreter: `tests/it/cpython.rs`).
        let rp: &dyn Runtime = &rustpython::RustPython;
        assert_eq!(rp.kind(), RuntimeKind::RustPython);
        assert!(rp.builds_for(&Target::host().unwrap()).is_ok());
        assert!(!rp.has_native_cache() && !rp.loads_extensions());
        assert!(rp.python_version() >= (3, 10, 0));
        assert!(rp.has_stdlib_module("os"));
        assert!(
            rp.builtin_modules(&Target::host().unwrap())
                .iter()
                .any(|m| m == "sys")
        );
        assert!(
            for_bytecode(&rp.bytecode_format())
                .is_some_and(|f| std::ptr::eq(f, RuntimeKind::RustPython.family()))
        );
    }
}
