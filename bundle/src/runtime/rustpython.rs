//! RustPython 0.6.0, the default runtime: the facts its packager side
//! (`packager/src/runtime/rustpython.rs`) and its bootloader (`bootloader/`,
//! `stub-runtime/`) must agree on.

use crate::target::{Os, Target};

/// Shown by `pyfreeze inspect`.
pub const NAME: &str = "RustPython 0.6.0";

/// The Python version RustPython 0.6 reports (`sys.version_info`).
pub const PYTHON_VERSION: (u32, u32, u32) = (3, 14, 0);

/// The bytecode the archive carries: RustPython's marshal format of the
/// compiler that produced it. A bootloader refuses any other value, because
/// RustPython's bytecode changes between releases without notice.
pub const BYTECODE_FORMAT: &str = "rustpython-0.6.0/marshal-5";

/// First four bytes of every `.pyc` RustPython 0.6 writes and reads
/// (magic number 3627, then `\r\n`), checked against the VM in stub-runtime's tests.
pub const PYC_MAGIC: [u8; 4] = [0x2b, 0x0e, b'\r', b'\n'];

/// The name of its bootloader executable (plus `.exe` on Windows).
pub const BOOTLOADER_STEM: &str = "pyfreeze-boot";

/// Every RustPython bootloader carries this string; the packager reads it to
/// check, before building, that the bootloader runs the bytecode it writes.
pub const BOOTLOADER_MARKER: &str =
    "PYFREEZE-BOOTLOADER:format=3;bytecode=rustpython-0.6.0/marshal-5;";

/// Modules compiled into the target's runtime (`sys.builtin_module_names`
/// plus RustPython's frozen core modules). A test in `stub-runtime` checks
/// this list against the real interpreter on the host.
pub fn builtin_modules(target: &Target) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = BUILTIN_ALL.to_vec();
    names.extend(FROZEN_CORE);
    if !target.triple.contains("musl") {
        names.push(CTYPES);
    }
    match target.os {
        Os::Windows => names.extend(BUILTIN_WINDOWS),
        Os::Linux => {
            names.extend(BUILTIN_UNIX);
            names.extend(BUILTIN_LINUX);
        }
        Os::MacOs => {
            names.extend(BUILTIN_UNIX);
            names.extend(BUILTIN_MACOS);
        }
    }
    names.sort_unstable();
    names.dedup();
    names
}

// `sys.builtin_module_names` of the runtime pyfreeze-boot embeds (RustPython
// 0.6.0 with the features stub-runtime enables), split by the `cfg`s
// RustPython's `stdlib_module_defs` and `builtin_module_defs` use.
const BUILTIN_ALL: &[&str] = &[
    "_abc",
    "_ast",
    "_asyncio",
    "_bisect",
    "_blake2",
    "_bz2",
    "_codecs",
    "_codecs_cn",
    "_codecs_hk",
    "_codecs_iso2022",
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_tw",
    "_collections",
    "_contextvars",
    "_csv",
    "_datetime",
    "_elementtree",
    "_functools",
    "_hashlib",
    "_heapq",
    "_imp",
    "_interpchannels",
    "_interpqueues",
    "_interpreters",
    "_io",
    "_json",
    "_locale",
    "_lzma",
    "_md5",
    "_multibytecodec",
    "_multiprocessing",
    "_opcode",
    "_operator",
    "_pickle",
    "_pyfreeze",
    "_queue",
    "_random",
    "_remote_debugging",
    "_sha1",
    "_sha256",
    "_sha3",
    "_sha512",
    "_signal",
    "_socket",
    "_sqlite3",
    "_sre",
    "_ssl",
    "_stat",
    "_statistics",
    "_string",
    "_struct",
    "_suggestions",
    "_symtable",
    "_sysconfig",
    "_sysconfigdata",
    "_testinternalcapi",
    "_thread",
    "_tokenize",
    "_types",
    "_typing",
    "_warnings",
    "_weakref",
    "_zoneinfo",
    "array",
    "atexit",
    "binascii",
    "builtins",
    "cmath",
    "errno",
    "faulthandler",
    "gc",
    "itertools",
    "marshal",
    "math",
    "mmap",
    "pyexpat",
    "select",
    "sys",
    "time",
    "unicodedata",
    "zlib",
];
const BUILTIN_UNIX: &[&str] = &[
    "_posixshmem",
    "_posixsubprocess",
    "_uuid",
    "fcntl",
    "grp",
    "posix",
    "pwd",
    "resource",
    "syslog",
    "termios",
];
const BUILTIN_LINUX: &[&str] = &[];
const BUILTIN_MACOS: &[&str] = &["_scproxy"];
const BUILTIN_WINDOWS: &[&str] = &[
    "_overlapped",
    "_testconsole",
    "_winapi",
    "_wmi",
    "msvcrt",
    "nt",
    "winreg",
    "winsound",
];
/// RustPython builds `_ctypes` everywhere but on musl.
const CTYPES: &str = "_ctypes";
/// Python modules RustPython freezes into every interpreter.
pub const FROZEN_CORE: &[&str] = &[
    "_frozen_importlib",
    "_frozen_importlib_external",
    "codecs",
    "copyreg",
    "encodings_ascii",
    "encodings_latin_1",
    "encodings_utf_8",
    "__hello__",
    "__phello__",
    "_thread",
];

#[cfg(test)]
mod tests {
    #[test]
    fn bytecode_format_names_the_marshal_version_in_use() {
        // If RustPython's marshal format moves, BYTECODE_FORMAT must move too,
        // or old bootloaders would run bytecode they cannot read.
        let expected = format!(
            "marshal-{}",
            rustpython_compiler_core::marshal::FORMAT_VERSION
        );
        assert!(super::BYTECODE_FORMAT.ends_with(&expected));
    }

    #[test]
    fn bootloader_marker_states_the_formats() {
        let marker = super::BOOTLOADER_MARKER;
        assert!(marker.starts_with(crate::BOOTLOADER_MARKER_PREFIX));
        assert!(marker.contains(&format!("format={};", crate::FORMAT_VERSION)));
        assert!(marker.contains(&format!("bytecode={};", super::BYTECODE_FORMAT)));
    }
}
