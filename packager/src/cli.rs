//! Command-line interface (clap): every option is explained in `--help`.

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pyfreeze",
    version,
    about = "Freeze a Python program into one self-contained executable",
    long_about = "Freeze a Python program into one self-contained executable.\n\n\
        pyfreeze walks the program's imports, compiles every module to RustPython \
        bytecode and appends the result to a prebuilt bootloader. The executable runs \
        on machines without Python and imports its modules from memory.",
    after_help = "Examples:\n  pyfreeze build app.py              # writes dist/app\n  \
        pyfreeze build app.py -o bin/app    # choose the output file"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Freeze SCRIPT and its imports into one executable.
    Build(BuildArgs),
    /// Print the shortest import chain that pulls MODULE into SCRIPT's bundle.
    Why(WhyArgs),
}

#[derive(Args, Debug, Clone)]
pub struct WhyArgs {
    /// The module to explain (dotted name).
    pub module: String,
    /// The entry script, as given to `pyfreeze build`.
    pub script: PathBuf,
    /// Extra directory searched for the program's own modules (repeatable).
    #[arg(long = "path", value_name = "DIR")]
    pub paths: Vec<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct BuildArgs {
    /// The Python script to run when the executable starts.
    pub script: PathBuf,

    /// Where to write the executable [default: dist/<script name>].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Extra directory to search for the program's own modules, after the
    /// script's directory (repeatable).
    #[arg(long = "path", value_name = "DIR")]
    pub paths: Vec<PathBuf>,

    /// Bootloader executable to append the program to [default: the
    /// `pyfreeze-boot` installed beside `pyfreeze`].
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

    /// Print every module included and why.
    #[arg(short, long)]
    pub verbose: bool,

    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
}

pub fn parse() -> Cli {
    Cli::parse()
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Build(args) => crate::freeze::build(&args).map(|_| ExitCode::SUCCESS),
        Command::Why(args) => crate::freeze::why(&args),
    }
}
