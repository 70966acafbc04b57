//! The text a reader sees in a visible price element: struck-through and
//! hidden parts left out, split whole / fraction spans and `<sup>` cents
//! joined, the screen-reader copy read when it is the one complete price, and
//! the machine-readable amount a theme renders from. Used by `heuristic`.

use super::dom::{classify_text, collapse, flag, DomNode};
use super::tree::{Edge, Node, NodeId};
use crate::price::parse_price;
use rust_decimal::Decimal;

/// Longest text (in bytes) a single price element plausibly holds.
pub(super) const MAX_PRICE_TEXT: usize = 64;

/// How many separate numbers the text holds ("1 234,56" is one; "$15 or 4 x $3.75" three).
pub(super) fn number_groups(t: &str) -> usize {
    let chars: Vec<char> = t.chars().collect();
    let mut groups = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            groups += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(
                        chars[i],
                        '.' | ',' | '\'' | '’' | ' ' | '\u{a0}' | '\u{202f}'
                    ) && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
        }
        i += 1;
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
    (join_split_separators(&collapse(&t)), collapse(&sr))
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
fn join_split_separators(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let digit_sep = |a: Option<char>, b: Option<char>| {
                a.is_some_and(|a| a.is_ascii_digit()) && matches!(b, Some('.' | ','))
                    || matches!(a, Some('.' | ',')) && b.is_some_and(|b| b.is_ascii_digit())
            };
            if digit_sep(prev, next) {
                // Only when the separator is itself flanked by digits.
                let sep_at = if matches!(next, Some('.' | ',')) {
                    i + 1
                } else {
                    i - 1
                };
                let before = sep_at.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(sep_at + 1).copied();
                let flank = |x: Option<char>| x.is_some_and(|x| x.is_ascii_digit() || x == ' ');
                if flank(before) && flank(after) {
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// The screen-reader copy when it is the one complete price (Amazon's
/// `a-offscreen` beside split `whole` / `fraction` spans): it must read as one
/// amount with a currency, and the visible text must not already say the same.
pub(super) fn pick_text(visible: String, sr: &str) -> String {
    if sr.is_empty() || sr.len() > MAX_PRICE_TEXT || number_groups(sr) != 1 {
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
