//! The `pyfreeze` command line: parse ([`args`]), call the library, render
//! the result ([`render`]), with warnings and a progress bar as the build
//! goes ([`progress`]).

pub mod args;
mod progress;
pub mod render;

use anyhow::Result;
use args::{CacheCommand, Cli, Command, GraphFormat};
use std::process::ExitCode;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Build(args) => {
            let (verbose, quiet) = (args.verbose, args.quiet);
            let (options, notes) = args.into_options()?;
            if !quiet {
                for note in notes {
                    eprintln!("note: {note}");
                }
            }
            let progress = progress::Progress::start(quiet);
            let result = pyfreeze::build(&options, &progress);
            progress.finish();
            let report = result.map_err(pyfreeze::BuildError::into_anyhow)?;
            if !quiet {
                render::build(&report, verbose);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Targets(args) => {
            render::targets(&pyfreeze::targets(args.runtime));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules(args) => {
            for dir in &args.hooks_dirs {
                pyfreeze::rules::check_hooks_dir(dir)?;
            }
            let rules = pyfreeze::rules::Rules::load(&args.hooks_dirs)?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&render::rules_json(&rules))?
                );
            } else {
                render::rules(&rules);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph(args) => {
            let graph = pyfreeze::graph(&args.source.into_options()?)
                .map_err(pyfreeze::BuildError::into_anyhow)?;
            match args.format {
                GraphFormat::Tree => render::graph_tree(&graph),
                GraphFormat::Dot => render::graph_dot(&graph),
                GraphFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&render::graph_json(&graph))?
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Why(args) => {
            let (graph, chain) = pyfreeze::why(&args.module, &args.source.into_options()?)
                .map_err(pyfreeze::BuildError::into_anyhow)?;
            match chain {
                Some(chain) => {
                    println!("{chain}");
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("{} is not imported by {}", args.module, graph.script_name);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Inspect(args) => {
            let report = match pyfreeze::inspect(&args.file, args.modules) {
                Ok(report) => report,
                Err(e) => return Ok(tool_failed(e)),
            };
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                render::inspect(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(args) => {
            let file = args.file.display().to_string();
            let shown = render::shown(&file);
            // 1 means damaged, and only that: a file that cannot be read as
            // a bundle at all (missing, a FIFO, a device) is 2.
            let verified = match pyfreeze::verify(&args.file) {
                Ok(v) => v,
                Err(e) => return Ok(tool_failed(e)),
            };
            Ok(match verified {
                pyfreeze::Verification::Intact {
                    files,
                    modules,
                    sha256,
                } => {
                    println!(
                        "OK: {shown}: {files} files, {modules} modules, archive sha256 {sha256}"
                    );
                    ExitCode::SUCCESS
                }
                pyfreeze::Verification::Damaged(problems) => {
                    println!("FAILED: {shown}");
                    for p in problems {
                        println!("  {}", render::shown(&p.to_string()));
                    }
                    ExitCode::from(1)
                }
                pyfreeze::Verification::NotABundle => {
                    eprintln!("error: {shown}: not a pyfreeze bundle");
                    ExitCode::from(2)
                }
            })
        }
        Command::Extract(args) => {
            let n = match pyfreeze::extract(&args.file, &args.output) {
                Ok(n) => n,
                Err(e) => return Ok(tool_failed(e)),
            };
            let into = args.output.display().to_string();
            println!("Extracted {n} files into {}", render::shown(&into));
            Ok(ExitCode::SUCCESS)
        }
        Command::Cache(CacheCommand::Clean) => {
            let removed = pyfreeze::cache::clean()?;
            if removed.is_empty() {
                println!("Nothing to remove: the caches are empty");
            }
            for dir in removed {
                println!("Removed {}", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Cache(CacheCommand::Dir) => {
            // Every directory `cache clean` would remove, and no other.
            let dirs = pyfreeze::cache::dirs();
            match dirs.build {
                Some(dir) => println!("build cache: {}", dir.display()),
                None => println!("build cache: none (HOME is not set)"),
            }
            for dir in &dirs.data {
                println!("data cache:  {}", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A tool's failure: its message (escaped: it may quote a crafted bundle's
/// entry names), and the exit code its kind calls for.
fn tool_failed(e: pyfreeze::ToolError) -> ExitCode {
    eprintln!("error: {}", render::shown_lines(&e.to_string()));
    ExitCode::from(e.exit_code())
}
