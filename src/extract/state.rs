//! Inline platform state: the product JSON shop platforms embed for their own
//! scripts, read as a price source (`inline-state`) below structured data and
//! above the visible-text heuristic, and the shop's currency setting read as
//! context for ambiguous marks.
//!
//! Platforms read, each found by a fixed marker and parsed with `serde_json`
//! from that point (the first complete JSON value; trailing script ignored):
//! - Shopify: `var meta = {"product":…}` (the analytics block) and theme
//!   `<script type="application/json" data-product-json>` / `ProductJson-*`.
//!   Prices are in minor units for every currency (Shopify's own
//!   `formatMoney` divides by 100 before applying even `amount_no_decimals`,
//!   the JPY format), so they are divided by 100.
//! - WooCommerce: the `data-product_variations` attribute (HTML-escaped JSON),
//!   `display_price` in major units; currency from the variation's `price_html`.
//! - Magento 2: `"priceConfig"` (in `data-mage-init` / `x-magento-init`),
//!   `prices.finalPrice.amount`; currency from `priceFormat.pattern` (`$%s`).
//! - Next.js: `__NEXT_DATA__` holding an object under a `product`/`offer` key
//!   with a `price` and an ISO `currency`/`priceCurrency`/`currencyCode`.
//!
//! The variant is the one the URL names (`variant=` for Shopify, `attribute_*`
//! query pairs for WooCommerce), else the first. Every scan is a substring
//! search for a marker; pages without one pay only that.

use aho_corasick::packed;
use memchr::memmem;
use reqwest::Url;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;
use std::sync::LazyLock;

use super::dom::char_ref;
use super::{Cand, Loc, PriceSource, Reason, Tier};
use crate::price::{iso_code, parse_price, CurrencyMark};

/// How many occurrences of a currency marker are looked at before giving up.
const MAX_CURRENCY_PROBES: usize = 16;
/// Nodes of `__NEXT_DATA__` visited at most: the blob can be megabytes.
const MAX_NEXT_NODES: usize = 20_000;

/// Byte offset of `needle` in `hay`: SIMD search, several times faster than
/// `str::find` on the whole page, which every marker below scans.
fn find(hay: &str, needle: &str) -> Option<usize> {
    memmem::find(hay.as_bytes(), needle.as_bytes())
}

/// The shop's currency as its platform state says it: Shopify's
/// `Shopify.currency = {"active":"JPY"}` and `ShopifyAnalytics.meta.currency
/// = 'JPY'`, then a `"currencyCode"` or `"currency"` key with an ISO value in
/// any inline JSON.
pub(super) fn state_currency(html: &str) -> Option<&'static str> {
    static ANY: LazyLock<Option<packed::Searcher>> =
        LazyLock::new(|| packed::Searcher::new(CURRENCY_MARKERS));
    if lacks_all(&ANY, html) {
        return None;
    }
    if let Some(at) = find(html, CURRENCY_MARKERS[0]) {
        let tail = window(html, at, 200);
        if let Some(code) = tail
            .find("\"active\"")
            .and_then(|a| quoted_iso(&tail[a + 8..]))
        {
            return Some(code);
        }
    }
    if let Some(at) = find(html, CURRENCY_MARKERS[1]) {
        let tail = window(html, at + 30, 30);
        if let Some(code) = quoted_iso(tail.trim_start().trim_start_matches('=')) {
            return Some(code);
        }
    }
    // memmem, not `match_indices`: on a page with no such key (most) this
    // scans the whole text, at several times `str`'s searcher's speed.
    CURRENCY_MARKERS[2..].iter().find_map(|key| {
        memmem::find_iter(html.as_bytes(), key.as_bytes())
            .take(MAX_CURRENCY_PROBES)
            .find_map(|at| html.get(at + key.len()..).and_then(quoted_iso))
    })
}

/// Up to `len` bytes of `html` from `at` (a char boundary), cut back to a
/// char boundary.
fn window(html: &str, at: usize, len: usize) -> &str {
    let mut end = html.len().min(at + len);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    html.get(at..end).unwrap_or("")
}

/// An ISO code written as the next quoted value (`: "JPY"`, `= 'JPY'`).
fn quoted_iso(s: &str) -> Option<&'static str> {
    let s = s.trim_start_matches([' ', ':', '=', '\t', '\n']);
    let q = s.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let body = &s[1..];
    let end = body.find(q)?;
    (end == 3).then(|| iso_code(&body[..end])).flatten()
}

/// One price read from platform state.
struct Found {
    amount: Decimal,
    currency: Option<&'static str>,
    mark: Option<CurrencyMark>,
    text: String,
    location: &'static str,
}

/// The currency setting's markers, as `state_currency` searches for them.
const CURRENCY_MARKERS: [&str; 4] = [
    "Shopify.currency",
    "ShopifyAnalytics.meta.currency",
    "\"currencyCode\"",
    "\"currency\"",
];

/// Whether `html` holds none of a searcher's markers, in one SIMD pass
/// (aho-corasick's Teddy searcher itself: the automaton's own prefilter
/// picked rare bytes that HTML is full of and cost more than the separate
/// searches). Most pages carry no platform state, and one pass over the page
/// costs a fraction of one search per marker (issue 10's profile). `false`
/// where the CPU lacks the instructions: every reader then searches.
fn lacks_all(searcher: &LazyLock<Option<packed::Searcher>>, html: &str) -> bool {
    searcher
        .as_ref()
        .is_some_and(|s| s.find(html.as_bytes()).is_none())
}

/// Every platform's marker, as each reader below searches for it.
const MARKERS: [&str; 6] = [
    "var meta = {\"product\"",
    "data-product-json",
    "id=\"ProductJson-",
    "data-product_variations=\"",
    "\"priceConfig\"",
    "id=\"__NEXT_DATA__\"",
];

/// All of [`MARKERS`] in one pass (see [`lacks_all`]).
static ANY_MARKER: LazyLock<Option<packed::Searcher>> =
    LazyLock::new(|| packed::Searcher::new(MARKERS));

/// Every inline-state candidate on the page, best platform first.
pub(super) fn candidates(html: &str, url: &Url, explain: bool) -> Vec<Cand> {
    if lacks_all(&ANY_MARKER, html) {
        return Vec::new();
    }
    let found = [shopify_meta(html, url), shopify_product_json(html, url)]
        .into_iter()
        .flatten()
        .chain(woocommerce(html, url))
        .chain(magento(html))
        .chain(next_data(html));
    found
        .enumerate()
        .map(|(i, f)| Cand {
            source: PriceSource::InlineState,
            amount: Some(f.amount),
            currency: f.currency,
            mark: f.mark,
            text: f.text,
            loc: if explain {
                Loc::Text(f.location.to_owned())
            } else {
                Loc::None
            },
            tier: Tier::State,
            rank: i32::try_from(i).unwrap_or(i32::MAX),
            veto: (f.amount <= Decimal::ZERO).then_some(Reason::ZeroPrice),
            visible: 0,
        })
        .collect()
}

/// The first JSON value starting at `s` (which must start at `{` or `[`).
fn json_at(s: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(s)
        .into_iter::<Value>()
        .next()?
        .ok()
}

/// The URL's query value for `key`.
fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A Shopify variant list's chosen variant: the URL's `variant=`, else the first.
fn shopify_variant<'a>(variants: &'a [Value], url: &Url) -> Option<&'a Value> {
    let wanted = query(url, "variant");
    wanted
        .and_then(|w| {
            variants
                .iter()
                .find(|v| v.get("id").and_then(id_string).as_deref() == Some(w.as_str()))
        })
        .or_else(|| variants.first())
}

/// A Shopify money amount in minor units (`12800`, `"128.00"` on a few
/// themes that pre-format it) as a decimal in major units.
fn shopify_money(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let minor = Decimal::from_str(&n.to_string()).ok()?;
            Some(minor / Decimal::ONE_HUNDRED)
        }
        Value::String(s) if s.contains('.') => Decimal::from_str(s.trim()).ok(),
        Value::String(s) => Some(Decimal::from_str(s.trim()).ok()? / Decimal::ONE_HUNDRED),
        _ => None,
    }
}

fn shopify_meta(html: &str, url: &Url) -> Option<Found> {
    let at = find(html, MARKERS[0])?;
    let meta = json_at(&html[at + 11..])?;
    if meta
        .pointer("/page/pageType")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "product")
    {
        return None;
    }
    let variants = meta.pointer("/product/variants")?.as_array()?;
    let v = shopify_variant(variants, url)?;
    let raw = v.get("price")?;
    Some(Found {
        amount: shopify_money(raw)?,
        currency: None,
        mark: None,
        text: raw.to_string(),
        location: "shopify: var meta.product.variants[].price (minor units)",
    })
}

fn shopify_product_json(html: &str, url: &Url) -> Option<Found> {
    // Themes write these attributes in this exact case.
    let at = find(html, MARKERS[1]).or_else(|| find(html, MARKERS[2]))?;
    let open = at + html[at..].find('>')? + 1;
    let body = html[open..].trim_start();
    let product = json_at(body)?;
    let variants = product.get("variants")?.as_array()?;
    let v = shopify_variant(variants, url)?;
    let raw = v.get("price")?;
    Some(Found {
        amount: shopify_money(raw)?,
        currency: None,
        mark: None,
        text: raw.to_string(),
        location: "shopify: product JSON variants[].price (minor units)",
    })
}

/// Undoes the entity escaping of an attribute value.
fn unescape_attr(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Visible text of an HTML snippet: tags dropped, entities decoded (the
/// currency symbol is often one: `&pound;`, `&#36;`, `&#x20B9;`).
fn strip_tags(s: &str) -> String {
    let mut text = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| char_ref(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn woocommerce(html: &str, url: &Url) -> Option<Found> {
    let key = MARKERS[3];
    let at = find(html, key)? + key.len();
    let end = at + html[at..].find('"')?;
    let list = json_at(&unescape_attr(&html[at..end]))?;
    let list = list.as_array()?;
    // The URL's `attribute_pa_size=m` pairs pick a variation; every pair must agree.
    let wanted: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k.starts_with("attribute_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let matches = |v: &&Value| {
        !wanted.is_empty()
            && wanted.iter().all(|(k, want)| {
                v.pointer(&format!("/attributes/{k}"))
                    .and_then(Value::as_str)
                    .is_some_and(|have| have.is_empty() || have.eq_ignore_ascii_case(want))
            })
    };
    let v = list.iter().find(matches).or_else(|| list.first())?;
    let raw = v.get("display_price")?;
    let amount = json_decimal(raw)?;
    let mark = v
        .get("price_html")
        .and_then(Value::as_str)
        .and_then(|h| parse_price(&strip_tags(h)).currency);
    Some(Found {
        amount,
        currency: mark.and_then(|m| m.iso()),
        mark,
        text: raw.to_string(),
        location: "woocommerce: data-product_variations[].display_price",
    })
}

/// A price written as a JSON number or string (`12.9`, `"12.90"`), read
/// exactly as written.
fn json_decimal(raw: &Value) -> Option<Decimal> {
    match raw {
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

fn magento(html: &str) -> Option<Found> {
    let at = find(html, MARKERS[4])?;
    let open = at + html[at..].find('{')?;
    let config = json_at(&html[open..])?;
    let raw = config.pointer("/prices/finalPrice/amount")?;
    let amount = json_decimal(raw)?;
    let mark = config
        .pointer("/priceFormat/pattern")
        .and_then(Value::as_str)
        .and_then(|p| parse_price(&p.replace("%s", "")).currency);
    Some(Found {
        amount,
        currency: mark.and_then(|m| m.iso()),
        mark,
        text: raw.to_string(),
        location: "magento: priceConfig.prices.finalPrice.amount",
    })
}

fn next_data(html: &str) -> Option<Found> {
    let at = find(html, MARKERS[5])?;
    let open = at + html[at..].find('>')? + 1;
    let data = json_at(html[open..].trim_start())?;
    let mut budget = MAX_NEXT_NODES;
    let offer = find_offer(&data, false, &mut budget)?;
    let raw = offer.get("price")?;
    let amount = json_decimal(raw)?;
    let currency = ["priceCurrency", "currency", "currencyCode"]
        .iter()
        .find_map(|k| offer.get(*k).and_then(Value::as_str).and_then(iso_code));
    Some(Found {
        amount,
        currency,
        mark: None,
        text: raw.to_string(),
        location: "next.js: __NEXT_DATA__ product offer price",
    })
}

/// The first object, under a key naming a product or offer, that has a
/// `price` and an ISO currency; depth-first in document order, within budget.
fn find_offer<'a>(
    v: &'a Value,
    in_product: bool,
    budget: &mut usize,
) -> Option<&'a Map<String, Value>> {
    *budget = budget.checked_sub(1)?;
    match v {
        Value::Object(o) => {
            let priced = o
                .get("price")
                .is_some_and(|p| p.is_number() || p.is_string());
            let has_currency = ["priceCurrency", "currency", "currencyCode"]
                .iter()
                .any(|k| {
                    o.get(*k)
                        .and_then(Value::as_str)
                        .and_then(iso_code)
                        .is_some()
                });
            if in_product && priced && has_currency {
                return Some(o);
            }
            o.iter().find_map(|(k, child)| {
                let k = k.to_ascii_lowercase();
                let here = in_product || k.contains("product") || k.contains("offer");
                // Lists of other products are not the page's product.
                if k.contains("related") || k.contains("recommend") || k.contains("similar") {
                    return None;
                }
                find_offer(child, here, budget)
            })
        }
        Value::Array(a) => a.iter().find_map(|x| find_offer(x, in_product, budget)),
        _ => None,
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
