//! `pyfreeze-boot-cpython`: the bootloader of CPython bundles. It maps its
//! own file and checks the archive as every pyfreeze bootloader does, then
//! loads the bundled libpython from memory (it never links it, so one
//! bootloader starts every CPython from 3.10 on), starts the interpreter
//! isolated from the machine's Python, and runs the program. Modules are
//! imported from the executable and extension modules from memory:
//! nothing is written to disk.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod api;
mod build_files;
mod config;
mod frozen;
mod memload;
mod native;

use api::Api;
use pyfreeze_bundle::launch::{self, trace::Trace};
use pyfreeze_bundle::runtime::cpython;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::process::exit;

/// Lets `pyfreeze build` recognise this file as a CPython bootloader.
#[used]
static MARKER: &str = cpython::BOOTLOADER_MARKER;

fn main() {
    // Before anything reads the environment from another thread.
    launch::take_launch_var();
    let mut trace = Trace::from_env();
    launch::install_panic_hook();
    let started = launch::open(None, &mut trace);
    launch::apply_env(&started.bundle);
    let argv = started.argv.clone();
    let bundle: &'static _ = Box::leak(Box::new(started.bundle));
    let manifest = &bundle.manifest;
    let Some((3, minor, _)) = cpython::parse_bytecode_format(&manifest.bytecode) else {
        launch::fail(
            &argv,
            &format!(
                "{} holds {} bytecode, which this CPython bootloader does not run; rebuild the \
                 program with the pyfreeze that made this bootloader",
                started.exe.display(),
                manifest.bytecode
            ),
        );
    };

    let (root, materialized) = launch::bundle_root(bundle, &started.exe, &argv);
    trace.mark("data files");

    let mut loader = memload::Loader::new(bundle, &root);
    let Some(libpython) = manifest
        .libraries
        .iter()
        .find(|l| l.soname.starts_with("libpython"))
    else {
        launch::fail(
            &argv,
            "the bundle carries no libpython; rebuild it with --runtime cpython",
        );
    };
    let api = match loader.library(&libpython.path).and_then(Api::load) {
        Ok(api) => api,
        Err(e) => launch::fail(&argv, &format!("cannot load the bundled libpython: {e}")),
    };
    if api.version() != Some((3, minor)) {
        launch::fail(
            &argv,
            &format!(
                "the bundle's bytecode is for CPython 3.{minor} but its libpython is {}; rebuild it",
                api.version_text()
            ),
        );
    }
    trace.mark("libpython");

    // What CPython imports while it starts: frozen, or where the locale is
    // not UTF-8, the encodings package from a zip for its zipimport.
    let utf8 = frozen::utf8_locale();
    if let Err(e) = frozen::install(&api, minor, bundle, utf8) {
        launch::fail(&argv, &format!("cannot prepare the start-up modules: {e}"));
    }
    let search_path: std::ffi::OsString = if utf8 {
        root.clone().into_os_string()
    } else {
        match loader.extension(cpython::BOOTSTRAP_PATH) {
            Ok(path) => path.into(),
            Err(e) => launch::fail(&argv, &format!("cannot prepare the start-up modules: {e}")),
        }
    };

    let state = native::install(native::State {
        api,
        bundle,
        loader: std::sync::Mutex::new(loader),
        root: CString::new(root.as_os_str().as_bytes()).unwrap_or_default(),
        materialized,
    });
    let api = &state.api;
    native::register(api);
    let settings = config::Settings {
        argv: &started.argv_os,
        executable: started.exe.as_os_str(),
        home: root.as_os_str(),
        search_path: &search_path,
        optimize: manifest.build.optimize,
    };
    if let Err(e) = config::initialize(api, minor, &settings) {
        launch::fail(&argv, &e);
    }
    trace.mark("interpreter");
    let code = run(api, &mut trace);
    trace.report();
    exit(code);
}

/// Import the importer, run what it says in `__main__`, finalise; the exit
/// status, as `python` would give it.
fn run(api: &Api, trace: &mut Trace) -> i32 {
    // SAFETY: the interpreter is initialised and this thread holds the GIL;
    // every object is checked for NULL before use and released after.
    unsafe {
        let importer = (api.PyImport_ImportModule)(c"_pyfreeze_importer".as_ptr());
        if importer.is_null() {
            return failed(api);
        }
        let main_code = (api.PyObject_GetAttrString)(importer, c"main_code".as_ptr());
        (api.Py_DecRef)(importer);
        if main_code.is_null() {
            return failed(api);
        }
        let code = (api.PyObject_CallObject)(main_code, std::ptr::null_mut());
        (api.Py_DecRef)(main_code);
        trace.mark("importer");
        if code.is_null() {
            return failed(api);
        }
        let mut status = 0;
        if code != api._Py_NoneStruct {
            let main = (api.PyImport_AddModule)(c"__main__".as_ptr());
            let globals = (api.PyModule_GetDict)(main);
            let mut result = (api.PyEval_EvalCode)(code, globals, globals);
            if !result.is_null() {
                (api.Py_DecRef)(result);
                // Flushed here, not in finalisation, so that a reader gone
                // away is a BrokenPipeError handled below.
                result = flush_stdout(api);
            }
            if result.is_null() {
                // SystemExit ends the process inside PyErr_Print: report now.
                trace.mark("program");
                trace.report();
                status = failed(api);
            } else {
                (api.Py_DecRef)(result);
            }
        }
        (api.Py_DecRef)(code);
        trace.mark("program");
        if (api.Py_FinalizeEx)() < 0 && status == 0 {
            // What CPython's main does when flushing the standard streams fails.
            status = 120;
        }
        trace.mark("shutdown");
        status
    }
}

/// `sys.stdout.flush()`: its result, or NULL with the exception set.
unsafe fn flush_stdout(api: &Api) -> api::Obj {
    // SAFETY: the GIL is held; PySys_GetObject returns a borrowed reference.
    unsafe {
        let stdout = (api.PySys_GetObject)(c"stdout".as_ptr());
        if stdout.is_null() || stdout == api._Py_NoneStruct {
            return api.none();
        }
        let flush = (api.PyObject_GetAttrString)(stdout, c"flush".as_ptr());
        if flush.is_null() {
            // A stdout without flush (closed, replaced): nothing to do.
            (api.PyErr_Clear)();
            return api.none();
        }
        let result = (api.PyObject_CallObject)(flush, std::ptr::null_mut());
        (api.Py_DecRef)(flush);
        result
    }
}

/// The pending exception, handled as `python` does: `SystemExit` exits (in
/// `PyErr_Print`), `KeyboardInterrupt` prints its traceback and ends the
/// process by SIGINT, anything else prints its traceback for status 1. A
/// `BrokenPipeError` (`app | head`) ends the process as it ends a C
/// program: killed by SIGPIPE (141 in a shell), quietly, after `atexit`.
unsafe fn failed(api: &Api) -> i32 {
    // SAFETY: called with an exception set and the GIL held.
    unsafe {
        if !(api.PyErr_Occurred)().is_null()
            && (api.PyErr_ExceptionMatches)(*api.PyExc_BrokenPipeError) != 0
        {
            (api.PyErr_Clear)();
            // What is still buffered for stdout goes nowhere, quietly.
            let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if devnull >= 0 {
                libc::dup2(devnull, 1);
                libc::close(devnull);
            }
            (api.Py_FinalizeEx)();
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::kill(libc::getpid(), libc::SIGPIPE);
            exit(141);
        }
        let interrupted = !(api.PyErr_Occurred)().is_null()
            && (api.PyErr_ExceptionMatches)(*api.PyExc_KeyboardInterrupt) != 0;
        (api.PyErr_Print)();
        if interrupted {
            (api.Py_FinalizeEx)();
            die_of_sigint();
        }
    }
    1
}

/// End as CPython does after an unhandled KeyboardInterrupt: killed by
/// SIGINT, so that the shell sees status 130.
fn die_of_sigint() -> ! {
    // SAFETY: restoring the default disposition and signalling ourselves.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::kill(libc::getpid(), libc::SIGINT);
    }
    exit(130)
}
