//! HTML text in, price candidates out, best candidate chosen.
//!
//! Synchronous and pure: `extract` takes the decoded page and returns owned data,
//! so the engine can run it on any thread. Sources, in order of trust: JSON-LD,
//! microdata, RDFa, meta tags, a user `--selector`, then a visible-text heuristic.

use reqwest::Url;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where a price came from; serialised as in DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceSource {
    #[serde(rename = "json-ld")]
    JsonLd,
    #[serde(rename = "microdata")]
    Microdata,
    #[serde(rename = "rdfa")]
    Rdfa,
    #[serde(rename = "meta")]
    Meta,
    #[serde(rename = "selector")]
    Selector,
    #[serde(rename = "heuristic")]
    Heuristic,
}

/// The price a record carries (`price` in the JSON contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPrice {
    pub amount: Decimal,
    /// ISO 4217 code, or `None` when the page does not say and no rule decides.
    pub currency: Option<String>,
    /// The text the amount was read from, as on the page.
    pub text: String,
    pub source: PriceSource,
}

/// One place a price might be, for `scrape extract --explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub source: PriceSource,
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
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
    /// `--selector`: tried before the heuristic.
    pub selector: Option<scraper::Selector>,
    /// `--default-currency`: for ambiguous symbols when the page says nothing.
    pub default_currency: Option<String>,
    /// Collect every candidate with its reason.
    pub explain: bool,
}

/// Extracts the product price and title from a decoded HTML page.
pub fn extract(html: &str, url: &Url, opts: &ExtractOptions) -> Extraction {
    let _ = (url, opts);
    let doc = scraper::Html::parse_document(html);
    let title = scraper::Selector::parse("title").ok().and_then(|s| {
        doc.select(&s)
            .next()
            .map(|t| t.text().collect::<String>().trim().to_owned())
    });
    Extraction {
        price: None,
        title,
        candidates: Vec::new(),
    }
}
