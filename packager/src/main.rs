//! `pyfreeze`: the command line over the pyfreeze library. It parses
//! arguments, calls the library, and prints what comes back.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    install_panic_hook();
    let cli = cli::args::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // Errors quote entry names from bundles anyone can craft.
            let message = format!("{err:#}");
            eprintln!("error: {}", cli::render::shown_lines(&message));
            ExitCode::FAILURE
        }
    }
}

/// `pyfreeze inspect --json | head` should end quietly, as other command-line
/// tools do, not fail on the closed pipe: Rust ignores SIGPIPE by default.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default at start.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A bug in pyfreeze (or in a library it uses) should read as one, not as a
/// Rust backtrace. Panics inside the compiler are caught and reported per file
/// (see `pyfreeze::runtime::rustpython`); this hook covers everything else.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if pyfreeze::runtime::rustpython::in_guarded_compile() {
            return; // reported by the caller, naming the file
        }
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        eprintln!(
            "error: internal error in pyfreeze: {msg}{location}\n\
             This is a bug in pyfreeze; please report it with the command you ran."
        );
    }));
}
