//! The part of CPython's C API the bootloader uses, resolved with `dlsym`
//! from the libpython it loaded: the bootloader never links libpython, so
//! one binary serves every CPython version. Only functions whose signatures
//! are the same in 3.10 and later appear here; structures whose layout
//! changes (PyConfig) are handled in `config`.

use std::ffi::{CStr, c_char, c_int, c_long, c_void};

/// An opaque `PyObject *`.
pub type Obj = *mut c_void;

/// `PyStatus`, returned by value by the initialisation functions; the same
/// layout in every supported version.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PyStatus {
    /// 0: ok, 1: error, 2: exit.
    pub kind: c_int,
    pub func: *const c_char,
    pub err_msg: *const c_char,
    pub exitcode: c_int,
}

/// `PyWideStringList`.
#[repr(C)]
pub struct PyWideStringList {
    pub length: isize,
    pub items: *mut *mut libc::wchar_t,
}

macro_rules! api {
    (
        functions { $( $name:ident : $ty:ty ),* $(,)? }
        objects { $( $obj:ident : $oty:ty ),* $(,)? }
    ) => {
        /// The C API functions and objects, resolved once.
        #[allow(non_snake_case)]
        pub struct Api {
            $( pub $name: $ty, )*
            $( pub $obj: $oty, )*
            /// PEP 741 (3.14 and later), when present.
            pub init_config: Option<InitConfigApi>,
        }

        impl Api {
            /// Resolve every symbol in `handle` (a `dlopen`ed libpython).
            pub fn load(handle: *mut c_void) -> Result<Api, String> {
                Ok(Api {
                    $( $name: {
                        let sym = symbol(handle, concat!(stringify!($name), "\0"))?;
                        // SAFETY: the symbol is the C function of that name,
                        // whose signature $ty states.
                        unsafe { std::mem::transmute::<*mut c_void, $ty>(sym) }
                    }, )*
                    $( $obj: symbol(handle, concat!(stringify!($obj), "\0"))? as $oty, )*
                    init_config: InitConfigApi::load(handle),
                })
            }
        }
    };
}

fn symbol(handle: *mut c_void, name: &str) -> Result<*mut c_void, String> {
    // SAFETY: `name` is NUL-terminated; dlsym only reads it.
    let sym = unsafe { libc::dlsym(handle, name.as_ptr().cast()) };
    if sym.is_null() {
        Err(format!(
            "the bundled libpython has no symbol {}",
            name.trim_end_matches('\0')
        ))
    } else {
        Ok(sym)
    }
}

api! {
    functions {
    Py_GetVersion: unsafe extern "C" fn() -> *const c_char,
    PyPreConfig_InitPythonConfig: unsafe extern "C" fn(*mut c_void),
    Py_PreInitialize: unsafe extern "C" fn(*const c_void) -> PyStatus,
    PyConfig_InitPythonConfig: unsafe extern "C" fn(*mut c_void),
    PyConfig_SetBytesString: unsafe extern "C" fn(*mut c_void, *mut *mut libc::wchar_t, *const c_char) -> PyStatus,
    PyConfig_SetBytesArgv: unsafe extern "C" fn(*mut c_void, isize, *const *mut c_char) -> PyStatus,
    PyWideStringList_Append: unsafe extern "C" fn(*mut PyWideStringList, *const libc::wchar_t) -> PyStatus,
    Py_InitializeFromConfig: unsafe extern "C" fn(*const c_void) -> PyStatus,
    PyConfig_Clear: unsafe extern "C" fn(*mut c_void),
    Py_ExitStatusException: unsafe extern "C" fn(PyStatus) -> !,
    PyImport_AppendInittab: unsafe extern "C" fn(*const c_char, Option<unsafe extern "C" fn() -> Obj>) -> c_int,
    PyImport_ImportModule: unsafe extern "C" fn(*const c_char) -> Obj,
    PyImport_AddModule: unsafe extern "C" fn(*const c_char) -> Obj,
    PyModule_GetDict: unsafe extern "C" fn(Obj) -> Obj,
    PyObject_GetAttrString: unsafe extern "C" fn(Obj, *const c_char) -> Obj,
    PyObject_CallObject: unsafe extern "C" fn(Obj, Obj) -> Obj,
    PyEval_EvalCode: unsafe extern "C" fn(Obj, Obj, Obj) -> Obj,
    PyErr_Occurred: unsafe extern "C" fn() -> Obj,
    PyErr_ExceptionMatches: unsafe extern "C" fn(Obj) -> c_int,
    PyErr_Print: unsafe extern "C" fn(),
    PyErr_SetString: unsafe extern "C" fn(Obj, *const c_char),
    PyErr_Clear: unsafe extern "C" fn(),
    PySys_GetObject: unsafe extern "C" fn(*const c_char) -> Obj,
    Py_FinalizeEx: unsafe extern "C" fn() -> c_int,
    Py_IncRef: unsafe extern "C" fn(Obj),
    Py_DecRef: unsafe extern "C" fn(Obj),
    PyModule_Create2: unsafe extern "C" fn(*mut c_void, c_int) -> Obj,
    PyModule_AddIntConstant: unsafe extern "C" fn(Obj, *const c_char, c_long) -> c_int,
    PyModule_AddObjectRef: unsafe extern "C" fn(Obj, *const c_char, Obj) -> c_int,
    PyUnicode_AsUTF8AndSize: unsafe extern "C" fn(Obj, *mut isize) -> *const c_char,
    PyUnicode_DecodeFSDefault: unsafe extern "C" fn(*const c_char) -> Obj,
    PyBytes_FromStringAndSize: unsafe extern "C" fn(*const c_char, isize) -> Obj,
    PyMemoryView_FromMemory: unsafe extern "C" fn(*mut c_char, isize, c_int) -> Obj,
    }
    objects {
    PyExc_OSError: *const Obj,
    PyExc_KeyboardInterrupt: *const Obj,
    PyExc_BrokenPipeError: *const Obj,
    _Py_NoneStruct: Obj,
    PyImport_FrozenModules: *mut *const c_void,
    }
}

/// PEP 741's initialisation API: configuration by name, no layouts.
#[allow(non_snake_case)]
pub struct InitConfigApi {
    pub PyInitConfig_Create: unsafe extern "C" fn() -> *mut c_void,
    pub PyInitConfig_Free: unsafe extern "C" fn(*mut c_void),
    pub PyInitConfig_GetError: unsafe extern "C" fn(*mut c_void, *mut *const c_char) -> c_int,
    pub PyInitConfig_GetExitCode: unsafe extern "C" fn(*mut c_void, *mut c_int) -> c_int,
    pub PyInitConfig_SetInt: unsafe extern "C" fn(*mut c_void, *const c_char, i64) -> c_int,
    pub PyInitConfig_SetStr:
        unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char) -> c_int,
    pub PyInitConfig_SetStrList:
        unsafe extern "C" fn(*mut c_void, *const c_char, usize, *const *const c_char) -> c_int,
    pub Py_InitializeFromInitConfig: unsafe extern "C" fn(*mut c_void) -> c_int,
}

impl InitConfigApi {
    fn load(handle: *mut c_void) -> Option<InitConfigApi> {
        macro_rules! get {
            ($name:ident) => {{
                let sym = symbol(handle, concat!(stringify!($name), "\0")).ok()?;
                // SAFETY: the PEP 741 function of that name, whose signature
                // is the field's of the same name.
                unsafe { std::mem::transmute::<*mut c_void, FnType!($name)>(sym) }
            }};
        }
        macro_rules! FnType {
            (PyInitConfig_Create) => { unsafe extern "C" fn() -> *mut c_void };
            (PyInitConfig_Free) => { unsafe extern "C" fn(*mut c_void) };
            (PyInitConfig_GetError) => { unsafe extern "C" fn(*mut c_void, *mut *const c_char) -> c_int };
            (PyInitConfig_GetExitCode) => { unsafe extern "C" fn(*mut c_void, *mut c_int) -> c_int };
            (PyInitConfig_SetInt) => { unsafe extern "C" fn(*mut c_void, *const c_char, i64) -> c_int };
            (PyInitConfig_SetStr) => { unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char) -> c_int };
            (PyInitConfig_SetStrList) => { unsafe extern "C" fn(*mut c_void, *const c_char, usize, *const *const c_char) -> c_int };
            (Py_InitializeFromInitConfig) => { unsafe extern "C" fn(*mut c_void) -> c_int };
        }
        Some(InitConfigApi {
            PyInitConfig_Create: get!(PyInitConfig_Create),
            PyInitConfig_Free: get!(PyInitConfig_Free),
            PyInitConfig_GetError: get!(PyInitConfig_GetError),
            PyInitConfig_GetExitCode: get!(PyInitConfig_GetExitCode),
            PyInitConfig_SetInt: get!(PyInitConfig_SetInt),
            PyInitConfig_SetStr: get!(PyInitConfig_SetStr),
            PyInitConfig_SetStrList: get!(PyInitConfig_SetStrList),
            Py_InitializeFromInitConfig: get!(Py_InitializeFromInitConfig),
        })
    }
}

// SAFETY: the pointers are libpython's functions and static objects,
// valid for the life of the process; CPython itself serialises their use
// through the GIL.
unsafe impl Send for Api {}
unsafe impl Sync for Api {}

impl Api {
    /// `(major, minor)` from `Py_GetVersion()` ("3.11.7 (main, ...").
    pub fn version(&self) -> Option<(u32, u32)> {
        // SAFETY: Py_GetVersion returns a static NUL-terminated string and
        // may be called before initialisation.
        let text = unsafe { CStr::from_ptr((self.Py_GetVersion)()) }
            .to_str()
            .ok()?;
        let mut parts = text.split(['.', ' ']);
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    }

    /// The full version string's first word (`3.11.7`).
    pub fn version_text(&self) -> String {
        // SAFETY: as above.
        let text = unsafe { CStr::from_ptr((self.Py_GetVersion)()) };
        text.to_string_lossy()
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    pub fn none(&self) -> Obj {
        // SAFETY: Py_IncRef accepts any object, None included.
        unsafe { (self.Py_IncRef)(self._Py_NoneStruct) };
        self._Py_NoneStruct
    }
}
