"""pyfreeze: freeze a Python program into one executable.

This package only locates the ``pyfreeze`` binary installed with it; the
tool itself is that binary (run ``pyfreeze --help``).
"""

import os
import shutil
import sys
import sysconfig

__all__ = ["find_pyfreeze_bin"]


def find_pyfreeze_bin() -> str:
    """The path of the ``pyfreeze`` binary installed with this package."""
    exe = "pyfreeze" + (".exe" if sys.platform == "win32" else "")
    schemes = [sysconfig.get_default_scheme()]
    if sys.version_info >= (3, 10):
        schemes.append(sysconfig.get_preferred_scheme("user"))
    for scheme in schemes:
        path = os.path.join(sysconfig.get_path("scripts", scheme=scheme), exe)
        if os.path.isfile(path):
            return path
    # pip install --target, or an unusual layout: the scripts beside the
    # package's own directory, then PATH.
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in (os.path.join(here, "bin", exe), shutil.which(exe)):
        if path and os.path.isfile(path):
            return path
    raise FileNotFoundError(
        "the pyfreeze binary was not found beside this Python package; "
        "reinstall it with `pip install --force-reinstall pyfreeze`"
    )
