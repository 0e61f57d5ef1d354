//! Finding the imports in one module's syntax tree.
//!
//! Counted as imports: `import a.b`, `from p import x` (x may be a submodule),
//! relative imports, imports nested in functions, classes, `try` and `with`
//! blocks, `__import__("lit")` and `importlib.import_module("lit"[, "pkg"])`.
//! Imports under a `try` that catches ImportError (or `contextlib.suppress(
//! ImportError)`) are optional. Branches that are statically dead *for the
//! target* are skipped: `if TYPE_CHECKING:`, `sys.platform`/`os.name` tests for
//! another platform, `sys.version_info` tests the runtime's version fails.

use super::condition::{Conditions, string_literal};
use crate::diagnostics::SyntaxDiagnostic;
use pyfreeze_bundle::target::Target;
use rustpython_compiler::ast::visitor::{Visitor, walk_expr, walk_stmt};
use rustpython_compiler::ast::{self as ast, Expr, Stmt};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Dotted name as written, without leading dots (`""` for `from . import x`).
    pub module: String,
    /// 0 for absolute imports, the number of leading dots otherwise.
    pub level: u32,
    /// Names after `from ... import` (`*` included); empty for `import x`.
    pub names: Vec<String>,
    /// For `importlib.import_module(".x", "pkg")`: the package the dots count from.
    pub anchor: Option<String>,
    /// 1-based line of the import.
    pub line: u32,
    /// Inside a block that handles ImportError.
    pub optional: bool,
    /// Inside a function body: runs only when the function is called.
    pub delayed: bool,
    /// Only a guess (a name in a compiled extension): followed only if
    /// the module exists.
    pub only_if_found: bool,
    /// In an `except ImportError:` handler: a fallback for these imports of
    /// the `try` body (module, level), needed only if one of them fails.
    pub fallback_for: Vec<(String, u32)>,
    /// Not read in source: seen happen at import time (CPython), or added
    /// by a package rule (see `Edge`).
    pub observed: bool,
    pub by_rule: bool,
}

/// What one module's source says.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub imports: Vec<Import>,
    /// Entry-point groups it reads by a literal name
    /// (`entry_points(group="flake8.extension")`).
    pub entry_point_groups: Vec<String>,
    /// Distributions whose metadata it reads by a literal name
    /// (`importlib.metadata.version("jinja2")`).
    pub distributions: Vec<String>,
    /// Lines of imports by computed names (`import_module(name)`) that no
    /// ImportError handler guards.
    pub computed_imports: Vec<u32>,
    /// Literal names of dynamic imports that are not module names
    /// (`import_module("a b")`), with their lines.
    pub invalid_names: Vec<(String, u32)>,
    /// String literals that read as dotted paths (`"pkg.mod.Class"`), with
    /// their lines: plug-ins, extensions, handlers and settings named by a
    /// string that some `import_string` imports later. Docstrings and other
    /// bare strings are not read.
    pub dotted_strings: Vec<(String, u32)>,
    /// Imports under `if TYPE_CHECKING:`, which never run; but a package
    /// that loads its submodules lazily (`__getattr__` and
    /// `import_module(".sessions", __name__)`: openai's generated SDK)
    /// lists them there.
    pub type_checking_imports: Vec<Import>,
}

/// How to read a module.
#[derive(Debug, Clone, Copy)]
pub struct ScanMode<'a> {
    /// The module runs as `__main__` (the entry script): it decides
    /// `if __name__ == "__main__":` blocks, which every other module skips.
    pub is_main: bool,
    /// Module-level functions whose imports are not followed (package rules'
    /// `skip-functions`, e.g. a stdlib module's `python -m` interface).
    pub skip_functions: &'a [String],
    /// `sys.version_info` of the runtime.
    pub python_version: (u32, u32, u32),
}

pub fn scan(
    module: &ast::ModModule,
    source: &str,
    target: &Target,
    mode: ScanMode<'_>,
) -> ScanResult {
    let (major, minor, micro) = mode.python_version;
    let mut scanner = Scanner {
        cond: Conditions {
            target,
            is_main: mode.is_main,
            version: [major, minor, micro].map(i64::from),
            known: std::collections::HashMap::new(),
        },
        branches: 0,
        resource_names: ["resources", "importlib_resources", "pkgutil"]
            .map(String::from)
            .into(),
        metadata_names: ["metadata", "importlib_metadata", "pkg_resources"]
            .map(String::from)
            .into(),
        find_spec_names: ["find_spec"].map(String::from).into(),
        guard_flags: std::collections::HashSet::new(),
        fallback_for: Vec::new(),
        lines: LineIndex::new(source),
        optional: 0,
        functions: 0,
        result: ScanResult::default(),
    };
    for stmt in &module.body {
        if let Stmt::FunctionDef(f) = stmt
            && mode.skip_functions.iter().any(|s| s == f.name.as_str())
        {
            continue;
        }
        scanner.visit_stmt(stmt);
    }
    scanner.result
}

struct Scanner<'t> {
    /// Which branches can run.
    cond: Conditions<'t>,
    /// Inside an `if`, `try`, loop or `with`: assignments there are not
    /// definite, so they make a name unknown rather than known.
    branches: u32,
    /// Names bound to `importlib.resources` / `pkgutil` (and their resource
    /// functions) by this module's imports, e.g. `import importlib.resources as r`.
    resource_names: std::collections::HashSet<String>,
    /// Names bound to `importlib.metadata` / `pkg_resources` and their
    /// lookup functions (`from importlib.metadata import version`).
    metadata_names: std::collections::HashSet<String>,
    /// Names bound to `importlib.util.find_spec`.
    find_spec_names: std::collections::HashSet<String>,
    /// Names that say whether an optional import worked: bound by an import
    /// inside `try`, or assigned in its `except ImportError` handler
    /// (`has_lxml = False`): `if has_lxml:` guards what it holds.
    guard_flags: std::collections::HashSet<String>,
    /// Inside `except ImportError:`: the `try` body's imports.
    fallback_for: Vec<(String, u32)>,
    lines: LineIndex,
    optional: u32,
    functions: u32,
    result: ScanResult,
}

impl Scanner<'_> {
    fn push(
        &mut self,
        module: &str,
        level: u32,
        names: Vec<String>,
        anchor: Option<String>,
        offset: u32,
    ) {
        self.result.imports.push(Import {
            module: module.to_string(),
            level,
            names,
            anchor,
            line: self.lines.line_of(offset),
            optional: self.optional > 0,
            delayed: self.functions > 0,
            only_if_found: false,
            fallback_for: self.fallback_for.clone(),
            observed: false,
            by_rule: false,
        });
    }

    fn guarded<F: FnOnce(&mut Self)>(&mut self, guard: bool, f: F) {
        self.optional += u32::from(guard);
        f(self);
        self.optional -= u32::from(guard);
    }

    /// `importlib.resources.files("pkg")`, `pkgutil.get_data("pkg", ...)` and
    /// the like name a package whose data the program reads: bundle it.
    /// Counted as optional, since a function of the same name could mean
    /// anything else.
    fn resource_package(&mut self, call: &ast::ExprCall) {
        const RESOURCE_FUNCTIONS: [&str; 8] = [
            "files",
            "read_text",
            "read_binary",
            "open_text",
            "open_binary",
            "path",
            "contents",
            "is_resource",
        ];
        let matches = match &*call.func {
            // `files("pkg")` after `from importlib.resources import files`.
            Expr::Name(n) => self.resource_names.contains(n.id.as_str()),
            Expr::Attribute(a) => {
                let receiver = match &*a.value {
                    Expr::Name(n) => n.id.as_str(),
                    Expr::Attribute(inner) => inner.attr.as_str(),
                    _ => "",
                };
                self.resource_names.contains(receiver)
                    && (RESOURCE_FUNCTIONS.contains(&a.attr.as_str())
                        || a.attr.as_str() == "get_data")
            }
            _ => false,
        };
        let Some(Expr::StringLiteral(lit)) = call.arguments.args.first() else {
            return;
        };
        let name = lit.value.to_str();
        let is_dotted_name = !name.is_empty()
            && name
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c == '_' || c.is_alphanumeric()));
        if matches && is_dotted_name {
            let offset = call.range_start.to_u32();
            self.optional += 1;
            self.push(name, 0, Vec::new(), None, offset);
            self.optional -= 1;
        }
    }

    /// `entry_points(group="g")`, `entry_points().select(group="g")`,
    /// `pkg_resources.iter_entry_points("g")`, stevedore's
    /// `ExtensionManager(namespace="g")`: a plug-in group read by name.
    fn entry_point_group(&mut self, call: &ast::ExprCall) {
        let func = match &*call.func {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return,
        };
        let group = match func {
            "entry_points" | "select" => call
                .arguments
                .keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "group"))
                .and_then(|k| string_literal(&k.value)),
            "iter_entry_points" => call.arguments.args.first().and_then(string_literal),
            // stevedore's managers take the group as `namespace`.
            "ExtensionManager"
            | "NamedExtensionManager"
            | "EnabledExtensionManager"
            | "DispatchExtensionManager"
            | "NameDispatchExtensionManager"
            | "DriverManager"
            | "HookManager" => call
                .arguments
                .keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "namespace"))
                .map(|k| &k.value)
                .or(call.arguments.args.first())
                .and_then(string_literal),
            _ => None,
        };
        if let Some(group) = group {
            self.result.entry_point_groups.push(group.to_string());
        }
    }

    /// `importlib.metadata.version("jinja2")`, `metadata("x")`,
    /// `pkg_resources.get_distribution("x")`: a distribution's metadata read
    /// by name.
    fn distribution_lookup(&mut self, call: &ast::ExprCall) {
        const LOOKUPS: [&str; 7] = [
            "version",
            "metadata",
            "distribution",
            "requires",
            "get_distribution",
            "require",
            "packages_distributions",
        ];
        let matches = match &*call.func {
            Expr::Name(n) => {
                self.metadata_names.contains(n.id.as_str()) && LOOKUPS.contains(&n.id.as_str())
            }
            Expr::Attribute(a) => {
                let receiver = match &*a.value {
                    Expr::Name(n) => n.id.as_str(),
                    Expr::Attribute(inner) => inner.attr.as_str(),
                    _ => "",
                };
                self.metadata_names.contains(receiver) && LOOKUPS.contains(&a.attr.as_str())
            }
            _ => false,
        };
        if matches && let Some(name) = call.arguments.args.first().and_then(string_literal) {
            let name = name
                .split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .next()
                .unwrap_or(name);
            if !name.is_empty() {
                self.result.distributions.push(name.to_string());
            }
        }
    }

    /// Whether `if test:` tests a flag an ImportError handler set (or a
    /// module an optional import bound): then its body runs only where the
    /// import worked.
    fn tests_guard_flag(&self, test: &Expr) -> bool {
        match test {
            Expr::Name(n) => self.guard_flags.contains(n.id.as_str()),
            Expr::BoolOp(b) if b.op == ast::BoolOp::And => {
                b.values.iter().any(|v| self.tests_guard_flag(v))
            }
            Expr::Compare(c) if c.ops.len() == 1 && c.ops[0] == ast::CmpOp::IsNot => {
                self.tests_guard_flag(&c.left) && matches!(c.comparators[0], Expr::NoneLiteral(_))
            }
            _ => false,
        }
    }

    /// `__import__("x")`, `importlib.import_module("x")`, `import_module(".x", "pkg")`.
    fn dynamic_import(&mut self, call: &ast::ExprCall) {
        let is_dunder = matches!(&*call.func, Expr::Name(n) if n.id.as_str() == "__import__");
        let is_import_module = match &*call.func {
            Expr::Name(n) => n.id.as_str() == "import_module",
            Expr::Attribute(a) => {
                a.attr.as_str() == "import_module"
                    && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "importlib")
            }
            _ => false,
        };
        let is_find_spec = match &*call.func {
            Expr::Name(n) => self.find_spec_names.contains(n.id.as_str()),
            Expr::Attribute(a) => {
                a.attr.as_str() == "find_spec"
                    && matches!(&*a.value, Expr::Attribute(u) if u.attr.as_str() == "util")
            }
            _ => false,
        };
        if is_find_spec {
            // A probe: `None` when the module is missing, so optional.
            if let Some(Expr::StringLiteral(lit)) = call.arguments.args.first() {
                let name = lit.value.to_str().to_string();
                if !name.starts_with('.') {
                    self.optional += 1;
                    self.push(&name, 0, Vec::new(), None, call.range_start.to_u32());
                    self.optional -= 1;
                }
            }
            return;
        }
        if !is_dunder && !is_import_module {
            return;
        }
        let Some(Expr::StringLiteral(lit)) = call.arguments.args.first() else {
            if self.optional == 0 && !call.arguments.args.is_empty() {
                let line = self.lines.line_of(call.range_start.to_u32());
                self.result.computed_imports.push(line);
            }
            return;
        };
        let name = lit.value.to_str();
        let level = name.chars().take_while(|&c| c == '.').count() as u32;
        let anchor = if is_import_module && level > 0 {
            match call.arguments.args.get(1) {
                Some(Expr::StringLiteral(pkg)) => Some(pkg.value.to_str().to_string()),
                _ => return, // relative to a package we cannot know statically
            }
        } else {
            None
        };
        if is_dunder && level > 0 {
            return;
        }
        let offset = call.range_start.to_u32();
        let bare = &name[level as usize..];
        let valid = pyfreeze_bundle::reader::is_module_name(bare) || (bare.is_empty() && level > 0);
        if !valid {
            let line = self.lines.line_of(offset);
            self.result.invalid_names.push((name.to_string(), line));
            return;
        }
        self.push(bare, level, Vec::new(), anchor, offset);
    }
}

/// Names a statement binds by importing (`import a.b` binds `a`).
fn bound_names(stmt: &Stmt, out: &mut std::collections::HashSet<String>) {
    match stmt {
        Stmt::Import(s) => {
            for alias in &s.names {
                let name = alias.asname.as_ref().map_or_else(
                    || alias.name.as_str().split('.').next().unwrap_or_default(),
                    |a| a.as_str(),
                );
                out.insert(name.to_string());
            }
        }
        Stmt::ImportFrom(s) => {
            for alias in &s.names {
                out.insert(alias.asname.as_ref().unwrap_or(&alias.name).to_string());
            }
        }
        _ => assigned_names(stmt, out),
    }
}

/// Names a statement assigns (`has_x = False`, `x = None`).
fn assigned_names(stmt: &Stmt, out: &mut std::collections::HashSet<String>) {
    if let Stmt::Assign(a) = stmt {
        for target in &a.targets {
            if let Expr::Name(n) = target {
                out.insert(n.id.to_string());
            }
        }
    }
}

/// Handlers that catch a failed import: ImportError, ModuleNotFoundError,
/// Exception, BaseException, or a bare `except:`.
fn catches_import_error(handler: &ast::ExceptHandler) -> bool {
    let ast::ExceptHandler::ExceptHandler(h) = handler;
    match h.type_.as_deref() {
        None => true,
        Some(t) => names_import_error(t),
    }
}

fn names_import_error(e: &Expr) -> bool {
    const CATCHING: [&str; 4] = [
        "ImportError",
        "ModuleNotFoundError",
        "Exception",
        "BaseException",
    ];
    match e {
        Expr::Name(n) => CATCHING.contains(&n.id.as_str()),
        Expr::Attribute(a) => CATCHING.contains(&a.attr.as_str()),
        Expr::Tuple(t) => t.elts.iter().any(names_import_error),
        _ => false,
    }
}

/// `with contextlib.suppress(ImportError):` / `with suppress(ImportError):`
fn suppresses_import_error(item: &ast::WithItem) -> bool {
    let Expr::Call(call) = &item.context_expr else {
        return false;
    };
    let is_suppress = match &*call.func {
        Expr::Name(n) => n.id.as_str() == "suppress",
        Expr::Attribute(a) => a.attr.as_str() == "suppress",
        _ => false,
    };
    is_suppress && call.arguments.args.iter().any(names_import_error)
}

impl<'a> Visitor<'a> for Scanner<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(s) => {
                for alias in &s.names {
                    let name = alias.name.as_str();
                    if matches!(
                        name,
                        "importlib.resources" | "importlib_resources" | "pkgutil"
                    ) && let Some(bound) = &alias.asname
                    {
                        self.resource_names.insert(bound.to_string());
                    }
                    if matches!(
                        name,
                        "importlib.metadata" | "importlib_metadata" | "pkg_resources"
                    ) && let Some(bound) = &alias.asname
                    {
                        self.metadata_names.insert(bound.to_string());
                    }
                    self.push(
                        alias.name.as_str(),
                        0,
                        Vec::new(),
                        None,
                        alias.range.start().to_u32(),
                    );
                }
            }
            Stmt::ImportFrom(s) => {
                let names = s
                    .names
                    .iter()
                    .map(|a| a.name.as_str().to_string())
                    .collect();
                let module = s.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                for alias in &s.names {
                    let bound = alias
                        .asname
                        .as_ref()
                        .map_or(alias.name.as_str(), |a| a.as_str());
                    let is_resource_api = match module {
                        "importlib" => alias.name.as_str() == "resources",
                        "importlib.resources" | "importlib_resources" => true,
                        "pkgutil" => alias.name.as_str() == "get_data",
                        _ => false,
                    };
                    if is_resource_api {
                        self.resource_names.insert(bound.to_string());
                    }
                    if matches!(
                        module,
                        "importlib.metadata" | "importlib_metadata" | "pkg_resources"
                    ) || (module == "importlib" && alias.name.as_str() == "metadata")
                    {
                        self.metadata_names.insert(bound.to_string());
                    }
                    if module == "importlib.util" && alias.name.as_str() == "find_spec" {
                        self.find_spec_names.insert(bound.to_string());
                    }
                }
                self.push(module, s.level, names, None, s.range.start().to_u32());
            }
            Stmt::For(_) | Stmt::While(_) => {
                self.branches += 1;
                walk_stmt(self, stmt);
                self.branches -= 1;
            }
            Stmt::Try(s) => {
                self.branches += 1;
                let guard = s.handlers.iter().any(catches_import_error);
                let first = self.result.imports.len();
                self.guarded(guard, |me| {
                    for st in &s.body {
                        me.visit_stmt(st);
                    }
                });
                if guard {
                    // What the try body imported, and the names it bound,
                    // say whether the import worked.
                    let tried: Vec<(String, u32)> = self.result.imports[first..]
                        .iter()
                        .map(|i| (i.module.clone(), i.level))
                        .collect();
                    // `else:` runs only when the import worked: what it
                    // binds is a flag too (`else: HAS_C = True`, wcwidth).
                    for st in s.body.iter().chain(&s.orelse) {
                        bound_names(st, &mut self.guard_flags);
                    }
                    for handler in &s.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = handler;
                        for st in &h.body {
                            assigned_names(st, &mut self.guard_flags);
                        }
                    }
                    let outer = std::mem::replace(&mut self.fallback_for, tried);
                    for handler in &s.handlers {
                        self.visit_except_handler(handler);
                    }
                    self.fallback_for = outer;
                } else {
                    for handler in &s.handlers {
                        self.visit_except_handler(handler);
                    }
                }
                // An `else:` runs only if the guarded imports worked.
                self.guarded(guard, |me| {
                    for st in &s.orelse {
                        me.visit_stmt(st);
                    }
                });
                for st in &s.finalbody {
                    self.visit_stmt(st);
                }
                self.branches -= 1;
            }
            // Docstrings, and strings standing alone: words, not names.
            Stmt::Expr(e) if matches!(*e.value, Expr::StringLiteral(_)) => {}
            Stmt::FunctionDef(_) => {
                self.functions += 1;
                walk_stmt(self, stmt);
                self.functions -= 1;
            }
            Stmt::Assign(a) if self.functions == 0 => {
                let value = if self.branches == 0 {
                    self.cond.eval(&a.value)
                } else {
                    None
                };
                for target in &a.targets {
                    if let Expr::Name(n) = target {
                        match value {
                            Some(v) => self.cond.known.insert(n.id.to_string(), v),
                            None => self.cond.known.remove(n.id.as_str()),
                        };
                    }
                }
                walk_stmt(self, stmt);
            }
            Stmt::With(s) => {
                let guard = s.items.iter().any(suppresses_import_error);
                self.branches += 1;
                self.guarded(guard, |me| walk_stmt(me, stmt));
                self.branches -= 1;
            }
            Stmt::If(s) => {
                let clauses = std::iter::once((Some(&*s.test), &s.body[..])).chain(
                    s.elif_else_clauses
                        .iter()
                        .map(|c| (c.test.as_ref(), &c.body[..])),
                );
                for (test, body) in clauses {
                    let value = test.and_then(|t| self.cond.eval(t));
                    if let Some(t) = test {
                        self.visit_expr(t);
                    }
                    if value == Some(false) {
                        if test.is_some_and(is_type_checking) {
                            let before = self.result.imports.len();
                            self.branches += 1;
                            self.optional += 1;
                            self.functions += 1;
                            for st in body {
                                self.visit_stmt(st);
                            }
                            self.branches -= 1;
                            self.optional -= 1;
                            self.functions -= 1;
                            let typing_only: Vec<Import> =
                                self.result.imports.drain(before..).collect();
                            self.result.type_checking_imports.extend(typing_only);
                        }
                        continue; // dead on the target
                    }
                    self.branches += 1;
                    let guarded = test.is_some_and(|t| self.tests_guard_flag(t));
                    self.guarded(guarded, |me| {
                        for st in body {
                            me.visit_stmt(st);
                        }
                    });
                    self.branches -= 1;
                    if value == Some(true) {
                        break; // later branches are dead
                    }
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::StringLiteral(s) = expr
            && s.value.to_str().len() <= 200
            && is_dotted_path(s.value.to_str())
        {
            let text = s.value.to_str();
            let line = self.lines.line_of(s.range.start().into());
            self.result.dotted_strings.push((text.to_string(), line));
        }
        if let Expr::Call(call) = expr {
            self.dynamic_import(call);
            self.resource_package(call);
            self.entry_point_group(call);
            self.distribution_lookup(call);
        }
        if let Expr::Lambda(_) = expr {
            self.functions += 1;
            walk_expr(self, expr);
            self.functions -= 1;
            return;
        }
        walk_expr(self, expr);
    }
}

/// `TYPE_CHECKING` or `typing.TYPE_CHECKING`.
fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(n) => n.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(a) => a.attr.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

/// `a.b` or `a.b.C`: two or more identifier parts, nothing else, and not a
/// file name (`setup.py`, `config.json`).
fn is_dotted_path(text: &str) -> bool {
    const FILE_SUFFIXES: &[&str] = &[
        "py", "pyc", "pyi", "pyw", "pyx", "so", "txt", "json", "toml", "cfg", "ini", "yaml", "yml",
        "md", "rst", "html", "htm", "css", "js", "csv", "tsv", "xml", "log", "zip", "gz", "tar",
        "bz2", "xz", "whl", "dll", "exe", "png", "jpg", "jpeg", "gif", "svg", "ico", "pdf", "db",
        "sqlite", "lock", "env", "sh", "bat", "spec", "tmp", "bak", "pem", "crt", "key", "com",
        "org", "net",
    ];
    if text
        .rsplit('.')
        .next()
        .is_some_and(|last| FILE_SUFFIXES.contains(&last.to_ascii_lowercase().as_str()))
    {
        return false;
    }
    let mut parts = 0;
    for part in text.split('.') {
        let mut chars = part.chars();
        let starts = chars
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
        if !starts || !chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

/// A parser error as a diagnostic at its line and column.
pub fn parse_error(
    file: &str,
    source: &str,
    err: &rustpython_compiler::parser::ParseError,
) -> SyntaxDiagnostic {
    let offset = usize::from(err.location.start()).min(source.len());
    let mut start = offset;
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    let before = &source[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..start].chars().count() + 1;
    SyntaxDiagnostic::at(file, source, line, column, err.error.to_string())
}

/// Byte offset to 1-based line number.
struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    fn new(source: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i as u32 + 1))
            .collect();
        LineIndex { starts }
    }

    fn line_of(&self, offset: u32) -> u32 {
        self.starts.partition_point(|&s| s <= offset) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V314: (u32, u32, u32) = (3, 14, 0);

    fn mode(is_main: bool, skip_functions: &[String]) -> ScanMode<'_> {
        ScanMode {
            is_main,
            skip_functions,
            python_version: V314,
        }
    }

    fn imports(src: &str, triple: &str) -> Vec<Import> {
        let parsed = rustpython_compiler::parser::parse_module(src).unwrap();
        scan(
            parsed.syntax(),
            src,
            &Target::parse(triple).unwrap(),
            mode(false, &[]),
        )
        .imports
    }

    fn names(src: &str) -> Vec<(String, u32, bool)> {
        imports(src, "x86_64-unknown-linux-gnu")
            .into_iter()
            .map(|i| (i.module, i.level, i.optional))
            .collect()
    }

    fn n(m: &str, level: u32, optional: bool) -> (String, u32, bool) {
        (m.to_string(), level, optional)
    }

    #[test]
    fn statements_everywhere() {
        let src = "import a.b, c\nfrom d import e\nfrom . import f\nfrom ..g import h\n\
                   def fn():\n    import inner\nclass K:\n    import in_class\n";
        assert_eq!(
            names(src),
            [
                n("a.b", 0, false),
                n("c", 0, false),
                n("d", 0, false),
                n("", 1, false),
                n("g", 2, false),
                n("inner", 0, false),
                n("in_class", 0, false)
            ]
        );
        let all = imports(src, "x86_64-unknown-linux-gnu");
        assert_eq!(all[2].names, ["e"]);
        assert_eq!(all[5].line, 6);
        let delayed: Vec<bool> = all.iter().map(|i| i.delayed).collect();
        // Only the function body is delayed; a class body runs at import.
        assert_eq!(delayed, [false, false, false, false, false, true, false]);
    }

    #[test]
    fn optional_imports() {
        let src = "try:\n    import fast\nexcept ImportError:\n    import slow\n\
                   try:\n    import guarded2\nexcept (ValueError, ModuleNotFoundError):\n    pass\n\
                   try:\n    import unguarded\nexcept ValueError:\n    pass\n\
                   import contextlib\nwith contextlib.suppress(ImportError):\n    import maybe\n";
        assert_eq!(
            names(src),
            [
                n("fast", 0, true),
                n("slow", 0, false),
                n("guarded2", 0, true),
                n("unguarded", 0, false),
                n("contextlib", 0, false),
                n("maybe", 0, true)
            ]
        );
    }

    #[test]
    fn dead_branches_for_the_target() {
        let src = "import sys, os\nfrom typing import TYPE_CHECKING\n\
                   if TYPE_CHECKING:\n    import typing_only\n\
                   if sys.platform == 'win32':\n    import winreg\nelif sys.platform.startswith('linux'):\n    import linux_only\nelse:\n    import other\n\
                   if os.name == 'nt':\n    import nt_only\n\
                   if sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli\n\
                   if sys.version_info[:2] < (3, 8):\n    import old\n\
                   if some_flag:\n    import unknown\n";
        let linux: Vec<String> = imports(src, "x86_64-unknown-linux-gnu")
            .into_iter()
            .map(|i| i.module)
            .collect();
        assert_eq!(
            linux,
            ["sys", "os", "typing", "linux_only", "tomllib", "unknown"]
        );
        let windows: Vec<String> = imports(src, "x86_64-pc-windows-msvc")
            .into_iter()
            .map(|i| i.module)
            .collect();
        assert_eq!(
            windows,
            [
                "sys", "os", "typing", "winreg", "nt_only", "tomllib", "unknown"
            ]
        );
        let mac: Vec<String> = imports(src, "aarch64-apple-darwin")
            .into_iter()
            .map(|i| i.module)
            .collect();
        assert_eq!(mac, ["sys", "os", "typing", "other", "tomllib", "unknown"]);
    }

    #[test]
    fn packages_named_for_their_resources() {
        let src = "import importlib.resources as r, pkgutil\nfrom importlib.resources import files\n\
                   r.files('pkg_a')\nimportlib.resources.read_text('pkg_b', 'x.txt')\n\
                   pkgutil.get_data('pkg_c', 'd.bin')\nfiles('pkg_d')\nother.files('nope')\nr.files(name)\n\
                   def f():\n    files = lambda x: x\n";
        let found: Vec<(String, bool)> = imports(src, "x86_64-unknown-linux-gnu")
            .into_iter()
            .filter(|i| i.module.starts_with("pkg_") || i.module == "nope")
            .map(|i| (i.module, i.optional))
            .collect();
        assert_eq!(
            found,
            [
                ("pkg_a".into(), true),
                ("pkg_b".into(), true),
                ("pkg_c".into(), true),
                ("pkg_d".into(), true)
            ]
        );
    }

    #[test]
    fn main_guard_blocks_count_only_in_the_entry_script() {
        let src = "import a\nif __name__ == '__main__':\n    import doctest\n";
        let parsed = rustpython_compiler::parser::parse_module(src).unwrap();
        let target = Target::parse("x86_64-unknown-linux-gnu").unwrap();
        let count = |is_main| {
            scan(parsed.syntax(), src, &target, mode(is_main, &[]))
                .imports
                .len()
        };
        assert_eq!((count(false), count(true)), (1, 2));
    }

    #[test]
    fn rule_named_functions_can_be_skipped() {
        let src = "import a\ndef _main():\n    import argparse\ndef helper():\n    import lazy\n";
        let parsed = rustpython_compiler::parser::parse_module(src).unwrap();
        let target = Target::parse("x86_64-unknown-linux-gnu").unwrap();
        let found = |skip: &[String]| -> Vec<String> {
            scan(parsed.syntax(), src, &target, mode(false, skip))
                .imports
                .into_iter()
                .map(|i| i.module)
                .collect()
        };
        assert_eq!(found(&[]), ["a", "argparse", "lazy"]);
        assert_eq!(found(&["_main".to_string()]), ["a", "lazy"]);
    }

    #[test]
    fn version_checks_follow_the_runtime() {
        let src = "import sys\nif sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli\n";
        let parsed = rustpython_compiler::parser::parse_module(src).unwrap();
        let target = Target::parse("x86_64-unknown-linux-gnu").unwrap();
        let found = |python_version| -> Vec<String> {
            let mode = ScanMode {
                is_main: false,
                skip_functions: &[],
                python_version,
            };
            scan(parsed.syntax(), src, &target, mode)
                .imports
                .into_iter()
                .map(|i| i.module)
                .collect()
        };
        assert_eq!(found((3, 10, 4)), ["sys", "tomli"]);
        assert_eq!(found((3, 11, 0)), ["sys", "tomllib"]);
    }

    #[test]
    fn module_level_flags_decide_later_branches() {
        let src = "import sys\n_mswindows = (sys.platform == 'win32')\n\
                   if _mswindows:\n    import _winapi\nelse:\n    import _posixsubprocess\n\
                   if not _mswindows:\n    import select\n";
        let linux: Vec<String> = imports(src, "x86_64-unknown-linux-gnu")
            .into_iter()
            .map(|i| i.module)
            .collect();
        assert_eq!(linux, ["sys", "_posixsubprocess", "select"]);
        let windows: Vec<String> = imports(src, "x86_64-pc-windows-msvc")
            .into_iter()
            .map(|i| i.module)
            .collect();
        assert_eq!(windows, ["sys", "_winapi"]);
    }

    #[test]
    fn assignments_in_branches_are_not_definite() {
        let src = "try:\n    import msvcrt\nexcept ImportError:\n    _mswindows = False\nelse:\n    _mswindows = True\n\
                   if _mswindows:\n    import _winapi\nelse:\n    import selectors\n";
        let linux: Vec<String> = imports(src, "x86_64-unknown-linux-gnu")
            .into_iter()
            .map(|i| i.module)
            .collect();
        assert_eq!(linux, ["msvcrt", "_winapi", "selectors"]);
    }

    fn full(src: &str) -> ScanResult {
        let parsed = rustpython_compiler::parser::parse_module(src).unwrap();
        scan(
            parsed.syntax(),
            src,
            &Target::parse("x86_64-unknown-linux-gnu").unwrap(),
            mode(false, &[]),
        )
    }

    #[test]
    fn imports_for_type_checking_are_kept_apart() {
        let src = "import typing\nfrom typing import TYPE_CHECKING\n\
                   if TYPE_CHECKING:\n    from .client import Client\n    import annotations_only\n\
                   if typing.TYPE_CHECKING:\n    from . import other\n";
        let r = full(src);
        assert!(
            r.imports
                .iter()
                .all(|i| i.module == "typing" || i.module == "typing.TYPE_CHECKING"),
            "{:?}",
            r.imports
        );
        let lazy: Vec<(&str, u32, bool, bool)> = r
            .type_checking_imports
            .iter()
            .map(|i| (i.module.as_str(), i.level, i.optional, i.delayed))
            .collect();
        assert_eq!(
            lazy,
            [
                ("client", 1, true, true),
                ("annotations_only", 0, true, true),
                ("", 1, true, true)
            ]
        );
    }

    #[test]
    fn strings_that_name_modules_but_not_docstrings_or_words() {
        let src = "\"\"\"Docs naming pkg.docs_only.\"\"\"\n\
                   EXTENSIONS = ['pkg.ext.Jsonify', 'pkg.ext.Slug']\n\
                   def f():\n    \"\"\"See pkg.not_me.\"\"\"\n    return {'class': 'logging.handlers.Rotating'}\n\
                   'pkg.bare_string'\n\
                   words = ['e.g.', 'a b.c', 'x', 'v1.2', 'config.json', 'setup.py', 'example.com', '.rel', 'a..b', 'app.views.index']\n";
        let scanned = full(src);
        let found: Vec<(&str, u32)> = scanned
            .dotted_strings
            .iter()
            .map(|(s, l)| (s.as_str(), *l))
            .collect();
        assert_eq!(
            found,
            [
                ("pkg.ext.Jsonify", 2),
                ("pkg.ext.Slug", 2),
                ("logging.handlers.Rotating", 5),
                ("app.views.index", 7)
            ]
        );
    }

    #[test]
    fn plugins_metadata_probes_and_computed_imports() {
        let src = "import importlib, importlib.util\nfrom importlib.metadata import entry_points, version\n\
                   import pkg_resources as pr\n\
                   eps = entry_points(group='flake8.extension')\n\
                   old = entry_points().select(group='pygments.lexers')\n\
                   legacy = pr.iter_entry_points('console_scripts')\n\
                   v = version('jinja2')\nd = pr.get_distribution('requests>=2')\n\
                   s = importlib.util.find_spec('html.parser')\n\
                   m = importlib.import_module(name)\n\
                   try:\n    importlib.import_module(other)\nexcept ImportError:\n    pass\n";
        let r = full(src);
        assert_eq!(
            r.entry_point_groups,
            ["flake8.extension", "pygments.lexers", "console_scripts"]
        );
        assert_eq!(r.distributions, ["jinja2", "requests"]);
        let probe = r
            .imports
            .iter()
            .find(|i| i.module == "html.parser")
            .expect("find_spec followed");
        assert!(probe.optional);
        assert_eq!(r.computed_imports, [10], "one unguarded computed import");
    }

    #[test]
    fn fallbacks_and_availability_flags() {
        let src = "try:\n    from _thread import get_ident\n    import lxml\n    HAS = True\n\
                   except ImportError:\n    from _dummy_thread import get_ident\n    lxml = None\n    HAS = False\n\
                   if HAS:\n    from lxml import etree\n\
                   if lxml is not None:\n    import lxml.html\n\
                   if other:\n    import needed\n";
        let r = full(src).imports;
        let get = |m: &str| {
            r.iter()
                .find(|i| i.module == m)
                .unwrap_or_else(|| panic!("{m}"))
        };
        assert_eq!(
            get("_dummy_thread").fallback_for,
            [("_thread".to_string(), 0), ("lxml".to_string(), 0)]
        );
        assert!(
            !get("_dummy_thread").optional,
            "a fallback is needed when its try fails"
        );
        assert!(get("lxml").optional && get("lxml.html").optional);
        assert!(!get("needed").optional);
        assert!(get("lxml").fallback_for.is_empty());

        // A flag set in `else:` (wcwidth), and imports there.
        let src = "try:\n    import fast._c as c\nexcept ImportError:\n    pass\n\
                   else:\n    HAS_C = True\n    import fast._more\n\
                   if HAS_C:\n    from fast._c import width\n";
        let r = full(src).imports;
        for m in ["fast._c", "fast._more"] {
            let all: Vec<_> = r.iter().filter(|i| i.module == m).collect();
            assert!(!all.is_empty() && all.iter().all(|i| i.optional), "{m}");
        }
    }

    #[test]
    fn dynamic_imports_with_literals() {
        let src = "import importlib\nm = importlib.import_module('plugins.a')\n\
                   r = importlib.import_module('.b', 'plugins')\n__import__('c')\n\
                   importlib.import_module(name)\n";
        let found = imports(src, "x86_64-unknown-linux-gnu");
        let got: Vec<(String, u32, Option<String>)> = found
            .into_iter()
            .map(|i| (i.module, i.level, i.anchor))
            .collect();
        assert_eq!(
            got,
            [
                ("importlib".into(), 0, None),
                ("plugins.a".into(), 0, None),
                ("b".into(), 1, Some("plugins".into())),
                ("c".into(), 0, None)
            ]
        );
    }
}
