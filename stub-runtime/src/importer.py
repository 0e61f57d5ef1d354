"""pyfreeze's importer: finds and loads the bundle's modules from memory.

Frozen into the bootloader. The native module _pyfreeze answers from the
bundle's manifest; this class gives importlib the finder and loader protocol
(find_spec, exec_module, get_code, get_source, get_data, ...), the way
importlib's own SourceFileLoader does for files on disk.
"""

import sys
import _pyfreeze
from _frozen_importlib import ModuleSpec

_SEP = "\\" if sys.platform == "win32" else "/"


class BundleImporter:
    """Meta-path finder and loader for the modules inside the executable."""

    def __repr__(self):
        return "<pyfreeze.BundleImporter>"

    # -- finder ------------------------------------------------------------
    def find_spec(self, fullname, path=None, target=None):
        found = _pyfreeze.find(fullname)
        if found is None:
            return None
        kind, path = found
        if kind == "namespace":
            spec = ModuleSpec(fullname, self, origin=None, is_package=True)
            spec.submodule_search_locations = [path]
            return spec
        spec = ModuleSpec(fullname, self, origin=path, is_package=kind == "package")
        spec.has_location = True
        if kind == "package":
            spec.submodule_search_locations = [path.rpartition(_SEP)[0]]
        return spec

    def invalidate_caches(self):
        pass

    # -- loader ------------------------------------------------------------
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        spec = module.__spec__
        if spec.origin is None:  # namespace package: nothing to run
            return
        exec(_pyfreeze.get_code(spec.name), module.__dict__)

    def get_code(self, fullname):
        return _pyfreeze.get_code(fullname)

    def get_source(self, fullname):
        return _pyfreeze.get_source(fullname)

    def is_package(self, fullname):
        found = _pyfreeze.find(fullname)
        if found is None:
            raise ImportError(f"No module named {fullname!r} in the bundle", name=fullname)
        return found[0] != "module"

    def get_filename(self, fullname):
        found = _pyfreeze.find(fullname)
        if found is None:
            raise ImportError(f"No module named {fullname!r} in the bundle", name=fullname)
        return found[1]

    def get_data(self, path):
        return _pyfreeze.get_data(path)


importer = BundleImporter()


def install():
    """Put the importer on sys.meta_path after the built-in and frozen
    importers (as CPython searches built-ins before sys.path), before PathFinder."""
    meta_path = sys.meta_path
    for i, finder in enumerate(meta_path):
        if getattr(finder, "__name__", "") == "PathFinder":
            meta_path.insert(i, importer)
            break
    else:
        meta_path.append(importer)
    return importer
