//! CPython, the build machine's own interpreter: real CPython speed and
//! compiled extension modules, still one file with nothing extracted. The
//! interpreter is asked about itself ([`probe`]), compiles the bundle's
//! modules in one helper process per build ([`helper`]), and its libpython
//! and the shared libraries its extensions need go into the bundle
//! ([`native`], [`payload`]).

mod helper;
mod native;
mod payload;
mod probe;

use super::{BundleContents, Runtime, RuntimeKind, RuntimePayload, Stdlib};
use crate::diagnostics::SyntaxDiagnostic;
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::runtime::cpython as facts;
use pyfreeze_bundle::target::Target;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub(crate) use payload::entry_value as index_entry;
pub use probe::{Interpreter, probe};

pub struct CPython {
    pub interpreter: Interpreter,
    helper: Mutex<Option<helper::Helper>>,
}

/// `CPython 3.11` for a CPython bytecode format.
pub fn describe(bytecode: &str) -> Option<String> {
    let (major, minor, _) = facts::parse_bytecode_format(bytecode)?;
    Some(format!("CPython {major}.{minor}"))
}

/// Where the interpreter to build with came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--python` (or `[tool.pyfreeze] python`).
    Named,
    /// The venv's `bin/python` (`--venv`, then `$VIRTUAL_ENV`).
    Venv,
    /// `python3` on PATH.
    Path,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Named => "--python",
            Source::Venv => "the venv's python",
            Source::Path => "python3 on PATH",
        })
    }
}

/// The interpreter to build with: `--python`, else the venv's (`--venv`,
/// then `$VIRTUAL_ENV`), else `python3` on PATH. A bare name is looked up on
/// PATH; pyenv shims and symlinks are resolved by asking the interpreter.
pub fn find_interpreter(python: Option<&Path>, venv: Option<&Path>) -> (PathBuf, Source) {
    if let Some(p) = python {
        return (p.to_path_buf(), Source::Named);
    }
    let venv = venv.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("VIRTUAL_ENV")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    if let Some(v) = venv {
        let bin = v.join("bin").join("python");
        if bin.exists() {
            return (bin, Source::Venv);
        }
    }
    (PathBuf::from("python3"), Source::Path)
}

impl CPython {
    /// Probe the interpreter `find_interpreter` picks, and check it can be
    /// bundled; with where it came from.
    pub fn find(python: Option<&Path>, venv: Option<&Path>) -> Result<(CPython, Source)> {
        let (path, source) = find_interpreter(python, venv);
        let interpreter = probe::probe(&path)?;
        interpreter.check(&path)?;
        Ok((
            CPython {
                interpreter,
                helper: Mutex::new(None),
            },
            source,
        ))
    }

    fn with_helper<T>(&self, f: impl FnOnce(&mut helper::Helper) -> Result<T>) -> Result<T> {
        let mut slot = self
            .helper
            .lock()
            .map_err(|_| anyhow::anyhow!("the compile helper failed earlier"))?;
        if slot.is_none() {
            *slot = Some(helper::Helper::start(&self.interpreter.executable)?);
        }
        let helper = slot.as_mut().context("compile helper")?;
        f(helper)
    }

    /// `marshal.dumps(value)` by this interpreter.
    pub fn marshal(&self, value: &serde_json::Value) -> Result<Vec<u8>> {
        self.with_helper(|h| h.marshal(value))
    }

    /// The interpreter's own files, which are not wheels' (stripped safely).
    fn is_interpreter_file(&self, file: &Path) -> bool {
        let i = &self.interpreter;
        [&i.stdlib, &i.libdir]
            .into_iter()
            .chain(i.lib_dynload.as_ref())
            .any(|dir| file.starts_with(dir))
            && !file.components().any(|c| c.as_os_str() == "site-packages")
    }
}

impl Runtime for CPython {
    fn name(&self) -> String {
        format!("CPython {}", self.interpreter.version_text)
    }

    fn kind(&self) -> RuntimeKind {
        RuntimeKind::CPython
    }

    fn builds_for(&self, target: &Target) -> Result<(), String> {
        if target.is_host() {
            return Ok(());
        }
        // Where the CPython runtime is not built yet, say so rather than
        // send the user to a machine where it fails too.
        let elsewhere = if target.triple.ends_with("-linux-gnu") {
            format!("Build on a {} machine", target.triple)
        } else {
            format!(
                "It runs on Linux with glibc for now, not on {} (see the README's plan)",
                target.triple
            )
        };
        Err(format!(
            "--runtime cpython builds for the machine it runs on ({}), not for {}: the bundle \
             carries this machine's interpreter and compiled extensions. {elsewhere}, or use the \
             RustPython runtime, whose bytecode runs anywhere",
            Target::host_triple(),
            target.triple,
        ))
    }

    fn has_native_cache(&self) -> bool {
        true
    }

    fn python_version(&self) -> (u32, u32, u32) {
        self.interpreter.version
    }

    fn builtin_modules(&self, _target: &Target) -> Vec<String> {
        let i = &self.interpreter;
        // Frozen into libpython (3.11 and later): served by FrozenImporter.
        i.builtin.iter().chain(&i.frozen).cloned().collect()
    }

    fn has_stdlib_module(&self, name: &str) -> bool {
        let i = &self.interpreter;
        if i.stdlib.join(format!("{name}.py")).is_file()
            || i.stdlib.join(name).join("__init__.py").is_file()
        {
            return true;
        }
        i.lib_dynload.as_ref().is_some_and(|dir| {
            i.ext_suffixes
                .iter()
                .any(|s| dir.join(format!("{name}{s}")).is_file())
        })
    }

    fn stdlib(&self) -> Stdlib {
        let i = &self.interpreter;
        let mut dirs = vec![i.stdlib.clone()];
        dirs.extend(i.lib_dynload.clone());
        Stdlib::Disk(dirs)
    }

    fn loads_extensions(&self) -> bool {
        true
    }

    fn extension_suffixes(&self) -> Vec<String> {
        self.interpreter.ext_suffixes.clone()
    }

    fn stdlib_before_site_packages(&self) -> bool {
        true
    }

    fn observe_imports(
        &self,
        packages: &[String],
        search: &[PathBuf],
    ) -> Vec<(String, Option<Vec<String>>)> {
        observe_imports(&self.interpreter.executable, packages, search)
    }

    fn required_modules(&self) -> Vec<String> {
        // sysconfig's variables, by a name built from the ABI and platform.
        self.interpreter.sysconfigdata.iter().cloned().collect()
    }

    fn default_site_packages(&self) -> Option<(Vec<PathBuf>, String)> {
        let dirs = self.interpreter.site_packages();
        (!dirs.is_empty()).then(|| {
            (
                dirs,
                format!("the interpreter {}", self.interpreter.executable.display()),
            )
        })
    }

    fn bytecode_format(&self) -> String {
        let (major, minor, _) = self.interpreter.version;
        facts::bytecode_format(major, minor, self.interpreter.magic)
    }

    fn manifest_name(&self) -> Option<String> {
        Some(self.name())
    }

    fn compile(
        &self,
        text: &str,
        virtual_path: &str,
        display: &str,
        optimize: u8,
    ) -> Result<Vec<u8>, SyntaxDiagnostic> {
        let answer = self.with_helper(|h| h.compile(text, virtual_path, optimize));
        match answer {
            Ok(Ok(pyc)) => Ok(pyc),
            Ok(Err(e)) => Err(SyntaxDiagnostic::at(
                display, text, e.line, e.column, e.message,
            )),
            Err(e) => Err(SyntaxDiagnostic {
                file: display.to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "cannot compile with {}: {e:#}",
                    self.interpreter.executable.display()
                ),
                line_text: None,
            }),
        }
    }

    fn extension_bytes(&self, file: &Path) -> Result<Vec<u8>> {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        // The interpreter's own extensions carry debug sections; wheels'
        // libraries are never touched (stripping breaks auditwheel's).
        Ok(match self.is_interpreter_file(file) {
            true => native::strip(&bytes).unwrap_or(bytes),
            false => bytes,
        })
    }

    fn payload(&self, contents: &BundleContents<'_>) -> Result<RuntimePayload> {
        payload::build(self, contents)
    }
}

/// Import `packages` in a fresh interpreter and report what each loaded
/// (what was reported before a crash, if it crashes).
fn observe_imports(
    python: &Path,
    packages: &[String],
    search: &[PathBuf],
) -> Vec<(String, Option<Vec<String>>)> {
    const OBSERVE: &str = include_str!("observe.py");
    let dirs: Vec<String> = search
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let out = std::process::Command::new(python)
        .args(["-I", "-S", "-c", OBSERVE])
        .arg(serde_json::to_string(&dirs).unwrap_or_default())
        .arg(serde_json::to_string(packages).unwrap_or_default())
        .env_remove("PYTHONPATH")
        .stdin(std::process::Stdio::null())
        .output();
    let Ok(out) = out else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

impl probe::Interpreter {
    /// Refuse interpreters that cannot go into a bundle, saying why.
    fn check(&self, asked: &Path) -> Result<()> {
        let shown = format!("{} ({})", asked.display(), self.executable.display());
        if self.implementation != "cpython" {
            bail!(
                "{shown} is {}, not CPython; --runtime cpython needs CPython 3.10 or later",
                self.implementation
            );
        }
        let (major, minor, _) = self.version;
        if major != 3 || !facts::MINOR_VERSIONS.contains(&minor) {
            bail!(
                "{shown} is Python {}; --runtime cpython supports CPython 3.10 to 3.14",
                self.version_text
            );
        }
        if !self.shared {
            bail!(
                "{shown} was built without a shared libpython (--enable-shared), which pyfreeze \
                 loads from the executable; use an interpreter built with it (pyenv: \
                 PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install {}; python.org, Debian and \
                 Fedora builds have it)",
                self.version_text
            );
        }
        if self.abiflags.contains('d') || self.gil_disabled {
            bail!(
                "{shown} is a {} build, whose C structures differ; use a standard build of CPython {}",
                if self.gil_disabled {
                    "free-threaded"
                } else {
                    "debug"
                },
                self.version_text
            );
        }
        if self.platform != "linux" {
            bail!(
                "{shown} runs on {}; --runtime cpython builds on Linux for now (see the README)",
                self.platform
            );
        }
        self.libpython()?;
        if !self.stdlib.join("os.py").is_file() {
            bail!(
                "{shown} says its standard library is {}, which holds no os.py; repair or \
                 reinstall that Python",
                self.stdlib.display()
            );
        }
        Ok(())
    }
}
