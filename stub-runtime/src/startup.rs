//! From a checked bundle to a finished program: set up `sys`, install the
//! importer, run the entry module as `__main__`, return the exit code.

use crate::archive::{self, Archive};
use crate::interpreter::{self, Config};
use pyfreeze_bundle::Bundle;
use pyfreeze_bundle::manifest::Entry;
use rustpython_vm::{AsObject, PyResult, VirtualMachine};
use std::path::PathBuf;

/// How the executable was started.
pub struct Launch {
    /// The executable's real path (symlinks resolved), as `sys.executable`.
    pub exe: PathBuf,
    /// The command line; `argv[0]` as the program was invoked.
    pub argv: Vec<String>,
    /// The same, byte for byte (sys.argv decodes it with surrogateescape).
    pub argv_os: Vec<std::ffi::OsString>,
}

/// Run the bundle's program to completion and return its exit code.
pub fn run(bundle: Bundle<'static>, launch: Launch, mut trace: crate::trace::Trace) -> u32 {
    // What CPython does at start: the locale's character encoding, so that
    // `open()` without an encoding decodes as the user's locale says.
    #[cfg(unix)]
    // SAFETY: before any other thread exists; setlocale copies the name.
    unsafe {
        libc::setlocale(libc::LC_CTYPE, c"".as_ptr());
    }
    let (root, materialized) =
        pyfreeze_bundle::launch::bundle_root(&bundle, &launch.exe, &launch.argv);
    let root = archive::root_text(root, materialized);
    let archive = archive::install(bundle, root, materialized);
    trace.mark("data files");
    let interp = interpreter::build(Config {
        argv: launch.argv.clone(),
        executable: launch.exe.to_string_lossy().into_owned(),
        optimize: archive.bundle.manifest.build.optimize,
    });
    trace.mark("interpreter");
    let mut broken_pipe = false;
    let mut interrupted = false;
    let result = interp.enter(|vm| {
        // As CPython: arguments and paths that are not UTF-8 are decoded
        // with surrogateescape, so that os.fsencode gives the bytes back.
        let argv: Vec<_> = launch
            .argv_os
            .iter()
            .map(|a| vm.fsdecode(a.clone()).into())
            .collect();
        vm.sys_module.set_attr("argv", vm.ctx.new_list(argv), vm)?;
        vm.sys_module.set_attr(
            "executable",
            vm.fsdecode(launch.exe.clone().into_os_string()),
            vm,
        )?;
        prepare_sys(vm, archive)?;
        trace.mark("importer and encodings");
        let result = run_child_or_entry(vm, archive).and_then(|()| flush_stdout(vm));
        trace.mark("program");
        skip_threading_import_at_exit(vm);
        match result {
            Err(exc) if is_broken_pipe(vm, &exc) => {
                broken_pipe = true;
                silence_stdout();
                Ok(())
            }
            // As CPython: the traceback, then atexit handlers and the rest
            // of the shutdown, then death by SIGINT (RustPython would kill
            // itself before finalising).
            Err(exc) if exc.fast_isinstance(vm.ctx.exceptions.keyboard_interrupt) => {
                vm.print_exception(&exc);
                interrupted = true;
                Ok(())
            }
            other => other,
        }
    });
    let code = interp.finalize(result.err());
    trace.mark("shutdown");
    trace.report();
    if broken_pipe {
        die_of_sigpipe();
    }
    if interrupted {
        die_of_sigint();
    }
    code
}

/// Exit as killed by SIGINT, so that the shell (and `make`) see an interrupt.
fn die_of_sigint() -> ! {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition and signalling ourselves.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::kill(libc::getpid(), libc::SIGINT);
    }
    std::process::exit(128 + 2)
}

/// RustPython's shutdown imports `threading` to join its threads, even when
/// the program never imported it (CPython only looks in `sys.modules`).
/// Importing it at exit costs milliseconds for nothing: mark it absent, so
/// the import fails fast and shutdown moves on, as CPython's does.
fn skip_threading_import_at_exit(vm: &VirtualMachine) {
    if let Ok(modules) = vm.sys_module.get_attr("modules", vm)
        && modules.get_item("threading", vm).is_err()
    {
        let _ = modules.set_item("threading", vm.ctx.none(), vm);
    }
}

/// Flush `sys.stdout` while errors can still be handled here rather than
/// printed as "Exception ignored" at shutdown. A stdout the program closed
/// (`with sys.stdout as out:`) is left alone, as CPython leaves it.
fn flush_stdout(vm: &VirtualMachine) -> PyResult<()> {
    if let Ok(stdout) = vm.sys_module.get_attr("stdout", vm)
        && !vm.is_none(&stdout)
    {
        let closed = stdout
            .get_attr("closed", vm)
            .and_then(|c| c.try_to_bool(vm))
            .unwrap_or(false);
        if !closed {
            vm.call_method(&stdout, "flush", ())?;
        }
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

/// A multiprocessing child started by re-running the executable, else the program.
fn run_child_or_entry(vm: &VirtualMachine, archive: &'static Archive) -> PyResult<()> {
    let importer = vm.import("_pyfreeze_importer", 0)?;
    vm.call_method(&importer, "run_runtime_hooks", ())?;
    let argv = vm.sys_module.get_attr("argv", vm)?;
    let is_child = argv.length(vm)? >= 2 && {
        let handled = importer
            .get_attr("multiprocessing_child", vm)?
            .call((argv,), vm)?;
        handled.try_to_bool(vm)?
    };
    if is_child {
        Ok(())
    } else {
        run_entry(vm, archive)
    }
}

fn run_entry(vm: &VirtualMachine, archive: &'static Archive) -> PyResult<()> {
    match &archive.bundle.manifest.entry {
        Entry::Script { module } => run_as_main(vm, archive, module, false),
        Entry::Module { module } => run_as_main(vm, archive, module, true),
        Entry::Function { module, function } => {
            // multiprocessing expects a __main__ module to exist.
            vm.new_scope_with_main()?;
            vm.import(&vm.ctx.new_str(module.as_str()), 0)?;
            let loaded = vm
                .sys_module
                .get_attr("modules", vm)?
                .get_item(module.as_str(), vm)?;
            let result = loaded.get_attr(function.as_str(), vm)?.call((), vm)?;
            // As console-script wrappers do: sys.exit(main()).
            vm.sys_module.get_attr("exit", vm)?.call((result,), vm)?;
            Ok(())
        }
    }
}

/// Run the module record `name` as `__main__`: a script, or (`as_module`) a
/// module the way `python -m` runs it, with its spec and package set.
fn run_as_main(
    vm: &VirtualMachine,
    archive: &'static Archive,
    name: &str,
    as_module: bool,
) -> PyResult<()> {
    let record = archive
        .bundle
        .manifest
        .module(name)
        .ok_or_else(|| vm.new_runtime_error(format!("entry module {name} missing")))?;
    let code = crate::native::module_code(name, vm)?;
    let scope = vm.new_scope_with_main()?;
    let globals = &scope.globals;
    let importer = vm
        .import("_pyfreeze_importer", 0)?
        .get_attr("importer", vm)?;
    globals.set_item(
        "__file__",
        vm.ctx.new_str(archive.virtual_path(&record.path)).into(),
        vm,
    )?;
    globals.set_item("__cached__", vm.ctx.none(), vm)?;
    globals.set_item("__loader__", importer.clone(), vm)?;
    if as_module {
        let spec = vm.call_method(&importer, "find_spec", (vm.ctx.new_str(name),))?;
        let package = name.rsplit_once('.').map_or("", |(p, _)| p);
        globals.set_item("__spec__", spec, vm)?;
        globals.set_item("__package__", vm.ctx.new_str(package).into(), vm)?;
    }
    vm.run_code_obj(code, scope)?;
    Ok(())
}
