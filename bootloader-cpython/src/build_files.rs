//! Native files mapped from where the build machine has them.
//!
//! On the machine that built the bundle, libpython and the extension
//! modules are usually still where the build read them. Mapping those, as
//! python does, costs nothing; copying the bundle's bytes into a memfd costs
//! about 0.35 ms per MB at every start (hello: 7 MB of libpython). So a file
//! the manifest's `build_files` names is used instead of the bundle's copy
//! when it is, provably, the file the copy was made from:
//!
//! * the same device, inode, size, modification and change time as at the
//!   build (any write, chmod or new link changes the change time);
//! * a regular file owned by root or by this user, which no one else may
//!   write (so no one else can have changed it since it was checked).
//!
//! It is checked on the descriptor that is then loaded
//! (`/proc/self/fd/N`), so swapping the path afterwards changes nothing.
//! Anything else, or `PYFREEZE_NATIVE_FROM_MEMORY=1`, uses the bundle's copy.

use pyfreeze_bundle::Bundle;
use pyfreeze_bundle::manifest::{BuildFile, FileIdentity};
use std::fs::File;
use std::os::unix::fs::MetadataExt;

/// Set to `1` to copy the bundle's native code into memory even where the
/// build machine's files are there.
pub const FROM_MEMORY_VAR: &str = "PYFREEZE_NATIVE_FROM_MEMORY";

/// Whether build files may be used; reads the environment, so call it on
/// the main thread before any other starts.
pub fn allowed() -> bool {
    std::env::var_os(FROM_MEMORY_VAR).is_none_or(|v| v != "1")
}

/// The build machine's file for the archive's `path`, opened, if it is
/// still the one the bundle's copy was made from.
pub fn open(bundle: &Bundle<'_>, path: &str) -> Option<File> {
    let record = bundle
        .manifest
        .build_files
        .iter()
        .find(|f| f.path == path)?;
    open_record(record)
}

fn open_record(record: &BuildFile) -> Option<File> {
    let file = File::open(&record.file).ok()?;
    let meta = file.metadata().ok()?;
    let owner = meta.uid();
    let trusted = meta.is_file()
        && (owner == 0 || owner == pyfreeze_bundle::private_dir::uid())
        && meta.mode() & 0o022 == 0;
    (trusted && FileIdentity::of(&meta) == record.identity).then_some(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn record(file: &std::path::Path) -> BuildFile {
        BuildFile {
            path: "lib/libx.so".into(),
            file: file.to_str().unwrap().into(),
            identity: FileIdentity::of(&std::fs::metadata(file).unwrap()),
        }
    }

    #[test]
    fn only_the_unchanged_file_no_one_else_can_write_is_used() {
        let dir = std::env::temp_dir().join(format!("pyfreeze-build-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("libx.so");
        std::fs::write(&file, b"code").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let unchanged = record(&file);
        assert!(open_record(&unchanged).is_some(), "the same file");

        // Writable by others: someone else could have changed it.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(open_record(&record(&file)).is_none(), "writable by others");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();

        // The same size, rewritten in place: its change time moves.
        let before = record(&file);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
        f.write_all(b"evil").unwrap();
        drop(f);
        assert!(open_record(&before).is_none(), "rewritten in place");

        // Another file put in its place: another inode.
        let now = record(&file);
        let other = dir.join("other.so");
        std::fs::write(&other, b"evil").unwrap();
        std::fs::rename(&other, &file).unwrap();
        assert!(open_record(&now).is_none(), "replaced");

        // Gone.
        let last = record(&file);
        std::fs::remove_file(&file).unwrap();
        assert!(open_record(&last).is_none(), "removed");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
