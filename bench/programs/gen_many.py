"""Write a synthetic program of N modules (for the scaling benchmark):
main.py imports pkg.m0000 ... pkg.mNNNN, each a small module with a class
and functions, each importing the previous one."""
import pathlib
import sys


def generate(root: pathlib.Path, n: int) -> pathlib.Path:
    pkg = root / "pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for i in range(n):
        prev = f"from . import m{i - 1:04d}\n" if i else ""
        (pkg / f"m{i:04d}.py").write_text(
            f"{prev}\n"
            f"VALUE = {i}\n\n"
            f"class Thing{i}:\n"
            f"    def __init__(self, x):\n        self.x = x + VALUE\n\n"
            f"    def double(self):\n        return self.x * 2\n\n"
            f"def compute(n):\n    return sum(Thing{i}(k).double() for k in range(n))\n"
        )
    imports = "".join(f"import pkg.m{i:04d}\n" for i in range(n))
    (root / "main.py").write_text(imports + f"print('modules', {n}, pkg.m{n - 1:04d}.compute(3))\n")
    return root / "main.py"


if __name__ == "__main__":
    print(generate(pathlib.Path(sys.argv[1]), int(sys.argv[2])))
