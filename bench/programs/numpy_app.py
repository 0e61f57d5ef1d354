"""A small numpy program for the CPython-runtime start-up benchmark: import
numpy, do a little linear algebra, print one line."""
import sys

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
a = np.arange(n * n, dtype=np.float64).reshape(n, n) / (n * n)
b = a @ a.T + np.eye(n)
x = np.linalg.solve(b, np.ones(n))
print(f"n={n} sum={x.sum():.6f} det_sign={np.sign(np.linalg.det(b)):.0f}")
