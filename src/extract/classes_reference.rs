//! `classes.rs` as it was before issue 10 (a `str::contains` per needle),
//! kept verbatim as the reference the automaton-based classifier must agree
//! with on every class value.

use super::classes::flag::*;

fn contains_any(hay: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| hay.contains(n))
}

/// Flags implied by class and id tokens. `buf` is reused to avoid allocation.
pub fn classify_text(value: &str, buf: &mut String) -> u32 {
    let mut f = 0;
    for token in value.split_ascii_whitespace() {
        squeeze(token, buf);
        let sq = buf.as_str();
        let part = |names: &[&str]| {
            token
                .split(['-', '_'])
                .any(|p| names.iter().any(|n| p.eq_ignore_ascii_case(n)))
        };
        if sq.contains("price") || part(&["amount", "cost"]) {
            f |= PRICE;
        }
        if part(&[
            "was",
            "old",
            "compare",
            "rrp",
            "msrp",
            "uvp",
            "original",
            "strike",
            "crossed",
            "strikethrough",
        ]) || contains_any(
            sq,
            // Not "pricelist": `price_list` / `priceList` is a box holding the
            // prices far more often than the list price (`list-price`).
            &[
                "oldprice",
                "wasprice",
                "listprice",
                "compareat",
                "compareprice",
                "strikethrough",
                "crossedout",
                "originalprice",
                "beforeprice",
                "pricewas",
                "priceold",
                "pricecompare",
                "pricebefore",
                "priceoriginal",
                "pricestrike",
            ],
        ) {
            f |= STRUCK_CLASS;
        } else if part(&["regular"]) || contains_any(sq, &["regularprice", "priceregular"]) {
            // Magento 1's `regular-price` and Dawn's `price-item--regular`
            // hold the only price when nothing is on sale; `heuristic` counts
            // them as struck only beside a sale price.
            f |= REGULAR;
        }
        // Shops style an `<s>` as plain text and name the class for it
        // ("PriceNoThrouth", "no-strike", "no-line-through"): the class wins,
        // as it does in the browser.
        if contains_any(sq, &["nothrough", "nothrouth", "nostrike", "nolinethrough"]) {
            f = (f & !STRUCK_CLASS) | UNSTRUCK;
        }
        f |= sections(sq);
        if contains_any(
            sq,
            &[
                "installment",
                "instalment",
                "monthly",
                "financing",
                "permonth",
                "klarna",
                "afterpay",
                "affirm",
                "sezzle",
                "paylater",
            ],
        ) {
            f |= INSTALMENT;
        }
        // WooCommerce tags every product wrapper `shipping-taxable`.
        if contains_any(sq, &["shipping", "delivery", "postage", "freight"])
            && !sq.contains("taxable")
        {
            f |= SHIPPING;
        }
        if part(&["save", "saving", "savings", "discount"]) || sq.contains("yousave") {
            f |= SAVINGS;
        }
        if part(&[
            "sale", "special", "final", "current", "now", "offer", "deal", "promo", "actual",
            "selling",
        ]) || contains_any(
            sq,
            &[
                "saleprice",
                "finalprice",
                "specialprice",
                "currentprice",
                "pricenow",
                "ourprice",
                "offerprice",
                "discounted",
            ],
        ) {
            f |= SALE;
        }
        // Pre-tax price wrappers; the cheap test first, as class tokens
        // rarely hold any of these.
        if (sq.contains("tax") || sq.contains("vat") || sq.contains("net"))
            && contains_any(
                sq,
                &[
                    "excludingtax",
                    "excltax",
                    "exkltax",
                    "extax",
                    "exclvat",
                    "exvat",
                    "withouttax",
                    "pricenet",
                    "netprice",
                ],
            )
        {
            f |= NET;
        }
        if contains_any(
            sq,
            &[
                "unitprice",
                "perunit",
                "baseprice",
                "priceperkg",
                "referenceprice",
                "grundpreis",
            ],
        ) {
            f |= UNIT;
        }
        if contains_any(
            sq,
            &[
                "sronly",
                "visuallyhidden",
                "screenreader",
                "offscreen",
                "hiddenvisually",
                "assistive",
                "readeronly",
            ],
        ) {
            f |= SR_ONLY;
        }
        if sq == "product"
            || part(&["pdp"])
            || contains_any(
                sq,
                &[
                    "productdetail",
                    "productinfo",
                    "productmain",
                    "productpage",
                    "productview",
                    "productsingle",
                    "singleproduct",
                    "buybox",
                    "productsummary",
                    "productessential",
                    "productcontent",
                    "producthero",
                ],
            )
        {
            f |= MAIN;
        }
        if contains_any(sq, &["fraction", "cents", "decimal", "pence"]) {
            f |= FRACTION;
        }
    }
    f
}

/// The section bits of one squeezed token: related products, page chrome,
/// product card. Shared by [`classify_text`] and [`section_flags`].
fn sections(sq: &str) -> u32 {
    let mut f = 0;
    if contains_any(
        sq,
        &[
            "related",
            "recommend",
            "similar",
            "carousel",
            "upsell",
            "crosssell",
            "alsobought",
            "alsoviewed",
            "alsolike",
            "recentlyviewed",
            "youmay",
            "productgrid",
            "productsgrid",
            "productlist",
            "productslist",
            "suggest",
            "boughttogether",
            "crossell",
        ],
    ) {
        f |= RELATED;
    }
    if sq == "cart"
        || contains_any(
            sq,
            &[
                "minicart",
                "cartdrawer",
                "carttotal",
                "cartcount",
                "cartsummary",
                "headercart",
                "basket",
                "sitefooter",
                "pagefooter",
                "siteheader",
                "navbar",
                "breadcrumb",
                "megamenu",
            ],
        )
    {
        f |= CHROME;
    }
    if contains_any(
        sq,
        &[
            "productcard",
            "producttile",
            "productitem",
            "griditem",
            "productthumb",
            "productsnippet",
            "minicard",
        ],
    ) {
        f |= CARD;
    }
    f
}

/// Only [`flag::RELATED`], [`flag::CHROME`] and [`flag::CARD`] of a class or
/// id value: what `buybox::confirms` needs of every tag it reads past, at a
/// fraction of [`classify_text`]'s cost.
pub fn section_flags(value: &str, buf: &mut String) -> u32 {
    let mut f = 0;
    for token in value.split_ascii_whitespace() {
        squeeze(token, buf);
        f |= sections(buf);
    }
    f
}

/// A class token lower-cased with everything but letters and digits dropped
/// (`price--old` → `priceold`), into `buf`.
fn squeeze(token: &str, buf: &mut String) {
    buf.clear();
    buf.extend(
        token
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase),
    );
}
