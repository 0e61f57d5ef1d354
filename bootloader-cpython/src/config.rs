//! Starting CPython the way a frozen program needs: isolated from the
//! machine's Python setup, `site` not imported, no bytecode written, argv
//! passed through untouched, and one search path while it starts: the
//! bundle's root, where it needs none (its start-up modules are frozen,
//! see `frozen`), or else the start-up zip.
//!
//! `PyConfig` changes its layout with every minor version, so the fields are
//! written at offsets taken from each version's `cpython/initconfig.h`
//! (x86_64 and aarch64 Linux; a test compiles the headers of every installed
//! version and compares). CPython 3.14 and later are configured by name
//! through PEP 741 instead, which needs no layout.

use crate::api::{Api, PyStatus, PyWideStringList};
use std::ffi::{CString, c_char, c_int};
use std::os::unix::ffi::OsStrExt;

/// Where the fields this module writes sit in one version's `PyConfig`.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    pub minor: u32,
    pub size: usize,
    pub isolated: usize,
    pub use_environment: usize,
    pub install_signal_handlers: usize,
    pub parse_argv: usize,
    pub site_import: usize,
    pub write_bytecode: usize,
    pub optimization_level: usize,
    pub user_site_directory: usize,
    pub pathconfig_warnings: usize,
    pub program_name: usize,
    pub home: usize,
    pub module_search_paths_set: usize,
    pub module_search_paths: usize,
    pub executable: usize,
    pub base_executable: usize,
    /// 3.11 and later.
    pub safe_path: Option<usize>,
    pub use_frozen_modules: Option<usize>,
}

/// `offsetof(PyConfig, field)` for each supported version before 3.14.
pub const LAYOUTS: &[Layout] = &[
    Layout {
        minor: 10,
        size: 392,
        isolated: 4,
        use_environment: 8,
        install_signal_handlers: 16,
        parse_argv: 80,
        site_import: 152,
        write_bytecode: 180,
        optimization_level: 172,
        user_site_directory: 192,
        pathconfig_warnings: 232,
        program_name: 240,
        home: 256,
        module_search_paths_set: 272,
        module_search_paths: 280,
        executable: 296,
        base_executable: 304,
        safe_path: None,
        use_frozen_modules: None,
    },
    Layout {
        minor: 11,
        size: 424,
        isolated: 4,
        use_environment: 8,
        install_signal_handlers: 16,
        parse_argv: 96,
        site_import: 168,
        write_bytecode: 196,
        optimization_level: 188,
        user_site_directory: 208,
        pathconfig_warnings: 256,
        program_name: 264,
        home: 280,
        module_search_paths_set: 296,
        module_search_paths: 304,
        executable: 328,
        base_executable: 336,
        safe_path: Some(252),
        use_frozen_modules: Some(248),
    },
    Layout {
        minor: 12,
        size: 432,
        isolated: 4,
        use_environment: 8,
        install_signal_handlers: 16,
        parse_argv: 104,
        site_import: 176,
        write_bytecode: 204,
        optimization_level: 196,
        user_site_directory: 216,
        pathconfig_warnings: 268,
        program_name: 272,
        home: 288,
        module_search_paths_set: 304,
        module_search_paths: 312,
        executable: 336,
        base_executable: 344,
        safe_path: Some(260),
        use_frozen_modules: Some(256),
    },
    Layout {
        minor: 13,
        size: 448,
        isolated: 4,
        use_environment: 8,
        install_signal_handlers: 16,
        parse_argv: 104,
        site_import: 176,
        write_bytecode: 204,
        optimization_level: 196,
        user_site_directory: 216,
        pathconfig_warnings: 272,
        program_name: 280,
        home: 296,
        module_search_paths_set: 312,
        module_search_paths: 320,
        executable: 344,
        base_executable: 352,
        safe_path: Some(260),
        use_frozen_modules: Some(256),
    },
];

/// `PyPreConfig`: the same 40 bytes from 3.8 on.
mod pre {
    pub const SIZE: usize = 40;
    pub const PARSE_ARGV: usize = 4;
    pub const ISOLATED: usize = 8;
    pub const USE_ENVIRONMENT: usize = 12;
}

/// What the interpreter is started with.
pub struct Settings<'a> {
    /// The command line as given: CPython decodes it (Py_DecodeLocale,
    /// surrogateescape), as python decodes its own.
    pub argv: &'a [std::ffi::OsString],
    /// `sys.executable`: the executable's real path, as bytes.
    pub executable: &'a std::ffi::OsStr,
    /// `sys.prefix` and friends: the bundle's root, as bytes.
    pub home: &'a std::ffi::OsStr,
    /// The only entry of `sys.path` while CPython starts, as bytes.
    pub search_path: &'a std::ffi::OsStr,
    pub optimize: u8,
}

/// A `PyConfig`-sized buffer, aligned for its pointer fields.
#[repr(C, align(16))]
struct Buffer([u8; 1024]);

/// Start the interpreter. On failure CPython's own status handling prints
/// the error and exits, as `python` would.
pub fn initialize(api: &Api, minor: u32, settings: &Settings<'_>) -> Result<(), String> {
    if let Some(layout) = LAYOUTS.iter().find(|l| l.minor == minor) {
        // SAFETY: the layout is the one of the loaded libpython's version.
        unsafe { initialize_with_layout(api, layout, settings) };
        return Ok(());
    }
    match &api.init_config {
        Some(_) if minor >= 14 => initialize_by_name(api, settings),
        _ => Err(format!(
            "the bundled libpython is CPython 3.{minor}, which this bootloader cannot start \
             (it knows 3.10 to 3.13, and 3.14 and later through PEP 741)"
        )),
    }
}

fn check(api: &Api, status: PyStatus) {
    if status.kind != 0 {
        // SAFETY: prints the status and exits, as CPython's main does.
        unsafe { (api.Py_ExitStatusException)(status) }
    }
}

/// # Safety
/// `layout` must describe the `PyConfig` of the loaded libpython.
unsafe fn initialize_with_layout(api: &Api, layout: &Layout, s: &Settings<'_>) {
    assert!(layout.size <= std::mem::size_of::<Buffer>());
    let mut pre = Buffer([0; 1024]);
    let mut config = Buffer([0; 1024]);
    let pre_ptr = pre.0.as_mut_ptr();
    let cfg = config.0.as_mut_ptr();
    // SAFETY (this function): every offset is inside the buffer and is the
    // field's in this version; CPython's own functions fill the rest.
    unsafe {
        let int =
            |base: *mut u8, at: usize, value: c_int| base.add(at).cast::<c_int>().write(value);
        let _ = pre::SIZE;
        (api.PyPreConfig_InitPythonConfig)(pre_ptr.cast());
        int(pre_ptr, pre::PARSE_ARGV, 0);
        int(pre_ptr, pre::ISOLATED, 1);
        int(pre_ptr, pre::USE_ENVIRONMENT, 0);
        check(api, (api.Py_PreInitialize)(pre_ptr.cast()));

        (api.PyConfig_InitPythonConfig)(cfg.cast());
        int(cfg, layout.isolated, 1);
        int(cfg, layout.use_environment, 0);
        int(cfg, layout.parse_argv, 0);
        int(cfg, layout.install_signal_handlers, 1);
        int(cfg, layout.site_import, 0);
        int(cfg, layout.write_bytecode, 0);
        int(cfg, layout.user_site_directory, 0);
        int(cfg, layout.pathconfig_warnings, 0);
        int(cfg, layout.optimization_level, c_int::from(s.optimize));
        if let Some(at) = layout.safe_path {
            int(cfg, at, 1);
        }
        if let Some(at) = layout.use_frozen_modules {
            int(cfg, at, 1);
        }
        let set = |at: usize, value: &[u8]| {
            let text = c_bytes(value);
            check(
                api,
                (api.PyConfig_SetBytesString)(cfg.cast(), cfg.add(at).cast(), text.as_ptr()),
            );
        };
        set(layout.program_name, s.program());
        set(layout.executable, s.executable.as_bytes());
        set(layout.base_executable, s.executable.as_bytes());
        set(layout.home, s.home.as_bytes());
        // The search path as CPython decoded it, through a field it owns:
        // program_name is set again below.
        set(layout.program_name, s.search_path.as_bytes());
        let decoded = *cfg.add(layout.program_name).cast::<*const libc::wchar_t>();
        check(
            api,
            (api.PyWideStringList_Append)(
                cfg.add(layout.module_search_paths)
                    .cast::<PyWideStringList>(),
                decoded,
            ),
        );
        int(cfg, layout.module_search_paths_set, 1);
        set(layout.program_name, s.program());

        let args: Vec<CString> = s.argv.iter().map(|a| c_bytes(a.as_bytes())).collect();
        let argv: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr().cast_mut()).collect();
        check(
            api,
            (api.PyConfig_SetBytesArgv)(cfg.cast(), argv.len() as isize, argv.as_ptr()),
        );
        let status = (api.Py_InitializeFromConfig)(cfg.cast());
        (api.PyConfig_Clear)(cfg.cast());
        check(api, status);
    }
}

/// PEP 741: the same settings by name.
fn initialize_by_name(api: &Api, s: &Settings<'_>) -> Result<(), String> {
    let Some(init) = &api.init_config else {
        return Err("the bundled libpython lacks PEP 741's initialisation API".into());
    };
    // SAFETY: the PEP 741 API, used as documented: create, set, initialise, free.
    unsafe {
        let config = (init.PyInitConfig_Create)();
        if config.is_null() {
            return Err("PyInitConfig_Create failed: out of memory".into());
        }
        let fail = |config| {
            let mut msg: *const c_char = std::ptr::null();
            (init.PyInitConfig_GetError)(config, &mut msg);
            let text = if msg.is_null() {
                "unknown error".to_string()
            } else {
                std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned()
            };
            let mut code: c_int = 1;
            if (init.PyInitConfig_GetExitCode)(config, &mut code) != 0 {
                std::process::exit(code);
            }
            Err(format!("cannot start CPython: {text}"))
        };
        let ints: [(&str, i64); 10] = [
            ("isolated\0", 1),
            ("use_environment\0", 0),
            ("parse_argv\0", 0),
            ("install_signal_handlers\0", 1),
            ("site_import\0", 0),
            ("write_bytecode\0", 0),
            ("user_site_directory\0", 0),
            ("pathconfig_warnings\0", 0),
            ("optimization_level\0", i64::from(s.optimize)),
            ("safe_path\0", 1),
        ];
        for (name, value) in ints {
            if (init.PyInitConfig_SetInt)(config, name.as_ptr().cast(), value) < 0 {
                let r = fail(config);
                (init.PyInitConfig_Free)(config);
                return r;
            }
        }
        for (name, value) in [
            ("program_name\0", s.program()),
            ("executable\0", s.executable.as_bytes()),
            ("base_executable\0", s.executable.as_bytes()),
            ("home\0", s.home.as_bytes()),
        ] {
            let value = c_bytes(value);
            if (init.PyInitConfig_SetStr)(config, name.as_ptr().cast(), value.as_ptr()) < 0 {
                let r = fail(config);
                (init.PyInitConfig_Free)(config);
                return r;
            }
        }
        let lists: [(&str, Vec<CString>); 2] = [
            (
                "module_search_paths\0",
                vec![c_bytes(s.search_path.as_bytes())],
            ),
            (
                "argv\0",
                s.argv.iter().map(|a| c_bytes(a.as_bytes())).collect(),
            ),
        ];
        for (name, items) in &lists {
            let ptrs: Vec<*const c_char> = items.iter().map(|i| i.as_ptr()).collect();
            if (init.PyInitConfig_SetStrList)(
                config,
                name.as_ptr().cast(),
                ptrs.len(),
                ptrs.as_ptr(),
            ) < 0
            {
                let r = fail(config);
                (init.PyInitConfig_Free)(config);
                return r;
            }
        }
        if (init.PyInitConfig_SetInt)(config, c"module_search_paths_set".as_ptr(), 1) < 0
            || (init.Py_InitializeFromInitConfig)(config) < 0
        {
            let r = fail(config);
            (init.PyInitConfig_Free)(config);
            return r;
        }
        (init.PyInitConfig_Free)(config);
    }
    Ok(())
}

/// A C string of `text`; an interior NUL (impossible in argv and paths on
/// POSIX) ends it there.
/// `bytes` up to a NUL (which an argument or path cannot hold anyway).
fn c_bytes(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap_or_default()
}

impl Settings<'_> {
    /// `argv[0]` as given, else the executable.
    fn program(&self) -> &[u8] {
        self.argv
            .first()
            .map_or(self.executable, |a| a.as_os_str())
            .as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// `python3.X` on PATH, else pyenv's.
    fn installed_python(minor: u32) -> Option<std::path::PathBuf> {
        let name = format!("python3.{minor}");
        let on_path = Command::new(&name).arg("-c").arg("pass").output();
        if on_path.is_ok_and(|o| o.status.success()) {
            return Some(name.into());
        }
        let root = std::env::var_os("PYENV_ROOT")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".pyenv"))
            })?;
        let mut found: Vec<_> = std::fs::read_dir(root.join("versions"))
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("3.{minor}.")))
            })
            .map(|p| p.join("bin").join(&name))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    }

    /// Every installed CPython's headers agree with [`LAYOUTS`]: compile a C
    /// program printing `offsetof` each field against them.
    #[test]
    fn layouts_match_the_headers_of_every_installed_cpython() {
        let dir = std::env::temp_dir().join(format!("pyfreeze-layouts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fields = [
            "isolated",
            "use_environment",
            "install_signal_handlers",
            "parse_argv",
            "site_import",
            "write_bytecode",
            "optimization_level",
            "user_site_directory",
            "pathconfig_warnings",
            "program_name",
            "home",
            "module_search_paths_set",
            "module_search_paths",
            "executable",
            "base_executable",
        ];
        let mut checked = Vec::new();
        for layout in LAYOUTS {
            let Some(python) = installed_python(layout.minor) else {
                continue;
            };
            let Some(include) = Command::new(&python)
                .args([
                    "-c",
                    "import sysconfig; print(sysconfig.get_paths()['include'])",
                ])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            else {
                continue;
            };
            let mut src = String::from(
                "#include <Python.h>\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n",
            );
            src += "printf(\"size=%zu\\n\", sizeof(PyConfig));\n";
            src += "printf(\"pre=%zu %zu %zu %zu\\n\", sizeof(PyPreConfig), offsetof(PyPreConfig, parse_argv), offsetof(PyPreConfig, isolated), offsetof(PyPreConfig, use_environment));\n";
            for f in fields {
                src += &format!("printf(\"{f}=%zu\\n\", offsetof(PyConfig, {f}));\n");
            }
            src += "printf(\"frozen=%zu\\nfrozen_size=%zu\\n\", sizeof(struct _frozen), offsetof(struct _frozen, size));\n";
            if layout.minor >= 11 {
                src +=
                    "printf(\"frozen_is_package=%zu\\n\", offsetof(struct _frozen, is_package));\n";
            }
            if layout.safe_path.is_some() {
                src += "printf(\"safe_path=%zu\\nuse_frozen_modules=%zu\\n\", offsetof(PyConfig, safe_path), offsetof(PyConfig, use_frozen_modules));\n";
            }
            src += "return 0; }\n";
            let c = dir.join(format!("layout{}.c", layout.minor));
            let exe = dir.join(format!("layout{}", layout.minor));
            std::fs::write(&c, src).unwrap();
            let cc = Command::new("cc")
                .arg(format!("-I{include}"))
                .arg(&c)
                .arg("-o")
                .arg(&exe)
                .status()
                .expect("a C compiler (cc) to check PyConfig layouts");
            assert!(cc.success(), "compiling against {include}");
            let out = String::from_utf8(Command::new(&exe).output().unwrap().stdout).unwrap();
            let get = |name: &str| -> usize {
                out.lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}=")))
                    .unwrap_or_else(|| panic!("{name} missing in {out}"))
                    .parse()
                    .unwrap()
            };
            let expected = Layout {
                minor: layout.minor,
                size: get("size"),
                isolated: get("isolated"),
                use_environment: get("use_environment"),
                install_signal_handlers: get("install_signal_handlers"),
                parse_argv: get("parse_argv"),
                site_import: get("site_import"),
                write_bytecode: get("write_bytecode"),
                optimization_level: get("optimization_level"),
                user_site_directory: get("user_site_directory"),
                pathconfig_warnings: get("pathconfig_warnings"),
                program_name: get("program_name"),
                home: get("home"),
                module_search_paths_set: get("module_search_paths_set"),
                module_search_paths: get("module_search_paths"),
                executable: get("executable"),
                base_executable: get("base_executable"),
                safe_path: layout.safe_path.map(|_| get("safe_path")),
                use_frozen_modules: layout.use_frozen_modules.map(|_| get("use_frozen_modules")),
            };
            assert_eq!(&expected, layout, "CPython 3.{}", layout.minor);
            let pre_line = out.lines().find_map(|l| l.strip_prefix("pre=")).unwrap();
            assert_eq!(
                pre_line,
                format!(
                    "{} {} {} {}",
                    pre::SIZE,
                    pre::PARSE_ARGV,
                    pre::ISOLATED,
                    pre::USE_ENVIRONMENT
                )
            );
            let (entry, is_package) = crate::frozen::layout(layout.minor);
            assert_eq!(
                get("frozen"),
                entry,
                "sizeof(struct _frozen), 3.{}",
                layout.minor
            );
            assert_eq!(
                get("frozen_size"),
                16,
                "struct _frozen's size, 3.{}",
                layout.minor
            );
            assert_eq!(
                is_package,
                (layout.minor >= 11).then(|| get("frozen_is_package")),
                "struct _frozen's is_package, 3.{}",
                layout.minor
            );
            checked.push(layout.minor);
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            checked.len() >= 2,
            "no installed CPython 3.10-3.13 found to check the layouts against (checked {checked:?})"
        );
        eprintln!("PyConfig layouts checked against CPython 3.{checked:?}");
    }
}
