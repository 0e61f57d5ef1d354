//! What the packager needs to know about the platform a bundle will run on:
//! the bootloader's executable format and architecture, `sys.platform` and
//! `os.name` (to follow platform guards in the import graph), and which
//! modules exist only on other platforms (never reported missing). What a
//! runtime has built in is the runtime's to say (see [`crate::runtime`]).

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
    /// The machine this code runs on (the triple it was compiled for);
    /// `None` on a platform no bundle can target.
    pub fn host() -> Option<Target> {
        Target::parse(Self::host_triple())
    }

    /// The triple this code was compiled for.
    pub fn host_triple() -> &'static str {
        env!("PYFREEZE_COMPILED_FOR")
    }

    /// Whether this is the machine the code runs on.
    pub fn is_host(&self) -> bool {
        self.triple == Self::host_triple()
    }

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
