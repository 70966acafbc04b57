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

// ---------------------------------------------------------------------------
// HTML

struct Builder<'a> {
    n: u64,
    epoch: u64,
    markup: Markup,
    price: Money,
    style: Style,
    title: &'a str,
    html: String,
}

impl Builder<'_> {
    fn page(&mut self, legacy: Option<LegacyVariant>) {
        let h = mix(self.n ^ 0x5EED);
        let lang = match (self.markup, self.style) {
            (Markup::LegacyCharset, _) => "fr",
            (Markup::YenLocale | Markup::ManYen, _) => "ja",
            (Markup::YenState, _) => "",
            (_, Style::European) => "de",
            _ => "en",
        };
        if lang.is_empty() {
            self.html.push_str("<!DOCTYPE html>\n<html>\n<head>\n");
        } else {
            let _ = write!(
                self.html,
                "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n"
            );
        }
        match legacy {
            Some(v) if !v.in_header && v.meta_charset => {
                let _ = writeln!(self.html, "<meta charset=\"{}\">", v.label);
            }
            Some(v) if !v.in_header => {
                let _ = writeln!(
                    self.html,
                    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset={}\">",
                    v.label
                );
            }
            Some(_) => {}
            None => self.html.push_str("<meta charset=\"utf-8\">\n"),
        }
        let _ = write!(
            self.html,
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{t}</title>\n<meta name=\"description\" content=\"Buy {t} online. \
             Free shipping over $50, 30-day returns.\">\n\
             <link rel=\"canonical\" href=\"https://shop.example/product/{n}\">\n",
            t = self.title,
            n = self.n
        );
        self.head_meta();
        if self.markup == Markup::YenState {
            // A storefront's config script, the way many themes expose the
            // shop currency to their own scripts.
            self.html.push_str(
                "<script>window.shopConfig = {\"shop\":\"example-outfitters\",\
                 \"currency\":\"JPY\",\"moneyFormat\":\"¥{{amount_no_decimals}}\"};</script>\n",
            );
        }
        self.html.push_str(layout::STYLE);
        if matches!(self.markup, Markup::JsonLd | Markup::JsonLdGraph)
            || (self.markup == Markup::Sale && h % 2 == 0)
            || (self.markup == Markup::NoPrice && h % 2 == 0)
        {
            self.json_ld(h);
        }
        self.html
            .push_str("</head>\n<body class=\"product-page\">\n");
        self.html.push_str(layout::nav());
        // A "recently viewed" strip before the product: prices a naive
        // "first price on the page" scraper would wrongly pick.
        let before = 2 + h % 3;
        self.html.push_str(
            "<section class=\"recently-viewed\"><h2>Recently viewed</h2><ul class=\"cards\">\n",
        );
        for i in 0..before {
            self.card(self.n.wrapping_add(1 + i * 7));
        }
        self.html.push_str("</ul></section>\n");
        self.breadcrumbs();
        self.product(h);
        self.description(h);
        let related = 6 + h % 14;
        self.html.push_str(
            "<section class=\"related\"><h2>Customers also bought</h2><ul class=\"cards\">\n",
        );
        for i in 0..related {
            self.card(self.n.wrapping_add(100 + i * 13));
        }
        self.html.push_str("</ul></section>\n");
        self.reviews(h);
        self.html.push_str(layout::footer());
        self.html.push_str("</body>\n</html>\n");
    }

    fn head_meta(&mut self) {
        let _ = write!(
            self.html,
            "<meta property=\"og:title\" content=\"{t}\">\n\
             <meta property=\"og:image\" content=\"https://shop.example/img/{n}.jpg\">\n",
            t = self.title,
            n = self.n
        );
        if self.markup == Markup::OpenGraph {
            self.html
                .push_str("<meta property=\"og:type\" content=\"product\">\n");
            self.html
                .push_str("<meta property=\"product:price:amount\" content=\"");
            write_plain(&mut self.html, self.price);
            let _ = writeln!(
                self.html,
                "\">\n<meta property=\"product:price:currency\" content=\"{}\">",
                self.price.currency.code()
            );
        } else {
            self.html
                .push_str("<meta property=\"og:type\" content=\"website\">\n");
        }
    }

    fn json_ld(&mut self, h: u64) {
        let code = self.price.currency.code();
        let offer = |b: &mut Self| {
            if b.markup == Markup::NoPrice {
                return;
            }
            b.html.push_str(",\"offers\":");
            let as_array = h % 3 == 0 || b.markup == Markup::JsonLdGraph;
            if as_array {
                b.html.push('[');
            }
            b.html.push_str("{\"@type\":\"Offer\",\"price\":");
            // Real sites write the price both as a JSON string and as a number.
            let quoted = h % 2 == 0;
            if quoted {
                b.html.push('"');
            }
            write_plain(&mut b.html, b.price);
            if quoted {
                b.html.push('"');
            }
            let _ = write!(
                b.html,
                ",\"priceCurrency\":\"{code}\",\"availability\":\"https://schema.org/InStock\",\
                 \"url\":\"https://shop.example/product/{n}\",\"priceValidUntil\":\"2027-12-31\"}}",
                n = b.n
            );
            if as_array {
                b.html.push(']');
            }
        };
        self.html
            .push_str("<script type=\"application/ld+json\">\n");
        if self.markup == Markup::JsonLdGraph {
            let _ = write!(
                self.html,
                "{{\"@context\":\"https://schema.org\",\"@graph\":[\
                 {{\"@type\":\"Organization\",\"@id\":\"https://shop.example/#org\",\
                 \"name\":\"Example Outfitters\",\"url\":\"https://shop.example/\",\
                 \"foundingDate\":\"1998\",\"numberOfEmployees\":250}},\
                 {{\"@type\":\"WebSite\",\"url\":\"https://shop.example/\",\"name\":\"Example Outfitters\"}},\
                 {{\"@type\":\"BreadcrumbList\",\"itemListElement\":[\
                 {{\"@type\":\"ListItem\",\"position\":1,\"name\":\"Home\",\"item\":\"https://shop.example/\"}},\
                 {{\"@type\":\"ListItem\",\"position\":2,\"name\":\"{cat}\",\"item\":\"https://shop.example/c/{n3}\"}},\
                 {{\"@type\":\"ListItem\",\"position\":3,\"name\":\"{t}\"}}]}},\
                 {{\"@type\":\"Product\",\"@id\":\"https://shop.example/product/{n}#product\",\
                 \"name\":\"{t}\",\"sku\":\"SKU-{n}\",\"mpn\":\"{mpn}\",\
                 \"brand\":{{\"@type\":\"Brand\",\"name\":\"{brand}\"}},\
                 \"aggregateRating\":{{\"@type\":\"AggregateRating\",\"ratingValue\":\"4.{r}\",\"reviewCount\":\"{rc}\"}}",
                cat = layout::category(self.n),
                n3 = self.n % 40,
                t = self.title,
                n = self.n,
                mpn = 10_000 + h % 90_000,
                brand = layout::brand(self.n),
                r = h % 10,
                rc = 12 + h % 3000,
            );
            offer(self);
            self.html.push_str("}]}\n</script>\n");
        } else {
            let _ = write!(
                self.html,
                "{{\"@context\":\"https://schema.org/\",\"@type\":\"Product\",\"name\":\"{t}\",\
                 \"image\":[\"https://shop.example/img/{n}.jpg\"],\"sku\":\"SKU-{n}\",\
                 \"description\":\"{t}. 2 year warranty, pack of 3.\",\
                 \"brand\":{{\"@type\":\"Brand\",\"name\":\"{brand}\"}},\
                 \"weight\":{{\"@type\":\"QuantitativeValue\",\"value\":\"1.{w}\",\"unitCode\":\"KGM\"}}",
                t = self.title,
                n = self.n,
                brand = layout::brand(self.n),
                w = h % 10,
            );
            offer(self);
            self.html.push_str("}\n</script>\n");
        }
    }

    fn breadcrumbs(&mut self) {
        let _ = writeln!(
            self.html,
            "<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\"><ol>\
             <li><a href=\"/\">Home</a></li><li><a href=\"/c/{c}\">{cat}</a></li>\
             <li><a href=\"/c/{c}/{s}\">Top {top} picks</a></li><li aria-current=\"page\">{t}</li>\
             </ol></nav>",
            c = self.n % 40,
            cat = layout::category(self.n),
            s = self.n % 7,
            top = 10 + self.n % 40,
            t = self.title,
        );
    }

    fn product(&mut self, h: u64) {
        let p = self.price;
        let (open, name_attr) = match self.markup {
            Markup::Microdata => (
                "<main id=\"product\" class=\"product\" itemscope itemtype=\"https://schema.org/Product\">",
                " itemprop=\"name\"",
            ),
            Markup::Rdfa => (
                "<main id=\"product\" class=\"product\" prefix=\"schema: https://schema.org/\" typeof=\"schema:Product\">",
                " property=\"schema:name\"",
            ),
            _ => ("<main id=\"product\" class=\"product\">", ""),
        };
        let _ = write!(
            self.html,
            "{open}\n<div class=\"gallery\"><img src=\"/img/{n}.jpg\" alt=\"{t}\" width=\"600\" height=\"600\">\
             <span class=\"zoom\">1 of {imgs}</span></div>\n<div class=\"buy-box\">\n\
             <h1 class=\"product-title\"{name_attr}>{t}</h1>\n\
             <p class=\"sku\">Item #{sku} &middot; Model {model}-B</p>\n\
             <p class=\"rating\">Rated 4.{r} out of 5 ({rc} reviews)</p>\n",
            n = self.n,
            t = self.title,
            imgs = 3 + h % 6,
            sku = 100_000 + self.n,
            model = 1000 + h % 9000,
            r = h % 10,
            rc = 12 + h % 3000,
        );
        match self.markup {
            Markup::Microdata => {
                self.html.push_str(
                    "<div class=\"price-box\" itemprop=\"offers\" itemscope itemtype=\"https://schema.org/Offer\">\
                     <meta itemprop=\"priceCurrency\" content=\"",
                );
                self.html.push_str(p.currency.code());
                self.html
                    .push_str("\"><span class=\"price\" itemprop=\"price\" content=\"");
                write_plain(&mut self.html, p);
                self.html.push_str("\">");
                write_display(&mut self.html, p, self.style);
                self.html.push_str(
                    "</span><link itemprop=\"availability\" href=\"https://schema.org/InStock\">\
                     </div>\n",
                );
            }
            Markup::Rdfa => {
                self.html.push_str(
                    "<div class=\"price-box\" property=\"schema:offers\" typeof=\"schema:Offer\">\
                     <span class=\"price\" property=\"schema:price\" content=\"",
                );
                write_plain(&mut self.html, p);
                self.html.push_str("\">");
                write_display(&mut self.html, p, self.style);
                let _ = writeln!(
                    self.html,
                    "</span><meta property=\"schema:priceCurrency\" content=\"{}\"></div>",
                    p.currency.code()
                );
            }
            Markup::SplitSpans => {
                let sym = if p.currency == Currency::Gbp {
                    "£"
                } else {
                    "$"
                };
                let _ = write!(
                    self.html,
                    "<div class=\"product-price\" aria-label=\"price\"><span class=\"currency\">{sym}</span>\
                     <span class=\"whole\">"
                );
                write_grouped(&mut self.html, p.minor / 100, ",");
                let _ = writeln!(
                    self.html,
                    "</span><span class=\"sep\">.</span><span class=\"fraction\">{:02}</span></div>",
                    p.minor % 100
                );
            }
            Markup::Sale => {
                let old = Money {
                    minor: p.minor + (p.minor / 4 / 100).max(1) * 100,
                    ..p
                };
                let (o, c) = match h % 3 {
                    0 => ("<del class=\"was\">", "</del>"),
                    1 => ("<s>", "</s>"),
                    _ => ("<span class=\"old-price\">Was ", "</span>"),
                };
                self.html.push_str("<div class=\"price-box on-sale\">");
                self.html.push_str(o);
                write_display(&mut self.html, old, self.style);
                self.html.push_str(c);
                self.html
                    .push_str(" <span class=\"product-price sale-price\">");
                write_display(&mut self.html, p, self.style);
                self.html
                    .push_str("</span> <span class=\"badge\">Save 20%</span></div>\n");
            }
            Markup::AmazonSplit => self.amazon_price(p),
            Markup::NoPriceSku => {
                let _ = writeln!(
                    self.html,
                    "<div class=\"product-detail-ordernumber\"><span class=\"label\">Artikelnummer:</span> \
                     <span class=\"ordernumber\">KES-{n}-C</span></div>\n\
                     <p class=\"ean\">EAN: {ean}</p>\n\
                     <div class=\"product-detail-price-container\"><p class=\"product-detail-price\">Preis auf Anfrage</p></div>\n\
                     <p>Beratung unter Tel. 0800 {tel} oder per E-Mail. Artikelnummer: KES-{n}-C</p>",
                    n = 10_000 + self.n % 90_000,
                    ean = 4_006_381_000_000 + self.n % 1_000_000,
                    tel = 100_000 + h % 900_000,
                );
            }
            Markup::NoPrice => {
                self.html.push_str(
                    "<div class=\"availability out-of-stock\"><p>Currently unavailable.</p>\
                     <p>We don't know when or if this item will be back in stock.</p>\
                     <button class=\"notify\">Notify me</button></div>\n",
                );
            }
            _ => {
                self.html
                    .push_str("<div class=\"price-box\"><span class=\"product-price\">");
                if self.markup == Markup::ManYen {
                    write_man_yen(&mut self.html, p.minor);
                } else {
                    write_display(&mut self.html, p, self.style);
                }
                self.html.push_str("</span>");
                if p.currency != Currency::Jpy {
                    self.html
                        .push_str(" <span class=\"tax-note\">incl. VAT</span>");
                }
                self.html.push_str("</div>\n");
            }
        }
        if !matches!(self.markup, Markup::NoPrice | Markup::NoPriceSku)
            && h % 2 == 1
            && p.currency.decimals() == 2
        {
            // An instalment offer right after the price: another amount nearby.
            let quarter = Money {
                minor: (p.minor + 3) / 4,
                ..p
            };
            self.html
                .push_str("<p class=\"instalments\">or 4 interest-free payments of ");
            write_display(&mut self.html, quarter, self.style);
            self.html.push_str(" with PayLater</p>\n");
        }
        let _ = write!(
            self.html,
            "<form class=\"add-to-cart\" action=\"/cart\" method=\"post\"><input type=\"hidden\" \
             name=\"sku\" value=\"SKU-{n}\"><label>Qty <input type=\"number\" name=\"qty\" value=\"1\" \
             min=\"1\" max=\"10\"></label><button type=\"submit\">Add to cart</button></form>\n\
             <ul class=\"perks\"><li>Free shipping over $50</li><li>30-day returns</li>\
             <li>Ships in 1-2 business days</li></ul>\n</div>\n",
            n = self.n
        );
    }

    /// Amazon's `a-price`: the complete price for screen readers, then the
    /// visible split spans (symbol after the amount for euros, as on amazon.de).
    fn amazon_price(&mut self, p: Money) {
        let (sym, group, dec) = match p.currency {
            Currency::Eur => ("€", ".", ","),
            Currency::Gbp => ("£", ",", "."),
            _ => ("$", ",", "."),
        };
        self.html.push_str(
            "<div id=\"corePrice_feature_div\"><span class=\"a-price aok-align-center priceToPay\" \
             data-a-size=\"xl\"><span class=\"a-offscreen\">",
        );
        if p.currency == Currency::Eur {
            write_grouped(&mut self.html, p.minor / 100, group);
            let _ = write!(self.html, "{dec}{:02}\u{a0}{sym}", p.minor % 100);
        } else {
            self.html.push_str(sym);
            write_grouped(&mut self.html, p.minor / 100, group);
            let _ = write!(self.html, "{dec}{:02}", p.minor % 100);
        }
        self.html.push_str("</span><span aria-hidden=\"true\">");
        if p.currency != Currency::Eur {
            let _ = write!(self.html, "<span class=\"a-price-symbol\">{sym}</span>");
        }
        self.html.push_str("<span class=\"a-price-whole\">");
        write_grouped(&mut self.html, p.minor / 100, group);
        let _ = write!(
            self.html,
            "<span class=\"a-price-decimal\">{dec}</span></span><span class=\"a-price-fraction\">{:02}</span>",
            p.minor % 100
        );
        if p.currency == Currency::Eur {
            let _ = write!(self.html, "<span class=\"a-price-symbol\">{sym}</span>");
        }
        self.html.push_str("</span></span></div>\n");
    }

    fn description(&mut self, h: u64) {
        let _ = write!(
            self.html,
            "<section class=\"description\"><h2>Description</h2>\n\
             <p>The {t} comes with a {w} year warranty and free returns within 30 days. \
             Sold as a pack of {pack}; save 20% when you buy 2 or more.</p>\n\
             <p>Dimensions: {a} x {b} x {c} cm, weight {kg}.{g} kg. Battery lasts up to {hrs} hours and \
             charges in 90 minutes over USB-C (5V/2A).</p>\n\
             <p>Over {k},{k3:03} happy customers since 2019. Water resistant to 30 m, tested from -20 to 45 \
             degrees C.</p>\n\
             <table class=\"specs\"><tr><th>Model</th><td>{model}</td></tr><tr><th>Width</th><td>{a} cm</td></tr>\
             <tr><th>Height</th><td>{b} cm</td></tr><tr><th>Depth</th><td>{c} cm</td></tr>\
             <tr><th>Weight</th><td>{kg}.{g} kg</td></tr><tr><th>Warranty</th><td>{w} years</td></tr>\
             <tr><th>In the box</th><td>{pack} units, 1 manual</td></tr></table>\n</section>\n</main>\n",
            t = self.title,
            w = 1 + h % 5,
            pack = 2 + (h >> 3) % 10,
            a = 10 + (h >> 5) % 90,
            b = 5 + (h >> 9) % 60,
            c = 2 + (h >> 13) % 30,
            kg = (h >> 17) % 12,
            g = (h >> 21) % 10,
            hrs = 6 + (h >> 25) % 40,
            k = 1 + (h >> 29) % 98,
            k3 = (h >> 33) % 1000,
            model = 1000 + h % 9000,
        );
    }

    /// A related-product card with that product's own price, written in this
    /// page's currency and style.
    fn card(&mut self, m: u64) {
        let price = Money {
            minor: price_minor(m, self.epoch, self.price.currency),
            currency: self.price.currency,
        };
        let _ = write!(
            self.html,
            "<li class=\"card\"><a href=\"/product/{m}\"><img src=\"/img/{m}.jpg\" alt=\"\" width=\"240\" \
             height=\"240\" loading=\"lazy\"><span class=\"card-title\">",
        );
        if self.markup == Markup::LegacyCharset {
            self.html.push_str(&layout::legacy_title(m));
        } else {
            self.html.push_str(&layout::title(m));
        }
        self.html
            .push_str("</span></a><span class=\"card-price price\">");
        write_display(&mut self.html, price, self.style);
        let _ = writeln!(
            self.html,
            "</span><span class=\"stars\">4.{r} ({c})</span><button class=\"quick-add\" \
             data-sku=\"SKU-{m}\">Add</button></li>",
            r = mix(m) % 10,
            c = 3 + mix(m) % 900,
        );
    }

    /// Review text until the page reaches its target size (20–150 KB).
    fn reviews(&mut self, h: u64) {
        let u = (mix(self.n ^ 0xB16) % 1000) as usize;
        // Skewed toward smaller pages, like real shops: median ~50 KB.
        let target = 22_000 + 118_000 * u * u / 1_000_000;
        let budget = target.saturating_sub(layout::footer().len());
        self.html
            .push_str("<section class=\"reviews\"><h2>Customer reviews</h2>\n");
        let pool = layout::reviews();
        let mut i = (h % pool.len() as u64) as usize;
        while self.html.len() < budget {
            self.html.push_str(&pool[i]);
            i = (i + 1) % pool.len();
        }
        self.html.push_str("</section>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn pages_are_deterministic() {
        for n in [0, 1, 7, 42, 999, 123_456] {
            let a = product_page(n, 0);
            let b = product_page(n, 0);
            assert_eq!(a.body, b.body);
            assert_eq!(a.expected, b.expected);
            assert_eq!(a.title, b.title);
        }
    }

    #[test]
    fn sizes_are_realistic() {
        let mut max = 0;
        let mut min = usize::MAX;
        for n in 0..600 {
            let len = product_page(n, 0).body.len();
            min = min.min(len);
            max = max.max(len);
            assert!((20_000..=150_000).contains(&len), "page {n} is {len} bytes");
        }
        assert!(max > 100_000, "no big pages: max {max}");
        assert!(min < 40_000, "no small pages: min {min}");
    }

    #[test]
    fn every_markup_occurs() {
        let seen: HashSet<Markup> = (0..50).map(|n| product_page(n, 0).markup).collect();
        assert_eq!(seen.len(), all_markups().len());
        for &m in all_markups() {
            assert_eq!(sample_page(m, 3).markup, m);
        }
    }

    #[test]
    fn title_is_in_title_tag_and_h1() {
        for n in 0..40 {
            let p = product_page(n, 0);
            let text = match p.markup {
                Markup::LegacyCharset => encoding_rs::WINDOWS_1252.decode(&p.body).0.into_owned(),
                _ => String::from_utf8(p.body.clone()).expect("utf-8 page"),
            };
            assert!(
                text.contains(&format!("<title>{}</title>", p.title)),
                "page {n}"
            );
            assert!(text.contains(&format!("{}</h1>", p.title)), "page {n}");
        }
    }

    #[test]
    fn expected_price_appears_in_markup() {
        for n in 0..200 {
            let p = product_page(n, 0);
            let text = match p.markup {
                Markup::LegacyCharset => encoding_rs::WINDOWS_1252.decode(&p.body).0.into_owned(),
                _ => String::from_utf8(p.body.clone()).expect("utf-8 page"),
            };
            let Some(e) = &p.expected else {
                assert!(matches!(p.markup, Markup::NoPrice | Markup::NoPriceSku));
                continue;
            };
            let plain = e.amount.to_string();
            match p.markup {
                Markup::JsonLd | Markup::JsonLdGraph => {
                    assert!(
                        text.contains(&format!("\"price\":{plain},"))
                            || text.contains(&format!("\"price\":\"{plain}\"")),
                        "page {n}"
                    );
                    assert!(text.contains(&format!("\"priceCurrency\":\"{}\"", e.currency)));
                }
                Markup::Microdata => {
                    assert!(text.contains(&format!("itemprop=\"price\" content=\"{plain}\"")));
                }
                Markup::Rdfa => {
                    assert!(
                        text.contains(&format!("property=\"schema:price\" content=\"{plain}\""))
                    );
                }
                Markup::OpenGraph => {
                    assert!(text.contains(&format!("\"product:price:amount\" content=\"{plain}\"")));
                }
                _ => {}
            }
        }
    }

    #[test]
    fn legacy_pages_are_not_utf8_and_declare_their_charset() {
        let mut header = 0;
        let mut meta = 0;
        for n in 0..200 {
            let p = product_page(n, 0);
            if p.markup != Markup::LegacyCharset {
                continue;
            }
            assert!(
                std::str::from_utf8(&p.body).is_err(),
                "page {n} should need decoding"
            );
            if p.content_type.contains("charset=") {
                header += 1;
            } else {
                let head = String::from_utf8_lossy(&p.body[..600]).into_owned();
                assert!(head.contains("charset="), "page {n} declares no charset");
                meta += 1;
            }
            let text = encoding_rs::WINDOWS_1252.decode(&p.body).0.into_owned();
            assert!(
                text.contains("Crème brûlée") || text.contains("é"),
                "page {n}"
            );
        }
        assert!(header > 0 && meta > 0);
    }

    #[test]
    fn epochs_move_some_prices_both_ways() {
        let (mut up, mut down, mut same) = (0, 0, 0);
        for n in 0..300 {
            let (Some(a), Some(b)) = (product_page(n, 0).expected, product_page(n, 1).expected)
            else {
                continue;
            };
            assert_eq!(a.currency, b.currency);
            match b.amount.cmp(&a.amount) {
                std::cmp::Ordering::Greater => up += 1,
                std::cmp::Ordering::Less => down += 1,
                std::cmp::Ordering::Equal => same += 1,
            }
        }
        assert!(
            up > 20 && down > 20 && same > 20,
            "up {up} down {down} same {same}"
        );
    }

    #[test]
    fn currencies_vary_and_jpy_has_no_decimals() {
        let mut codes = HashSet::new();
        for n in 0..300 {
            if let Some(e) = product_page(n, 0).expected {
                codes.insert(e.currency);
                if e.currency == "JPY" {
                    assert_eq!(e.amount.scale(), 0);
                } else {
                    assert_eq!(e.amount.scale(), 2);
                }
            }
        }
        for c in ["USD", "EUR", "GBP", "JPY", "CHF", "SEK"] {
            assert!(codes.contains(c), "{c} missing");
        }
    }

    #[test]
    fn charset_pages_encode() {
        let p = charset_page("shift_jis", true).expect("known label");
        assert_eq!(p.content_type, "text/html; charset=Shift_JIS");
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&p.body);
        assert!(!bad);
        assert!(text.contains("抹茶 edition"), "{text}");
        assert!(charset_page("no-such-charset", true).is_none());
        let p = charset_page("latin1", false).expect("known label");
        assert_eq!(p.content_type, "text/html");
        assert!(std::str::from_utf8(&p.body).is_err());
    }
}

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
