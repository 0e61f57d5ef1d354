#!/usr/bin/env python3
"""The CPython runtime (`--runtime cpython`) against `python script.py` and
PyInstaller `--onefile` and onedir, side by side in one run, all with the same
CPython 3.12 venv (numpy installed). Started by bench/run after bench.py; with
`bench/run --cpython` alone.

Writes its section into bench/RESULTS.md, between the markers below, leaving
the rest of the file as bench.py wrote it.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import (  # noqa: E402
    PYFREEZE, ROOT, WORK, fmt_ms, hyperfine, mb, median, peak_rss_kb, repetitions, timed,
    trace_steps, write_section,
)

BEGIN = "<!-- cpython runtime: written by bench/cpython.py -->"
END = "<!-- end of cpython runtime -->"
# python and pyfreeze use a fresh venv holding only numpy; PyInstaller runs
# from a twin with PyInstaller added, which brings setuptools, whose
# distutils-precedence.pth would slow every start of the plain python.
VENV = WORK / "cpy-venv"
PYI_VENV = WORK / "cpy-pyi-venv"
PYI_VERSION = "6.22.3"


def python312():
    """CPython 3.12's real executable (numpy 2.5 needs 3.12 or later)."""
    candidates = [shutil.which("python3.12")]
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("pyenv") else ""
    if root:
        candidates += sorted(pathlib.Path(root, "versions").glob("3.12*/bin/python3.12"))
    for c in candidates:
        if c:
            p = subprocess.run([str(c), "-c", "import sys; print(sys.executable)"],
                               capture_output=True, text=True)
            if p.returncode == 0:
                return p.stdout.strip()
    sys.exit("bench/cpython.py: needs CPython 3.12 (python3.12 on PATH or in pyenv)")


def ensure_venv(venv, pins):
    """A fresh CPython 3.12 venv holding `pins` (rebuilt when they change)."""
    want = "\n".join(pins) + "\n"
    stamp = venv / "bench-requirements.txt"
    if stamp.is_file() and stamp.read_text() == want:
        return
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python312(), "-m", "venv", str(venv)], check=True)
    if pins:
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                        "--only-binary=:all:", *pins], check=True)
    stamp.write_text(want)


def ensure_venvs():
    """The two 3.12 venvs: numpy (the compiled suite's pin), and numpy with
    PyInstaller."""
    pins = (ROOT / "tests" / "fixtures" / "compiled" / "requirements.txt").read_text()
    numpy = next(line for line in pins.splitlines() if line.startswith("numpy=="))
    ensure_venv(VENV, [numpy])
    ensure_venv(PYI_VENV, [numpy, f"pyinstaller=={PYI_VERSION}"])


def dir_size(path):
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def pyinstaller(script, name, workdir, onefile):
    if workdir.exists():
        shutil.rmtree(workdir)
    took = timed([str(PYI_VENV / "bin" / "pyinstaller"), "--onefile" if onefile else "--onedir",
                  "--clean", "--noconfirm", "--log-level", "ERROR", "--name", name,
                  "--distpath", str(workdir / "dist"), "--workpath", str(workdir / "build"),
                  "--specpath", str(workdir), str(script)])
    exe = workdir / "dist" / name if onefile else workdir / "dist" / name / name
    size = exe.stat().st_size if onefile else dir_size(workdir / "dist" / name)
    return took, exe, size


def main():
    runs, builds, pyi_builds, rss_runs = repetitions(pyi_builds=2)
    ensure_venvs()
    python = VENV / "bin" / "python"
    version = subprocess.run([str(python), "--version"], capture_output=True, text=True).stdout.strip()
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="pyfreeze-bench-cpython-", dir=WORK))
    # Where --native-cache executables write their native code (once).
    os.environ["XDG_CACHE_HOME"] = str(scratch / "xdg")
    programs = [
        ("hello", ROOT / "examples" / "hello" / "hello.py", ["Alice"]),
        ("cli", ROOT / "bench" / "programs" / "cli.py", ["--count", "50"]),
        ("numpy", ROOT / "bench" / "programs" / "numpy_app.py", ["50"]),
    ]
    base = ["--runtime", "cpython", "--python", str(python), "--venv", str(VENV)]
    rows = []
    for name, script, prog_args in programs:
        exe = scratch / f"{name}-pyfreeze"
        small = scratch / f"{name}-pyfreeze-small"
        cached = scratch / f"{name}-pyfreeze-cached"
        # What a start on another machine does: native code copied into
        # memory (this machine maps the build's own files where unchanged).
        portable = scratch / f"{name}-pyfreeze-portable"
        cold = []
        for i in range(builds):
            env = dict(os.environ, PYFREEZE_CACHE_DIR=str(scratch / f"cache-{name}-{i}"))
            cold.append(timed([str(PYFREEZE), "build", str(script), "-o", str(exe), "-q", *base], env=env))
        env = dict(os.environ, PYFREEZE_CACHE_DIR=str(scratch / f"cache-{name}-0"))
        warm = [timed([str(PYFREEZE), "build", str(script), "-o", str(exe), "-q", *base], env=env)
                for _ in range(builds)]
        timed([str(PYFREEZE), "build", str(script), "-o", str(small), "-q", *base, "--compress", "all"],
              env=env)
        timed([str(PYFREEZE), "build", str(script), "-o", str(cached), "-q", *base, "--native-cache"],
              env=env)
        timed([str(PYFREEZE), "build", str(script), "-o", str(portable), "-q", *base,
               "--no-build-paths"], env=env)
        info = json.loads(subprocess.run([str(PYFREEZE), "inspect", "--json", str(exe)],
                                         capture_output=True, check=True).stdout)
        onefile = [pyinstaller(script, name, scratch / f"pyi-{name}", True) for _ in range(pyi_builds)]
        onedir = [pyinstaller(script, name, scratch / f"pyid-{name}", False) for _ in range(pyi_builds)]
        one_exe, dir_exe = onefile[-1][1], onedir[-1][1]
        tail = " ".join(prog_args)
        commands = [f"{python} {script} {tail}", f"{exe} {tail}", f"{small} {tail}",
                    f"{one_exe} {tail}", f"{dir_exe} {tail}", f"{cached} {tail}",
                    f"{portable} {tail}"]
        # Every frozen program must print what PyInstaller's prints before its
        # time counts (hello says whether it is frozen, so not python's).
        want = subprocess.run(commands[3].split(), capture_output=True).stdout
        for cmd in commands[1:]:
            got = subprocess.run(cmd.split(), capture_output=True).stdout
            if got != want:
                sys.exit(f"bench/cpython.py: {cmd} printed {got!r}, PyInstaller's {want!r}")
        t = hyperfine(commands, runs)
        rows.append({
            "name": name,
            "modules": info["modules"]["total"],
            "libraries": len(info.get("libraries", [])),
            "start": dict(zip(("python", "pf", "small", "onefile", "onedir", "cached", "portable"), t)),
            "rss": {k: peak_rss_kb(cmd.split(), rss_runs)
                    for k, cmd in zip(("python", "pf", "onefile", "onedir", "cached", "portable"),
                                      (commands[0], commands[1], commands[3], commands[4], commands[5],
                                       commands[6]))},
            "size": {"pf": exe.stat().st_size, "small": small.stat().st_size,
                     "onefile": onefile[-1][2], "onedir": onedir[-1][2]},
            "build": {"cold": median(cold), "warm": median(warm),
                      "onefile": median([b[0] for b in onefile]),
                      "onedir": median([b[0] for b in onedir])},
            "trace": trace_steps(exe, prog_args, runs) if name != "hello" else None,
            "trace_portable": trace_steps(portable, prog_args, runs) if name != "hello" else None,
        })
        if name == "hello":
            # Start-up against python's, with the drift of these shared
            # cores spread over both: short rounds that take turns.
            rounds = [hyperfine([commands[0], commands[1], commands[6]], 20)
                      for _ in range(3 if runs < 30 else 10)]
            rows[-1]["rounds"] = [(pf[0] / py[0], far[0] / py[0]) for py, pf, far in rounds]
        print(f"measured {name} (cpython runtime)", file=sys.stderr)
    section = render(rows, version, runs, builds, pyi_builds)
    print(section)
    write_section(BEGIN, END, section)
    shutil.rmtree(scratch, ignore_errors=True)




def render(rows, version, runs, builds, pyi_builds):
    def ratio(a, b):
        return f"{a / b:.2f}"

    def start(t):
        return f"{fmt_ms(t[0])} ({fmt_ms(t[1])}–{fmt_ms(t[2])})"

    lines = [
        "## CPython runtime (`--runtime cpython`)",
        "",
        f"{version} in a fresh venv with numpy, which `python script.py` and pyfreeze use;",
        f"PyInstaller {PYI_VERSION} (`--onefile`, and onedir: a directory) runs from a twin venv",
        f"with PyInstaller added (its setuptools would slow python's start). Hyperfine medians of {runs}",
        f"starts (min–max), in one run; pyfreeze builds medians of {builds} (cold: empty cache),",
        f"PyInstaller `--clean` builds medians of {pyi_builds}. \"small\" is `--compress all`",
        "(libpython and extensions deflated too); \"cached\" is `--native-cache` (native code",
        "written once into the per-user cache, at the first of hyperfine's warm-up starts,",
        "and mapped from there). \"pyfreeze\" is the default build on the machine that built",
        "it, which maps libpython and the extensions from the interpreter's own files;",
        "\"elsewhere\" is the same build with `--no-build-paths`, which copies them into memory",
        "as a start on any other machine does. Every executable's output was checked against",
        "PyInstaller's before timing.",
        "",
        "| program | modules | python | pyfreeze | ratio to python | pyfreeze elsewhere | ratio to python | pyfreeze cached | ratio to python | pyfreeze small | PyInstaller onefile | ratio to onefile | PyInstaller onedir |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        s = r["start"]
        lines.append(
            f"| {r['name']} | {r['modules']} | {start(s['python'])} | {start(s['pf'])} | "
            f"{ratio(s['pf'][0], s['python'][0])} | {start(s['portable'])} | "
            f"{ratio(s['portable'][0], s['python'][0])} | {start(s['cached'])} | "
            f"{ratio(s['cached'][0], s['python'][0])} | {start(s['small'])} | {start(s['onefile'])} | "
            f"{ratio(s['pf'][0], s['onefile'][0])} | {start(s['onedir'])} |"
        )
    for r in rows:
        if r.get("rounds"):
            here = sorted(a for a, _ in r["rounds"])
            far = sorted(b for _, b in r["rounds"])
            lines += [
                "",
                f"{r['name']} against python, in {len(here)} rounds of 20 starts of each (hyperfine),",
                "one after the other, so that the drift of these shared cores falls on all three:",
                f"the median of the rounds' ratios (of medians) is {median(here):.2f} for pyfreeze",
                f"(rounds {here[0]:.2f}–{here[-1]:.2f}) and {median(far):.2f} for pyfreeze elsewhere",
                f"({far[0]:.2f}–{far[-1]:.2f}).",
            ]
    lines += [
        "",
        "| program | size | small | PyInstaller onefile | small / onefile | onedir (directory) | peak RSS | python RSS | RSS ratio | elsewhere RSS | ratio | cached RSS | ratio | onefile RSS | onedir RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        z, m = r["size"], r["rss"]
        lines.append(
            f"| {r['name']} | {mb(z['pf'])} | {mb(z['small'])} | {mb(z['onefile'])} | "
            f"{ratio(z['small'], z['onefile'])} | {mb(z['onedir'])} | {m['pf'] / 1024:.1f} MB | "
            f"{m['python'] / 1024:.1f} MB | {ratio(m['pf'], m['python'])} | {m['portable'] / 1024:.1f} MB | "
            f"{ratio(m['portable'], m['python'])} | {m['cached'] / 1024:.1f} MB | "
            f"{ratio(m['cached'], m['python'])} | {m['onefile'] / 1024:.0f} MB | {m['onedir'] / 1024:.0f} MB |"
        )
    lines += [
        "",
        "| program | build cold | build warm | PyInstaller onefile build | ratio | PyInstaller onedir build |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        b = r["build"]
        lines.append(
            f"| {r['name']} | {fmt_ms(b['cold'])} | {fmt_ms(b['warm'])} | {b['onefile']:.1f} s | "
            f"{ratio(b['cold'], b['onefile'])} | {b['onedir']:.1f} s |"
        )
    traced = [r for r in rows if r["trace"]]
    if traced:
        keys = list(traced[0]["trace"].keys())
        lines += [
            "",
            "Where a start's time goes (`PYFREEZE_TRACE_STARTUP=1`, medians):",
            "",
            "| program | " + " | ".join(keys) + " |",
            "|---|" + "---|" * len(keys),
        ]
        for r in traced:
            for label, trace in ((r["name"], r["trace"]), (f"{r['name']} elsewhere", r["trace_portable"])):
                lines.append(f"| {label} | " + " | ".join(f"{trace.get(k, 0):.2f} ms" for k in keys) + " |")
    lines += ["", CPYTHON_NOTES]
    return "\n".join(lines)


CPYTHON_NOTES = """What the profile shows (2026-11-24, after the second pass; 2026-11-25, the third):

- **checksum**: now the sha256 of the manifest only (0.1-0.2 ms). The sha256
  of the whole archive it replaced cost 10 ms (cli) to 36 ms (numpy's 72 MB)
  at every start, and brought every page of the file into memory. Each
  entry is checked against its CRC-32 when it is read; `pyfreeze verify`
  checks every byte.
- **memory**: this kernel keeps a file in large page-cache folios, and a
  read through a map made a whole folio count in RSS (measured: 39 one-byte
  reads 1 MB apart added 39 MB). Entries are now read with `pread`, the map's
  pages are dropped once the manifest is parsed, and native files go into
  their memfds in 256 KB pieces. Peak RSS went from 2-4x python's to 1.1x.
- **libpython** (copy into a memfd, `dlopen`, resolve the C API): about
  4 ms. Copying into shared memory costs about 0.35 ms per MB (numpy's
  42 MB of native code: about 15 ms of system time, and freeing it at exit
  a few more), where python maps its files from the page cache. Third-party
  extensions that need bundled libraries, and those libraries (numpy's
  `_multiarray_umath` and 24 MB OpenBLAS), are copied on a helper thread
  while libpython loads and the interpreter starts (the manifest's
  `prefetch`). Side by side, hyperfine means of 30: the library alone took
  numpy from 80 to 74 ms, the extensions as well from 77 to 71 ms.
- **interpreter, importer**: CPython's own initialisation, then the
  bundle's importer and index: 3.7 + 1.4 ms, of which `import os` (frozen
  into CPython, which python's `site` imports too) is 0.85 ms. Until
  2026-11-25 CPython imported its start-up modules (`encodings`) and the
  importer from a zip in a memfd with its zipimport, whose reading of the
  zip's directory in Python and per-module file reads cost about 1.5 ms;
  they are now frozen into CPython by the bootloader
  (`PyImport_FrozenModules`), and hello went from 15.6 to 13.8 ms
  (hyperfine means of 40, side by side).
- **program**: the program's imports and code, against python reading
  `.pyc` files from disk.
- **What is left against python** is the copy of native code into memory.
  Measured alone (a C program, medians of 7): writing libpython's 7 MB
  into a memfd takes 2.4 ms (`pread`+`write`; `sendfile` 2.3 ms, through a
  map 4.7 ms, from two threads 4.8 ms), and closing it (freeing the pages)
  0.9 ms; its CRC-32 check 0.6 ms more (checking on a second thread while
  copying slowed the copy by as much: both read the same file). python
  maps its files from the page cache. Everything else about a start is
  as fast as python's: the same bundle with its native code in the
  per-user cache (`--native-cache`, "cached" above) starts in 0.9x
  python's time. The cache's files are synced and dropped from the page
  cache once written: the writes had left them in large folios, which a
  map counts whole (hello's peak RSS 11.0 MB, 10.3 MB once read back).
- **The build machine's own files** (2026-12-07): a bundle names where the
  machine that built it has libpython, the extensions and their libraries,
  with each file's device, inode, size, modification and change time (the
  manifest's `build_files`). A start there opens each such file, checks
  that it is still that file, owned by root or the user and writable by no
  one else, and loads it through its descriptor instead of a memfd copy:
  no copy, no CRC-32, nothing to free at exit. `PYFREEZE_TRACE_STARTUP=1`
  on hello: libpython 1.3 ms instead of 7.5 ms. Another machine, or a
  changed file, gets the copy ("elsewhere" above: `--no-build-paths`).
"""


if __name__ == "__main__":
    main()
