"""pyfreeze's importer: finds and loads the bundle's modules from memory.

Shared by both runtimes. RustPython's bootloader freezes it into itself, and
its native module _pyfreeze answers from the bundle's manifest. For CPython
the packager compiles it into the archive, and _pyfreeze is a Python module
over the bundle's index (cpython_api.py). This class gives importlib the
finder and loader protocol (find_spec, exec_module, get_code, get_source,
get_data, ...), the way importlib's own SourceFileLoader does for files on
disk; compiled extension modules (CPython only) load from memory.
"""

import sys
import _pyfreeze
from _frozen_importlib import ModuleSpec

_SEP = "\\" if sys.platform == "win32" else "/"

# Tracebacks and warnings leave out the import machinery's own frames, which
# both interpreters recognise by this file name, in chains that pass through
# a function named _call_with_frames_removed: so the importer's frames never
# show in a program's tracebacks, and warnings raised at import time name
# the importing module, as under CPython.
_MACHINERY = "<frozen importlib._bootstrap_external>"


def _call_with_frames_removed(f, *args, **kwds):
    return f(*args, **kwds)


def _name_in_bundle(fullname):
    """The bundle's name for the module that `import fullname` finds.

    CPython's path finder searches sys.path in order, so a program that puts
    one of its package's directories before the bundle's root makes the
    modules in that directory importable as top-level ones: OpenCV's loader
    puts cv2/ first and imports the extension cv2/cv2.abi3.so as `cv2`. The
    bundle's directories are searched the same way (others are left to
    PathFinder), and a submodule follows its parent package."""
    head, dot, tail = fullname.rpartition(".")
    if dot:
        parent = sys.modules.get(head)
        spec = getattr(parent, "__spec__", None)
        outer = getattr(spec, "_pyfreeze_name", None)
        return f"{outer}.{tail}" if outer else fullname
    root = _pyfreeze.root
    path = sys.path
    if not path or path[0] == root:  # as the bundle starts: nothing before it
        return fullname
    inside = root + _SEP
    for entry in path:
        if entry == root:
            break
        if isinstance(entry, str) and entry.startswith(inside):
            package = entry[len(inside) :].strip(_SEP).replace(_SEP, ".")
            if package and _pyfreeze.find(f"{package}.{fullname}") is not None:
                return f"{package}.{fullname}"
    return fullname


class BundleImporter:
    """Meta-path finder and loader for the modules inside the executable."""

    def __repr__(self):
        return "<pyfreeze.BundleImporter>"

    # -- finder ------------------------------------------------------------
    def find_spec(self, fullname, path=None, target=None):
        name = _name_in_bundle(fullname)
        found = _pyfreeze.find(name)
        if found is None:
            return None
        kind, path = found
        if kind == "namespace":
            spec = ModuleSpec(fullname, self, origin=None, is_package=True)
            spec.submodule_search_locations = [path]
            return spec
        spec = ModuleSpec(fullname, self, origin=path, is_package=kind == "package")
        spec.has_location = True
        if name != fullname:
            spec._pyfreeze_name = name
        if kind == "extension":
            spec._pyfreeze_extension = True
        if kind == "package":
            spec.submodule_search_locations = [path.rpartition(_SEP)[0]]
        return spec

    def invalidate_caches(self):
        pass

    # -- loader ------------------------------------------------------------
    def create_module(self, spec):
        if getattr(spec, "_pyfreeze_extension", False):
            module = _call_with_frames_removed(_pyfreeze.create_extension, spec)
            module.__file__ = spec.origin
            return module
        return None

    def exec_module(self, module):
        spec = module.__spec__
        if spec.origin is None:  # namespace package: nothing to run
            return
        if getattr(spec, "_pyfreeze_extension", False):
            _call_with_frames_removed(_pyfreeze.exec_extension, module)
            if spec.name.endswith("__mypyc"):
                self._mypyc = True
            if getattr(self, "_mypyc", False):
                self._adopt_mypyc_modules()
            return
        code = _pyfreeze.get_code(getattr(spec, "_pyfreeze_name", spec.name))
        _call_with_frames_removed(exec, code, module.__dict__)
        if spec.name == "os":
            _chdir_into_root(module)

    def _adopt_mypyc_modules(self):
        """mypyc-compiled modules import each other natively, not through
        the import system, and give each module so made a spec with a file
        loader for its path in the bundle. Make those specs ours, so that
        the modules' resources come from the bundle."""
        import sys

        for name, module in list(sys.modules.items()):
            spec = getattr(module, "__spec__", None)
            if spec is None or spec.loader is self or not spec.origin:
                continue
            if type(spec.loader).__name__ != "ExtensionFileLoader":
                continue
            ours = self.find_spec(name)
            # The same module (compiled, or its source twin) in the bundle.
            if ours is not None and (ours.origin or "").rpartition(_SEP)[0] == spec.origin.rpartition(_SEP)[0]:
                module.__spec__ = ours
                module.__loader__ = self

    def get_code(self, fullname):
        found = _pyfreeze.find(fullname)
        if found is not None and found[0] == "extension":
            return None
        return _pyfreeze.get_code(fullname)

    def get_source(self, fullname):
        return _pyfreeze.get_source(fullname)

    def is_package(self, fullname):
        found = _pyfreeze.find(fullname)
        if found is None:
            raise ImportError(f"No module named {fullname!r} in the bundle", name=fullname)
        return found[0] in ("package", "namespace")

    def get_filename(self, fullname):
        found = _pyfreeze.find(fullname)
        if found is None:
            raise ImportError(f"No module named {fullname!r} in the bundle", name=fullname)
        return found[1]

    def get_data(self, path):
        return _pyfreeze.get_data(path)

    # -- resources (importlib.resources) ------------------------------------
    def get_resource_reader(self, fullname):
        found = _pyfreeze.find(fullname)
        if found is None or found[0] == "module":
            return None
        kind, path = found
        directory = path if kind == "namespace" else path.rpartition(_SEP)[0]
        return _ResourceReader(directory)

    # -- package metadata (importlib.metadata) ---------------------------------
    def find_distributions(self, context=None):
        """The bundled .dist-info directories, for importlib.metadata."""
        name = getattr(context, "name", None)
        wanted = _normalize(name) if name else None
        cls = _distribution_class()
        for info_dir in _pyfreeze.dist_infos():
            if wanted is None or _normalize(info_dir.split("-", 1)[0]) == wanted:
                yield cls(info_dir)


class _ResourceReader:
    """importlib.resources reader of one package's directory in the bundle."""

    def __init__(self, directory):
        self._dir = directory

    def files(self):
        if _pyfreeze.materialized:
            # Data files are on disk: a real path, so as_file() copies nothing.
            import pathlib

            return pathlib.Path(self._dir)
        return BundlePath(self._dir)

    # The older ResourceReader protocol.
    def open_resource(self, resource):
        import io

        return io.BytesIO(_pyfreeze.get_data(self._dir + _SEP + resource))

    def resource_path(self, resource):
        if _pyfreeze.materialized:
            return self._dir + _SEP + resource
        raise FileNotFoundError(resource)

    def is_resource(self, name):
        return BundlePath(self._dir + _SEP + name).is_file()

    def contents(self):
        return [name for name, _ in _pyfreeze.list_dir(self._dir) or ()]


class BundlePath:
    """A Traversable (importlib.resources.abc) over files in the bundle."""

    def __init__(self, path):
        self._path = path

    def __repr__(self):
        return f"BundlePath({self._path!r})"

    def __str__(self):
        return self._path

    def __fspath__(self):
        return self._path

    def __eq__(self, other):
        return isinstance(other, BundlePath) and other._path == self._path

    def __hash__(self):
        return hash(self._path)

    @property
    def name(self):
        return self._path.rpartition(_SEP)[2]

    def iterdir(self):
        for name, _ in _pyfreeze.list_dir(self._path) or ():
            yield BundlePath(self._path + _SEP + name)

    def is_dir(self):
        return _pyfreeze.list_dir(self._path) is not None

    def is_file(self):
        try:
            _pyfreeze.get_data(self._path)
            return True
        except OSError:
            return False

    def exists(self):
        return self.is_file() or self.is_dir()

    def joinpath(self, *descendants):
        path = self._path
        for part in descendants:
            for piece in str(part).replace("\\", "/").split("/"):
                if piece and piece != ".":
                    path = path + _SEP + piece
        return BundlePath(path)

    __truediv__ = joinpath

    def read_bytes(self):
        return _pyfreeze.get_data(self._path)

    def read_text(self, encoding=None, errors=None):
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")

    def open(self, mode="r", *args, **kwargs):
        import io

        data = io.BytesIO(self.read_bytes())
        if "b" in mode:
            return data
        return io.TextIOWrapper(data, *args, **kwargs)


def _normalize(name):
    # PEP 503 normalisation, as importlib.metadata compares names.
    out = []
    for ch in name.lower():
        out.append("_" if ch in "-_." else ch)
    text = "".join(out)
    while "__" in text:
        text = text.replace("__", "_")
    return text


_DIST_CLASS = None


def _distribution_class():
    # Built on first use: importlib.metadata is only loaded by programs that use it.
    global _DIST_CLASS
    if _DIST_CLASS is None:
        import importlib.metadata
        import pathlib

        class BundleDistribution(importlib.metadata.Distribution):
            def __init__(self, info_dir):
                self._info_dir = info_dir

            def read_text(self, filename):
                path = _pyfreeze.root + _SEP + self._info_dir + _SEP + filename
                try:
                    return _pyfreeze.get_data(path).decode("utf-8")
                except OSError:
                    return None

            def locate_file(self, path):
                return pathlib.Path(_pyfreeze.root) / path

            def __repr__(self):
                return f"<BundleDistribution {self._info_dir}>"

        _DIST_CLASS = BundleDistribution
    return _DIST_CLASS


class BundlePathFinder:
    """Path-entry finder for one directory of the bundle, so that
    pkgutil.iter_modules() and walk_packages() list the bundled modules."""

    def __init__(self, path):
        self.path = path
        root = _pyfreeze.root
        rel = path[len(root) + 1 :] if path != root else ""
        self._package = rel.replace(_SEP, ".")

    def __repr__(self):
        return f"BundlePathFinder({self.path!r})"

    def _full(self, name):
        return f"{self._package}.{name}" if self._package else name

    def find_spec(self, fullname, target=None):
        spec = importer.find_spec(fullname)
        if spec is None or not spec.origin:
            return spec
        return spec if spec.origin.rpartition(_SEP)[0] in (self.path, self.path + _SEP + fullname.rpartition(".")[2]) else None

    def invalidate_caches(self):
        pass

    def iter_modules(self, prefix=""):
        seen = set()
        for name, is_dir in _pyfreeze.list_dir(self.path) or ():
            if is_dir:
                module = name
            elif name.endswith(".py") or name.endswith(".pyc"):
                module = name.rpartition(".")[0]
                if module == "__init__":
                    continue
            else:
                continue
            found = _pyfreeze.find(self._full(module))
            if found is None or module in seen:
                continue
            seen.add(module)
            yield prefix + module, found[0] in ("package", "namespace")


def _path_hook(path):
    root = _pyfreeze.root
    if path == root or (path.startswith(root + _SEP) and _pyfreeze.list_dir(path) is not None):
        return BundlePathFinder(path)
    raise ImportError("not a directory of the bundle", path=path)


importer = BundleImporter()


def install():
    """Put the importer on sys.meta_path after the built-in and frozen
    importers (as CPython searches built-ins before sys.path), before
    PathFinder; and a path hook for the bundle's directories."""
    meta_path = sys.meta_path
    for i, finder in enumerate(meta_path):
        if getattr(finder, "__name__", "") == "PathFinder":
            meta_path.insert(i, importer)
            break
    else:
        meta_path.append(importer)
    sys.path_hooks.insert(0, _path_hook)
    return importer


# -- start-up under CPython ---------------------------------------------------
# RustPython's bootloader does this in Rust (stub-runtime/src/startup.rs);
# CPython's calls main_code() and runs what it returns in __main__.


def run_runtime_hooks():
    """The --runtime-hook scripts, in the order given, before the entry
    point (and before a multiprocessing child's work, as PyInstaller's)."""
    n = 0
    while _pyfreeze.find(f"pyfreeze_runtime_hook_{n:02}") is not None:
        # Top-level modules: __import__ returns each, and needs no importlib
        # on a start that has no hook.
        __import__(f"pyfreeze_runtime_hook_{n:02}")
        n += 1


def main_code():
    """Set sys up as a frozen program expects, install the importer, and
    return the code object to run in __main__, or None when a
    multiprocessing child ran instead."""
    root = _pyfreeze.root
    sys.frozen = True
    sys._MEIPASS = root
    for name in ("prefix", "exec_prefix", "base_prefix", "base_exec_prefix"):
        setattr(sys, name, root)
    sys.path[:] = [root]
    install()
    _adopt_startup_modules()
    sys.excepthook = _excepthook
    import os  # frozen into CPython: not through the importer's hook

    _chdir_into_root(os)
    run_runtime_hooks()
    if len(sys.argv) >= 2 and multiprocessing_child(sys.argv):
        return None
    kind, module, function = _pyfreeze.entry_spec()
    main = sys.modules["__main__"]
    if kind == "function":
        # As console-script wrappers do: sys.exit(main()).
        return compile(
            f"import sys\nfrom {module} import {function}\nsys.exit({function}())\n",
            "<pyfreeze entry point>",
            "exec",
        )
    name, path = _pyfreeze.entry()
    main.__file__ = path
    main.__cached__ = None
    main.__loader__ = importer
    if kind == "module":
        main.__spec__ = importer.find_spec(name)
        main.__package__ = name.rpartition(".")[0]
    return _pyfreeze.get_code(name)


def _adopt_startup_modules():
    """The modules CPython imported while it started (the encodings package,
    frozen by the bootloader or from its start-up zip) become the bundle's,
    as if the importer had loaded them: their __file__ under sys._MEIPASS,
    this importer their loader."""
    from _frozen_importlib import _init_module_attrs

    names = _pyfreeze.startup_modules()
    # Where the locale is not UTF-8, its codec too.
    names += [n for n in sys.modules if n.startswith("encodings.")]
    for name in names:
        module = sys.modules.get(name)
        if module is None or getattr(module, "__loader__", None) is importer:
            continue
        spec = importer.find_spec(name)
        if spec is not None:
            _init_module_attrs(spec, module, override=True)


def _chdir_into_root(os):
    """os.chdir(sys._MEIPASS) works although a bundle without data files has
    no directory on disk (a start writes nothing): the chdir creates it
    (empty, private to the user) on demand."""
    if _pyfreeze.materialized or getattr(os.chdir, "_pyfreeze", False):
        return
    real = os.chdir

    def chdir(path):
        try:
            root = os.fspath(path) == _pyfreeze.root
        except TypeError:
            root = False
        if root and not os.path.isdir(path):
            try:
                return real(_pyfreeze.make_root())
            except OSError:
                pass  # already said why (once); fail as a missing directory
        return real(path)

    chdir.__doc__ = real.__doc__
    chdir._pyfreeze = True
    os.chdir = chdir


def _excepthook(exc_type, value, tb):
    # The traceback module reads source lines through the modules' loaders,
    # which serve them from the bundle; CPython's built-in hook reads files.
    import traceback

    traceback.print_exception(exc_type, value, tb)


# -- multiprocessing ---------------------------------------------------------
# The spawn and forkserver start methods run sys.executable again: with
# "--multiprocessing-fork" when frozen, or with "-c <multiprocessing code>"
# for the resource tracker and the fork server. Like PyInstaller, the frozen
# program recognises those and becomes the child, without running __main__.

_MULTIPROCESSING_COMMANDS = (
    "from multiprocessing.resource_tracker import main",
    "from multiprocessing.forkserver import main",
    "from multiprocessing.spawn import spawn_main",
)


def multiprocessing_child(argv):
    """Run the multiprocessing child argv asks for; False if it asks for none."""
    sys.modules.setdefault("__main__", type(sys)("__main__"))
    if len(argv) >= 2 and argv[1] == "--multiprocessing-fork":
        _patch_main_fixup()
        from multiprocessing import spawn

        spawn.freeze_support()  # runs the child's work and exits
        return True
    args = list(argv[1:])
    while args and args[0].startswith("-") and args[0] != "-c":
        flag = args.pop(0)
        if flag in ("-W", "-X") and args:
            args.pop(0)
    if len(args) >= 2 and args[0] == "-c" and _is_multiprocessing_command(args[1]):
        _patch_main_fixup()
        sys.argv[:] = ["-c"] + args[2:]
        exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
        return True
    return False


def _is_multiprocessing_command(code):
    # The fork server's command starts with "import sys; ".
    code = code.strip()
    if code.startswith("import sys;"):
        code = code[len("import sys;") :].lstrip()
    return code.startswith(_MULTIPROCESSING_COMMANDS)


def _patch_main_fixup():
    # A child re-creates the parent's __main__ as __mp_main__ from its file;
    # the entry script is in the bundle, not on disk, so run it from there.
    from multiprocessing import spawn

    original = spawn._fixup_main_from_path
    entry_name, entry_path = _pyfreeze.entry()

    def fixup_main_from_path(main_path):
        if main_path != entry_path:
            return original(main_path)
        current = sys.modules["__main__"]
        if getattr(current, "__file__", None) == main_path:
            return
        spawn.old_main_modules.append(current)
        module = type(sys)("__mp_main__")
        module.__file__ = main_path
        module.__loader__ = importer
        module.__builtins__ = __builtins__
        sys.modules["__main__"] = sys.modules["__mp_main__"] = module
        exec(_pyfreeze.get_code(entry_name), module.__dict__)

    spawn._fixup_main_from_path = fixup_main_from_path


def _as_machinery():
    # RustPython freezes this module under its own name: give its code the
    # machinery's file name (CPython's packager compiles it with it).
    import _imp

    for value in list(globals().values()):
        members = list(vars(value).values()) if isinstance(value, type) else [value]
        for member in members:
            member = getattr(member, "fget", member)
            code = getattr(member, "__code__", None)
            if code is not None and code.co_filename != _MACHINERY:
                _imp._fix_co_filename(code, _MACHINERY)


_as_machinery()
