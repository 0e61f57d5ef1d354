//! The command line's types (clap): every option is explained in `--help`.
//! They only describe what the user typed; `into_options` turns them into
//! the library's options.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pyfreeze::{BuildOptions, CompressMode, EntryPoint, ProgramOptions};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "pyfreeze",
    version,
    about = "Freeze a Python program into one self-contained executable",
    long_about = "Freeze a Python program into one self-contained executable.\n\n\
        pyfreeze walks the program's imports, compiles every module to bytecode and \
        appends the result to a prebuilt bootloader: CPython's, with the interpreter \
        the program is developed with and its compiled extension modules (a build \
        for this Linux machine), or RustPython's (pure Python, any target, no \
        Python needed to build). The executable runs on machines without Python and \
        imports its modules, and loads its extensions, from memory.",
    after_help = "Examples:\n  pyfreeze build app.py                   # writes dist/app\n  \
        pyfreeze build app.py --venv .venv      # with the packages of a virtualenv\n  \
        pyfreeze why yaml app.py                # why is yaml in the bundle?\n  \
        pyfreeze inspect dist/app               # what is inside?"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Freeze SCRIPT and its imports into one executable.
    Build(BuildArgs),
    /// Print SCRIPT's import graph without building.
    Graph(GraphArgs),
    /// Print the shortest import chain that pulls MODULE into SCRIPT's bundle.
    Why(WhyArgs),
    /// Show what a frozen executable contains: bootloader, runtime, entry,
    /// modules, sizes and checksum.
    Inspect(InspectArgs),
    /// Recompute every hash in a frozen executable: exit 0 if intact, 1 if
    /// damaged (each problem named), 2 if it is not a pyfreeze bundle.
    Verify(FileArg),
    /// Unpack a frozen executable's modules, data files and manifest.
    Extract(ExtractArgs),
    /// Manage the caches: the build cache (bytecode, deflated entries) and
    /// the data cache of frozen programs.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// List the targets pyfreeze can build for and where their bootloaders are.
    Targets(TargetsArgs),
    /// List the package rules (hooks) pyfreeze applies: each rule's file,
    /// trigger, condition and what it is for.
    Hooks(HooksArgs),
}

/// What to freeze and where its modules are.
#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// The Python script to run when the executable starts, or a project
    /// directory whose pyproject.toml has a [tool.pyfreeze] table.
    #[arg(required_unless_present_any = ["module", "entry"])]
    pub script: Option<PathBuf>,

    /// Run a module, as `python -m MODULE` does (a package runs its
    /// `__main__` submodule); found from the working directory.
    #[arg(short = 'm', long = "module", value_name = "MODULE", conflicts_with_all = ["script", "entry"])]
    pub module: Option<String>,

    /// Call a function, as a console-script entry point does
    /// (`pkg.cli:main`); its return value is the exit code.
    #[arg(long, value_name = "MODULE:FUNCTION", conflicts_with_all = ["script", "module"])]
    pub entry: Option<String>,

    /// Extra directory to search for the program's own modules, after the
    /// script's directory (repeatable).
    #[arg(long = "path", value_name = "DIR")]
    pub paths: Vec<PathBuf>,

    /// Virtual environment whose site-packages provide third-party packages
    /// [default: $VIRTUAL_ENV, if set; else the site-packages of --python or python3].
    #[arg(long, value_name = "DIR")]
    pub venv: Option<PathBuf>,

    /// Include MODULE (and what it imports) although no import of it is
    /// visible, e.g. one loaded by a computed name (repeatable).
    #[arg(long = "hidden-import", value_name = "MODULE")]
    pub hidden_imports: Vec<String>,

    /// Leave MODULE and its submodules out; importing it at run time raises
    /// ImportError (repeatable).
    #[arg(long = "exclude-module", value_name = "MODULE")]
    pub exclude_modules: Vec<String>,

    /// Include PACKAGE with every submodule in it, for plugin-style packages
    /// that import their parts by computed names (repeatable).
    #[arg(long = "collect-submodules", value_name = "PACKAGE")]
    pub collect_submodules: Vec<String>,

    /// Add a data file or directory: SRC on disk, DEST its directory inside
    /// the bundle (relative to sys._MEIPASS; `.` for the top), as in
    /// PyInstaller (repeatable).
    #[arg(long = "add-data", value_name = "SRC:DEST")]
    pub add_data: Vec<String>,

    /// The interpreter to embed: `cpython` (the build machine's CPython and
    /// its compiled extension modules, loaded from memory; this machine
    /// only) or `rustpython` (pure Python, no Python needed to build, any
    /// target) [default: `runtime` in [tool.pyfreeze], else the runtime of
    /// --bootloader; else cpython when the build is for this machine and a
    /// CPython 3.10+ with a shared libpython is at hand (--python, the
    /// venv's, python3 on PATH), else rustpython].
    #[arg(long, value_enum)]
    pub runtime: Option<pyfreeze::runtime::RuntimeKind>,

    /// The CPython to build with, a path or a name on PATH (an error if it
    /// cannot be bundled) [default: the venv's python, else python3].
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// A directory of your own package rules (TOML files in the format of
    /// pyfreeze's, see `pyfreeze hooks`), read after pyfreeze's (repeatable).
    #[arg(long = "hooks-dir", value_name = "DIR")]
    pub hooks_dirs: Vec<PathBuf>,

    /// Build for another platform (a Rust target triple, e.g.
    /// x86_64-pc-windows-msvc or aarch64-apple-darwin); `pyfreeze targets`
    /// lists them [default: the machine pyfreeze runs on].
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Where to write the executable [default: dist/<name>, the name from
    /// [tool.pyfreeze], else the script's or module's name].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Bootloader executable to append the program to; without --runtime,
    /// its runtime is the build's [default: the runtime's bootloader
    /// installed beside `pyfreeze`, or carried inside it].
    #[arg(long, value_name = "FILE")]
    pub bootloader: Option<PathBuf>,

    /// Leave module source out of the executable (smaller; tracebacks then
    /// show file and line but not the source line).
    #[arg(long)]
    pub no_source: bool,

    /// Bytecode optimisation, as python -O / -OO: 0 keeps asserts and
    /// docstrings, 1 drops asserts, 2 drops asserts and docstrings.
    #[arg(long, value_name = "LEVEL", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub optimize: u8,

    /// What to compress in the archive, with zstd: `auto` compresses
    /// everything worth it (bytecode, source, data, extension modules and
    /// libraries) but libpython, which every start loads first; `all`
    /// compresses libpython too (smallest, slower to start); `none` stores
    /// everything [default: auto; all with --pack].
    #[arg(long, value_enum)]
    pub compress: Option<CompressMode>,

    /// Smallest output: the bootloader goes in compressed (zstd) behind the
    /// small pyfreeze-unpack stub, which decompresses it into memory at
    /// each start (hello: 12.9 MB instead of 32.7 MB, about 25 ms more to
    /// start; see the README). Linux targets only.
    #[arg(long)]
    pub pack: bool,

    /// Fail, instead of warning, when an import cannot be satisfied (a
    /// missing module, or one that exists only as a compiled extension).
    #[arg(long)]
    pub strict: bool,

    /// CPython runtime: write libpython and the extension modules once, at
    /// the first start, into the private per-user cache directory, and load
    /// them from there at every start, as python loads its own from disk.
    /// Starts as fast as `python script.py` (loading from memory copies
    /// them at each start: hello 4 ms more; see the README).
    #[arg(long)]
    pub native_cache: bool,

    /// Do not read or write the bytecode cache (in ~/.cache/pyfreeze, or
    /// $PYFREEZE_CACHE_DIR): compile every module afresh.
    #[arg(long)]
    pub no_cache: bool,

    /// Say more: the bootloader used, where the time went, cache use.
    #[arg(short, long)]
    pub verbose: bool,

    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct GraphArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Output format: an indented tree (each module under the module that
    /// first imports it), Graphviz dot (every import), or JSON.
    #[arg(long, value_enum, default_value_t = GraphFormat::Tree)]
    pub format: GraphFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Tree,
    Dot,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct WhyArgs {
    /// The module to explain (dotted name).
    pub module: String,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Subcommand, Debug, Clone)]
pub enum CacheCommand {
    /// Delete every cached entry.
    Clean,
    /// Print where the cache is.
    Dir,
}

#[derive(Args, Debug, Clone)]
pub struct HooksArgs {
    /// Also read the rules in DIR, as `build --hooks-dir` does (repeatable).
    #[arg(long = "hooks-dir", value_name = "DIR")]
    pub hooks_dirs: Vec<PathBuf>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct TargetsArgs {
    /// Whose bootloaders to list.
    #[arg(long, value_enum, default_value = "rustpython")]
    pub runtime: pyfreeze::runtime::RuntimeKind,
}

#[derive(Args, Debug, Clone)]
pub struct FileArg {
    /// A frozen executable.
    pub file: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct InspectArgs {
    /// A frozen executable.
    pub file: PathBuf,
    /// Print one JSON document (its fields are described in the README).
    #[arg(long)]
    pub json: bool,
    /// List every file in the archive with its kind, size and sha256.
    #[arg(long)]
    pub modules: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ExtractArgs {
    /// A frozen executable.
    pub file: PathBuf,
    /// Directory to unpack into (must not exist, or be empty).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

impl SourceArgs {
    /// The program these arguments describe.
    pub fn into_options(self) -> anyhow::Result<ProgramOptions> {
        let entry = if let Some(module) = self.module {
            EntryPoint::Module(module)
        } else if let Some(entry) = &self.entry {
            EntryPoint::function(entry, "--entry")?
        } else {
            match self.script {
                Some(path) => EntryPoint::Path(path),
                None => anyhow::bail!(
                    "nothing to build: pass a SCRIPT, a project directory, -m MODULE or --entry MODULE:FUNCTION"
                ),
            }
        };
        Ok(ProgramOptions {
            entry,
            paths: self.paths,
            venv: self.venv,
            hidden_imports: self.hidden_imports,
            exclude_modules: self.exclude_modules,
            collect_submodules: self.collect_submodules,
            add_data: self.add_data,
            target: self.target,
            runtime: self.runtime,
            python: self.python,
            hooks_dirs: self.hooks_dirs,
        })
    }
}

impl BuildArgs {
    pub fn into_options(self) -> anyhow::Result<BuildOptions> {
        Ok(BuildOptions {
            program: self.source.into_options()?,
            output: self.output,
            bootloader: self.bootloader,
            include_source: !self.no_source,
            optimize: self.optimize,
            compress: self.compress,
            pack: self.pack,
            strict: self.strict,
            use_cache: !self.no_cache,
            native_cache: self.native_cache,
        })
    }
}
