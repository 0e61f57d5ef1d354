//! Finding the prebuilt bootloader for a target and checking, with goblin,
//! that it really is one: the right executable format and architecture, a
//! pyfreeze marker with the bytecode format this packager writes, and no
//! program already attached.

use crate::runtime::Runtime;
use anyhow::{Context, Result, bail};
use pyfreeze_bundle::target::{Arch, Format, Target};
use std::path::{Path, PathBuf};

pub struct Bootloader {
    /// Its file, or `<built-in>/TRIPLE/FILE` for one pyfreeze carries.
    pub path: PathBuf,
    data: Data,
}

enum Data {
    /// A file, mapped: read where needed, and copied by the kernel into the
    /// output when it is used unchanged.
    Mapped(memmap2::Mmap),
    /// Built in: decompressed into memory.
    BuiltIn(Vec<u8>),
}

impl Bootloader {
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Mapped(map) => map,
            Data::BuiltIn(bytes) => bytes,
        }
    }

    /// A file on disk (not one pyfreeze carries).
    pub fn on_disk(&self) -> bool {
        matches!(self.data, Data::Mapped(_))
    }
}

/// Where a bootloader named `stem` for `target` may be, in the order they
/// are tried after `--bootloader`: `$PYFREEZE_BOOTLOADER_DIR/TRIPLE/`, then
/// beside the `pyfreeze` executable (`pyfreeze-boot` itself for the host,
/// and `bootloaders/TRIPLE/`), then the one pyfreeze carries, if any.
pub fn candidates(target: &Target, stem: &str) -> Vec<PathBuf> {
    let mut out = on_disk_candidates(target, stem);
    out.extend(super::embedded::path(
        &target.triple,
        &format!("{stem}{}", target.exe_suffix()),
    ));
    out
}

/// Whether `path` is a bootloader that exists (on disk or built in).
pub fn exists(path: &Path) -> bool {
    path.is_file() || super::embedded::contains(path)
}

fn on_disk_candidates(target: &Target, stem: &str) -> Vec<PathBuf> {
    let file = format!("{stem}{}", target.exe_suffix());
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("PYFREEZE_BOOTLOADER_DIR").filter(|d| !d.is_empty()) {
        out.push(Path::new(&dir).join(&target.triple).join(&file));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        if target.is_host() {
            out.push(exe_dir.join(&file));
        }
        out.push(exe_dir.join("bootloaders").join(&target.triple).join(&file));
    }
    out
}

/// `--bootloader FILE`, else the first of [`candidates`] that exists.
pub fn find(explicit: Option<&Path>, target: &Target, runtime: &dyn Runtime) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let stem = runtime.bootloader_stem();
    let looked = candidates(target, stem);
    if let Some(found) = looked.iter().find(|p| exists(p)) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = looked
        .iter()
        .map(|p| format!("  {}", p.display()))
        .collect();
    let file = format!("{stem}{}", target.exe_suffix());
    let how = if target.is_host() {
        format!(
            "Install pyfreeze from its wheel (`pip install ./pyfreeze_rs-*.whl`, or \
             `pip install .` in a clone of pyfreeze), which carries its bootloaders; or build it with `cargo build --release --ignore-rust-version -p {stem}` \
             (or `cargo install --path bootloader`); or pass --bootloader FILE"
        )
    } else {
        format!(
            "Download the {stem}-{0} artifact of the `bootloaders` CI workflow (or build \
             {stem} with `cargo build --release --target {0}` on a machine with that \
             target's toolchain), put it at $PYFREEZE_BOOTLOADER_DIR/{0}/{file}, or pass --bootloader FILE",
            target.triple
        )
    };
    bail!(
        "no bootloader for {} found; looked in:\n{}\n{how}",
        target.triple,
        looked.join("\n")
    )
}

pub fn load(path: &Path, target: &Target, runtime: &dyn Runtime) -> Result<Bootloader> {
    let data = match super::embedded::read(path) {
        Some(bytes) => Data::BuiltIn(bytes?),
        None => Data::Mapped(
            std::fs::File::open(path)
                // SAFETY: read-only map of a file we only read; if it changes
                // under us the checks below or the output's checksum say so.
                .and_then(|f| unsafe { memmap2::Mmap::map(&f) })
                .with_context(|| format!("cannot read bootloader {}", path.display()))?,
        ),
    };
    let boot = Bootloader {
        path: path.to_path_buf(),
        data,
    };
    check(boot.bytes(), target, runtime).map_err(|e| crate::BuildError::Bootloader {
        path: path.to_path_buf(),
        message: format!("{e:#}"),
    })?;
    Ok(boot)
}

/// A file on disk or built in.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    match super::embedded::read(path) {
        Some(bytes) => bytes.map_err(std::io::Error::other),
        None => std::fs::read(path),
    }
}

/// What goblin says the file is.
#[derive(Debug, PartialEq, Eq)]
pub struct Detected {
    pub format: Format,
    pub arch: Option<Arch>,
}

pub fn detect(bytes: &[u8]) -> Result<Detected> {
    use goblin::Object;
    let object = Object::parse(bytes).map_err(|e| anyhow::anyhow!("not an executable: {e}"))?;
    Ok(match object {
        Object::Elf(elf) => {
            if !matches!(
                elf.header.e_type,
                goblin::elf::header::ET_EXEC | goblin::elf::header::ET_DYN
            ) {
                bail!(
                    "an ELF file, but not an executable (type {})",
                    elf.header.e_type
                );
            }
            let arch = match elf.header.e_machine {
                goblin::elf::header::EM_X86_64 => Some(Arch::X86_64),
                goblin::elf::header::EM_AARCH64 => Some(Arch::Aarch64),
                _ => None,
            };
            Detected {
                format: Format::Elf,
                arch,
            }
        }
        Object::PE(pe) => {
            let arch = match pe.header.coff_header.machine {
                goblin::pe::header::COFF_MACHINE_X86_64 => Some(Arch::X86_64),
                goblin::pe::header::COFF_MACHINE_ARM64 => Some(Arch::Aarch64),
                _ => None,
            };
            Detected {
                format: Format::Pe,
                arch,
            }
        }
        Object::Mach(goblin::mach::Mach::Binary(macho)) => {
            let arch = match macho.header.cputype {
                goblin::mach::cputype::CPU_TYPE_X86_64 => Some(Arch::X86_64),
                goblin::mach::cputype::CPU_TYPE_ARM64 => Some(Arch::Aarch64),
                _ => None,
            };
            Detected {
                format: Format::MachO,
                arch,
            }
        }
        Object::Mach(goblin::mach::Mach::Fat(_)) => {
            bail!("a universal (fat) Mach-O binary; pass the thin binary for one architecture")
        }
        _ => bail!("not an executable in a format pyfreeze knows (ELF, PE, Mach-O)"),
    })
}

pub fn describe(format: Format) -> &'static str {
    match format {
        Format::Elf => "ELF",
        Format::Pe => "PE",
        Format::MachO => "Mach-O",
    }
}

pub fn describe_arch(arch: Option<Arch>) -> &'static str {
    match arch {
        Some(Arch::X86_64) => "x86_64",
        Some(Arch::Aarch64) => "aarch64",
        None => "an unsupported architecture",
    }
}

/// The file is an executable of `target`'s format and architecture.
pub fn check_kind(bytes: &[u8], target: &Target) -> Result<()> {
    let detected = detect(bytes)?;
    if detected.format != target.format() || detected.arch != Some(target.arch) {
        bail!(
            "it is a {} {} executable, but target {} needs a {} {} one",
            describe_arch(detected.arch),
            describe(detected.format),
            target.triple,
            describe_arch(Some(target.arch)),
            describe(target.format()),
        );
    }
    Ok(())
}

fn check(bytes: &[u8], target: &Target, runtime: &dyn Runtime) -> Result<()> {
    check_kind(bytes, target)?;
    if pyfreeze_bundle::reader::locate(bytes).is_ok() {
        bail!("it is already a frozen program, not a bare bootloader; pass pyfreeze-boot itself");
    }
    let marker = marker(bytes).context(
        "it is not a pyfreeze bootloader (no pyfreeze marker inside); pass the pyfreeze-boot binary",
    )?;
    if marker != runtime.bootloader_marker() {
        bail!(
            "it was built for a different bundle or bytecode format ({marker:?}, this pyfreeze writes {:?}); \
             use the bootloader from the same pyfreeze release",
            runtime.bootloader_marker()
        );
    }
    Ok(())
}

/// The runtime whose bootloader `path` is, going by its marker; `None` for
/// a file that is not a bootloader of this pyfreeze (which [`load`] then
/// refuses, saying why).
pub fn runtime_of(path: &Path) -> Option<crate::runtime::RuntimeKind> {
    let bytes = match super::embedded::read(path) {
        Some(bytes) => bytes.ok()?,
        None => {
            let file = std::fs::File::open(path).ok()?;
            if !file.metadata().ok()?.is_file() {
                return None;
            }
            // SAFETY: read-only map of a file only read here.
            let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
            return crate::runtime::RuntimeKind::of_marker(marker(&map)?);
        }
    };
    crate::runtime::RuntimeKind::of_marker(marker(&bytes)?)
}

/// The bootloader's marker string, up to its last `;`.
pub fn marker(bytes: &[u8]) -> Option<&str> {
    let prefix = pyfreeze_bundle::BOOTLOADER_MARKER_PREFIX.as_bytes();
    let at = memchr::memmem::find(bytes, prefix)?;
    let rest = &bytes[at..bytes.len().min(at + 256)];
    let end = rest
        .iter()
        .position(|b| !b.is_ascii_graphic())
        .unwrap_or(rest.len());
    let text = std::str::from_utf8(&rest[..end]).ok()?;
    Some(&text[..text.rfind(';')? + 1])
}
