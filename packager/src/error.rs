//! Why a build (or a look at its graph) failed. The kinds a caller may want
//! to act on are variants with their data; the rest is a message that says
//! what, where and what to do.

use crate::diagnostics::{Diagnostic, SyntaxDiagnostic};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Modules that cannot be read or compiled, every one of them.
    #[error("{}", CompileFailures(.0))]
    Compile(Vec<CompileFailure>),
    /// `--strict`: imports the frozen program cannot satisfy.
    #[error("{}", Unsatisfied(.0))]
    Unsatisfied(Vec<Diagnostic>),
    /// `--target` or `[tool.pyfreeze] target` names no target pyfreeze
    /// builds for.
    #[error(
        "unknown target {triple:?}: pyfreeze builds for x86_64 and aarch64 Linux, Windows \
         and macOS (run `pyfreeze targets` for the list)"
    )]
    UnknownTarget { triple: String },
    /// A `[tool.pyfreeze]` setting that cannot be used: the file, the key,
    /// and what is wrong (the message starts with the key).
    #[error("{}: [tool.pyfreeze] {message}", file.display())]
    Setting {
        file: PathBuf,
        key: &'static str,
        message: String,
    },
    /// The bootloader given or found is not one this pyfreeze can use (the
    /// wrong format or architecture, another release's, not a bootloader).
    #[error("bootloader {} cannot be used: {message}", path.display())]
    Bootloader { path: PathBuf, message: String },
    /// The output path holds something pyfreeze will not replace (a
    /// directory, a device, an input of the build, a file it did not write).
    #[error("output {} {message}", path.display())]
    RefusedOutput { path: PathBuf, message: String },
    /// Anything else: bad options, unreadable inputs.
    #[error(transparent)]
    Other(anyhow::Error),
}

/// Deep code returns `anyhow` errors; one made from a `BuildError` comes
/// back as its variant, so callers can match on it.
impl From<anyhow::Error> for BuildError {
    fn from(e: anyhow::Error) -> Self {
        e.downcast::<BuildError>().unwrap_or_else(BuildError::Other)
    }
}

impl BuildError {
    /// The error as an `anyhow::Error`, without wrapping a message twice.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            BuildError::Other(e) => e,
            other => anyhow::Error::new(other),
        }
    }
}

/// One module that cannot go into the bundle.
#[derive(Debug, Clone)]
pub enum CompileFailure {
    /// A syntax or compile error.
    Syntax {
        diagnostic: SyntaxDiagnostic,
        /// How the program reaches the module; `None` for the entry script.
        chain: Option<String>,
    },
    /// The file cannot be read or decoded.
    Unreadable {
        file: String,
        message: String,
        chain: Option<String>,
    },
    /// A dynamic import by a literal that is not a module name
    /// (`importlib.import_module("a b")`).
    BadModuleName {
        file: String,
        line: u32,
        name: String,
    },
}

impl fmt::Display for CompileFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chain = match self {
            CompileFailure::Syntax { diagnostic, chain } => {
                write!(f, "{diagnostic}")?;
                chain
            }
            CompileFailure::Unreadable {
                file,
                message,
                chain,
            } => {
                write!(f, "{file}: {message}")?;
                chain
            }
            CompileFailure::BadModuleName { file, line, name } => {
                return write!(
                    f,
                    "{file}:{line}: {name:?} is not a module name (dotted identifiers), so no \
                     bundle can hold it; fix the name in the import"
                );
            }
        };
        if let Some(chain) = chain {
            write!(f, "\n  imported by: {chain}")?;
        }
        Ok(())
    }
}

struct CompileFailures<'a>(&'a [CompileFailure]);

impl fmt::Display for CompileFailures<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{failure}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "\n{n} module{} could not be compiled; fix {} and build again",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        )
    }
}

struct Unsatisfied<'a>(&'a [Diagnostic]);

impl fmt::Display for Unsatisfied<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} import{} cannot be satisfied (--strict)",
            if n == 1 { "" } else { "s" }
        )
    }
}
