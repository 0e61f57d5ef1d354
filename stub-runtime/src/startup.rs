//! From a checked bundle to a finished program: set up `sys`, install the
//! importer, run the entry module as `__main__`, return the exit code.

use crate::archive::{self, Archive};
use crate::interpreter::{self, Config};
use pyfreeze_bundle::Bundle;
use rustpython_vm::{AsObject, PyResult, VirtualMachine};
use std::path::{Path, PathBuf};

/// How the executable was started.
pub struct Launch {
    /// The executable's real path (symlinks resolved), as `sys.executable`.
    pub exe: PathBuf,
    /// The command line; `argv[0]` as the program was invoked.
    pub argv: Vec<String>,
}

/// Run the bundle's program to completion and return its exit code.
pub fn run(bundle: Bundle<'static>, launch: Launch) -> u32 {
    // With data files, the root is where they are on disk; else it is virtual.
    let data_root = match bundle.manifest.build.data_files {
        0 => None,
        _ => crate::materialize::data_root(&bundle),
    };
    let root = match &data_root {
        Some(dir) => dir.to_string_lossy().into_owned(),
        None => virtual_root(&launch.exe),
    };
    let archive = archive::install(bundle, root, data_root.is_some());
    let interp = interpreter::build(Config {
        argv: launch.argv,
        executable: launch.exe.to_string_lossy().into_owned(),
        optimize: archive.bundle.manifest.build.optimize,
    });
    let mut broken_pipe = false;
    let code = interp.run(|vm| {
        prepare_sys(vm, archive)?;
        let result = run_entry(vm, archive).and_then(|()| flush_stdout(vm));
        match result {
            Err(exc) if is_broken_pipe(vm, &exc) => {
                broken_pipe = true;
                silence_stdout();
                Ok(())
            }
            other => other,
        }
    });
    if broken_pipe {
        die_of_sigpipe();
    }
    code
}

/// Flush `sys.stdout` while errors can still be handled here rather than
/// printed as "Exception ignored" at shutdown.
fn flush_stdout(vm: &VirtualMachine) -> PyResult<()> {
    if let Ok(stdout) = vm.sys_module.get_attr("stdout", vm)
        && !vm.is_none(&stdout)
    {
        vm.call_method(&stdout, "flush", ())?;
    }
    Ok(())
}

fn is_broken_pipe(vm: &VirtualMachine, exc: &rustpython_vm::builtins::PyBaseExceptionRef) -> bool {
    exc.fast_isinstance(vm.ctx.exceptions.broken_pipe_error)
}

/// The reader of our output went away (`app | head`). Point stdout at
/// /dev/null so that shutdown's own flush is quiet.
fn silence_stdout() {
    #[cfg(unix)]
    // SAFETY: plain libc calls on file descriptors we own; failure leaves
    // stdout as it was, which only costs a message at shutdown.
    unsafe {
        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if devnull >= 0 {
            libc::dup2(devnull, 1);
            libc::close(devnull);
        }
    }
}

/// End the way a C program does when its reader goes away: killed by
/// SIGPIPE (status 141 in a shell), without a traceback.
fn die_of_sigpipe() -> ! {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition and signalling ourselves.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    std::process::exit(128 + 13)
}

/// The directory the bundle's files appear under (`sys._MEIPASS`): beside the
/// executable, named after it, like PyInstaller's `_internal`. It need not
/// exist: modules are served from memory.
pub fn virtual_root(exe: &Path) -> String {
    let stem = exe
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    let dir = exe.parent().unwrap_or(Path::new(""));
    dir.join(format!("{stem}_internal"))
        .to_string_lossy()
        .into_owned()
}

fn prepare_sys(vm: &VirtualMachine, archive: &Archive) -> PyResult<()> {
    let sys = vm.sys_module.as_object();
    let root = vm.ctx.new_str(archive.root.as_str());
    sys.set_attr("frozen", vm.ctx.new_bool(true), vm)?;
    sys.set_attr("_MEIPASS", root.clone(), vm)?;
    for name in ["prefix", "exec_prefix", "base_prefix", "base_exec_prefix"] {
        sys.set_attr(name, root.clone(), vm)?;
    }
    sys.set_attr("path", vm.ctx.new_list(vec![root.into()]), vm)?;

    let importer = vm.import("_pyfreeze_importer", 0)?;
    importer.get_attr("install", vm)?.call((), vm)?;

    // What CPython does at start: the codec registry's search function.
    if archive.module("encodings").is_some() {
        vm.import("encodings", 0)?;
    }
    Ok(())
}

fn run_entry(vm: &VirtualMachine, archive: &Archive) -> PyResult<()> {
    let manifest = &archive.bundle.manifest;
    let name = manifest.entry.module();
    let record = manifest
        .module(name)
        .ok_or_else(|| vm.new_runtime_error(format!("entry module {name} missing")))?;
    let code = crate::native::module_code(name, vm)?;
    let scope = vm.new_scope_with_main()?;
    let globals = &scope.globals;
    globals.set_item(
        "__file__",
        vm.ctx.new_str(archive.virtual_path(&record.path)).into(),
        vm,
    )?;
    globals.set_item("__cached__", vm.ctx.none(), vm)?;
    let importer = vm
        .import("_pyfreeze_importer", 0)?
        .get_attr("importer", vm)?;
    globals.set_item("__loader__", importer, vm)?;
    vm.run_code_obj(code, scope)?;
    Ok(())
}
