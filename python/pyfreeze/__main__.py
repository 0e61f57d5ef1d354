"""``python -m pyfreeze ARGS``: run the pyfreeze binary with ARGS."""

import os
import subprocess
import sys

from pyfreeze import find_pyfreeze_bin


def main() -> None:
    exe = find_pyfreeze_bin()
    args = [exe, *sys.argv[1:]]
    if sys.platform == "win32":
        sys.exit(subprocess.call(args))
    os.execv(exe, args)


if __name__ == "__main__":
    main()
