//! Deterministic product pages: page `n` at price epoch `e` always has the same
//! markup, title, bytes and price, so tests can compare a scraper's answer with
//! `Page::expected` without storing fixtures.
//!
//! Pages are built to look like real shop pages (navigation, breadcrumbs,
//! related products with *other* prices, some before the main product, promo
//! text full of numbers) so that extraction is tested against the traps real
//! pages set. The static parts (styles, navigation, footer, review texts) live
//! in `layout`; this module owns prices, markups and the product block. Serving
//! the pages is `server`'s job.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::layout;
use super::money::{
    mix, price_minor, write_display, write_grouped, write_plain, Currency, Money, Style,
};

/// The markup a page uses for its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Markup {
    /// `<script type="application/ld+json">` with a `Product` and its `Offer`.
    JsonLd,
    /// JSON-LD `@graph` holding `Organization`, `BreadcrumbList` and `Product`.
    JsonLdGraph,
    /// schema.org microdata: `itemprop="price" content="…"` and `priceCurrency`.
    Microdata,
    /// RDFa: `property="schema:price"`.
    Rdfa,
    /// OpenGraph product meta: `product:price:amount` / `product:price:currency`.
    OpenGraph,
    /// No structured data; the price is text in an element of class `product-price`.
    VisibleOnly,
    /// Visible only, European format (`1.234,56 €`).
    European,
    /// Visible only, split into `whole` / `sep` / `fraction` spans.
    SplitSpans,
    /// An old price (`<del>`, `<s>` or `.old-price`) before the sale price.
    Sale,
    /// The product has no price (related products still do).
    NoPrice,
    /// Body bytes in windows-1252 or iso-8859-1, declared in the header or in `<meta>`.
    LegacyCharset,
    /// Visible only, `¥12,800` on a `<html lang="ja">` page: the locale alone
    /// says yen (issue 8).
    YenLocale,
    /// Visible only, `¥12,800` on a page with no language whose shop config
    /// script says `"currency":"JPY"`: the inline state alone says yen.
    YenState,
    /// Visible only, written with the `万` multiplier (`1.2万円` is 12,000 JPY).
    ManYen,
    /// Amazon-style `a-price`: a screen-reader copy (`a-offscreen`) beside
    /// split symbol / whole / decimal / fraction spans; fractions mostly non-zero.
    AmazonSplit,
    /// No price ("Preis auf Anfrage") next to an `Artikelnummer` / EAN that a
    /// naive scraper reads as a price (`KES-55037-C`).
    NoPriceSku,
}

const ALL_MARKUPS: [Markup; 16] = [
    Markup::JsonLd,
    Markup::JsonLdGraph,
    Markup::Microdata,
    Markup::Rdfa,
    Markup::OpenGraph,
    Markup::VisibleOnly,
    Markup::European,
    Markup::SplitSpans,
    Markup::Sale,
    Markup::NoPrice,
    Markup::LegacyCharset,
    Markup::YenLocale,
    Markup::YenState,
    Markup::ManYen,
    Markup::AmazonSplit,
    Markup::NoPriceSku,
];

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
    /// The `Content-Type` header value to serve the page with.
    pub content_type: String,
    pub markup: Markup,
    /// The product title; equal to the page's `<title>` and `<h1>` text.
    pub title: String,
    /// `None` when the page has no price.
    pub expected: Option<ExpectedPrice>,
}

/// Every markup, in a fixed order.
pub fn all_markups() -> &'static [Markup] {
    &ALL_MARKUPS
}

/// The markup of product page `n`; consecutive `n` cycle through every markup.
pub fn markup_for(n: u64) -> Markup {
    ALL_MARKUPS[(n % ALL_MARKUPS.len() as u64) as usize]
}

/// A page (epoch 0) of the given markup; different `n` give different pages.
pub fn sample_page(markup: Markup, n: u64) -> Page {
    let index = ALL_MARKUPS.iter().position(|m| *m == markup).unwrap_or(0) as u64;
    product_page(
        n.saturating_mul(ALL_MARKUPS.len() as u64)
            .saturating_add(index),
        0,
    )
}

/// Page `n` at price epoch `epoch` (the epoch shifts some prices up, some down,
/// and leaves the rest alone, so runs against different epochs can differ).
pub fn product_page(n: u64, epoch: u64) -> Page {
    let markup = markup_for(n);
    let currency = currency_for(n, markup);
    let mut minor = price_minor(n, epoch, currency);
    if markup == Markup::ManYen {
        // `万` pages write tenths of 10,000 yen at most: whole thousands.
        minor = (minor / 1000).max(1) * 1000;
    }
    let price = Money { minor, currency };
    let legacy = (markup == Markup::LegacyCharset).then(|| legacy_variant(n));
    let title = match legacy {
        Some(_) => layout::legacy_title(n),
        None => layout::title(n),
    };
    let mut b = Builder {
        n,
        epoch,
        markup,
        price,
        style: display_style(n, markup, currency),
        title: &title,
        html: String::with_capacity(160 * 1024),
    };
    b.page(legacy);
    let expected =
        (!matches!(markup, Markup::NoPrice | Markup::NoPriceSku)).then(|| price.expected());
    let (body, content_type) = match legacy {
        Some(v) => {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&b.html);
            let ct = if v.in_header {
                format!("text/html; charset={}", v.label)
            } else {
                "text/html".to_string()
            };
            (bytes.into_owned(), ct)
        }
        None => (b.html.into_bytes(), "text/html; charset=utf-8".to_string()),
    };
    Page {
        body,
        content_type,
        markup,
        title,
        expected,
    }
}

/// A page in an arbitrary legacy encoding (for `/charset/{label}` routes).
///
/// `label` is any WHATWG encoding label; `None` when it names no encoding.
/// With `in_header` the charset is only in `content_type`, otherwise only in
/// a `<meta charset>`. Encodings that cannot be written (UTF-16) fall back to
/// UTF-8, declared as such. Characters the encoding lacks become numeric
/// character references, which is what browsers send in forms too.
pub fn charset_page(label: &str, in_header: bool) -> Option<Page> {
    let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?.output_encoding();
    let name = encoding.name();
    let title = "Crème brûlée torch and café set (抹茶 edition)";
    let meta = if in_header {
        String::new()
    } else {
        format!("<meta charset=\"{name}\">")
    };
    let html = format!(
        "<!doctype html><html lang=\"fr\"><head>{meta}<title>{title}</title>\
         <script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\
         \"@type\":\"Product\",\"name\":\"{title}\",\"offers\":{{\"@type\":\"Offer\",\
         \"price\":\"1280\",\"priceCurrency\":\"JPY\"}}}}</script></head><body>\
         <h1>{title}</h1><p>Prix spécial, qualité supérieure, façon crème brûlée.</p>\
         <p class=\"product-price\">¥1,280</p><p>Livraison offerte dès 50 € d'achat.</p>\
         </body></html>"
    );
    let (bytes, _, _) = encoding.encode(&html);
    let content_type = if in_header {
        format!("text/html; charset={name}")
    } else {
        "text/html".to_string()
    };
    Some(Page {
        body: bytes.into_owned(),
        content_type,
        markup: Markup::JsonLd,
        title: title.to_string(),
        expected: Some(ExpectedPrice {
            amount: Decimal::new(1280, 0),
            currency: "JPY",
        }),
    })
}

/// `/bad-charset`: declared UTF-8 but holding latin-1 bytes (`Cr\xe8me`); the
/// JSON-LD price (24.50 EUR) is ASCII, so a lenient decoder still finds it.
pub fn bad_charset_page() -> Page {
    let mut body = b"<!doctype html><html><head><meta charset=\"utf-8\"><title>Cr\xe8me br\xfbl\xe9e set</title>\
<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"Product\",\
\"name\":\"Cr\xe8me br\xfbl\xe9e set\",\"offers\":{\"@type\":\"Offer\",\"price\":\"24.50\",\
\"priceCurrency\":\"EUR\"}}</script></head><body><h1>Cr\xe8me br\xfbl\xe9e set</h1>"
        .to_vec();
    body.extend_from_slice(b"<p class=\"product-price\">24,50 \x80</p></body></html>\n");
    Page {
        body,
        content_type: "text/html; charset=utf-8".to_string(),
        markup: Markup::JsonLd,
        title: "Cr\u{fffd}me br\u{fffd}l\u{fffd}e set".to_string(),
        expected: Some(ExpectedPrice {
            amount: Decimal::new(2450, 2),
            currency: "EUR",
        }),
    }
}

/// `/bom`: UTF-8 with a byte-order mark while the header says iso-8859-1; the
/// BOM wins (WHATWG encoding sniffing), so the title reads "Crème brûlée".
pub fn bom_page() -> Page {
    let title = "Crème brûlée blowtorch";
    let html = format!(
        "\u{feff}<!doctype html><html lang=\"fr\"><head><title>{title}</title></head><body>\
         <h1>{title}</h1><p>Qualité professionnelle, garantie 2 ans.</p>\
         <p class=\"product-price\">€24.90</p></body></html>\n"
    );
    Page {
        body: html.into_bytes(),
        content_type: "text/html; charset=iso-8859-1".to_string(),
        markup: Markup::VisibleOnly,
        title: title.to_string(),
        expected: Some(ExpectedPrice {
            amount: Decimal::new(2490, 2),
            currency: "EUR",
        }),
    }
}

fn currency_for(n: u64, markup: Markup) -> Currency {
    use Currency::*;
    let choices: &[Currency] = match markup {
        Markup::JsonLd => &[Usd, Eur, Gbp, Jpy, Chf, Sek],
        Markup::JsonLdGraph => &[Usd, Gbp, Eur, Jpy],
        Markup::Microdata => &[Usd, Eur, Gbp, Sek],
        Markup::Rdfa => &[Usd, Chf, Gbp],
        Markup::OpenGraph => &[Usd, Eur, Jpy],
        Markup::VisibleOnly => &[Usd, Gbp, Chf],
        Markup::European => &[Eur],
        Markup::SplitSpans => &[Usd, Gbp],
        Markup::Sale => &[Usd, Eur, Gbp],
        Markup::NoPrice => &[Usd],
        Markup::YenLocale | Markup::YenState | Markup::ManYen => &[Jpy],
        Markup::AmazonSplit => &[Usd, Gbp, Eur],
        Markup::NoPriceSku => &[Eur],
        Markup::LegacyCharset => {
            // iso-8859-1 has no euro sign, so those pages are priced in pounds.
            return if legacy_variant(n).label == "iso-8859-1" || mix(n ^ 0x77) % 2 == 0 {
                Gbp
            } else {
                Eur
            };
        }
    };
    choices[(mix(n ^ 0xC0FFEE) % choices.len() as u64) as usize]
}

fn display_style(n: u64, markup: Markup, currency: Currency) -> Style {
    match markup {
        Markup::European => Style::European,
        Markup::LegacyCharset if currency == Currency::Eur => Style::European,
        Markup::Microdata if currency == Currency::Eur && n % 2 == 0 => Style::European,
        _ => Style::Symbol,
    }
}

// ---------------------------------------------------------------------------
// Legacy charsets

#[derive(Debug, Clone, Copy)]
struct LegacyVariant {
    label: &'static str,
    in_header: bool,
    /// `<meta charset>` rather than `<meta http-equiv>` when not in the header.
    meta_charset: bool,
}

fn legacy_variant(n: u64) -> LegacyVariant {
    match (n / ALL_MARKUPS.len() as u64) % 4 {
        0 => LegacyVariant {
            label: "windows-1252",
            in_header: true,
            meta_charset: false,
        },
        1 => LegacyVariant {
            label: "windows-1252",
            in_header: false,
            meta_charset: true,
        },
        2 => LegacyVariant {
            label: "iso-8859-1",
            in_header: true,
            meta_charset: false,
        },
        _ => LegacyVariant {
            label: "iso-8859-1",
            in_header: false,
            meta_charset: false,
        },
    }
}

/// Yen as Japanese shops write large amounts: `1.2万円` for 12,000 and
/// `168万円` for 1,680,000; below 10,000 plainly (`3,000円`). `yen` is a
/// multiple of 1,000.
fn write_man_yen(out: &mut String, yen: i64) {
    if yen < 10_000 {
        write_grouped(out, yen, ",");
    } else {
        let _ = write!(out, "{}", yen / 10_000);
        let tenths = (yen % 10_000) / 1_000;
        if tenths != 0 {
            let _ = write!(out, ".{tenths}");
        }
        out.push('万');
    }
    out.push('円');
}

mod builder;
use builder::Builder;

#[cfg(test)]
mod tests;

/// Generation speed, in release: `cargo test --release --lib demo::pages::timing -- --ignored --nocapture`.
#[cfg(test)]
mod timing {
    use super::*;

    #[test]
    #[ignore = "timing; run in release with --nocapture"]
    fn generation_time_per_page() {
        let _ = product_page(0, 0); // build the shared static parts first
        let start = std::time::Instant::now();
        let mut bytes = 0;
        let count = 5000u64;
        for n in 0..count {
            bytes += product_page(n, 1).body.len();
        }
        let elapsed = start.elapsed();
        let per_page = elapsed / count as u32;
        let per_kb = elapsed.as_nanos() as f64 / (bytes as f64 / 1024.0);
        eprintln!(
            "{count} pages, mean {} KB, {per_page:?} per page, {:.0} ns per KB ({:.0} us per 80 KB)",
            bytes / count as usize / 1024,
            per_kb,
            per_kb * 80.0 / 1000.0
        );
        for &m in all_markups() {
            let start = std::time::Instant::now();
            for n in 0..300 {
                std::hint::black_box(sample_page(m, n));
            }
            eprintln!("{m:?}: {:?} per page", start.elapsed() / 300);
        }
    }
}
