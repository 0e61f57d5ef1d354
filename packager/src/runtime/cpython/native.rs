//! Shared libraries: what an ELF file needs (`DT_NEEDED`), where the dynamic
//! linker would find each, and which ones the bundle carries.
//!
//! Policy, like manylinux's: glibc's libraries, the dynamic linker, libgcc_s,
//! libstdc++, and the X11/OpenGL/GLib libraries a desktop has (in the
//! version its driver needs) are the target system's and stay out: the
//! data of `pyfreeze_bundle::runtime::cpython::SystemLibrary`. Everything
//! else the interpreter and the bundled extensions need goes in, with its
//! whole closure (libssl, libcrypto, libsqlite3, libffi, libz, libbz2,
//! liblzma, Tcl/Tk, wheels' `*.libs/`...). Where a system library is
//! missing, the importer names the package that provides it.

use anyhow::{Context, Result};
use goblin::elf::Elf;
use pyfreeze_bundle::runtime::cpython as facts;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Whether the target system provides `soname` (see the module comment;
/// the list is `system_libraries.json` of the bundle crate).
pub fn is_system(soname: &str) -> bool {
    static SYSTEM: OnceLock<Vec<String>> = OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            facts::system_libraries()
                .into_iter()
                .flat_map(|l| l.sonames)
                .collect()
        })
        .iter()
        .any(|s| soname.starts_with(s.as_str()))
}

/// What one ELF file says about linking.
#[derive(Debug, Default)]
pub struct Linking {
    pub needed: Vec<String>,
    /// RUNPATH, else RPATH entries, with `$ORIGIN` as written.
    pub search: Vec<String>,
    /// The DT_RPATH entries (not RUNPATH): the dynamic linker searches them
    /// for the dependencies of what this object loads too, down the chain.
    pub rpath: Vec<String>,
    /// It has a RUNPATH: then neither its RPATH nor its loaders' count.
    pub has_runpath: bool,
}

pub fn linking(bytes: &[u8]) -> Result<Linking> {
    let elf = Elf::parse(bytes).context("not an ELF shared library")?;
    let search = if !elf.runpaths.is_empty() {
        &elf.runpaths
    } else {
        &elf.rpaths
    };
    let entries = |paths: &[&str]| -> Vec<String> {
        paths
            .iter()
            .flat_map(|p| p.split(':'))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(Linking {
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        search: entries(search),
        rpath: entries(&elf.rpaths),
        has_runpath: !elf.runpaths.is_empty(),
    })
}

/// Whether the ELF file exports a `PyInit_*` function: an extension module,
/// not a plain library.
pub fn is_extension_module(bytes: &[u8]) -> bool {
    Elf::parse(bytes).is_ok_and(|elf| {
        elf.dynsyms.iter().any(|sym| {
            sym.st_value != 0
                && elf
                    .dynstrtab
                    .get_at(sym.st_name)
                    .is_some_and(|name| name.starts_with("PyInit_"))
        })
    })
}

/// `entries` (RPATH or RUNPATH) with `$ORIGIN` read as the directory of `from`.
pub fn expand(entries: &[String], from: &Path) -> Vec<PathBuf> {
    let origin = from.parent().unwrap_or(Path::new("/")).to_string_lossy();
    entries
        .iter()
        .map(|s| PathBuf::from(s.replace("${ORIGIN}", &origin).replace("$ORIGIN", &origin)))
        .collect()
}

/// Where the dynamic linker of this machine would find `soname` for the
/// object at `from`: its RUNPATH/RPATH (`$ORIGIN` expanded), `extra` (the
/// RPATHs of the objects that loaded it, when it has no RUNPATH, then the
/// interpreter's LIBDIR), the `ldconfig` cache, then the default directories.
pub fn resolve(soname: &str, from: &Path, search: &[String], extra: &[PathBuf]) -> Option<PathBuf> {
    let dirs = expand(search, from)
        .into_iter()
        .chain(extra.iter().cloned());
    for dir in dirs {
        let candidate = dir.join(soname);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if let Some(found) = ldconfig_cache().get(soname).filter(|p| p.is_file()) {
        return Some(found.clone());
    }
    let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
    [
        format!("/lib/{multiarch}"),
        format!("/usr/lib/{multiarch}"),
        "/lib64".into(),
        "/usr/lib64".into(),
        "/lib".into(),
        "/usr/lib".into(),
        "/usr/local/lib".into(),
    ]
    .into_iter()
    .map(|d| Path::new(&d).join(soname))
    .find(|p| p.is_file())
}

/// `ldconfig -p`: soname -> path, for this machine's architecture.
fn ldconfig_cache() -> &'static HashMap<String, PathBuf> {
    static CACHE: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let arch_tag = match std::env::consts::ARCH {
            "x86_64" => "x86-64",
            "aarch64" => "AArch64",
            other => other,
        };
        let out = ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"]
            .iter()
            .find_map(|cmd| std::process::Command::new(cmd).arg("-p").output().ok());
        let text = out
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let mut map = HashMap::new();
        // "\tlibssl.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libssl.so.3"
        for line in text.lines() {
            let Some((left, path)) = line.split_once(" => ") else {
                continue;
            };
            let left = left.trim();
            let Some((name, flags)) = left.split_once(' ') else {
                continue;
            };
            if flags.contains(arch_tag) || (arch_tag == "AArch64" && flags.contains("aarch64")) {
                map.entry(name.to_string())
                    .or_insert_with(|| PathBuf::from(path.trim()));
            }
        }
        map
    })
}

/// An ELF shared library without what only debuggers and linkers read: the
/// file is cut after its last loadable byte and its section headers
/// dropped (the dynamic linker reads program headers only), and a RUNPATH
/// naming the build machine's directories becomes `$ORIGIN`. Only for the
/// interpreter's own libraries: patched wheel libraries are never touched.
/// `None` if the file is not a plain ELF shared library.
pub fn strip(bytes: &[u8]) -> Option<Vec<u8>> {
    let elf = Elf::parse(bytes).ok()?;
    if !elf.is_64 || !elf.little_endian {
        return None;
    }
    let end = elf
        .program_headers
        .iter()
        .map(|ph| ph.p_offset.checked_add(ph.p_filesz))
        .collect::<Option<Vec<u64>>>()?
        .into_iter()
        .max()? as usize;
    if end > bytes.len() || end < elf.header.e_phoff as usize {
        return None;
    }
    let mut out = bytes[..end].to_vec();
    // e_shoff (8 bytes at 0x28), e_shnum (2 at 0x3c), e_shstrndx (2 at 0x3e).
    out[0x28..0x30].fill(0);
    out[0x3c..0x40].fill(0);
    if let Some(runpath) = runpath_string(&elf, bytes) {
        let (start, len) = runpath;
        let replacement = b"$ORIGIN";
        if len >= replacement.len() && start + len <= out.len() {
            out[start..start + replacement.len()].copy_from_slice(replacement);
            out[start + replacement.len()..start + len].fill(0);
        }
    }
    Some(out)
}

/// File offset and length of the RUNPATH (or RPATH) string.
fn runpath_string(elf: &Elf<'_>, bytes: &[u8]) -> Option<(usize, usize)> {
    let dynamic = elf.dynamic.as_ref()?;
    let value = dynamic.dyns.iter().find_map(|d| {
        (d.d_tag == goblin::elf::dynamic::DT_RUNPATH || d.d_tag == goblin::elf::dynamic::DT_RPATH)
            .then_some(d.d_val)
    })?;
    let strtab_addr = dynamic.info.strtab as u64;
    // The string table's file offset, from the segment that maps it.
    let ph = elf.program_headers.iter().find(|ph| {
        ph.p_type == goblin::elf::program_header::PT_LOAD
            && strtab_addr >= ph.p_vaddr
            && strtab_addr < ph.p_vaddr + ph.p_filesz
    })?;
    let start = (strtab_addr - ph.p_vaddr + ph.p_offset + value) as usize;
    let len = bytes.get(start..)?.iter().position(|&b| b == 0)?;
    Some((start, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_libraries_stay_out() {
        for s in [
            "libc.so.6",
            "libm.so.6",
            "ld-linux-x86-64.so.2",
            "libstdc++.so.6",
            "libpthread.so.0",
        ] {
            assert!(is_system(s), "{s}");
        }
        for s in [
            "libssl.so.3",
            "libz.so.1",
            "libffi.so.8",
            "libscipy_openblas64_-ff651d7f.so",
            "libcrypt.so.1",
        ] {
            assert!(!is_system(s), "{s}");
        }
    }

    /// libpython of the Python running the tests, if it has one.
    fn some_shared_library() -> Option<PathBuf> {
        let out = std::process::Command::new("python3")
            .args(["-c", "import sysconfig as s; print(s.get_config_var('LIBDIR') + '/' + (s.get_config_var('INSTSONAME') or ''))"])
            .output()
            .ok()?;
        let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        path.is_file().then_some(path)
    }

    #[test]
    fn stripping_keeps_what_the_loader_reads() {
        let Some(lib) = some_shared_library() else {
            // The machine's python3 has no shared libpython: use libc's own
            // resolution to find any shared library instead.
            let libz =
                resolve("libz.so.1", Path::new("/"), &[], &[]).expect("libz on this machine");
            let bytes = std::fs::read(libz).unwrap();
            let stripped = strip(&bytes).unwrap();
            assert!(stripped.len() <= bytes.len());
            assert!(Elf::parse(&stripped).is_ok());
            return;
        };
        let bytes = std::fs::read(&lib).unwrap();
        let before = linking(&bytes).unwrap();
        let stripped = strip(&bytes).expect("libpython strips");
        assert!(
            stripped.len() < bytes.len(),
            "nothing removed from {}",
            lib.display()
        );
        let elf = Elf::parse(&stripped).unwrap();
        assert!(elf.section_headers.is_empty());
        let after = linking(&stripped).unwrap();
        assert_eq!(
            Elf::parse(&stripped).unwrap().soname,
            Elf::parse(&bytes).unwrap().soname
        );
        assert_eq!(after.needed, before.needed);
        if !before.search.is_empty() {
            assert_eq!(
                after.search,
                ["$ORIGIN"],
                "the build machine's RUNPATH is gone"
            );
        }
        // Every byte a segment maps is unchanged but the RUNPATH string.
        let dynstr_changes = bytes
            .iter()
            .zip(&stripped)
            .enumerate()
            .filter(|(i, (a, b))| a != b && !(0x28..0x40).contains(i))
            .count();
        assert!(dynstr_changes <= 256, "{dynstr_changes} bytes changed");
    }

    #[test]
    fn resolution_follows_runpath_then_the_system() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libown.so.1"), b"").unwrap();
        let me = dir.path().join("ext.so");
        let found = resolve("libown.so.1", &me, &["$ORIGIN".into()], &[]);
        assert_eq!(found, Some(dir.path().join("libown.so.1")));
        assert_eq!(
            resolve("libnowhere-at-all.so.9", &me, &["$ORIGIN".into()], &[]),
            None
        );
        assert!(
            resolve("libz.so.1", &me, &[], &[]).is_some(),
            "the system's libz"
        );
    }
}
