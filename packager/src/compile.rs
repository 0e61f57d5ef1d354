//! Compiling modules to RustPython bytecode, as `.pyc` files, and reporting
//! errors the way Python does: `file:line:col`, the line, a caret.

use rustpython_compiler::{CompileError, CompileOpts, Mode};
use std::cell::Cell;
use std::fmt;

/// A syntax (or compile) error at a place in a file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    pub line_text: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: SyntaxError: {}",
            self.file, self.line, self.column, self.message
        )?;
        if let Some(text) = &self.line_text {
            let indent = text.len() - text.trim_start().len();
            let caret_at = self.column.saturating_sub(1).saturating_sub(indent);
            write!(f, "\n    {}\n    {}^", text.trim(), " ".repeat(caret_at))?;
        }
        Ok(())
    }
}

impl Diagnostic {
    fn at(file: &str, source: &str, line: usize, column: usize, message: String) -> Self {
        let line_text = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::to_string);
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message,
            line_text,
        }
    }

    pub fn from_parse_error(
        file: &str,
        source: &str,
        err: &rustpython_compiler::parser::ParseError,
    ) -> Self {
        let offset = usize::from(err.location.start()).min(source.len());
        let mut start = offset;
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..start].chars().count() + 1;
        Self::at(file, source, line, column, err.error.to_string())
    }

    fn from_compile_error(file: &str, source: &str, err: &CompileError) -> Self {
        let (line, column) = err.python_location();
        Self::at(file, source, line.max(1), column.max(1), err.to_string())
    }
}

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread runs the compiler under `catch_unwind`.
pub fn in_guarded_compile() -> bool {
    GUARDED.with(Cell::get)
}

/// Compile one module. `virtual_path` becomes `co_filename` (the runtime
/// rewrites it to the absolute virtual path); `display` names the file in errors.
pub fn compile(
    text: &str,
    virtual_path: &str,
    display: &str,
    optimize: u8,
) -> Result<Vec<u8>, Diagnostic> {
    let opts = CompileOpts {
        optimize,
        ..CompileOpts::default()
    };
    GUARDED.with(|g| g.set(true));
    let result = std::panic::catch_unwind(|| {
        rustpython_compiler::compile(text, Mode::Exec, virtual_path, opts)
    });
    GUARDED.with(|g| g.set(false));
    let code = match result {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => return Err(Diagnostic::from_compile_error(display, text, &err)),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(Diagnostic {
                file: display.to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "the RustPython compiler failed on this file ({why}); this is a RustPython bug, \
                     exclude the module or change the construct it trips on"
                ),
                line_text: None,
            });
        }
    };
    Ok(pyc(text, &code))
}

/// The error for a build with modules that do not compile, all of them shown.
pub fn failure(errors: Vec<String>) -> anyhow::Error {
    let n = errors.len();
    anyhow::anyhow!(
        "{}\n{n} module{} could not be compiled; fix {} and build again",
        errors.join("\n\n"),
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" }
    )
}

/// The compiler's diagnostic for a source that failed to parse, if it agrees
/// that it is an error.
pub fn diagnose(text: &str, display: &str) -> Option<Diagnostic> {
    compile(text, "<scan>", display, 0).err()
}

/// A `.pyc` as RustPython reads it: magic, PEP 552 flags (hash-based,
/// unchecked), 8 bytes of the source's sha256, then `marshal.dumps(code)`.
fn pyc(text: &str, code: &rustpython_compiler::CodeObject) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::with_capacity(text.len());
    out.extend_from_slice(&pyfreeze_bundle::PYC_MAGIC);
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&Sha256::digest(text.as_bytes())[..8]);
    out.push(b'c');
    rustpython_compiler_core::marshal::serialize_code(&mut out, code);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyc_header_and_body() {
        let pyc = compile("x = 1\n", "m.py", "m.py", 0).unwrap();
        assert_eq!(&pyc[..4], &pyfreeze_bundle::PYC_MAGIC);
        assert_eq!(pyc[16], b'c');
        let code = rustpython_compiler_core::marshal::deserialize_code(
            &mut &pyc[17..],
            rustpython_compiler_core::bytecode::BasicBag,
        )
        .unwrap();
        assert_eq!(code.source_path.as_str(), "m.py");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err = compile("x = 1\ndef f(:\n    pass\n", "m.py", "src/m.py", 0).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("src/m.py:2:"), "{shown}");
        assert!(shown.contains("def f(:"), "{shown}");
        assert!(shown.contains('^'), "{shown}");
        let err = compile("return 5\n", "m.py", "m.py", 0).unwrap_err();
        assert_eq!(
            (err.line, err.message.contains("outside function")),
            (1, true),
            "{err}"
        );
    }
}
