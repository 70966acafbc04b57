//! Product meta tags: `product:price:amount` / `product:price:currency`,
//! `og:price:*` and `product:sale_price:*`, in `property` or `name`; also `og:title`.
//!
//! Fed `<meta>` elements by the `dom` walk. A sale price outranks the plain one;
//! otherwise document order decides. A regular-price tag
//! (`og:price:standard_amount`, `product:original_price:amount`) is never
//! the price, but it tells [`overrule_regular`] that a structured price equal
//! to it is the regular one. [`quick`] reads the same tags straight from
//! the text for pages that need no DOM.

use super::buybox::vis;
use super::dom::{Attrs, DomNode};
use super::{structured_amount, Cand, Loc, PriceSource, Reason, Tier};
use crate::extract::FoundPrice;
use crate::price::iso_code;
use rust_decimal::Decimal;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Sale,
    Product,
    Og,
    /// The regular price the page sells below: `og:price:standard_amount`,
    /// `product:original_price:amount`. Never a price itself.
    Regular,
}

/// Meta keys naming the regular price; the quick path leaves pages that have
/// one, or a sale price, to the full rules (see [`overrule_regular`]).
const REGULAR_KEYS: &[&str] = &[
    "og:price:standard_amount",
    "product:price:standard_amount",
    "product:original_price:amount",
    "og:original_price:amount",
];

enum Tag {
    Title,
    Amount(Family),
    Currency(Family),
}

fn classify(key: &str) -> Option<Tag> {
    let key = key.trim();
    let family = |k: &str| match k {
        "product:sale_price" => Some(Family::Sale),
        "product:price" => Some(Family::Product),
        "og:price" => Some(Family::Og),
        _ => None,
    };
    if key.eq_ignore_ascii_case("og:title") {
        Some(Tag::Title)
    } else if REGULAR_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)) {
        Some(Tag::Amount(Family::Regular))
    } else if let Some(f) = key.strip_suffix(":amount").and_then(family) {
        Some(Tag::Amount(f))
    } else {
        key.strip_suffix(":currency")
            .and_then(family)
            .map(Tag::Currency)
    }
}

/// The winning meta price read from the raw text. `None` when there is none,
/// when it has no known currency or a usable amount, or when a value holds an
/// entity (the full parser decodes those).
pub(super) fn quick(html: &str) -> Option<FoundPrice> {
    let mut amounts: Vec<(Family, &str)> = Vec::new();
    let mut currencies: Vec<(Family, &str)> = Vec::new();
    // Product meta tags live in the head; stop there rather than scan the body.
    let head_end = html
        .find("<body")
        .or_else(|| html.find("<BODY"))
        .unwrap_or(html.len());
    let mut rest = &html[..head_end];
    while let Some(i) = rest.find("<meta") {
        let tag_start = &rest[i + 5..];
        let end = tag_start.find('>')?;
        let (mut key, mut content) = (None, None);
        for (k, v) in attrs(&tag_start[..end]) {
            if k.eq_ignore_ascii_case("property") || k.eq_ignore_ascii_case("name") {
                key = Some(v);
            } else if k.eq_ignore_ascii_case("content") {
                content = Some(v);
            }
        }
        if let (Some(k), Some(c)) = (key, content) {
            match classify(k) {
                Some(Tag::Amount(Family::Regular)) => {}
                Some(Tag::Amount(f)) => amounts.push((f, c)),
                Some(Tag::Currency(f)) => currencies.push((f, c)),
                _ => {}
            }
        }
        rest = &tag_start[end..];
    }
    let (family, raw) = amounts
        .iter()
        .find(|(f, _)| *f == Family::Sale)
        .or(amounts.first())?;
    let cur = currencies
        .iter()
        .find(|(g, _)| g == family)
        .or(currencies.first())?
        .1;
    if raw.contains('&') || cur.contains('&') {
        return None;
    }
    let currency = iso_code(cur)?;
    let amount = structured_amount(raw, Some(currency))
        .0
        .filter(|a| *a > Decimal::ZERO)?;
    Some(FoundPrice {
        amount,
        currency: Some(currency.to_owned()),
        text: (*raw).to_owned(),
        source: PriceSource::Meta,
    })
}

/// Whether the page's head holds a sale-price or regular-price meta tag, so
/// the JSON-LD fast path must leave it to [`overrule_regular`]. Two SIMD
/// searches over the head only.
pub(super) fn says_sale_or_regular(html: &str) -> bool {
    let bytes = html.as_bytes();
    let head = memchr::memmem::find(bytes, b"<body").map_or(bytes, |e| &bytes[..e]);
    memchr::memmem::find(head, b"sale_price").is_some()
        || memchr::memmem::find(head, b"_amount").is_some_and(|_| {
            REGULAR_KEYS
                .iter()
                .any(|k| memchr::memmem::find(head, k.as_bytes()).is_some())
        })
}

/// The meta rule: a structured main-product price gives way to a lower
/// meta price when the page marks that one as the sale price
/// (`product:sale_price:amount`) or marks the structured amount itself as
/// the regular one (`og:price:standard_amount` equal to it). Shops that
/// render prices client-side often keep the sale only there. Returns the
/// meta candidate to choose, after vetoing the winner.
pub(super) fn overrule_regular(cands: &mut [Cand], chosen: Option<usize>) -> Option<usize> {
    let w = chosen?;
    let s = &cands[w];
    if s.tier != Tier::MainProduct {
        return None;
    }
    let (amount, currency) = (s.amount?, s.currency);
    let regular = cands.iter().any(|c| {
        c.source == PriceSource::Meta
            && c.veto == Some(Reason::ListPrice)
            && c.amount == Some(amount)
    });
    let (m, _) = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.source == PriceSource::Meta
                && c.veto.is_none()
                && c.amount.is_some_and(|a| a < amount)
                && (regular || c.visible & vis::SALE != 0)
                && (c.currency.is_none() || currency.is_none() || c.currency == currency)
        })
        .min_by_key(|(i, c)| (c.rank, *i))?;
    cands[w].veto = Some(Reason::StructuredAboveMetaSale);
    if cands[m].currency.is_none() {
        cands[m].currency = currency;
    }
    Some(m)
}

/// `name="value"` pairs of a tag's inside; values quoted, single-quoted or bare.
fn attrs(mut s: &str) -> impl Iterator<Item = (&str, &str)> {
    std::iter::from_fn(move || loop {
        s = s.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if s.is_empty() {
            return None;
        }
        let name_end = s
            .find(|c: char| c.is_ascii_whitespace() || c == '=')
            .unwrap_or(s.len());
        let name = &s[..name_end];
        s = s[name_end..].trim_start();
        let Some(after_eq) = s.strip_prefix('=') else {
            return Some((name, ""));
        };
        let v = after_eq.trim_start();
        let (value, rest) = match v.chars().next() {
            Some(q @ ('"' | '\'')) => match v[1..].find(q) {
                Some(e) => (&v[1..1 + e], &v[2 + e..]),
                None => (&v[1..], ""),
            },
            _ => {
                let e = v.find(|c: char| c.is_ascii_whitespace()).unwrap_or(v.len());
                (&v[..e], &v[e..])
            }
        };
        s = rest;
        if name.is_empty() {
            continue;
        }
        return Some((name, value));
    })
}

#[derive(Default)]
pub(super) struct Meta<'a> {
    amounts: Vec<(Family, DomNode<'a>, &'a str)>,
    currencies: Vec<(Family, &'a str)>,
    og_title: Option<&'a str>,
}

impl<'a> Meta<'a> {
    pub(super) fn visit(&mut self, node: DomNode<'a>, a: &Attrs<'a>) {
        let (Some(key), Some(content)) = (a.property.or(a.name), a.content) else {
            return;
        };
        match classify(key) {
            Some(Tag::Title) => {
                self.og_title.get_or_insert(content);
            }
            Some(Tag::Amount(f)) => self.amounts.push((f, node, content)),
            Some(Tag::Currency(f)) => self.currencies.push((f, content)),
            None => {}
        }
    }

    /// Candidates, the first stated currency, and `og:title`.
    pub(super) fn candidates(
        &self,
        explain: bool,
    ) -> (Vec<Cand>, Option<&'static str>, Option<String>) {
        let currency_of = |f: Family| {
            self.currencies
                .iter()
                .find(|(g, _)| *g == f)
                .or(self.currencies.first())
                .and_then(|(_, c)| iso_code(c))
        };
        let cands = self
            .amounts
            .iter()
            .enumerate()
            .map(|(i, (f, node, raw))| {
                let currency = currency_of(*f);
                let (amount, mark) = structured_amount(raw, currency);
                let veto = match amount {
                    None => Some(Reason::NoAmount),
                    Some(a) if a <= Decimal::ZERO => Some(Reason::ZeroPrice),
                    _ if *f == Family::Regular => Some(Reason::ListPrice),
                    _ => None,
                };
                Cand {
                    source: PriceSource::Meta,
                    amount,
                    currency: currency.or_else(|| mark.and_then(|m| m.iso())),
                    mark: if currency.is_none() { mark } else { None },
                    text: (*raw).to_owned(),
                    loc: if explain {
                        let el = node.value().as_element();
                        let key = el.and_then(|e| e.attr("property").or(e.attr("name")));
                        Loc::Text(format!("meta[{}]", key.unwrap_or("")))
                    } else {
                        Loc::None
                    },
                    tier: Tier::Meta,
                    rank: i as i32 + if *f == Family::Sale { 0 } else { 1000 },
                    veto,
                    visible: if *f == Family::Sale { vis::SALE } else { 0 },
                }
            })
            .collect();
        let page = self.currencies.iter().find_map(|(_, c)| iso_code(c));
        let title = self
            .og_title
            .map(super::dom::collapse)
            .filter(|t| !t.is_empty());
        (cands, page, title)
    }
}
