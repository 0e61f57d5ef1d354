//! What a build has to say about the program, as values: callers match on
//! the kind, the command line renders the text.

use crate::runtime::RuntimeKind;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// Where an import is: the importing module (as shown to the user, the
/// script's file name for `__main__`), the line, and whether it is inside a
/// function (and so fails only when that code runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSite {
    pub importer: String,
    pub line: u32,
    pub delayed: bool,
}

impl fmt::Display for ImportSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.importer, self.line)?;
        if self.delayed {
            f.write_str(", inside a function: fails only when that code runs")?;
        }
        Ok(())
    }
}

/// A warning about the program (an error with `--strict`, for the kinds
/// that [`Diagnostic::is_unsatisfied`] names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Diagnostic {
    /// An import of a module found nowhere on the search path; `chain` is
    /// how the program reaches it (`app.py -> pkg.util -> yaml`).
    MissingModule {
        module: String,
        site: ImportSite,
        chain: String,
    },
    /// A module found only as a compiled extension, which the runtime
    /// cannot load.
    UnloadableExtension {
        module: String,
        file: PathBuf,
        /// The runtime that cannot load it.
        runtime: RuntimeKind,
        site: ImportSite,
        chain: String,
    },
    /// An import of a module a package rule leaves out, with the rule's why.
    ExcludedByRule {
        module: String,
        why: String,
        /// The runtime that has the module, if another one does.
        runtime: Option<RuntimeKind>,
        site: ImportSite,
        chain: String,
    },
    /// A shared library an extension module (or libpython) needs, found
    /// nowhere on this machine: the module fails to import where the target
    /// system lacks it too.
    MissingLibrary { library: String, needed_by: PathBuf },
    /// A package that cannot run on this runtime (compiled code only).
    NeedsRuntime {
        package: String,
        /// The runtime that can.
        runtime: RuntimeKind,
        why: String,
    },
    /// Imports by computed names (`importlib.import_module(name)`) in a
    /// package no rule covers: the modules they load may be missing.
    ComputedImport {
        package: String,
        file: PathBuf,
        line: u32,
        /// How many such imports the package has.
        sites: usize,
        /// It is a package, which `--collect-submodules` takes.
        collectable: bool,
    },
    /// One of the program's own top-level modules has a standard library
    /// module's name; the program's wins, as under CPython.
    ShadowedStdlib { module: String, file: PathBuf },
    /// A relative import that cannot be resolved.
    BadRelativeImport {
        importer: String,
        line: u32,
        /// As written: `..pkg` (dots and module).
        import: String,
        why: String,
    },
    /// A module name too long or too deeply nested to bundle.
    NameTooLong { name: String },
    /// A file that looks like a module but whose name is not UTF-8.
    NonUtf8ModuleFile { path: PathBuf },
    /// A package reached again while collecting submodules (a symlink loop).
    CollectedTwice { package: String },
    /// A data file whose name is not UTF-8.
    NonUtf8DataFile { path: PathBuf },
    /// A data file whose place in the bundle another data file already has.
    DataPathTaken {
        file: PathBuf,
        path: String,
        first: PathBuf,
    },
    /// A data file whose place in the bundle is a module's file.
    DataPathIsModule { file: PathBuf, path: String },
    /// The build cache is not used: its directory is not private to the user.
    CacheIgnored { dir: PathBuf, why: String },
    /// A `[tool.pyfreeze] data` source outside the project's directory:
    /// bundled, but said, since anyone who can edit the project file could
    /// name any file the builder can read (`/etc/shadow`).
    DataOutsideProject { source: PathBuf, project: PathBuf },
    /// Not a problem: a heavy package that another one imports only on an
    /// optional path (in a function, or guarded), which the program itself
    /// does not import, is left out (see `analyze::integrations`).
    OptionalIntegration {
        /// Its top-level module.
        module: String,
        /// Bytes on disk of its packages and what they would bring.
        size: u64,
        importer: String,
        line: u32,
        /// The import is in a function (else: guarded).
        delayed: bool,
    },
}

impl Diagnostic {
    /// Information rather than a warning.
    pub fn is_note(&self) -> bool {
        matches!(self, Diagnostic::OptionalIntegration { .. })
    }

    /// An import the frozen program cannot satisfy: what `--strict` refuses.
    pub fn is_unsatisfied(&self) -> bool {
        matches!(
            self,
            Diagnostic::MissingModule { .. }
                | Diagnostic::UnloadableExtension { .. }
                | Diagnostic::ExcludedByRule { .. }
                | Diagnostic::NeedsRuntime { .. }
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::MissingModule {
                module,
                site,
                chain,
            } => write!(
                f,
                "module {module} not found ({site}; {chain}). Install it in the venv, add its \
                 directory with --path, or leave it out with --exclude-module"
            ),
            Diagnostic::UnloadableExtension {
                module,
                file,
                runtime,
                site,
                chain,
            } => write!(
                f,
                "module {module} is a compiled extension ({}), which {runtime} cannot load; \
                 package {} needs a pure-Python version of it, or build with --runtime cpython \
                 ({site}; {chain})",
                file.display(),
                module.split('.').next().unwrap_or(module),
            ),
            Diagnostic::ExcludedByRule {
                module,
                why,
                site,
                chain,
                ..
            } => write!(
                f,
                "module {module} is left out of the bundle: {why} ({site}; {chain})"
            ),
            Diagnostic::MissingLibrary { library, needed_by } => write!(
                f,
                "shared library {library}, needed by {}, was not found on this machine, so it \
                 is not bundled; the module fails to import where the target system lacks it. \
                 Install it (or the package that vendors it) and build again",
                needed_by.display()
            ),
            Diagnostic::NeedsRuntime {
                package,
                runtime,
                why,
            } => write!(
                f,
                "package {package} needs the {runtime} runtime ({why}); build with --runtime {}",
                runtime.key()
            ),
            Diagnostic::ComputedImport {
                package,
                file,
                line,
                sites,
                collectable,
            } => {
                let more = match sites {
                    1 => String::new(),
                    n => format!(" (and {} more in {package})", n - 1),
                };
                let fix = if *collectable {
                    format!(
                        "--collect-submodules {package} (or --hidden-import for the modules it loads)"
                    )
                } else {
                    "--hidden-import for each module it loads (--hidden-import mypkg.plugin), \
                     or --collect-submodules for the package they are in"
                        .to_string()
                };
                write!(
                    f,
                    "{}:{line}: {package} imports modules by computed names{more}, which the \
                     build cannot see; if the program fails with ModuleNotFoundError, add {fix}",
                    file.display()
                )
            }
            Diagnostic::ShadowedStdlib { module, file } => write!(
                f,
                "{} shadows the standard library module {module}: the program imports its own, \
                 as under CPython",
                file.display()
            ),
            Diagnostic::BadRelativeImport {
                importer,
                line,
                import,
                why,
            } => write!(
                f,
                "{importer} line {line}: `from {import} import ...`: {why}"
            ),
            Diagnostic::NameTooLong { name } => {
                use pyfreeze_bundle::limits::{MAX_NAME_LEN, MAX_NESTING};
                let shown: String = name.chars().take(60).collect();
                write!(
                    f,
                    "module {shown}... left out: names longer than {MAX_NAME_LEN} characters or \
                     nested deeper than {MAX_NESTING} packages cannot be bundled (is there a \
                     symlink loop?)"
                )
            }
            Diagnostic::NonUtf8ModuleFile { path } => write!(
                f,
                "{} skipped: a module's file name must be valid UTF-8",
                path.display()
            ),
            Diagnostic::CollectedTwice { package } => write!(
                f,
                "{package}: its directory was already collected (a symlink loop?); its \
                 submodules are not collected again"
            ),
            Diagnostic::NonUtf8DataFile { path } => write!(
                f,
                "data file {} skipped: its name is not valid UTF-8",
                path.display()
            ),
            Diagnostic::DataPathTaken { file, path, first } => write!(
                f,
                "data file {} not added: {path} is already taken in the bundle by {}",
                file.display(),
                first.display()
            ),
            Diagnostic::DataPathIsModule { file, path } => write!(
                f,
                "data file {} not added: {path} is a module's file in the bundle",
                file.display()
            ),
            Diagnostic::OptionalIntegration {
                module,
                size,
                importer,
                line,
                delayed,
            } => write!(
                f,
                "left out {module} ({} MB with what it imports): {importer} imports it only {} \
                 (line {line}), and the program does not import it; if the program uses it \
                 there, add --hidden-import {module}",
                size.div_ceil(1 << 20),
                if *delayed {
                    "inside a function"
                } else {
                    "where an ImportError is handled"
                },
            ),
            Diagnostic::DataOutsideProject { source, project } => write!(
                f,
                "{}: [tool.pyfreeze] data bundles {}, which is outside the project's directory; \
                 check that it belongs in the program, or copy it into the project",
                project.display(),
                source.display()
            ),
            Diagnostic::CacheIgnored { dir, why } => write!(
                f,
                "build cache {} not used: {why}, so others could change what it holds; \
                 building without it. Fix its owner and mode (chmod go-w), or set \
                 PYFREEZE_CACHE_DIR to a private directory",
                dir.display()
            ),
        }
    }
}

/// A syntax (or compile) error at a place in a file, shown as Python shows
/// it: `file:line:col`, the line, a caret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxDiagnostic {
    pub file: String,
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    pub line_text: Option<String>,
}

impl SyntaxDiagnostic {
    /// A diagnostic at `line`:`column` of `source`, with that line's text.
    pub fn at(file: &str, source: &str, line: usize, column: usize, message: String) -> Self {
        let line_text = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::to_string);
        SyntaxDiagnostic {
            file: file.to_string(),
            line,
            column,
            message,
            line_text,
        }
    }
}

impl fmt::Display for SyntaxDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: SyntaxError: {}",
            self.file, self.line, self.column, self.message
        )?;
        if let Some(text) = &self.line_text {
            let indent = text.chars().count() - text.trim_start().chars().count();
            let caret = self.column.saturating_sub(1).saturating_sub(indent);
            let (shown, caret_at) = window(text.trim(), caret);
            write!(f, "\n    {shown}\n    {}^", " ".repeat(caret_at))?;
        }
        Ok(())
    }
}

/// The characters of a source line shown around an error: all of a line of
/// ordinary length; of a long one (generated code, a minified file), a
/// window around the caret, so that the message stays readable.
const WINDOW: usize = 100;

/// `line` cut to `WINDOW` characters around `caret` (a character index),
/// with `…` where it was cut, and the caret's index in what is shown.
fn window(line: &str, caret: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= WINDOW + WINDOW / 5 {
        return (line.to_string(), caret);
    }
    let caret = caret.min(chars.len());
    let start = caret.saturating_sub(WINDOW / 2).min(chars.len() - WINDOW);
    let end = start + WINDOW;
    let mut shown = String::new();
    let mut caret_at = caret - start;
    if start > 0 {
        shown.push('…');
        caret_at += 1;
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret_at)
}

/// A message from a parser that quotes the input (TOML's does, the whole
/// offending line): each line cut to a readable length.
pub fn excerpt(message: &str) -> String {
    const LONGEST: usize = 160;
    message
        .lines()
        .map(|line| {
            let count = line.chars().count();
            if count <= LONGEST {
                line.to_string()
            } else {
                let kept: String = line.chars().take(LONGEST).collect();
                format!("{kept}… ({} more characters)", count - LONGEST)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_shown_as_a_window_around_the_error() {
        let line = format!("x = {}", "\"x\"+".repeat(5000));
        let d = SyntaxDiagnostic::at("m.py", &line, 1, 2004, "bad".into());
        let text = d.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[1].chars().count() < WINDOW + 10, "{text}");
        // The caret still points at column 2004's character.
        let caret = lines[2].chars().count() - 1;
        let pointed = lines[1].chars().nth(caret).unwrap();
        assert_eq!(pointed, line.chars().nth(2003).unwrap());
        assert!(
            lines[1].starts_with("    …") && lines[1].ends_with('…'),
            "{text}"
        );
        let long = format!("TOML parse error\n{}\n^", "a".repeat(400_000));
        let cut = excerpt(&long);
        assert!(
            cut.len() < 300 && cut.contains("399840 more characters"),
            "{cut}"
        );
    }

    #[test]
    fn syntax_diagnostics_point_at_the_column() {
        let d = SyntaxDiagnostic::at("m.py", "x = 1\n    def f(:\n", 2, 11, "bad".into());
        assert_eq!(
            d.to_string(),
            "m.py:2:11: SyntaxError: bad\n    def f(:\n          ^"
        );
    }

    #[test]
    fn only_unsatisfied_imports_fail_strict_builds() {
        let site = ImportSite {
            importer: "app.py".into(),
            line: 3,
            delayed: true,
        };
        let missing = Diagnostic::MissingModule {
            module: "yaml".into(),
            site: site.clone(),
            chain: "app.py -> yaml".into(),
        };
        assert!(missing.is_unsatisfied());
        assert!(missing.to_string().contains(
            "(app.py line 3, inside a function: fails only when that code runs; app.py -> yaml)"
        ));
        let shadow = Diagnostic::ShadowedStdlib {
            module: "string".into(),
            file: "string.py".into(),
        };
        assert!(!shadow.is_unsatisfied());
    }
}
