//! Which branches of an `if` can run on the target: `TYPE_CHECKING`,
//! `sys.platform`, `os.name`, `sys.version_info` against the runtime's
//! version, `__name__ == "__main__"`, and module-level flags set from those.

use pyfreeze_bundle::target::Target;
use rustpython_compiler::ast::{self as ast, CmpOp, Expr};
use std::collections::HashMap;

/// What a module's conditions are evaluated against.
pub(super) struct Conditions<'t> {
    pub target: &'t Target,
    /// The module runs as `__main__`.
    pub is_main: bool,
    /// `sys.version_info[:3]` of the runtime.
    pub version: [i64; 3],
    /// Module-level names bound to a value known on the target
    /// (`_mswindows = sys.platform == "win32"`), for later `if _mswindows:`.
    pub known: HashMap<String, bool>,
}

impl Conditions<'_> {
    /// Whether `expr` is statically true or false on the target; None if unknown.
    pub fn eval(&self, expr: &Expr) -> Option<bool> {
        match expr {
            Expr::BooleanLiteral(b) => Some(b.value),
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => Some(i.as_u64() != Some(0)),
                _ => None,
            },
            Expr::Name(n) if n.id.as_str() == "TYPE_CHECKING" => Some(false),
            Expr::Name(n) => self.known.get(n.id.as_str()).copied(),
            Expr::Attribute(a) if a.attr.as_str() == "TYPE_CHECKING" => Some(false),
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => self.eval(&u.operand).map(|v| !v),
            Expr::BoolOp(b) => {
                let values: Vec<Option<bool>> = b.values.iter().map(|v| self.eval(v)).collect();
                match b.op {
                    ast::BoolOp::And if values.contains(&Some(false)) => Some(false),
                    ast::BoolOp::And if values.iter().all(|v| *v == Some(true)) => Some(true),
                    ast::BoolOp::Or if values.contains(&Some(true)) => Some(true),
                    ast::BoolOp::Or if values.iter().all(|v| *v == Some(false)) => Some(false),
                    _ => None,
                }
            }
            Expr::Compare(c) if c.ops.len() == 1 => {
                self.eval_compare(&c.left, c.ops[0], &c.comparators[0])
            }
            Expr::Call(call) => {
                // sys.platform.startswith("win") / (("linux", "darwin"))
                let Expr::Attribute(method) = &*call.func else {
                    return None;
                };
                if method.attr.as_str() != "startswith"
                    || !is_attr(&method.value, "sys", "platform")
                {
                    return None;
                }
                let platform = self.target.sys_platform();
                match call.arguments.args.first()? {
                    Expr::StringLiteral(s) => Some(platform.starts_with(s.value.to_str())),
                    Expr::Tuple(t) => {
                        let prefixes: Option<Vec<&str>> =
                            t.elts.iter().map(string_literal).collect();
                        Some(prefixes?.iter().any(|p| platform.starts_with(p)))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn eval_compare(&self, left: &Expr, op: CmpOp, right: &Expr) -> Option<bool> {
        // A known string on one side, a literal on the other.
        let known = |e: &Expr| -> Option<&'static str> {
            if matches!(e, Expr::Name(n) if n.id.as_str() == "__name__") {
                Some(if self.is_main {
                    "__main__"
                } else {
                    "<imported>"
                })
            } else if is_attr(e, "sys", "platform") {
                Some(self.target.sys_platform())
            } else if is_attr(e, "os", "name") {
                Some(self.target.os_name())
            } else {
                None
            }
        };
        if let Some(value) = known(left).or_else(|| known(right)) {
            let other = if known(left).is_some() { right } else { left };
            return match (op, other) {
                (CmpOp::Eq, _) => Some(value == string_literal(other)?),
                (CmpOp::NotEq, _) => Some(value != string_literal(other)?),
                (CmpOp::In | CmpOp::NotIn, Expr::Tuple(_) | Expr::List(_) | Expr::Set(_)) => {
                    let items = match other {
                        Expr::Tuple(t) => &t.elts[..],
                        Expr::List(l) => &l.elts[..],
                        Expr::Set(s) => &s.elts[..],
                        _ => return None,
                    };
                    let items: Option<Vec<&str>> = items.iter().map(string_literal).collect();
                    let found = items?.contains(&value);
                    Some(if op == CmpOp::In { found } else { !found })
                }
                _ => None,
            };
        }
        // sys.version_info (or a prefix slice of it) against a tuple of ints.
        let ours = version_operand(left, &self.version)?;
        let theirs = int_tuple(right)?;
        // Lexicographic, a proper prefix first: as Python compares tuples.
        let ordering = ours.cmp(&theirs[..]);
        Some(match op {
            CmpOp::Lt => ordering.is_lt(),
            CmpOp::LtE => ordering.is_le(),
            CmpOp::Gt => ordering.is_gt(),
            CmpOp::GtE => ordering.is_ge(),
            CmpOp::Eq => ordering.is_eq(),
            CmpOp::NotEq => !ordering.is_eq(),
            _ => return None,
        })
    }
}

/// `sys.version_info`, `sys.version_info[:N]` -> the version as that tuple.
fn version_operand<'v>(e: &Expr, full: &'v [i64; 3]) -> Option<&'v [i64]> {
    if is_attr(e, "sys", "version_info") {
        // version_info has 5 fields; against a short tuple only the prefix matters
        // unless equal, which a 3-tuple (3, 14, 0) models closely enough.
        return Some(&full[..]);
    }
    if let Expr::Subscript(s) = e
        && is_attr(&s.value, "sys", "version_info")
        && let Expr::Slice(slice) = &*s.slice
        && slice.lower.is_none()
        && slice.step.is_none()
        && let Some(Expr::NumberLiteral(n)) = slice.upper.as_deref()
        && let ast::Number::Int(i) = &n.value
    {
        let n = i.as_u64()? as usize;
        return full.get(..n.min(3));
    }
    None
}

fn int_tuple(e: &Expr) -> Option<Vec<i64>> {
    let Expr::Tuple(t) = e else { return None };
    t.elts
        .iter()
        .map(|e| match e {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => i.as_i64(),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn is_attr(e: &Expr, object: &str, attr: &str) -> bool {
    matches!(e, Expr::Attribute(a)
        if a.attr.as_str() == attr && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == object))
}

pub(super) fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.to_str()),
        _ => None,
    }
}
