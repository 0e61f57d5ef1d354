//! RustPython 0.6.0, the default runtime: pure Python, its standard library
//! carried inside pyfreeze, its bytecode the same on every platform.

use super::embedded::EmbeddedTree;
use super::{Runtime, RuntimeKind, Stdlib};
use crate::diagnostics::SyntaxDiagnostic;
use pyfreeze_bundle::runtime::rustpython as facts;
use pyfreeze_bundle::target::Target;
use rustpython_compiler::{CompileError, CompileOpts, Mode};
use std::cell::Cell;
use std::sync::OnceLock;

static STDLIB_ZIP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.zip"));

pub struct RustPython;

/// RustPython's standard library, as build.rs packed it.
pub fn stdlib() -> &'static EmbeddedTree {
    static STDLIB: OnceLock<EmbeddedTree> = OnceLock::new();
    STDLIB.get_or_init(|| EmbeddedTree::new(STDLIB_ZIP))
}

/// `RustPython 0.6.0` for its bytecode format.
pub fn describe(bytecode: &str) -> Option<String> {
    (bytecode == facts::BYTECODE_FORMAT).then(|| facts::NAME.to_string())
}

impl Runtime for RustPython {
    fn name(&self) -> String {
        facts::NAME.to_string()
    }

    fn kind(&self) -> RuntimeKind {
        RuntimeKind::RustPython
    }

    fn python_version(&self) -> (u32, u32, u32) {
        facts::PYTHON_VERSION
    }

    fn builtin_modules(&self, target: &Target) -> Vec<String> {
        facts::builtin_modules(target)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    fn stdlib(&self) -> Stdlib {
        Stdlib::Embedded(stdlib())
    }

    fn has_stdlib_module(&self, name: &str) -> bool {
        let lib = stdlib();
        lib.is_file(&format!("{name}.py")) || lib.is_file(&format!("{name}/__init__.py"))
    }

    fn loads_extensions(&self) -> bool {
        false
    }

    fn bytecode_format(&self) -> String {
        facts::BYTECODE_FORMAT.to_string()
    }

    fn compile(
        &self,
        text: &str,
        virtual_path: &str,
        display: &str,
        optimize: u8,
    ) -> Result<Vec<u8>, SyntaxDiagnostic> {
        compile(text, virtual_path, display, optimize)
    }
}

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread runs the compiler under `catch_unwind`: a panic
/// there is reported as the file's compile error, not as a pyfreeze bug.
pub fn in_guarded_compile() -> bool {
    GUARDED.with(Cell::get)
}

fn compile(
    text: &str,
    virtual_path: &str,
    display: &str,
    optimize: u8,
) -> Result<Vec<u8>, SyntaxDiagnostic> {
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
        Ok(Err(err)) => return Err(from_compile_error(display, text, &err)),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(SyntaxDiagnostic {
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

fn from_compile_error(file: &str, source: &str, err: &CompileError) -> SyntaxDiagnostic {
    let (line, column) = err.python_location();
    SyntaxDiagnostic::at(file, source, line.max(1), column.max(1), err.to_string())
}

/// A `.pyc` as RustPython reads it: magic, PEP 552 flags (hash-based,
/// unchecked), 8 bytes of the source's sha256, then `marshal.dumps(code)`.
fn pyc(text: &str, code: &rustpython_compiler::CodeObject) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::with_capacity(text.len());
    out.extend_from_slice(&facts::PYC_MAGIC);
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
        assert_eq!(&pyc[..4], &facts::PYC_MAGIC);
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

    /// The fixes in vendor/rustpython-compiler and vendor/rustpython-codegen.
    #[test]
    fn rustpython_patches_compile() {
        // A comment mentioning `for` inside call arguments (docutils).
        compile(
            "f(release=True  # True for releases\n  )\n",
            "m.py",
            "m.py",
            0,
        )
        .unwrap();
        // A conditional annotation in a class nested in a class (SQLAlchemy).
        let nested = "class A:\n    class B:\n        if x:\n            a: int = 1\n";
        compile(nested, "m.py", "m.py", 0).unwrap();
        // Real errors are still errors.
        assert!(compile("f(x = i for i in y)\n", "m.py", "m.py", 0).is_err());
    }

    /// Compiling a literal of n elements takes time linear in n (the
    /// patched constant pool; it was quadratic: 33 s for 100k elements).
    /// A ratio, not a time: 4x the elements may cost 4x, never 16x (the
    /// bound leaves room for noise from tests running alongside).
    #[test]
    fn huge_literals_compile_in_linear_time() {
        let best_of_5 = |n: usize, set: bool| {
            let items: Vec<String> = (0..n).map(|i| format!("{i}.5")).collect();
            let (open, close) = if set { ("{", "}") } else { ("[", "]") };
            let src = format!(
                "X = {open}{}{close}\nY = 1 in {open}{}{close}\n",
                items.join(", "),
                items.join(", ")
            );
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    compile(&src, "m.py", "m.py", 0).unwrap();
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::MAX, f64::min)
        };
        for set in [false, true] {
            let (small, big) = (best_of_5(40_000, set), best_of_5(160_000, set));
            assert!(
                big < small * 10.0,
                "4x the elements took {:.1}x the time (set: {set})",
                big / small
            );
        }
    }

    #[test]
    fn the_stdlib_is_carried() {
        let lib = stdlib();
        assert!(lib.is_file("os.py") && lib.is_dir("encodings"));
        assert!(RustPython.diagnose("x = (\n", "m.py").is_some());
        assert!(RustPython.diagnose("x = 1\n", "m.py").is_none());
    }
}
