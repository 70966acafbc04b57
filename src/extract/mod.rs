//! HTML text in, price candidates out, best candidate chosen.
//!
//! Synchronous and pure: `extract` takes the decoded page and returns owned data,
//! so the engine can run it on any thread. Each source lives in its own file:
//! `jsonld` (reads the raw text, no DOM), `dom` (one walk over the parsed page that
//! feeds `items` for microdata and RDFa, `meta`, and `heuristic` for visible text)
//! over `tree`, built from `fasttok`'s tokens by `tree_build` (or copied
//! from `scraper`'s tree where that gives up, and for `--selector`).
//!
//! # Which candidate wins
//! 1. `--selector` (`selector`): the first match with an amount. The user asked.
//! 2. A price attached to the page's main product in structured data, by source:
//!    JSON-LD, then microdata, then RDFa. The main product is the first product
//!    not nested under a related-product key or section (JSON-LD: `mainEntity`
//!    and a `url` equal to the page's come first). Within it, the first offer in
//!    document order; for a `ProductGroup`, its own offers, else the variant the
//!    URL names, else the first variant; `AggregateOffer` gives `lowPrice`.
//! 3. `product:price:*` / `og:price:*` meta tags (`meta`).
//! 4. Structured offers attached to no product (a bare `Offer`).
//! 5. Inline platform state (`inline-state`, see `state`): Shopify's product
//!    JSON, WooCommerce variations, Magento's price config, Next.js data.
//! 6. The visible-text heuristic: the highest score at or above
//!    [`heuristic::THRESHOLD`] (see that module for the scoring).
//!
//! Prices of related products, list/strike-through prices, reference prices
//! labelled `Retail Price` / `List Price` / `MSRP` / `RRP` / `UVP`, unit
//! prices, bundle totals ("Total:", "Price for both:"), percentages (`19%`)
//! and zero amounts are never chosen.
//!
//! What counts as struck or as a unit price follows what the shopper sees:
//! an `<s>` / `<del>` whose own class cancels the strike (`PriceNoThrouth`,
//! `no-strike`) is plain text, as the browser shows it; a price classed
//! `regular` (Magento 1's `regular-price`, Dawn's `price-item--regular`) is
//! the old price only where the product also shows a sale-classed price, else
//! it is the only price; a `price_list` /
//! `priceList` box is a box of prices, not a list price; a class saying
//! "unit price" makes a price per reference quantity only when a quantity is
//! written with it (`/ kg`, `pro 100 g`, `per 100ml`), else it is the price of
//! one piece (`id="unit_price"` on a shop selling by the piece). Visible text
//! is a candidate when it holds any mark the price parser reads alone,
//! including `円`, `元`, `원` and word marks (`Ft`, `Rs.`, `Fr.`, `RM`, `руб`).
//!
//! **Structured data against the buy box** (`buybox`): a winner from 2 or 3
//! gives way to the main product's visible buy-box price when the markup after
//! the `<h1>` marks a sale or an old price and does not show the structured
//! amount itself as the sale price (an element classed sale price whose whole
//! text is that amount with a mark of its currency), the buy box shows a different
//! amount (same currency or none), and the structured amount appears in the
//! product block only struck through / as the regular price, or not at all
//! while the buy-box price is marked sale. `--explain` then says "structured
//! price is the struck-through regular price; ..." on the structured candidate
//! and "chosen: buy-box price ... over the structured price N" on the winner;
//! a structured winner the buy box confirms ends in "; the buy box shows it
//! as the sale price".
//!
//! **Structured data against a sale meta tag** (`meta::overrule_regular`): a
//! main-product price gives way to a lower `product:sale_price:amount`, or to
//! a lower `product:price:amount` when `og:price:standard_amount` (or
//! `product:original_price:amount`) names the structured amount as regular.
//!
//! **Net against gross** (`buybox::overrule_net`): a structured amount the
//! buy box shows only labelled before tax (`zzgl. MwSt`, `excl. VAT`, `HT`,
//! `netto`, `price-excluding-tax`) gives way to the buy box's higher price
//! with tax: that is what the customer pays.
//!
//! A page whose product area says "price on request" / "Preis auf Anfrage" /
//! "sold out" / "ausverkauft" gets no visible-text price, and identifiers
//! (a SKU / EAN / model / phone label before the number, or digits glued to
//! letters or hyphens as in `KES-55037-C`) are never prices.
//!
//! # Currency
//! A structured candidate uses its own `priceCurrency` (inherited from the offer,
//! the product, or the price specification). A currency mark in a price text is
//! used when it alone decides (rule `mark`); an ambiguous one (`$`, `¥`, `kr`)
//! goes through [`CurrencyContext`] in this order: the page's structured data
//! currency (`structured-data`), the platform's inline state
//! (`platform-state`), the page locale (`locale`), the host's country TLD
//! (`host-tld`), `default_currency` (`default`); else `None`. A `$` settled on
//! a currency that writes `.` for thousands is re-read (`$3.499` in ARS is
//! 3499). A structured price with no currency at all takes the currency written
//! next to the same amount in the visible text (`same-amount-in-text`), then
//! the page's structured currency, then the platform state's. So does a visible
//! number with no mark that a price class or label made a candidate
//! (`<div class="price">2399</div>` beside "2 399,00 zł"): the same amount
//! written with a mark elsewhere on the page is the same price. Failing that,
//! such a bare number takes the page's only currency: when every visible
//! amount written with an unambiguous mark (mini-cart `0,00 €`, delivery
//! `29,00 €`) is in one currency, the shop shows prices in it
//! (`only-currency-in-text`); two currencies on the page leave it without
//! one. `--explain` shows the rule as `currency_rule`.
//!
//! # Title
//! `<title>` text, whitespace collapsed; if empty, the first `<h1>`; then `og:title`.

mod buybox;
mod classes;
mod context;
mod dom;
mod explain;
pub mod fasttok;
mod heuristic;
mod ident;
mod items;
mod jsonld;
mod meta;
mod phrases;
mod state;
mod stream_check;
mod tree;
mod tree_build;
mod tree_tags;
mod visible_text;

use crate::price::{parse_price_hinted, CurrencyContext, CurrencyMark, CurrencyRule};
pub use crate::record::{FoundPrice, PriceSource};
use reqwest::Url;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;
#[doc(hidden)]
pub use stream_check::{stream_gives_up, stream_tree_differs, streams};
use tree::NodeId;

/// schema.org types that describe a product (JSON-LD, microdata and RDFa alike).
const PRODUCT_TYPES: &[&str] = &[
    "Product",
    "ProductGroup",
    "ProductModel",
    "IndividualProduct",
    "SomeProducts",
    "Vehicle",
    "Car",
];

/// One place a price might be, for `scrape extract --explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub source: PriceSource,
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    /// Which rule gave `currency`; `None` when it is `None`.
    pub currency_rule: Option<CurrencyRule>,
    pub text: String,
    /// Where in the document it was found (a CSS-like path or a JSON path).
    pub location: String,
    /// Why it won or lost.
    pub reason: String,
    pub chosen: bool,
}

/// What extraction found on one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub price: Option<FoundPrice>,
    pub title: Option<String>,
    /// Filled only when `ExtractOptions::explain` is set.
    pub candidates: Vec<Candidate>,
}

/// Options parsed once at start-up and shared by every extraction (Send + Sync).
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// `--selector`: tried before every other source.
    pub selector: Option<scraper::Selector>,
    /// `--default-currency`: for ambiguous symbols when the page says nothing.
    pub default_currency: Option<String>,
    /// Collect every candidate with its reason.
    pub explain: bool,
}

/// Priority class of a candidate; earlier variants win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Selector,
    MainProduct,
    Meta,
    Orphan,
    State,
    Heuristic,
}

/// Why a candidate can never win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    NoAmount,
    ZeroPrice,
    RelatedProduct,
    NotMainProduct,
    OtherVariant,
    ListPrice,
    UnitPrice,
    StruckThrough,
    RelatedSection,
    Instalment,
    Shipping,
    Savings,
    PartOfLarger,
    DuplicateOfInner,
    BelowThreshold,
    NoCurrencyOrHint,
    Identifier,
    PriceOnRequest,
    StructuredIsRegular,
    StructuredNotSold,
    StructuredIsNet,
    StructuredAboveMetaSale,
    Total,
    Percentage,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NoAmount => "no amount in text",
            Reason::ZeroPrice => "zero or negative amount",
            Reason::RelatedProduct => "belongs to a related product",
            Reason::NotMainProduct => "belongs to a product other than the main one",
            Reason::OtherVariant => "another variant of the product group",
            Reason::ListPrice => "list / strike-through reference price",
            Reason::UnitPrice => "unit price (per reference quantity)",
            Reason::StruckThrough => "struck-through old price",
            Reason::RelatedSection => "inside a related-products section",
            Reason::Instalment => "instalment or per-month amount",
            Reason::Shipping => "shipping or delivery cost",
            Reason::Savings => "savings amount, not a price",
            Reason::PartOfLarger => "part of an enclosing price",
            Reason::DuplicateOfInner => "same price as an inner element",
            Reason::BelowThreshold => "score below threshold",
            Reason::NoCurrencyOrHint => "no currency mark and no price hint",
            Reason::Identifier => "an identifier (SKU, article, model, phone number), not a price",
            Reason::PriceOnRequest => "the product says price on request / sold out",
            Reason::StructuredIsRegular => {
                "structured price is the struck-through regular price; the buy box sells at another"
            }
            Reason::StructuredNotSold => {
                "structured price is not shown; the buy box sells at a marked sale price"
            }
            Reason::Total => "a total over several items (bundle or cart), not the product's price",
            Reason::Percentage => "a percentage (tax rate, discount), never a price",
            Reason::StructuredAboveMetaSale => {
                "structured price is the regular price; a meta tag gives the sale price"
            }
            Reason::StructuredIsNet => {
                "structured price is the buy box's price before tax; the buy box sells with tax"
            }
        })
    }
}

#[derive(Debug, Clone)]
enum Loc {
    None,
    Text(String),
    Node(NodeId),
}

/// A candidate while extraction runs; becomes a [`Candidate`] only when explaining.
#[derive(Debug, Clone)]
struct Cand {
    source: PriceSource,
    amount: Option<Decimal>,
    currency: Option<&'static str>,
    /// A currency mark still to resolve against the page currency.
    mark: Option<CurrencyMark>,
    text: String,
    loc: Loc,
    tier: Tier,
    /// Lower wins within a tier and source (offer order, or minus the score).
    rank: i32,
    veto: Option<Reason>,
    /// [`buybox::vis`] bits of a visible candidate; 0 for other sources.
    visible: u8,
}

impl Cand {
    fn key(&self) -> (Tier, u8, i32) {
        let src = match self.source {
            PriceSource::JsonLd => 0,
            PriceSource::Microdata => 1,
            PriceSource::Rdfa => 2,
            _ => 3,
        };
        (self.tier, src, self.rank)
    }
}

/// Reads a structured-data price: plain `12.90` exactly as written, anything
/// else (`"1.234,56"`, `"$12"`) through the price parser.
fn structured_amount(raw: &str, currency: Option<&str>) -> (Option<Decimal>, Option<CurrencyMark>) {
    let t = raw.trim();
    let plain = !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1;
    if plain {
        if let Ok(d) = Decimal::from_str(t) {
            return (Some(d), None);
        }
    }
    if t.bytes().any(|b| b == b'e' || b == b'E') {
        if let Ok(d) = Decimal::from_scientific(t) {
            return (Some(d), None);
        }
    }
    let p = parse_price_hinted(t, currency, None);
    (p.amount, p.currency)
}

/// Extracts the product price and title from a decoded HTML page.
pub fn extract(html: &str, url: &Url, opts: &ExtractOptions) -> Extraction {
    extract_with(html, url, opts, Dom::Stream)
}

/// [`extract`] with the whole page in the DOM, `<script>` / `<style>` bodies
/// included: the oracle the differential tests hold the default path to.
#[doc(hidden)]
pub fn extract_full_dom(html: &str, url: &Url, opts: &ExtractOptions) -> Extraction {
    extract_with(html, url, opts, Dom::Full)
}

/// What goes into the tree when the page needs one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dom {
    /// The default: the streaming tree ([`tree_build::stream`]: `fasttok`'s
    /// tokens and an element stack, no html5ever, no `scraper` tree);
    /// `scraper`'s tree where the stream gives up (README, "Issue 10").
    Stream,
    /// `scraper`'s tree: the oracle; also always with `--selector`, which
    /// needs `scraper`'s CSS selectors.
    Full,
}

fn extract_with(html: &str, url: &Url, opts: &ExtractOptions, dom: Dom) -> Extraction {
    let (mut cands, ld_currency) = jsonld::candidates(html, url, opts.explain);
    // Computed once for both paths, so the fast paths and the DOM agree.
    let buy_box_marked = buybox::marked(html);

    // Fast path: JSON-LD of the main product outranks every DOM source, so when
    // it settles price and currency the HTML need not be parsed at all.
    if opts.selector.is_none() && !opts.explain {
        if let Some(best) = best(&cands) {
            let c = &cands[best];
            if c.tier == Tier::MainProduct
                && c.currency.is_some()
                && c.amount
                    .is_some_and(|a| !buy_box_marked || buybox::confirms(html, a, c.currency))
                && !meta::says_sale_or_regular(html)
            {
                if let Some(title) = dom::quick_title(html) {
                    let price = Some(found(c));
                    return Extraction {
                        price,
                        title: Some(title),
                        candidates: Vec::new(),
                    };
                }
            }
        }
    }

    // Same for meta tags when no microdata or RDFa could outrank them.
    if opts.selector.is_none()
        && !opts.explain
        && !buy_box_marked
        && cands
            .iter()
            .all(|c| c.veto.is_some() || c.tier > Tier::Meta)
    {
        // Attribute names are written in lower (rarely upper) case in practice;
        // exact names in one pass over the page are an order of magnitude
        // faster than a case-insensitive search (and a quarter of four).
        const ITEM_ATTRS: [&str; 4] = ["itemprop", "ITEMPROP", "typeof", "TYPEOF"];
        static ANY_ITEM_ATTR: LazyLock<Option<aho_corasick::packed::Searcher>> =
            LazyLock::new(|| aho_corasick::packed::Searcher::new(ITEM_ATTRS));
        let no_items = || match ANY_ITEM_ATTR.as_ref() {
            Some(s) => s.find(html.as_bytes()).is_none(),
            // No SIMD searcher on this CPU: one search per name.
            None => ITEM_ATTRS.iter().all(|n| !html.contains(n)),
        };
        // The meta tags first: most pages that get here have no price there,
        // and then the whole-page pass for item attributes is not needed.
        if let Some(price) = meta::quick(html) {
            if no_items() {
                if let Some(title) = dom::quick_title(html) {
                    return Extraction {
                        price: Some(price),
                        title: Some(title),
                        candidates: Vec::new(),
                    };
                }
            }
        }
    }

    // (Emptying script and style bodies before parsing, which paid for
    // html5ever, costs more than it saves now that `fasttok` skips a script
    // with one search: 1.6 % more instructions on the real corpus.)
    let streamed = if opts.selector.is_none() && dom == Dom::Stream {
        tree_build::stream(html).ok()
    } else {
        None
    };
    // `scraper`'s tree, which the copy borrows from: for the oracle paths,
    // `--selector`, and a page with a construct the stream does not model
    // (tags inside `<select>`, a table in a `<template>`, or what `fasttok`
    // gives up on: NUL, CDATA, HTML breaking out of svg/math, ...).
    let full;
    let doc = match streamed {
        Some(doc) => doc,
        None => {
            full = scraper::Html::parse_document(html);
            let (doc, ids) = tree::Doc::from_scraper(&full, opts.selector.is_some());
            if let Some(sel) = &opts.selector {
                cands.extend(heuristic::selector_candidates(
                    &full,
                    &doc,
                    &ids,
                    sel,
                    opts.explain,
                ));
            }
            doc
        }
    };
    let scan = dom::scan(&doc, opts.explain);
    cands.extend(scan.cands);
    // Inline state ranks below every structured source: when one already
    // holds a price, reading the state could change nothing but `--explain`.
    let structured_wins = best(&cands).is_some_and(|i| cands[i].tier < Tier::State);
    if opts.explain || !structured_wins {
        cands.extend(state::candidates(html, url, opts.explain));
    }
    let rules = resolve_currencies(
        &mut cands,
        html,
        url,
        ld_currency.or(scan.page_currency),
        opts,
    );
    let mut chosen = best(&cands);
    if let Some(m) = meta::overrule_regular(&mut cands, chosen) {
        chosen = Some(m);
    }
    // Rule 1's confirmation on the same winner the fast path saw (no DOM
    // source outranks a main-product JSON-LD price, and a currency it states
    // stays); read only for a winner the overrides could overrule.
    let confirms_winner = || {
        chosen.is_some_and(|i| {
            let c = &cands[i];
            matches!(c.tier, Tier::MainProduct | Tier::Meta)
                && c.amount
                    .is_some_and(|a| buybox::confirms(html, a, c.currency))
        })
    };
    let confirmed = buy_box_marked && confirms_winner();
    if buy_box_marked && !confirmed {
        if let Some(b) = buybox::overrule_net(&mut cands, chosen)
            .or_else(|| buybox::overrule(&mut cands, chosen))
        {
            chosen = Some(b);
        }
    }
    let price = chosen.map(|i| found(&cands[i]));
    let candidates = if opts.explain {
        explain::candidates(&doc, &cands, &rules, chosen, confirmed)
    } else {
        Vec::new()
    };
    Extraction {
        price,
        title: scan.title,
        candidates,
    }
}

/// Gives every candidate without a currency one by the rules in the module
/// doc, re-reads `$` amounts whose currency writes `.` for thousands, and
/// returns the rule behind each candidate's currency (by index).
fn resolve_currencies(
    cands: &mut [Cand],
    html: &str,
    url: &Url,
    structured: Option<&'static str>,
    opts: &ExtractOptions,
) -> Vec<Option<CurrencyRule>> {
    let mut rules: Vec<Option<CurrencyRule>> = cands
        .iter()
        .map(|c| c.currency.map(|_| CurrencyRule::Mark))
        .collect();
    if cands
        .iter()
        .all(|c| c.currency.is_some() || c.amount.is_none())
    {
        return rules;
    }
    // Gathered only now: most pages state their currency and never get here.
    let ctx = CurrencyContext {
        structured,
        state: state::state_currency(html),
        locale: context::page_locale(html),
        host: url.host_str(),
        default: opts.default_currency.as_deref(),
    };
    // Currencies written next to visible amounts, for structured prices that
    // state none: the first such amount in document order, outside related
    // products and shipping lines.
    let shown: Vec<(Decimal, &'static str)> = cands
        .iter()
        .filter(|c| matches!(c.source, PriceSource::Heuristic))
        .filter(|c| {
            !matches!(
                c.veto,
                Some(Reason::RelatedSection | Reason::RelatedProduct | Reason::Shipping)
            )
        })
        .filter_map(|c| {
            let iso = c.currency.or_else(|| ctx.resolve(c.mark?).map(|r| r.0))?;
            Some((c.amount?, iso))
        })
        .collect();
    let same_amount = |amount: Option<Decimal>| {
        let amount = amount?;
        shown
            .iter()
            .find(|(a, _)| *a == amount)
            .map(|(_, iso)| (*iso, CurrencyRule::SameAmountInText))
    };
    // The one currency every visible amount written with a mark is in (a
    // shop shows one currency): a bare number in a price element whose
    // amount is written nowhere with a mark is in it too.
    let mut marked = cands
        .iter()
        .filter(|c| c.source == PriceSource::Heuristic)
        .filter(|c| matches!(c.mark, Some(CurrencyMark::Iso(_))))
        .filter_map(|c| c.currency);
    let only_currency = marked.next().filter(|first| marked.all(|c| c == *first));
    let from_structured = ctx.structured.and_then(crate::price::iso_code);
    let from_state = ctx.state.and_then(crate::price::iso_code);
    for (c, rule) in cands.iter_mut().zip(rules.iter_mut()) {
        if c.currency.is_some() {
            continue;
        }
        let resolved = match (c.mark, c.source) {
            (Some(m), _) => ctx.resolve(m),
            (None, PriceSource::InlineState) => from_state
                .map(|s| (s, CurrencyRule::PlatformState))
                .or_else(|| from_structured.map(|s| (s, CurrencyRule::StructuredData)))
                .or_else(|| same_amount(c.amount)),
            (
                None,
                PriceSource::JsonLd
                | PriceSource::Microdata
                | PriceSource::Rdfa
                | PriceSource::Meta,
            ) => same_amount(c.amount)
                .or_else(|| from_structured.map(|s| (s, CurrencyRule::StructuredData)))
                .or_else(|| from_state.map(|s| (s, CurrencyRule::PlatformState))),
            // A hinted bare number: only the same amount shown with a mark
            // says its currency; the page's other sources could be guessing.
            (None, PriceSource::Heuristic) => same_amount(c.amount)
                .or_else(|| only_currency.map(|s| (s, CurrencyRule::OnlyCurrencyInText))),
            (None, _) => None,
        };
        let Some((iso, why)) = resolved else {
            continue;
        };
        c.currency = Some(iso);
        *rule = Some(why);
        // `$3.499` was read as 3.499 (the dollar rule); in a currency that
        // writes `.` for thousands it is 3499.
        let dollar = matches!(c.mark, Some(CurrencyMark::Ambiguous { symbol: "$", .. }));
        if dollar && crate::price::writes_dot_thousands(iso) {
            if let Some(a) = parse_price_hinted(&c.text, Some(iso), None).amount {
                c.amount = Some(a);
            }
        }
    }
    rules
}

fn best(cands: &[Cand]) -> Option<usize> {
    cands
        .iter()
        .enumerate()
        .filter(|(_, c)| c.veto.is_none() && c.amount.is_some())
        .min_by_key(|(i, c)| (c.key(), *i))
        .map(|(i, _)| i)
}

fn found(c: &Cand) -> FoundPrice {
    FoundPrice {
        amount: c.amount.unwrap_or_default(),
        currency: c.currency.map(str::to_owned),
        text: c.text.clone(),
        source: c.source,
    }
}

#[cfg(test)]
mod buybox_tests;
#[cfg(test)]
mod classes_reference;
#[cfg(test)]
mod currency_tests;
#[cfg(test)]
mod scan_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_visible;
