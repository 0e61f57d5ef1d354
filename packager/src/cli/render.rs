//! Turning the library's results into what the command line prints.

use pyfreeze::analyze::{Graph, Kind};
use pyfreeze::{BuildReport, InspectReport, TargetInfo};
use pyfreeze_bundle::Origin;
use std::time::Duration;

pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The one line a build prints, and with `verbose` where the time went.
pub fn build(r: &BuildReport, verbose: bool) {
    let counts = r.modules;
    let runtime = match &r.packed {
        Some(p) => format!(
            "{} bootloader packed with its unpack stub into {}",
            human_size(r.bootloader_size),
            human_size(p.prefix_size)
        ),
        None => format!("{} bootloader", human_size(r.bootloader_size)),
    };
    println!(
        "Built {} in {:.2} s: {} modules ({} own, {} third-party, {} stdlib), {} \
         ({runtime} + {} archive)",
        r.output.display(),
        r.timings.total.as_secs_f64(),
        counts.total(),
        counts.user,
        counts.third_party,
        counts.stdlib,
        human_size(r.size),
        human_size(r.archive_size),
    );
    println!("runtime: {}: {}", r.runtime, r.runtime_why);
    if let Some(floor) = r
        .glibc
        .as_ref()
        .filter(|f| f.file != pyfreeze::archive::BOOTLOADER)
    {
        let name = floor.file.rsplit('/').next().unwrap_or(&floor.file);
        let alone = r
            .bootloader_glibc
            .as_deref()
            .map(|v| format!("; the bootloader alone needs {v}"))
            .unwrap_or_default();
        println!(
            "runs on: glibc {} or newer, which {name} needs{alone}. For older systems, build with \
             a Python made for them, such as python-build-standalone's (`uv python install`, \
             then --python)",
            floor.version
        );
    }
    if let Some(note) = &r.site_note {
        println!("{note}");
    }
    if !verbose {
        return;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("bootloader: {}", r.bootloader.display());
    if let Some(p) = &r.packed {
        println!("unpack stub: {}", p.stub.display());
    }
    for dir in r.site_packages.iter().skip(1) {
        println!("also searched: {}", dir.display());
    }
    println!(
        "package metadata: {}",
        if r.metadata.is_empty() {
            "none".to_string()
        } else {
            r.metadata.join(", ")
        }
    );
    println!(
        "time: import graph {:.0} ms, compile {:.0} ms, archive and write {:.0} ms",
        ms(r.timings.graph),
        ms(r.timings.compile),
        ms(r.timings.archive_and_write)
    );
    println!("rules fired: {}", rules_fired(&r.rules_fired));
    let cache = &r.cache;
    if cache.enabled {
        // Damaged entries are bytecode or compressed archive entries alike;
        // they are counted apart from the modules.
        println!(
            "cache: {} modules reused, {} compiled{}",
            cache.hits,
            cache.misses,
            match cache.corrupt {
                0 => String::new(),
                1 => "; 1 damaged entry found, removed and redone".to_string(),
                n => format!("; {n} damaged entries found, removed and redone"),
            }
        );
    } else {
        println!("cache: off");
    }
}

/// The rules that fired, by file in the order they fired: `stdlib.toml
/// (every program ×2, inspect)`.
fn rules_fired(labels: &[String]) -> String {
    if labels.is_empty() {
        return "none".to_string();
    }
    // Each label is `file: trigger`.
    let mut files: Vec<(&str, Vec<(&str, usize)>)> = Vec::new();
    for label in labels {
        let (file, trigger) = label.split_once(": ").unwrap_or((label, ""));
        let at = match files.iter().position(|(f, _)| *f == file) {
            Some(at) => at,
            None => {
                files.push((file, Vec::new()));
                files.len() - 1
            }
        };
        let triggers = &mut files[at].1;
        match triggers.iter_mut().find(|(t, _)| *t == trigger) {
            Some((_, n)) => *n += 1,
            None => triggers.push((trigger, 1)),
        }
    }
    files
        .iter()
        .map(|(file, triggers)| {
            let triggers: Vec<String> = triggers
                .iter()
                .map(|(t, n)| {
                    // A rule for every program is labelled `(every program)`.
                    let t = t.trim_start_matches('(').trim_end_matches(')');
                    match n {
                        1 => t.to_string(),
                        n => format!("{t} ×{n}"),
                    }
                })
                .collect();
            format!("{file} ({})", triggers.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_label(kind: &Kind) -> &'static str {
    match kind {
        Kind::Source {
            package: Some(_), ..
        } => "package",
        Kind::Source { .. } => "module",
        Kind::Namespace(_) => "namespace",
        Kind::Builtin => "builtin",
        Kind::Foreign => "other-platform",
        Kind::Excluded { .. } => "excluded",
        Kind::Extension(_) => "extension",
        Kind::Missing => "missing",
    }
}

fn origin_label(origin: Origin) -> &'static str {
    match origin {
        Origin::User => "own",
        Origin::ThirdParty => "third-party",
        Origin::Stdlib => "stdlib",
    }
}

/// Each module under the module that first imported it.
pub fn graph_tree(g: &Graph) {
    let mut children = vec![Vec::new(); g.len()];
    for (id, m) in g.iter() {
        if let Some((parent, _)) = m.importer {
            children[parent.index()].push(id);
        }
    }
    let mut stack = vec![(g.entry, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        let m = &g[id];
        println!(
            "{}{} [{}, {}]",
            "  ".repeat(depth),
            g.display_name(id),
            kind_label(&m.kind),
            origin_label(m.origin)
        );
        for &c in children[id.index()].iter().rev() {
            stack.push((c, depth + 1));
        }
    }
}

pub fn graph_dot(g: &Graph) {
    println!("digraph imports {{");
    println!("  node [shape=box, fontname=\"monospace\"];");
    for (id, m) in g.iter() {
        let color = match (&m.kind, m.origin) {
            (Kind::Missing, _) | (Kind::Extension(_), _) => "red",
            (_, Origin::User) => "black",
            (_, Origin::ThirdParty) => "blue",
            (_, Origin::Stdlib) => "gray50",
        };
        println!(
            "  {} [label=\"{}\", color=\"{color}\"];",
            id.index(),
            g.display_name(id)
        );
    }
    for (id, m) in g.iter() {
        for e in &m.imports {
            let style = if e.optional { " [style=dashed]" } else { "" };
            println!("  {} -> {}{style};", id.index(), e.to.index());
        }
    }
    println!("}}");
}

pub fn graph_json(g: &Graph) -> serde_json::Value {
    let modules: Vec<serde_json::Value> = g
        .iter()
        .map(|(id, m)| {
            let file = match &m.kind {
                Kind::Source { file, .. } => Some(file.display()),
                Kind::Extension(file) => Some(file.display().to_string()),
                _ => None,
            };
            serde_json::json!({
                "name": g.display_name(id),
                "kind": kind_label(&m.kind),
                "origin": origin_label(m.origin),
                "file": file,
                "imports": m.imports.iter().map(|e| serde_json::json!({
                    "module": g.display_name(e.to),
                    "line": e.line,
                    "optional": e.optional,
                    "delayed": e.delayed,
                })).collect::<Vec<_>>(),
                "imported_by": m.importer.map(|(p, _)| g.display_name(p)),
            })
        })
        .collect();
    let unsatisfied = g.unsatisfied();
    let missing: Vec<serde_json::Value> = g
        .iter()
        .filter(|(_, m)| matches!(m.kind, Kind::Missing | Kind::Extension(_)))
        .map(|(id, m)| {
            let needed = unsatisfied.iter().find(|u| u.module == id);
            serde_json::json!({
                "name": m.name,
                "kind": kind_label(&m.kind),
                "optional": needed.is_none(),
                "delayed": needed.is_some_and(|u| u.delayed),
                "chain": g.chain(id),
            })
        })
        .collect();
    serde_json::json!({ "entry": g.script_name, "modules": modules, "missing": missing })
}

pub fn inspect(r: &InspectReport) {
    println!("{}", shown(&r.file));
    println!("  size         {} ({} bytes)", human_size(r.size), r.size);
    // Shipped bootloaders (the wheel's) need at most glibc 2.28; one built
    // on a newer system needs that system's.
    let glibc = r
        .bootloader
        .min_glibc
        .as_ref()
        .map(|v| match pyfreeze::glibc::Version::parse(v) {
            Some(version) if version > pyfreeze::glibc::SHIPPED => format!(
                ", needs glibc >= {v} (built for a newer glibc than pyfreeze's wheel ships \
                 bootloaders for, {})",
                pyfreeze::glibc::SHIPPED
            ),
            _ => format!(", needs glibc >= {v}"),
        })
        .unwrap_or_default();
    let size = match &r.bootloader.packed {
        Some(p) => format!(
            "{} packed into {} (zstd, behind a {} pyfreeze-unpack stub)",
            human_size(p.runtime_size),
            human_size(p.compressed_size),
            human_size(p.stub_size)
        ),
        None => human_size(r.bootloader.size),
    };
    println!(
        "  bootloader   {} {} for {}, {size}{}",
        r.bootloader.arch,
        r.bootloader.format,
        r.bootloader.target,
        shown(&glibc),
    );
    println!(
        "  runtime      {} (bundle format {}, bytecode {})",
        shown(&r.bundle.runtime),
        r.bundle.format,
        shown(&r.bundle.bytecode)
    );
    if let Some(reason) = &r.build.runtime_reason {
        println!("  chosen as    {}", shown(reason));
    }
    if let Some(floor) = &r.build.glibc {
        println!(
            "  runs on      glibc {} or newer ({} needs it)",
            shown(&floor.version),
            shown(&floor.file)
        );
    }
    let called = match &r.entry.function {
        Some(function) => format!("{}:{function}", r.entry.module),
        None => r.entry.module.clone(),
    };
    println!(
        "  entry        {} {} ({})",
        shown(&r.entry.kind),
        shown(&r.entry.path),
        shown(&called)
    );
    println!(
        "  built with   pyfreeze {}, optimize {}, source {}",
        shown(&r.build.pyfreeze),
        r.build.optimize,
        if r.build.source {
            "included"
        } else {
            "left out"
        }
    );
    println!(
        "  modules      {} ({} own, {} third-party, {} stdlib)",
        r.modules.total, r.modules.user, r.modules.third_party, r.modules.stdlib
    );
    println!("  data files   {}", r.data_files);
    if r.build.native_cache {
        println!("  native code  loaded from the per-user cache (--native-cache)");
    } else if r.build_files > 0 {
        let libpython = r
            .libraries
            .iter()
            .find(|l| l.soname.starts_with("libpython"));
        println!(
            "  native code  where built: mapped from {} files of that machine while unchanged{}; \
             elsewhere: copied into memory",
            r.build_files,
            match libpython.and_then(|l| l.build_file.as_deref()) {
                Some(file) => format!(" ({}, ...)", shown(file)),
                None => String::new(),
            }
        );
    }
    println!(
        "  archive      {} in {} files ({} stored, {} unpacked)",
        human_size(r.bundle.archive_size),
        r.bundle.files,
        human_size(r.bundle.stored_size),
        human_size(r.bundle.unpacked_size)
    );
    println!("  sha256       {}", r.bundle.sha256);
    if let Some(entries) = &r.entries {
        println!();
        println!(
            "  {:<9} {:>10} {:>10}  {:<16}  PATH",
            "KIND", "SIZE", "STORED", "SHA256"
        );
        for e in entries {
            println!(
                "  {:<9} {:>10} {:>10}  {:<16}  {}",
                shown(e.kind),
                e.size,
                e.stored,
                shown(e.sha256.get(..16).unwrap_or(&e.sha256)),
                shown(&e.path)
            );
        }
    }
}

/// Text from a bundle, which anyone can craft, made safe for a terminal:
/// control characters (escape sequences) and the invisible characters that
/// reorder or hide text (bidi overrides such as U+202E) are shown escaped,
/// not sent.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, false)
}

/// [`shown`] for a message of several lines: its line breaks stay.
pub fn shown_lines(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, true)
}

fn escaped(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && !(keep_newlines && c == '\n')) || is_invisible_format(c);
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| match unsafe_char(c) {
            true => c.escape_unicode().to_string(),
            false => c.to_string(),
        })
        .collect::<String>()
        .into()
}

/// Unicode's bidirectional controls and the zero-width characters: they
/// change how the text around them reads without showing themselves.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

pub fn targets(targets: &[TargetInfo]) {
    for t in targets {
        let note = if t.host { " (this machine)" } else { "" };
        match &t.bootloader {
            Some(path) => println!("{}{note}: {}", t.triple, path.display()),
            None => println!("{}{note}: no bootloader installed", t.triple),
        }
    }
    println!(
        "Bootloaders are looked up in $PYFREEZE_BOOTLOADER_DIR/<target>/, beside pyfreeze \
         (bootloaders/<target>/), then among those built into pyfreeze (<built-in>/); \
         --bootloader FILE overrides."
    );
}

fn trigger(rule: &pyfreeze::rules::Rule) -> String {
    match &rule.trigger {
        pyfreeze::rules::Trigger::Module(m) => m.clone(),
        pyfreeze::rules::Trigger::Always => "(every program)".into(),
        pyfreeze::rules::Trigger::Stdlib => "(every stdlib module)".into(),
    }
}

fn condition(rule: &pyfreeze::rules::Rule) -> String {
    let w = &rule.when;
    let mut parts = Vec::new();
    if let Some(v) = &w.version {
        parts.push(format!(
            "{} {v}",
            w.distribution.clone().unwrap_or_else(|| "version".into())
        ));
    }
    if !w.platform.is_empty() {
        parts.push(w.platform.join("/"));
    }
    if let Some(r) = &w.runtime {
        parts.push(r.key().to_string());
    }
    parts.join(", ")
}

/// `pyfreeze rules` (alias `hooks`): one line per rule.
pub fn rules(rules: &pyfreeze::rules::Rules) {
    let mut files: Vec<&str> = rules.iter().map(|r| r.file.as_str()).collect();
    files.dedup();
    for r in rules.iter() {
        let when = condition(r);
        let when = if when.is_empty() {
            String::new()
        } else {
            format!(" [{when}]")
        };
        println!("{}: {}{when}: {}", r.file, trigger(r), r.why);
    }
    println!("{} rules in {} files", rules.rules.len(), files.len());
}

pub fn rules_json(rules: &pyfreeze::rules::Rules) -> serde_json::Value {
    let list: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "file": r.file,
                "trigger": trigger(r),
                "when": condition(r),
                "why": r.why,
                "hidden_imports": r.hidden_imports,
                "collect_submodules": r.collect_submodules,
                "sources_on_disk": r.sources_on_disk,
                "stdlib_sources_on_disk": r.stdlib_sources_on_disk,
                "libraries_on_disk": r.libraries_on_disk,
                "exclude": r.exclude,
                "entry_point_groups": r.entry_point_groups,
                "requires_runtime": r.requires_runtime,
            })
        })
        .collect();
    serde_json::json!({ "rules": list })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crafted_names_are_shown_escaped() {
        assert_eq!(shown("a/b.py"), "a/b.py");
        assert_eq!(shown("\u{1b}[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(shown("evil\u{202E}yp.exe"), "evil\\u{202e}yp.exe");
        assert_eq!(shown("a\nb"), "a\\u{a}b");
        assert_eq!(shown_lines("a\nb\u{7}"), "a\nb\\u{7}");
    }

    #[test]
    fn rules_fired_are_grouped_by_file() {
        let labels: Vec<String> = [
            "stdlib.toml: (every program)",
            "stdlib.toml: (every program)",
            "stdlib.toml: inspect",
            "numpy.toml: numpy",
            "stdlib.toml: pickle",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            rules_fired(&labels),
            "stdlib.toml (every program ×2, inspect, pickle), numpy.toml (numpy)"
        );
        assert_eq!(rules_fired(&[]), "none");
    }
}
