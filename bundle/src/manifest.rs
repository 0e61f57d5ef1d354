//! The manifest: the bundle's table of contents, stored as JSON in the zip
//! payload so that `unzip -p app __pyfreeze__/manifest.json` shows it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`crate::FORMAT_VERSION`] of the writer.
    pub format: u32,
    /// The bytecode format of the compiler (`crate::runtime`) that produced the bytecode.
    pub bytecode: String,
    /// What runs when the executable starts.
    pub entry: Entry,
    /// How the bundle was built (shown by `pyfreeze inspect`).
    pub build: BuildInfo,
    /// The runtime, when the bytecode format alone does not say it all
    /// (`CPython 3.11.7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Every module, sorted by name (the runtime binary-searches it).
    pub modules: Vec<ModuleRecord>,
    /// Environment variables the program starts with unless already set
    /// (package rules' `env`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub env: std::collections::BTreeMap<String, String>,
    /// Shared libraries the runtime loads (libpython and what extension
    /// modules need), in the order they can be loaded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<LibraryRecord>,
    /// Archive paths of native files (libraries, then extension modules)
    /// the runtime copies into memory on a helper thread while the
    /// interpreter starts: what third-party extensions that need bundled
    /// libraries load (numpy's OpenBLAS and `_multiarray_umath`), likely
    /// used and large.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefetch: Vec<String>,
    /// Where the build machine has the native files it bundled (libpython,
    /// extension modules, their libraries), with each file's identity: on
    /// that machine, a file still there unchanged is mapped from there, as
    /// python maps it, rather than copied into memory. Left out by
    /// `--no-build-paths`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_files: Vec<BuildFile>,
    /// Every zip entry but the manifest, sorted by path.
    pub files: Vec<FileRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Entry {
    /// Run the module record named `module` (`__main__`) as `__main__`: a script.
    Script { module: String },
    /// Run module `module` as `__main__`, like `python -m` (`pkg.__main__`
    /// for a package).
    Module { module: String },
    /// Import `module` and call `function()`; its return value is the exit
    /// status, as for a console-script entry point.
    Function { module: String, function: String },
}

impl Entry {
    pub fn module(&self) -> &str {
        match self {
            Entry::Script { module }
            | Entry::Module { module }
            | Entry::Function { module, .. } => module,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct BuildInfo {
    /// Version of the pyfreeze that wrote the bundle.
    pub pyfreeze: String,
    /// Target triple of the bootloader the payload was appended to.
    pub target: String,
    /// `-O` level the bytecode was compiled with (0, 1, 2).
    pub optimize: u8,
    /// Whether module source is carried (for tracebacks and `inspect.getsource`).
    pub source: bool,
    /// Data files (package data and `--add-data`, not package metadata):
    /// when there are any, the runtime materialises them once on disk.
    #[serde(default)]
    pub data_files: usize,
    /// CPython runtime: native code (libpython, extension modules, their
    /// libraries) is written once into the private per-user cache and
    /// loaded from there, instead of from memory at every start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub native_cache: bool,
    /// Why the build uses its runtime (`the build is for this machine, and
    /// python3 on PATH is CPython`), as `pyfreeze inspect` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_reason: Option<String>,
    /// Linux: the oldest glibc the executable starts on, and the file that
    /// needs it (an archive path, or `bootloader`); checked at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glibc: Option<GlibcFloor>,
}

/// The newest glibc version any ELF file of a bundle needs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GlibcFloor {
    /// `2.35`
    pub version: String,
    /// The file that needs it: an archive path, or `bootloader`.
    pub file: String,
}

/// A native file of the bundle as the build machine has it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BuildFile {
    /// Archive path of the bundle's copy (stripped, for libpython: the same
    /// code and data, without the symbols).
    pub path: String,
    /// The file it was made from: absolute, symlinks resolved.
    pub file: String,
    pub identity: FileIdentity,
}

/// What tells a file from any other and from its own earlier contents
/// without reading it: device, inode, size, and modification and change
/// times (a write, a chmod or a new link changes the change time, which no
/// one but root, by setting the clock, can set back).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileIdentity {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// Seconds and nanoseconds.
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

#[cfg(unix)]
impl FileIdentity {
    pub fn of(meta: &std::fs::Metadata) -> FileIdentity {
        use std::os::unix::fs::MetadataExt;
        FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ModuleKind {
    Module,
    Package,
    /// PEP 420 namespace package: a directory without `__init__.py`; no code.
    Namespace,
    /// A compiled extension module: `code` is the shared library.
    Extension,
}

impl ModuleKind {
    /// The name the manifest (and the CPython runtime's index) uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleKind::Module => "module",
            ModuleKind::Package => "package",
            ModuleKind::Namespace => "namespace",
            ModuleKind::Extension => "extension",
        }
    }
}

/// A shared library in the bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LibraryRecord {
    /// Archive path (`__pyfreeze__/lib/libssl.so.3`).
    pub path: String,
    /// The name other libraries ask for it by (`DT_SONAME`).
    pub soname: String,
    /// Sonames of the bundled libraries it needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
}

/// Where a module came from, for `inspect` and for the runtime's `sys.path` view.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The program's own code (the script's directory, `--path`).
    User,
    /// A distribution from site-packages.
    ThirdParty,
    /// RustPython's standard library, carried by the packager.
    Stdlib,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ModuleRecord {
    /// Dotted name (`pkg.sub.mod`); the entry script is `__main__`.
    pub name: String,
    pub kind: ModuleKind,
    pub origin: Origin,
    /// Path under the bundle's virtual root: `pkg/sub/__init__.py`, `pkg/sub/mod.py`
    /// (the directory `pkg/sub` for a namespace package). `__file__` is this
    /// path joined to the root.
    pub path: String,
    /// Archive path of the bytecode (a `.pyc` with a PEP 552 header); none
    /// for a namespace package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Archive path of the source, when carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The source (of an extension module: its file) is also written to disk
    /// with the data files, for code that lists or reads its package's files
    /// there (a rule's `sources-on-disk`), or loads a library by path
    /// (`libraries-on-disk`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_disk: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    Stored,
    Deflate,
    /// zstd (zip method 93): decompresses at memory speed.
    Zstd,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    /// Path inside the zip archive.
    pub path: String,
    /// Offset of the entry's (possibly compressed) data from the start of the payload.
    pub offset: u64,
    /// Bytes the entry occupies in the archive.
    pub stored: u64,
    /// Bytes once unpacked.
    pub size: u64,
    pub compression: Compression,
    /// sha256 of the unpacked bytes, lowercase hex (`pyfreeze verify`).
    pub sha256: String,
    /// CRC-32 of the unpacked bytes, checked whenever the runtime reads them.
    pub crc32: u32,
}

impl Manifest {
    /// Binary search; [`crate::reader`] has checked that the list is sorted.
    pub fn module(&self, name: &str) -> Option<&ModuleRecord> {
        self.modules
            .binary_search_by(|m| m.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.modules[i])
    }

    pub fn file(&self, path: &str) -> Option<&FileRecord> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }
}
