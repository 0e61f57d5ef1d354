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

// Parsed once per run: the size of the build's variant costs nothing.
#[allow(clippy::large_enum_variant)]
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
    /// List the package rules pyfreeze applies (PyInstaller calls them
    /// hooks): each rule's file, trigger, condition and what it is for.
    #[command(visible_alias = "hooks")]
    Rules(RulesArgs),
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
    /// script's directory (repeatable; as PyInstaller's -p/--paths, several
    /// may be given separated by `:`).
    #[arg(
        short = 'p',
        long = "path",
        visible_alias = "paths",
        value_name = "DIR",
        value_delimiter = ':'
    )]
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
    /// pyfreeze's, see `pyfreeze rules`), read after pyfreeze's (repeatable).
    #[arg(long = "rules-dir", visible_alias = "hooks-dir", value_name = "DIR")]
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
    /// each start (smaller, slower to start: the README gives the measured
    /// sizes and times). Linux targets only.
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
    /// them at each start, which costs milliseconds; see the README).
    #[arg(long)]
    pub native_cache: bool,

    /// CPython runtime: record no path of this machine. By default the
    /// output names where this machine has libpython and the extension
    /// modules, and a start here maps those still there unchanged instead
    /// of copying the bundle's into memory (as fast as python); elsewhere
    /// it copies. With this, it always copies, and builds of the same
    /// program on two machines are byte-identical.
    #[arg(long)]
    pub no_build_paths: bool,

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

    #[command(flatten)]
    pub pyinstaller: PyInstallerArgs,
}

/// PyInstaller's options, so that a build script's command keeps working:
/// those that change what goes in mean what they mean there; the others
/// are accepted with one note saying what pyfreeze does instead.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "PyInstaller's options")]
pub struct PyInstallerArgs {
    /// The executable's name, in --distpath [default: the script's name].
    #[arg(short = 'n', long = "name", value_name = "NAME")]
    pub name: Option<String>,
    /// Where the executable goes [default: dist].
    #[arg(long = "distpath", value_name = "DIR")]
    pub distpath: Option<PathBuf>,
    /// One file: what pyfreeze always builds (accepted, does nothing).
    #[arg(short = 'F', long = "onefile")]
    pub onefile: bool,
    /// As --add-data: a library loaded by path (those extension modules
    /// link are found by themselves).
    #[arg(long = "add-binary", value_name = "SRC:DEST")]
    pub add_binary: Vec<String>,
    /// A package with every submodule, its data files and its metadata
    /// (as --collect-submodules, which carries data and metadata anyway).
    #[arg(long = "collect-all", value_name = "PACKAGE")]
    pub collect_all: Vec<String>,
    /// A package's data files: they go in with the package, which this
    /// includes (as --hidden-import).
    #[arg(long = "collect-data", value_name = "PACKAGE")]
    pub collect_data: Vec<String>,
    /// A package's shared libraries: they go in with the package, which
    /// this includes (as --hidden-import).
    #[arg(long = "collect-binaries", value_name = "PACKAGE")]
    pub collect_binaries: Vec<String>,
    /// A distribution's metadata (.dist-info), although none of its
    /// modules is bundled (a bundled one's always goes in).
    #[arg(long = "copy-metadata", value_name = "DIST")]
    pub copy_metadata: Vec<String>,
    /// As --copy-metadata, with every distribution it requires, in turn.
    #[arg(long = "recursive-copy-metadata", value_name = "DIST")]
    pub recursive_copy_metadata: Vec<String>,
    /// A script run before the entry point (repeatable, in order); its
    /// imports are bundled as the program's are.
    #[arg(long = "runtime-hook", value_name = "FILE")]
    pub runtime_hook: Vec<PathBuf>,
    /// Accepted with a note: pyfreeze builds one file, served from memory.
    #[arg(short = 'D', long = "onedir")]
    pub onedir: bool,
    /// Accepted with a note: no console window to hide on Linux; not yet
    /// for Windows.
    #[arg(short = 'w', long = "windowed", visible_alias = "noconsole")]
    pub windowed: bool,
    /// The default (accepted, does nothing).
    #[arg(short = 'c', long = "console", visible_alias = "nowindowed")]
    pub console: bool,
    /// Accepted with a note: icons are not set yet.
    #[arg(short = 'i', long = "icon", value_name = "FILE")]
    pub icon: Option<PathBuf>,
    /// Accepted with a note: --pack compresses instead of UPX.
    #[arg(long = "upx-dir", value_name = "DIR")]
    pub upx_dir: Option<PathBuf>,
    /// Accepted, does nothing: pyfreeze never runs UPX.
    #[arg(long = "noupx")]
    pub noupx: bool,
    /// As --no-cache: build without the bytecode cache.
    #[arg(long = "clean")]
    pub clean: bool,
    /// Accepted, does nothing: pyfreeze replaces its own previous output
    /// without asking.
    #[arg(short = 'y', long = "noconfirm")]
    pub noconfirm: bool,
    /// Accepted with a note: -v and -q set how much pyfreeze says.
    #[arg(long = "log-level", value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Accepted with a note: the bootloader is stripped already.
    #[arg(short = 's', long = "strip")]
    pub strip: bool,
    /// Accepted with a note: pyfreeze writes no spec file.
    #[arg(long = "specpath", value_name = "DIR")]
    pub specpath: Option<PathBuf>,
    /// Accepted with a note: pyfreeze keeps no work directory.
    #[arg(long = "workpath", value_name = "DIR")]
    pub workpath: Option<PathBuf>,
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
pub struct RulesArgs {
    /// Also read the rules in DIR, as `build --rules-dir` does (repeatable).
    #[arg(long = "rules-dir", visible_alias = "hooks-dir", value_name = "DIR")]
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
            copy_metadata: Vec::new(),
            runtime_hooks: Vec::new(),
        })
    }
}

impl BuildArgs {
    /// The library's options, and a note for each PyInstaller option that
    /// means nothing here.
    pub fn into_options(mut self) -> anyhow::Result<(BuildOptions, Vec<String>)> {
        let pi = std::mem::take(&mut self.pyinstaller);
        let notes = pi.notes();
        if let Some(name) = &pi.name
            && (name.is_empty() || name.contains(['/', '\\']) || name == "." || name == "..")
        {
            anyhow::bail!(
                "--name {name:?}: expected a file name, without `/` or `..`; use --distpath DIR \
                 (or -o PATH) to choose the directory"
            );
        }
        let s = &mut self.source;
        s.add_data.extend(pi.add_binary);
        s.collect_submodules.extend(pi.collect_all);
        s.hidden_imports.extend(pi.collect_data);
        s.hidden_imports.extend(pi.collect_binaries);
        let mut program = self.source.into_options()?;
        program.copy_metadata = (pi.copy_metadata.into_iter().map(|d| (d, false)))
            .chain(pi.recursive_copy_metadata.into_iter().map(|d| (d, true)))
            .collect();
        program.runtime_hooks = pi.runtime_hook;
        let options = BuildOptions {
            program,
            output: self.output,
            dist_dir: pi.distpath,
            name: pi.name,
            bootloader: self.bootloader,
            include_source: !self.no_source,
            optimize: self.optimize,
            compress: self.compress,
            pack: self.pack,
            strict: self.strict,
            use_cache: !self.no_cache && !pi.clean,
            native_cache: self.native_cache,
            build_paths: !self.no_build_paths,
        };
        Ok((options, notes))
    }
}

impl PyInstallerArgs {
    /// One line for each option given that means nothing here.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let mut say = |given: bool, text: &str| {
            if given {
                notes.push(text.to_string());
            }
        };
        say(
            self.onedir,
            "--onedir: pyfreeze builds one file, whose modules and native code are served from memory (--native-cache maps native code from a per-user cache instead)",
        );
        say(
            self.windowed,
            "--windowed: nothing to hide on Linux; pyfreeze does not set Windows' GUI subsystem yet",
        );
        say(
            self.icon.is_some(),
            "--icon: pyfreeze does not set icons yet",
        );
        say(
            self.upx_dir.is_some(),
            "--upx-dir: pyfreeze never runs UPX; --pack compresses the runtime with zstd instead",
        );
        say(
            self.log_level.is_some(),
            "--log-level: use -v (more) or -q (errors only)",
        );
        say(
            self.strip,
            "--strip: the bootloader is stripped already; never strip the output",
        );
        say(
            self.specpath.is_some(),
            "--specpath: pyfreeze writes no spec file; [tool.pyfreeze] in pyproject.toml holds a build's settings",
        );
        say(
            self.workpath.is_some(),
            "--workpath: pyfreeze keeps no work directory (its bytecode cache: `pyfreeze cache dir`)",
        );
        say(
            self.clean,
            "--clean: building without the bytecode cache, as --no-cache",
        );
        notes
    }
}
