//! `pyfreeze`: freeze a Python program into one self-contained executable.
//!
//! `pyfreeze build` runs the pipeline, one module per step:
//!
//! ```text
//! graph/      walk the import graph from the entry script (user code, --path, stdlib)
//! source      read and decode each module's source (PEP 263 coding cookies)
//! compile     compile every module to RustPython bytecode, in parallel
//! bootloader  find the prebuilt bootloader for the target and check it (goblin)
//! freeze      write the zip archive + manifest, append it to the bootloader
//! pack        --pack: the bootloader zstd-compressed behind the pyfreeze-unpack stub
//! output      replace the output file only once everything succeeded
//! ```

mod bootloader;
mod cache;
mod cli;
mod compile;
mod data;
mod dists;
mod extract;
mod freeze;
mod graph;
mod inspect;
mod layout;
mod output;
mod pack;
mod progress;
mod project;
mod report;
mod source;
mod stdlib;
mod verify;

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    install_panic_hook();
    let cli = cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
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
/// (see `compile`); this hook covers everything else.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if compile::in_guarded_compile() {
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
