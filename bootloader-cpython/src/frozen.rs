//! Modules CPython imports before the bundle's importer is installed, given
//! to it as frozen modules: the importer and its API, and what CPython
//! imports while it starts (the `encodings` package, and on 3.10 `abc`,
//! `codecs` and `io`). The bootloader adds them to `PyImport_FrozenModules`,
//! the table embedding applications may extend, before it starts CPython;
//! CPython's FrozenImporter then loads each from memory by name, with no
//! path search and no zipimport (which read a zip's directory in Python:
//! about 1.5 ms of every start).
//!
//! Which codec CPython imports while it starts depends on the locale. Where
//! the locale is not UTF-8 the `encodings` package is not frozen: CPython
//! then imports it, and the codec the locale names, from the start-up zip
//! with its zipimport, as `encodings.__path__` leads there.
//!
//! `struct _frozen` changed in 3.11 and 3.13; its layouts are checked
//! against each installed version's headers (see `config`'s tests).

use crate::api::Api;
use pyfreeze_bundle::Bundle;
use pyfreeze_bundle::runtime::cpython::{self as facts, FrozenModule};
use std::ffi::{CString, c_void};

/// `sizeof(struct _frozen)`, and where its `is_package` is (3.10 has none:
/// a package's size is negative), for CPython 3.`minor`.
pub fn layout(minor: u32) -> (usize, Option<usize>) {
    match minor {
        10 => (24, None),
        11 | 12 => (32, Some(20)),
        // 3.13 dropped `get_code`; 3.14's is 3.13's.
        _ => (24, Some(20)),
    }
}

/// Add the bundle's frozen modules to CPython's table; the encodings
/// package only if `with_encodings`. Call before CPython starts; what it
/// allocates lives as long as the process.
pub fn install(
    api: &Api,
    minor: u32,
    bundle: &'static Bundle<'static>,
    with_encodings: bool,
) -> Result<(), String> {
    let listed = pyfreeze_bundle::launch::read(bundle, facts::FROZEN_PATH)
        .ok_or_else(|| format!("{} is not in the archive", facts::FROZEN_PATH))?;
    let modules: Vec<FrozenModule> =
        serde_json::from_slice(&listed).map_err(|e| format!("{}: {e}", facts::FROZEN_PATH))?;
    let encodings = format!("{}.", facts::ENCODINGS);
    let (entry, is_package) = layout(minor);
    let mut table: Vec<u8> = Vec::new();
    // SAFETY: PyImport_FrozenModules is CPython's `const struct _frozen *`;
    // the table it points at (if any) ends with an entry whose name is NULL.
    let existing = unsafe { *api.PyImport_FrozenModules };
    if !existing.is_null() {
        for i in 0.. {
            // SAFETY: entries are `entry` bytes each, up to the NULL name.
            let bytes =
                unsafe { std::slice::from_raw_parts(existing.cast::<u8>().add(i * entry), entry) };
            if bytes[..8].iter().all(|b| *b == 0) {
                break;
            }
            table.extend_from_slice(bytes);
        }
    }
    for m in &modules {
        if !with_encodings && (m.name == facts::ENCODINGS || m.name.starts_with(&encodings)) {
            continue;
        }
        // A damaged entry ends the process (exit 2).
        let pyc = pyfreeze_bundle::launch::read(bundle, &m.code)
            .ok_or_else(|| format!("{} is not in the archive", m.code))?;
        // A .pyc: 16 bytes of header, then the marshalled code object.
        let code = pyc
            .get(16..)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| format!("{}: not a .pyc", m.code))?;
        let size = i32::try_from(code.len()).map_err(|_| format!("{}: too large", m.code))?;
        let code: &'static [u8] = Box::leak(code.to_vec().into_boxed_slice());
        let name: &'static CString = Box::leak(Box::new(
            CString::new(m.name.as_str()).map_err(|_| format!("{}: NUL in name", m.name))?,
        ));
        let mut e = vec![0u8; entry];
        e[0..8].copy_from_slice(&(name.as_ptr() as usize).to_ne_bytes());
        e[8..16].copy_from_slice(&(code.as_ptr() as usize).to_ne_bytes());
        let size = match is_package {
            Some(at) => {
                e[at..at + 4].copy_from_slice(&i32::from(m.package).to_ne_bytes());
                size
            }
            None if m.package => -size,
            None => size,
        };
        e[16..20].copy_from_slice(&size.to_ne_bytes());
        table.extend_from_slice(&e);
    }
    table.extend(std::iter::repeat_n(0u8, entry));
    // Pointer-aligned, for good.
    let words: &'static mut [u64] = Box::leak(vec![0u64; table.len() / 8].into_boxed_slice());
    for (word, bytes) in words.iter_mut().zip(table.chunks_exact(8)) {
        *word = u64::from_ne_bytes(bytes.try_into().unwrap_or_default());
    }
    // SAFETY: CPython reads the pointer when it looks a frozen module up,
    // from its start on; nothing reads it concurrently before then.
    unsafe { *api.PyImport_FrozenModules = words.as_ptr().cast::<c_void>() };
    Ok(())
}

/// Whether CPython starts with UTF-8 as the locale's encoding: a UTF-8
/// locale, or the C locale, for which CPython turns on its UTF-8 mode.
/// Read from the environment as setlocale() does; when unsure, no (the
/// start-up zip serves every codec).
pub fn utf8_locale() -> bool {
    let name = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    match name {
        None => true,
        Some(n) if n == "C" || n == "POSIX" => true,
        Some(n) => {
            let n = n.to_ascii_lowercase();
            n.contains(".utf-8") || n.contains(".utf8")
        }
    }
}
