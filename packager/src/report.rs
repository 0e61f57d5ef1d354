//! `pyfreeze graph` and `pyfreeze why`: the import graph, explained.

use crate::cli::{GraphArgs, GraphFormat, WhyArgs};
use crate::graph::{Graph, Kind};
use crate::project;
use anyhow::Result;
use pyfreeze_bundle::Origin;
use std::process::ExitCode;

pub fn why(args: &WhyArgs) -> Result<ExitCode> {
    let project = project::load(&args.source, project::target(&args.source)?)?;
    match project.graph.index_of(&args.module) {
        Some(i) => {
            println!("{}", project.graph.chain(i));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!(
                "{} is not imported by {}",
                args.module, project.graph.script_name
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn graph(args: &GraphArgs) -> Result<ExitCode> {
    let project = project::load(&args.source, project::target(&args.source)?)?;
    let g = &project.graph;
    match args.format {
        GraphFormat::Tree => print_tree(g),
        GraphFormat::Dot => print_dot(g),
        GraphFormat::Json => println!("{}", serde_json::to_string_pretty(&to_json(g))?),
    }
    Ok(ExitCode::SUCCESS)
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
        Kind::Excluded => "excluded",
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
fn print_tree(g: &Graph) {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); g.modules.len()];
    for (i, m) in g.modules.iter().enumerate() {
        if let Some((parent, _)) = m.importer {
            children[parent].push(i);
        }
    }
    let mut stack = vec![(g.entry, 0usize)];
    while let Some((i, depth)) = stack.pop() {
        let m = &g.modules[i];
        println!(
            "{}{} [{}, {}]",
            "  ".repeat(depth),
            g.display_name(i),
            kind_label(&m.kind),
            origin_label(m.origin)
        );
        for &c in children[i].iter().rev() {
            stack.push((c, depth + 1));
        }
    }
}

fn print_dot(g: &Graph) {
    println!("digraph imports {{");
    println!("  node [shape=box, fontname=\"monospace\"];");
    for (i, m) in g.modules.iter().enumerate() {
        let color = match (&m.kind, m.origin) {
            (Kind::Missing, _) | (Kind::Extension(_), _) => "red",
            (_, Origin::User) => "black",
            (_, Origin::ThirdParty) => "blue",
            (_, Origin::Stdlib) => "gray50",
        };
        println!(
            "  {i} [label=\"{}\", color=\"{color}\"];",
            g.display_name(i)
        );
    }
    for (i, m) in g.modules.iter().enumerate() {
        for e in &m.imports {
            let style = if e.optional { " [style=dashed]" } else { "" };
            println!("  {i} -> {}{style};", e.to);
        }
    }
    println!("}}");
}

fn to_json(g: &Graph) -> serde_json::Value {
    let modules: Vec<serde_json::Value> = g
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let file = match &m.kind {
                Kind::Source { file, .. } => Some(file.display()),
                Kind::Extension(file) => Some(file.display().to_string()),
                _ => None,
            };
            serde_json::json!({
                "name": g.display_name(i),
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
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m.kind, Kind::Missing | Kind::Extension(_)))
        .map(|(i, m)| {
            let needed = unsatisfied.iter().find(|u| u.module == i);
            serde_json::json!({
                "name": m.name,
                "kind": kind_label(&m.kind),
                "optional": needed.is_none(),
                "delayed": needed.is_some_and(|u| u.delayed),
                "chain": g.chain(i),
            })
        })
        .collect();
    serde_json::json!({ "entry": g.script_name, "modules": modules, "missing": missing })
}
