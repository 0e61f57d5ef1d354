#!/usr/bin/env python3
"""pyfreeze against PyInstaller (and the RustPython interpreter it embeds):
build time, start time, size and peak memory of the same programs, side by
side in one run. Started by bench/run, which builds and installs the tools.

Prints a Markdown report and writes it to bench/RESULTS.md.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
PYFREEZE = ROOT / "target" / "release" / "pyfreeze"
PYINSTALLER = WORK / "pyi-venv" / "bin" / "pyinstaller"
RUSTPYTHON = WORK / "rustpython" / "bin" / "rustpython"
PYTHON = pathlib.Path(sys.executable)


def sh(cmd, env=None, cwd=None):
    subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(cmd, env=None, cwd=None):
    start = time.perf_counter()
    sh(cmd, env=env, cwd=cwd)
    return time.perf_counter() - start


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def hyperfine(commands, runs):
    """Start times: median, min, max in seconds, per command."""
    out = WORK / "hyperfine.json"
    subprocess.run(
        ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", str(out), *commands],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    results = json.loads(out.read_text())["results"]
    return [(r["median"], r["min"], r["max"]) for r in results]


def peak_rss_kb(cmd, runs):
    values = []
    for _ in range(runs):
        p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True)
        values.append(int(p.stderr.strip().splitlines()[-1]))
    return median(values)


def pyfreeze_build(script, out, cache, extra=()):
    env = dict(os.environ, PYFREEZE_CACHE_DIR=str(cache))
    # This script measures the RustPython runtime (bench/cpython.py and
    # bench/realwork.py the CPython one, which a plain build here uses).
    cmd = [str(PYFREEZE), "build", str(script), "-o", str(out), "-q", "--runtime", "rustpython", *extra]
    return timed(cmd, env=env)


def pyinstaller_build(script, name, workdir):
    if workdir.exists():
        shutil.rmtree(workdir)
    return timed(
        [str(PYINSTALLER), "--onefile", "--clean", "--log-level", "ERROR", "--name", name,
         "--distpath", str(workdir / "dist"), "--workpath", str(workdir / "build"),
         "--specpath", str(workdir), str(script)]
    )


def trace_steps(exe, args, runs):
    """Median milliseconds per start-up step (PYFREEZE_TRACE_STARTUP)."""
    steps = {}
    for _ in range(runs):
        p = subprocess.run([str(exe), *args], capture_output=True, text=True,
                           env=dict(os.environ, PYFREEZE_TRACE_STARTUP="1"))
        line = [l for l in p.stderr.splitlines() if l.startswith("pyfreeze startup:")][-1]
        for part in line.split(": ", 1)[1].split(" (total")[0].split(", "):
            name, ms, _ = part.rsplit(" ", 2)
            steps.setdefault(name, []).append(float(ms))
    return {k: median(v) for k, v in steps.items()}


def unpack_ms(exe, args, runs):
    """Median milliseconds pyfreeze-unpack takes before the bootloader starts."""
    values = []
    for _ in range(runs):
        p = subprocess.run([str(exe), *args], capture_output=True, text=True,
                           env=dict(os.environ, PYFREEZE_TRACE_STARTUP="1"))
        line = [l for l in p.stderr.splitlines() if l.startswith("pyfreeze-unpack:")][-1]
        values.append(float(line.rsplit(" in ", 1)[1].split()[0]))
    return median(values)


def fmt_ms(s):
    return f"{s * 1000:.0f} ms" if s >= 0.1 else f"{s * 1000:.1f} ms"


def mb(n):
    return f"{n / 1e6:.1f} MB"


def repetitions(pyi_builds):
    """(hyperfine runs, pyfreeze builds, PyInstaller builds, RSS runs) from
    the command line: `--quick` for fewer of each."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    quick = ap.parse_args().quick
    return (10 if quick else 30), (2 if quick else 5), (1 if quick else pyi_builds), (5 if quick else 10)


def main():
    runs, builds, pyi_builds, rss_runs = repetitions(pyi_builds=3)
    have_rustpython = RUSTPYTHON.is_file()

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="pyfreeze-bench-", dir=WORK))
    programs = [
        ("hello", ROOT / "examples" / "hello" / "hello.py", ["Alice"]),
        ("cli", ROOT / "bench" / "programs" / "cli.py", ["--count", "50"]),
    ]
    sys.path.insert(0, str(ROOT / "bench" / "programs"))
    import gen_many

    scaling = []
    for n in (250, 500, 1000):
        script = gen_many.generate(scratch / f"many-{n}", n)
        scaling.append((f"many-{n}", script, []))

    rows = []
    for name, script, prog_args in programs + scaling:
        out = scratch / f"{name}-pyfreeze"
        cold = [pyfreeze_build(script, out, scratch / f"cache-{name}-{i}") for i in range(builds)]
        warm_cache = scratch / f"cache-{name}-0"
        warm = [pyfreeze_build(script, out, warm_cache) for _ in range(builds)]
        row = {
            "name": name,
            "modules": json.loads(subprocess.run([str(PYFREEZE), "inspect", "--json", str(out)],
                                                 capture_output=True, check=True).stdout)["modules"]["total"],
            "pf_cold": median(cold),
            "pf_warm": median(warm),
            "pf_size": out.stat().st_size,
        }
        commands = [f"{out} {' '.join(prog_args)}"]
        is_scaling = name.startswith("many-")
        if not is_scaling or name == "many-1000":
            pyi_dir = scratch / f"pyi-{name}"
            row["pyi_build"] = median([pyinstaller_build(script, name, pyi_dir) for _ in range(pyi_builds)])
            pyi_exe = pyi_dir / "dist" / name
            row["pyi_size"] = pyi_exe.stat().st_size
            commands.append(f"{pyi_exe} {' '.join(prog_args)}")
        if have_rustpython:
            commands.append(f"{RUSTPYTHON} {script} {' '.join(prog_args)}")
        commands.append(f"{PYTHON} {script} {' '.join(prog_args)}")
        timings = hyperfine(commands, runs)
        row["pf_start"] = timings[0]
        i = 1
        if "pyi_build" in row:
            row["pyi_start"] = timings[i]
            i += 1
        if have_rustpython:
            row["rp_start"] = timings[i]
            i += 1
        row["py_start"] = timings[i]
        row["pf_rss"] = peak_rss_kb([str(out), *prog_args], rss_runs)
        if "pyi_build" in row:
            row["pyi_rss"] = peak_rss_kb([str(pyi_exe), *prog_args], rss_runs)
        if have_rustpython:
            row["rp_rss"] = peak_rss_kb([str(RUSTPYTHON), str(script), *prog_args], rss_runs)
        if name in ("hello", "cli"):
            row["trace"] = trace_steps(out, prog_args, runs)
        rows.append(row)
        print(f"measured {name}", file=sys.stderr)

    # Stored against zstd bytecode: what --compress auto chooses, measured.
    compress_rows = []
    for name, script, prog_args in programs:
        exes = {}
        for mode in ("none", "auto"):
            exes[mode] = scratch / f"{name}-{mode}"
            pyfreeze_build(script, exes[mode], scratch / f"cache-{name}-0", ["--compress", mode])
        timings = hyperfine([f"{exes[m]} {' '.join(prog_args)}" for m in ("none", "auto")], runs)
        compress_rows.append((name, {m: (exes[m].stat().st_size, t) for m, t in zip(("none", "auto"), timings)}))

    # --pack: the bootloader zstd-compressed behind the pyfreeze-unpack stub.
    pack_rows = []
    for name, script, prog_args in programs:
        row = next(r for r in rows if r["name"] == name)
        out = scratch / f"{name}-packed"
        # The first --pack build compresses the bootloader; later ones take it from the cache.
        first = pyfreeze_build(script, out, scratch / f"cache-pack-{name}", ["--pack"])
        warm = [pyfreeze_build(script, out, scratch / f"cache-pack-{name}", ["--pack"]) for _ in range(builds)]
        commands = [f"{scratch / (name + '-pyfreeze')} {' '.join(prog_args)}",
                    f"{out} {' '.join(prog_args)}",
                    f"{scratch / ('pyi-' + name) / 'dist' / name} {' '.join(prog_args)}"]
        if have_rustpython:
            commands.append(f"{RUSTPYTHON} {script} {' '.join(prog_args)}")
        timings = hyperfine(commands, runs)
        pack_rows.append({
            "name": name,
            "size": out.stat().st_size,
            "plain_size": row["pf_size"],
            "pyi_size": row["pyi_size"],
            "first_build": first,
            "warm_build": median(warm),
            "plain_start": timings[0],
            "start": timings[1],
            "pyi_start": timings[2],
            "rp_start": timings[3] if have_rustpython else None,
            "rss": peak_rss_kb([str(out), *prog_args], rss_runs),
            "rp_rss": row.get("rp_rss"),
            "unpack": unpack_ms(out, prog_args, runs),
        })
        print(f"measured {name} --pack", file=sys.stderr)

    report = render(rows, have_rustpython, runs, builds, pyi_builds, compress_rows, pack_rows)
    print(report)
    results = ROOT / "bench" / "RESULTS.md"
    # The other scripts' sections, kept until they rewrite them.
    import cpython
    import realwork
    import rustpython

    old = results.read_text() if results.exists() else ""
    for begin, end in ((cpython.BEGIN, cpython.END), (realwork.BEGIN, realwork.END),
                       (rustpython.BEGIN, rustpython.END)):
        if begin in old and end in old:
            kept = old.split(begin, 1)[1].split(end, 1)[0]
            report = report.rstrip("\n") + "\n\n" + begin + kept + end + "\n"
    results.write_text(report)
    shutil.rmtree(scratch, ignore_errors=True)


def write_section(begin, end, section):
    """Put `section` into bench/RESULTS.md between the markers `begin` and
    `end` (or at the end of the file), leaving the rest as it was."""
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text() if results.exists() else ""
    block = f"{begin}\n{section}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(text)


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "not installed"


def render(rows, have_rustpython, runs, builds, pyi_builds, compress_rows, pack_rows):
    def ratio(a, b):
        return f"{a / b:.2f}" if b else "n/a"

    def start(t):
        return f"{fmt_ms(t[0])} ({fmt_ms(t[1])}–{fmt_ms(t[2])})"

    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()} with `bench/run`.",
        "The sections down to the CPython runtime's measure the RustPython runtime",
        "(`--runtime rustpython`); a plain build on this machine uses the CPython runtime, whose",
        "figures are in the last two sections (`bench/cpython.py`, `bench/realwork.py`).",
        f"pyfreeze {version([str(PYFREEZE), '--version']).split()[-1]}, "
        f"PyInstaller {version([str(PYINSTALLER), '--version'])}, "
        f"{version([str(PYTHON), '--version'])}"
        + (f", RustPython {version([str(RUSTPYTHON), '--version'])}" if have_rustpython else "")
        + ".",
        "",
        f"Start times are hyperfine medians of {runs} runs (min–max in brackets) after 3 warm-ups;",
        f"pyfreeze builds are medians of {builds} (cold: an empty bytecode cache each time; warm: the",
        f"cache of a previous build), PyInstaller `--onefile --clean` builds medians of {pyi_builds}.",
        "Peak memory is the median maximum RSS (`/usr/bin/time -f %M`). All tools ran side by side",
        "in the same run on the same shared machine.",
        "",
        "## The RustPython runtime (`--runtime rustpython`) and PyInstaller `--onefile`",
        "",
        "| program | modules | build cold | build warm | PyInstaller build | build ratio | start | PyInstaller start | start ratio | size | PyInstaller size | size ratio | peak RSS | PyInstaller RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "pyi_build" not in r:
            continue
        lines.append(
            f"| {r['name']} | {r['modules']} | {fmt_ms(r['pf_cold'])} | {fmt_ms(r['pf_warm'])} | "
            f"{r['pyi_build']:.1f} s | {ratio(r['pf_cold'], r['pyi_build'])} | {start(r['pf_start'])} | "
            f"{start(r['pyi_start'])} | {ratio(r['pf_start'][0], r['pyi_start'][0])} | {mb(r['pf_size'])} | "
            f"{mb(r['pyi_size'])} | {ratio(r['pf_size'], r['pyi_size'])} | {r['pf_rss'] / 1024:.0f} MB | "
            f"{r['pyi_rss'] / 1024:.0f} MB |"
        )
    lines += ["", "## Against the interpreter itself", ""]
    if have_rustpython:
        lines += [
            "The same source run by the `rustpython` 0.6.0 binary (reading `.py` files from disk),",
            "and by CPython for reference.",
            "",
            "| program | pyfreeze start | rustpython start | ratio | CPython start | pyfreeze RSS | rustpython RSS | RSS ratio |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['name']} | {start(r['pf_start'])} | {start(r['rp_start'])} | "
                f"{ratio(r['pf_start'][0], r['rp_start'][0])} | {start(r['py_start'])} | "
                f"{r['pf_rss'] / 1024:.0f} MB | {r['rp_rss'] / 1024:.0f} MB | {ratio(r['pf_rss'], r['rp_rss'])} |"
            )
    else:
        lines.append("(the `rustpython` binary was not installed for this run)")
    lines += [
        "",
        "## Scaling with the number of modules",
        "",
        "Synthetic programs from `bench/programs/gen_many.py`: N small modules, all imported at start.",
        "",
        "| program | modules | build cold | build warm | start | start per module |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["name"].startswith("many-"):
            lines.append(
                f"| {r['name']} | {r['modules']} | {fmt_ms(r['pf_cold'])} | {fmt_ms(r['pf_warm'])} | "
                f"{start(r['pf_start'])} | {r['pf_start'][0] / r['modules'] * 1e6:.0f} µs |"
            )
    lines += [
        "",
        "## Where start-up time goes",
        "",
        "Medians per step from `PYFREEZE_TRACE_STARTUP=1` (printed by the bootloader at exit):",
        "",
        "| program | " + " | ".join(rows[0]["trace"].keys()) + " |",
        "|---|" + "---|" * len(rows[0]["trace"]),
    ]
    for r in rows:
        if "trace" in r:
            lines.append(f"| {r['name']} | " + " | ".join(f"{v:.2f} ms" for v in r["trace"].values()) + " |")
    lines += [
        "",
        "## Compressed or stored bytecode (RustPython runtime)",
        "",
        "`--compress auto` (the default) compresses bytecode with zstd, as `--compress all` does",
        "(which differs only for the CPython runtime's libpython); `--compress none` stores it.",
        "",
        "| program | size, stored | start, stored | size, zstd | start, zstd | start ratio |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_mode in compress_rows:
        (size_a, t_a), (size_b, t_b) = by_mode["none"], by_mode["auto"]
        lines.append(
            f"| {name} | {mb(size_a)} | {start(t_a)} | {mb(size_b)} | {start(t_b)} | {ratio(t_b[0], t_a[0])} |"
        )
    lines += [
        "",
        "## Packed executables (`--pack`)",
        "",
        "`--pack` puts the bootloader in zstd-compressed (level 12, 2 MiB frames) behind the",
        "small `pyfreeze-unpack` stub, which decompresses it on all cores into an in-memory file",
        "(memfd) and executes it; the archive deflates bytecode too. Same hyperfine run as the",
        "default build, PyInstaller and `rustpython` beside it. \"unpack\" is the stub's own time",
        "(`PYFREEZE_TRACE_STARTUP=1`). The first `--pack` build compresses the bootloader; later",
        "builds take it from the cache.",
        "",
        "| program | size | default size | PyInstaller size | size ratio | start | default start | PyInstaller start | start ratio | rustpython start | ratio | unpack | peak RSS | RSS ratio | first build | warm build |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in pack_rows:
        rp = r["rp_start"]
        lines.append(
            f"| {r['name']} | {mb(r['size'])} | {mb(r['plain_size'])} | {mb(r['pyi_size'])} | "
            f"{ratio(r['size'], r['pyi_size'])} | {start(r['start'])} | {start(r['plain_start'])} | "
            f"{start(r['pyi_start'])} | {ratio(r['start'][0], r['pyi_start'][0])} | "
            f"{start(rp) if rp else 'n/a'} | {ratio(r['start'][0], rp[0]) if rp else 'n/a'} | "
            f"{r['unpack']:.1f} ms | {r['rss'] / 1024:.0f} MB | "
            f"{ratio(r['rss'], r['rp_rss']) if r['rp_rss'] else 'n/a'} | "
            f"{r['first_build']:.1f} s | {fmt_ms(r['warm_build'])} |"
        )
    lines += ["", NOTES]
    return "\n".join(lines)


NOTES = """## What the profile showed, and what was done

- **map, manifest**: mapping the executable costs tens of microseconds, and
  the JSON manifest parses in under half a millisecond. Bytecode is stored
  uncompressed and read (`pread`) and decoded when a module is first
  imported. Nothing is unpacked at start.
- **checksum**: a sha256 over the manifest and the trailer (0.1 ms); each
  entry is checked against its CRC-32 when it is read. Until 2026-11-24
  it was one sha256 over the whole archive (2 ms for hello's 4 MB at about
  2 GB/s with SHA-NI, and every page of the file in memory); `pyfreeze
  verify` still checks that one.
- **interpreter**: RustPython builds its types, built-in modules and frozen
  importlib. This is its own fixed cost, which the `rustpython` binary pays
  too. pyfreeze adds no `site` import, no path search and no reading of
  `.py` files from disk, which is most of why a frozen program starts faster
  than `rustpython program.py`.
- **importer and encodings**: installing the in-memory importer and
  importing `encodings`, as CPython does at start.
- **program**: the program's own imports and code. Import-heavy programs
  spend their time here, in executing module bodies (RustPython runs Python
  code about 2.5x slower than CPython). The importer's share (finding the
  module in the manifest, decoding its bytecode) is small next to that.
- **shutdown**: RustPython's finalisation. It used to import `threading` to
  join threads even when the program never imported it; pyfreeze now marks
  it absent in that case, as CPython only looks in `sys.modules` (hello's
  shutdown went from 26 ms to 3 ms). The rest is the collection of module
  objects at exit.
- **allocator**: the bootloader uses mimalloc, like the `rustpython`
  binary. With the system allocator, the cli program started in 135 ms; with
  mimalloc, in 108 ms (same machine, hyperfine means of 30 runs).
- **size**: the bootloader is about 28 MB (x86_64, release, LTO, stripped).
  Of its 20 MB of machine code (`nm --size-sort` of an unstripped build),
  `rustpython-vm` is 9.0 MB, the Rust standard library 2.9 MB,
  `rustpython-stdlib` 1.2 MB and the bigint crate 1.2 MB; read-only data
  (unicode and codec tables) is 4.7 MB more. The `ssl` provider is rustls with ring
  (2 MB smaller than aws-lc), and `sqlite3` adds about 1.5 MB. A build
  without both (`--no-default-features`) is about 23 MB. PyInstaller's 16 MB
  onefile is smaller because it zlib-compresses libpython and unpacks it on
  every start, which is the cost pyfreeze avoids by default.
- **--pack**: for those who want the smaller file, the bootloader goes in
  compressed with zstd and is decompressed at each start into a memfd.
  Its cost is the table's "unpack" column: about 19 ms of CPU to decompress
  28.6 MB (level 12 decompresses 1.5 GB/s per core; level 19 saves 1 MB but
  is 25% slower), split over the cores, plus the kernel's allocation of the
  7,000 pages of the in-memory file. Writing them with `pwrite` instead of
  through a mapping (no zeroing, a fault per page fewer) saved 3 ms, and
  2 MiB frames instead of 4 MiB (14 frames share out evenly over 2 cores, 7
  did not) another 3.5 ms.
- **re-measured after the restructuring** (2026-11-24: the library API,
  the runtime seam and rules as data, then the cache hardening): starts
  are unchanged within noise (hello 13.6 -> 13.8 ms, cli 73.5 -> 74.4 ms,
  many-1000 104 -> 110 ms). Builds are a little slower (hello cold 211 ->
  244 ms, warm 62 -> 76 ms): the build cache now checks an HMAC per entry
  and inflates each cached deflated entry to verify it, and hello carries
  197 modules instead of 192. PyInstaller's builds in the same runs went
  7.4 -> 7.8 s, so part of that is the machine.
- **re-measured after the integrity change** (2026-11-24: the manifest's
  sha256 at start and each entry's CRC-32 when read, entries read with
  `pread` rather than through the map): hello 13.8 -> 10.8 ms and 41 ->
  37 MB, cli 74.4 -> 69.0 ms and 84 -> 73 MB, many-1000 110 -> 90 ms. On
  this kernel a read through the map made a whole 1 MB page-cache folio
  count in the process's memory.
- **builds**: the import graph is parsed in parallel, one breadth-first
  level at a time. Compiled bytecode and deflated entries are cached by
  content hash, and the bootloader is copied into the output by the kernel
  (`copy_file_range`), not through memory.
"""


if __name__ == "__main__":
    main()
