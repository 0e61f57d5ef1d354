//! Building the RustPython interpreter a frozen program runs in.

use rustpython_vm::common::rc::PyRc;
use rustpython_vm::{Interpreter, Settings};

// Rebuild when the importer changes: py_freeze! does not track the file.
// The importer is shared with the CPython runtime (bundle/src/runtime/).
const _IMPORTER_SOURCE: &str = include_str!("../../bundle/src/runtime/importer.py");

/// What the interpreter is configured with. Nothing here comes from the
/// environment: a frozen program is isolated from PYTHONPATH, PYTHONHOME,
/// site-packages and user site directories of the machine it runs on.
pub(crate) struct Config {
    pub argv: Vec<String>,
    pub executable: String,
    pub optimize: u8,
}

pub(crate) fn build(config: Config) -> Interpreter {
    let mut settings = Settings::default();
    settings.argv = config.argv;
    settings.import_site = false;
    settings.user_site_directory = false;
    settings.ignore_environment = true;
    settings.isolated = true;
    settings.safe_path = true;
    settings.write_bytecode = false;
    settings.optimize = config.optimize;

    let builder = Interpreter::builder(settings);
    let stdlib = rustpython_stdlib::stdlib_module_defs(&builder.ctx);
    let pyfreeze = crate::native::module_def(&builder.ctx);
    let executable = config.executable;
    #[cfg(feature = "ssl")]
    let builder = builder.init_hook(install_tls_provider);
    builder
        .add_native_modules(&stdlib)
        .add_native_module(pyfreeze)
        .add_frozen_modules(rustpython_vm::py_freeze!(
            file = "../../bundle/src/runtime/importer.py",
            module_name = "_pyfreeze_importer"
        ))
        .init_hook(move |vm| {
            // The paths RustPython derived from the executable's location
            // point at nothing useful: modules come from the bundle only.
            if let Some(state) = PyRc::get_mut(&mut vm.state) {
                let paths = &mut state.config.paths;
                paths.executable.clone_from(&executable);
                paths.base_executable = executable;
                paths.module_search_paths.clear();
                paths.stdlib_dir = None;
            }
        })
        .build()
}

#[cfg(feature = "ssl")]
/// rustpython's `ssl` needs a rustls crypto provider, installed the way the
/// `rustpython` binary installs its aws-lc one.
fn install_tls_provider(_vm: &mut rustpython_vm::VirtualMachine) {
    use rustls::crypto::ring;
    use rustpython_stdlib::ssl::providers::CryptoExt;
    let ext = CryptoExt {
        all_cipher_suites: Some(ring::ALL_CIPHER_SUITES),
        default_cipher_suites: Some(ring::DEFAULT_CIPHER_SUITES),
        all_kx_groups: Some(ring::ALL_KX_GROUPS),
        any_supported_key: Some(ring::sign::any_supported_type),
        ticketer: ring::Ticketer::new,
    };
    let _ = CryptoExt::set_provider(ring::default_provider(), ext);
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyfreeze_bundle::runtime::rustpython;
    use pyfreeze_bundle::target::Target;
    use rustpython_vm::builtins::PyStrRef;

    fn host() -> Target {
        let arch = std::env::consts::ARCH;
        let triple = match std::env::consts::OS {
            "linux" if cfg!(target_env = "musl") => format!("{arch}-unknown-linux-musl"),
            "linux" => format!("{arch}-unknown-linux-gnu"),
            "macos" => format!("{arch}-apple-darwin"),
            "windows" => format!("{arch}-pc-windows-msvc"),
            other => panic!("untested OS {other}"),
        };
        Target::parse(&triple).expect("known triple")
    }

    fn test_interpreter() -> Interpreter {
        build(Config {
            argv: vec!["test".into()],
            executable: "/test".into(),
            optimize: 0,
        })
    }

    /// The packager decides what not to bundle from `rustpython::builtin_modules`;
    /// it must list exactly what this runtime has built in.
    #[test]
    fn builtin_module_list_matches_the_runtime() {
        let interp = test_interpreter();
        let mut actual: Vec<String> = interp.enter(|vm| {
            let names = vm.sys_module.get_attr("builtin_module_names", vm).unwrap();
            let names: Vec<PyStrRef> = names.try_into_value(vm).unwrap();
            names.iter().map(|n| n.to_string()).collect()
        });
        // The sysconfigdata alias carries the platform in its name; sysconfig
        // imports it by computed name, never through the graph.
        actual.retain(|n| !n.starts_with("_sysconfigdata_"));
        let mut listed: Vec<String> = rustpython::builtin_modules(&host())
            .into_iter()
            // `_thread` is both: built in with threading, frozen without.
            .filter(|n| *n == "_thread" || !rustpython::FROZEN_CORE.contains(n))
            .map(str::to_string)
            .collect();
        if !cfg!(feature = "ssl") {
            listed.retain(|n| n != "_ssl");
        }
        if !cfg!(feature = "sqlite") {
            listed.retain(|n| n != "_sqlite3");
        }
        actual.sort();
        listed.sort();
        assert_eq!(actual, listed);
    }

    #[test]
    fn pyc_magic_is_the_vms() {
        assert_eq!(
            rustpython::PYC_MAGIC,
            rustpython_vm::version::PYC_MAGIC_NUMBER_BYTES
        );
    }

    #[test]
    fn the_frozen_core_modules_exist() {
        let interp = test_interpreter();
        interp.enter(|vm| {
            for name in [
                "codecs",
                "copyreg",
                "_frozen_importlib",
                "_pyfreeze_importer",
            ] {
                assert!(vm.import(name, 0).is_ok(), "{name} not importable");
            }
        });
    }
}
