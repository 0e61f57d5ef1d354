//! The CPython runtime finds modules and libraries through its index
//! (`__pyfreeze__/index.marshal`), not the manifest: `verify` reads the
//! index back and checks that it says what the manifest says, so that what
//! runs is what `inspect` shows. A bundle whose manifest was rewritten (its
//! checksums recomputed) to list other files than the index is damaged.

use pyfreeze_bundle::runtime::cpython::INDEX_PATH;
use pyfreeze_bundle::{Bundle, MANIFEST_PATH};
use serde_json::Value;
use std::collections::BTreeSet;

/// How the index and the manifest disagree, one line each; empty when they
/// agree, or when the bundle has no index (a RustPython bundle's runtime
/// reads the manifest itself).
pub fn disagreements(bundle: &Bundle<'_>) -> Vec<String> {
    let Some(record) = bundle.manifest.file(INDEX_PATH) else {
        return Vec::new();
    };
    let bytes = match bundle.read(record) {
        Ok(b) => b,
        Err(e) => return vec![format!("{INDEX_PATH}: {e}")],
    };
    let index = match Marshal::new(&bytes).value() {
        Ok(v) => v,
        Err(e) => return vec![format!("{INDEX_PATH}: unreadable: {e}")],
    };
    let mut problems = Vec::new();
    let mut say = |what: String| problems.push(format!("{INDEX_PATH}: {what}"));
    let m = &bundle.manifest;

    // Modules: the same names, each with the same kind and files.
    let empty = serde_json::Map::new();
    let modules = index["modules"].as_object().unwrap_or(&empty);
    let libraries: BTreeSet<&str> = m.libraries.iter().map(|l| l.path.as_str()).collect();
    for r in &m.modules {
        let Some(entry) = modules.get(&r.name) else {
            say(format!("module {} of the manifest is missing", r.name));
            continue;
        };
        let kind = r.kind.as_str();
        let opt = |v: &Option<String>| v.as_deref().map_or(Value::Null, Value::from);
        let expected = [
            Value::from(kind),
            Value::from(r.path.as_str()),
            opt(&r.code),
            opt(&r.source),
        ];
        if entry.as_array().map(|a| a.get(..4)) != Some(Some(&expected[..])) {
            say(format!("module {} differs from the manifest's", r.name));
        }
        for need in entry[4].as_array().into_iter().flatten() {
            if !need.as_str().is_some_and(|n| libraries.contains(n)) {
                say(format!(
                    "module {} needs a library the manifest lacks: {need}",
                    r.name
                ));
            }
        }
    }
    for name in modules.keys() {
        if m.module(name).is_none() {
            say(format!("module {name} is not in the manifest"));
        }
    }

    // Files: the manifest's, and the manifest itself.
    let listed: BTreeSet<&str> = index["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let known: BTreeSet<&str> = m
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain([MANIFEST_PATH])
        .collect();
    for extra in listed.difference(&known) {
        say(format!("file {extra} is not in the manifest"));
    }
    for missing in known.difference(&listed) {
        say(format!("file {missing} of the manifest is missing"));
    }

    // The entry point.
    let entry = crate::runtime::cpython::index_entry(&m.entry);
    if index["entry"] != entry {
        say(format!(
            "its entry point {} is not the manifest's {entry}",
            index["entry"]
        ));
    }
    problems
}

/// A reader of the marshal format for the values an index holds: None,
/// booleans, ints, strings, lists, tuples and dicts.
struct Marshal<'a> {
    data: &'a [u8],
    at: usize,
    refs: Vec<Value>,
}

/// Nesting an index needs is 3; anything deeper is not one.
const MAX_DEPTH: usize = 16;

impl<'a> Marshal<'a> {
    fn new(data: &'a [u8]) -> Self {
        Marshal {
            data,
            at: 0,
            refs: Vec::new(),
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        let v = self.read(0)?;
        if self.at != self.data.len() {
            return Err(format!(
                "{} bytes after the value",
                self.data.len() - self.at
            ));
        }
        Ok(v)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or("truncated")?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<usize, String> {
        Ok(usize::from(self.bytes(1)?[0]))
    }

    fn u32(&mut self) -> Result<usize, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn text(&mut self, n: usize) -> Result<Value, String> {
        let b = self.bytes(n)?;
        std::str::from_utf8(b)
            .map(Value::from)
            .map_err(|_| "a string that is not UTF-8".to_string())
    }

    fn read(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deep".into());
        }
        let code = self.bytes(1)?[0];
        let (kind, flagged) = (code & 0x7f, code & 0x80 != 0);
        // A flagged object is numbered before its contents are read.
        let slot = flagged.then(|| {
            self.refs.push(Value::Null);
            self.refs.len() - 1
        });
        let value = match kind {
            b'N' => Value::Null,
            b'T' => Value::Bool(true),
            b'F' => Value::Bool(false),
            b'i' => Value::from(self.u32()? as u32 as i32),
            b'z' | b'Z' => {
                let n = self.u8()?;
                self.text(n)?
            }
            b'a' | b'A' | b'u' | b't' => {
                let n = self.u32()?;
                self.text(n)?
            }
            b'[' | b'(' | b')' => {
                let n = if kind == b')' {
                    self.u8()?
                } else {
                    self.u32()?
                };
                if n > self.data.len() {
                    return Err("a list longer than the index".into());
                }
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.read(depth + 1)?);
                }
                Value::Array(items)
            }
            b'{' => {
                let mut map = serde_json::Map::new();
                loop {
                    if self.data.get(self.at) == Some(&b'0') {
                        self.at += 1;
                        break;
                    }
                    let key = self.read(depth + 1)?;
                    let value = self.read(depth + 1)?;
                    let key = key.as_str().ok_or("a dict key that is not a string")?;
                    map.insert(key.to_string(), value);
                }
                Value::Object(map)
            }
            b'r' => {
                // An index shares strings and numbers, never a container:
                // a reference to one could make a small file expand
                // without bound.
                let i = self.u32()?;
                match self.refs.get(i) {
                    Some(Value::Array(_) | Value::Object(_)) => {
                        return Err("a reference to a list or dict".into());
                    }
                    Some(v) => v.clone(),
                    None => return Err("a reference to nothing".into()),
                }
            }
            other => return Err(format!("unexpected marshal type {:?}", other as char)),
        };
        if let Some(slot) = slot {
            self.refs[slot] = value.clone();
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_python_marshal_writes() {
        // marshal.dumps({"a": [None, True, 7, "\u00e9", ("x", "x")], "b": []}), CPython 3.11
        let data = b"\xfb\xda\x01\x61\x5b\x05\x00\x00\x00\x4e\x54\xe9\x07\x00\x00\x00\xf5\x02\x00\x00\x00\xc3\xa9\x29\x02\xda\x01\x78\x72\x04\x00\x00\x00\xda\x01\x62\x5b\x00\x00\x00\x00\x30";
        let v = Marshal::new(data).value().unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": [null, true, 7, "\u{e9}", ["x", "x"]], "b": []})
        );
        assert!(Marshal::new(&data[..data.len() - 1]).value().is_err());
        // [L, L] with L = [] flagged: a container shared by reference.
        let shared = b"\x5b\x02\x00\x00\x00\xdb\x00\x00\x00\x00\x72\x00\x00\x00\x00";
        assert!(Marshal::new(shared).value().is_err());
    }
}
