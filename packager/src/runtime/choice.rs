//! Which runtime a build uses, decided here and nowhere else:
//!
//! 1. the one asked for: `--runtime`, `[tool.pyfreeze] runtime`, or the
//!    runtime of the bootloader `--bootloader` names;
//! 2. else, for another platform, RustPython, whose bytecode runs anywhere;
//! 3. else CPython, the interpreter the program is developed with (the
//!    venv's, `--python`, else `python3` on PATH), when it can be bundled:
//!    the exact Python the author runs, at its speed and memory, with
//!    compiled extensions;
//! 4. else RustPython, which needs no Python at all.

use super::cpython::{self, CPython};
use super::rustpython::RustPython;
use super::{Runtime, RuntimeKind};
use pyfreeze_bundle::target::Target;
use std::path::Path;

/// Who asked for a runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedBy {
    /// `--runtime` (or the library caller's `ProgramOptions::runtime`).
    Option,
    /// `runtime` in `[tool.pyfreeze]`.
    Table,
    /// The bootloader given with `--bootloader` is this runtime's.
    Bootloader,
}

/// Why a build uses its runtime: the build's note and `inspect` say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    Asked(AskedBy),
    /// CPython: the build is for this machine, and this interpreter is here.
    ThisMachine {
        source: cpython::Source,
        executable: String,
    },
    /// RustPython: the build is for another platform.
    OtherTarget(String),
    /// RustPython: the build is for this machine, but no CPython here can
    /// be bundled.
    NoCPython {
        source: cpython::Source,
        because: String,
    },
}

impl Why {
    /// The reason without paths or machine details: what the manifest
    /// records (`inspect` shows it), the same wherever the build ran.
    pub fn summary(&self, runtime: RuntimeKind) -> String {
        match self {
            Why::Asked(AskedBy::Option) => format!("asked for: --runtime {}", runtime.key()),
            Why::Asked(AskedBy::Table) => {
                format!(
                    "asked for: runtime = \"{}\" in [tool.pyfreeze]",
                    runtime.key()
                )
            }
            Why::Asked(AskedBy::Bootloader) => {
                format!("the bootloader given (--bootloader) is {runtime}'s")
            }
            Why::ThisMachine { source, .. } => {
                format!("the build is for this machine, and {source} is CPython")
            }
            Why::OtherTarget(triple) => {
                format!("the build is for {triple}, where RustPython's bytecode runs as it is")
            }
            Why::NoCPython { source, .. } => {
                format!("no CPython here can be bundled ({source} cannot)")
            }
        }
    }

    /// The reason with what helps on this machine: the build's note.
    pub fn detail(&self, runtime: RuntimeKind) -> String {
        match self {
            Why::ThisMachine { source, executable } => format!(
                "the build is for this machine, and {source} is this CPython ({executable}); \
                 --runtime rustpython builds without it, for any machine"
            ),
            Why::NoCPython { source, because } => format!(
                "no CPython here can be bundled ({source}: {because}), so the program runs on \
                 RustPython: pure Python, no compiled extensions"
            ),
            other => other.summary(runtime),
        }
    }
}

/// The runtime a build uses, and why.
pub struct Choice {
    pub runtime: Box<dyn Runtime>,
    pub why: Why,
}

/// What [`choose`] does before probing any interpreter.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Take(RuntimeKind, Why),
    /// CPython if one here can be bundled, else RustPython.
    TryCPython,
}

fn decide(asked: Option<(RuntimeKind, AskedBy)>, target: &Target) -> Step {
    match asked {
        Some((kind, by)) => Step::Take(kind, Why::Asked(by)),
        None if !target.is_host() => Step::Take(
            RuntimeKind::RustPython,
            Why::OtherTarget(target.triple.clone()),
        ),
        None => Step::TryCPython,
    }
}

/// Choose the runtime (see the module's comment). `python` and `venv` say
/// where to look for CPython. An interpreter named with `--python` that
/// cannot be bundled is an error, not a reason to fall back.
pub fn choose(
    asked: Option<(RuntimeKind, AskedBy)>,
    target: &Target,
    python: Option<&Path>,
    venv: Option<&Path>,
) -> anyhow::Result<Choice> {
    let found = || {
        CPython::find(python, venv).and_then(|(cpython, source)| {
            cpython.builds_for(target).map_err(anyhow::Error::msg)?;
            Ok((cpython, source))
        })
    };
    let (kind, why) = match decide(asked, target) {
        Step::Take(RuntimeKind::CPython, why) => {
            let (cpython, _) = CPython::find(python, venv)?;
            cpython.builds_for(target).map_err(anyhow::Error::msg)?;
            return Ok(Choice {
                runtime: Box::new(cpython),
                why,
            });
        }
        Step::Take(kind, why) => (kind, why),
        Step::TryCPython => match found() {
            Ok((cpython, source)) => {
                let executable = cpython.interpreter.executable.display().to_string();
                return Ok(Choice {
                    runtime: Box::new(cpython),
                    why: Why::ThisMachine { source, executable },
                });
            }
            Err(e) if python.is_some() => return Err(e),
            Err(e) => {
                let (_, source) = cpython::find_interpreter(python, venv);
                let because = format!("{e:#}");
                (RuntimeKind::RustPython, Why::NoCPython { source, because })
            }
        },
    };
    debug_assert_eq!(kind, RuntimeKind::RustPython);
    Ok(Choice {
        runtime: Box::new(RustPython),
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(triple: &str) -> Target {
        Target::parse(triple).expect("a known triple")
    }

    #[test]
    fn what_is_asked_for_wins_then_the_target_decides() {
        let host = Target::host().expect("tests run on a supported platform");
        let other = if host.triple == "aarch64-apple-darwin" {
            "x86_64-pc-windows-msvc"
        } else {
            "aarch64-apple-darwin"
        };
        for kind in RuntimeKind::ALL {
            for by in [AskedBy::Option, AskedBy::Table, AskedBy::Bootloader] {
                for t in [&host, &target(other)] {
                    assert_eq!(
                        decide(Some((kind, by)), t),
                        Step::Take(kind, Why::Asked(by))
                    );
                }
            }
        }
        assert_eq!(
            decide(None, &target(other)),
            Step::Take(RuntimeKind::RustPython, Why::OtherTarget(other.to_string()))
        );
        assert_eq!(decide(None, &host), Step::TryCPython);
    }

    #[test]
    fn without_a_cpython_a_plain_build_takes_rustpython_and_says_why() {
        let host = Target::host().expect("supported platform");
        let venv = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(venv.path().join("bin")).expect("mkdir");
        // A venv whose python is not an interpreter.
        std::fs::write(venv.path().join("bin/python"), "not a program").expect("write");
        let choice = choose(None, &host, None, Some(venv.path())).expect("a choice");
        assert_eq!(choice.runtime.kind(), RuntimeKind::RustPython);
        let Why::NoCPython { source, because } = &choice.why else {
            panic!("expected NoCPython, got {:?}", choice.why);
        };
        assert_eq!(*source, cpython::Source::Venv);
        assert!(because.contains("bin/python"), "{because}");
        // Named with --python, the same interpreter is an error.
        let python = venv.path().join("bin/python");
        let err = choose(None, &host, Some(&python), None)
            .err()
            .expect("an error");
        assert!(format!("{err:#}").contains("bin/python"), "{err:#}");
    }

    #[test]
    fn summaries_name_no_paths() {
        let why = Why::ThisMachine {
            source: cpython::Source::Path,
            executable: "/opt/python/bin/python3.12".into(),
        };
        assert!(!why.summary(RuntimeKind::CPython).contains('/'));
        assert!(why.detail(RuntimeKind::CPython).contains("/opt/python"));
        let why = Why::NoCPython {
            source: cpython::Source::Venv,
            because: "/v/bin/python was built without a shared libpython".into(),
        };
        assert!(!why.summary(RuntimeKind::RustPython).contains('/'));
    }
}
