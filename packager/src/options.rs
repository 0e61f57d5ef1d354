//! What a build is asked to do, as plain Rust types: the command line fills
//! them, and so can any other caller of the library.

use std::path::PathBuf;

/// What runs when the executable starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryPoint {
    /// A script, run as `__main__`; or a project directory whose
    /// `pyproject.toml` has a `[tool.pyfreeze]` table saying what to run.
    Path(PathBuf),
    /// A module run as `python -m MODULE` runs it (a package runs its
    /// `__main__` submodule), found from the working directory.
    Module(String),
    /// `MODULE:FUNCTION`, called as a console-script entry point is: its
    /// return value is the exit status.
    Function { module: String, function: String },
}

impl EntryPoint {
    /// `MODULE:FUNCTION` as written by the user; `what` names where it came
    /// from in the error (`--entry`).
    pub fn function(text: &str, what: &str) -> anyhow::Result<EntryPoint> {
        match text.split_once(':') {
            Some((module, function))
                if !module.trim().is_empty()
                    && !function.trim().is_empty()
                    && !function.contains(['.', ':']) =>
            {
                Ok(EntryPoint::Function {
                    module: module.trim().to_string(),
                    function: function.trim().to_string(),
                })
            }
            _ => anyhow::bail!("{what} {text:?}: expected MODULE:FUNCTION, e.g. mytool.cli:main"),
        }
    }
}

/// The program and where its modules are: shared by `build`, `graph` and `why`.
#[derive(Debug, Clone)]
pub struct ProgramOptions {
    pub entry: EntryPoint,
    /// More directories of the program's own modules, after the script's.
    pub paths: Vec<PathBuf>,
    /// A virtual environment whose site-packages hold third-party packages;
    /// `None` uses `$VIRTUAL_ENV` when it is set.
    pub venv: Option<PathBuf>,
    /// Modules included although no import of them is visible.
    pub hidden_imports: Vec<String>,
    /// Modules left out with their submodules.
    pub exclude_modules: Vec<String>,
    /// Packages included with every submodule.
    pub collect_submodules: Vec<String>,
    /// Data to add, as `SRC:DEST` (DEST relative to the bundle's root).
    pub add_data: Vec<String>,
    /// A Rust target triple; `None` is the machine pyfreeze runs on.
    pub target: Option<String>,
    /// The interpreter to embed; `None` is `[tool.pyfreeze] runtime`, else RustPython.
    pub runtime: Option<crate::runtime::RuntimeKind>,
    /// For CPython: the interpreter to build with (default: the venv's, else
    /// `python3` on PATH).
    pub python: Option<PathBuf>,
    /// Directories of the user's own package rules, read after pyfreeze's.
    pub hooks_dirs: Vec<PathBuf>,
    /// Distributions whose `.dist-info` goes in although none of their
    /// modules does (PyInstaller's `--copy-metadata`); with `recursive`,
    /// with every distribution they require, in turn.
    pub copy_metadata: Vec<(String, bool)>,
    /// Scripts run, in this order, before the entry point (PyInstaller's
    /// `--runtime-hook`): bundled as modules `pyfreeze_runtime_hook_00`, ...
    pub runtime_hooks: Vec<PathBuf>,
}

impl ProgramOptions {
    /// A program with nothing but its entry point.
    pub fn new(entry: EntryPoint) -> Self {
        ProgramOptions {
            entry,
            paths: Vec::new(),
            venv: None,
            hidden_imports: Vec::new(),
            exclude_modules: Vec::new(),
            collect_submodules: Vec::new(),
            add_data: Vec::new(),
            target: None,
            runtime: None,
            python: None,
            hooks_dirs: Vec::new(),
            copy_metadata: Vec::new(),
            runtime_hooks: Vec::new(),
        }
    }
}

/// What to compress in the archive, with zstd. `Auto`: everything worth
/// it but libpython, which every start loads first (stored, that is a
/// copy; compressed, it took hello from 11 to 19 ms). `All`: libpython too
/// (smallest, slower to start). `None`: nothing.
// (The variants' docs live here: clap would show variant docs as help.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum CompressMode {
    Auto,
    All,
    None,
}

/// Everything `pyfreeze build` needs.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub program: ProgramOptions,
    /// Where to write the executable; `None` is `<dist_dir>/<name>`.
    pub output: Option<PathBuf>,
    /// The directory of the default output (`dist`).
    pub dist_dir: Option<PathBuf>,
    /// The default output's file name (`[tool.pyfreeze] name`, else the
    /// script's or module's).
    pub name: Option<String>,
    /// The bootloader to use instead of the installed one for the target.
    pub bootloader: Option<PathBuf>,
    /// Carry module source (for tracebacks and `inspect.getsource`).
    pub include_source: bool,
    /// `-O` level: 0, 1 (no asserts) or 2 (no docstrings either).
    pub optimize: u8,
    /// `None`: `Auto`, or `All` with `pack`.
    pub compress: Option<CompressMode>,
    /// The bootloader zstd-compressed behind the unpack stub (Linux only).
    pub pack: bool,
    /// Fail when an import cannot be satisfied, instead of warning.
    pub strict: bool,
    /// Read and write the bytecode cache.
    pub use_cache: bool,
    /// CPython runtime: load native code from the per-user cache, written
    /// once, instead of from memory (the manifest's `build.native_cache`).
    pub native_cache: bool,
    /// CPython runtime: record where this machine has the bundled native
    /// files, so that a start here maps them from there, unchanged, as
    /// python does (the manifest's `build_files`); `false` records no path
    /// of this machine, for outputs byte-identical across machines.
    pub build_paths: bool,
}

impl BuildOptions {
    /// Defaults as the command line has them.
    pub fn new(program: ProgramOptions) -> Self {
        BuildOptions {
            program,
            output: None,
            dist_dir: None,
            name: None,
            bootloader: None,
            include_source: true,
            optimize: 0,
            compress: None,
            pack: false,
            strict: false,
            use_cache: true,
            native_cache: false,
            build_paths: true,
        }
    }

    /// What `compress` means once `pack` is taken into account.
    pub fn compress_mode(&self) -> CompressMode {
        self.compress.unwrap_or(if self.pack {
            CompressMode::All
        } else {
            CompressMode::Auto
        })
    }
}
