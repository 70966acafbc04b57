//! [`stream`]: a [`Doc`] from `fasttok`'s tokens and an element stack,
//! without html5ever (issue 10: its tokenizer, tree builder and `scraper`'s
//! tree cost four fifths of extracting a page that needs a DOM).
//!
//! The stack follows the HTML tree-construction rules (WHATWG "parsing HTML
//! documents", html5ever 0.40 as the oracle) that decide the shape of
//! product pages: implied `<html>` / `<head>` / `<body>` (head-only tags
//! before the body go into the head), void elements, raw-text elements (the
//! tokenizer is switched as the spec's tree builder would), implied ends of
//! `p`, `li`, `dd`/`dt`, `option`, headings, table cells and rows, implied
//! `<tbody>` / `<tr>` / `<colgroup>`, table tags outside a table ignored,
//! `</br>` and a stray `</p>` read as elements, end tags matched within their
//! scope, foreign (`svg`, `math`) content with self-closing tags, the form
//! element pointer (which raw-text state follows a start tag is `fasttok`'s
//! part); the list of active formatting elements, which reopens formatting
//! elements closed implicitly and runs the adoption agency for misnested
//! ones (`format`); content fostered out of tables and the table modes
//! (`table`). What it does not model it detects and gives up on ([`stream`]
//! returns `Err` with the reason, and `extract` parses that page with the
//! full algorithm): content to foster where a template holds the table,
//! tags inside `<select>`, and whatever `fasttok` gives up on. The tests
//! (`tree_build/tests.rs`: node for node; tests/it/differential.rs: what
//! extraction decides) hold the result to `scraper`'s tree.

use super::fasttok::{self, Attr, Sink};
use super::tree::{Doc, NodeId, NONE};
use super::tree_tags::{is, kind};
use std::borrow::Cow;

mod end_tags;
mod format;
mod stack;
mod table;

/// Parses `html` into a [`Doc`]; `Err` with the reason where the page needs
/// a rule this builder or `fasttok` does not model (the caller then parses
/// with the full algorithm).
pub(super) fn stream(html: &str) -> Result<Doc<'_>, &'static str> {
    let mut b = Builder::new(Doc::with_capacity(html.len()));
    // Tokenizing stops at the first construct the builder does not model
    // (each `Sink` method returns `false` once `unsure` is set): the page
    // is then parsed again in full, and the rest need not be read.
    fasttok::tokenize_into(html, &mut b).map_err(|e| b.unsure.unwrap_or(e.reason))?;
    b.flush_table_text();
    if let Some(why) = b.unsure {
        return Err(why);
    }
    // html5ever's end of input: an empty page still gets `<html>`, `<head>`
    // and `<body>`.
    if b.mode != Mode::InBody {
        b.start_body(None);
    }
    Ok(b.doc)
}

/// The tokens, straight into the rules. Text held as table text goes in
/// before any other token.
impl<'a> Sink<'a> for Builder<'a> {
    fn start_tag(&mut self, name: Cow<'a, str>, attrs: &[Attr<'a>], self_closing: bool) -> bool {
        self.flush_table_text();
        self.start(Tag {
            kind: kind(&name),
            name,
            attrs,
            self_closing,
        });
        self.unsure.is_none()
    }

    fn end_tag(&mut self, name: Cow<'a, str>) -> bool {
        self.flush_table_text();
        self.end(&name);
        self.unsure.is_none()
    }

    fn text(&mut self, t: Cow<'a, str>) -> bool {
        self.add_text(t);
        self.unsure.is_none()
    }

    fn comment(&mut self, _: Cow<'a, str>) -> bool {
        self.flush_table_text();
        self.unsure.is_none()
    }

    fn doctype(
        &mut self,
        _: Cow<'a, str>,
        _: Option<Cow<'a, str>>,
        _: Option<Cow<'a, str>>,
    ) -> bool {
        self.flush_table_text();
        self.doctype = true;
        self.unsure.is_none()
    }
}

/// A start tag as the builder places it (its attributes lent by `fasttok`).
struct Tag<'a, 't> {
    name: Cow<'a, str>,
    /// The name's [`is`] bits.
    kind: u32,
    attrs: &'t [Attr<'a>],
    self_closing: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    #[default]
    Initial,
    InHead,
    AfterHead,
    InBody,
}

/// An open element on the builder's stack.
#[derive(Clone, Copy)]
struct Open {
    id: NodeId,
    /// The element's [`is`] bits.
    kind: u32,
    /// Foreign (`svg`, `math` and below).
    foreign: bool,
}

struct Builder<'a> {
    doc: Doc<'a>,
    /// Open elements, innermost last (the `Doc` root is not on it): one
    /// vector of entries, so a push or pop is one bounds check, not three.
    stack: Vec<Open>,
    mode: Mode,
    html: Option<NodeId>,
    head: Option<NodeId>,
    body: Option<NodeId>,
    /// Open `<p>` and `<select>` elements: most tags ask whether one is
    /// open, and most pages have none.
    open_p: u32,
    open_select: u32,
    /// A `<!DOCTYPE>` was seen (without one, tables do not close `<p>`).
    doctype: bool,
    /// The open `<form>` (the spec's form element pointer): a nested
    /// `<form>` is ignored and `</form>` closes this one wherever it is.
    form: Option<NodeId>,
    /// The list of active formatting elements (`format::MARKER` for a
    /// marker), oldest first.
    fmt: Vec<NodeId>,
    /// A construct this builder does not model was met (fostering into a
    /// template, `<select>` filtering): why.
    unsure: Option<&'static str>,
    /// Text straight in a table, held until the next other token (the spec's
    /// "in table text"): whitespace only stays in the table, anything else
    /// is all fostered out of it.
    table_text: Vec<Cow<'a, str>>,
    /// Drop one newline at the start of the next text (`pre`, `textarea`, `listing`).
    skip_lf: bool,
}

impl<'a> Builder<'a> {
    fn new(doc: Doc<'a>) -> Self {
        Builder {
            doc,
            stack: Vec::new(),
            mode: Mode::Initial,
            html: None,
            head: None,
            body: None,
            open_p: 0,
            open_select: 0,
            doctype: false,
            form: None,
            fmt: Vec::new(),
            unsure: None,
            table_text: Vec::new(),
            skip_lf: false,
        }
    }

    /// Appends `tag`'s element as the last child of `parent`.
    fn append_element(&mut self, parent: NodeId, tag: Tag<'a, '_>) -> NodeId {
        let id = self.doc.create_element(&tag.name, tag.kind, tag.attrs);
        self.doc.append_node(parent, id);
        id
    }

    /// Appends an element the rules imply (`<tbody>`, `<body>`, ...), which
    /// has no attributes.
    fn implied(&mut self, parent: NodeId, name: &'static str) -> NodeId {
        let id = self
            .doc
            .create_element(&Cow::Borrowed(name), kind(name), &[]);
        self.doc.append_node(parent, id);
        id
    }

    fn ensure_html(&mut self) -> NodeId {
        if let Some(h) = self.html {
            return h;
        }
        let h = self.implied(0, "html");
        self.html = Some(h);
        self.push_html(h);
        h
    }

    fn ensure_head(&mut self) -> NodeId {
        let html = self.ensure_html();
        if let Some(h) = self.head {
            return h;
        }
        let h = self.implied(html, "head");
        self.head = Some(h);
        self.push_html(h);
        self.mode = Mode::InHead;
        h
    }

    /// Leaves the head and opens `<body>` (implied unless `tag` is given).
    fn start_body(&mut self, tag: Option<Tag<'a, '_>>) {
        self.ensure_head();
        self.pop_to(1);
        let html = self.ensure_html();
        let b = match tag {
            Some(t) => self.append_element(html, t),
            None => self.implied(html, "body"),
        };
        self.body = Some(b);
        self.push_html(b);
        self.mode = Mode::InBody;
    }

    fn insert(&mut self, parent: NodeId, tag: &Tag<'a, '_>) {
        let foreign = self.in_foreign() || tag.kind & is::FOREIGN_ROOT != 0;
        // A table holds an `<input>` only if it is hidden.
        let table_own = |tag: &Tag<'_, '_>| {
            tag.kind & is::TABLE_OWN != 0 && (tag.name != "input" || hidden(tag))
        };
        // Foster parenting: an element straight in a table goes before it
        // (and stays open there: what follows goes into it, in table mode).
        let before = if table_own(tag) {
            None
        } else {
            self.foster_before()
        };
        // Void elements are HTML's; foreign ones close only when self-closing.
        let stays_open = if foreign {
            !tag.self_closing
        } else {
            tag.kind & is::VOID == 0
        };
        // `fasttok` reads the text after `<textarea>` as raw text already;
        // the tree builder drops a newline right after these three.
        let skip_lf = !foreign && tag.kind & is::SKIP_LF != 0;
        let kind = tag.kind;
        let id = self.doc.create_element(&tag.name, tag.kind, tag.attrs);
        match before {
            Some(table) => self.doc.link_before(table, id),
            None => self.doc.append_node(parent, id),
        }
        if stays_open {
            self.push(id, kind, foreign);
            self.skip_lf = skip_lf;
        }
        if !foreign && kind & is::FORMATTING != 0 {
            self.push_formatting(id);
        } else if !foreign && kind & is::MARKER != 0 {
            self.fmt.push(format::MARKER);
        }
    }

    fn start(&mut self, tag: Tag<'a, '_>) {
        self.skip_lf = false;
        let name: &str = &tag.name;
        if name == "html" {
            let html = self.ensure_html();
            self.doc.merge_attrs(html, tag.attrs);
            return;
        }
        if self.mode != Mode::InBody {
            match name {
                "head" if self.head.is_none() => {
                    let html = self.ensure_html();
                    let h = self.append_element(html, tag);
                    self.head = Some(h);
                    self.push_html(h);
                    self.mode = Mode::InHead;
                    return;
                }
                "head" => return,
                // After `</head>`, `<noscript>` starts the body.
                _ if tag.kind & is::HEAD_ONLY != 0
                    && !(self.mode == Mode::AfterHead && name == "noscript") =>
                {
                    let head = self.ensure_head();
                    // Inside a head element (`<noscript>` in the head) or the head itself.
                    let parent = if self.mode == Mode::InHead {
                        self.top()
                    } else {
                        head
                    };
                    return self.insert(parent, &tag);
                }
                "body" => {
                    self.start_body(Some(tag));
                    return;
                }
                _ => self.start_body(None),
            }
        }
        self.start_in_body(tag)
    }

    fn start_in_body(&mut self, tag: Tag<'a, '_>) {
        let name: &str = &tag.name;
        if self.top_has(is::COLGROUP) && name != "col" && name != "template" {
            self.leave_colgroup();
        }
        if name == "body" {
            if let Some(b) = self.body {
                self.doc.merge_attrs(b, tag.attrs);
            }
            return;
        }
        if matches!(name, "head" | "frameset") {
            return;
        }
        if self.in_foreign() {
            let breakout = tag.kind & is::BREAKOUT != 0
                || (name == "font"
                    && tag
                        .attrs
                        .iter()
                        .any(|a| matches!(&*a.name, "color" | "face" | "size")));
            if !breakout {
                let top = self.top();
                return self.insert(top, &tag);
            }
            while self.in_foreign() && self.stack.len() > 1 {
                self.pop();
            }
        }
        if self.open_select > 0 && !matches!(name, "option" | "optgroup") {
            // `<select>` drops most tags inside it.
            self.unsure = Some("tag inside select");
        }
        match name {
            "li" | "dd" | "dt" => {
                let same: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
                for i in (0..self.stack.len()).rev() {
                    let n = self.name(self.stack[i].id);
                    if same.contains(&n) {
                        self.pop_to(i);
                        break;
                    }
                    if self.stack[i].kind & is::SPECIAL != 0
                        && !matches!(n, "address" | "div" | "p")
                    {
                        break;
                    }
                }
                self.close_p();
            }
            "form" => {
                if self.form.is_some() {
                    return;
                }
                let in_table = self.table_mode();
                if !in_table {
                    self.close_p();
                }
                let top = self.top();
                let id = self.append_element(top, tag);
                self.form = Some(id);
                if in_table {
                    // A form straight in a table is an empty marker.
                    return;
                }
                self.push_html(id);
                return;
            }
            "table" => {
                if self.table_mode() {
                    // A table straight in a table ends the outer one.
                    if let Some(i) = self.open_named("table") {
                        self.pop_to(i);
                    }
                } else if self.doctype {
                    self.close_p();
                }
            }
            _ if tag.kind & is::CLOSES_P != 0 => {
                self.close_p();
                if tag.kind & is::HEADING != 0 && self.top_has(is::HEADING) {
                    self.pop();
                }
            }
            "a" => self.close_open_a(),
            "nobr" => {
                self.reconstruct();
                self.close_open_nobr();
            }
            "button" => {
                if let Some(i) = self.in_scope(&["button"], &[]) {
                    self.pop_to(i);
                }
            }
            "option" if self.top_is(&["option"]) => self.pop(),
            "optgroup" => {
                if self.top_is(&["option"]) {
                    self.pop();
                }
                if self.top_is(&["optgroup"]) {
                    self.pop();
                }
            }
            "tr" | "td" | "th" | "tbody" | "thead" | "tfoot" | "caption" | "colgroup" | "col" => {
                // Outside a table these tags are ignored (their text stays).
                if self.table_in_scope("table").is_none() {
                    return;
                }
                let keep: &[&str] = match name {
                    "td" | "th" => &["tr", "table", "tbody", "thead", "tfoot"],
                    "tr" => &["table", "tbody", "thead", "tfoot"],
                    // Columns go on in an open column group.
                    "col" => &["table", "colgroup"],
                    _ => &["table"],
                };
                let kept = self
                    .stack
                    .iter()
                    .rposition(|o| keep.contains(&self.name(o.id)));
                self.pop_down(kept.map_or(1, |k| k + 1), false);
                let top = self.top();
                if matches!(name, "tr" | "td" | "th") && self.top_is(&["table"]) {
                    let id = self.implied(top, "tbody");
                    self.push_html(id);
                }
                if matches!(name, "td" | "th") && self.top_is(&["tbody", "thead", "tfoot"]) {
                    let top = self.top();
                    let id = self.implied(top, "tr");
                    self.push_html(id);
                }
                if name == "col" && self.top_is(&["table"]) {
                    let top = self.top();
                    let id = self.implied(top, "colgroup");
                    self.push_html(id);
                }
            }
            _ => {}
        }
        // In a table mode a hidden `<input>` is the table's own: inserted
        // without the body's rules, so nothing reopens.
        let table_input = name == "input" && hidden(&tag) && self.table_mode();
        if tag.kind & is::NO_RECONSTRUCT == 0 && !table_input {
            self.reconstruct();
        }
        let top = self.top();
        self.insert(top, &tag)
    }

    /// `true` when the text is held back as table text (see `table_text`).
    fn text_rules(&mut self, t: &mut Cow<'a, str>) -> bool {
        if self.top_has(is::COLGROUP) && !self.stack.last().is_some_and(|o| o.foreign) {
            if t.chars().all(is_ws) {
                return false; // whitespace goes into the column group as is
            }
            // Leading whitespace stays in the column group; the rest closes it.
            let ws = t.len() - t.trim_start_matches(is_ws).len();
            if ws > 0 {
                let top = self.top();
                self.doc.append_text(top, Cow::Owned(t[..ws].to_owned()));
                *t = cut(std::mem::take(t), ws);
            }
            self.leave_colgroup();
        }
        if self.foster().is_some() {
            return true;
        }
        if !self.in_foreign() && !self.top_has(is::RAW_TEXT) {
            // Body text (not a raw-text element's): what was closed implicitly reopens.
            self.reconstruct();
        }
        false
    }

    fn add_text(&mut self, t: Cow<'a, str>) {
        let mut t = t;
        if std::mem::take(&mut self.skip_lf) && t.starts_with('\n') {
            t = cut(t, 1);
        }
        if t.is_empty() {
            return;
        }
        if self.mode != Mode::InBody {
            let top = self.top();
            let in_head_element = top != self.html.unwrap_or(NONE)
                && top != self.head.unwrap_or(NONE)
                && self.stack.len() > 1;
            if in_head_element {
                self.doc.append_text(top, t);
                return;
            }
            let ws = t.len() - t.trim_start_matches(is_ws).len();
            if ws > 0 && self.mode != Mode::Initial {
                let top = self.top();
                self.doc.append_text(top, Cow::Owned(t[..ws].to_owned()));
            }
            if ws == t.len() {
                return;
            }
            self.start_body(None);
            t = cut(t, ws);
        }
        // Most text lands in an ordinary open element with nothing to reopen.
        if (self.top_has(is::COLGROUP | is::TABLE_CONTEXT | is::RAW_TEXT) || !self.fmt.is_empty())
            && self.text_rules(&mut t)
        {
            self.table_text.push(t);
            return;
        }
        let top = self.top();
        self.doc.append_text(top, t);
    }
}

/// An `<input type=hidden>`.
fn hidden(tag: &Tag<'_, '_>) -> bool {
    tag.attrs
        .iter()
        .any(|a| a.name == "type" && a.value.eq_ignore_ascii_case("hidden"))
}

/// `t` from byte `from` on, still borrowed from the page if it was.
fn cut(t: Cow<'_, str>, from: usize) -> Cow<'_, str> {
    match t {
        Cow::Borrowed(s) => Cow::Borrowed(&s[from..]),
        Cow::Owned(s) => Cow::Owned(s[from..].to_owned()),
    }
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r')
}

#[cfg(test)]
mod tests;
