//! Writing a bundle: a deterministic zip payload with the manifest as its last
//! entry, then the trailer. Used by the packager only.

use crate::manifest::{Compression, FileRecord, Manifest};
use crate::trailer::Trailer;
use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("two files map to the same archive path {0}")]
    Duplicate(String),
    #[error("archive path {0:?} is not a safe relative path")]
    UnsafePath(String),
    #[error("writing the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the archive: {0}")]
    Io(#[from] std::io::Error),
}

/// zlib's default: what `--compress all` used before zstd.
const DEFLATE_LEVEL: i64 = 6;

/// zstd's level for entries: chosen by measurement (bench/RESULTS.md).
pub const ZSTD_LEVEL: i64 = 9;

/// Collects files, then writes them in path order with fixed timestamps and
/// permissions, so the same inputs always give the same bytes.
pub struct BundleWriter {
    files: BTreeMap<String, (Vec<u8>, Compression)>,
    mtime: zip::DateTime,
}

/// The payload and where its manifest ended up.
pub struct Payload {
    pub bytes: Vec<u8>,
    pub manifest: Manifest,
    pub manifest_range: (u64, u64),
}

impl BundleWriter {
    /// `epoch`: the time stamped on every entry (`SOURCE_DATE_EPOCH`), else 1980-01-01.
    pub fn new(epoch: Option<u64>) -> Self {
        let mtime = epoch.and_then(zip_time_from_epoch).unwrap_or_default();
        BundleWriter {
            files: BTreeMap::new(),
            mtime,
        }
    }

    pub fn add(
        &mut self,
        path: String,
        data: Vec<u8>,
        compression: Compression,
    ) -> Result<(), WriteError> {
        if !crate::reader::is_safe_relative_path(&path) || path == crate::MANIFEST_PATH {
            return Err(WriteError::UnsafePath(path));
        }
        if self.files.contains_key(&path) {
            return Err(WriteError::Duplicate(path));
        }
        self.files.insert(path, (data, compression));
        Ok(())
    }

    /// The bytes added at `path`, uncompressed.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|(bytes, _)| bytes.as_slice())
    }

    /// Every archive path added so far, sorted.
    pub fn paths(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Write the zip; `manifest.files` is filled in here from what was written.
    pub fn finish(self, manifest: Manifest) -> Result<Payload, WriteError> {
        self.finish_with_cache(manifest, None)
    }

    /// [`BundleWriter::finish`], reusing deflated entries from `cache`
    /// (deflating is most of the time an unchanged rebuild takes).
    pub fn finish_with_cache(
        self,
        mut manifest: Manifest,
        cache: Option<&dyn DeflateCache>,
    ) -> Result<Payload, WriteError> {
        let options = |c: Compression| {
            let o = SimpleFileOptions::default()
                .last_modified_time(self.mtime)
                .unix_permissions(0o644);
            match c {
                Compression::Stored => o.compression_method(zip::CompressionMethod::Stored),
                Compression::Deflate => o
                    .compression_method(zip::CompressionMethod::Deflated)
                    .compression_level(Some(DEFLATE_LEVEL)),
                Compression::Zstd => o
                    .compression_method(zip::CompressionMethod::Zstd)
                    .compression_level(Some(ZSTD_LEVEL)),
            }
        };
        // Deflate in parallel, each file into a one-entry zip whose
        // compressed data is then copied as is; hash in parallel too.
        use rayon::prelude::*;
        let files: Vec<(&String, &(Vec<u8>, Compression))> = self.files.iter().collect();
        let prepared: Vec<(Option<Vec<u8>>, String, u32)> = files
            .par_iter()
            .map(|(path, (data, compression))| {
                let sha256 = crate::sha256_hex(data);
                let single = match compression {
                    Compression::Stored => None,
                    Compression::Deflate | Compression::Zstd => {
                        let key = deflate_key(path, &sha256, *compression, self.mtime);
                        // A cached entry is used only when it inflates to
                        // exactly this file (name, size, sha256).
                        let hit = cache.and_then(|c| c.get(&key)).filter(|hit| {
                            let sound = deflated_entry_is(hit, path, data.len(), &sha256);
                            if let (false, Some(c)) = (sound, cache) {
                                c.rejected(&key);
                            }
                            sound
                        });
                        match hit {
                            Some(hit) => Some(hit),
                            None => {
                                let fresh = single_entry_zip(path, data, options(*compression))?;
                                if let Some(c) = cache {
                                    c.put(&key, &fresh);
                                }
                                Some(fresh)
                            }
                        }
                    }
                };
                Ok::<_, WriteError>((single, sha256, crate::crc32(data)))
            })
            .collect::<Result<_, _>>()?;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let mut records = Vec::with_capacity(files.len());
        for ((path, (data, compression)), (single, sha256, crc32)) in
            files.into_iter().zip(prepared)
        {
            // What does not shrink (already compressed data) is stored:
            // reading it back then costs nothing.
            let single = single
                .map(|s| zip::ZipArchive::new(Cursor::new(s)))
                .transpose()?
                .filter(|archive| {
                    archive
                        .clone()
                        .by_index_raw(0)
                        .is_ok_and(|e| worth_compressing(e.compressed_size(), data.len()))
                });
            let compression = match single {
                Some(mut archive) => {
                    zip.raw_copy_file(archive.by_index_raw(0)?)?;
                    *compression
                }
                None => {
                    zip.start_file(path.as_str(), options(Compression::Stored))?;
                    zip.write_all(data)?;
                    Compression::Stored
                }
            };
            records.push(FileRecord {
                path: path.clone(),
                offset: 0,
                stored: 0,
                size: data.len() as u64,
                compression,
                sha256,
                crc32,
            });
        }
        let bytes = zip.finish()?.into_inner();

        // Where did each entry's data land? Ask the zip reader rather than
        // recomputing local header sizes.
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes))?;
        for (i, rec) in records.iter_mut().enumerate() {
            let entry = archive.by_index_raw(i)?;
            debug_assert_eq!(entry.name(), rec.path);
            rec.offset = entry.data_start();
            rec.stored = entry.compressed_size();
        }
        drop(archive);
        manifest.files = records;

        let json = serde_json::to_vec(&manifest).map_err(std::io::Error::other)?;
        let mut zip = zip::ZipWriter::new_append(Cursor::new(bytes))?;
        zip.start_file(crate::MANIFEST_PATH, options(Compression::Stored))?;
        zip.write_all(&json)?;
        let bytes = zip.finish()?.into_inner();

        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes))?;
        let entry = archive.by_name(crate::MANIFEST_PATH)?;
        let manifest_range = (entry.data_start(), entry.compressed_size());
        drop(entry);
        drop(archive);
        Ok(Payload {
            bytes,
            manifest,
            manifest_range,
        })
    }
}

/// Whether compressing saved enough to pay for decompressing: 3% of the
/// file, and more than a zip header's worth.
fn worth_compressing(compressed: u64, size: usize) -> bool {
    let size = size as u64;
    compressed + 64 < size && compressed * 100 < size * 97
}

/// Where deflated entries can be kept between builds (the packager's cache).
pub trait DeflateCache: Sync {
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    fn put(&self, key: &str, single_entry_zip: &[u8]);
    /// An entry `get` returned was not what its key promised.
    fn rejected(&self, key: &str);
}

/// Whether `single` is a one-entry zip of `path` that inflates to `size`
/// bytes hashing to `sha256` (cheap next to deflating: inflate is fast).
fn deflated_entry_is(single: &[u8], path: &str, size: usize, sha256: &str) -> bool {
    let check = || -> Result<bool, WriteError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(single))?;
        if archive.len() != 1 {
            return Ok(false);
        }
        let mut entry = archive.by_index(0)?;
        if entry.name() != path || entry.size() != size as u64 {
            return Ok(false);
        }
        let mut inflated = Vec::with_capacity(size);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut entry, size as u64 + 1),
            &mut inflated,
        )?;
        Ok(inflated.len() == size && crate::sha256_hex(&inflated) == sha256)
    };
    check().unwrap_or(false)
}

/// What determines a compressed entry: its name, content, time stamp and
/// the writer's settings.
fn deflate_key(path: &str, sha256: &str, how: Compression, mtime: zip::DateTime) -> String {
    use sha2::{Digest, Sha256};
    let settings = match how {
        Compression::Zstd => format!("zstd-v1/level-{ZSTD_LEVEL}"),
        _ => format!("deflate-v1/level-{DEFLATE_LEVEL}"),
    };
    let mut h = Sha256::new();
    for part in [&settings, path, sha256, &format!("{mtime:?}")] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    crate::hex(&h.finalize())
}

fn single_entry_zip(
    path: &str,
    data: &[u8],
    options: SimpleFileOptions,
) -> Result<Vec<u8>, WriteError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(path, options)?;
    zip.write_all(data)?;
    Ok(zip.finish()?.into_inner())
}

impl Payload {
    /// The trailer for this payload appended after a bootloader of `bootloader_len` bytes.
    pub fn trailer(&self, bootloader_len: u64) -> Trailer {
        Trailer::for_payload(&self.bytes, bootloader_len, self.manifest_range)
    }
}

fn zip_time_from_epoch(secs: u64) -> Option<zip::DateTime> {
    // Civil-from-days (Howard Hinnant), enough for zip's 1980..2107 range.
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    zip::DateTime::from_date_and_time(
        year,
        month,
        day,
        (rem / 3600) as u8,
        (rem % 3600 / 60) as u8,
        (rem % 60) as u8,
    )
    .ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::manifest::*;
    use crate::reader::Bundle;

    /// A one-script manifest (`app.py`, `app.pyc`) for tests; `files` is
    /// filled in by [`BundleWriter::finish`].
    pub(crate) fn manifest() -> Manifest {
        Manifest {
            format: crate::FORMAT_VERSION,
            bytecode: crate::runtime::rustpython::BYTECODE_FORMAT.into(),
            entry: Entry::Script {
                module: "__main__".into(),
            },
            build: BuildInfo::default(),
            runtime: None,
            modules: vec![ModuleRecord {
                name: "__main__".into(),
                kind: ModuleKind::Module,
                origin: Origin::User,
                path: "app.py".into(),
                code: Some("app.pyc".into()),
                source: Some("app.py".into()),
                on_disk: false,
            }],
            env: Default::default(),
            libraries: Vec::new(),
            prefetch: Vec::new(),
            build_files: Vec::new(),
            files: vec![],
        }
    }

    fn build(epoch: Option<u64>) -> Vec<u8> {
        let mut w = BundleWriter::new(epoch);
        w.add("app.pyc".into(), b"bytecode".to_vec(), Compression::Stored)
            .unwrap();
        w.add(
            "app.py".into(),
            b"print('hi')\n".repeat(50),
            Compression::Deflate,
        )
        .unwrap();
        let payload = w.finish(manifest()).unwrap();
        let boot = b"\x7fELF pretend bootloader".to_vec();
        let t = payload.trailer(boot.len() as u64);
        [boot, payload.bytes, t.to_bytes().to_vec()].concat()
    }

    #[test]
    fn written_bundles_read_back() {
        let file = build(None);
        let b = Bundle::open(&file).unwrap();
        assert_eq!(&*b.read_path("app.pyc").unwrap(), b"bytecode");
        assert_eq!(
            &*b.read_path("app.py").unwrap(),
            &b"print('hi')\n".repeat(50)[..]
        );
        assert!(b.damaged_files().is_empty());
        assert_eq!(b.manifest.module("__main__").unwrap().path, "app.py");
        // The payload is a real zip that other tools can list.
        let zip = zip::ZipArchive::new(Cursor::new(b.payload)).unwrap();
        assert_eq!(zip.len(), 3);
    }

    #[test]
    fn same_inputs_same_bytes_and_epoch_is_honoured() {
        assert_eq!(build(None), build(None));
        assert_ne!(build(None), build(Some(1_700_000_000)));
        let t = zip_time_from_epoch(1_700_000_000).unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (2023, 11, 14, 22));
    }

    /// Wherever a byte flips, a reader never gets other bytes than were
    /// written: the bundle is refused at open (manifest, trailer) or the
    /// entry when read (CRC-32); and the whole-payload hash (`verify`)
    /// notices every flip, in zip headers too.
    #[test]
    fn every_flipped_byte_is_refused() {
        let file = build(None);
        let good = Bundle::open(&file).unwrap();
        let originals: Vec<Vec<u8>> = good
            .manifest
            .files
            .iter()
            .map(|rec| good.read(rec).unwrap().into_owned())
            .collect();
        let boot_len = b"\x7fELF pretend bootloader".len();
        let (mut at_open, mut at_read) = (0, 0);
        for i in boot_len..file.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x20;
            if let Ok(b) = Bundle::open_unverified(&bad) {
                assert!(!b.checksums_ok(), "flip at {i} not seen by verify");
            }
            let Ok(b) = Bundle::open(&bad) else {
                at_open += 1;
                continue;
            };
            assert_eq!(b.manifest, good.manifest, "flip at {i}");
            for (rec, original) in b.manifest.files.iter().zip(&originals) {
                match b.read(rec) {
                    Ok(bytes) => assert_eq!(&*bytes, &original[..], "flip at {i}: wrong bytes"),
                    Err(_) => at_read += 1,
                }
            }
        }
        // Both checks were exercised.
        assert!(at_open > 0 && at_read > 0, "{at_open} {at_read}");
    }

    #[test]
    fn truncation_and_appended_junk_are_named() {
        let file = build(None);
        let cut = &file[..file.len() - 1];
        assert!(Bundle::open(cut).is_err());
        let mut longer = file.clone();
        longer.extend_from_slice(b"junk");
        assert_eq!(
            Bundle::open(&longer).unwrap_err(),
            crate::BundleError::AppendedData(4)
        );
        let mut shorter_payload = file.clone();
        shorter_payload.drain(30..40);
        assert!(matches!(
            Bundle::open(&shorter_payload).unwrap_err(),
            crate::BundleError::Truncated { .. }
        ));
    }

    #[test]
    fn duplicate_and_unsafe_paths_are_refused() {
        let mut w = BundleWriter::new(None);
        w.add("a.py".into(), vec![], Compression::Stored).unwrap();
        assert!(matches!(
            w.add("a.py".into(), vec![], Compression::Stored),
            Err(WriteError::Duplicate(_))
        ));
        assert!(matches!(
            w.add("../a.py".into(), vec![], Compression::Stored),
            Err(WriteError::UnsafePath(_))
        ));
    }

    /// A cache whose every entry is a forgery: another file's deflated
    /// bytes under the same name and size.
    struct Forged(std::sync::Mutex<usize>);

    impl DeflateCache for Forged {
        fn get(&self, _key: &str) -> Option<Vec<u8>> {
            let options =
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            single_entry_zip("app.py", &b"import os\n".repeat(60), options).ok()
        }
        fn put(&self, _key: &str, _single_entry_zip: &[u8]) {}
        fn rejected(&self, _key: &str) {
            *self.0.lock().unwrap() += 1;
        }
    }

    #[test]
    fn a_forged_deflate_cache_entry_is_rejected() {
        let genuine = b"print('hi')\n".repeat(50);
        assert_eq!(genuine.len(), b"import os\n".repeat(60).len());
        let mut w = BundleWriter::new(None);
        w.add("app.pyc".into(), b"bytecode".to_vec(), Compression::Stored)
            .unwrap();
        w.add("app.py".into(), genuine.clone(), Compression::Deflate)
            .unwrap();
        let forged = Forged(Default::default());
        let payload = w.finish_with_cache(manifest(), Some(&forged)).unwrap();
        assert_eq!(*forged.0.lock().unwrap(), 1);
        let t = payload.trailer(4);
        let file = [b"boot".to_vec(), payload.bytes, t.to_bytes().to_vec()].concat();
        let b = Bundle::open(&file).unwrap();
        assert_eq!(&*b.read_path("app.py").unwrap(), &genuine[..]);
        assert!(b.damaged_files().is_empty());
    }
}
