//! Structured data against the buy box: when the page sells at another price.
//!
//! Structured data and meta tags often carry the regular, pre-tax or stale
//! price while the page sells at another one next to the `<h1>` and the
//! add-to-cart button. The buy-box price replaces the structured one only on
//! evidence, all of it required:
//!
//! 1. the markup right after the page's first `<h1>` (the first
//!    [`WINDOW`] bytes) marks a sale or a struck-through / regular price
//!    (`<del>`, `<s>`, `line-through`, `old-price`, `special-price`, `sale`, ...
//!    inside a tag, not in running text), and does not confirm the
//!    structured price: an element there classed as the sale price whose
//!    whole text is the structured amount with a mark of its currency
//!    (`<span class="product-price sale-price">£17.49</span>`, see
//!    [`confirms`]) says the page sells at the structured price. Both are
//!    read on the raw text, the same for every path, so the JSON-LD fast
//!    path skips the DOM whenever rule 1 fails, sale pages whose buy box
//!    agrees with the structured data included;
//! 2. the main product's best visible price (in the product block or next to
//!    the `<h1>`, not struck through, not a card or related product) is a
//!    different amount, in the same currency or none;
//! 3. the structured amount is shown in the product block only struck
//!    through / as a regular price, or not at all while the buy-box price is
//!    marked sale / now.
//!
//! Otherwise structured data wins, as before.
//!
//! Separately, [`overrule_net`]: a structured amount that the buy box shows
//! only labelled as before tax (`zzgl. MwSt`, `excl. VAT`, `HT`, `netto`, or
//! classed `price-excluding-tax`) gives way to the buy box's higher price
//! with tax. The labels count towards rule 1's gate anywhere in the window,
//! and a structured price rule 1 finds confirmed stands here too.

use super::classes::{classify_text, flag, section_flags};
use super::{Cand, PriceSource, Reason, Tier};
use crate::price::{parse_price, CurrencyMark};
use memchr::memmem::Finder;
use rust_decimal::Decimal;
use std::sync::OnceLock;

/// How much markup after the `<h1>` counts as the buy box.
pub const WINDOW: usize = 8 * 1024;

/// Bits of [`Cand::visible`] set by the heuristic.
pub(super) mod vis {
    /// In the main product block or next to its `<h1>`.
    pub const BUY_BOX: u8 = 1;
    /// Struck through, or classed old / was / regular / compare-at.
    pub const STRUCK: u8 = 1 << 1;
    /// Classed sale / special / now / final.
    pub const SALE: u8 = 1 << 2;
    /// Labelled or classed as the price before tax (`zzgl. MwSt`, `excl. VAT`).
    pub const NET: u8 = 1 << 3;
}

/// Sale and old-price words, matched inside tags (class names, attributes):
/// `old` covers `old-price`, `price--old` and Magento's `oldPrice`; `strike`
/// covers `<strike>`, `data-a-strike`, `strikethrough`. Few and short, as
/// each is one pass over the window.
const MARKERS: &[&str] = &[
    "strike",
    "line-through",
    "old",
    "was",
    "compare",
    "regular",
    "special",
    "sale",
    "discount",
];

/// Struck-through tags, and the before-tax labels of a shop that shows both
/// prices (`zzgl. MwSt`, `excl. VAT`, `Excl.`, `netto`), found anywhere in the
/// window: the labels are running text, not markup.
const TAGS: &[&str] = &["<del", "<s>", "<s ", "zzgl", "xcl", "xkl", "netto"];

/// Rule 1: does the markup after the first `<h1>` mark a sale or an old price?
///
/// One SIMD substring search per marker over [`WINDOW`] bytes (a few
/// microseconds); markers are lower case as class names are in practice.
pub(super) fn marked(html: &str) -> bool {
    static FINDERS: OnceLock<(Vec<Finder<'static>>, Vec<Finder<'static>>)> = OnceLock::new();
    let (tags, markers) = FINDERS.get_or_init(|| {
        (
            TAGS.iter().map(|t| Finder::new(t.as_bytes())).collect(),
            MARKERS.iter().map(|t| Finder::new(t.as_bytes())).collect(),
        )
    });
    let Some(window) = window(html) else {
        return false;
    };
    if tags.iter().any(|f| f.find(window).is_some()) {
        return true;
    }
    // Only inside a tag (a class, an attribute): "compared it" or "before
    // the sale" in a review is no buy-box markup.
    markers.iter().any(|f| {
        f.find_iter(window).any(|at| {
            let head = &window[..at];
            memchr::memrchr2(b'<', b'>', head).is_some_and(|i| head[i] == b'<')
        })
    })
}

/// The [`WINDOW`] bytes from the page's first `<h1>`; `None` without one.
fn window(html: &str) -> Option<&[u8]> {
    let bytes = html.as_bytes();
    let start = match (
        memchr::memmem::find(bytes, b"<h1"),
        memchr::memmem::find(bytes, b"<H1"),
    ) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return None,
    };
    Some(&bytes[start..(start + WINDOW).min(bytes.len())])
}

/// Rule 1's confirmation: does the window show the structured price as the
/// sale price?
///
/// True when, reading the window from the `<h1>`, a `<span>` / `<div>` /
/// `<p>` / `<strong>` / `<b>` / `<ins>` / `<bdi>` / `<em>` with no
/// attribute but `class` and `id`, classed a price and a sale / now / special
/// price and nothing else that matters (not old, regular, net, instalment,
/// savings, unit, ...), holds as its whole text the structured `amount`
/// and a mark of `currency`, nothing else (`<span class="product-price
/// sale-price">£17.49</span>`), outside any `<del>` / `<s>` / `<strike>`.
/// Reading stops, false, at the first tag classed related, card or chrome,
/// and at a comment or an element whose content is not markup (`<script>`,
/// `<style>`, `<template>`, `<svg>`, ...), as the text after it may not be
/// what the page shows.
///
/// Checked on the raw text, like rule 1, so the JSON-LD fast path can keep a
/// sale page whose buy box confirms the structured price off the DOM, and the
/// DOM path applies the same test to its winner: one rule for both.
pub(super) fn confirms(html: &str, amount: Decimal, currency: Option<&str>) -> bool {
    let (Some(window), Some(currency)) = (window(html), currency) else {
        return false;
    };
    let mut buf = String::new();
    let mut struck = 0u32;
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'<', &window[at..]).map(|i| at + i) {
        let rest = &window[i + 1..];
        if rest.first() == Some(&b'/') {
            let name = tag_name(&rest[1..]);
            if is_one_of(name, STRIKES) {
                struck = struck.saturating_sub(1);
            }
            at = i + 1;
            continue;
        }
        if rest.starts_with(b"!") || rest.starts_with(b"?") {
            return false;
        }
        let name = tag_name(rest);
        if name.is_empty() {
            at = i + 1;
            continue;
        }
        if is_one_of(name, OPAQUE) {
            return false;
        }
        let Some((attrs, end, self_closing)) = read_attrs(&rest[name.len()..]) else {
            return false;
        };
        let body_start = i + 1 + name.len() + end;
        at = body_start;
        if is_one_of(name, STRIKES) {
            struck += 1;
            continue;
        }
        let mut values = Vec::with_capacity(2);
        let mut other = false;
        for (k, v) in &attrs {
            match *k {
                b"class" | b"id" => match std::str::from_utf8(v) {
                    Ok(v) => values.push(v),
                    Err(_) => return false,
                },
                _ => other = true,
            }
        }
        if values
            .iter()
            .any(|v| section_flags(v, &mut buf) & (flag::RELATED | flag::CARD | flag::CHROME) != 0)
        {
            return false;
        }
        if other || self_closing || struck > 0 || values.is_empty() || !is_one_of(name, SHOWS) {
            continue;
        }
        let body = &window[body_start..];
        let Some(len) = memchr::memchr(b'<', body) else {
            return false;
        };
        let closes = body[len + 1..].strip_prefix(b"/").is_some_and(|t| {
            tag_name(t).eq_ignore_ascii_case(name) && t.get(name.len()) == Some(&b'>')
        });
        let Ok(text) = std::str::from_utf8(&body[..len]) else {
            return false;
        };
        if !closes
            || text.len() > 64
            || text.contains('&')
            || !text.bytes().any(|b| b.is_ascii_digit())
        {
            continue;
        }
        let p = parse_price(text.trim());
        let same_currency = match p.currency {
            Some(CurrencyMark::Iso(c)) => c == currency,
            Some(CurrencyMark::Ambiguous { candidates, .. }) => candidates.contains(&currency),
            None => false,
        };
        if p.amount != Some(amount) || !same_currency || !bare_price(text, p.amount_text.as_deref())
        {
            continue;
        }
        // The full vocabulary only now, for the one element that may confirm.
        let flags = values.iter().fold(0, |f, v| f | classify_text(v, &mut buf));
        if flags & (flag::PRICE | flag::SALE) == flag::PRICE | flag::SALE
            && flags & !(flag::PRICE | flag::SALE | flag::MAIN) == 0
        {
            return true;
        }
    }
    false
}

/// Is `text` the number as written with only a currency mark before or
/// after it (`£17.49`, `17,49 €`, `US$ 17.49`), not `£17.49 / kg`?
fn bare_price(text: &str, number: Option<&str>) -> bool {
    let Some((before, after)) = number.and_then(|n| text.trim().split_once(n)) else {
        return false;
    };
    let mark = match (before.trim(), after.trim()) {
        ("", m) | (m, "") => m,
        _ => return false,
    };
    !mark.is_empty()
        && mark.chars().count() <= 4
        && !mark
            .chars()
            .any(|c| c.is_whitespace() || c.is_ascii_digit() || c == '/')
}

/// Elements that strike their content through.
const STRIKES: &[&str] = &["del", "s", "strike"];

/// Elements [`confirms`] reads a price from.
const SHOWS: &[&str] = &["span", "div", "p", "strong", "b", "ins", "bdi", "em"];

/// Elements whose content is not markup, or not shown as written.
const OPAQUE: &[&str] = &[
    "script",
    "style",
    "template",
    "textarea",
    "title",
    "xmp",
    "plaintext",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "svg",
    "math",
    "select",
    "object",
];

/// The tag name at the start of `b` as written; empty if `b` starts with no
/// ASCII letter (a `<` in text).
fn tag_name(b: &[u8]) -> &[u8] {
    if !b.first().is_some_and(u8::is_ascii_alphabetic) {
        return &[];
    }
    let len = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    &b[..len]
}

/// Is `name` one of `list`, in any case (the tokenizer lower-cases names)?
fn is_one_of(name: &[u8], list: &[&str]) -> bool {
    list.iter().any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

/// An attribute's name and raw value.
type Attr<'a> = (&'a [u8], &'a [u8]);

/// Attributes from just after the tag name to its `>`, as the tokenizer
/// splits them (quoted or bare values); and how many bytes up to and
/// including the `>`. `None` when the tag does not end in the window, is
/// self-closing, or repeats an attribute (the tokenizer keeps only the first).
fn read_attrs(b: &[u8]) -> Option<(Vec<Attr<'_>>, usize, bool)> {
    let mut attrs: Vec<Attr<'_>> = Vec::new();
    let mut i = 0;
    let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    loop {
        while b.get(i).copied().is_some_and(space) {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((attrs, i + 1, false)),
            b'/' if b.get(i + 1) == Some(&b'>') => return Some((attrs, i + 2, true)),
            // A stray `/` is skipped, as the tokenizer does.
            b'/' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let name_start = i;
        while b
            .get(i)
            .is_some_and(|&c| !space(c) && !matches!(c, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let name = &b[name_start..i];
        if name.iter().any(u8::is_ascii_uppercase) || attrs.iter().any(|(k, _)| *k == name) {
            return None;
        }
        while b.get(i).copied().is_some_and(space) {
            i += 1;
        }
        let mut value: &[u8] = &[];
        if b.get(i) == Some(&b'=') {
            i += 1;
            while b.get(i).copied().is_some_and(space) {
                i += 1;
            }
            match b.get(i)? {
                &q @ (b'"' | b'\'') => {
                    let len = memchr::memchr(q, &b[i + 1..])?;
                    value = &b[i + 1..i + 1 + len];
                    i += len + 2;
                }
                _ => {
                    let start = i;
                    while b.get(i).is_some_and(|&c| !space(c) && c != b'>') {
                        i += 1;
                    }
                    value = &b[start..i];
                }
            }
        }
        attrs.push((name, value));
    }
}

/// The tax rule: a shop that shows a price before tax and one with tax sells
/// at the one with tax. When the structured winner's amount is shown in the
/// buy box only labelled as net (`zzgl. MwSt 4,92 €`, `4,92 € excl. VAT`),
/// the best higher buy-box amount not so labelled, in the same currency or
/// none, wins. Returns it after vetoing the winner.
pub(super) fn overrule_net(cands: &mut [Cand], chosen: Option<usize>) -> Option<usize> {
    let w = chosen?;
    let s = &cands[w];
    if !matches!(s.tier, Tier::MainProduct | Tier::Meta) {
        return None;
    }
    let (amount, currency) = (s.amount?, s.currency);
    let in_box = |c: &Cand| {
        c.source == PriceSource::Heuristic
            && c.visible & vis::BUY_BOX != 0
            && c.visible & vis::STRUCK == 0
            && !matches!(c.veto, Some(Reason::RelatedSection | Reason::Shipping))
    };
    let same = |c: &Cand| c.amount == Some(amount);
    if !cands
        .iter()
        .any(|c| in_box(c) && same(c) && c.visible & vis::NET != 0)
        || cands
            .iter()
            .any(|c| in_box(c) && same(c) && c.visible & vis::NET == 0 && c.veto.is_none())
    {
        return None;
    }
    let (b, _) = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            in_box(c)
                && c.veto.is_none()
                && c.visible & vis::NET == 0
                && c.amount.is_some_and(|a| a > amount)
                && (c.currency.is_none() || currency.is_none() || c.currency == currency)
        })
        .min_by_key(|(i, c)| (c.rank, *i))?;
    cands[w].veto = Some(Reason::StructuredIsNet);
    if cands[b].currency.is_none() {
        cands[b].currency = currency;
    }
    Some(b)
}

/// Rules 2 and 3 over the candidates; `chosen` is the structured winner.
/// Returns the buy-box candidate to choose instead, after vetoing the winner.
pub(super) fn overrule(cands: &mut [Cand], chosen: Option<usize>) -> Option<usize> {
    let w = chosen?;
    let s = &cands[w];
    if !matches!(s.tier, Tier::MainProduct | Tier::Meta) {
        return None;
    }
    let amount = s.amount?;
    let currency = s.currency;
    let visible = |c: &&Cand| c.source == PriceSource::Heuristic && c.visible & vis::BUY_BOX != 0;
    let (b, _) = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| visible(c) && c.veto.is_none() && c.visible & vis::STRUCK == 0)
        .min_by_key(|(i, c)| (c.rank, *i))?;
    let buy = &cands[b];
    if buy.amount == Some(amount) || buy.amount.is_none() {
        return None;
    }
    if buy.currency.is_some() && currency.is_some() && buy.currency != currency {
        return None;
    }
    let shown = |struck: bool| {
        cands.iter().filter(visible).any(|c| {
            c.amount == Some(amount)
                && (c.visible & vis::STRUCK != 0 || c.veto == Some(Reason::StruckThrough)) == struck
                && !matches!(
                    c.veto,
                    Some(
                        Reason::Instalment
                            | Reason::Shipping
                            | Reason::Savings
                            | Reason::UnitPrice
                            | Reason::Identifier
                            | Reason::Total
                            | Reason::RelatedSection
                    )
                )
        })
    };
    if shown(false) {
        return None;
    }
    let why = if shown(true) {
        Reason::StructuredIsRegular
    } else if buy.visible & vis::SALE != 0 {
        Reason::StructuredNotSold
    } else {
        return None;
    };
    cands[w].veto = Some(why);
    if cands[b].currency.is_none() {
        cands[b].currency = currency;
    }
    Some(b)
}
