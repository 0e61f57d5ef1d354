//! The runtime linked into the pyfreeze bootloader.
//!
//! It embeds the RustPython interpreter and serves the bundle's modules from
//! the memory-mapped executable: nothing is extracted at start. The flow is
//!
//! 1. [`archive`] keeps the checked bundle for the life of the process;
//! 2. [`interpreter`] builds RustPython with its native stdlib modules, the
//!    `_pyfreeze` module ([`native`]) and the importer (`importer.py`, frozen
//!    into the bootloader at compile time);
//! 3. [`startup`] sets up `sys` the way a frozen program expects, runs the
//!    entry module as `__main__` and turns the outcome into an exit code.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod archive;
mod interpreter;
mod native;
mod startup;

/// The startup trace, shared with every bootloader.
pub use pyfreeze_bundle::launch::trace;
pub use startup::{Launch, run};
