//! Package rules: what the import graph cannot see by reading source, kept
//! as data. The rules shipped with pyfreeze are the TOML files of
//! `packager/rules/`, embedded at compile time; users add their own
//! directories of such files. The format is described in
//! `packager/rules/README.md`.
//!
//! A rule fires when its trigger module is in the graph (or always, or for
//! every standard-library module) and its condition holds on the target,
//! the runtime and the installed version of the package.

use crate::runtime::RuntimeKind;
use anyhow::{Context as _, Result, bail};
use pep440_rs::{Version, VersionSpecifiers};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The rule files shipped inside pyfreeze: (file name, text).
static BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/rules.rs"));

/// What fires a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// This module is in the graph.
    Module(String),
    /// Every program.
    Always,
    /// Every standard-library module (for `skip-functions`).
    Stdlib,
}

/// One rule, as written in its file, with where it came from.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `pygments.toml`, or the user file's path.
    pub file: String,
    pub trigger: Trigger,
    pub why: String,
    pub when: Condition,
    pub hidden_imports: Vec<String>,
    pub collect_submodules: Vec<String>,
    pub collect_data: Vec<String>,
    pub sources_on_disk: Vec<String>,
    /// The standard library's sources in the bundle go on disk too.
    pub stdlib_sources_on_disk: bool,
    /// Directories (`pkg/sub`, under site-packages) whose shared libraries
    /// are data: written to disk with the data files.
    pub libraries_on_disk: Vec<String>,
    pub copy_metadata: Vec<String>,
    pub entry_point_groups: Vec<String>,
    pub drop_imports: Vec<String>,
    pub exclude: Vec<String>,
    pub optional: Vec<String>,
    pub skip_functions: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub requires_runtime: Option<RuntimeKind>,
}

impl Rule {
    /// How `-v` names the rule: `pygments.toml: pygments`.
    pub fn label(&self) -> String {
        let trigger = match &self.trigger {
            Trigger::Module(m) => m.as_str(),
            Trigger::Always => "(every program)",
            Trigger::Stdlib => "(every stdlib module)",
        };
        format!("{}: {trigger}", self.file)
    }
}

/// When a rule applies.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub version: Option<VersionSpecifiers>,
    /// The distribution whose version counts; by default the one that
    /// provides the trigger module.
    pub distribution: Option<String>,
    /// `sys.platform` values of the target.
    pub platform: Vec<String>,
    pub runtime: Option<RuntimeKind>,
}

/// What a condition is checked against.
pub struct Context<'a> {
    pub sys_platform: &'a str,
    pub runtime: RuntimeKind,
    /// The installed version of a distribution (by normalised name), or of
    /// the distribution providing a top-level module.
    pub version_of: &'a dyn Fn(VersionOf<'_>) -> Option<Version>,
}

pub enum VersionOf<'a> {
    Distribution(&'a str),
    Module(&'a str),
}

impl Condition {
    pub fn holds(&self, trigger: &Trigger, ctx: &Context<'_>) -> bool {
        if !self.platform.is_empty() && !self.platform.iter().any(|p| p == ctx.sys_platform) {
            return false;
        }
        if self.runtime.is_some_and(|r| r != ctx.runtime) {
            return false;
        }
        let Some(wanted) = &self.version else {
            return true;
        };
        let installed = match (&self.distribution, trigger) {
            (Some(dist), _) => (ctx.version_of)(VersionOf::Distribution(dist)),
            (None, Trigger::Module(m)) => (ctx.version_of)(VersionOf::Module(m)),
            (None, _) => None,
        };
        installed.is_some_and(|v| wanted.contains(&v))
    }
}

/// Every rule in force for a build: the shipped ones, then the user's.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

impl Rules {
    /// The rules shipped with pyfreeze, then every `*.toml` in `user_dirs`
    /// (in name order).
    pub fn load(user_dirs: &[PathBuf]) -> Result<Rules> {
        let mut rules = Vec::new();
        for (name, text) in BUILTIN {
            rules.extend(parse(name, text)?);
        }
        for dir in user_dirs {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .with_context(|| format!("rules directory {}: cannot read it", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for file in files {
                let text = read_rule_file(&file)?;
                rules.extend(parse(&file.display().to_string(), &text)?);
            }
        }
        Ok(Rules { rules })
    }

    /// The rules shipped with pyfreeze.
    pub fn builtin() -> Result<Rules> {
        Rules::load(&[])
    }

    /// The rules whose condition holds in `ctx`.
    pub fn active(&self, ctx: &Context<'_>) -> Rules {
        Rules {
            rules: self
                .rules
                .iter()
                .filter(|r| r.when.holds(&r.trigger, ctx))
                .cloned()
                .collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// Rules fired by module `name` being in the graph.
    pub fn for_module<'s, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = &'s Rule> + use<'s, 'n> {
        self.rules
            .iter()
            .filter(move |r| matches!(&r.trigger, Trigger::Module(m) if m == name))
    }

    pub fn always(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|r| r.trigger == Trigger::Always)
    }

    /// Module-level functions of module `name` whose imports are not followed.
    pub fn skip_functions(&self, name: &str, is_stdlib: bool) -> Vec<String> {
        self.rules
            .iter()
            .filter(|r| match &r.trigger {
                Trigger::Module(m) => m == name,
                Trigger::Stdlib => is_stdlib,
                Trigger::Always => false,
            })
            .flat_map(|r| r.skip_functions.iter().cloned())
            .collect()
    }
}

/// A rule file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rule: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    module: Option<String>,
    #[serde(default)]
    always: bool,
    applies_to: Option<String>,
    why: Option<String>,
    #[serde(default)]
    when: RawCondition,
    #[serde(default)]
    hidden_imports: Vec<String>,
    #[serde(default)]
    collect_submodules: Vec<String>,
    #[serde(default)]
    collect_data: Vec<String>,
    #[serde(default)]
    sources_on_disk: Vec<String>,
    #[serde(default)]
    stdlib_sources_on_disk: bool,
    #[serde(default)]
    libraries_on_disk: Vec<String>,
    #[serde(default)]
    copy_metadata: Vec<String>,
    #[serde(default)]
    entry_point_groups: Vec<String>,
    #[serde(default)]
    drop_imports: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    optional: Vec<String>,
    #[serde(default)]
    skip_functions: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    requires_runtime: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    version: Option<String>,
    distribution: Option<String>,
    #[serde(default)]
    platform: OneOrMany,
    runtime: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

use pyfreeze_bundle::launch::ROOT_PLACEHOLDER as ROOT;

const PLATFORMS: [&str; 3] = ["linux", "darwin", "win32"];

/// Parse one rule file; errors name the file, the rule and what to fix.
pub fn parse(file: &str, text: &str) -> Result<Vec<Rule>> {
    let parsed: File = toml::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "rule file {file}: {}",
            crate::diagnostics::excerpt(&e.to_string())
        )
    })?;
    let mut out = Vec::new();
    for (i, raw) in parsed.rule.into_iter().enumerate() {
        let at = format!("rule file {file}, rule {}", i + 1);
        let trigger = match (raw.module, raw.always, raw.applies_to.as_deref()) {
            (Some(m), false, None) => {
                check_module_names(&at, "module", std::slice::from_ref(&m))?;
                Trigger::Module(m)
            }
            (None, true, None) => Trigger::Always,
            (None, false, Some("stdlib")) => Trigger::Stdlib,
            (None, false, Some(other)) => {
                bail!("{at}: applies-to = {other:?}: the only value is \"stdlib\"")
            }
            _ => bail!(
                "{at}: give exactly one trigger: module = \"pkg\", always = true, or applies-to = \"stdlib\""
            ),
        };
        let why = match raw.why {
            Some(w) if !w.trim().is_empty() => w,
            _ => bail!("{at}: `why` is missing: say what the package does that needs the rule"),
        };
        for (key, names) in [
            ("hidden-imports", &raw.hidden_imports),
            ("collect-submodules", &raw.collect_submodules),
            ("collect-data", &raw.collect_data),
            ("sources-on-disk", &raw.sources_on_disk),
            ("drop-imports", &raw.drop_imports),
            ("exclude", &raw.exclude),
            ("optional", &raw.optional),
        ] {
            check_module_names(&at, key, names)?;
        }
        if let Some(bad) = raw
            .libraries_on_disk
            .iter()
            .find(|d| d.contains('\\') || !pyfreeze_bundle::reader::is_safe_relative_path(d))
        {
            bail!(
                "{at}: libraries-on-disk {bad:?}: expected a directory under site-packages, written with `/` (\"PySide6/Qt/plugins\")"
            );
        }
        // A name or value the C library cannot set would stop every start.
        if let Some((name, value)) = raw.env.iter().find(|(name, value)| {
            name.is_empty() || name.contains(['=', '\0']) || value.contains('\0')
        }) {
            bail!(
                "{at}: env {name:?} = {value:?}: a variable's name must be non-empty, without `=` or NUL, and its value without NUL"
            );
        }
        if let Some((name, _)) = raw
            .env
            .iter()
            .find(|(_, v)| v.contains('{') && v.replace(ROOT, "").contains(['{', '}']))
        {
            bail!(
                "{at}: env {name}: the only placeholder is {ROOT} (the bundle's directory, sys._MEIPASS)"
            );
        }
        let version = raw
            .when
            .version
            .as_deref()
            .map(|v| {
                VersionSpecifiers::from_str(v)
                    .map_err(|e| anyhow::anyhow!("{at}: when.version {v:?}: {e}"))
            })
            .transpose()?;
        let platform = match raw.when.platform {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(p) => vec![p],
            OneOrMany::Many(ps) => ps,
        };
        if let Some(p) = platform.iter().find(|p| !PLATFORMS.contains(&p.as_str())) {
            bail!("{at}: when.platform {p:?}: expected one of {PLATFORMS:?} (sys.platform)");
        }
        let runtime_key = |name: &Option<String>| -> Result<Option<RuntimeKind>> {
            name.as_deref()
                .map(|n| {
                    RuntimeKind::parse(n).ok_or_else(|| {
                        let known: Vec<&str> = RuntimeKind::ALL.map(RuntimeKind::key).to_vec();
                        anyhow::anyhow!("{at}: runtime {n:?}: expected one of {known:?}")
                    })
                })
                .transpose()
        };
        let when_runtime = runtime_key(&raw.when.runtime)?;
        let requires_runtime = runtime_key(&raw.requires_runtime)?;
        if !raw.skip_functions.is_empty() && trigger == Trigger::Always {
            bail!("{at}: skip-functions needs module = \"...\" or applies-to = \"stdlib\"");
        }
        out.push(Rule {
            file: file.to_string(),
            trigger,
            why,
            when: Condition {
                version,
                distribution: raw.when.distribution,
                platform,
                runtime: when_runtime,
            },
            hidden_imports: raw.hidden_imports,
            collect_submodules: raw.collect_submodules,
            collect_data: raw.collect_data,
            sources_on_disk: raw.sources_on_disk,
            stdlib_sources_on_disk: raw.stdlib_sources_on_disk,
            libraries_on_disk: raw.libraries_on_disk,
            copy_metadata: raw.copy_metadata,
            entry_point_groups: raw.entry_point_groups,
            drop_imports: raw.drop_imports,
            exclude: raw.exclude,
            optional: raw.optional,
            skip_functions: raw.skip_functions,
            env: raw.env,
            requires_runtime,
        });
    }
    Ok(out)
}

/// Dotted module names only: a typo is an error, not a rule that never fires.
fn check_module_names(at: &str, key: &str, names: &[String]) -> Result<()> {
    for name in names {
        let valid = !name.is_empty()
            && name.split('.').all(|part| {
                !part.is_empty()
                    && !part.starts_with(|c: char| c.is_ascii_digit())
                    // `-`: files CPython imports by computed name have them.
                    && part.chars().all(|c| c == '_' || c == '-' || c.is_alphanumeric())
            });
        if !valid {
            bail!("{at}: {key} {name:?} is not a dotted module name");
        }
    }
    Ok(())
}

/// `name` is `prefix` or inside it (`a.b` is inside `a`).
pub fn is_within(name: &str, prefix: &str) -> bool {
    name == prefix
        || name
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The largest rule file read: the biggest shipped one is a few KB.
const MAX_RULE_FILE: u64 = 1 << 20;

/// A user's rule file: a regular file (a FIFO would hang the build, a link
/// to /dev/zero would fill memory) of at most `MAX_RULE_FILE` bytes.
fn read_rule_file(file: &Path) -> Result<String> {
    use std::io::Read;
    let shown = file.display();
    let meta = std::fs::metadata(file).with_context(|| format!("cannot read rule file {shown}"))?;
    if !meta.is_file() {
        bail!("rule file {shown}: not a regular file; remove it from the rules directory");
    }
    if meta.len() > MAX_RULE_FILE {
        bail!(
            "rule file {shown}: {} bytes, more than a rule file's limit of {MAX_RULE_FILE}; split it or remove it",
            meta.len()
        );
    }
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_RULE_FILE + 1).read_to_string(&mut text))
        .with_context(|| format!("cannot read rule file {shown} (it must be UTF-8 text)"))?;
    if text.len() as u64 > MAX_RULE_FILE {
        bail!(
            "rule file {shown}: grew past a rule file's limit of {MAX_RULE_FILE} bytes while read"
        );
    }
    Ok(text)
}

/// The directory of a user's rule files, checked.
pub fn check_hooks_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!("--rules-dir {}: not a directory", dir.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(
        platform: &'a str,
        runtime: &'a str,
        version_of: &'a dyn Fn(VersionOf<'_>) -> Option<Version>,
    ) -> Context<'a> {
        Context {
            sys_platform: platform,
            runtime: RuntimeKind::parse(runtime).unwrap(),
            version_of,
        }
    }

    #[test]
    fn the_shipped_rules_parse() {
        let rules = Rules::builtin().unwrap();
        assert!(rules.iter().any(|r| r.trigger == Trigger::Always));
        assert!(
            rules
                .for_module("inspect")
                .any(|r| r.drop_imports == ["argparse"])
        );
        assert!(
            rules
                .skip_functions("json.tool", true)
                .contains(&"main".to_string())
        );
        assert!(rules.skip_functions("json.tool", false).is_empty());
    }

    #[test]
    fn conditions_on_platform_runtime_and_version() {
        let text = r#"
[[rule]]
module = "pkg"
why = "new versions load plug-ins by name"
when = { version = ">=2,<3", platform = ["linux", "darwin"], runtime = "rustpython" }
hidden-imports = ["pkg.plugins.a"]
"#;
        let rule = &parse("pkg.toml", text).unwrap()[0];
        let v2 = |_: VersionOf<'_>| Version::from_str("2.4.1").ok();
        let v3 = |_: VersionOf<'_>| Version::from_str("3.0").ok();
        let none = |_: VersionOf<'_>| None;
        assert!(
            rule.when
                .holds(&rule.trigger, &ctx("linux", "rustpython", &v2))
        );
        assert!(
            !rule
                .when
                .holds(&rule.trigger, &ctx("linux", "rustpython", &v3))
        );
        assert!(
            !rule
                .when
                .holds(&rule.trigger, &ctx("linux", "rustpython", &none))
        );
        assert!(
            !rule
                .when
                .holds(&rule.trigger, &ctx("win32", "rustpython", &v2))
        );
        assert!(
            !rule
                .when
                .holds(&rule.trigger, &ctx("linux", "cpython", &v2))
        );
    }

    #[test]
    fn mistakes_are_errors_that_name_the_file_and_rule() {
        let cases = [
            ("[[rule]]\nwhy = 'x'\n", "exactly one trigger"),
            ("[[rule]]\nmodule = 'a'\n", "`why` is missing"),
            (
                "[[rule]]\nmodule = 'a'\nwhy = 'x'\nhidden-imports = ['a b']\n",
                "not a dotted module name",
            ),
            (
                "[[rule]]\nmodule = 'a'\nwhy = 'x'\nhiden-imports = ['b']\n",
                "unknown field",
            ),
            (
                "[[rule]]\nmodule = 'a'\nwhy = 'x'\nwhen = { platform = 'windows' }\n",
                "sys.platform",
            ),
            (
                "[[rule]]\nmodule = 'a'\nwhy = 'x'\nwhen = { version = '>>1' }\n",
                "when.version",
            ),
            (
                "[[rule]]\nalways = true\nwhy = 'x'\nskip-functions = ['main']\n",
                "skip-functions",
            ),
        ];
        for (text, expected) in cases {
            let err = format!("{:#}", parse("bad.toml", text).unwrap_err());
            assert!(err.contains("bad.toml"), "{err}");
            assert!(err.contains(expected), "{expected:?} in {err}");
        }
    }

    #[test]
    fn within() {
        assert!(is_within("a.b", "a") && is_within("a", "a"));
        assert!(!is_within("ab", "a") && !is_within("a", "a.b"));
    }
}
