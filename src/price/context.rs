//! Currency from context: which ISO code an ambiguous mark (`$`, `¥`, `kr`)
//! stands for on a given page, and which rule decided it.
//!
//! The order is the contract (docs/price-rules.md, "Currency from context"):
//! the mark itself when it alone decides; the page's structured data; the
//! platform's inline state; the page's locale read as CLDR reads that symbol
//! there; the host's country TLD; `--default-currency`; else nothing. A
//! candidate from any rule counts only when it is one of the mark's possible
//! currencies, so a page stating `EUR` never turns `$` into euros.
//!
//! Pure tables and string work: the extractor gathers the context (cheaply,
//! from the page head) and hands it over.

use serde::{Deserialize, Serialize};

use super::CurrencyMark;

/// The rule that gave a price its currency; shown by `scrape extract --explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CurrencyRule {
    /// The price's own mark or its structured `priceCurrency` decides alone.
    Mark,
    /// The page's structured data (JSON-LD, microdata, RDFa, price meta tags).
    StructuredData,
    /// The shop platform's inline state (`Shopify.currency`, `"currency":"JPY"`).
    PlatformState,
    /// `<html lang>` or `og:locale`, read as CLDR reads the symbol there.
    Locale,
    /// The host's country-code top-level domain.
    HostTld,
    /// `--default-currency`.
    Default,
    /// A structured price with no currency took the one written next to the
    /// same amount in the page's visible text.
    SameAmountInText,
    /// A bare number in a price element took the one currency that every
    /// amount written with a mark on the page is in.
    OnlyCurrencyInText,
}

impl CurrencyRule {
    /// The serde name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            CurrencyRule::Mark => "mark",
            CurrencyRule::StructuredData => "structured-data",
            CurrencyRule::PlatformState => "platform-state",
            CurrencyRule::Locale => "locale",
            CurrencyRule::HostTld => "host-tld",
            CurrencyRule::Default => "default",
            CurrencyRule::SameAmountInText => "same-amount-in-text",
            CurrencyRule::OnlyCurrencyInText => "only-currency-in-text",
        }
    }
}

/// What a page says about its currency, weakest evidence last. Every field is
/// optional; an empty context resolves only unambiguous marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CurrencyContext<'a> {
    /// The first ISO code the page's structured data states.
    pub structured: Option<&'a str>,
    /// The ISO code the platform's inline state states.
    pub state: Option<&'a str>,
    /// A BCP 47 language tag (`ja`, `es-AR`, `zh_CN`, `zh-Hant-TW`).
    pub locale: Option<&'a str>,
    /// The page's host name (`shop.example.com.ar`).
    pub host: Option<&'a str>,
    /// `--default-currency`.
    pub default: Option<&'a str>,
}

impl CurrencyContext<'_> {
    /// The ISO code for `mark` on this page and the rule that decided it;
    /// `None` when no rule offers one of the mark's currencies.
    pub fn resolve(&self, mark: CurrencyMark) -> Option<(&'static str, CurrencyRule)> {
        let (symbol, candidates) = match mark {
            CurrencyMark::Iso(code) => return Some((code, CurrencyRule::Mark)),
            CurrencyMark::Ambiguous { symbol, candidates } => (symbol, candidates),
        };
        let accept = |want: Option<&str>| {
            let want = want?;
            candidates
                .iter()
                .copied()
                .find(|c| c.eq_ignore_ascii_case(want))
        };
        let steps = [
            (accept(self.structured), CurrencyRule::StructuredData),
            (accept(self.state), CurrencyRule::PlatformState),
            (
                accept(self.locale.and_then(|l| locale_currency(symbol, l))),
                CurrencyRule::Locale,
            ),
            (
                accept(self.host.and_then(|h| tld_currency(symbol, h))),
                CurrencyRule::HostTld,
            ),
            (accept(self.default), CurrencyRule::Default),
        ];
        steps
            .into_iter()
            .find_map(|(code, rule)| code.map(|c| (c, rule)))
    }
}

/// Regions whose own dollar CLDR writes as a bare `$` in that region's locales
/// (`es-AR`, `en-CA`, `fr-CA`, `zh-TW`). A bare language (`en`, `es`) names no
/// region and settles nothing.
const DOLLAR_REGIONS: &[(&str, &str)] = &[
    ("US", "USD"),
    ("CA", "CAD"),
    ("AU", "AUD"),
    ("NZ", "NZD"),
    ("SG", "SGD"),
    ("HK", "HKD"),
    ("TW", "TWD"),
    ("MX", "MXN"),
    ("AR", "ARS"),
    ("CL", "CLP"),
    ("CO", "COP"),
    ("UY", "UYU"),
    ("DO", "DOP"),
    ("JM", "JMD"),
    ("TT", "TTD"),
    ("BS", "BSD"),
    ("BB", "BBD"),
    ("BZ", "BZD"),
    ("BM", "BMD"),
    ("KY", "KYD"),
    ("FJ", "FJD"),
    ("LR", "LRD"),
    ("NA", "NAD"),
    ("SB", "SBD"),
    ("SR", "SRD"),
    ("GY", "GYD"),
    ("BN", "BND"),
    // Dollarised economies: their `$` is the US dollar.
    ("EC", "USD"),
    ("SV", "USD"),
    ("PR", "USD"),
    ("PA", "USD"),
];

/// `kr` by language: Swedish, Danish (and Faroese, Greenlandic), Norwegian,
/// Icelandic.
const KRONA_LANGS: &[(&str, &str)] = &[
    ("sv", "SEK"),
    ("da", "DKK"),
    ("fo", "DKK"),
    ("kl", "DKK"),
    ("nb", "NOK"),
    ("nn", "NOK"),
    ("no", "NOK"),
    ("is", "ISK"),
];

/// A language tag's language and region subtags, lower and upper case
/// (`zh-Hant-TW` → `("zh", Some("TW"))`, `pt_br` → `("pt", Some("BR"))`).
fn split_tag(tag: &str) -> (String, Option<String>, bool) {
    let mut parts = tag.trim().split(['-', '_']);
    let lang = parts.next().unwrap_or("").to_ascii_lowercase();
    let mut region = None;
    let mut hant = false;
    for p in parts {
        if p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()) {
            region = Some(p.to_ascii_uppercase());
            break;
        }
        if p.eq_ignore_ascii_case("hant") {
            hant = true;
        }
    }
    (lang, region, hant)
}

/// What `symbol` means in the locale `tag`, as CLDR writes currency symbols
/// there; `None` when the locale does not settle it.
pub fn locale_currency(symbol: &str, tag: &str) -> Option<&'static str> {
    let (lang, region, hant) = split_tag(tag);
    let region = region.as_deref();
    match symbol {
        "$" => DOLLAR_REGIONS
            .iter()
            .find(|(r, _)| Some(*r) == region)
            .map(|(_, c)| *c),
        // CLDR: `¥` is JPY in `ja`, `en`, `de` and Traditional Chinese (where
        // the yuan is `CN¥`), CNY in Simplified Chinese.
        "¥" => match lang.as_str() {
            "ja" | "en" | "de" => Some("JPY"),
            "zh" if hant || matches!(region, Some("TW" | "HK" | "MO")) => Some("JPY"),
            "zh" => Some("CNY"),
            _ => None,
        },
        "kr" => KRONA_LANGS
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, c)| *c),
        "元" if lang == "zh" => Some(match region {
            Some("TW") => "TWD",
            Some("HK" | "MO") => "HKD",
            _ if hant => "TWD",
            _ => "CNY",
        }),
        _ => None,
    }
}

/// What `symbol` means on a host under a country-code TLD; `None` for generic
/// TLDs and for country codes sold for other uses (`.co`, `.io`, `.tv`, `.me`,
/// `.ai`, `.ly` are bought as brand names, not country signals).
pub fn tld_currency(symbol: &str, host: &str) -> Option<&'static str> {
    let host = host.trim_end_matches('.');
    let tld = host.rsplit('.').next()?.to_ascii_uppercase();
    if tld.len() != 2 || NOT_COUNTRY_TLDS.contains(&tld.as_str()) {
        return None;
    }
    match symbol {
        "$" => DOLLAR_REGIONS
            .iter()
            .find(|(r, _)| *r == tld)
            .map(|(_, c)| *c),
        "¥" => match tld.as_str() {
            "JP" => Some("JPY"),
            "CN" => Some("CNY"),
            _ => None,
        },
        "kr" => match tld.as_str() {
            "SE" => Some("SEK"),
            "DK" | "FO" | "GL" => Some("DKK"),
            "NO" => Some("NOK"),
            "IS" => Some("ISK"),
            _ => None,
        },
        "元" => match tld.as_str() {
            "CN" => Some("CNY"),
            "TW" => Some("TWD"),
            "HK" => Some("HKD"),
            _ => None,
        },
        _ => None,
    }
}

/// Country-code TLDs used mostly as generic names; they say nothing about
/// where the shop sells. `.co` is the notable one: `$` on `shop.co` is not
/// Colombian pesos (a Colombian shop is `.com.co`, whose last label is `co`
/// too, so Colombia is not read from the TLD at all).
const NOT_COUNTRY_TLDS: &[&str] = &[
    "CO", "IO", "TV", "ME", "AI", "LY", "FM", "AM", "GG", "SH", "AC", "TO", "WS", "NU", "CC", "VC",
    "LA",
];

/// Currencies with no minor unit in practice on shop pages, and those whose
/// locales write `.` for thousands (`$3.499` in Buenos Aires or Santiago is
/// 3499): with one of these, a lone `.ddd` or `,ddd` group is thousands even
/// after a `$`.
pub const THOUSANDS_DOT_CODES: &[&str] = &[
    "ARS", "CLP", "COP", "UYU", "PYG", "JPY", "KRW", "VND", "ISK", "HUF", "TWD", "IDR", "UGX",
    "RWF", "XOF", "XAF", "KMF", "GNF", "DJF", "BIF", "VUV", "MGA",
];
