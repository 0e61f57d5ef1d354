//! What a compiled extension imports, which no Python source says: module
//! names among its strings, the string table Cython 3.1 and later keeps
//! (packed with no separators, and since 3.2 compressed), and the Cython
//! source some packages ship beside the extension. All of it is a guess,
//! followed only where such a module exists.

use super::scan::Import;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

/// Top-level names never taken from a compiled extension's strings: words
/// that are also big standard-library packages no extension imports.
const NOT_FROM_BINARIES: &[&str] = &[
    "test",
    "tests",
    "this",
    "antigravity",
    "idlelib",
    "tkinter",
    "turtle",
    "turtledemo",
    "ensurepip",
    "venv",
    "lib2to3",
    "pydoc",
    "pydoc_data",
    "unittest",
    "doctest",
    "main",
];

/// The modules a compiled extension may import from C
/// (`PyImport_ImportModule("numpy._core._exceptions")`): its NUL-delimited
/// strings that read as dotted module names, as optional, delayed imports
/// followed only where such a module exists.
pub fn binary_imports(bytes: &[u8]) -> Vec<Import> {
    let mut names = std::collections::BTreeSet::new();
    for chunk in bytes.split(|&b| b == 0) {
        if chunk.len() < 2 || chunk.len() > 120 || chunk.ends_with(b".") {
            continue;
        }
        let Ok(text) = std::str::from_utf8(chunk) else {
            continue;
        };
        let top = text.split('.').next().unwrap_or(text);
        if is_ascii_dotted_name(text) && !NOT_FROM_BINARIES.contains(&top) {
            names.insert(text.to_string());
        }
    }
    names
        .into_iter()
        .map(|module| guessed_import(module, 0, Vec::new(), 0))
        .collect()
}

/// `a`, `a.b`: ASCII identifier parts joined by dots.
fn is_ascii_dotted_name(text: &str) -> bool {
    text.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && part.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
    })
}

/// An import read from compiled code or its source beside it: a guess,
/// followed only if the module exists, never required.
fn guessed_import(module: String, level: u32, names: Vec<String>, line: u32) -> Import {
    Import {
        module,
        level,
        names,
        anchor: None,
        line,
        optional: true,
        delayed: true,
        only_if_found: true,
        fallback_for: Vec::new(),
        observed: false,
        by_rule: false,
    }
}

/// The Python imports of a Cython source (`.pyx`, `.pxi`), which the
/// Python parser cannot read: line by line, `import a.b [as c], d` and
/// `from [.]x import y, (z`; `cimport`s are C-level and left alone. Recent
/// Cython compresses an extension's strings, so that [`binary_imports`]
/// cannot see these; packages that ship the source beside the extension
/// (pyarrow) still say them here. Taken as guesses, as those strings are:
/// the lines may sit in functions, `try` blocks or docstrings.
pub fn cython_imports(source: &str) -> Vec<Import> {
    let dotted = is_ascii_dotted_name;
    let guess = |module: &str, level: u32, names: Vec<String>, line: usize| {
        let line = u32::try_from(line + 1).unwrap_or(u32::MAX);
        guessed_import(module.to_string(), level, names, line)
    };
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if let Some(rest) = line.strip_prefix("import ") {
            for item in rest.split(',') {
                let module = item.split_whitespace().next().unwrap_or_default();
                if dotted(module) {
                    found.push(guess(module, 0, Vec::new(), n));
                }
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let Some((from, names)) = rest.split_once(" import ") else {
                continue;
            };
            let from = from.trim();
            let module = from.trim_start_matches('.');
            let level = u32::try_from(from.len() - module.len()).unwrap_or(u32::MAX);
            if !(dotted(module) || (level > 0 && module.is_empty())) {
                continue;
            }
            let names = names
                .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace())
                .split(',')
                .filter_map(|item| item.split_whitespace().next())
                .filter(|name| dotted(name) && !name.contains('.'))
                .map(str::to_string)
                .collect();
            found.push(guess(module, level, names, n));
        }
    }
    found
}

/// The files a Cython source pulls in with `include "name.pxi"`, as names
/// relative to its directory.
pub fn cython_includes(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| line.trim().strip_prefix("include "))
        .map(|rest| rest.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|name| !name.is_empty() && !name.contains(".."))
        .map(str::to_string)
        .collect()
}

/// Bounds on what is read: a `.pyx` and its includes are source files.
const MAX_CYTHON_FILES: usize = 64;

/// The imports of the Cython source shipped beside `extension`
/// (`lib.pyx` beside `lib.cpython-312-x86_64-linux-gnu.so`), with the
/// `.pxi` files it includes; none where there is no such source.
pub fn cython_source_imports(extension: &Path, max_bytes: u64) -> Vec<Import> {
    let Some(stem) = extension
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
    else {
        return Vec::new();
    };
    let dir = extension.parent().unwrap_or(Path::new(""));
    let mut pending = vec![format!("{stem}.pyx")];
    let mut seen = HashSet::new();
    let mut imports = Vec::new();
    while let Some(name) = pending.pop() {
        if seen.len() >= MAX_CYTHON_FILES || !seen.insert(name.clone()) {
            continue;
        }
        let path = dir.join(&name);
        let readable = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= max_bytes);
        let Some(text) = readable
            .then(|| std::fs::read(&path).ok())
            .flatten()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        else {
            continue;
        };
        imports.extend(cython_imports(&text));
        pending.extend(cython_includes(&text));
    }
    imports
}

/// Strings every Cython module's table holds: how a decoded table is told
/// from other data.
const TABLE_MARKERS: [&[u8]; 2] = [b"cline_in_traceback", b"__test__"];

/// Where a decoded table stops growing: no extension's strings come near.
const MAX_TABLE: usize = 16 << 20;

/// The string tables of a Cython 3 extension, as Cython packs them: every
/// string of the module concatenated with no separator, stored plainly,
/// compressed with zlib (Cython 3.2's choice) or with Cython's own LZSS
/// (3.3's). Empty for other binaries, which keep one C string per name.
pub fn cython_string_tables(bin: &[u8]) -> Vec<Vec<u8>> {
    // The shared-ABI module name (`_cython_3_3_1`) is a plain string in
    // every Cython 3 extension.
    if memchr::memmem::find(bin, b"_cython_3_").is_none() {
        return Vec::new();
    }
    let is_table = |t: &[u8]| {
        TABLE_MARKERS
            .iter()
            .any(|m| memchr::memmem::find(t, m).is_some())
    };
    let mut tables: Vec<Vec<u8>> = bin
        .split(|&b| b == 0)
        .filter(|chunk| chunk.len() > 120 && is_table(chunk))
        .map(<[u8]>::to_vec)
        .collect();
    // Where the compressed table lies: read-only data, not code.
    let bin = read_only_data(bin);
    let mut at = 0;
    while at + 2 < bin.len() {
        // A zlib header: deflate, a 32K window, its check bits right.
        let zlib = bin[at] == 0x78 && (u16::from(bin[at]) << 8 | u16::from(bin[at + 1])) % 31 == 0;
        // Cython's LZSS starts with three literals: nothing precedes them
        // to refer back to.
        let lzss = bin[at] & 7 == 7;
        let found = if zlib { inflate(&bin[at..]) } else { None }
            .or_else(|| if lzss { lzss_decode(&bin[at..]) } else { None });
        match found {
            Some((table, used)) if table.len() >= 64 && is_table(&table) => {
                tables.push(table);
                at += used.max(1);
            }
            _ => at += 1,
        }
    }
    tables
}

/// The read-only data of an ELF file (`.rodata`), where a compiled C
/// constant lies; the whole of any other file.
fn read_only_data(bin: &[u8]) -> &[u8] {
    let Ok(elf) = goblin::elf::Elf::parse(bin) else {
        return bin;
    };
    elf.section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".rodata"))
        .and_then(|s| {
            let start = usize::try_from(s.sh_offset).ok()?;
            let end = start.checked_add(usize::try_from(s.sh_size).ok()?)?;
            bin.get(start..end)
        })
        .unwrap_or(bin)
}

/// A whole zlib stream at the start of `data`: what it holds, and the bytes
/// it took.
fn inflate(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut z = flate2::Decompress::new(true);
    let mut out = Vec::with_capacity(4096);
    loop {
        if out.len() == out.capacity() {
            if out.len() >= MAX_TABLE {
                return None;
            }
            out.reserve(out.len());
        }
        let consumed = usize::try_from(z.total_in()).ok()?;
        match z.decompress_vec(&data[consumed..], &mut out, flate2::FlushDecompress::None) {
            Ok(flate2::Status::StreamEnd) => {
                return Some((out, usize::try_from(z.total_in()).ok()?));
            }
            Ok(flate2::Status::Ok) => {}
            Ok(flate2::Status::BufError) | Err(_) => return None,
        }
    }
}

/// Cython's LZSS (`__pyx_lzss_decompress` in its StringTools.c) from the
/// start of `data`, whose length is not stored: decoded until what follows
/// cannot be table (a reference before the start, a control character),
/// which is after the names. `None` when nothing decodes.
fn lzss_decode(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 0;
    // Each flag byte says, low bit first, whether each of the next eight
    // items is a literal byte (1) or a reference back (0).
    'items: while let Some(&flags) = data.get(pos) {
        pos += 1;
        for bit in 0..8 {
            if out.len() >= MAX_TABLE {
                break 'items;
            }
            if flags >> bit & 1 == 1 {
                match data.get(pos) {
                    Some(&c) if c >= 0x20 || matches!(c, 0 | b'\t' | b'\n' | b'\r') => {
                        out.push(c);
                        pos += 1;
                    }
                    _ => break 'items,
                }
                continue;
            }
            let (Some(&lo), Some(&hi)) = (data.get(pos), data.get(pos + 1)) else {
                break 'items;
            };
            let (lo, hi) = (usize::from(lo), usize::from(hi));
            let mut next = pos + 2;
            let (gap, len) = if lo & 0x80 == 0 {
                (lo, hi)
            } else if hi & 0x80 == 0 {
                (0x80 + (((hi << 2) & 0x180) | (lo & 0x7f)), hi & 0x1f)
            } else {
                let Some(&len) = data.get(next) else {
                    break 'items;
                };
                next += 1;
                (0x80 + ((hi & 0x7f) << 7 | (lo & 0x7f)), usize::from(len))
            };
            let len = len + 3;
            let Some(from) = out.len().checked_sub(gap + len) else {
                break 'items;
            };
            // Byte by byte: a reference may overlap what it writes.
            for i in from..from + len {
                out.push(out[i]);
            }
            pos = next;
        }
    }
    (!out.is_empty()).then_some((out, pos))
}

/// The modules of a package among the strings of one of its Cython
/// extensions' tables: each name in `own` (the package's modules) that
/// starts a run of name characters after `top.`. The table has no
/// separators, so a name runs into the next string; only names the
/// package has are taken, and another package's are an optional
/// integration the program imports itself if it uses it.
pub fn cython_table_imports(tables: &[Vec<u8>], top: &str, own: &HashSet<String>) -> Vec<Import> {
    let needle = format!("{top}.");
    let mut names = BTreeSet::new();
    for table in tables {
        for at in memchr::memmem::find_iter(table, needle.as_bytes()) {
            let run: &[u8] = &table[at..];
            let end = run
                .iter()
                .take(MAX_NAME)
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.'))
                .unwrap_or(run.len().min(MAX_NAME));
            for cut in needle.len() + 1..=end {
                if let Ok(name) = std::str::from_utf8(&run[..cut])
                    && own.contains(name)
                {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
        .into_iter()
        .map(|module| guessed_import(module, 0, Vec::new(), 0))
        .collect()
}

/// The longest module name taken from a table.
const MAX_NAME: usize = 200;

/// Every module and package under `package_dir`, the directory of the
/// top-level package `top`, by dotted name: what a Cython table's strings
/// are matched against.
pub fn package_modules(top: &str, package_dir: &Path) -> HashSet<String> {
    /// Bounds: a package's tree, not a whole disk reached through a link.
    const MAX_DEPTH: usize = 16;
    const MAX_ENTRIES: usize = 200_000;
    let mut names = HashSet::from([top.to_string()]);
    for entry in walkdir::WalkDir::new(package_dir)
        .min_depth(1)
        .max_depth(MAX_DEPTH)
        .into_iter()
        .filter_entry(|e| e.file_name() != "__pycache__")
        .take(MAX_ENTRIES)
        .filter_map(Result::ok)
    {
        let Ok(relative) = entry.path().strip_prefix(package_dir) else {
            continue;
        };
        let mut parts = vec![top];
        for part in relative.iter() {
            let Some(part) = part.to_str() else {
                break;
            };
            parts.push(part);
        }
        if parts.len() != relative.iter().count() + 1 {
            continue;
        }
        let last = parts.pop().unwrap_or_default();
        let stem = if entry.file_type().is_dir() {
            last
        } else if last.ends_with(".py") || last.ends_with(".so") || last.ends_with(".pyd") {
            last.split('.').next().unwrap_or_default()
        } else {
            continue;
        };
        parts.push(stem);
        let name = parts.join(".");
        if is_ascii_dotted_name(&name) && stem != "__init__" {
            names.insert(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cython_sources_say_their_python_imports_not_their_cimports() {
        let source = "cimport cython\nfrom libc.stdint cimport uint8_t\n\
                      include \"table.pxi\"\n\
                      def f():\n    from pyarrow.pandas_compat import (make_tz_aware,\n\
                      \x20       other)\n    import pyarrow.compute as pc, json  # comment\n\
                      \x20   from .fs import FSSpecHandler\n    from . import _s3fs\n\
                      x = 'from the data import nothing'\n";
        let found: Vec<(String, u32, Vec<String>)> = cython_imports(source)
            .into_iter()
            .map(|i| (i.module, i.level, i.names))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            found,
            vec![
                ("pyarrow.pandas_compat".into(), 0, s(&["make_tz_aware"])),
                ("pyarrow.compute".into(), 0, vec![]),
                ("json".into(), 0, vec![]),
                ("fs".into(), 1, s(&["FSSpecHandler"])),
                ("".into(), 1, s(&["_s3fs"])),
            ]
        );
        assert!(
            cython_imports(source)
                .iter()
                .all(|i| i.only_if_found && i.delayed)
        );
        assert_eq!(cython_includes(source), vec!["table.pxi".to_string()]);
    }
    #[test]
    fn module_names_in_binaries() {
        let bin = b"\x7fELF\0numpy._core._exceptions\0copyreg\0%s: bad\0x\0test\0a..b\0_multiarray_umath\0ends.\0";
        let found: Vec<String> = binary_imports(bin).into_iter().map(|i| i.module).collect();
        assert_eq!(
            found,
            ["_multiarray_umath", "copyreg", "numpy._core._exceptions"]
        );
        assert!(
            binary_imports(bin)
                .iter()
                .all(|i| i.optional && i.delayed && i.only_if_found)
        );
    }

    /// A table as Cython 3.3 packs one (its strings end to end), and that
    /// table compressed as Cython's LZSS compressor (`Cython/LZSS.py`) would:
    /// literals, one reference back for the second "pkg.helper", three
    /// literals.
    fn lzss_sample() -> (Vec<u8>, Vec<u8>) {
        let head: &[u8] =
            b"__annotate____module____qualname____test__cline_in_tracebackpkg.helperrun";
        let mut plain = head.to_vec();
        plain.extend_from_slice(b"pkg.helpers_x");
        let mut items: Vec<(bool, Vec<u8>)> = head.iter().map(|&b| (true, vec![b])).collect();
        // The bytes between the copied string's end and here, then the
        // length less 3.
        let first = memchr::memmem::find(head, b"pkg.helper").unwrap();
        let gap = u8::try_from(head.len() - (first + 10)).unwrap();
        items.push((false, vec![gap, 10 - 3]));
        items.extend(b"s_x".iter().map(|&b| (true, vec![b])));
        let mut packed = Vec::new();
        for group in items.chunks(8) {
            // Low bit first; a short last group's missing items read as
            // references, which find no bytes: the decoding ends there.
            let flag = group
                .iter()
                .enumerate()
                .fold(0u8, |f, (i, (literal, _))| f | (u8::from(*literal) << i));
            packed.push(flag);
            for (_, bytes) in group {
                packed.extend_from_slice(bytes);
            }
        }
        (plain, packed)
    }

    #[test]
    fn cython_tables_are_read_plain_zlib_and_lzss() {
        let (plain, packed) = lzss_sample();
        let (decoded, used) = lzss_decode(&packed).unwrap();
        assert_eq!(decoded, plain);
        assert_eq!(used, packed.len());
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut zlib, &plain.repeat(4)).unwrap();
        let zlib = zlib.finish().unwrap();
        for stored in [plain.repeat(4), zlib, packed] {
            let mut bin = b"\x7fELF\0_cython_3_3_2\0some code \x01\x02\x03\x07\x0f".to_vec();
            bin.extend_from_slice(&stored);
            bin.extend_from_slice(b"\0more\0");
            let tables = cython_string_tables(&bin);
            assert!(
                tables
                    .iter()
                    .any(|t| memchr::memmem::find(t, b"cline_in_tracebackpkg.helper").is_some()),
                "{stored:?}"
            );
            let own = HashSet::from(["pkg".to_string(), "pkg.helper".to_string()]);
            let found: Vec<String> = cython_table_imports(&tables, "pkg", &own)
                .into_iter()
                .map(|i| i.module)
                .collect();
            // "pkg.helpers" runs on into the next string; "pkg.helper" is
            // the package's module.
            assert_eq!(found, ["pkg.helper"]);
        }
        // Without the Cython 3 marker, nothing is decoded.
        assert!(cython_string_tables(&plain.repeat(4)).is_empty());
        // A reference before the start is not a table.
        assert_eq!(lzss_decode(&[0x00, 0x05, 0x01]), None);
    }

    #[test]
    fn a_packages_modules_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        for file in [
            "__init__.py",
            "a.py",
            "sub/__init__.py",
            "sub/_c.cpython-312-x86_64-linux-gnu.so",
            "sub/__pycache__/a.cpython-312.pyc",
            "data/table.csv",
            "bad-name/x.py",
        ] {
            let path = pkg.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let mut got: Vec<String> = package_modules("pkg", &pkg).into_iter().collect();
        got.sort();
        assert_eq!(got, ["pkg", "pkg.a", "pkg.data", "pkg.sub", "pkg.sub._c"]);
    }
}
