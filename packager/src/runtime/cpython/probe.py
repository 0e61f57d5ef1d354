# Asked of the interpreter a CPython bundle is built from (run with -I -S):
# everything pyfreeze needs to know about it, as one JSON document.
import sys

startup = sorted(sys.modules)  # what CPython imports before any program code

import _imp
import importlib.util
import json
import os
import sysconfig

paths = sysconfig.get_paths()
# -S skips site.py, which is what applies a venv: a venv's python run
# directly (not activated) must still mean the venv's site-packages.
exe_dir = os.path.dirname(os.path.abspath(sys.executable))
for venv in (os.path.dirname(exe_dir), exe_dir):
    if os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
        if os.path.normpath(sys.prefix) != os.path.normpath(venv):
            paths = sysconfig.get_paths(vars={"base": venv, "platbase": venv})
        break
dynload = None
for entry in sys.path:
    if os.path.basename(entry) == "lib-dynload":
        dynload = entry
print(
    json.dumps(
        {
            "executable": os.path.realpath(sys.executable),
            "version": list(sys.version_info[:3]),
            "version_text": sys.version.split()[0],
            "implementation": sys.implementation.name,
            "abiflags": getattr(sys, "abiflags", ""),
            "magic": int.from_bytes(importlib.util.MAGIC_NUMBER[:2], "little"),
            "stdlib": paths["stdlib"],
            "lib_dynload": dynload,
            "purelib": paths["purelib"],
            "platlib": paths["platlib"],
            "prefix": sys.prefix,
            "base_prefix": sys.base_prefix,
            "libdir": sysconfig.get_config_var("LIBDIR"),
            "instsoname": sysconfig.get_config_var("INSTSONAME"),
            "ldlibrary": sysconfig.get_config_var("LDLIBRARY"),
            "shared": bool(sysconfig.get_config_var("Py_ENABLE_SHARED")),
            "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
            "ext_suffixes": _imp.extension_suffixes(),
            "builtin": list(sys.builtin_module_names),
            "frozen": sorted(_imp._frozen_module_names())
            if hasattr(_imp, "_frozen_module_names")
            else [],
            "startup": startup,
            "platform": sys.platform,
            "sysconfigdata": sysconfig._get_sysconfigdata_name()
            if hasattr(sysconfig, "_get_sysconfigdata_name")
            else None,
            "machine": os.uname().machine,
        }
    )
)
