//! `_pyfreeze_native`: what the importer cannot do in Python.
//!
//! * `read(path)`: an archive entry, as a memoryview of the mapped
//!   executable when it is stored (no copy), else decompressed;
//! * `extension(path)`: a path CPython's extension loader can `dlopen`;
//! * `loaded(location)`: CPython has loaded the extension given `location`:
//!   name it in the dynamic linker's list as `/proc/self/maps` does;
//! * `library(path)`: load a shared library (libpython globally, the others
//!   locally: see `memload`);
//!
//! and the attributes `root` (`sys._MEIPASS`) and `materialized` (whether
//! data files are on disk under it). Registered with
//! `PyImport_AppendInittab` before CPython starts.

use crate::api::{Api, Obj};
use crate::memload::Loader;
use pyfreeze_bundle::Bundle;
use std::borrow::Cow;
use std::ffi::{CString, c_char, c_int, c_void};
use std::sync::{Mutex, OnceLock};

pub struct State {
    pub api: Api,
    pub bundle: &'static Bundle<'static>,
    pub loader: Mutex<Loader>,
    pub root: CString,
    pub materialized: bool,
}

static STATE: OnceLock<State> = OnceLock::new();

/// Keep what the module serves; call before `register`.
pub fn install(state: State) -> &'static State {
    STATE.get_or_init(|| state)
}

pub fn state() -> Option<&'static State> {
    STATE.get()
}

#[repr(C)]
struct MethodDef {
    name: *const c_char,
    meth: Option<unsafe extern "C" fn(Obj, Obj) -> Obj>,
    flags: c_int,
    doc: *const c_char,
}

/// `PyModuleDef`, with `PyModuleDef_HEAD_INIT` as its base.
#[repr(C)]
struct ModuleDef {
    ob_refcnt: isize,
    ob_type: *mut c_void,
    m_init: *mut c_void,
    m_index: isize,
    m_copy: *mut c_void,
    name: *const c_char,
    doc: *const c_char,
    size: isize,
    methods: *mut MethodDef,
    slots: *mut c_void,
    traverse: *mut c_void,
    clear: *mut c_void,
    free: *mut c_void,
}

const METH_O: c_int = 0x0008;
const PYBUF_READ: c_int = 0x100;
const PYTHON_API_VERSION: c_int = 1013;

const METH_NOARGS: c_int = 0x0004;

static mut METHODS: [MethodDef; 6] = [
    MethodDef {
        name: c"read".as_ptr(),
        meth: Some(read),
        flags: METH_O,
        doc: c"An archive entry's bytes.".as_ptr(),
    },
    MethodDef {
        name: c"extension".as_ptr(),
        meth: Some(extension),
        flags: METH_O,
        doc: c"A loadable path for an extension module in the archive.".as_ptr(),
    },
    MethodDef {
        name: c"loaded".as_ptr(),
        meth: Some(loaded),
        flags: METH_O,
        doc: c"An extension module was loaded from this memfd path: name it as the maps do."
            .as_ptr(),
    },
    MethodDef {
        name: c"library".as_ptr(),
        meth: Some(library),
        flags: METH_O,
        doc: c"Load a shared library of the archive, globally.".as_ptr(),
    },
    MethodDef {
        name: c"make_root".as_ptr(),
        meth: Some(make_root),
        flags: METH_NOARGS,
        doc: c"Create the bundle's directory on disk; its path.".as_ptr(),
    },
    MethodDef {
        name: std::ptr::null(),
        meth: None,
        flags: 0,
        doc: std::ptr::null(),
    },
];

static mut MODULE: ModuleDef = ModuleDef {
    ob_refcnt: 1,
    ob_type: std::ptr::null_mut(),
    m_init: std::ptr::null_mut(),
    m_index: 0,
    m_copy: std::ptr::null_mut(),
    name: c"_pyfreeze_native".as_ptr(),
    doc: c"The bootloader's side of pyfreeze's importer.".as_ptr(),
    size: -1,
    methods: std::ptr::null_mut(),
    slots: std::ptr::null_mut(),
    traverse: std::ptr::null_mut(),
    clear: std::ptr::null_mut(),
    free: std::ptr::null_mut(),
};

/// Make `_pyfreeze_native` importable; before CPython starts.
pub fn register(api: &Api) {
    // SAFETY: called once, before the interpreter (and any other thread) starts.
    unsafe {
        (*std::ptr::addr_of_mut!(MODULE)).methods =
            std::ptr::addr_of_mut!(METHODS).cast::<MethodDef>();
        (api.PyImport_AppendInittab)(c"_pyfreeze_native".as_ptr(), Some(init));
    }
}

unsafe extern "C" fn init() -> Obj {
    let Some(s) = state() else {
        return std::ptr::null_mut();
    };
    let api = &s.api;
    // SAFETY: the module definition is static and complete; CPython runs
    // this during import with the GIL held.
    unsafe {
        let module =
            (api.PyModule_Create2)(std::ptr::addr_of_mut!(MODULE).cast(), PYTHON_API_VERSION);
        if module.is_null() {
            return module;
        }
        // The root's bytes decoded as CPython decodes a path
        // (surrogateescape): it need not be UTF-8.
        let root = (api.PyUnicode_DecodeFSDefault)(s.root.as_ptr());
        let added =
            !root.is_null() && (api.PyModule_AddObjectRef)(module, c"root".as_ptr(), root) == 0;
        if !root.is_null() {
            (api.Py_DecRef)(root);
        }
        if !added
            || (api.PyModule_AddIntConstant)(
                module,
                c"materialized".as_ptr(),
                s.materialized.into(),
            ) < 0
        {
            (api.Py_DecRef)(module);
            return std::ptr::null_mut();
        }
        module
    }
}

/// The `str` argument as UTF-8, or NULL with CPython's TypeError set.
unsafe fn text_arg<'a>(api: &Api, arg: Obj) -> Option<&'a str> {
    let mut len: isize = 0;
    // SAFETY: PyUnicode_AsUTF8AndSize sets an exception and returns NULL
    // for a non-str; the buffer lives as long as the argument.
    unsafe {
        let ptr = (api.PyUnicode_AsUTF8AndSize)(arg, &mut len);
        if ptr.is_null() {
            return None;
        }
        std::str::from_utf8(std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize)).ok()
    }
}

/// The bootloader's state and the method's `str` argument; `None` (NULL
/// for CPython, with its exception set) if either is missing.
unsafe fn state_and_text<'a>(arg: Obj) -> Option<(&'static State, &'a str)> {
    let s = state()?;
    // SAFETY: the caller passes the method's argument, a live object.
    let text = unsafe { text_arg(&s.api, arg) }?;
    Some((s, text))
}

fn os_error(api: &Api, msg: &str) -> Obj {
    let text = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    // SAFETY: PyExc_OSError is CPython's exception object.
    unsafe { (api.PyErr_SetString)(*api.PyExc_OSError, text.as_ptr()) };
    std::ptr::null_mut()
}

unsafe extern "C" fn read(_module: Obj, arg: Obj) -> Obj {
    // SAFETY: arg is the method's argument, a live object.
    let Some((s, path)) = (unsafe { state_and_text(arg) }) else {
        return std::ptr::null_mut();
    };
    let api = &s.api;
    // A damaged file ends the process (exit 2) rather than raising.
    match pyfreeze_bundle::launch::read(s.bundle, path).ok_or("not in the archive") {
        // SAFETY: the map lives as long as the process; the view is read-only.
        Ok(Cow::Borrowed(bytes)) => unsafe {
            (api.PyMemoryView_FromMemory)(
                bytes.as_ptr().cast_mut().cast(),
                bytes.len() as isize,
                PYBUF_READ,
            )
        },
        // SAFETY: copies the bytes into a new bytes object.
        Ok(Cow::Owned(bytes)) => unsafe {
            (api.PyBytes_FromStringAndSize)(bytes.as_ptr().cast(), bytes.len() as isize)
        },
        Err(e) => os_error(api, &format!("{path}: {e}")),
    }
}

unsafe extern "C" fn extension(_module: Obj, arg: Obj) -> Obj {
    // SAFETY: arg is the method's argument, a live object.
    let Some((s, path)) = (unsafe { state_and_text(arg) }) else {
        return std::ptr::null_mut();
    };
    let api = &s.api;
    let found = match s.loader.lock() {
        Ok(mut loader) => loader.extension(path),
        Err(_) => Err("the loader is unusable after an earlier failure".into()),
    };
    match found {
        Ok(location) => {
            let c = CString::new(location).unwrap_or_default();
            // SAFETY: decodes a NUL-terminated path into a new str.
            unsafe { (api.PyUnicode_DecodeFSDefault)(c.as_ptr()) }
        }
        Err(e) => os_error(api, &e),
    }
}

unsafe extern "C" fn loaded(_module: Obj, arg: Obj) -> Obj {
    // SAFETY: arg is the method's argument, a live object.
    let Some((s, location)) = (unsafe { state_and_text(arg) }) else {
        return std::ptr::null_mut();
    };
    let api = &s.api;
    if let Ok(mut loader) = s.loader.lock() {
        loader.loaded(location);
    }
    api.none()
}

unsafe extern "C" fn library(_module: Obj, arg: Obj) -> Obj {
    // SAFETY: arg is the method's argument, a live object.
    let Some((s, path)) = (unsafe { state_and_text(arg) }) else {
        return std::ptr::null_mut();
    };
    let api = &s.api;
    let loaded = match s.loader.lock() {
        Ok(mut loader) => loader.library(path),
        Err(_) => Err("the loader is unusable after an earlier failure".into()),
    };
    match loaded {
        Ok(_) => api.none(),
        Err(e) => os_error(api, &format!("cannot load {path}: {e}")),
    }
}

unsafe extern "C" fn make_root(_module: Obj, _unused: Obj) -> Obj {
    let Some(s) = state() else {
        return std::ptr::null_mut();
    };
    let api = &s.api;
    match pyfreeze_bundle::launch::cache_dir::bundle_root(s.bundle) {
        Ok(dir) => {
            use std::os::unix::ffi::OsStrExt;
            // The path's bytes, which CPython decodes as it decodes every
            // path (surrogateescape), not a lossy UTF-8 copy.
            let c = CString::new(dir.as_os_str().as_bytes()).unwrap_or_default();
            // SAFETY: decodes a NUL-terminated path into a new str.
            unsafe { (api.PyUnicode_DecodeFSDefault)(c.as_ptr()) }
        }
        Err(why) => os_error(api, &format!("cannot create the bundle's directory: {why}")),
    }
}
