//! Whether a page takes the streaming tree, why not, and whether that tree
//! is `scraper`'s node for node: hidden helpers for the differential tests
//! and `examples/extract_pages.rs streams`.

use super::tree::{Doc, Edge, Node};

/// Whether [`super::extract`] builds this page's tree from `fasttok`'s tokens
/// ([`super::tree_build::stream`]) rather than falling back to the full
/// algorithm: for tests and measurements.
#[doc(hidden)]
pub fn streams(html: &str) -> bool {
    super::tree_build::stream(html).is_ok()
}

/// Where the streaming tree of `html` differs from the tree `scraper`
/// builds with the full algorithm (element names, attributes in order,
/// text), as the first differing line of an indented dump of each; `None`
/// when they agree or the page does not stream. The referee of
/// `tree_build` in the differential tests.
#[doc(hidden)]
pub fn stream_tree_differs(html: &str) -> Option<String> {
    let streamed = dump(&super::tree_build::stream(html).ok()?);
    let full = full_dump(html);
    let at = streamed
        .iter()
        .zip(&full)
        .position(|(a, b)| a != b)
        .or_else(|| (streamed.len() != full.len()).then_some(streamed.len().min(full.len())))?;
    let line = |v: &[String]| v.get(at).cloned().unwrap_or_else(|| "(end)".to_owned());
    Some(format!(
        "line {at}: streamed {} / full parse {}",
        line(&streamed),
        line(&full)
    ))
}

/// Why [`super::extract`] would parse this page with the full algorithm (`None`
/// when it streams): for `examples/extract_pages.rs streams`.
#[doc(hidden)]
pub fn stream_gives_up(html: &str) -> Option<&'static str> {
    super::tree_build::stream(html).err()
}

/// A tree as indented lines: elements with their attributes (sorted:
/// `scraper` keeps them sorted by name, and no rule depends on their
/// order), text quoted. Shared by [`stream_tree_differs`] and the tree
/// builder's own tests.
pub(super) fn dump(doc: &Doc<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut depth = 0usize;
    for edge in doc.root().traverse() {
        match edge {
            Edge::Open(n) => {
                let pad = "  ".repeat(depth);
                match n.value() {
                    Node::Element(e) => {
                        let mut attrs: Vec<String> =
                            e.attrs().map(|(k, v)| format!(" {k}={v:?}")).collect();
                        attrs.sort();
                        lines.push(format!("{pad}<{}{}>", e.name(), attrs.concat()));
                    }
                    Node::Text(t) => lines.push(format!("{pad}{t:?}")),
                    Node::Document => {}
                }
                depth += 1;
            }
            Edge::Close(_) => depth = depth.saturating_sub(1),
        }
    }
    lines
}

/// [`dump`] of the tree `scraper` builds for `html` (html5ever's full algorithm).
pub(super) fn full_dump(html: &str) -> Vec<String> {
    let parsed = scraper::Html::parse_document(html);
    dump(&Doc::from_scraper(&parsed, false).0)
}
