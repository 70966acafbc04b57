//! The single walk over the parsed page: classifies each element once (struck,
//! related section, chrome, main block, hidden, screen-reader copy, ...) and
//! hands it to `items` (microdata, RDFa), `meta` and `heuristic`.
//!
//! Class and id vocabulary lives in `classes`. Also owns the DOM helpers those
//! share: text collection, the title, and the short CSS-like path used for
//! `--explain` locations.

use super::tree::{Doc, Edge, Node, NodeId, NodeRef};
use super::visible_text::rejected_as_written;
use super::{heuristic, items::Items, meta::Meta, Cand};
use crate::price::iso_code;

pub(super) type DomNode<'a> = NodeRef<'a>;

pub(super) use super::classes::{classify_text, flag};
use flag::*;

/// The attributes the walk looks at, read in one pass over the element's list.
#[derive(Default)]
pub(super) struct Attrs<'a> {
    pub class: Option<&'a str>,
    pub id: Option<&'a str>,
    pub itemprop: Option<&'a str>,
    pub itemscope: bool,
    pub itemtype: Option<&'a str>,
    pub property: Option<&'a str>,
    pub typeof_: Option<&'a str>,
    pub vocab: Option<&'a str>,
    pub content: Option<&'a str>,
    pub name: Option<&'a str>,
    pub href: Option<&'a str>,
    pub src: Option<&'a str>,
    pub value: Option<&'a str>,
    pub datetime: Option<&'a str>,
    style: Option<&'a str>,
    hidden: bool,
    aria_hidden: bool,
    data_price_type: Option<&'a str>,
    data_strike: bool,
}

impl<'a> Attrs<'a> {
    fn read(el: super::tree::Element<'a>) -> Self {
        let mut a = Attrs::default();
        for (k, v) in el.attrs() {
            match k {
                "class" => a.class = Some(v),
                "id" => a.id = Some(v),
                "itemprop" => a.itemprop = Some(v),
                "itemscope" => a.itemscope = true,
                "itemtype" => a.itemtype = Some(v),
                "property" => a.property = Some(v),
                "typeof" => a.typeof_ = Some(v),
                "vocab" => a.vocab = Some(v),
                "content" => a.content = Some(v),
                "name" => a.name = Some(v),
                "href" => a.href = Some(v),
                "src" => a.src = Some(v),
                "value" => a.value = Some(v),
                "datetime" => a.datetime = Some(v),
                "style" => a.style = Some(v),
                "hidden" => a.hidden = true,
                "aria-hidden" => a.aria_hidden = v.trim().eq_ignore_ascii_case("true"),
                "data-price-type" => a.data_price_type = Some(v),
                "data-a-strike" => a.data_strike = v.trim() == "true",
                _ => {}
            }
        }
        a
    }
}

impl Attrs<'_> {
    /// Whether the element opens or feeds a microdata or RDFa item.
    pub(super) fn marks_items(&self) -> bool {
        self.itemscope
            || self.itemprop.is_some()
            || self.vocab.is_some()
            || self.typeof_.is_some()
            || self.property.is_some()
    }
}

/// What the walk hands back to `extract`.
pub(super) struct Scan {
    pub title: Option<String>,
    pub cands: Vec<Cand>,
    /// The first currency any DOM structured source states.
    pub page_currency: Option<&'static str>,
}

#[derive(Clone, Copy)]
struct Frame {
    flags: u32,
    md: Option<u32>,
    rdfa: Option<u32>,
    vocab_schema: bool,
    /// Index of the nearest enclosing visible-price candidate.
    cand: Option<u32>,
    /// 2 on the `<h1>`'s parent, 1 on its grandparent.
    near_h1: u8,
}

/// Walks the document once and gathers every DOM-based candidate.
pub(super) fn scan(doc: &Doc, explain: bool) -> Scan {
    let mut frames: Vec<Frame> = Vec::with_capacity(64);
    let mut buf = String::new();
    let mut items = Items::default();
    let mut meta = Meta::default();
    let mut raws: Vec<heuristic::Raw> = Vec::new();
    let mut title: Option<String> = None;
    let mut h1: Option<(DomNode<'_>, u32)> = None;
    let mut order: u32 = 0;
    let mut class_cache: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
    let mut no_price = false;

    for edge in doc.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    order += 1;
                    // A copy of the whole frame, not a tuple of its fields:
                    // rebuilding it field by field and reading it back whole
                    // stalled every element (store forwarding; perf).
                    let parent = frames.last().copied();
                    let mut flags = parent.map_or(0, |p| p.flags & !NOT_INHERITED);
                    let a = Attrs::read(el);
                    let tag = el.name();
                    match tag {
                        "script" | "style" | "template" | "noscript" | "head" | "select"
                        | "textarea" => flags |= HIDDEN,
                        "del" | "s" | "strike" => flags |= STRUCK_TAG,
                        "nav" | "footer" => flags |= CHROME,
                        "main" | "article" => flags |= MAIN,
                        "svg" => flags |= SVG | HIDDEN,
                        _ => {}
                    }
                    if a.hidden {
                        flags |= HIDDEN;
                    }
                    if a.data_strike {
                        flags |= STRUCK_TAG;
                    }
                    if a.aria_hidden {
                        flags |= ARIA_HIDDEN;
                    }
                    if let Some(style) = a.style {
                        buf.clear();
                        buf.extend(
                            style
                                .chars()
                                .filter(|c| !c.is_whitespace())
                                .flat_map(char::to_lowercase),
                        );
                        if buf.contains("display:none") || buf.contains("visibility:hidden") {
                            flags |= HIDDEN;
                        }
                        if buf.contains("line-through") {
                            flags |= STRUCK_TAG;
                        }
                    }
                    let mut own = 0;
                    // Pages repeat the same class lists (cards, rows); classify each once.
                    for v in [a.class, a.id].into_iter().flatten() {
                        own |= *class_cache
                            .entry(v)
                            .or_insert_with(|| classify_text(v, &mut buf));
                    }
                    if let Some(t) = a.data_price_type {
                        if t.to_ascii_lowercase().contains("old") {
                            own |= STRUCK_CLASS;
                        } else {
                            own |= SALE;
                        }
                    }
                    // A buy box in an <aside> or <header> is still the product.
                    let main_here = (own | flags) & MAIN != 0;
                    if (tag == "aside" || tag == "header") && !main_here {
                        flags |= CHROME;
                    }
                    flags |= own;
                    // An `<s>` classed as not struck is plain text; a struck
                    // ancestor still strikes it.
                    let parent_struck = parent.is_some_and(|p| p.flags & STRUCK_TAG != 0);
                    if own & UNSTRUCK != 0 && !parent_struck && a.style.is_none() {
                        flags &= !STRUCK_TAG;
                    }

                    if tag == "title" && title.is_none() && flags & SVG == 0 {
                        let t = collapse(&text_all(node, 400));
                        if !t.is_empty() {
                            title = Some(t);
                        }
                    }
                    if tag == "h1" && h1.is_none() && flags & (RELATED | CHROME | HIDDEN) == 0 {
                        h1 = Some((node, order));
                        let n = frames.len();
                        if n >= 1 {
                            frames[n - 1].near_h1 = 2;
                        }
                        if n >= 2 {
                            frames[n - 2].near_h1 = frames[n - 2].near_h1.max(1);
                        }
                    }

                    // Most elements carry no microdata or RDFa: they inherit
                    // their parent's scopes without a call, read from the
                    // frame's copy (a call, and rebuilding the triple field by
                    // field, stalled every element; perf).
                    let (md, rdfa, vocab_schema) = if a.marks_items() {
                        items.open(
                            node,
                            &a,
                            flags,
                            parent.map(|p| (p.md, p.rdfa, p.vocab_schema)),
                        )
                    } else {
                        match parent {
                            Some(p) => (p.md, p.rdfa, p.vocab_schema),
                            None => (None, None, false),
                        }
                    };
                    if tag == "meta" {
                        meta.visit(node, &a);
                    }

                    let mut cand = parent.and_then(|p| p.cand);
                    let itemprop_price = a
                        .itemprop
                        .is_some_and(|p| p.split_ascii_whitespace().any(|p| p == "price"));
                    if (flags & PRICE != 0 || itemprop_price) && flags & (HIDDEN | SR_ONLY) == 0 {
                        cand = Some(raws.len() as u32);
                        raws.push(heuristic::Raw {
                            node,
                            flags,
                            order,
                            hinted: true,
                            parent_cand: parent.and_then(|p| p.cand),
                            near_h1: near_h1(&frames),
                            h1_order: h1.map(|h| h.1),
                        });
                    }
                    frames.push(Frame {
                        flags,
                        md,
                        rdfa,
                        vocab_schema,
                        cand,
                        near_h1: 0,
                    });
                }
                Node::Text(t) => {
                    let Some(top) = frames.last() else { continue };
                    if top.flags & (HIDDEN | SR_ONLY) != 0 {
                        continue;
                    }
                    // "Preis auf Anfrage", "Sold out": short, digit-free, in the
                    // product's own area (not a card, menu or related strip).
                    if !no_price
                        && (7..=48).contains(&t.len())
                        && top.flags & (RELATED | CHROME | CARD) == 0
                        && !t.bytes().any(|b| b.is_ascii_digit())
                        && super::ident::says_no_price(t)
                    {
                        no_price = true;
                    }
                    if !looks_priced(t) {
                        continue;
                    }
                    let Some(parent) = node.parent() else {
                        continue;
                    };
                    let own_cand = top
                        .cand
                        .is_some_and(|c| raws[c as usize].node.id() == parent.id());
                    let dup = raws.last().is_some_and(|r| r.node.id() == parent.id());
                    // A text that is its element's only child and that the
                    // rules would drop as written is left out here, saving
                    // the candidate's bookkeeping (the 110 KB page's 800
                    // reviews). Not under a sale hint: any candidate there,
                    // dropped or not, tells `heuristic` a sale price is shown.
                    let dropped = || {
                        node.prev_sibling().is_none()
                            && node.next_sibling().is_none()
                            && top.flags & SALE == 0
                            && rejected_as_written(t)
                    };
                    if !own_cand && !dup && !dropped() {
                        raws.push(heuristic::Raw {
                            node: parent,
                            flags: top.flags,
                            order,
                            hinted: false,
                            parent_cand: top.cand,
                            near_h1: near_h1(&frames),
                            h1_order: h1.map(|h| h.1),
                        });
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if node.value().is_element() {
                    frames.pop();
                }
            }
        }
    }

    let mut cands = items.candidates(explain);
    let items_currency = items.page_currency();
    let (meta_cands, meta_currency, og_title) = meta.candidates(explain);
    cands.extend(meta_cands);
    cands.extend(heuristic::candidates(&raws, no_price, explain));
    let title = title
        .or_else(|| {
            h1.map(|(n, _)| collapse(&text_all(n, 400)))
                .filter(|t| !t.is_empty())
        })
        .or(og_title);
    Scan {
        title,
        cands,
        page_currency: items_currency.or(meta_currency),
    }
}

fn near_h1(frames: &[Frame]) -> u8 {
    frames
        .iter()
        .rev()
        .take(12)
        .map(|f| f.near_h1)
        .max()
        .unwrap_or(0)
}

/// Does this text node hold digits next to a currency mark?
pub(super) fn looks_priced(t: &str) -> bool {
    if t.len() > 200 || !t.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    // Every mark the price parser reads alone (`price::currency`): a text
    // written with one of them is worth parsing. One pass over the chars, as
    // this runs on every text node with a digit. Word marks need their
    // spacing so that "Mrs" or "Ftp" in running text stays out.
    const SYMBOLS: &[char] = &[
        '€', '£', '¥', '₹', '₩', '₽', '₺', '₪', '฿', '₫', '₴', '₦', '₱', '¢', '円', '元', '원',
        '₸', '₼', '₾', '₭', '₮', '₲', '₡', '₵',
    ];
    // (word, needs a space before or after it), by first letter: zł, Kč,
    // kr, Ft, Fr., Rs., Rs, Rp, RM, руб, грн, лв.
    type Words = &'static [(&'static str, bool)];
    const Z: Words = &[("zł", false)];
    const K_UPPER: Words = &[("Kč", false)];
    const K: Words = &[("kr", true)];
    const F: Words = &[("Ft", true), ("Fr.", false)];
    const R: Words = &[("Rs.", false), ("Rs", true), ("Rp", true), ("RM", true)];
    const CYRILLIC: Words = &[("руб", false), ("грн", false), ("лв", false)];
    // Bytes, not chars: most text is ASCII, where only `$` and the first
    // letters of the word marks matter; a char is decoded only at the lead
    // byte of a non-ASCII one.
    let word_at = |i: usize, words: Words| {
        let rest = &t[i..];
        words.iter().any(|&(w, spaced)| {
            rest.starts_with(w)
                && (!spaced || t[..i].ends_with(' ') || rest[w.len()..].starts_with([' ', '.']))
        })
    };
    // One pass that stops only at the bytes that can start a mark or an ISO
    // code (`$`, the word marks' first letters, capitals, a non-ASCII char's
    // lead byte): one table load per byte (most texts hold few).
    const LEADS: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = matches!(i as u8, b'$' | b'z' | b'k' | b'A'..=b'Z' | 0xc0..=0xff);
            i += 1;
        }
        t
    };
    // A word of exactly three capitals starting at `i` (an ISO code). Words
    // are runs of ASCII letters: every byte of a non-ASCII char separates, as
    // the char itself would.
    let bytes = t.as_bytes();
    let iso_at = |i: usize| {
        let alpha = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_alphabetic);
        (i == 0 || !alpha(i - 1))
            && bytes
                .get(i..i + 3)
                .is_some_and(|w| w.iter().all(u8::is_ascii_uppercase))
            && !alpha(i + 3)
            && t.get(i..i + 3).is_some_and(|w| iso_code(w).is_some())
    };
    let mut from = 0;
    while let Some(off) = bytes[from..].iter().position(|&b| LEADS[usize::from(b)]) {
        let i = from + off;
        from = i + 1;
        let hit = match bytes[i] {
            b'$' => true,
            b'z' => word_at(i, Z),
            b'k' => word_at(i, K),
            b'K' => word_at(i, K_UPPER) || iso_at(i),
            b'F' => word_at(i, F) || iso_at(i),
            b'R' => word_at(i, R) || iso_at(i),
            b'A'..=b'Z' => iso_at(i),
            // Continuation bytes and other ASCII are never leads.
            0..=0xbf => false,
            _ => match t[i..].chars().next() {
                Some('р' | 'г' | 'л') => word_at(i, CYRILLIC),
                Some(c) => SYMBOLS.contains(&c),
                None => false,
            },
        };
        if hit {
            return true;
        }
    }
    false
}

/// All text below `node`, unfiltered, up to about `cap` bytes.
pub(super) fn text_all(node: DomNode<'_>, cap: usize) -> String {
    let mut s = String::new();
    for n in node.descendants() {
        if let Node::Text(t) = n.value() {
            s.push_str(t);
            if s.len() > cap {
                break;
            }
        }
    }
    s
}

/// [`collapse`] of an owned string, kept as it is when there is nothing to
/// collapse (ASCII, single inner spaces, no whitespace at either end): the
/// common case for a price element's text, which then costs no copy.
pub(super) fn collapse_owned(s: String) -> String {
    if is_collapsed(s.as_bytes()) {
        s
    } else {
        collapse(&s)
    }
}

/// Whether [`collapse`] would return `b` unchanged (a sufficient test).
///
/// `collapse` changes only spaces, control bytes (`\t`..=`\r` among them)
/// and non-ASCII chars: a string of other bytes with no double space and no
/// space at either end is kept. Branch-free folds, which the compiler turns
/// into vector code: this runs on every price candidate's text.
pub(super) fn is_collapsed(b: &[u8]) -> bool {
    b.first().is_none_or(|&c| c != b' ')
        && b.last().is_none_or(|&c| c != b' ')
        && b.iter()
            .fold(0u8, |acc, &c| acc | (c & 0x80) | u8::from(c < b' '))
            == 0
        && b.iter()
            .zip(b.get(1..).unwrap_or_default())
            .fold(0u8, |acc, (&x, &y)| {
                acc | (u8::from(x == b' ') & u8::from(y == b' '))
            })
            == 0
}

/// Trims and collapses runs of whitespace (including no-break spaces) to one space.
pub(super) fn collapse(s: &str) -> String {
    // ASCII text (most of it) is read byte by byte: the ASCII chars
    // `char::is_whitespace` accepts are exactly space and `\t`..=`\r`.
    if s.is_ascii() {
        let mut bytes = Vec::with_capacity(s.len());
        let mut gap = false;
        for &b in s.as_bytes() {
            if b == b' ' || (b'\t'..=b'\r').contains(&b) {
                gap = true;
            } else {
                if gap && !bytes.is_empty() {
                    bytes.push(b' ');
                }
                gap = false;
                bytes.push(b);
            }
        }
        // ASCII bytes from an ASCII string: always UTF-8.
        return String::from_utf8(bytes).unwrap_or_default();
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}') {
        if w.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// A short CSS-like path to `id`: up to five levels, stopping at an element id.
pub(super) fn css_path(doc: &Doc, id: NodeId) -> String {
    let Some(node) = doc.get(id) else {
        return String::new();
    };
    let mut parts = Vec::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        let Some(el) = n.value().as_element() else {
            break;
        };
        let mut p = el.name().to_owned();
        if let Some(i) = el.id() {
            p.push('#');
            p.push_str(i);
            parts.push(p);
            break;
        }
        for c in el.classes().take(2) {
            p.push('.');
            p.push_str(c);
        }
        parts.push(p);
        if parts.len() == 5 || matches!(el.name(), "body" | "main") {
            break;
        }
        cur = n.parent();
    }
    parts.reverse();
    parts.join(" > ")
}

/// `<title>` read straight from the text, for the fast path; `None` when the
/// text needs a real parser (unknown entities) or there is no title.
pub(super) fn quick_title(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    let mut from = 0;
    let start = loop {
        let i = from + bytes[from..].iter().position(|&b| b == b'<')?;
        let rest = &bytes[i..];
        if rest.len() > 7
            && rest[..6].eq_ignore_ascii_case(b"<title")
            && matches!(rest[6], b'>' | b' ' | b'\t' | b'\n' | b'\r')
        {
            break i + rest.iter().position(|&b| b == b'>')? + 1;
        }
        if rest.len() > 5
            && (rest[..5].eq_ignore_ascii_case(b"<body") || rest[..4].eq_ignore_ascii_case(b"<svg"))
        {
            return None;
        }
        from = i + 1;
    };
    let len = bytes[start..]
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"</title>"))?;
    let raw = html.get(start..start + len)?;
    let t = collapse(&decode_entities(raw)?);
    (!t.is_empty()).then_some(t)
}

/// One character reference's character: the named entities titles and price
/// snippets use, or a numeric one (`&#8364;`, `&#x20AC;`); `None` otherwise.
/// Shared by the raw-text readers (`quick_title`, inline state attributes).
pub(super) fn char_ref(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

/// Decodes the entities titles commonly use; `None` on anything else.
fn decode_entities(s: &str) -> Option<String> {
    if !s.contains('&') {
        return Some(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';')?;
        let ent = &rest[1..end];
        let c = char_ref(ent)?;
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}
