//! [`stream`]: a [`Doc`] from `fasttok`'s tokens and an element stack,
//! without html5ever (issue 10: its tokenizer, tree builder and `scraper`'s
//! tree cost four fifths of extracting a page that needs a DOM).
//!
//! The stack follows the HTML tree-construction rules that decide the shape
//! of product pages: implied `<html>` / `<head>` / `<body>` (head-only tags
//! before the body go into the head), void elements, raw-text elements (the
//! tokenizer is switched as the spec's tree builder would), implied ends of
//! `p`, `li`, `dd`/`dt`, `option`, headings, table cells and rows, implied
//! `<tbody>` / `<tr>` / `<colgroup>`, table tags outside a table ignored,
//! `</br>` and a stray `</p>` read as elements, end tags matched within their
//! scope, foreign (`svg`, `math`) content with self-closing tags, the form
//! element pointer (which raw-text state follows a start tag is `fasttok`'s
//! part). What it does not model it detects and gives up on ([`stream`]
//! returns `None`, and `extract` parses that page with the full algorithm):
//! formatting elements closed implicitly (the spec reopens them) or misnested
//! around blocks (the adoption agency), foster parenting out of tables, tags
//! inside `<select>`, and whatever `fasttok` gives up on. The differential
//! tests (tests/it/differential.rs) hold the result to `scraper`'s tree.

use super::fasttok::{self, Attr, Token};
use super::tree::{Doc, Element, Node, NodeId, NONE};
use super::tree_tags::{is, kind};
use std::borrow::Cow;

mod format;
mod table;

/// Parses `html` into a [`Doc`]; `Err` with the reason where the page needs
/// a rule this builder or `fasttok` does not model (the caller then parses
/// with the full algorithm).
pub(super) fn stream(html: &str) -> Result<Doc<'_>, &'static str> {
    let mut b = Builder::default();
    // Tokenizing stops at the first construct the builder does not model:
    // the page is then parsed again in full, and the rest need not be read.
    fasttok::tokenize_while(html, |token| {
        if !b.table_text.is_empty() && !matches!(token, Token::Text(_)) {
            b.flush_table_text();
        }
        match token {
            Token::StartTag {
                name,
                attrs,
                self_closing,
            } => b.start(Tag {
                kind: kind(&name),
                name,
                attrs,
                self_closing,
            }),
            Token::EndTag { name } => b.end(&name, kind(&name)),
            Token::Text(t) => b.text(t),
            Token::Doctype { .. } => b.doctype = true,
            Token::Comment(_) => {}
        }
        b.unsure.is_none()
    })
    .map_err(|e| b.unsure.unwrap_or(e.reason))?;
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

/// A start tag as the builder places it.
struct Tag<'a> {
    name: Cow<'a, str>,
    /// The name's [`is`] bits.
    kind: u32,
    attrs: Vec<Attr<'a>>,
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

#[derive(Default)]
struct Builder<'a> {
    doc: Doc<'a>,
    /// Open elements, innermost last (the `Doc` root is not on it).
    stack: Vec<NodeId>,
    mode: Mode,
    html: Option<NodeId>,
    head: Option<NodeId>,
    body: Option<NodeId>,
    /// Whether each open element is foreign (`svg`, `math` and below).
    ns: Vec<bool>,
    /// Each open element's [`is`] bits.
    kinds: Vec<u32>,
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
    /// A construct this builder does not model was met: foster parenting,
    /// `<select>` filtering.
    unsure: Option<&'static str>,
    /// Text straight in a table, held until the next other token (the spec's
    /// "in table text"): whitespace only stays in the table, anything else
    /// is all fostered out of it.
    table_text: Vec<Cow<'a, str>>,
    /// Drop one newline at the start of the next text (`pre`, `textarea`, `listing`).
    skip_lf: bool,
}

impl Default for Doc<'_> {
    fn default() -> Self {
        Doc::new()
    }
}

impl<'a> Builder<'a> {
    fn name(&self, id: NodeId) -> &str {
        self.doc.element(id).map_or("", Element::name)
    }

    fn top(&self) -> NodeId {
        self.stack.last().copied().unwrap_or(0)
    }

    fn top_is(&self, names: &[&str]) -> bool {
        self.stack
            .last()
            .is_some_and(|&t| names.contains(&self.name(t)))
    }

    /// The current node has one of `bits`.
    fn top_has(&self, bits: u32) -> bool {
        self.kinds.last().is_some_and(|k| k & bits != 0)
    }

    fn pop(&mut self) {
        if self.stack.len() <= 1 {
            return; // `<html>` stays
        }
        self.remove(self.stack.len() - 1);
    }

    /// Takes the open element at stack index `i` off the stack.
    fn remove(&mut self, i: usize) {
        let kind = if i + 1 == self.stack.len() {
            self.stack.pop();
            self.ns.pop();
            self.kinds.pop().unwrap_or(0)
        } else {
            self.stack.remove(i);
            self.ns.remove(i);
            self.kinds.remove(i)
        };
        self.count(kind, false);
    }

    fn push_html(&mut self, id: NodeId) {
        self.push(id, false);
    }

    fn push(&mut self, id: NodeId, foreign: bool) {
        // Names are matched whatever their namespace, as the lists are.
        let kind = self.doc.element(id).map_or(0, |e| e.kind);
        self.stack.push(id);
        self.ns.push(foreign);
        self.kinds.push(kind);
        self.count(kind, true);
    }

    /// Puts the HTML element `id` on the stack at index `i`.
    fn insert_open(&mut self, i: usize, id: NodeId) {
        // Names are matched whatever their namespace, as the lists are.
        let kind = self.doc.element(id).map_or(0, |e| e.kind);
        self.stack.insert(i, id);
        self.ns.insert(i, false);
        self.kinds.insert(i, kind);
        self.count(kind, true);
    }

    /// Keeps `open_p` and `open_select` as elements are opened and closed.
    fn count(&mut self, kind: u32, opened: bool) {
        for (bit, n) in [
            (is::P, &mut self.open_p),
            (is::SELECT, &mut self.open_select),
        ] {
            if kind & bit != 0 {
                *n = if opened { *n + 1 } else { n.saturating_sub(1) };
            }
        }
    }

    /// The current node is foreign and not an HTML integration point (where
    /// HTML tags are HTML again).
    fn in_foreign(&self) -> bool {
        self.ns.last().copied().unwrap_or(false) && !self.top_has(is::INTEGRATION)
    }

    /// Pops up to and including the element at stack index `i` (its end
    /// tag, or one that closes it).
    fn pop_to(&mut self, i: usize) {
        self.pop_down(i, true);
    }

    /// Pops the elements from stack index `i` up; `closes_i` when that is
    /// closing the element at `i` by its own end tag (not clearing the
    /// stack back to a table part, which pops what was fostered).
    fn pop_down(&mut self, i: usize, closes_i: bool) {
        let i = i.max(1);
        // Closing a cell or caption, or an `applet` / `marquee` / `object` /
        // template by its end tag, clears the formatting list to the last
        // marker, once (however many markers what it holds put there).
        let clear = !self.fmt.is_empty()
            && i < self.stack.len()
            && ((closes_i && self.kinds[i] & is::MARKER != 0 && !self.ns[i])
                || (i..self.stack.len()).any(|j| self.kinds[j] & is::CELL != 0 && !self.ns[j]));
        while self.stack.len() > i {
            self.pop();
        }
        if clear {
            self.clear_to_marker();
        }
    }

    /// Stack index of the innermost open `table` within table scope.
    fn table_in_scope(&self, name: &str) -> Option<usize> {
        for (i, &id) in self.stack.iter().enumerate().rev() {
            if self.name(id) == name {
                return Some(i);
            }
            if self.kinds[i] & is::TABLE_BOUNDARY != 0 {
                return None;
            }
        }
        None
    }

    /// Stack index of the innermost open `names` element within a scope
    /// bounded by `SCOPE` plus `extra`.
    fn in_scope(&self, names: &[&str], extra: &[&str]) -> Option<usize> {
        for (i, &id) in self.stack.iter().enumerate().rev() {
            let n = self.name(id);
            if names.contains(&n) {
                return Some(i);
            }
            if self.kinds[i] & is::SCOPE != 0 || extra.contains(&n) {
                return None;
            }
        }
        None
    }

    fn close_p(&mut self) {
        if self.open_p == 0 {
            return;
        }
        if let Some(i) = self.in_scope(&["p"], &["button"]) {
            self.pop_to(i);
        }
    }

    fn ensure_html(&mut self) -> NodeId {
        if let Some(h) = self.html {
            return h;
        }
        let h = self.doc.append(0, implied("html"));
        self.html = Some(h);
        self.push_html(h);
        h
    }

    fn ensure_head(&mut self) -> NodeId {
        let html = self.ensure_html();
        if let Some(h) = self.head {
            return h;
        }
        let h = self.doc.append(html, implied("head"));
        self.head = Some(h);
        self.push_html(h);
        self.mode = Mode::InHead;
        h
    }

    /// Leaves the head and opens `<body>` (implied unless `tag` is given).
    fn start_body(&mut self, tag: Option<Tag<'a>>) {
        self.ensure_head();
        self.pop_to(1);
        let html = self.ensure_html();
        let node = match tag {
            Some(t) => element(t),
            None => implied("body"),
        };
        let b = self.doc.append(html, node);
        self.body = Some(b);
        self.push_html(b);
        self.mode = Mode::InBody;
    }

    fn insert(&mut self, parent: NodeId, tag: Tag<'a>) {
        let name: &str = &tag.name;
        let foreign = self.in_foreign() || matches!(name, "svg" | "math");
        // A table holds an `<input>` only if it is hidden.
        let table_own =
            |tag: &Tag<'_>| tag.kind & is::TABLE_OWN != 0 && (tag.name != "input" || hidden(tag));
        // Foster parenting: an element straight in a table goes before it
        // (and stays open there: what follows goes into it, in table mode).
        let before = if table_own(&tag) {
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
        let skip_lf = !foreign && matches!(name, "textarea" | "pre" | "listing");
        let kind = tag.kind;
        let id = match before {
            Some(table) => self.doc.insert_before(table, element(tag)),
            None => self.doc.append(parent, element(tag)),
        };
        if stays_open {
            self.push(id, foreign);
            self.skip_lf = skip_lf;
        }
        if !foreign && kind & is::FORMATTING != 0 {
            self.push_formatting(id);
        } else if !foreign && kind & is::MARKER != 0 {
            self.fmt.push(format::MARKER);
        }
    }

    fn start(&mut self, tag: Tag<'a>) {
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
                    let h = self.doc.append(html, element(tag));
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
                    return self.insert(parent, tag);
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

    fn start_in_body(&mut self, tag: Tag<'a>) {
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
                return self.insert(top, tag);
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
                    let n = self.name(self.stack[i]);
                    if same.contains(&n) {
                        self.pop_to(i);
                        break;
                    }
                    if self.kinds[i] & is::SPECIAL != 0 && !matches!(n, "address" | "div" | "p") {
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
                let id = self.doc.append(top, element(tag));
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
                    if let Some(i) = self.stack.iter().rposition(|&id| self.name(id) == "table") {
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
                    .rposition(|&id| keep.contains(&self.name(id)));
                self.pop_down(kept.map_or(1, |k| k + 1), false);
                let top = self.top();
                if matches!(name, "tr" | "td" | "th") && self.top_is(&["table"]) {
                    let id = self.doc.append(top, implied("tbody"));
                    self.push_html(id);
                }
                if matches!(name, "td" | "th") && self.top_is(&["tbody", "thead", "tfoot"]) {
                    let top = self.top();
                    let id = self.doc.append(top, implied("tr"));
                    self.push_html(id);
                }
                if name == "col" && self.top_is(&["table"]) {
                    let top = self.top();
                    let id = self.doc.append(top, implied("colgroup"));
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
        self.insert(top, tag)
    }

    fn end(&mut self, name: &str, kind: u32) {
        self.skip_lf = false;
        match name {
            "head" if matches!(self.mode, Mode::Initial | Mode::InHead) => {
                // Before any `<head>`, `</head>` implies one.
                self.ensure_head();
                if let Some(i) = self.stack.iter().rposition(|&id| Some(id) == self.head) {
                    self.pop_to(i);
                }
                self.mode = Mode::AfterHead;
                return;
            }
            "body" | "html" | "br" => {
                if self.mode != Mode::InBody {
                    self.start_body(None);
                }
                if name != "br" {
                    return;
                }
            }
            _ => {}
        }
        if self.mode != Mode::InBody {
            // Closing a head element (`</title>`, `</script>`), else stray.
            if let Some(i) = self.stack.iter().rposition(|&id| self.name(id) == name) {
                if i >= 1 {
                    self.pop_to(i);
                }
            }
            return;
        }
        if self.top_has(is::COLGROUP) && !self.ns.last().copied().unwrap_or(false) {
            match name {
                "col" => return,
                "colgroup" | "template" => {}
                _ => self.leave_colgroup(),
            }
        }
        if self.ns.last().copied().unwrap_or(false) {
            // End tags in foreign content close foreign elements by name.
            if matches!(name, "br" | "p") {
                while self.in_foreign() && self.stack.len() > 1 {
                    self.pop();
                }
            } else {
                for i in (1..self.stack.len()).rev() {
                    if !self.ns[i] {
                        break; // the HTML rules below handle it
                    }
                    if self.name(self.stack[i]).eq_ignore_ascii_case(name) {
                        self.pop_to(i);
                        return;
                    }
                }
            }
        }
        match name {
            "form" => {
                let Some(form) = self.form.take() else { return };
                let open = self.in_scope(&["form"], &[]);
                if let Some(i) = open.filter(|&i| self.stack[i] == form) {
                    // Implied end tags close first (`<p>`, `<li>`, ...); then
                    // only the form leaves the stack, what it holds stays open.
                    while self.stack.len() > i + 1
                        && !self.ns.last().copied().unwrap_or(true)
                        && matches!(
                            self.name(self.top()),
                            "p" | "li"
                                | "dd"
                                | "dt"
                                | "option"
                                | "optgroup"
                                | "rb"
                                | "rp"
                                | "rt"
                                | "rtc"
                        )
                    {
                        self.pop();
                    }
                    self.remove(i);
                }
            }
            // Read as `<br>`, which reopens formatting elements first.
            "br" => self.start_in_body(Tag {
                name: Cow::Borrowed("br"),
                kind,
                attrs: Vec::new(),
                self_closing: false,
            }),
            "p" => match (self.open_p > 0)
                .then(|| self.in_scope(&["p"], &["button"]))
                .flatten()
            {
                Some(i) => self.pop_to(i),
                None => {
                    if self.foster().is_some() {
                        // The empty `<p>` would be fostered out of the table.
                        self.unsure = Some("foster parenting");
                    }
                    let top = self.top();
                    self.doc.append(top, implied("p"));
                }
            },
            _ if kind & is::HEADING != 0 => {
                // The innermost open heading, unless a scope boundary comes first.
                let open = (0..self.stack.len())
                    .rev()
                    .find(|&i| self.kinds[i] & (is::HEADING | is::SCOPE) != 0);
                if let Some(i) = open.filter(|&i| self.kinds[i] & is::HEADING != 0) {
                    self.pop_to(i);
                }
            }
            "li" => {
                if let Some(i) = self.in_scope(&["li"], &["ol", "ul"]) {
                    self.pop_to(i);
                }
            }
            "tr" | "td" | "th" | "tbody" | "thead" | "tfoot" | "table" | "caption" | "colgroup" => {
                if let Some(i) = self.table_in_scope(name) {
                    self.pop_to(i);
                } else if name == "table" {
                    if let Some(i) = self.stack.iter().rposition(|&id| self.name(id) == "table") {
                        self.pop_to(i);
                    }
                }
            }
            n if kind & is::BLOCK_END != 0 => {
                if let Some(i) = self.in_scope(&[n], &[]) {
                    self.pop_to(i);
                }
            }
            n if kind & is::FORMATTING != 0 => self.adoption_agency(n),
            _ => self.end_other(name),
        }
    }

    /// The "any other end tag" rule: closes the innermost open `name` unless
    /// a special element comes first.
    fn end_other(&mut self, name: &str) {
        for i in (1..self.stack.len()).rev() {
            let n = self.name(self.stack[i]);
            if n == name {
                self.pop_to(i);
                return;
            }
            if self.kinds[i] & is::SPECIAL != 0 && !self.ns[i] {
                return;
            }
        }
    }

    /// `true` when the text is held back as table text (see `table_text`).
    fn text_rules(&mut self, t: &mut Cow<'a, str>) -> bool {
        if self.top_has(is::COLGROUP) && !t.chars().all(is_ws) {
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

    fn text(&mut self, t: Cow<'a, str>) {
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
fn hidden(tag: &Tag<'_>) -> bool {
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

fn element(tag: Tag<'_>) -> Node<'_> {
    Node::Element(Element {
        name: tag.name,
        attrs: tag.attrs,
        kind: tag.kind,
    })
}

/// An element the rules imply (`<tbody>`, `<body>`, ...): no attributes.
fn implied(name: &'static str) -> Node<'static> {
    Node::Element(Element {
        name: Cow::Borrowed(name),
        attrs: Vec::new(),
        kind: kind(name),
    })
}

#[cfg(test)]
mod tests;
