//! CPython 3.10 and later: the facts its packager side
//! (`packager/src/runtime/cpython/`) and its bootloader
//! (`bootloader-cpython/`) must agree on.
//!
//! A CPython bundle carries the interpreter's libpython and the shared
//! libraries its extension modules need under [`LIB_DIR`], the importer's
//! index of the bundle at [`INDEX_PATH`], and the list at [`FROZEN_PATH`]
//! of the modules the bootloader adds to CPython's table of frozen modules
//! before it starts it: the compiled [`IMPORTER_MODULE`] and [`API_MODULE`],
//! and what CPython imports while it starts (the `encodings` package).

/// The name of its bootloader executable (plus `.exe` on Windows).
pub const BOOTLOADER_STEM: &str = "pyfreeze-boot-cpython";

/// Every CPython bootloader carries this string. One bootloader runs every
/// supported version: it reads the version from the libpython it loads.
pub const BOOTLOADER_MARKER: &str = "PYFREEZE-BOOTLOADER:format=3;bytecode=cpython-3.10+;";

/// Minor versions of CPython 3 the bootloader initialises.
pub const MINOR_VERSIONS: std::ops::RangeInclusive<u32> = 10..=14;

/// Shared libraries (libpython first) live here in the archive.
pub const LIB_DIR: &str = "__pyfreeze__/lib";

/// A small zip of what CPython imports while it starts (every module of
/// the `encodings` package): where the locale is not UTF-8, the bootloader
/// hands it to CPython's zipimport as the only search path, from memory, for
/// whichever codec the locale names.
pub const BOOTSTRAP_PATH: &str = "__pyfreeze__/bootstrap.zip";

/// JSON list of [`FrozenModule`]s: what the bootloader adds to CPython's
/// table of frozen modules (`PyImport_FrozenModules`) before it starts it.
/// Frozen modules load from memory with no search and no zipimport.
pub const FROZEN_PATH: &str = "__pyfreeze__/frozen.json";

/// One module of [`FROZEN_PATH`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FrozenModule {
    pub name: String,
    /// Archive path of its `.pyc`.
    pub code: String,
    pub package: bool,
}

/// The package whose codecs CPython imports while it starts; frozen only
/// where that is UTF-8's (see [`FROZEN_PATH`] and [`BOOTSTRAP_PATH`]).
pub const ENCODINGS: &str = "encodings";

/// The system libraries a bundle never carries, with the packages that
/// provide them (see [`SystemLibrary`]), as the archive holds them: the
/// importer names the package when one is missing.
/// (`marshal.dumps` of the list.)
pub const SYSTEM_LIBRARIES_PATH: &str = "__pyfreeze__/system_libraries.marshal";

/// [`SYSTEM_LIBRARIES_PATH`]'s contents: package knowledge, as data.
pub const SYSTEM_LIBRARIES_JSON: &str = include_str!("system_libraries.json");

/// Libraries every system of a kind has (glibc's; a desktop's X11, OpenGL
/// and GLib; the GPU driver's), in the version that matches the system:
/// bundles never carry them, as manylinux wheels and PyInstaller do not.
/// Everything else a bundle needs goes in, with its whole closure.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemLibrary {
    /// What it is, for messages.
    pub what: String,
    /// Sonames, or prefixes of sonames (`libc.so`, `libnss_`).
    pub sonames: Vec<String>,
    /// The package that provides it on Debian and Ubuntu.
    pub debian: String,
    /// The package that provides it on Fedora.
    pub fedora: String,
}

/// The system libraries of [`SYSTEM_LIBRARIES_JSON`].
pub fn system_libraries() -> Vec<SystemLibrary> {
    serde_json::from_str(SYSTEM_LIBRARIES_JSON).unwrap_or_default()
}

/// The entry of [`system_libraries`] `soname` belongs to, if any.
pub fn system_library(soname: &str) -> Option<SystemLibrary> {
    system_libraries()
        .into_iter()
        .find(|l| l.sonames.iter().any(|s| soname.starts_with(s.as_str())))
}

/// `marshal.dumps` of the importer's index (see `index.py` of the packager).
pub const INDEX_PATH: &str = "__pyfreeze__/index.marshal";

/// The importer shared with RustPython, compiled by the build's interpreter.
pub const IMPORTER_MODULE: &str = "_pyfreeze_importer";

/// The `_pyfreeze` API the importer uses, in Python over the bootloader's
/// native `_pyfreeze_native` module and the index.
pub const API_MODULE: &str = "_pyfreeze";

/// Source of [`API_MODULE`].
pub const API_SOURCE: &str = include_str!("cpython_api.py");

/// Source of [`IMPORTER_MODULE`] (the same file RustPython's bootloader freezes).
pub const IMPORTER_SOURCE: &str = include_str!("importer.py");

/// `cpython-3.11/magic-3495`: the version and `importlib.util.MAGIC_NUMBER`.
pub fn bytecode_format(major: u32, minor: u32, magic: u16) -> String {
    format!("cpython-{major}.{minor}/magic-{magic}")
}

/// The version and magic a CPython bytecode format names.
pub fn parse_bytecode_format(format: &str) -> Option<(u32, u32, u16)> {
    let rest = format.strip_prefix("cpython-")?;
    let (version, magic) = rest.split_once("/magic-")?;
    let (major, minor) = version.split_once('.')?;
    Some((
        major.parse().ok()?,
        minor.parse().ok()?,
        magic.parse().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytecode_formats_round_trip() {
        let f = bytecode_format(3, 11, 3495);
        assert_eq!(f, "cpython-3.11/magic-3495");
        assert_eq!(parse_bytecode_format(&f), Some((3, 11, 3495)));
        assert_eq!(parse_bytecode_format("rustpython-0.6.0/marshal-5"), None);
        assert!(BOOTLOADER_MARKER.starts_with(crate::BOOTLOADER_MARKER_PREFIX));
        let libraries = system_libraries();
        assert!(libraries.len() > 10, "system_libraries.json parses");
        assert_eq!(system_library("libc.so.6").unwrap().debian, "libc6");
        assert_eq!(
            system_library("libXrender.so.1").unwrap().fedora,
            "libXrender"
        );
        assert!(system_library("libssl.so.3").is_none());
    }
}
