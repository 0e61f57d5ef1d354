//! `pyfreeze targets`: the platforms pyfreeze can build for, and where the
//! bootloader of each is installed.

use crate::attach::bootloader;
use crate::runtime::RuntimeKind;
use pyfreeze_bundle::target::Target;
use std::path::PathBuf;

/// The targets the CI workflow builds bootloaders for.
pub const KNOWN_TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-pc-windows-msvc",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

pub struct TargetInfo {
    pub triple: &'static str,
    /// The machine pyfreeze runs on.
    pub host: bool,
    /// The first installed bootloader found for it.
    pub bootloader: Option<PathBuf>,
}

/// Every known target with its installed bootloader for `runtime`.
pub fn targets(runtime: RuntimeKind) -> Vec<TargetInfo> {
    let stem = runtime.bootloader_stem();
    KNOWN_TARGETS
        .iter()
        .filter_map(|triple| {
            let target = Target::parse(triple)?;
            Some(TargetInfo {
                triple,
                host: target.is_host(),
                bootloader: bootloader::candidates(&target, stem)
                    .into_iter()
                    .find(|p| bootloader::exists(p)),
            })
        })
        .collect()
}
