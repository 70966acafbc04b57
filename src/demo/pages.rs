//! Deterministic product pages: page `n` always has the same markup, title and price.

use rust_decimal::Decimal;

/// The markup a page uses for its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Markup {
    JsonLd,
    JsonLdGraph,
    Microdata,
    Rdfa,
    OpenGraph,
    VisibleOnly,
    European,
    SplitSpans,
    Sale,
    NoPrice,
    LegacyCharset,
}

/// The price a correct scraper reports for a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedPrice {
    pub amount: Decimal,
    pub currency: &'static str,
}

/// One generated page.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Vec<u8>,
    pub content_type: String,
    pub markup: Markup,
    pub title: String,
    pub expected: Option<ExpectedPrice>,
}

/// Page `n` at price epoch `epoch` (the epoch shifts prices so runs can differ).
pub fn product_page(n: u64, epoch: u64) -> Page {
    let amount = Decimal::new(((n * 137 + epoch * 11) % 100_000) as i64 + 99, 2);
    let title = format!("Product {n}");
    let body = format!(
        "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p class=\"price\">${amount}</p></body></html>"
    )
    .into_bytes();
    Page {
        body,
        content_type: "text/html; charset=utf-8".into(),
        markup: Markup::VisibleOnly,
        title,
        expected: Some(ExpectedPrice {
            amount,
            currency: "USD",
        }),
    }
}
