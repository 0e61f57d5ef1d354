#!/usr/bin/env python3
"""The RustPython runtime against the CPython runtime, side by side: the
same program frozen with `--runtime rustpython` and with `--runtime cpython`
from the same venv, run in turns (paired runs), wall time and peak RSS.

Four workloads: imports of a documentation stack (Sphinx and what it
brings), a CPU mix (fib, n-body, json, dicts), a regex-heavy program (3,000
patterns compiled and run) and a real documentation build (Sphinx). Issue
#29's targets are the ratios: imports <= 2.0x time and RSS, CPU mix <=
1.8x, regexes <= 2.2x, the docs build <= 2.0x RSS.

    bench/run --rustpython [--quick] [--before BOOTLOADER]

`--before FILE` adds a column: the RustPython build made with that
bootloader (`--bootloader FILE`), e.g. a copy of `target/release/pyfreeze-boot`
saved before a change, so that one run reports before and after. Writes its
section into bench/RESULTS.md between the markers below.
"""
import argparse
import datetime
import os
import pathlib
import shutil
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import WORK, machine, write_section  # noqa: E402
from realwork import (  # noqa: E402
    CPU_DRIVER, SPHINX_DRIVER, ensure_venv, last_line, paired, pyfreeze_build, run, venv_dir,
    VENVS, write_sphinx_site,
)

BEGIN = "<!-- rustpython runtime: written by bench/rustpython.py -->"
END = "<!-- end of rustpython runtime -->"

IMPORTS_DRIVER = '''\
"""Imports of a documentation stack: Sphinx's application, its HTML
builder and writers, docutils' parser, Jinja2, Pygments, Babel."""
import sys

import babel.dates
import docutils.core
import docutils.parsers.rst
import jinja2
import pygments.formatters.html
import pygments.lexers.python
import sphinx.application
import sphinx.builders.html
import sphinx.writers.html5

print("modules:", sum(1 for m in sys.modules if m.split(".")[0] in
      {"sphinx", "docutils", "jinja2", "pygments", "babel", "markupsafe"}))
'''

REGEX_DRIVER = '''\
"""Regexes: 3,000 distinct patterns (more than re's cache holds) compiled,
then each searched, matched and substituted over a text of 200 lines."""
import hashlib
import re
import sys

WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta", "zeta", "iota"]


def patterns(n):
    out = []
    for i in range(n):
        w, v = WORDS[i % 10], WORDS[(i * 7) % 10]
        k = i % 6
        if k == 0:
            out.append(rf"\\b{w}(\\d{{{1 + i % 3}}})\\b")
        elif k == 1:
            out.append(rf"(?P<key>{w}|{v})\\s*[:=]\\s*(?P<val>[^,;\\s]+)")
        elif k == 2:
            out.append(rf"^\\s*{v}[-_]?(\\w+)\\s*$")
        elif k == 3:
            out.append(rf"(?i)(?:{w}){{1,2}}.{{0,{i % 9}}}{v}")
        elif k == 4:
            out.append(rf"([A-Z][a-z]+)+{i % 97}")
        else:
            out.append(rf"(?:(?:{w})|(?:{v}))(?=[,;]|$)")
    return out


def text(lines):
    out = []
    for i in range(lines):
        w, v = WORDS[i % 10], WORDS[(i * 3) % 10]
        out.append(f"{w}{i % 1000} {v}={i * 17}, {w.upper()}{v} Item{i % 97}; {v}_{w}{i};")
    return "\\n".join(out)


def main():
    body = text(200)
    found, digest = 0, hashlib.sha256()
    for pat in patterns(3000):
        rx = re.compile(pat, re.M)
        hits = rx.findall(body)
        found += len(hits)
        m = rx.search(body)
        digest.update(repr((len(hits), m and m.span())).encode())
        digest.update(rx.sub("#", body[:400]).encode())
    print(f"regex: {found} matches, sha256 {digest.hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

WORKLOADS = [
    # key, title, driver source, venv, arguments (scratch -> list), issue #29's targets
    ("imports", "imports of a documentation stack", IMPORTS_DRIVER, "docs",
     lambda s: [], (2.0, 2.0)),
    ("cpu", "CPU mix (fib, n-body, json, dicts)", CPU_DRIVER, "plain", lambda s: [], (1.8, None)),
    ("regex", "regexes (3,000 patterns)", REGEX_DRIVER, "plain", lambda s: [], (2.2, None)),
    ("docs", "documentation build (Sphinx, 11 pages)", SPHINX_DRIVER, "docs",
     lambda s: [str(s / "site"), str(s / "site-out")], (None, 2.0)),
]


def measure(scratch, runs, before):
    write_sphinx_site(scratch / "site")
    rows = []
    for key, title, source, venv_key, args, targets in WORKLOADS:
        if key not in ARGS.only:
            continue
        venv = venv_dir(venv_key)
        script = scratch / f"{key}.py"
        script.write_text(source)
        builds = [("cpython", "cpython", None), ("rustpython", "rustpython", None)]
        if before:
            builds.append(("before", "rustpython", before))
        exes, sizes = {}, {}
        for col, runtime, boot in builds:
            out = scratch / f"{key}-{col}"
            extra = ["--bootloader", str(boot)] if boot else []
            _, stderr, err = pyfreeze_build(script, out, venv, scratch / "cache", runtime, extra)
            if err:
                sys.exit(f"bench/rustpython.py: building {key} ({col}) failed: {err}")
            exes[col] = [str(out), *args(scratch)]
            sizes[col] = out.stat().st_size
        # A warm-up run each, which is also the check that all print the same.
        want = run(exes["cpython"], scratch)
        for col, cmd in exes.items():
            got = run(cmd, scratch)
            if got.returncode != 0 or got.stdout != want.stdout:
                sys.exit(f"bench/rustpython.py: {key} ({col}) printed {got.stdout[-300:]!r} "
                         f"(exit {got.returncode}: {last_line(got.stderr)}), "
                         f"the CPython runtime {want.stdout[-300:]!r}")
        rows.append({"key": key, "title": title, "targets": targets,
                     "times": paired(exes, runs, scratch), "output": want.stdout.strip()})
        print(f"measured {key}", file=sys.stderr)
    return rows


def render(rows, runs, before, load):
    def ratio(row, col, i):
        return row["times"][col][i] / row["times"]["cpython"][i]

    def verdict(value, target):
        if target is None:
            return ""
        return f" ({'meets' if value <= target else 'misses'} <= {target})"

    lines = [
        "## The RustPython runtime against the CPython runtime (`bench/rustpython.py`)",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()} (load average {load:.1f} "
        f"when it began, {os.getloadavg()[0]:.1f} at the end). Each program is built twice from the",
        "same venv, `--runtime rustpython` and `--runtime cpython`, and the builds run in turns,",
        f"{runs} rounds; cells are median wall time and median peak RSS, and the RustPython",
        "runtime's ratio to the CPython runtime's. Issue #29's targets follow each ratio.",
    ]
    if before:
        lines.append("\"before\" is the RustPython build made with the bootloader before this change "
                     "(`--before`), in the same rounds.")
    lines.append("What each change to the interpreter saved, measured one at a time, is in "
                 "vendor/PATCHES.md.")
    head = "| workload | CPython runtime | RustPython runtime | time ratio | RSS ratio |"
    if before:
        head += " before | before time ratio | before RSS ratio |"
    lines += ["", head, "|" + "---|" * (head.count("|") - 1)]
    for row in rows:
        t = row["times"]
        tt, rt = row["targets"]
        cells = [row["title"], f"{t['cpython'][0]:.2f} s, {t['cpython'][1] / 1024:.0f} MB",
                 f"{t['rustpython'][0]:.2f} s, {t['rustpython'][1] / 1024:.0f} MB",
                 f"{ratio(row, 'rustpython', 0):.2f}{verdict(ratio(row, 'rustpython', 0), tt)}",
                 f"{ratio(row, 'rustpython', 1):.2f}{verdict(ratio(row, 'rustpython', 1), rt)}"]
        if before:
            cells += [f"{t['before'][0]:.2f} s, {t['before'][1] / 1024:.0f} MB",
                      f"{ratio(row, 'before', 0):.2f}", f"{ratio(row, 'before', 1):.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "What each printed (the same under both runtimes):", ""]
    lines += [f"- {row['key']}: `{row['output'].splitlines()[-1]}`" for row in rows]
    return "\n".join(lines)




def main():
    for key in {"docs", "plain"}:
        ensure_venv(venv_dir(key), VENVS[key])
    before = pathlib.Path(ARGS.before).resolve() if ARGS.before else None
    if before and not before.is_file():
        sys.exit(f"bench/rustpython.py: --before {before}: no such file")
    runs = 3 if ARGS.quick else 7
    load = os.getloadavg()[0]
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="pyfreeze-bench-rustpython-", dir=WORK))
    rows = measure(scratch, runs, before)
    section = render(rows, runs, before, load)
    print(section)
    if not ARGS.no_write:
        write_section(BEGIN, END, section)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    p.add_argument("--before", help="a saved RustPython bootloader to measure beside this one")
    p.add_argument("--only", default="imports,cpu,regex,docs", type=lambda s: s.split(","),
                   help="workloads, comma-separated (imports,cpu,regex,docs)")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    ARGS = p.parse_args()
    main()
