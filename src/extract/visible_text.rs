//! The text a reader sees in a visible price element: struck-through and
//! hidden parts left out, split whole / fraction spans and `<sup>` cents
//! joined, the screen-reader copy read when it is the one complete price, and
//! the machine-readable amount a theme renders from. Used by `heuristic`.

use super::dom::{classify_text, collapse_owned, flag, is_collapsed, DomNode};
use super::tree::{Edge, Node, NodeId};
use crate::price::parse_price;
use rust_decimal::Decimal;

/// Longest text (in bytes) a single price element plausibly holds.
pub(super) const MAX_PRICE_TEXT: usize = 64;

/// How many separate numbers the text holds ("1 234,56" is one; "$15 or 4 x
/// $3.75" three). The extractor only asks [`one_number`]; the full count is
/// what the tests hold against the char-level version.
#[cfg(test)]
pub(super) fn number_groups(t: &str) -> usize {
    count_groups(t, usize::MAX)
}

/// Whether the text holds exactly one number, stopping at the second
/// instead of counting them all.
pub(super) fn one_number(t: &str) -> bool {
    count_groups(t, 2) == 1
}

/// The separate numbers in the text, counted up to `stop`.
///
/// Read over bytes: digits and the ASCII separators are single bytes, the
/// other separators (`’`, no-break and narrow no-break space) are matched as
/// their UTF-8 sequences, and no other char's bytes can be mistaken for
/// either, so this counts what a walk over chars counts without decoding.
fn count_groups(t: &str, stop: usize) -> usize {
    let b = t.as_bytes();
    // The length of a group separator starting at `i`, if one does.
    let sep_len = |i: usize| match b[i] {
        b'.' | b',' | b'\'' | b' ' => Some(1),
        0xc2 if b.get(i + 1) == Some(&0xa0) => Some(2),
        0xe2 if matches!(b.get(i + 1..i + 3), Some([0x80, 0x99 | 0xaf])) => Some(3),
        _ => None,
    };
    let mut groups = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        groups += 1;
        if groups >= stop {
            break;
        }
        while i < b.len() {
            if b[i].is_ascii_digit() {
                i += 1;
            } else if let Some(n) =
                sep_len(i).filter(|&n| b.get(i + n).is_some_and(u8::is_ascii_digit))
            {
                i += n;
            } else {
                break;
            }
        }
    }
    groups
}

/// The text a reader sees in a price element, and the text of the
/// screen-reader copies inside it (`a-offscreen`, `sr-only`, ...), collapsed.
pub(super) fn price_texts(node: DomNode<'_>) -> (String, String) {
    let (t, sr) = gather(node, true);
    let t = if t.bytes().any(|b| b.is_ascii_digit()) {
        t
    } else {
        gather(node, false).0
    };
    (join_split_separators(collapse_owned(t)), collapse_owned(sr))
}

/// The text a reader sees in a price element.
pub(super) fn price_text(node: DomNode<'_>) -> String {
    price_texts(node).0
}

/// Collects text below `node`, skipping hidden and struck-through parts, and one
/// of the two copies a screen-reader pattern carries: the `.sr-only` copy when
/// `skip_sr` (its text goes to the second string instead), else the
/// `aria-hidden` one.
fn gather(node: DomNode<'_>, skip_sr: bool) -> (String, String) {
    let mut out = String::new();
    let mut sr = String::new();
    let mut skip: Option<NodeId> = None;
    let mut in_sr: Option<NodeId> = None;
    let mut pending_sep = false;
    let mut buf = String::new();
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) => {
                if skip.is_some() {
                    continue;
                }
                match n.value() {
                    Node::Element(el) if n.id() != node.id() => {
                        let name = el.name();
                        let mut skipped = matches!(
                            name,
                            "script" | "style" | "template" | "del" | "s" | "strike"
                        );
                        let mut f = 0;
                        for (k, v) in el.attrs() {
                            match k {
                                "class" | "id" => f |= classify_text(v, &mut buf),
                                "hidden" => skipped = true,
                                "aria-hidden" if !skip_sr && v.trim() == "true" => skipped = true,
                                "style" if v.replace(' ', "").contains("display:none") => {
                                    skipped = true
                                }
                                _ => {}
                            }
                        }
                        if f & flag::STRUCK_CLASS != 0 {
                            skipped = true;
                        }
                        if skipped {
                            skip = Some(n.id());
                        } else if skip_sr && f & flag::SR_ONLY != 0 {
                            if in_sr.is_none() {
                                in_sr = Some(n.id());
                                sr.push(' ');
                            }
                        } else if name == "sup" || f & flag::FRACTION != 0 {
                            pending_sep = true;
                        } else if matches!(name, "br" | "div" | "p" | "li") {
                            out.push(' ');
                        }
                    }
                    Node::Text(t) => {
                        let s: &str = t;
                        if in_sr.is_some() {
                            if sr.len() <= 4 * MAX_PRICE_TEXT {
                                sr.push_str(s);
                            }
                            continue;
                        }
                        if pending_sep && !s.trim().is_empty() {
                            if out.ends_with(|c: char| c.is_ascii_digit())
                                && s.starts_with(|c: char| c.is_ascii_digit())
                            {
                                let whole = out
                                    .rsplit(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                                    .next()
                                    .unwrap_or("");
                                out.push(if whole.contains('.') { ',' } else { '.' });
                            }
                            pending_sep = false;
                        }
                        out.push_str(s);
                        if out.len() > 4 * MAX_PRICE_TEXT {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(n) => {
                if skip == Some(n.id()) {
                    skip = None;
                }
                if in_sr == Some(n.id()) {
                    in_sr = None;
                }
            }
        }
    }
    (out, sr)
}

/// `"12 , 99"` (spans separated by whitespace) becomes `"12,99"`.
///
/// Only ASCII (space, digits, `.` and `,`) decides anything, so this reads
/// bytes: a byte of a non-ASCII char is none of those, as the char is not.
pub(super) fn join_split_separators(s: String) -> String {
    let b = s.as_bytes();
    let Some(first) = first_join(b) else {
        return s;
    };
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    for (i, &c) in b.iter().enumerate().skip(first + 1) {
        if !(c == b' ' && drops_space(b, i)) {
            out.push(c);
        }
    }
    // Only ASCII spaces were removed, so the bytes are still UTF-8.
    String::from_utf8(out).unwrap_or(s)
}

/// The first space [`join_split_separators`] drops, if any.
///
/// Every such space stands next to a mark: the search jumps from mark to
/// mark (SIMD) and looks at the spaces on either side, in text order (a
/// later mark's spaces lie after this one's).
fn first_join(b: &[u8]) -> Option<usize> {
    memchr::memchr2_iter(b'.', b',', b).find_map(|j| {
        [j.checked_sub(1), Some(j + 1)]
            .into_iter()
            .flatten()
            .find(|&i| b.get(i) == Some(&b' ') && drops_space(b, i))
    })
}

/// Whether the space at `i` sits between a digit and a mark (or a mark and
/// a digit) whose other side is a digit or a space.
fn drops_space(b: &[u8], i: usize) -> bool {
    let at = |i: Option<usize>| i.and_then(|i| b.get(i).copied());
    let digit = |x: Option<u8>| x.is_some_and(|x| x.is_ascii_digit());
    let mark = |x: Option<u8>| matches!(x, Some(b'.' | b','));
    let flank = |x: Option<u8>| x.is_some_and(|x| x.is_ascii_digit() || x == b' ');
    let (prev, next) = (at(i.checked_sub(1)), at(Some(i + 1)));
    if !(digit(prev) && mark(next) || mark(prev) && digit(next)) {
        return false;
    }
    let sep_at = if mark(next) { i + 1 } else { i - 1 };
    flank(at(sep_at.checked_sub(1))) && flank(at(Some(sep_at + 1)))
}

/// The element's text when it is the element's only child.
pub(super) fn sole_text(node: DomNode<'_>) -> Option<&str> {
    let mut edges = node.traverse().skip(1);
    let Some(Edge::Open(child)) = edges.next() else {
        return None;
    };
    let Node::Text(t) = child.value() else {
        return None;
    };
    // The text closes, then the element: no sibling after it.
    let Some(Edge::Close(_)) = edges.next() else {
        return None;
    };
    let Some(Edge::Close(n)) = edges.next() else {
        return None;
    };
    (n.id() == node.id()).then_some(t)
}

/// Whether the visible-price rules drop an element whose only child is the
/// text `t` as soon as they read it: too long for a price, or more than one
/// number, as written (reviews, shipping notes: "Bought 2 for $30, arrived
/// in 3 days").
pub(super) fn rejected_as_written(t: &str) -> bool {
    (t.len() > MAX_PRICE_TEXT || !one_number(t)) && reads_as_written(t)
}

/// Whether an element's [`sole_text`] is what [`price_texts`] gives for it:
/// nothing to collapse, no split separator to join (and no screen-reader
/// copy, as there is no child element).
pub(super) fn reads_as_written(t: &str) -> bool {
    is_collapsed(t.as_bytes()) && first_join(t.as_bytes()).is_none()
}

/// The screen-reader copy when it is the one complete price (Amazon's
/// `a-offscreen` beside split `whole` / `fraction` spans): it must read as one
/// amount with a currency, and the visible text must not already say the same.
pub(super) fn pick_text(visible: String, sr: &str) -> String {
    if sr.is_empty() || sr.len() > MAX_PRICE_TEXT || !one_number(sr) {
        return visible;
    }
    // "Current price is: $42.00." keeps only the price.
    let sr = sr.rsplit(": ").next().unwrap_or(sr).trim_end_matches('.');
    let s = parse_price(sr);
    if s.amount.is_none() || s.currency.is_none() {
        return visible;
    }
    let v = parse_price(&visible);
    if v.currency.is_some() && v.amount == s.amount {
        visible
    } else {
        sr.to_owned()
    }
}

/// The machine-readable amount a theme renders its price from: Magento's
/// `data-price-amount`, `data-price`, or `content` (PrestaShop, many themes).
/// Only a plain decimal (`1299`, `24.9`) counts.
pub(super) fn attr_amount(node: DomNode<'_>) -> Option<Decimal> {
    let el = node.value().as_element()?;
    ["data-price-amount", "data-price", "content"]
        .iter()
        .find_map(|k| el.attr(k))
        .map(str::trim)
        .filter(|t| {
            !t.is_empty()
                && t.len() <= 20
                && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && t.bytes().filter(|&b| b == b'.').count() <= 1
        })
        .and_then(|t| t.parse().ok())
}

pub(super) fn has_fraction(t: &str) -> bool {
    let b = t.as_bytes();
    b.windows(3).enumerate().any(|(i, w)| {
        matches!(w[0], b'.' | b',')
            && w[1].is_ascii_digit()
            && w[2].is_ascii_digit()
            && b.get(i + 3).is_none_or(|c| !c.is_ascii_digit())
    })
}
