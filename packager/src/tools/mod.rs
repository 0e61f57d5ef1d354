//! Looking at a finished executable: what is in it, whether it is intact,
//! its files unpacked, and the targets there are bootloaders for.

pub mod extract;
mod index;
pub mod inspect;
pub mod targets;
pub mod verify;
