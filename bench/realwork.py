#!/usr/bin/env python3
"""Programs doing real work (a documentation build, a test run, a data
program, a CPU loop), frozen by pyfreeze's default build (the CPython
runtime), by `--runtime rustpython` and by PyInstaller `--onefile`, and run
beside a fresh venv's `python driver.py`: wall time, peak RSS and size. Also
a frozen hello's start against python's, and a duckdb program built from a
venv that also holds pandas, polars, pyarrow and matplotlib (size and start
against PyInstaller's).

Started by bench/run after bench.py and cpython.py; with `bench/run
--realwork` alone. Writes its section into bench/RESULTS.md between the
markers below, leaving the rest of the file as it was.

Everything runs offline once the venvs exist: the inputs (a Sphinx site, a
pytest suite, the data) are generated here, with fixed seeds.
"""
import datetime
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import (  # noqa: E402
    PYFREEZE, ROOT, WORK, fmt_ms, hyperfine, machine, mb, median, peak_rss_kb, repetitions, version,
    write_section,
)
from cpython import ensure_venv  # noqa: E402

BEGIN = "<!-- real work: written by bench/realwork.py -->"
END = "<!-- end of real work -->"
PYI_VERSION = "6.22.3"
# One fresh CPython 3.12 venv per program, as a project would have, with
# exact pins (manylinux wheels) so that reruns measure the same code. The
# "python" column and pyfreeze use these venvs; PyInstaller runs from a twin
# venv with PyInstaller added (it brings setuptools, whose
# distutils-precedence.pth would run at every start of the plain python).
NUMPY = "numpy==2.5.5"
PANDAS = "pandas==3.1.1"
VENVS = {
    "docs": ["sphinx==9.1.1"],
    "tests": ["pytest==9.2.0"],
    "data": [PANDAS, NUMPY],
    "plain": [],  # the CPU loop and hello: the standard library only
    "duckdb": ["duckdb==2.0.1", PANDAS, NUMPY, "polars==2.1.0", "pyarrow==26.0.1", "matplotlib==3.11.2"],
}


def venv_dir(key):
    return WORK / f"rw-{key}-venv"


def pyi_venv(venv):
    return venv.with_name(venv.name + "-pyi")


def ensure_venvs():
    for key, pins in VENVS.items():
        ensure_venv(venv_dir(key), pins)
        ensure_venv(pyi_venv(venv_dir(key)), pins + [f"pyinstaller=={PYI_VERSION}"])


# ---------------------------------------------------------------- programs
# Each driver runs the same under `python driver.py ARGS` and frozen, and
# prints a deterministic summary of what it did (compared across columns).

SPHINX_DRIVER = '''\
"""Documentation build: Sphinx renders a small generated site into HTML."""
import hashlib
import pathlib
import shutil
import sys

from sphinx.cmd.build import main as sphinx_build


def main(src, out):
    shutil.rmtree(out, ignore_errors=True)  # a full build every time
    code = sphinx_build(["-b", "html", "-q", "-E", "-d", out + "/.doctrees", src, out])
    pages = sorted(pathlib.Path(out).rglob("*.html"))
    digest = hashlib.sha256()
    for page in pages + [pathlib.Path(out, "searchindex.js")]:
        digest.update(page.read_bytes())
    print(f"sphinx: exit {code}, {len(pages)} pages, {sum(p.stat().st_size for p in pages)} bytes, "
          f"sha256 {digest.hexdigest()[:16]}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
'''

PYTEST_DRIVER = '''\
"""Test run: pytest runs a small generated suite (assertion rewriting,
fixtures, parametrisation, a conftest, tmp_path)."""
import contextlib
import io
import sys

import pytest


class Count:
    """Outcomes, printed without pytest's timings (which vary run to run)."""

    def __init__(self):
        self.outcomes = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.outcome] = self.outcomes.get(report.outcome, 0) + 1


def main(suite, basetemp):
    count = Count()
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(["-q", "-p", "no:cacheprovider", "--basetemp", basetemp, suite],
                           plugins=[count])
    print(f"pytest: exit {int(code)}, "
          + ", ".join(f"{n} {k}" for k, n in sorted(count.outcomes.items())))
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
'''

PANDAS_DRIVER = '''\
"""Data program: pandas merges, groups, pivots and resamples 200,000
generated sales rows, and round-trips a slice through CSV."""
import io
import sys

import numpy as np
import pandas as pd


def main(rows):
    rng = np.random.default_rng(2024)
    sales = pd.DataFrame({
        "store": rng.integers(0, 50, rows),
        "product": rng.integers(0, 500, rows),
        "day": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"),
        "qty": rng.integers(1, 10, rows),
        "price": rng.uniform(1, 100, rows).round(2),
    })
    sales["revenue"] = sales["qty"] * sales["price"]
    stores = pd.DataFrame({"store": range(50), "region": [f"region-{i % 5}" for i in range(50)]})
    merged = sales.merge(stores, on="store")
    by_region = merged.groupby("region").agg(revenue=("revenue", "sum"), orders=("qty", "size"),
                                             mean_price=("price", "mean"))
    pivot = merged.pivot_table(index="region", columns=merged["day"].dt.quarter,
                               values="revenue", aggfunc="sum")
    top = merged.groupby("product")["revenue"].sum().nlargest(5)
    monthly = merged.set_index("day")["revenue"].resample("MS").sum()
    buf = io.StringIO()
    merged.head(50_000).to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()), parse_dates=["day"])
    print(by_region.round(2).to_string())
    print(pivot.round(2).to_string())
    print(top.round(2).to_string())
    print(monthly.round(2).describe().round(2).to_string())
    print(f"csv round trip: {len(back)} rows, revenue {back['revenue'].sum():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
'''

CPU_DRIVER = '''\
"""CPU loop, standard library only: recursive fib, n-body, json, dicts."""
import json
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def nbody(steps):
    pi = 3.14159265358979323
    days = 365.24
    mass = 4 * pi * pi
    bodies = [  # sun, jupiter, saturn, uranus, neptune: [x, y, z, vx, vy, vz, m]
        [0, 0, 0, 0, 0, 0, mass],
        [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03 * days, 7.69901118419740425e-03 * days,
         -6.90460016972063023e-05 * days, 9.54791938424326609e-04 * mass],
        [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03 * days, 4.99852801234917238e-03 * days,
         2.30417297573763929e-05 * days, 2.85885980666130812e-04 * mass],
        [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03 * days, 2.37847173959480950e-03 * days,
         -2.96589568540237556e-05 * days, 4.36624404335156298e-05 * mass],
        [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03 * days, 1.62824170038242295e-03 * days,
         -9.51592254519715870e-05 * days, 5.15138902046611451e-05 * mass],
    ]
    pairs = [(bodies[i], bodies[j]) for i in range(5) for j in range(i + 1, 5)]
    dt = 0.01
    for _ in range(steps):
        for b1, b2 in pairs:
            dx, dy, dz = b1[0] - b2[0], b1[1] - b2[1], b1[2] - b2[2]
            mag = dt * (dx * dx + dy * dy + dz * dz) ** -1.5
            m1, m2 = b1[6] * mag, b2[6] * mag
            b1[3] -= dx * m2; b1[4] -= dy * m2; b1[5] -= dz * m2
            b2[3] += dx * m1; b2[4] += dy * m1; b2[5] += dz * m1
        for b in bodies:
            b[0] += dt * b[3]; b[1] += dt * b[4]; b[2] += dt * b[5]
    energy = 0.0
    for i, b in enumerate(bodies):
        energy += 0.5 * b[6] * (b[3] ** 2 + b[4] ** 2 + b[5] ** 2)
        for b2 in bodies[i + 1:]:
            d = ((b[0] - b2[0]) ** 2 + (b[1] - b2[1]) ** 2 + (b[2] - b2[2]) ** 2) ** 0.5
            energy -= b[6] * b2[6] / d
    return energy


def json_work(rounds):
    doc = {"items": [{"id": i, "name": f"item-{i}", "tags": ["a", "b", str(i % 7)],
                      "price": i * 1.25, "ok": i % 3 == 0} for i in range(500)]}
    total = 0
    for _ in range(rounds):
        text = json.dumps(doc, sort_keys=True)
        total += len(json.loads(text)["items"]) + len(text)
    return total


def dict_work(n):
    counts = {}
    for i in range(n):
        key = f"k{(i * 7919) % 5003}"
        counts[key] = counts.get(key, 0) + i
    return len(counts), sum(counts.values()) % 1_000_003


def main():
    print("fib(25) =", fib(25))
    print(f"n-body energy after 50000 steps: {nbody(50_000):.9f}")
    print("json:", json_work(60))
    print("dict:", dict_work(400_000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

DUCKDB_DRIVER = '''\
"""duckdb: the embedded database, from a venv that also holds pandas,
polars, pyarrow and matplotlib (which this program does not import)."""
import sys

import duckdb


def main():
    print(duckdb.sql("select 42").fetchall())
    con = duckdb.connect()
    con.execute("create table orders as select i as id, i % 97 as customer, "
                "(i * 31) % 1000 / 10.0 as amount from range(200000) t(i)")
    rows = con.execute("select customer % 5 as segment, count(*), round(sum(amount), 1), "
                       "round(avg(amount), 3) from orders group by segment order by segment").fetchall()
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def write_sphinx_site(src):
    """A small site: 8 pages of sections, lists, tables, code, math, cross
    references and todos, plus a page autodoc fills from a module."""
    src.mkdir(parents=True)
    (src / "conf.py").write_text(textwrap.dedent("""\
        import os, sys
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        project = "Geometry toolkit"
        author = "pyfreeze bench"
        copyright = "2026, pyfreeze bench"
        release = "1.0"
        extensions = ["sphinx.ext.autodoc", "sphinx.ext.todo"]
        todo_include_todos = True
        html_last_updated_fmt = None
        """))
    (src / "shapes.py").write_text(textwrap.dedent('''\
        """Shapes with areas and perimeters."""
        import math


        class Circle:
            """A circle of radius *r*."""

            def __init__(self, r):
                self.r = r

            def area(self):
                """The area, pi r squared."""
                return math.pi * self.r ** 2


        def polygon_area(points):
            """The area of a simple polygon given as (x, y) pairs (the shoelace formula).

            :param points: the vertices, in order
            :returns: the enclosed area
            """
            return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
                           in zip(points, points[1:] + points[:1]))) / 2
        '''))
    names = [f"chapter{i}" for i in range(1, 9)]
    (src / "index.rst").write_text(
        "Geometry toolkit\n================\n\n.. toctree::\n   :maxdepth: 2\n\n"
        + "".join(f"   {n}\n" for n in names) + "   api\n   todos\n")
    (src / "api.rst").write_text("API\n===\n\n.. automodule:: shapes\n   :members:\n")
    (src / "todos.rst").write_text("Open items\n==========\n\n.. todolist::\n")
    for i, name in enumerate(names, 1):
        sections = []
        for j in range(1, 6):
            sections.append(textwrap.dedent(f"""\
                .. _{name}-s{j}:

                Part {i}.{j}
                {'-' * (6 + len(f'{i}.{j}'))}

                Paragraph about *topic {i}.{j}* with **emphasis**, ``literal text`` and a link
                to :ref:`the previous part <{name}-s{max(1, j - 1)}>`. The area of a unit circle
                is :math:`\\pi r^2`; see :func:`shapes.polygon_area` for polygons.

                - first point of {i}.{j}
                - second point, with a nested list:

                  1. one
                  2. two

                .. code-block:: python

                   def step_{i}_{j}(x):
                       return [v * {j} for v in range(x) if v % {i} == 0]

                .. list-table:: Measurements {i}.{j}
                   :header-rows: 1

                   * - name
                     - value
                   * - width
                     - {i * j}
                   * - height
                     - {i + j}

                .. note:: Remember part {i}.{j}.

                .. todo:: Expand part {i}.{j}.
                """))
        title = f"Chapter {i}"
        (src / f"{name}.rst").write_text(f"{title}\n{'=' * len(title)}\n\n" + "\n".join(sections))


def write_pytest_suite(suite):
    """~60 tests over 5 files: plain asserts (rewritten), parametrize,
    fixtures from a conftest, classes, pytest.raises, tmp_path."""
    suite.mkdir(parents=True)
    (suite / "conftest.py").write_text(textwrap.dedent("""\
        import pytest


        @pytest.fixture
        def numbers():
            return list(range(100))


        @pytest.fixture(scope="module")
        def words():
            return "the quick brown fox jumps over the lazy dog".split()
        """))
    for k in range(5):
        (suite / f"test_part{k}.py").write_text(textwrap.dedent(f"""\
            import json
            import re
            from fractions import Fraction

            import pytest


            @pytest.mark.parametrize("n", range(6))
            def test_square_sum(n, numbers):
                assert sum(x * x for x in numbers[:n + {k}]) == sum(x ** 2 for x in range(n + {k}))


            @pytest.mark.parametrize("text,count", [("a b c", 3), ("", 0), ("x  y", 2)])
            def test_split(text, count):
                assert len(text.split()) == count


            def test_words(words):
                assert sorted(words)[0] == "brown"
                assert len(set(words)) == 8


            def test_json_round_trip(tmp_path):
                data = {{"part": {k}, "items": [Fraction(i, 3).limit_denominator().numerator for i in range(20)]}}
                path = tmp_path / "data.json"
                path.write_text(json.dumps(data))
                assert json.loads(path.read_text()) == data


            def test_regex():
                assert re.findall(r"\\d+", "a1 b22 c333") == ["1", "22", "333"]


            def test_raises():
                with pytest.raises(ZeroDivisionError):
                    1 / ({k} - {k})


            class TestFractions:
                def test_add(self):
                    assert Fraction(1, 3) + Fraction(1, {k + 2}) == Fraction({k + 2} + 3, {3 * (k + 2)})

                def test_compare(self):
                    assert Fraction({k}, 7) < 1
            """))


# ---------------------------------------------------------------- running

def run(cmd, cwd):
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip()[:160] if lines else ""


def pyfreeze_build(script, out, venv, cache, runtime=None, extra=()):
    """A plain build (no flags but --venv and, for the RustPython column,
    --runtime rustpython; `extra` for bench/rustpython.py's --bootloader):
    (seconds, stderr, error or None)."""
    cmd = [str(PYFREEZE), "build", str(script), "--venv", str(venv), "-o", str(out), *extra]
    if runtime:
        cmd += ["--runtime", runtime]
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, PYFREEZE_CACHE_DIR=str(cache)))
    took = time.perf_counter() - start
    return took, p.stderr, None if p.returncode == 0 and out.is_file() else last_line(p.stderr)


def pyinstaller_build(script, name, venv, workdir, flags):
    """`--onefile`, run by the twin venv's python so that it analyses the
    program's packages: (seconds, executable, error or None)."""
    shutil.rmtree(workdir, ignore_errors=True)
    cmd = [str(pyi_venv(venv) / "bin" / "python"), "-m", "PyInstaller", "--onefile", "--clean",
           "--noconfirm", "--log-level", "ERROR", "--name", name,
           "--distpath", str(workdir / "dist"), "--workpath", str(workdir / "build"),
           "--specpath", str(workdir), *flags, str(script)]
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - start
    exe = workdir / "dist" / name
    return took, exe, None if p.returncode == 0 and exe.is_file() else last_line(p.stderr)


def paired(commands, runs, cwd):
    """Median wall seconds and median peak RSS (KB) per command, the commands
    taking turns run after run so that a slow spell of the shared machine
    hits all of them alike. Wall time is taken around `/usr/bin/time -f %M`
    (a millisecond of its own, against programs running for a second)."""
    rss_file = cwd / "rss.txt"
    walls = {k: [] for k in commands}
    rss = {k: [] for k in commands}
    for _ in range(runs):
        for key, cmd in commands.items():
            start = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *cmd], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls[key].append(time.perf_counter() - start)
            if p.returncode != 0:
                raise RuntimeError(f"{key}: exit {p.returncode} while timing")
            rss[key].append(int(rss_file.read_text().split()[-1]))
    return {k: (median(walls[k]), median(rss[k])) for k in commands}


def build_notes(stderr):
    """What a pyfreeze build said, shortened: its summary line and notes
    (what it left out, and why) as they are; its warnings about modules
    that are not installed folded into one line."""
    lines, missing, inside = [], [], True
    for line in stderr.splitlines():
        if line.startswith(("Built ", "note:")):
            lines.append(line.rstrip())
        elif line.startswith("warning: module ") and " not found (" in line:
            missing.append(line.split()[2])
            inside = inside and "inside a function" in line
        elif line.startswith("warning:"):
            lines.append(line.rstrip()[:240] + (" ..." if len(line.rstrip()) > 240 else ""))
    if missing:
        where = " (each imported inside a function only)" if inside else ""
        lines.append(f"warning: {len(missing)} modules not installed{where}: {', '.join(missing)}")
    return lines


# ---------------------------------------------------------------- measuring

def real_work(scratch, rss_runs):
    """The main table: each program in each column, paired runs."""
    site, suite = scratch / "site", scratch / "suite"
    write_sphinx_site(site)
    write_pytest_suite(suite)
    programs = [
        # title, driver, its source, arguments, venv, whether RustPython can
        # run it (pandas needs compiled extensions), PyInstaller's flags
        ("documentation build (Sphinx 9.1, 11 source pages)", "sphinx_site", SPHINX_DRIVER,
         [str(site), str(scratch / "site-out")], "docs", True, []),
        ("test run (pytest 9.2, 75 tests)", "pytest_suite", PYTEST_DRIVER,
         [str(suite), str(scratch / "pytest-tmp")], "tests", True, []),
        ("data program (pandas 3.1, 200k rows)", "pandas_report", PANDAS_DRIVER, ["200000"], "data",
         False, []),
        ("CPU loop (fib, n-body, json, dict)", "cpu_loop", CPU_DRIVER, [], "plain", True, []),
    ]
    rows = []
    for title, name, source, args, venv_key, rustpython_ok, pyi_flags in programs:
        venv = venv_dir(venv_key)
        script = scratch / f"{name}.py"
        script.write_text(source)
        row = {"title": title, "name": name, "pyi_flags": pyi_flags, "errors": {}, "size": {},
               "build": {}, "notes": {}}
        exes = {"python": [str(venv / "bin" / "python"), str(script), *args]}
        # The default build, then RustPython's, then PyInstaller's.
        builds = [("default", None), ("rustpython", "rustpython")] if rustpython_ok else [("default", None)]
        for key, runtime in builds:
            out = scratch / f"{name}-{key}"
            took, stderr, err = pyfreeze_build(script, out, venv, scratch / f"cache-{name}-{key}", runtime)
            row["build"][key] = took
            row["notes"][key] = [n for n in build_notes(stderr) if not n.startswith("Built ")]
            if err:
                row["errors"][key] = f"build failed: {err}"
            else:
                row["size"][key] = out.stat().st_size
                exes[key] = [str(out), *args]
        if not rustpython_ok:
            row["errors"]["rustpython"] = "n/a (needs compiled extensions)"
        took, exe, err = pyinstaller_build(script, name, venv, scratch / f"pyi-{name}", pyi_flags)
        row["build"]["pyinstaller"] = took
        if err:
            row["errors"]["pyinstaller"] = f"build failed: {err}"
        else:
            row["size"]["pyinstaller"] = exe.stat().st_size
            exes["pyinstaller"] = [str(exe), *args]
        # One warm-up run each, which is also the output check against python's.
        want = run(exes["python"], scratch)
        if want.returncode != 0:
            sys.exit(f"bench/realwork.py: python {name}.py failed:\n{want.stderr[-2000:]}")
        row["output"] = want.stdout
        for key in [k for k in exes if k != "python"]:
            got = run(exes[key], scratch)
            if got.returncode != 0:
                row["errors"][key] = f"exit {got.returncode}: {last_line(got.stderr)}"
                del exes[key]
            elif got.stdout != want.stdout:
                row["errors"][key] = "output differs from python's"
                row.setdefault("diffs", {})[key] = got.stdout
                del exes[key]
        row["times"] = paired(exes, rss_runs, scratch)
        rows.append(row)
        print(f"measured {name}", file=sys.stderr)
    return rows


def hello(scratch, runs, rss_runs):
    """Start time of a frozen hello against the venv's `python hello.py`."""
    script = ROOT / "examples" / "hello" / "hello.py"
    out = scratch / "hello-default"
    took, stderr, err = pyfreeze_build(script, out, venv_dir("plain"), scratch / "cache-hello")
    if err:
        sys.exit(f"bench/realwork.py: pyfreeze build hello failed: {err}")
    pyi_took, pyi, err = pyinstaller_build(script, "hello", venv_dir("plain"), scratch / "pyi-hello", [])
    if err:
        sys.exit(f"bench/realwork.py: PyInstaller hello failed: {err}")
    python = venv_dir("plain") / "bin" / "python"
    # Frozen, they say so; python does not: compare the frozen two only.
    a, b = run([str(out), "Alice"], scratch).stdout, run([str(pyi), "Alice"], scratch).stdout
    if a != b:
        sys.exit(f"bench/realwork.py: frozen hello printed {a!r}, PyInstaller's {b!r}")
    cmds = {"default": [str(out), "Alice"], "pyinstaller": [str(pyi), "Alice"],
            "python": [str(python), str(script), "Alice"]}
    t = hyperfine([" ".join(c) for c in cmds.values()], runs)
    return {
        "build": {"default": took, "pyinstaller": pyi_took},
        "start": dict(zip(cmds, t)),
        "rss": {k: peak_rss_kb(c, rss_runs) for k, c in cmds.items()},
        "size": {"default": out.stat().st_size, "pyinstaller": pyi.stat().st_size},
    }


def big_native(scratch, runs, rss_runs):
    """duckdb built from a venv that also holds pandas, polars, pyarrow and
    matplotlib: size and start against PyInstaller's."""
    script = scratch / "duckdb_query.py"
    script.write_text(DUCKDB_DRIVER)
    out = scratch / "duckdb-default"
    took, stderr, err = pyfreeze_build(script, out, venv_dir("duckdb"), scratch / "cache-duckdb")
    if err:
        sys.exit(f"bench/realwork.py: pyfreeze build duckdb failed: {err}")
    pyi_took, pyi, pyi_err = pyinstaller_build(script, "duckdb_query", venv_dir("duckdb"),
                                               scratch / "pyi-duckdb", [])
    python = venv_dir("duckdb") / "bin" / "python"
    cmds = {"default": [str(out)], "pyinstaller": [str(pyi)], "python": [str(python), str(script)]}
    if pyi_err:  # reported in the table; pyfreeze's figures still count
        del cmds["pyinstaller"]
    want = run(cmds["python"], scratch).stdout
    equal = all(run(c, scratch).stdout == want for k, c in cmds.items() if k != "python")
    t = hyperfine([" ".join(c) for c in cmds.values()], runs)
    return {
        "build": {"default": took, "pyinstaller": pyi_took},
        "pyi_error": pyi_err,
        "start": dict(zip(cmds, t)),
        "rss": {k: peak_rss_kb(c, rss_runs) for k, c in cmds.items()},
        "size": {"default": out.stat().st_size, "pyinstaller": None if pyi_err else pyi.stat().st_size},
        "venv_size": sum(p.stat().st_size for p in (venv_dir("duckdb") / "lib").rglob("*")
                         if p.is_file() and not p.is_symlink()),
        "equal": equal,
        "notes": build_notes(stderr),
    }


def main():
    runs, _, _, rss_runs = repetitions(pyi_builds=1)
    ensure_venvs()
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="pyfreeze-bench-realwork-", dir=WORK))
    rows = real_work(scratch, rss_runs)
    h = hello(scratch, runs, rss_runs)
    print("measured hello", file=sys.stderr)
    d = big_native(scratch, runs, rss_runs)
    print("measured duckdb", file=sys.stderr)
    section = render(rows, h, d, runs, rss_runs, load)
    print(section)
    write_section(BEGIN, END, section)
    shutil.rmtree(scratch, ignore_errors=True)




# ---------------------------------------------------------------- report

def render(rows, h, d, runs, rss_runs, load):
    def cell(row, key):
        if key in row["errors"]:
            return row["errors"][key]
        wall, rss = row["times"][key]
        if key == "python":
            return f"{wall:.2f} s, {rss / 1024:.0f} MB"
        py = row["times"]["python"][0]
        return f"{wall:.2f} s ({wall / py:.2f}x), {rss / 1024:.0f} MB"

    def against(row, key):
        t = row["times"]
        if "default" not in t or key not in t:
            return "n/a"
        return f"{t['default'][0] / t[key][0]:.2f}x time, {t['default'][1] / t[key][1]:.2f}x RSS"

    def size(row, key):
        return mb(row["size"][key]) if key in row["size"] else "n/a"

    def start(t):
        return f"{fmt_ms(t[0])} ({fmt_ms(t[1])}–{fmt_ms(t[2])})"

    python = venv_dir("plain") / "bin" / "python"
    pins = "; ".join(f"{k}: {', '.join(v) or 'nothing'}" for k, v in VENVS.items())
    lines = [
        "## Real work (`bench/realwork.py`)",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()} (nproc {os.cpu_count()}; load",
        f"average {load:.1f} when it began, {os.getloadavg()[0]:.1f} at the end).",
        f"pyfreeze {version([str(PYFREEZE), '--version']).split()[-1]}, PyInstaller {PYI_VERSION}, "
        f"{version([str(python), '--version'])}. The venvs, one per program: {pins}.",
        "",
        "Each program is a small driver script (generated by `bench/realwork.py`, with fixed",
        "inputs and no network), built plainly by `pyfreeze build driver.py --venv VENV` (the",
        "default: the venv's CPython runtime, zstd archive) and with `--runtime rustpython`,",
        "and by PyInstaller `--onefile` (flags in the second table). \"python\" is `python",
        "driver.py` run by the program's venv: a fresh CPython 3.12 venv holding only its packages",
        "(never the base interpreter, whose site-packages carry a `.pth`). Every frozen program's output",
        "was checked against python's before timing. Cells: median wall time of",
        f"{rss_runs} runs (ratio to python), median peak RSS (`/usr/bin/time -f %M`); the",
        "columns take turns run after run, after one warm-up run each.",
        "",
        "| program | RustPython runtime | CPython runtime (default) | PyInstaller onefile | python | default / PyInstaller | default / python | frozen output |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        frozen = [k for k in ("rustpython", "default", "pyinstaller") if k in r["times"]]
        lines.append(
            f"| {r['title']} | {cell(r, 'rustpython')} | {cell(r, 'default')} | {cell(r, 'pyinstaller')} | "
            f"{cell(r, 'python')} | {against(r, 'pyinstaller')} | {against(r, 'python')} | "
            f"equal to python's ({', '.join(frozen)}) |"
        )
    lines += [
        "",
        "| program | RustPython size | default size | PyInstaller size | default / PyInstaller | default build | PyInstaller build | PyInstaller flags needed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = (f"{r['size']['default'] / r['size']['pyinstaller']:.2f}"
                 if "default" in r["size"] and "pyinstaller" in r["size"] else "n/a")
        flags = " ".join(r["pyi_flags"]) or "none"
        lines.append(
            f"| {r['title']} | {size(r, 'rustpython')} | {size(r, 'default')} | {size(r, 'pyinstaller')} | "
            f"{ratio} | {r['build']['default']:.1f} s | {r['build']['pyinstaller']:.1f} s | `{flags}` |"
        )
    noted = [(r["title"], k, n) for r in rows for k, ns in r["notes"].items() for n in ns]
    if noted:
        lines += ["", "pyfreeze's notes and warnings while building them:", "", "```"]
        lines += [f"{t.split(' (')[0]}, {k}: {n}" for t, k, n in noted[:30]]
        lines += ["```"]
    s, z, m = h["start"], h["size"], h["rss"]
    lines += [
        "",
        "### hello (`examples/hello/hello.py`): start",
        "",
        f"Hyperfine medians of {runs} starts (min–max) after 3 warm-ups; peak RSS medians of {rss_runs}.",
        "",
        "| | start | ratio to python | peak RSS | size | size / PyInstaller's | build |",
        "|---|---|---|---|---|---|---|",
        f"| pyfreeze default | {start(s['default'])} | {s['default'][0] / s['python'][0]:.2f} | "
        f"{m['default'] / 1024:.1f} MB | {mb(z['default'])} | {z['default'] / z['pyinstaller']:.2f} | "
        f"{h['build']['default']:.1f} s |",
        f"| PyInstaller onefile | {start(s['pyinstaller'])} | {s['pyinstaller'][0] / s['python'][0]:.2f} | "
        f"{m['pyinstaller'] / 1024:.1f} MB | {mb(z['pyinstaller'])} | 1.00 | {h['build']['pyinstaller']:.1f} s |",
        f"| python hello.py | {start(s['python'])} | 1.00 | {m['python'] / 1024:.1f} MB | | | |",
    ]
    s, z, m = d["start"], d["size"], d["rss"]
    if d["pyi_error"]:
        pyi_row = f"| PyInstaller onefile | {d['pyi_error']} | | | {d['build']['pyinstaller']:.1f} s |"
        verdict = "PyInstaller's build failed: no ratios."
    else:
        pyi_row = (f"| PyInstaller onefile | {mb(z['pyinstaller'])} | {start(s['pyinstaller'])} | "
                   f"{m['pyinstaller'] / 1024:.0f} MB | {d['build']['pyinstaller']:.1f} s |")
        size_ratio = z["default"] / z["pyinstaller"]
        start_ratio = s["default"][0] / s["pyinstaller"][0]
        verdict = (f"pyfreeze / PyInstaller: size {size_ratio:.2f}x (target <= 1.0: "
                   f"{'met' if size_ratio <= 1.0 else 'not met'}), start {start_ratio:.2f}x (target <= 0.5: "
                   f"{'met' if start_ratio <= 0.5 else 'not met'}).")
    lines += [
        "",
        "### A big native package: duckdb, from a venv that also holds pandas, polars, pyarrow, matplotlib",
        "",
        "`duckdb.sql(\"select 42\")` and a group-by over 200,000 generated rows. duckdb imports",
        "pandas, polars and pyarrow only inside functions this program never calls (python's",
        f"`sys.modules` holds none of them after it). The venv's `lib` is {mb(d['venv_size'])}.",
        f"Both built plainly. Output equal to python's: {'yes' if d['equal'] else 'NO'}. Start:",
        f"hyperfine medians of {runs} (min–max) after 3 warm-ups.",
        "",
        "| | size | start | peak RSS | build |",
        "|---|---|---|---|---|",
        f"| pyfreeze default | {mb(z['default'])} | {start(s['default'])} | {m['default'] / 1024:.0f} MB | "
        f"{d['build']['default']:.1f} s |",
        pyi_row,
        f"| python | | {start(s['python'])} | {m['python'] / 1024:.0f} MB | |",
        "",
        verdict,
        "",
        "What the pyfreeze build said (stderr, its warnings about modules not installed folded into one line):",
        "",
        "```",
        *(d["notes"] or ["(nothing)"]),
        "```",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
