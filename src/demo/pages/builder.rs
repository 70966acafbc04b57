//! The HTML of one product page: head, navigation, the product block in the
//! page's markup, related products, reviews and footer, written into one
//! `String`. What the page says (price, currency, markup, title) is decided
//! in `pages`; the static text comes from `layout`.

use super::*;

pub(super) struct Builder<'a> {
    pub(super) n: u64,
    pub(super) epoch: u64,
    pub(super) markup: Markup,
    pub(super) price: Money,
    pub(super) style: Style,
    pub(super) title: &'a str,
    pub(super) html: String,
}

impl Builder<'_> {
    pub(super) fn page(&mut self, legacy: Option<LegacyVariant>) {
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
