#!/usr/bin/env python3
"""Check Linux bootloaders before they ship: each needs nothing from the
system but glibc's own libraries and libgcc_s, and no glibc newer than 2.28.

    tests/wheel/check_bootloaders.py FILE...

Reads `readelf -d` (DT_NEEDED) and `readelf -V` (the GLIBC_x.y versions
needed); exits 1 naming what is wrong. Plain Python 3.6, for the
manylinux_2_28 image the wheels workflow builds them in.
"""
import re
import subprocess
import sys

ALLOWED = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
    "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libgcc_s.so.1",
}
FLOOR = (2, 28)


def readelf(flag, path):
    return subprocess.run(["readelf", flag, path], stdout=subprocess.PIPE,
                          universal_newlines=True, check=True).stdout


def main(files):
    problems = []
    for path in files:
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", readelf("-d", path)))
        versions = re.findall(r"Name: GLIBC_(\d+)\.(\d+)", readelf("-V", path))
        newest = max(((int(a), int(b)) for a, b in versions), default=(0, 0))
        extra = sorted(needed - ALLOWED)
        if extra:
            problems.append("{} needs {}".format(path, ", ".join(extra)))
        if newest > FLOOR:
            problems.append("{} needs glibc {}.{} (at most {}.{})".format(path, *newest, *FLOOR))
        print("{}: {}; glibc {}.{}".format(path, ", ".join(sorted(needed)), *newest))
    for p in problems:
        print("error: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
