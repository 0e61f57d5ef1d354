#!/usr/bin/env bash
# The wheel, as a user gets it: build it with maturin (the bootloaders the
# test suite built are carried inside pyfreeze, as the release workflow
# carries every target's), install it in a fresh venv, then, with no Rust
# on PATH, freeze hello with every runtime and run the results.
#
#   tests/wheel/check.sh [PROFILE [BOOT_DIR]]
#       PROFILE: dev (default, reuses the test build) or release
#       BOOT_DIR: where the bootloaders to carry are (default: built here,
#       in target/PROFILE; tests/run leaves glibc 2.28 ones in
#       target/<host>/debug)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
profile="${1:-dev}"
dir="debug"; [ "$profile" = release ] && dir="release"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python="$(python3 -c 'import sys; print(sys.executable)')"
echo "== maturin (throwaway venv)"
"$python" -m venv "$work/tools"
"$work/tools/bin/pip" install -q "maturin>=1.7,<2"

host="$(rustc -vV | sed -n 's/^host: //p')"
boot_dir="${2:-}"
if [ -z "$boot_dir" ]; then
    cargo build --locked --ignore-rust-version --profile "$profile" \
        -p pyfreeze-boot -p pyfreeze-boot-cpython -p pyfreeze-unpack
    boot_dir="target/$dir"
fi
mkdir -p "$work/boot/$host"
for f in pyfreeze-boot pyfreeze-boot-cpython pyfreeze-unpack; do
    cp "$boot_dir/$f" "$work/boot/$host/"
done

echo "== the wheel"
PYFREEZE_EMBED_BOOTLOADERS="$work/boot" "$work/tools/bin/maturin" build \
    --profile "$profile" --locked --ignore-rust-version --out "$work/wheels"
wheel="$(ls "$work"/wheels/pyfreeze_rs-*.whl)"
ls -la "$wheel"
"$python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
scripts = [n for n in names if ".data/scripts/" in n]
assert [s.rsplit("/", 1)[1] for s in scripts] == ["pyfreeze"], scripts
assert "pyfreeze/__main__.py" in names and "pyfreeze/__init__.py" in names, names
meta = zipfile.ZipFile(sys.argv[1]).read(
    next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
for field in ("Name: pyfreeze-rs\n", "Version: ", "Summary: Freeze a Python program",
              "License: MIT", "Project-URL: ", "Classifier: "):
    assert field in meta, (field, meta[:800])
print("wheel holds one binary, the pyfreeze package and Cargo's metadata")
PY

echo "== a fresh venv, no Rust on PATH"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$wheel"
export PATH="$work/venv/bin:/usr/bin:/bin"
unset PYFREEZE_BOOTLOADER_DIR CARGO RUSTC
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
    echo "Rust is still on PATH"; exit 1
fi
cd "$work"
cp "$root/examples/hello/hello.py" .
want_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
got_version="$(pyfreeze --version)"
case "$got_version" in *"$want_version"*) ;; *) echo "version $got_version, want $want_version"; exit 1 ;; esac
pyfreeze targets | grep "this machine" | grep -q "<built-in>"
for runtime in rustpython cpython; do
    pyfreeze build hello.py --runtime "$runtime" -o "hello-$runtime"
    out="$(./"hello-$runtime" Wheel)"
    case "$out" in *"Hello, Wheel!"*) ;; *) echo "hello-$runtime said: $out"; exit 1 ;; esac
    pyfreeze verify "hello-$runtime"
    # The carried bootloader needs nothing but glibc (and, when BOOT_DIR
    # holds what tests/run built, glibc 2.28 at most).
    pyfreeze inspect --json "hello-$runtime" | "$python" -c '
import json, sys
boot = json.load(sys.stdin)["bootloader"]
allowed = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
           "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libgcc_s.so.1"}
extra = set(boot.get("needs", [])) - allowed
assert not extra, ("the bootloader needs", extra)
floor = tuple(int(p) for p in boot["min_glibc"].split("."))
if sys.argv[1]:
    assert floor <= (2, 28), ("the bootloader needs glibc", boot["min_glibc"])
print("bootloader needs", sorted(boot["needs"]), "glibc", boot["min_glibc"])
' "${2:-}"
done
python -m pyfreeze build hello.py --pack -o hello-packed
./hello-packed Packed | grep -q "Hello, Packed!"
echo "== wheel check passed: rustpython, cpython and --pack from a pip-installed pyfreeze"
