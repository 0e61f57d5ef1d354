//! What the packager needs to know about the platform a bundle will run on:
//! the bootloader's executable format and architecture, `sys.platform` and
//! `os.name` (to follow platform guards in the import graph), and which
//! modules the target's runtime has built in (so they are neither bundled nor
//! reported missing).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
    MacOs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Elf,
    Pe,
    MachO,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub triple: String,
    pub os: Os,
    pub arch: Arch,
}

impl Target {
    /// Understand a Rust target triple (`x86_64-unknown-linux-gnu`, ...).
    pub fn parse(triple: &str) -> Option<Target> {
        let arch = match triple.split('-').next()? {
            "x86_64" => Arch::X86_64,
            "aarch64" | "arm64" => Arch::Aarch64,
            _ => return None,
        };
        let os = if triple.contains("-linux") {
            Os::Linux
        } else if triple.contains("-windows") {
            Os::Windows
        } else if triple.contains("-apple-darwin") {
            Os::MacOs
        } else {
            return None;
        };
        Some(Target {
            triple: triple.to_string(),
            os,
            arch,
        })
    }

    pub fn format(&self) -> Format {
        match self.os {
            Os::Linux => Format::Elf,
            Os::Windows => Format::Pe,
            Os::MacOs => Format::MachO,
        }
    }

    /// `sys.platform` on the target.
    pub fn sys_platform(&self) -> &'static str {
        match self.os {
            Os::Linux => "linux",
            Os::Windows => "win32",
            Os::MacOs => "darwin",
        }
    }

    /// `os.name` on the target.
    pub fn os_name(&self) -> &'static str {
        match self.os {
            Os::Windows => "nt",
            Os::Linux | Os::MacOs => "posix",
        }
    }

    pub fn exe_suffix(&self) -> &'static str {
        match self.os {
            Os::Windows => ".exe",
            _ => "",
        }
    }

    /// Modules compiled into the target's runtime (`sys.builtin_module_names`
    /// plus RustPython's frozen core modules). A test in `stub-runtime` checks
    /// this list against the real interpreter on the host.
    pub fn builtin_modules(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = BUILTIN_ALL.to_vec();
        names.extend(FROZEN_CORE);
        if !self.triple.contains("musl") {
            names.push(CTYPES);
        }
        match self.os {
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

    /// Modules that exist only on other platforms: importing them is not
    /// reported as missing when building for this target.
    pub fn foreign_modules(&self) -> &'static [&'static str] {
        match self.os {
            Os::Windows => &[
                "posix",
                "pwd",
                "grp",
                "fcntl",
                "termios",
                "tty",
                "pty",
                "resource",
                "syslog",
                "_posixsubprocess",
                "_posixshmem",
                "posixpath",
                "_scproxy",
                "readline",
                "_curses",
                "curses",
            ],
            Os::Linux | Os::MacOs => &[
                "nt",
                "winreg",
                "_winreg",
                "msvcrt",
                "_winapi",
                "_overlapped",
                "winsound",
                "_msi",
                "msilib",
                "_wmi",
                "_testconsole",
                "nturl2path",
                "_winreg",
                "win32api",
                "win32con",
                "win32com",
                "pythoncom",
                "pywintypes",
                "_scproxy",
            ],
        }
    }
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
