# Which modules importing a module loads, C-level imports included (what
# compiled extensions import cannot be read from their files: Cython, for
# one, compresses its strings). Run by the build's interpreter with -I -S:
#   argv[1]: JSON list of directories to search after the stdlib
#   argv[2]: JSON list of modules to import, in order
# Prints one JSON line per module as soon as it is imported:
#   [name, sorted new module names] (null instead of the list if it failed),
# so that a crash loses only what comes after. Whatever the modules print
# is discarded.
import importlib
import json
import os
import sys
import warnings

warnings.simplefilter("ignore")
answer = sys.stdout
sys.stdout = sys.stderr = open(os.devnull, "w")
sys.path.extend(json.loads(sys.argv[1]))
for name in json.loads(sys.argv[2]):
    before = set(sys.modules)
    try:
        importlib.import_module(name)
    except BaseException:
        answer.write(json.dumps([name, None]) + "\n")
    else:
        answer.write(json.dumps([name, sorted(set(sys.modules) - before)]) + "\n")
    answer.flush()
