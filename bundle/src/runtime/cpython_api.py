"""_pyfreeze for the CPython runtime: the API the importer uses (the same as
RustPython's native _pyfreeze module), over the bundle's index and the
bootloader's native _pyfreeze_native module, which reads archive entries
from the executable and loads shared libraries from memory.

Frozen into CPython by the bootloader, and imported before the importer is
installed, so this module imports only built-in modules.
"""

import _imp
import marshal
import sys

import _pyfreeze_native as _native

root = _native.root
materialized = bool(_native.materialized)
_SEP = "/"

# {"modules": {name: [kind, path, code, source, needs]}, "files": [...],
#  "dist_infos": [...], "entry": [kind, module, function], "startup": [...]}
_index = marshal.loads(_native.read("__pyfreeze__/index.marshal"))
_modules = _index["modules"]
_libraries_loaded = set()
_dirs = None

# A .pyc: 16 bytes of header, then the marshalled code object.
_PYC_HEADER = 16


def _virtual(path):
    return root + _SEP + path


def _archive_path(path):
    if path.startswith(root + _SEP):
        return path[len(root) + 1 :]
    return None


def find(name):
    """(kind, virtual path) of a module in the bundle, else None; kind is
    "module", "package", "namespace" or "extension"."""
    if name == "__main__":
        return None
    found = _modules.get(name)
    if found is None:
        return None
    return found[0], _virtual(found[1])


def get_code(name):
    found = _modules.get(name)
    if found is None or found[2] is None:
        raise ImportError(f"No module named {name!r} in the bundle", name=name)
    code = marshal.loads(memoryview(_native.read(found[2]))[_PYC_HEADER:])
    # Compiled with its path in the bundle; run under the bundle's root, as
    # __file__ is, so that linecache never reads a file of that relative name
    # in the working directory for a traceback.
    _imp._fix_co_filename(code, _virtual(found[1]))
    return code


def get_source(name):
    found = _modules.get(name)
    if found is None or found[3] is None:
        return None
    return bytes(_native.read(found[3])).decode("utf-8")


def get_data(path):
    rel = _archive_path(path)
    if rel is not None:
        try:
            return bytes(_native.read(rel))
        except OSError:
            pass
    raise FileNotFoundError(2, f"No such file in the bundle: {path!r}")


def list_dir(path):
    """(name, is_dir) pairs of a directory of the bundle, else None."""
    global _dirs
    if _dirs is None:
        _dirs = {}
        for f in _index["files"]:
            parts = f.split("/")
            for i in range(len(parts)):
                parent = "/".join(parts[:i])
                _dirs.setdefault(parent, {})
                _dirs[parent].setdefault(parts[i], i < len(parts) - 1)
                if i < len(parts) - 1:
                    _dirs[parent][parts[i]] = True
    path = path.rstrip("/")
    rel = "" if path == root else _archive_path(path)
    entries = _dirs.get(rel) if rel is not None else None
    if not entries:
        return None
    return sorted(entries.items())


def entry():
    """(module name, virtual path) of the entry module."""
    name = _index["entry"][1]
    found = _modules[name]
    return name, _virtual(found[1])


def entry_spec():
    """(kind, module, function) of what runs at start."""
    return tuple(_index["entry"])


def startup_modules():
    """The bundle's modules CPython imported while it started, before the
    importer was installed (frozen, or from the start-up zip)."""
    return list(_index.get("startup", ()))


def dist_infos():
    return list(_index["dist_infos"])


def make_root():
    """Create the bundle's directory on disk (for os.chdir); its path."""
    return _native.make_root()


def create_extension(spec):
    """Load a compiled extension module from memory: the shared libraries it
    needs first (by soname, which is how the dynamic linker then finds
    them), then the module itself."""
    found = _modules[getattr(spec, "_pyfreeze_name", spec.name)]
    try:
        for lib in found[4]:
            if lib not in _libraries_loaded:
                _native.library(lib)
                _libraries_loaded.add(lib)
        location = _native.extension(found[2])
        from _frozen_importlib import ModuleSpec

        module = _imp.create_dynamic(ModuleSpec(spec.name, None, origin=location))
    except (OSError, ImportError) as e:
        missing = _missing_system_library(spec.name, str(e))
        if missing is None:
            raise
        raise ImportError(missing, name=spec.name) from None
    _native.loaded(location)
    return module


def _missing_system_library(module, error):
    """The one line to say when `error` (the dynamic linker's) is a library
    the system should have but has not: which, and the package to install."""
    marker = ": cannot open shared object file"
    if marker not in error:
        return None
    soname = error.split(marker)[0].rsplit(": ", 1)[-1].strip()
    try:
        known = marshal.loads(_native.read("__pyfreeze__/system_libraries.marshal"))
    except Exception:
        known = []
    for entry in known:
        if any(soname.startswith(prefix) for prefix in entry["sonames"]):
            return (
                f"{module} needs {soname}, {entry['what']}, and this system has none: install "
                f"{entry['debian']} (Debian, Ubuntu) or {entry['fedora']} (Fedora)"
            )
    return f"{module} needs {soname}, which this system has none of: install the package that provides it"


def exec_extension(module):
    _imp.exec_dynamic(module)
