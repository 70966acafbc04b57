//! The module graph points one way (STYLE.md section 1): this test reads
//! `src/**/*.rs`, collects each top-level module's references to other
//! top-level modules (`use crate::x`, `crate::x::…` paths, grouped
//! `use crate::{a, b::c}`, `super::x` that climbs to the crate root, and
//! `scrape::x` in `main.rs`), and fails on any edge that goes up the layering
//! below, which also rules out every cycle. Test-only code (`#[cfg(test)]`
//! items and `tests.rs` files) is left out: tests may use the demo shop.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Bottom to top; a module may use modules of lower layers only (same layer
/// is not allowed either, so peers stay independent). `record` is plain data
/// and uses no stage, save the one allowed edge below.
const LAYERS: &[&[&str]] = &[
    &["record"],
    &["price"],
    &["extract"],
    &["aggregate", "fetch", "input"],
    &["output", "robots"],
    &["store"],
    &["engine", "progress"],
    &["pipeline", "shutdown"],
    &["cluster"],
    &["bench", "demo"],
    &["cli"],
    &["app"],
    &["lib", "main"],
];

/// Edges that go up the layering on purpose, each with its reason (none today).
const ALLOWED_UP: &[(&str, &str, &str)] = &[];

#[test]
fn module_dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    let rank = |m: &str| LAYERS.iter().position(|layer| layer.contains(&m));
    let mut bad = Vec::new();
    for (from, tos) in &graph {
        let Some(rf) = rank(from) else {
            bad.push(format!("{from}: not in LAYERS (add it where it belongs)"));
            continue;
        };
        for to in tos {
            let Some(rt) = rank(to) else {
                bad.push(format!("{to}: not in LAYERS (used by {from})"));
                continue;
            };
            let allowed = ALLOWED_UP.iter().any(|(f, t, _)| f == from && t == to);
            if rt >= rf && !allowed {
                bad.push(format!("{from} -> {to} goes up or sideways"));
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        bad.push(format!("cycle: {}", cycle.join(" -> ")));
    }
    assert!(
        bad.is_empty(),
        "module layering broken:\n  {}\ngraph:\n{}",
        bad.join("\n  "),
        render(&graph)
    );
}

#[test]
fn the_reader_sees_every_kind_of_reference() {
    let text = "use crate::{a, b::{c, d}};\nuse crate::e::F;\nfn f() { crate::g::h(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::t;\n}\nuse super::s;\n";
    let got = references(text, 1);
    let want: BTreeSet<String> = ["a", "b", "e", "g", "s"].map(String::from).into();
    assert_eq!(got, want);
    // `super::` inside a nested module stays inside the top-level module.
    assert!(references("use super::x;\n", 2).is_empty());
    let cyclic: BTreeMap<String, BTreeSet<String>> = [
        ("a".into(), ["b".into()].into()),
        ("b".into(), ["a".into()].into()),
    ]
    .into();
    assert_eq!(
        find_cycle(&cyclic),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}

/// Top-level module -> the top-level modules its non-test code refers to.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).expect("walked from src");
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        // `#[cfg(test)] mod tests;` (or `tests_visible`, `state_tests` …) in
        // its own file: test code may use the demo shop.
        if parts
            .last()
            .is_some_and(|p| p == "tests" || p.starts_with("tests_") || p.ends_with("_tests"))
        {
            continue;
        }
        let top = parts[0].clone();
        // `src/a.rs` and `src/a/mod.rs` are module `a` (depth 1).
        let depth = parts.len() - usize::from(parts.last().is_some_and(|p| p == "mod"));
        let text = fs::read_to_string(&file).expect("source files are readable");
        let mut refs = references(&text, depth);
        if top == "main" {
            // The binary reaches the library through its crate name.
            refs.extend(references(&text.replace("scrape::", "crate::"), depth));
        }
        refs.retain(|m| *m != top && m != "self");
        graph.entry(top).or_default().extend(refs);
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("src is a directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The top-level modules `text` refers to, leaving out comments and
/// `#[cfg(test)]` items. `depth` is how deep the file's module sits (1 for
/// `src/a.rs`), so `super::` chains that reach the crate root count too.
fn references(text: &str, depth: usize) -> BTreeSet<String> {
    let code = strip_tests(&strip_comments(text));
    let mut found = BTreeSet::new();
    let climb = "super::".repeat(depth);
    for prefix in ["crate::", climb.as_str()] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + prefix.len()..];
            rest = after;
            // `$crate::` and `foo_crate::` are not ours; `super::super::x`
            // at depth 1 is found once, at its first `super::`.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
                continue;
            }
            if let Some(group) = after.strip_prefix('{') {
                found.extend(group_heads(group));
            } else {
                found.insert(ident(after));
            }
        }
    }
    found.retain(|m| !m.is_empty() && m != "super");
    found
}

/// The first path segment of each item of a `{a, b::{c, d}}` group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = vec![ident(group.trim_start())];
    let mut depth = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => heads.push(ident(group[i + 1..].trim_start())),
            _ => {}
        }
    }
    heads
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Drops `//` comments (doc comments included) outside string literals.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut in_str = false;
            let mut prev = ' ';
            for (i, c) in line.char_indices() {
                match c {
                    '"' if prev != '\\' => in_str = !in_str,
                    '/' if !in_str && prev == '/' => return &line[..i - 1],
                    _ => {}
                }
                prev = c;
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Drops each item marked `#[cfg(test)]`: up to its matching `}` or its `;`.
fn strip_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let end = match (item.find('{'), item.find(';')) {
            (Some(open), semi) if semi.is_none_or(|s| open < s) => {
                let mut depth = 0;
                let mut end = item.len();
                for (i, c) in item[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (_, Some(semi)) => semi + 1,
            _ => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// A cycle in the graph, as a path that ends where it starts, if any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut Vec::new(), &mut done))
}

fn render(graph: &BTreeMap<String, BTreeSet<String>>) -> String {
    graph
        .iter()
        .map(|(from, tos)| {
            let tos: Vec<&str> = tos.iter().map(String::as_str).collect();
            format!("  {from} -> {}\n", tos.join(" "))
        })
        .collect()
}
