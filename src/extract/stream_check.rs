//! Whether a page takes the streaming tree, why not, and whether that tree
//! is `scraper`'s node for node: hidden helpers for the differential tests
//! and `examples/extract_pages.rs streams`.

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
    fn dump(doc: &super::tree::Doc<'_>) -> Vec<String> {
        let mut lines = Vec::new();
        let mut depth = 0usize;
        for edge in doc.root().traverse() {
            match edge {
                super::tree::Edge::Open(n) => {
                    let pad = "  ".repeat(depth);
                    match n.value() {
                        super::tree::Node::Element(e) => {
                            // `scraper` keeps attributes sorted by name; no
                            // rule depends on their order.
                            let mut attrs: Vec<String> =
                                e.attrs().map(|(k, v)| format!(" {k}={v:?}")).collect();
                            attrs.sort();
                            lines.push(format!("{pad}<{}{}>", e.name(), attrs.concat()));
                        }
                        super::tree::Node::Text(t) => lines.push(format!("{pad}{t:?}")),
                        super::tree::Node::Document => {}
                    }
                    depth += 1;
                }
                super::tree::Edge::Close(_) => depth = depth.saturating_sub(1),
            }
        }
        lines
    }
    let streamed = dump(&super::tree_build::stream(html).ok()?);
    let full = scraper::Html::parse_document(html);
    let full = dump(&super::tree::Doc::from_scraper(&full, false).0);
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
