//! `pyfreeze-boot`: the bootloader of RustPython bundles, the stub every
//! such executable starts as. It maps its own file, finds the archive
//! `pyfreeze build` appended to it, checks the archive's checksum before any
//! Python code runs, and hands over to the runtime. A damaged or foreign file
//! is refused with exit code 2.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use pyfreeze_bundle::launch;
use pyfreeze_bundle::runtime::rustpython;
use std::process::exit;

/// mimalloc, as the `rustpython` binary uses: measured faster than the system
/// allocator for RustPython's many small allocations (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Lets `pyfreeze build` recognise this file as a bootloader and check that
/// it runs the bytecode the packager writes.
#[used]
static MARKER: &str = rustpython::BOOTLOADER_MARKER;

fn main() {
    // Before anything reads the environment from another thread.
    launch::take_launch_var();
    let mut trace = launch::trace::Trace::from_env();
    launch::install_panic_hook();
    let started = launch::open(Some(rustpython::BYTECODE_FORMAT), &mut trace);
    launch::apply_env(&started.bundle);
    let code = pyfreeze_runtime::run(
        started.bundle,
        pyfreeze_runtime::Launch {
            exe: started.exe,
            argv: started.argv,
            argv_os: started.argv_os,
        },
        trace,
    );
    exit(code as i32);
}
