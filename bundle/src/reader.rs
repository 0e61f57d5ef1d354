//! Reading a bundle out of an executable's bytes (usually a memory map).
//!
//! Used by the bootloader at every start and by `pyfreeze inspect`, `verify`
//! and `extract`. Every number read from the file is checked before use; the
//! functions here return errors and never panic on any input.

use crate::limits::*;
use crate::manifest::{Compression, FileRecord, Manifest};
use crate::trailer::{self, Trailer};
use std::borrow::Cow;
use std::io::Read;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("not a pyfreeze bundle (no pyfreeze trailer at the end of the file)")]
    NotABundle,
    #[error(
        "{0} bytes were appended after the end of the pyfreeze bundle; remove them or rebuild the executable"
    )]
    AppendedData(u64),
    #[error(
        "the file is truncated: the bundle needs {expected} bytes but the file has {actual}; download or copy it again"
    )]
    Truncated { expected: u64, actual: u64 },
    #[error(
        "bundle format {found} is not supported by this pyfreeze (it reads format {supported}); rebuild with a matching pyfreeze"
    )]
    UnsupportedFormat { found: u32, supported: u32 },
    #[error(
        "bytecode format '{found}' does not match this runtime's '{expected}'; rebuild the program with the pyfreeze that matches this bootloader"
    )]
    IncompatibleBytecode { found: String, expected: String },
    #[error(
        "checksum mismatch: the bundle was modified or corrupted after it was built; rebuild it or download it again"
    )]
    ChecksumMismatch,
    #[error(
        "{0} does not match its checksum: the bundle was modified or corrupted after it was built; rebuild it or download it again"
    )]
    EntryDamaged(String),
    #[error("the bundle is damaged: {0}")]
    Damaged(String),
}

impl BundleError {
    fn damaged(msg: impl Into<String>) -> Self {
        BundleError::Damaged(msg.into())
    }
}

/// A bundle located in `file`, with its manifest parsed and checked for consistency.
#[derive(Debug)]
pub struct Bundle<'a> {
    pub trailer: Trailer,
    /// The zip payload.
    pub payload: &'a [u8],
    pub manifest: Manifest,
    /// Size of the executable part before the payload (the bootloader).
    pub bootloader_len: u64,
}

impl<'a> Bundle<'a> {
    /// Locate, check the manifest's checksum, then parse the manifest: what
    /// a start does. Entries are checked as they are read ([`Bundle::read`]);
    /// [`Bundle::checksums_ok`] checks every byte. A bootloader then
    /// checks the bytecode is its own ([`Bundle::check_bytecode`]).
    pub fn open(file: &'a [u8]) -> Result<Self, BundleError> {
        let (trailer, payload) = locate(file)?;
        check_manifest_hash(&trailer, payload)?;
        Self::parse(trailer, payload)
    }

    /// The manifest step of [`Bundle::open`], for callers that time each step.
    pub fn parse(trailer: Trailer, payload: &'a [u8]) -> Result<Self, BundleError> {
        Self::from_parts(trailer, payload)
    }

    /// Locate and parse without checking the checksum, for tools that want to
    /// report what is wrong inside a damaged bundle (`pyfreeze verify`).
    pub fn open_unverified(file: &'a [u8]) -> Result<Self, BundleError> {
        let (trailer, payload) = locate(file)?;
        Self::from_parts(trailer, payload)
    }

    fn from_parts(trailer: Trailer, payload: &'a [u8]) -> Result<Self, BundleError> {
        let start = trailer.manifest_offset;
        let len = trailer.manifest_len;
        if len > MAX_MANIFEST_BYTES {
            return Err(BundleError::damaged(format!(
                "manifest claims {len} bytes (limit {MAX_MANIFEST_BYTES})"
            )));
        }
        let raw = slice(payload, start, len).ok_or_else(|| {
            BundleError::damaged("the manifest lies outside the archive".to_string())
        })?;
        let manifest: Manifest = serde_json::from_slice(raw)
            .map_err(|e| BundleError::damaged(format!("unreadable manifest: {e}")))?;
        if manifest.format != crate::FORMAT_VERSION {
            return Err(BundleError::UnsupportedFormat {
                found: manifest.format,
                supported: crate::FORMAT_VERSION,
            });
        }
        check_manifest(&manifest, payload.len() as u64)?;
        Ok(Bundle {
            trailer,
            payload,
            manifest,
            bootloader_len: trailer.payload_offset,
        })
    }

    /// Refuse bytecode this runtime cannot execute.
    pub fn check_bytecode(&self, expected: &str) -> Result<(), BundleError> {
        if self.manifest.bytecode != expected {
            return Err(BundleError::IncompatibleBytecode {
                found: self.manifest.bytecode.clone(),
                expected: expected.to_string(),
            });
        }
        Ok(())
    }

    /// Both of the trailer's hashes: every byte of the payload and of the
    /// trailer (`pyfreeze verify`, `extract`).
    pub fn checksums_ok(&self) -> bool {
        self.trailer.compute_hash(self.payload) == self.trailer.sha256
            && check_manifest_hash(&self.trailer, self.payload).is_ok()
    }

    /// The unpacked bytes of a file, checked against the CRC-32 the
    /// manifest records: borrowed straight from the map when stored.
    pub fn read(&self, rec: &FileRecord) -> Result<Cow<'a, [u8]>, BundleError> {
        unpack(rec, self.stored_bytes(rec)?)
    }

    fn read_unchecked(&self, rec: &FileRecord) -> Result<Cow<'a, [u8]>, BundleError> {
        inflate(rec, self.stored_bytes(rec)?)
    }

    /// The bytes `rec` occupies in the archive, as stored (maybe deflated).
    fn stored_bytes(&self, rec: &FileRecord) -> Result<&'a [u8], BundleError> {
        slice(self.payload, rec.offset, rec.stored)
            .ok_or_else(|| BundleError::damaged(format!("{} lies outside the archive", rec.path)))
    }

    pub fn read_path(&self, path: &str) -> Result<Cow<'a, [u8]>, BundleError> {
        let rec = self
            .manifest
            .file(path)
            .ok_or_else(|| BundleError::damaged(format!("{path} is not in the archive")))?;
        self.read(rec)
    }

    /// Recompute every file's sha256; returns the files that differ, with why.
    pub fn damaged_files(&self) -> Vec<(String, String)> {
        self.manifest
            .files
            .iter()
            .filter_map(|rec| match self.read_unchecked(rec) {
                Err(e) => Some((rec.path.clone(), e.to_string())),
                Ok(bytes) if crate::sha256_hex(&bytes) != rec.sha256 => Some((
                    rec.path.clone(),
                    "sha256 differs from the manifest".to_string(),
                )),
                // What the runtime checks when it reads the file.
                Ok(bytes) if crate::crc32(&bytes) != rec.crc32 => Some((
                    rec.path.clone(),
                    "CRC-32 differs from the manifest".to_string(),
                )),
                Ok(_) => None,
            })
            .collect()
    }
}

/// The unpacked bytes of the entry `rec` from its stored bytes `raw` (read
/// from the map, or from the file), checked against its CRC-32.
pub fn unpack<'r>(rec: &FileRecord, raw: &'r [u8]) -> Result<Cow<'r, [u8]>, BundleError> {
    let bytes = inflate(rec, raw)?;
    if crate::crc32(&bytes) != rec.crc32 {
        return Err(BundleError::EntryDamaged(rec.path.clone()));
    }
    Ok(bytes)
}

fn inflate<'r>(rec: &FileRecord, raw: &'r [u8]) -> Result<Cow<'r, [u8]>, BundleError> {
    let mut out = Vec::with_capacity(rec.size.min(16 << 20) as usize);
    let unpacked = match rec.compression {
        Compression::Stored => return Ok(Cow::Borrowed(raw)),
        // Bounded by the declared size: a zip bomb stops at size + 1 bytes.
        Compression::Deflate => flate2::read::DeflateDecoder::new(raw)
            .take(rec.size + 1)
            .read_to_end(&mut out)
            .map(|_| ()),
        // Into a buffer of the declared size (the manifest's checked bound):
        // more output than that is an error, not a larger allocation.
        Compression::Zstd => {
            out.reserve_exact(rec.size as usize);
            zstd_into(raw, &mut out)
        }
    };
    unpacked.map_err(|e| BundleError::damaged(format!("{}: {e}", rec.path)))?;
    if out.len() as u64 != rec.size {
        return Err(BundleError::damaged(format!(
            "{}: unpacks to {} bytes, manifest says {}",
            rec.path,
            out.len(),
            rec.size
        )));
    }
    Ok(Cow::Owned(out))
}

/// Decompress the zstd frames of `raw` into `out`'s spare capacity, with
/// this thread's decompression context (made once: a new one per module
/// cost more than decompressing it).
fn zstd_into(raw: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    use std::cell::RefCell;
    thread_local! {
        static CONTEXT: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { RefCell::new(None) };
    }
    CONTEXT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let context = match slot.as_mut() {
            Some(context) => context,
            None => {
                let mut context = zstd::bulk::Decompressor::new()?;
                context.set_parameter(zstd::zstd_safe::DParameter::WindowLogMax(
                    ZSTD_WINDOW_LOG_MAX,
                ))?;
                slot.insert(context)
            }
        };
        context.decompress_to_buffer(raw, out).map(|_| ())
    })
}

/// A zstd decoder of `raw`, which may hold several frames one after the
/// other. Its window is limited to what the writer uses, so that a crafted
/// entry cannot make it allocate more.
pub fn zstd_decoder<R: Read>(raw: R) -> std::io::Result<impl Read> {
    let mut decoder = zstd::stream::read::Decoder::new(raw)?;
    decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
    Ok(decoder)
}

/// The checksum step of [`Bundle::open`]: the sha256 over the manifest and
/// the trailer's fields.
pub fn check_manifest_hash(trailer: &Trailer, payload: &[u8]) -> Result<(), BundleError> {
    let manifest = slice(payload, trailer.manifest_offset, trailer.manifest_len)
        .ok_or_else(|| BundleError::damaged("the manifest lies outside the archive"))?;
    if trailer.compute_manifest_hash(manifest) == trailer.manifest_sha256 {
        Ok(())
    } else {
        Err(BundleError::ChecksumMismatch)
    }
}

/// Find the trailer at the end of `file` (or right before a code signature
/// added after the build) and the payload it points to.
pub fn locate(file: &[u8]) -> Result<(Trailer, &[u8]), BundleError> {
    match locate_at_end(file) {
        Err(first) => {
            // Signers pad to an alignment before the signature: look a few bytes back.
            let Some(start) = crate::signature::signature_start(file) else {
                return Err(first);
            };
            (0..16)
                .filter_map(|pad| start.checked_sub(pad))
                .find_map(|end| locate_at_end(&file[..end]).ok())
                .ok_or(first)
        }
        found => found,
    }
}

fn locate_at_end(file: &[u8]) -> Result<(Trailer, &[u8]), BundleError> {
    let file_len = file.len() as u64;
    let Some(tail) = file.len().checked_sub(trailer::LEN).map(|at| &file[at..]) else {
        return Err(BundleError::NotABundle);
    };
    let Some(t) = tail.try_into().ok().and_then(Trailer::from_bytes) else {
        return Err(match find_earlier_trailer(file) {
            Some(extra) => BundleError::AppendedData(extra),
            None if has_payload_remains(file) => BundleError::damaged(
                "the file holds archive data but no pyfreeze trailer at its end: it was \
                 truncated or modified; rebuild it or download it again",
            ),
            None => BundleError::NotABundle,
        });
    };
    if t.format != crate::FORMAT_VERSION {
        return Err(BundleError::UnsupportedFormat {
            found: t.format,
            supported: crate::FORMAT_VERSION,
        });
    }
    if t.flags != 0 {
        return Err(BundleError::damaged(format!(
            "unknown trailer flags {:#x}",
            t.flags
        )));
    }
    let expected = t
        .payload_offset
        .checked_add(t.payload_len)
        .and_then(|n| n.checked_add(trailer::LEN as u64))
        .ok_or_else(|| BundleError::damaged("trailer sizes overflow".to_string()))?;
    if expected > file_len {
        return Err(BundleError::Truncated {
            expected,
            actual: file_len,
        });
    }
    if expected < file_len {
        return Err(BundleError::damaged(format!(
            "trailer accounts for {expected} bytes but the file has {file_len}"
        )));
    }
    let payload = slice(file, t.payload_offset, t.payload_len)
        .ok_or_else(|| BundleError::damaged("payload lies outside the file".to_string()))?;
    Ok((t, payload))
}

/// When the last bytes are not a trailer, look back a little for one, to tell
/// "something was appended" apart from "not a bundle at all".
fn find_earlier_trailer(file: &[u8]) -> Option<u64> {
    const LOOK_BACK: usize = 1 << 20;
    let from = file.len().saturating_sub(LOOK_BACK);
    let window = &file[from..];
    let pos = window
        .windows(trailer::MAGIC.len())
        .rposition(|w| w == trailer::MAGIC)?;
    let end = from + pos + trailer::MAGIC.len();
    let start = end.checked_sub(trailer::LEN)?;
    let t = Trailer::from_bytes(file[start..end].try_into().ok()?)?;
    // Only a trailer that describes the bytes before it counts.
    (t.payload_offset.checked_add(t.payload_len)? + trailer::LEN as u64 == end as u64)
        .then(|| (file.len() - end) as u64)
}

/// Whether the file still holds remains of a payload (a zip local file
/// header), told apart from a file that never had one, like the bare
/// bootloader. The signature is assembled at run time so that the
/// bootloader's own bytes do not contain it.
fn has_payload_remains(file: &[u8]) -> bool {
    let signature = [b'P', b'K', std::hint::black_box(3u8), 4];
    memchr::memmem::find(file, &signature).is_some()
}

fn slice(data: &[u8], offset: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    data.get(start..end)
}

/// A relative path that cannot leave the directory it is joined to.
pub fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= MAX_NAME_LEN
        && !path.starts_with('/')
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.ends_with(':'))
}

/// A dotted module name a bundle can hold.
pub fn is_module_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.split('.').count() <= MAX_NESTING
        && name.split('.').all(|part| {
            !part.is_empty()
                // `-` and a leading digit too: CPython imports such files by
                // computed name (`_sysconfigdata__linux_x86_64-linux-gnu`,
                // mypyc's shared `650fdafa2468af73c11f__mypyc`).
                && part.chars().all(|c| c == '_' || c == '-' || c.is_alphanumeric())
        })
}

/// Everything the runtime relies on without re-checking: sorted unique names,
/// safe paths, files inside the payload, modules pointing at existing files.
fn check_manifest(m: &Manifest, payload_len: u64) -> Result<(), BundleError> {
    if m.files.len() > MAX_ENTRIES || m.modules.len() > MAX_ENTRIES {
        return Err(BundleError::damaged(format!(
            "manifest lists {} files and {} modules (limit {MAX_ENTRIES})",
            m.files.len(),
            m.modules.len()
        )));
    }
    for pair in m.files.windows(2) {
        if pair[0].path >= pair[1].path {
            return Err(BundleError::damaged(format!(
                "file list not sorted or duplicated at {}",
                pair[1].path
            )));
        }
    }
    for pair in m.modules.windows(2) {
        if pair[0].name >= pair[1].name {
            return Err(BundleError::damaged(format!(
                "module list not sorted or duplicated at {}",
                pair[1].name
            )));
        }
    }
    for f in &m.files {
        if !is_safe_relative_path(&f.path) {
            return Err(BundleError::damaged(format!(
                "unsafe file name {:?}",
                f.path
            )));
        }
        if f.size > MAX_FILE_BYTES {
            return Err(BundleError::damaged(format!(
                "{} claims {} bytes (limit {MAX_FILE_BYTES})",
                f.path, f.size
            )));
        }
        if f.offset
            .checked_add(f.stored)
            .is_none_or(|end| end > payload_len)
        {
            return Err(BundleError::damaged(format!(
                "{} lies outside the archive",
                f.path
            )));
        }
        if f.compression == Compression::Stored && f.stored != f.size {
            return Err(BundleError::damaged(format!(
                "{}: stored size {} differs from size {}",
                f.path, f.stored, f.size
            )));
        }
    }
    for module in &m.modules {
        if !is_module_name(&module.name) {
            return Err(BundleError::damaged(format!(
                "invalid module name {:?}",
                truncate(&module.name)
            )));
        }
        if !is_safe_relative_path(&module.path) {
            return Err(BundleError::damaged(format!(
                "unsafe module path {:?}",
                module.path
            )));
        }
        if module.code.is_none() != (module.kind == crate::ModuleKind::Namespace) {
            return Err(BundleError::damaged(format!(
                "module {} has no bytecode",
                module.name
            )));
        }
        for path in module.code.iter().chain(module.source.as_ref()) {
            if m.file(path).is_none() {
                return Err(BundleError::damaged(format!(
                    "module {} refers to missing file {path}",
                    module.name
                )));
            }
        }
    }
    if m.libraries.len() > MAX_ENTRIES {
        return Err(BundleError::damaged("too many libraries".to_string()));
    }
    for lib in &m.libraries {
        if m.file(&lib.path).is_none() {
            return Err(BundleError::damaged(format!(
                "library {} refers to missing file {}",
                truncate(&lib.soname),
                lib.path
            )));
        }
    }
    if m.prefetch.len() > MAX_ENTRIES {
        return Err(BundleError::damaged(
            "too many files to prefetch".to_string(),
        ));
    }
    for path in &m.prefetch {
        if m.file(path).is_none() {
            return Err(BundleError::damaged(format!(
                "prefetch refers to missing file {}",
                truncate(path)
            )));
        }
    }
    if m.module(m.entry.module()).is_none() {
        return Err(BundleError::damaged(format!(
            "entry module {} is not in the bundle",
            m.entry.module()
        )));
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths() {
        for ok in [
            "a.py",
            "pkg/mod.py",
            "a-1.0.dist-info/METADATA",
            "x/.hidden",
        ] {
            assert!(is_safe_relative_path(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/./b",
            "c:/x",
            "a\\b",
            "a\0",
        ] {
            assert!(!is_safe_relative_path(bad), "{bad}");
        }
    }

    #[test]
    fn module_names() {
        assert!(is_module_name("pkg.sub.mod"));
        assert!(is_module_name("__main__"));
        assert!(is_module_name("café"));
        // Importable by computed name, as CPython's sysconfig does.
        assert!(is_module_name("_sysconfigdata__linux_x86_64-linux-gnu"));
        assert!(is_module_name("650fdafa2468af73c11f__mypyc"));
        for bad in ["", "a..b", ".a", "a.", "a/b", "a b", "a\0"] {
            assert!(!is_module_name(bad), "{bad}");
        }
        assert!(!is_module_name(&vec!["a"; MAX_NESTING + 1].join(".")));
    }

    #[test]
    fn short_and_foreign_files_are_not_bundles() {
        assert_eq!(locate(b"").unwrap_err(), BundleError::NotABundle);
        assert_eq!(locate(&[7u8; 4096]).unwrap_err(), BundleError::NotABundle);
    }
}
