//! `_pyfreeze`: the native half of the importer. It answers from the bundle's
//! manifest and decodes bytecode read straight from the executable, lazily, when a
//! module is first imported.

pub(crate) use _pyfreeze::module_def;

use rustpython_vm::builtins::PyCode;
use rustpython_vm::{PyRef, PyResult, VirtualMachine};

/// Bytecode files are `.pyc`: a 16-byte PEP 552 header, then `marshal.dumps(code)`.
const PYC_HEADER: usize = 16;

pub(crate) fn decode_pyc(bytes: &[u8], vm: &VirtualMachine) -> Result<PyRef<PyCode>, String> {
    let body = bytes
        .get(PYC_HEADER..)
        .and_then(|b| b.strip_prefix(b"c"))
        .ok_or("not a bytecode file")?;
    let bag = rustpython_compiler_core::bytecode::BasicBag;
    let code = rustpython_compiler_core::marshal::deserialize_code(&mut &*body, bag)
        .map_err(|e| format!("unreadable bytecode: {e}"))?;
    // Through the VM's own constant bag: frozenset constants need the VM.
    Ok(PyCode::new_ref_from_bytecode(vm, code))
}

/// The code object of `name`.
pub(crate) fn module_code(name: &str, vm: &VirtualMachine) -> PyResult<PyRef<PyCode>> {
    let archive = crate::archive::get().ok_or_else(|| vm.new_runtime_error("no bundle"))?;
    let record = archive.bundle.manifest.module(name).ok_or_else(|| {
        vm.new_import_error(
            format!("No module named {name:?} in the bundle"),
            vm.ctx.new_str(name),
        )
    })?;
    let bytes = record
        .code
        .as_deref()
        .and_then(|path| archive.read(path))
        .ok_or_else(|| {
            vm.new_import_error(
                format!("{}: bytecode missing", record.path),
                vm.ctx.new_str(name),
            )
        })?;
    let code = decode_pyc(&bytes, vm)
        .map_err(|e| vm.new_import_error(format!("{}: {e}", record.path), vm.ctx.new_str(name)))?;
    // Compiled with its path in the bundle (`pkg/mod.py`); run under the
    // bundle's root, as `__file__` is, so that linecache never reads a file
    // of that relative name in the working directory for a traceback.
    let path = archive.virtual_path(&record.path);
    vm.import("_imp", 0)?
        .get_attr("_fix_co_filename", vm)?
        .call((code.clone(), path), vm)?;
    Ok(code)
}

// `#[pyattr]` expands to code that unwraps; our own code here does not.
#[allow(clippy::unwrap_used)]
#[rustpython_vm::pymodule]
mod _pyfreeze {
    use crate::archive::{self, Archive};
    use rustpython_vm::builtins::{PyCode, PyUtf8StrRef};
    use rustpython_vm::{PyObjectRef, PyRef, PyResult, VirtualMachine};

    /// The virtual directory holding the bundle's modules (`sys._MEIPASS`).
    #[pyattr]
    fn root(vm: &VirtualMachine) -> PyObjectRef {
        let root = archive::get().map(|a| a.root.as_str()).unwrap_or_default();
        vm.ctx.new_str(root).into()
    }

    /// Whether the data files exist on disk under `root`.
    #[pyattr]
    fn materialized(vm: &VirtualMachine) -> PyObjectRef {
        vm.ctx
            .new_bool(archive::get().is_some_and(|a| a.materialized))
            .into()
    }

    /// Entries directly inside a directory of the bundle (absolute virtual
    /// path), as `(name, is_dir)` pairs; None if no such directory.
    #[pyfunction]
    fn list_dir(path: PyUtf8StrRef, vm: &VirtualMachine) -> Option<Vec<PyObjectRef>> {
        let archive = archive::get()?;
        let path = path.as_str().trim_end_matches(['/', '\\']);
        let prefix = if path == archive.root {
            String::new()
        } else {
            format!("{}/", archive.archive_path(path)?)
        };
        let mut seen = std::collections::BTreeMap::new();
        for f in &archive.bundle.manifest.files {
            let Some(rest) = f.path.strip_prefix(&prefix) else {
                continue;
            };
            match rest.split_once('/') {
                Some((dir, _)) => {
                    seen.insert(dir.to_string(), true);
                }
                None => {
                    seen.entry(rest.to_string()).or_insert(false);
                }
            }
        }
        if seen.is_empty() {
            return None;
        }
        let entries = seen.into_iter().map(|(name, is_dir)| {
            vm.new_tuple((vm.ctx.new_str(name), vm.ctx.new_bool(is_dir)))
                .into()
        });
        Some(entries.collect())
    }

    /// Create the bundle's private directory on disk (empty, or with its
    /// data files) and return its path: `os.chdir(sys._MEIPASS)` of a
    /// bundle whose root is virtual.
    #[pyfunction]
    fn make_root(vm: &VirtualMachine) -> PyResult<String> {
        let archive = archive::get().ok_or_else(|| vm.new_runtime_error("no bundle"))?;
        pyfreeze_bundle::launch::cache_dir::bundle_root(&archive.bundle)
            .map(|dir| archive::root_text(dir, true))
            .map_err(|why| vm.new_os_error(format!("cannot create the bundle's directory: {why}")))
    }

    /// `(kind, virtual_path)` for a module in the bundle, else None; kind is
    /// "module", "package" or "namespace" (whose path is its directory).
    #[pyfunction]
    fn find(name: PyUtf8StrRef) -> Option<(&'static str, String)> {
        let archive = archive::get()?;
        let record = archive.module(name.as_str())?;
        Some((Archive::kind(record), archive.virtual_path(&record.path)))
    }

    #[pyfunction]
    fn get_code(name: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<PyRef<PyCode>> {
        super::module_code(name.as_str(), vm)
    }

    /// Source text when the bundle carries it, else None.
    #[pyfunction]
    fn get_source(name: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<Option<String>> {
        let Some(archive) = archive::get() else {
            return Ok(None);
        };
        let Some(path) = archive
            .bundle
            .manifest
            .module(name.as_str())
            .and_then(|r| r.source.as_ref())
        else {
            return Ok(None);
        };
        let bytes = archive.read(path).unwrap_or_default();
        String::from_utf8(bytes.into_owned())
            .map(Some)
            .map_err(|_| vm.new_value_error(format!("{path}: source is not UTF-8")))
    }

    /// `(module name, virtual path)` of the entry module.
    #[pyfunction]
    fn entry(vm: &VirtualMachine) -> PyResult<(String, String)> {
        let archive = archive::get().ok_or_else(|| vm.new_runtime_error("no bundle"))?;
        let m = &archive.bundle.manifest;
        let record = m
            .module(m.entry.module())
            .ok_or_else(|| vm.new_runtime_error("entry module missing"))?;
        Ok((record.name.clone(), archive.virtual_path(&record.path)))
    }

    /// Names of the `.dist-info` directories in the bundle (package metadata).
    #[pyfunction]
    fn dist_infos(vm: &VirtualMachine) -> Vec<PyObjectRef> {
        let Some(archive) = archive::get() else {
            return Vec::new();
        };
        let mut names: Vec<String> = archive
            .bundle
            .manifest
            .files
            .iter()
            .filter_map(|f| f.path.split_once('/').map(|(dir, _)| dir))
            .filter(|dir| dir.ends_with(".dist-info"))
            .map(str::to_string)
            .collect();
        names.dedup();
        names
            .into_iter()
            .map(|n| vm.ctx.new_str(n).into())
            .collect()
    }

    /// Bytes of a file in the bundle named by its absolute virtual path.
    #[pyfunction]
    fn get_data(path: PyUtf8StrRef, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        let not_found = || {
            vm.new_errno_error(
                libc::ENOENT,
                format!("No such file in the bundle: {:?}", path.as_str()),
            )
            .upcast()
        };
        let archive = archive::get().ok_or_else(not_found)?;
        let rel = archive.archive_path(path.as_str()).ok_or_else(not_found)?;
        archive
            .read(&rel)
            .map(|b| b.into_owned())
            .ok_or_else(not_found)
    }
}
