//! The bundle the process was started with, reachable from the native module.

use pyfreeze_bundle::launch;
use pyfreeze_bundle::{Bundle, ModuleKind, ModuleRecord};
use std::borrow::Cow;
use std::sync::OnceLock;

pub(crate) struct Archive {
    pub bundle: Bundle<'static>,
    /// Directory the modules' `__file__` paths live under: virtual, or the
    /// directory the data files were materialised in.
    pub root: String,
    /// Whether the data files exist on disk under `root`.
    pub materialized: bool,
}

static ARCHIVE: OnceLock<Archive> = OnceLock::new();

/// Install the bundle; called once, before the interpreter starts.
pub(crate) fn install(
    bundle: Bundle<'static>,
    root: String,
    materialized: bool,
) -> &'static Archive {
    ARCHIVE.get_or_init(|| Archive {
        bundle,
        root,
        materialized,
    })
}

/// The root as the text this runtime's path functions work with. A root
/// that is not UTF-8 (under such a HOME) is named through a descriptor of
/// it, `/proc/self/fd/N`, which opens the same files; a virtual one, where
/// nothing is read from disk, is named lossily.
pub(crate) fn root_text(root: std::path::PathBuf, materialized: bool) -> String {
    match root.into_os_string().into_string() {
        Ok(text) => text,
        Err(root) => {
            #[cfg(target_os = "linux")]
            if materialized {
                use std::os::fd::IntoRawFd;
                use std::os::unix::fs::OpenOptionsExt;
                if let Ok(dir) = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC)
                    .open(&root)
                {
                    // Open for the life of the process, as the root is used.
                    return format!("/proc/self/fd/{}", dir.into_raw_fd());
                }
            }
            let _ = materialized;
            root.to_string_lossy().into_owned()
        }
    }
}

pub(crate) fn get() -> Option<&'static Archive> {
    ARCHIVE.get()
}

impl Archive {
    /// A module that `import` may find. `__main__` is the entry script and is
    /// only ever run, never imported.
    pub fn module(&self, name: &str) -> Option<&ModuleRecord> {
        if name == "__main__" {
            return None;
        }
        self.bundle.manifest.module(name)
    }

    pub fn kind(record: &ModuleRecord) -> &'static str {
        match record.kind {
            ModuleKind::Module => "module",
            ModuleKind::Package => "package",
            ModuleKind::Namespace => "namespace",
            // Never in a RustPython bundle: the packager leaves extensions out.
            ModuleKind::Extension => "extension",
        }
    }

    /// The absolute virtual path of an archive path.
    pub fn virtual_path(&self, path: &str) -> String {
        format!(
            "{}{}{}",
            self.root,
            std::path::MAIN_SEPARATOR,
            native_seps(path)
        )
    }

    /// The archive path of an absolute virtual path, if it is under the root.
    pub fn archive_path<'p>(&self, path: &'p str) -> Option<Cow<'p, str>> {
        let rest = path.strip_prefix(&self.root)?;
        let rest = rest.strip_prefix(['/', std::path::MAIN_SEPARATOR])?;
        Some(if std::path::MAIN_SEPARATOR == '/' {
            Cow::Borrowed(rest)
        } else {
            Cow::Owned(rest.replace(std::path::MAIN_SEPARATOR, "/"))
        })
    }

    /// `None` when the archive has no such file; a damaged one ends the
    /// process (see [`launch::read`]).
    pub fn read(&self, archive_path: &str) -> Option<Cow<'static, [u8]>> {
        launch::read(&self.bundle, archive_path)
    }
}

fn native_seps(path: &str) -> Cow<'_, str> {
    if std::path::MAIN_SEPARATOR == '/' {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(path.replace('/', std::path::MAIN_SEPARATOR_STR))
    }
}
