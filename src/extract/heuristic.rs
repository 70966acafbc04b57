//! The visible price when structured data has none, and the user's `--selector`.
//!
//! Candidates are elements with a price hint (class/id/itemprop containing
//! "price", "amount", "cost") and elements whose own text shows digits next to a
//! currency mark. Each gets the text a reader sees (struck-through parts and
//! screen-reader copies left out, split whole/fraction spans and `<sup>` cents
//! joined); the screen-reader copy (`a-offscreen`, `sr-only`) is read instead
//! when it is one complete price with a currency and the visible text is not.
//! A plain number in `data-price-amount`, `data-price` or `content` on a price
//! element gives the amount when the text reads another (`$3.499` → 3499).
//! Then a score:
//!
//! | signal | points |
//! |---|---|
//! | price hint on the element itself, or a `Price:` label before the amount | +30 |
//! | currency mark in the text / two-digit fraction | +10 / +5 |
//! | sale / current / final price hint | +15 |
//! | inside `main`, `article`, `#product`, a product-detail block | +15 |
//! | in the `<h1>`'s parent / grandparent block | +20 / +10 |
//! | after the `<h1>`, fading with distance | up to +20 |
//! | before the `<h1>` | −5 |
//! | class says old/was/regular/compare price | −45 |
//! | in a product card (grid tile) | −20 |
//! | in nav, header, footer, aside, cart | −60 |
//!
//! Never chosen: `<del>`/`<s>`/`<strike>`/line-through, related-products
//! sections, instalments ("4 payments of", "/mo"), shipping (but "£579.99 Free
//! Delivery" is the price: "free" + a shipping word after the amount), savings, unit prices,
//! identifiers (SKU, EAN, model, phone: by label or glued shape), a sum labelled
//! "Total price:" (a bundle or cart total), anything on a
//! "price on request" / "sold out" page, a price that is part of a larger one,
//! and any score below [`THRESHOLD`].

use super::buybox::vis;
use super::dom::{classify_text, collapse, flag, DomNode};
use super::ident::identifier_veto;
use super::{Cand, Loc, PriceSource, Reason, Tier};
use crate::price::parse_price;
use ego_tree::iter::Edge;
use rust_decimal::Decimal;
use scraper::Node;

/// The lowest score a visible price may win with.
pub const THRESHOLD: i32 = 25;

/// Longest text (in bytes) a single price element plausibly holds.
const MAX_PRICE_TEXT: usize = 64;

/// A visible-price candidate as the walk found it.
pub(super) struct Raw<'a> {
    pub node: DomNode<'a>,
    pub flags: u32,
    pub order: u32,
    pub hinted: bool,
    pub parent_cand: Option<u32>,
    pub near_h1: u8,
    pub h1_order: Option<u32>,
}

const INSTALMENT: &[&str] = &[
    "payments of",
    "payment of",
    "/mo",
    "per month",
    "a month",
    "/month",
    "monthly",
    "installment",
    "instalment",
    "interest-free",
    "interest free",
    "klarna",
    "afterpay",
    "financing",
    "par mois",
    "pro monat",
    "/mes",
    "/mois",
    "/monat",
];
const SHIPPING: &[&str] = &[
    "shipping",
    "delivery",
    "postage",
    "versand",
    "livraison",
    "envío",
    "spedizione",
];
const SAVINGS: &[&str] = &[
    "you save",
    "save ",
    "saving",
    "% off",
    "sparen",
    "économisez",
];
const UNIT: &[&str] = &[
    "per kg",
    "/kg",
    "/ kg",
    "per 100",
    "/100",
    "/l ",
    "per l ",
    "per litre",
    "per liter",
    "/lb",
    "per lb",
    "/oz",
    "/unit",
    "per unit",
    "/m²",
];

/// Labels that name the number after them as the price (`<b>Price:</b> £60`).
/// Only a whole label counts: "Total price:" of a bundle is not one.
const PRICE_LABELS: &[&str] = &[
    "price:",
    "price",
    "our price:",
    "sale price:",
    "price now:",
    "now:",
    "preis:",
    "unser preis:",
    "prix:",
    "precio:",
    "prezzo:",
    "prijs:",
    "pris:",
    "cena:",
];

/// Whether the element's own text starts with a price label, or the inline
/// text just before it is one: old hand-written shops put `Price:` in a
/// sibling `<b>` with no class to hint at it.
fn labelled(text: &str, before: &str) -> bool {
    let t = text.to_lowercase();
    let starts = PRICE_LABELS.iter().any(|l| {
        l.ends_with(':')
            && t.strip_prefix(l)
                .is_some_and(|rest| rest.trim_start().starts_with(|c: char| !c.is_alphabetic()))
    });
    starts || PRICE_LABELS.contains(&before.trim())
}

/// "£579.99 Free Delivery": a shipping word that only follows the amount,
/// right after "free", says the price includes delivery; it is no shipping
/// cost. "Free delivery over £50" (the phrase first) stays a threshold.
fn free_shipping_after(t: &str) -> bool {
    let Some(first_digit) = t.find(|c: char| c.is_ascii_digit()) else {
        return false;
    };
    let mut any = false;
    for word in SHIPPING {
        for (at, _) in t.match_indices(word) {
            let free = t[..at].trim_end().ends_with("free")
                || t[at + word.len()..].trim_start().starts_with("gratuit")
                || t[at + word.len()..].trim_start().starts_with("gratis");
            if at < first_digit || !free {
                return false;
            }
            any = true;
        }
    }
    any
}

fn phrase_veto(text: &str) -> Option<Reason> {
    let t = text.to_lowercase();
    let has = |list: &[&str]| list.iter().any(|p| t.contains(p));
    if has(INSTALMENT) {
        Some(Reason::Instalment)
    } else if has(SHIPPING) && !free_shipping_after(&t) {
        Some(Reason::Shipping)
    } else if has(SAVINGS) {
        Some(Reason::Savings)
    } else if has(UNIT) || t.ends_with("/l") {
        Some(Reason::UnitPrice)
    } else {
        None
    }
}

fn flag_veto(flags: u32) -> Option<Reason> {
    if flags & flag::STRUCK_TAG != 0 {
        Some(Reason::StruckThrough)
    } else if flags & flag::RELATED != 0 {
        Some(Reason::RelatedSection)
    } else if flags & flag::INSTALMENT != 0 {
        Some(Reason::Instalment)
    } else if flags & flag::SHIPPING != 0 {
        Some(Reason::Shipping)
    } else if flags & flag::SAVINGS != 0 {
        Some(Reason::Savings)
    } else if flags & flag::UNIT != 0 {
        Some(Reason::UnitPrice)
    } else {
        None
    }
}

/// How many separate numbers the text holds ("1 234,56" is one; "$15 or 4 x $3.75" three).
fn number_groups(t: &str) -> usize {
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
    let mut skip: Option<ego_tree::NodeId> = None;
    let mut in_sr: Option<ego_tree::NodeId> = None;
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

const BLOCK: &[&str] = &[
    "p", "div", "li", "ul", "ol", "section", "form", "table", "tr", "td", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "footer", "article", "aside", "nav", "br", "dl", "dd", "dt",
];

fn inline_text(n: DomNode<'_>, cap: usize) -> Option<String> {
    match n.value() {
        Node::Element(el) if BLOCK.contains(&el.name()) => None,
        _ => Some(super::dom::text_all(n, cap)),
    }
}

/// Up to 40 characters of inline text just before `node` and 24 just after
/// (climbing out of wrappers that hold nothing else), to catch
/// "4 payments of <price>", "<price>/mo", "Shipping: <price>".
fn context(node: DomNode<'_>) -> (String, String) {
    let mut n = node;
    for _ in 0..2 {
        let lonely = n.prev_sibling().is_none() && n.next_sibling().is_none();
        match n.parent() {
            Some(p)
                if lonely
                    && p.value()
                        .as_element()
                        .is_some_and(|e| !BLOCK.contains(&e.name())) =>
            {
                n = p
            }
            _ => break,
        }
    }
    let mut before = String::new();
    for s in n.prev_siblings() {
        let Some(t) = inline_text(s, 60) else { break };
        before.insert_str(0, &t);
        if before.len() > 40 {
            break;
        }
    }
    let mut after = String::new();
    for s in n.next_siblings() {
        let Some(t) = inline_text(s, 40) else { break };
        after.push_str(&t);
        if after.len() > 24 {
            break;
        }
    }
    let b = collapse(&before);
    let a = collapse(&after);
    let b = b
        .char_indices()
        .rev()
        .nth(39)
        .map_or(b.as_str(), |(i, _)| &b[i..])
        .to_owned();
    let a = a
        .char_indices()
        .nth(24)
        .map_or(a.as_str(), |(i, _)| &a[..i])
        .to_owned();
    (b, a)
}

/// Labels of a sum over several items: a bundle ("Buy the set: Total
/// price"), frequently-bought-together, or a cart line. Never the product's
/// own price.
const TOTAL_LABELS: &[&str] = &[
    "total price:",
    "total price",
    "total:",
    "subtotal:",
    "gesamtpreis:",
    "gesamt:",
    "prix total :",
    "prix total:",
    "precio total:",
];

/// Phrases around a price that make it something else than the price.
fn context_veto(before: &str, after: &str) -> Option<Reason> {
    let any = |t: &str, list: &[&str]| list.iter().any(|p| t.contains(p));
    let b = before.trim_end();
    if any(before, INSTALMENT) || any(after, INSTALMENT) {
        Some(Reason::Instalment)
    } else if TOTAL_LABELS.iter().any(|l| b.ends_with(l)) {
        Some(Reason::Total)
    } else if any(before, SHIPPING) {
        Some(Reason::Shipping)
    } else if any(before, SAVINGS) {
        Some(Reason::Savings)
    } else if any(after, UNIT) || after.starts_with("/l") || after.starts_with("/ l") {
        Some(Reason::UnitPrice)
    } else {
        None
    }
}

/// The screen-reader copy when it is the one complete price (Amazon's
/// `a-offscreen` beside split `whole` / `fraction` spans): it must read as one
/// amount with a currency, and the visible text must not already say the same.
fn pick_text(visible: String, sr: &str) -> String {
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
fn attr_amount(node: DomNode<'_>) -> Option<Decimal> {
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

/// Labels that mark the amount after them as the price before tax.
const NET_LABELS: &[&str] = &[
    "zzgl",
    "exkl",
    "excl",
    "ex. vat",
    "ex vat",
    "ex. tax",
    "netto",
    "hors taxe",
    " ht",
    "sin iva",
    "iva esclusa",
];

/// Whether the text or the label before it says "before tax" (`zzgl. MwSt`,
/// `excl. VAT`, `HT`, `netto`); a trailing ` HT` counts in the text too.
fn says_net(text: &str, before: &str) -> bool {
    let t = text.to_lowercase();
    let b = format!(" {before}");
    NET_LABELS.iter().any(|l| b.contains(l) || t.contains(l)) || t.ends_with(" ht")
}

/// Where a visible price stands, for the structured-vs-buy-box rule.
fn visible_bits(f: u32, near_h1: u8) -> u8 {
    let mut v = 0;
    if f & flag::NET != 0 {
        v |= vis::NET;
    }
    if (f & flag::MAIN != 0 || near_h1 > 0) && f & (flag::CARD | flag::RELATED | flag::CHROME) == 0
    {
        v |= vis::BUY_BOX;
    }
    if f & (flag::STRUCK_TAG | flag::STRUCK_CLASS) != 0 {
        v |= vis::STRUCK;
    }
    if f & flag::SALE != 0 {
        v |= vis::SALE;
    }
    v
}

fn has_fraction(t: &str) -> bool {
    let b = t.as_bytes();
    b.windows(3).enumerate().any(|(i, w)| {
        matches!(w[0], b'.' | b',')
            && w[1].is_ascii_digit()
            && w[2].is_ascii_digit()
            && b.get(i + 3).is_none_or(|c| !c.is_ascii_digit())
    })
}

/// Scores the walk's raw candidates; see the module doc for the rules.
pub(super) fn candidates(raws: &[Raw<'_>], no_price_page: bool, explain: bool) -> Vec<Cand> {
    let mut out: Vec<Option<Cand>> = Vec::with_capacity(raws.len());
    // Whether the amount came from a `data-price-amount`-like attribute.
    let mut from_attr: Vec<bool> = Vec::with_capacity(raws.len());
    for r in raws {
        from_attr.push(false);
        let (visible, sr) = price_texts(r.node);
        let text = pick_text(visible, &sr);
        if text.len() > MAX_PRICE_TEXT || number_groups(&text) != 1 {
            out.push(None);
            continue;
        }
        let mut parsed = parse_price(&text);
        if r.hinted {
            // Digits as written win when both say the same number.
            if let Some(a) = attr_amount(r.node).filter(|&a| parsed.amount != Some(a)) {
                parsed.amount = Some(a);
                if let Some(f) = from_attr.last_mut() {
                    *f = true;
                }
            }
        }
        let mut veto = flag_veto(r.flags).or_else(|| phrase_veto(&text));
        let mut label = false;
        let mut net = false;
        if parsed.amount.is_some() && veto.is_none() {
            let (before, after) = context(r.node);
            let before = before.to_lowercase();
            label = !r.hinted && labelled(&text, &before);
            net = says_net(&text, &before);
            veto = identifier_veto(&text, &before)
                .or_else(|| context_veto(&before, &after.to_lowercase()));
        }
        if no_price_page {
            veto = veto.or(Some(Reason::PriceOnRequest));
        }
        if !r.hinted && parsed.currency.is_none() {
            veto = veto.or(Some(Reason::NoCurrencyOrHint));
        }
        veto = veto.or(match parsed.amount {
            None => Some(Reason::NoAmount),
            Some(a) if a <= Decimal::ZERO => Some(Reason::ZeroPrice),
            _ => None,
        });
        let mut score = 0;
        if r.hinted || label {
            score += 30;
        }
        if parsed.currency.is_some() {
            score += 10;
        }
        if has_fraction(&text) {
            score += 5;
        }
        let f = r.flags;
        if f & flag::SALE != 0 {
            score += 15;
        }
        if f & flag::MAIN != 0 {
            score += 15;
        }
        score += match r.near_h1 {
            2 => 20,
            1 => 10,
            _ => 0,
        };
        match r.h1_order {
            Some(h) if r.order > h => score += 20 - ((r.order - h) / 4).min(20) as i32,
            _ => score -= 5,
        }
        if f & flag::STRUCK_CLASS != 0 {
            score -= 45;
        }
        if f & flag::CARD != 0 {
            score -= 20;
        }
        if f & flag::CHROME != 0 {
            score -= 60;
        }
        out.push(Some(Cand {
            source: PriceSource::Heuristic,
            amount: parsed.amount,
            currency: parsed.currency.and_then(|m| m.iso()),
            mark: parsed.currency,
            text,
            loc: if explain {
                Loc::Node(r.node.id())
            } else {
                Loc::None
            },
            tier: Tier::Heuristic,
            rank: -score,
            veto,
            visible: visible_bits(f, r.near_h1) | if net { vis::NET } else { 0 },
        }));
    }
    // A price element inside another: the outer one's text is the whole price
    // (split spans) unless both read the same, then the tighter element stays.
    for i in 0..raws.len() {
        // An old price's text is left out of its container's, so it is no part of it.
        if raws[i].flags & flag::STRUCK_CLASS != 0
            && raws[i]
                .parent_cand
                .is_some_and(|p| raws[p as usize].flags & flag::STRUCK_CLASS == 0)
        {
            continue;
        }
        let mut p = raws[i].parent_cand;
        while let Some(pi) = p {
            let pi = pi as usize;
            if out[pi].as_ref().is_some_and(|c| c.veto.is_none()) {
                break;
            }
            p = raws[pi].parent_cand;
        }
        let (Some(pi), true) = (
            p.map(|p| p as usize),
            out[i].as_ref().is_some_and(|c| c.veto.is_none()),
        ) else {
            continue;
        };
        // Equal amounts are one price shown twice, unless only the outer text
        // carries the currency (`₹` + `15,349.` + `00`): then it is the whole.
        // The same text read from an element and its wrapper is one price too,
        // whichever of them holds a machine-readable amount.
        let same = match (out[pi].as_ref(), out[i].as_ref()) {
            (Some(o), Some(n)) => {
                (o.amount == n.amount && (n.mark.is_some() || o.mark.is_none()))
                    || (from_attr[pi] != from_attr[i] && o.text.ends_with(n.text.as_str()))
            }
            _ => false,
        };
        let (target, why) = if same {
            (pi, Reason::DuplicateOfInner)
        } else {
            (i, Reason::PartOfLarger)
        };
        if let Some(c) = out[target].as_mut() {
            c.veto = Some(why);
        }
        if same {
            // The inner element inherits the outer's better score, and its
            // attribute amount.
            let (outer_rank, outer_amount) =
                out[pi].as_ref().map_or((0, None), |c| (c.rank, c.amount));
            let take_amount = from_attr[pi] && !from_attr[i];
            if let Some(c) = out[i].as_mut() {
                c.rank = c.rank.min(outer_rank);
                if take_amount {
                    c.amount = outer_amount;
                }
            }
            if take_amount {
                from_attr[i] = true;
            }
        }
    }
    for c in out.iter_mut().flatten() {
        if -c.rank < THRESHOLD {
            c.veto = c.veto.or(Some(Reason::BelowThreshold));
        }
    }
    out.into_iter().flatten().collect()
}

/// Candidates from the user's `--selector`, in document order.
pub(super) fn selector_candidates(
    doc: &scraper::Html,
    sel: &scraper::Selector,
    explain: bool,
) -> Vec<Cand> {
    doc.select(sel)
        .enumerate()
        .map(|(i, el)| {
            let text = match el.value().attr("content") {
                Some(c) => c.trim().to_owned(),
                None => price_text(*el),
            };
            let parsed = parse_price(&text);
            Cand {
                source: PriceSource::Selector,
                amount: parsed.amount,
                currency: parsed.currency.and_then(|m| m.iso()),
                mark: parsed.currency,
                text,
                loc: if explain {
                    Loc::Node(el.id())
                } else {
                    Loc::None
                },
                tier: Tier::Selector,
                rank: i as i32,
                veto: if parsed.amount.is_none() {
                    Some(Reason::NoAmount)
                } else {
                    None
                },
                visible: 0,
            }
        })
        .collect()
}
