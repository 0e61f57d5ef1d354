//! The README's example outputs are what pyfreeze prints today: the lines a
//! build prints and `inspect`'s summary of examples/hello, compared with a
//! fresh build's, numbers, sizes, paths and checksums aside (they differ by
//! machine and by debug or release build; the words, fields and their order
//! must not).

use pyfreeze_tests::*;

/// Numbers become `N` (but the bundle format's), sizes' units `U`, absolute
/// paths `/P`, a sha256 `H`; the note a host-built bootloader adds about the
/// wheel's floor goes.
pub(crate) fn shape(line: &str) -> String {
    let line = match line.find(" (built for a newer glibc") {
        Some(at) => &line[..at],
        None => line,
    };
    let mut words: Vec<String> = Vec::new();
    for word in line.split(' ') {
        let bare = word.trim_end_matches([',', ';', ')']);
        // The bundle format is pyfreeze's own: the README must say which.
        if words.last().is_some_and(|w| w == "format") {
            words.push(word.to_string());
            continue;
        }
        let word = match bare {
            "B" | "KB" | "MB" | "GB" => format!("U{}", &word[bare.len()..]),
            w if w.len() == 64 && w.chars().all(|c| c.is_ascii_hexdigit()) => "H".to_string(),
            _ => {
                let mut out = String::new();
                let mut chars = word.chars().peekable();
                while let Some(c) = chars.next() {
                    if c.is_ascii_digit() {
                        while chars
                            .peek()
                            .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                        {
                            chars.next();
                        }
                        out.push('N');
                    } else if c == '/' && (out.is_empty() || out.ends_with('(')) {
                        while chars.peek().is_some_and(|c| !matches!(c, ')' | ';' | ',')) {
                            chars.next();
                        }
                        out.push_str("/P");
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        };
        words.push(word);
    }
    words.join(" ")
}

#[test]
fn readme_examples_are_what_pyfreeze_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let dir = scratch();
    std::fs::copy(
        root().join("examples/hello/hello.py"),
        dir.path().join("hello.py"),
    )
    .unwrap();
    let built = pyfreeze(dir.path(), ["build", "hello.py"]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    // "Built ..." on stdout, the rest on stderr.
    let said = format!("{}{}", text(&built.stdout), text(&built.stderr));
    // Each line the build prints has its example in the README.
    for prefix in [
        "Built dist/hello in ",
        "runtime: CPython ",
        "runs on: glibc ",
    ] {
        let got = said
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("the build printed no {prefix:?} line: {said}"));
        let shown = readme
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("the README shows no {prefix:?} line"));
        assert_eq!(shape(shown), shape(got), "README: {shown}\nprinted: {got}");
    }
    // inspect's summary, line by line.
    let inspected = pyfreeze(dir.path(), ["inspect", "dist/hello"]);
    assert!(inspected.status.success(), "{}", text(&inspected.stderr));
    let got: Vec<String> = text(&inspected.stdout).lines().map(shape).collect();
    let shown: Vec<String> = readme_block(&readme, "dist/hello\n")
        .iter()
        .map(|l| shape(l))
        .collect();
    assert_eq!(shown, got);
}

#[test]
fn shapes_keep_words_and_drop_numbers() {
    assert_eq!(
        shape("Built dist/hello in 0.26 s: 187 modules, 9.7 MB (893.5 KB bootloader)"),
        "Built dist/hello in N s: N modules, N U (N U bootloader)"
    );
    assert_eq!(
        shape("this CPython (/root/.pyenv/versions/3.11.7/bin/python3.11); more"),
        "this CPython (/P); more"
    );
    assert_eq!(shape("12.4 MB, needs"), shape("893.5 KB, needs"));
    assert_ne!(shape("bundle format 3"), shape("bundle version 3"));
    assert_ne!(shape("(bundle format 1,"), shape("(bundle format 3,"));
}

/// The README's text block that starts with `first`, line by line.
pub(crate) fn readme_block(readme: &str, first: &str) -> Vec<String> {
    let start = readme
        .find(&format!("```text\n{first}"))
        .unwrap_or_else(|| panic!("the README shows no block starting {first:?}"));
    let block = &readme[start + "```text\n".len()..];
    block[..block.find("```").unwrap()]
        .lines()
        .map(str::to_string)
        .collect()
}

/// The README's warning about a missing module and its syntax-error
/// example are what a build of the same files prints.
#[test]
fn readme_diagnostics_are_what_pyfreeze_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();

    // A missing module: util.py line 3 imports tomlkit, which the (empty)
    // venv does not have.
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("app.py", "import util\n"),
            ("util.py", "import os\n\nimport tomlkit\n"),
        ],
    );
    let venv = std::process::Command::new(python3())
        .args(["-m", "venv", "--without-pip", "v"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(venv.success());
    let built = pyfreeze(dir.path(), ["build", "app.py", "--venv", "v"]);
    let said = text(&built.stderr);
    let got = said
        .lines()
        .find(|l| l.starts_with("warning: module "))
        .unwrap_or_else(|| panic!("no missing-module warning: {said}"));
    let shown = readme_block(&readme, "warning: module ");
    assert_eq!(shown.len(), 1);
    assert_eq!(
        shape(&shown[0]),
        shape(got),
        "README: {}\nprinted: {got}",
        shown[0]
    );

    // A syntax error in an imported module.
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", "import app.util\n"),
            ("app/__init__.py", ""),
            ("app/util.py", "x = 1\ndef f(a, b:\n    return a\n"),
        ],
    );
    let failed = pyfreeze(dir.path(), ["build", "main.py"]);
    assert!(!failed.status.success());
    let got: Vec<String> = text(&failed.stderr).lines().map(shape).collect();
    let shown: Vec<String> = readme_block(&readme, "error: ")
        .iter()
        .map(|l| shape(l))
        .collect();
    assert_eq!(shown, got);
}

/// Every field `inspect --json --modules` prints is in the README's table
/// of fields.
#[test]
fn readme_json_table_names_every_field() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("| field | meaning |")
        .expect("the README's table of JSON fields");
    let table = &readme[start..];
    let table = &table[..table.find("\n\n").unwrap_or(table.len())];
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let mut documented = std::collections::HashSet::new();
    for row in table.lines().skip(2) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let (Some(field), Some(meaning)) = (cells.first(), cells.get(1)) else {
            continue;
        };
        let fields = ticked(field);
        let Some(first) = fields.first() else {
            continue;
        };
        let parent = first.rsplit_once('.').map_or("", |(p, _)| p).to_string();
        for f in &fields {
            let full = match f.strip_prefix('.') {
                Some(rest) => format!("{parent}.{rest}"),
                None => f.clone(),
            };
            // A list's row names its items' fields in its meaning.
            if full.ends_with("[]") {
                for sub in ticked(meaning) {
                    documented.insert(format!("{full}.{sub}"));
                }
            }
            documented.insert(full);
        }
        documented.extend(ticked(meaning).into_iter().filter(|t| t.contains('.')));
    }
    let dir = scratch();
    std::fs::copy(
        root().join("examples/hello/hello.py"),
        dir.path().join("hello.py"),
    )
    .unwrap();
    let built = pyfreeze(dir.path(), ["build", "hello.py"]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let out = pyfreeze(dir.path(), ["inspect", "dist/hello", "--json", "--modules"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    fn paths(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let next = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    paths(v, next, out);
                }
            }
            serde_json::Value::Array(items) => match items.first() {
                Some(item) => paths(item, format!("{at}[]"), out),
                None => out.push(format!("{at}[]")),
            },
            _ => out.push(at),
        }
    }
    let mut real = Vec::new();
    paths(&json, String::new(), &mut real);
    // A list of plain values is its own field (`bootloader.needs[]`).
    let missing: Vec<&String> = real.iter().filter(|p| !documented.contains(*p)).collect();
    assert!(missing.is_empty(), "not in the README's table: {missing:?}");
}

/// Figures (`12.3 ms`, `0.6 s`, `43.1 MB`) in `text`, in milliseconds or
/// megabytes, with the number of decimals written.
fn figures(text: &str) -> Vec<(String, f64, &'static str, usize)> {
    let mut out = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | '(' | ')' | ','))
        .filter(|w| !w.is_empty())
        .collect();
    for pair in words.windows(2) {
        // A figure may end a sentence: "about 270 ms."
        let (number, unit) = (pair[0], pair[1].trim_end_matches(['.', ';', ':']));
        let Ok(value) = number.parse::<f64>() else {
            continue;
        };
        let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
        let (scale, base) = match unit {
            "ms" => (1.0, "ms"),
            "s" => (1000.0, "ms"),
            "MB" => (1.0, "MB"),
            "KB" => (1.0 / 1000.0, "MB"),
            _ => continue,
        };
        out.push((format!("{number} {unit}"), value * scale, base, decimals));
    }
    out
}

/// The measured comparisons in the README are bench/RESULTS.md's, which
/// `bench/run` writes: every figure in their tables is one of its figures
/// (in the README's unit, rounded as the README writes it).
#[test]
fn readme_measurements_come_from_bench_results() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let results = std::fs::read_to_string(root().join("bench/RESULTS.md")).unwrap();
    // Medians, not the (min–max) ranges beside them.
    let mut depth = 0;
    let medians: String = results
        .chars()
        .filter(|&c| {
            match c {
                '(' => depth += 1,
                ')' => depth = (depth - 1).max(0),
                _ => return depth == 0,
            }
            false
        })
        .collect();
    let measured = figures(&medians);
    let section = |start: &str, end: &str| -> String {
        let at = readme
            .find(start)
            .unwrap_or_else(|| panic!("README: no {start:?}"));
        let rest = &readme[at..];
        rest[..rest[start.len()..]
            .find(end)
            .map_or(rest.len(), |e| e + start.len())]
            .to_string()
    };
    // The opening's "about" figures are rounded to two significant digits.
    let opening = section("- **Fast builds**", "- **Runs on");
    let tables = [
        (section("## Compared with PyInstaller", "\n## "), false),
        (
            section("| hello, RustPython runtime (bench/RESULTS.md", "\n\n"),
            false,
        ),
        (opening.replace('\n', " "), true),
    ];
    let mut checked = 0;
    for (table, about) in &tables {
        let lines: Vec<&str> = if *about {
            vec![table.as_str()]
        } else {
            table.lines().filter(|l| l.starts_with('|')).collect()
        };
        for line in lines {
            for (shown, value, base, decimals) in figures(line) {
                let scale = 10f64.powi(decimals as i32);
                let unit_scale = if shown.ends_with(" s") {
                    1000.0
                } else if shown.ends_with(" KB") {
                    1.0 / 1000.0
                } else {
                    1.0
                };
                let two_digits = |v: f64| {
                    let magnitude = 10f64.powi(v.abs().log10().floor() as i32 - 1);
                    (v / magnitude).round() * magnitude
                };
                let found = measured.iter().any(|(_, m, b, _)| {
                    *b == base
                        && (((m / unit_scale) * scale).round()
                            == ((value / unit_scale) * scale).round()
                            || (*about
                                && (two_digits(m / unit_scale) - value / unit_scale).abs() < 1e-9))
                });
                assert!(
                    found,
                    "README figure {shown} ({line}) is not in bench/RESULTS.md"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} figures found");
}
