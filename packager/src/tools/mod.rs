//! Looking at a finished executable: what is in it, whether it is intact,
//! its files unpacked, and the targets there are bootloaders for.

pub mod extract;
mod index;
pub mod inspect;
pub mod targets;
pub mod verify;

use pyfreeze_bundle::BundleError;
use std::path::{Path, PathBuf};

/// Why `inspect`, `verify` or `extract` could not do their job.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The file cannot be opened or read, or is not a regular file.
    #[error("{0:#}")]
    Unreadable(anyhow::Error),
    /// The file is not a pyfreeze bundle.
    #[error("{}: {}", .0.display(), BundleError::NotABundle)]
    NotABundle(PathBuf),
    /// The bundle is damaged: what is wrong, one line each (`verify` names
    /// every damaged entry).
    #[error("{}: {}", path.display(), problems.join("\n"))]
    Damaged {
        path: PathBuf,
        problems: Vec<String>,
    },
    /// Anything else: extract's directory, a write that failed.
    #[error("{}: {message:#}", path.display())]
    Other {
        path: PathBuf,
        message: anyhow::Error,
    },
}

impl ToolError {
    /// The command line's exit code: 2 for a file that cannot be read as a
    /// bundle at all, 1 for a damaged one or any other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            ToolError::Unreadable(_) | ToolError::NotABundle(_) => 2,
            ToolError::Damaged { .. } | ToolError::Other { .. } => 1,
        }
    }

    /// A bundle that would not open, as a `ToolError` about `path`.
    fn from_bundle(path: &Path, e: BundleError) -> Self {
        match e {
            BundleError::NotABundle => ToolError::NotABundle(path.to_path_buf()),
            e => ToolError::Damaged {
                path: path.to_path_buf(),
                problems: vec![e.to_string()],
            },
        }
    }
}
