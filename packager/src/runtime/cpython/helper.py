# pyfreeze's compile helper: one per build, run by the interpreter the bundle
# is built from (-I -S). Requests and answers are length-prefixed (8 bytes,
# little-endian) JSON requests and binary answers on stdin/stdout:
#   {"compile": SOURCE, "filename": NAME, "optimize": N}
#       -> b"\0" + a hash-based, unchecked .pyc (PEP 552)
#       -> b"\1" + JSON {"line", "column", "message"} for a syntax error
#   {"marshal": VALUE} -> b"\0" + marshal.dumps(VALUE)
import importlib._bootstrap_external as _external
import importlib.util
import json
import marshal
import sys
import warnings

warnings.simplefilter("ignore")  # SyntaxWarnings are the program's business
# marshal writes a string as interned or not as the object is. The empty and
# one-character strings are process-wide singletons, interned or not by what
# ran before (a loaded .pyc interns them): intern them all now, so a module
# marshals to the same bytes whatever this process compiled first.
for _c in range(256):
    sys.intern(chr(_c))
sys.intern("")
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer


def answer(data):
    stdout.write(len(data).to_bytes(8, "little") + data)
    stdout.flush()


while True:
    header = stdin.read(8)
    if len(header) < 8:
        break
    request = json.loads(stdin.read(int.from_bytes(header, "little")))
    if "marshal" in request:
        answer(b"\0" + marshal.dumps(request["marshal"]))
        continue
    source = request["compile"]
    try:
        code = compile(
            source, request["filename"], "exec", dont_inherit=True, optimize=request["optimize"]
        )
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as e:
        # RecursionError: an expression nested too deep for the compiler
        # (python3 refuses it too), which has no line of its own.
        detail = {
            "line": getattr(e, "lineno", None) or 1,
            "column": getattr(e, "offset", None) or 1,
            "message": getattr(e, "msg", None) or f"{type(e).__name__}: {e}",
        }
        answer(b"\1" + json.dumps(detail).encode())
        continue
    # marshal flags an object as shared when its reference count is above
    # one, which depends on what this process compiled before. Loaded back,
    # only what the code really shares is: the same bytes whatever came
    # before, so rebuilds are byte-identical with or without the cache.
    code = marshal.loads(marshal.dumps(code))
    digest = importlib.util.source_hash(source.encode("utf-8"))
    answer(b"\0" + bytes(_external._code_to_hash_pyc(code, digest, checked=False)))
