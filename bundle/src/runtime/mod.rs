//! What each runtime's packager side and bootloader must agree on, one
//! module per runtime: the bytecode format, the bootloader's name and
//! marker, the modules the runtime has built in.

pub mod cpython;
pub mod rustpython;
