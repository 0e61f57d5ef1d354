//! Real compiled-extension packages from PyPI under the CPython runtime:
//! numpy, pandas, Pillow, pydantic (pydantic-core), cryptography, lxml,
//! psutil, orjson, ujson, msgpack, PyYAML's C loader, zstandard, regex,
//! markupsafe, charset-normalizer, mypy and black (compiled with mypyc),
//! Pygame (SDL2 and the 40 libraries of its wheel), and
//! the stdlib's own extensions, pinned
//! in tests/fixtures/compiled/requirements.txt and installed into a CPython
//! 3.12 venv. Each program's output frozen equals the venv's python's.

use pyfreeze_tests::*;
use std::process::Command;

#[test]
fn compiled_packages_behave_as_under_their_python() {
    let venv = compiled_venv();
    let python = venv.join("bin").join("python");
    let dir = scratch();
    let mut programs: Vec<_> = std::fs::read_dir(fixtures().join("compiled"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    programs.sort();
    assert!(programs.len() >= 5);
    let mut failures = Vec::new();
    for program in &programs {
        let name = program.file_stem().unwrap().to_str().unwrap();
        let exe = dir.path().join(name);
        let build = freeze(
            program,
            &exe,
            &["--runtime", "cpython", "--venv", venv.to_str().unwrap()],
        );
        let expected = Command::new(&python)
            .arg(program)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            expected.status.success(),
            "{name} under python: {}",
            text(&expected.stderr)
        );
        // The native code a start imports is copied (and decompressed)
        // into memory on a helper thread while the interpreter starts, in
        // import order, each library before the extensions that need it;
        // then third-party extensions with bundled libraries. libpython is
        // loaded first, by the main thread.
        let prefetched = manifest(&exe).prefetch;
        let at = |part: &str| prefetched.iter().position(|p| p.contains(part));
        assert!(at("libpython").is_none(), "{name}: {prefetched:?}");
        match name {
            "scientific_demo" => assert!(
                at("libscipy_openblas").is_some() && at("numpy/_core/_multiarray_umath.").is_some(),
                "{prefetched:?}"
            ),
            "stdlib_ext_demo" => {
                let (array, ssl, libssl) = (at("array."), at("_ssl."), at("libssl."));
                assert!(
                    array < ssl && libssl < ssl && array.is_some(),
                    "import order: {prefetched:?}"
                );
            }
            _ => {}
        }
        let got = output_of(Command::new(&exe).current_dir(dir.path()));
        if got.stdout != expected.stdout || got.status.code() != expected.status.code() {
            failures.push(format!(
                "{name}: exit {:?}\n--- frozen stderr\n{}\n--- build said\n{}",
                got.status.code(),
                text(&got.stderr),
                text(&build.stderr)
            ));
        }
        assert!(
            text(&got.stdout).ends_with("ok\n"),
            "{name}: {}",
            text(&got.stdout)
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A plain build of a program that needs compiled extension modules takes
/// the venv's CPython and says so; asked for RustPython, the warning names
/// the way out.
#[test]
fn programs_that_need_compiled_extensions_get_the_cpython_runtime_plainly() {
    let venv = compiled_venv();
    let dir = scratch();
    write_tree(
        dir.path(),
        &[(
            "main.py",
            "import orjson, msgpack\n\
             data = {'a': [1, 2, 3]}\n\
             print(orjson.dumps(data).decode(), msgpack.unpackb(msgpack.packb(data)))\n",
        )],
    );
    let build = |extra: &[&str]| {
        let mut args = vec![
            "build",
            "main.py",
            "-o",
            "app",
            "--venv",
            venv.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        pyfreeze(dir.path(), args)
    };
    let plain = build(&[]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    assert_contains(&text(&plain.stdout), "runtime: CPython 3.12");
    assert_contains(&text(&plain.stdout), "the venv's python");
    let said = text(&plain.stderr);
    assert!(
        !said.contains("warning:"),
        "no warning, not even PyPy's module that msgpack names: {said}"
    );
    let got = output_of(Command::new(dir.path().join("app")).current_dir(dir.path()));
    assert_eq!(
        text(&got.stdout),
        "{\"a\":[1,2,3]} {'a': [1, 2, 3]}\n",
        "{}",
        text(&got.stderr)
    );
    let shown = text(&pyfreeze(dir.path(), ["inspect", "app"]).stdout);
    assert_contains(&shown, "CPython 3.12");
    // Asked for by name, RustPython stays, and the warning names the way out.
    let kept = build(&["--runtime", "rustpython"]);
    assert!(kept.status.success(), "{}", text(&kept.stderr));
    assert_contains(&text(&kept.stderr), "--runtime cpython");
    assert_contains(
        &text(&pyfreeze(dir.path(), ["inspect", "app"]).stdout),
        "RustPython",
    );
}
