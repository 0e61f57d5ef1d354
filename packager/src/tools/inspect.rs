//! `pyfreeze inspect`: what is inside a frozen executable, as a report the
//! command line shows to people (a summary) and to programs (`--json`, a
//! stable document).

use crate::attach::bootloader;
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::manifest::Entry;
use pyfreeze_bundle::{Bundle, BundleError, Manifest, Origin};
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;

/// Map an executable read-only.
pub fn map(path: &Path) -> Result<memmap2::Mmap> {
    // Opened without blocking (a FIFO would wait for a writer forever),
    // then refused unless it is a regular file.
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_file() {
        bail!(
            "{} is not a regular file (a directory, device, FIFO or socket); pass an \
             executable pyfreeze built",
            path.display()
        );
    }
    // SAFETY: read-only map of a file we only read; a concurrent writer could
    // change what we see, which the checksums then report.
    unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("cannot read {}", path.display()))
}

/// Describe the executable at `path`; with `with_entries`, every archive
/// entry too.
pub fn inspect(path: &Path, with_entries: bool) -> Result<InspectReport, super::ToolError> {
    let bytes = map(path).map_err(super::ToolError::Unreadable)?;
    report(path, &bytes, with_entries).map_err(|e| super::ToolError::from_bundle(path, e))
}

/// The stable `--json` document. Fields are only ever added, never renamed.
#[derive(Serialize)]
pub struct InspectReport {
    pub file: String,
    pub size: u64,
    pub bootloader: BootloaderInfo,
    pub bundle: BundleInfo,
    pub entry: EntryInfo,
    pub build: pyfreeze_bundle::manifest::BuildInfo,
    pub modules: ModuleCounts,
    pub data_files: usize,
    /// Shared libraries the runtime loads (CPython bundles), in load order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<LibraryRow>,
    /// How many native files (libraries, extension modules) the bundle
    /// names where the build machine has them (the manifest's `build_files`).
    #[serde(skip_serializing_if = "is_zero")]
    pub build_files: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryRow>>,
}

#[derive(Serialize)]
pub struct LibraryRow {
    pub soname: String,
    pub path: String,
    pub size: u64,
    pub stored: u64,
    /// The build machine's file it was made from, which a start there maps
    /// when it is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_file: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
pub struct BootloaderInfo {
    pub format: String,
    pub arch: String,
    pub target: String,
    pub size: u64,
    /// For ELF: the newest `GLIBC_x.y` symbol version it needs, i.e. the
    /// oldest glibc it runs on. None for static or non-glibc executables.
    /// The whole executable's floor is `build.glibc`.
    pub min_glibc: Option<String>,
    /// For ELF: the shared libraries it needs (`DT_NEEDED`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// The bundle and bytecode formats the bootloader reads (its marker).
    pub marker: Option<String>,
    /// Built with `--pack`: `size` is then the stub's and the packed
    /// runtime's together, and this says how they divide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packed: Option<PackedInfo>,
}

#[derive(Serialize)]
pub struct PackedInfo {
    pub stub_size: u64,
    pub runtime_size: u64,
    pub compressed_size: u64,
}

#[derive(Serialize)]
pub struct BundleInfo {
    pub format: u32,
    pub runtime: String,
    pub bytecode: String,
    pub sha256: String,
    pub archive_size: u64,
    pub stored_size: u64,
    pub unpacked_size: u64,
    pub files: usize,
}

#[derive(Serialize)]
pub struct EntryInfo {
    /// `script`, `module` (`-m`) or `function` (`--entry MODULE:FUNCTION`).
    pub kind: String,
    pub module: String,
    pub path: String,
    /// What `--entry` calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
}

#[derive(Serialize, Default)]
pub struct ModuleCounts {
    pub total: usize,
    pub user: usize,
    pub third_party: usize,
    pub stdlib: usize,
}

#[derive(Serialize)]
pub struct EntryRow {
    pub path: String,
    pub kind: &'static str,
    pub size: u64,
    pub stored: u64,
    pub compression: pyfreeze_bundle::Compression,
    pub sha256: String,
}

fn report(path: &Path, bytes: &[u8], with_entries: bool) -> Result<InspectReport, BundleError> {
    let bundle = Bundle::open_unverified(bytes)?;
    let m = &bundle.manifest;
    let prefix = &bytes[..bundle.bootloader_len as usize];
    // A packed runtime is described from its decompressed bytes; a damaged
    // one (which `verify` reports) from the stub's.
    let packed = pyfreeze_bundle::pack::read(prefix).ok().flatten();
    let unpacked = packed
        .as_ref()
        .and_then(|p| crate::attach::pack::unpack(bytes, p).ok());
    let boot = unpacked.as_deref().unwrap_or(prefix);
    // The whole file: a Mach-O header describes __LINKEDIT up to the end.
    let detected = bootloader::detect(bytes).ok();
    let kinds = file_kinds(m);
    let entry_record = m.module(m.entry.module());
    let mut counts = ModuleCounts::default();
    for module in &m.modules {
        counts.total += 1;
        match module.origin {
            Origin::User => counts.user += 1,
            Origin::ThirdParty => counts.third_party += 1,
            Origin::Stdlib => counts.stdlib += 1,
        }
    }
    Ok(InspectReport {
        file: path.display().to_string(),
        size: bytes.len() as u64,
        bootloader: BootloaderInfo {
            format: detected
                .as_ref()
                .map_or("unknown", |d| bootloader::describe(d.format))
                .to_string(),
            arch: detected
                .as_ref()
                .map_or("unknown", |d| bootloader::describe_arch(d.arch))
                .to_string(),
            target: m.build.target.clone(),
            size: bundle.bootloader_len,
            min_glibc: min_glibc(boot),
            needs: needed_libraries(boot),
            marker: bootloader::marker(boot).map(str::to_string),
            packed: packed.map(|p| PackedInfo {
                stub_size: p.stub_len,
                runtime_size: p.runtime_len,
                compressed_size: p.compressed_len(),
            }),
        },
        bundle: BundleInfo {
            format: m.format,
            runtime: runtime_name(m),
            bytecode: m.bytecode.clone(),
            sha256: pyfreeze_bundle::hex(&bundle.trailer.sha256),
            archive_size: bundle.payload.len() as u64,
            stored_size: m.files.iter().map(|f| f.stored).sum(),
            unpacked_size: m.files.iter().map(|f| f.size).sum(),
            files: m.files.len(),
        },
        entry: EntryInfo {
            kind: match m.entry {
                Entry::Script { .. } => "script",
                Entry::Module { .. } => "module",
                Entry::Function { .. } => "function",
            }
            .into(),
            module: m.entry.module().to_string(),
            path: entry_record.map(|r| r.path.clone()).unwrap_or_default(),
            function: match &m.entry {
                Entry::Function { function, .. } => Some(function.clone()),
                _ => None,
            },
        },
        build: m.build.clone(),
        modules: counts,
        data_files: kinds.iter().filter(|k| **k == "data").count(),
        libraries: m
            .libraries
            .iter()
            .filter_map(|l| {
                let f = m.file(&l.path)?;
                Some(LibraryRow {
                    soname: l.soname.clone(),
                    path: l.path.clone(),
                    size: f.size,
                    stored: f.stored,
                    build_file: m
                        .build_files
                        .iter()
                        .find(|b| b.path == l.path)
                        .map(|b| b.file.clone()),
                })
            })
            .collect(),
        build_files: m.build_files.len(),
        entries: with_entries.then(|| {
            m.files
                .iter()
                .zip(&kinds)
                .map(|(f, kind)| EntryRow {
                    path: f.path.clone(),
                    kind,
                    size: f.size,
                    stored: f.stored,
                    compression: f.compression,
                    sha256: f.sha256.clone(),
                })
                .collect()
        }),
    })
}

/// "bytecode", "source", "extension", "library", "runtime" or "data" for
/// each of `m.files`, in order.
fn file_kinds(m: &Manifest) -> Vec<&'static str> {
    let extensions: HashSet<&str> = m
        .modules
        .iter()
        .filter(|r| r.kind == pyfreeze_bundle::ModuleKind::Extension)
        .filter_map(|r| r.code.as_deref())
        .collect();
    let libraries: HashSet<&str> = m.libraries.iter().map(|l| l.path.as_str()).collect();
    let code: HashSet<&str> = m.modules.iter().filter_map(|r| r.code.as_deref()).collect();
    let source: HashSet<&str> = m
        .modules
        .iter()
        .filter_map(|r| r.source.as_deref())
        .collect();
    m.files
        .iter()
        .map(|f| {
            if extensions.contains(f.path.as_str()) {
                "extension"
            } else if libraries.contains(f.path.as_str()) {
                "library"
            } else if f.path.starts_with("__pyfreeze__/") {
                "runtime"
            } else if code.contains(f.path.as_str()) {
                "bytecode"
            } else if source.contains(f.path.as_str()) {
                "source"
            } else {
                "data"
            }
        })
        .collect()
}

/// `RustPython 0.6.0`, `CPython 3.11.7`: as the manifest names it, else as
/// the runtime that runs this bytecode does, else the format itself.
fn runtime_name(m: &Manifest) -> String {
    if let Some(name) = &m.runtime {
        return name.clone();
    }
    crate::runtime::for_bytecode(&m.bytecode)
        .and_then(|f| (f.describe)(&m.bytecode))
        .unwrap_or_else(|| m.bytecode.clone())
}

/// The newest GLIBC_x.y version the ELF's imports need.
fn min_glibc(boot: &[u8]) -> Option<String> {
    crate::glibc::needed(boot).map(|v| v.to_string())
}

/// The libraries an ELF file names in `DT_NEEDED`.
fn needed_libraries(boot: &[u8]) -> Vec<String> {
    goblin::elf::Elf::parse(boot)
        .map(|elf| elf.libraries.iter().map(|l| l.to_string()).collect())
        .unwrap_or_default()
}
