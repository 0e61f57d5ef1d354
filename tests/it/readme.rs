//! The README's example outputs are what pyfreeze prints today: the lines a
//! build prints and `inspect`'s summary of examples/hello, compared with a
//! fresh build's, numbers, sizes, paths and checksums aside (they differ by
//! machine and by debug or release build; the words, fields and their order
//! must not).

use pyfreeze_tests::*;

/// Numbers become `N` (but the bundle format's), sizes' units `U`, absolute
/// paths `/P`, a sha256 `H`; the note a host-built bootloader adds about the
/// wheel's floor goes.
fn shape(line: &str) -> String {
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
    let start = readme
        .find("```text\ndist/hello\n")
        .expect("the README's inspect example");
    let block = &readme[start + "```text\n".len()..];
    let shown: Vec<String> = block[..block.find("```").unwrap()]
        .lines()
        .map(shape)
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
