//! What an element's class and id tokens say about it: the [`flag`] bits
//! (struck, related section, chrome, main block, screen-reader copy, sale,
//! card, net, ...) and the vocabulary behind each. Read once per distinct
//! class list by the `dom` walk; the walk and `heuristic` decide what the
//! bits mean for a price.
//!
//! A squeezed token is searched once for every needle of every rule (one
//! aho-corasick automaton, built on first use), giving the set of rules whose
//! needles occur in it; the rules then read that set, in the order and with
//! the same logic as a `str::contains` per needle would
//! (`classes_reference.rs` holds that version; a property test holds the two
//! to the same flags).

/// Flags describing an element and, through inheritance, its descendants.
pub(super) mod flag {
    pub const STRUCK_TAG: u32 = 1;
    pub const STRUCK_CLASS: u32 = 1 << 1;
    pub const RELATED: u32 = 1 << 2;
    pub const CHROME: u32 = 1 << 3;
    pub const MAIN: u32 = 1 << 4;
    pub const HIDDEN: u32 = 1 << 5;
    pub const SR_ONLY: u32 = 1 << 6;
    pub const INSTALMENT: u32 = 1 << 7;
    pub const SHIPPING: u32 = 1 << 8;
    pub const SAVINGS: u32 = 1 << 9;
    pub const SALE: u32 = 1 << 10;
    pub const CARD: u32 = 1 << 11;
    pub const SVG: u32 = 1 << 12;
    pub const UNIT: u32 = 1 << 13;
    pub const ARIA_HIDDEN: u32 = 1 << 14;
    /// Not inherited: this element itself carries a price hint.
    pub const PRICE: u32 = 1 << 15;
    /// Not inherited: the fraction part of a split price (`price__cents`).
    pub const FRACTION: u32 = 1 << 16;
    /// Not inherited: a class that cancels the strike-through of its own
    /// `<s>` / `<del>` (`PriceNoThrouth`, `no-strike`).
    pub const UNSTRUCK: u32 = 1 << 18;
    pub const NOT_INHERITED: u32 = PRICE | FRACTION | UNSTRUCK;
    /// Classed "regular price": the old price beside a sale price, else the
    /// only price (see `heuristic::candidates`).
    pub const REGULAR: u32 = 1 << 19;
    /// Classed as the price before tax (Magento's `price-excluding-tax`).
    pub const NET: u32 = 1 << 17;
}
use flag::*;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::sync::OnceLock;

/// The substring rules, one bit each: a bit is set when any of the rule's
/// needles occurs in the squeezed token.
mod rule {
    pub const PRICE: u32 = 1;
    pub const STRUCK: u32 = 1 << 1;
    pub const REGULAR: u32 = 1 << 2;
    pub const UNSTRUCK: u32 = 1 << 3;
    pub const INSTALMENT: u32 = 1 << 4;
    pub const SHIPPING: u32 = 1 << 5;
    pub const TAXABLE: u32 = 1 << 6;
    pub const YOU_SAVE: u32 = 1 << 7;
    pub const SALE: u32 = 1 << 8;
    pub const TAX_WORD: u32 = 1 << 9;
    pub const NET: u32 = 1 << 10;
    pub const UNIT: u32 = 1 << 11;
    pub const SR_ONLY: u32 = 1 << 12;
    pub const MAIN: u32 = 1 << 13;
    pub const FRACTION: u32 = 1 << 14;
    pub const RELATED: u32 = 1 << 15;
    pub const CHROME: u32 = 1 << 16;
    pub const CARD: u32 = 1 << 17;
}

/// Every substring rule's needles, searched in the squeezed token.
const NEEDLES: &[(u32, &[&str])] = &[
    (rule::PRICE, &["price"]),
    // Not "pricelist": `price_list` / `priceList` is a box holding the
    // prices far more often than the list price (`list-price`).
    (
        rule::STRUCK,
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
    ),
    (rule::REGULAR, &["regularprice", "priceregular"]),
    (
        rule::UNSTRUCK,
        &["nothrough", "nothrouth", "nostrike", "nolinethrough"],
    ),
    (
        rule::INSTALMENT,
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
    ),
    (
        rule::SHIPPING,
        &["shipping", "delivery", "postage", "freight"],
    ),
    (rule::TAXABLE, &["taxable"]),
    (rule::YOU_SAVE, &["yousave"]),
    (
        rule::SALE,
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
    ),
    (rule::TAX_WORD, &["tax", "vat", "net"]),
    (
        rule::NET,
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
    ),
    (
        rule::UNIT,
        &[
            "unitprice",
            "perunit",
            "baseprice",
            "priceperkg",
            "referenceprice",
            "grundpreis",
        ],
    ),
    (
        rule::SR_ONLY,
        &[
            "sronly",
            "visuallyhidden",
            "screenreader",
            "offscreen",
            "hiddenvisually",
            "assistive",
            "readeronly",
        ],
    ),
    (
        rule::MAIN,
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
    ),
    (rule::FRACTION, &["fraction", "cents", "decimal", "pence"]),
    (
        rule::RELATED,
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
    ),
    (
        rule::CHROME,
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
    ),
    (
        rule::CARD,
        &[
            "productcard",
            "producttile",
            "productitem",
            "griditem",
            "productthumb",
            "productsnippet",
            "minicard",
        ],
    ),
];

/// The distinct needles and, for each, the rules it belongs to.
struct Automaton {
    ac: Option<AhoCorasick>,
    needles: Vec<&'static str>,
    rules: Vec<u32>,
}

fn automaton() -> &'static Automaton {
    static AUTOMATON: OnceLock<Automaton> = OnceLock::new();
    AUTOMATON.get_or_init(|| {
        let mut needles: Vec<&'static str> = Vec::new();
        let mut rules: Vec<u32> = Vec::new();
        for &(r, list) in NEEDLES {
            for &n in list {
                match needles.iter().position(|&m| m == n) {
                    Some(i) => rules[i] |= r,
                    None => {
                        needles.push(n);
                        rules.push(r);
                    }
                }
            }
        }
        // Standard match semantics, so overlapping search reports every
        // needle that occurs. Should the build fail, `hits` searches needle
        // by needle instead, with the same result.
        let ac = AhoCorasick::builder()
            // A DFA: ~1 M instructions to build, once a run, and then a
            // quarter fewer per search than the contiguous NFA on real
            // pages' class lists (the real corpus, steady state: 7.44 M ->
            // 7.18 M instructions per page; callgrind).
            .kind(Some(AhoCorasickKind::DFA))
            .build(&needles)
            .ok();
        Automaton { ac, needles, rules }
    })
}

/// The rules whose needles occur in a squeezed token.
fn hits(sq: &str) -> u32 {
    let a = automaton();
    match &a.ac {
        Some(ac) => ac
            .find_overlapping_iter(sq)
            .fold(0, |h, m| h | a.rules[m.pattern().as_usize()]),
        None => a
            .needles
            .iter()
            .zip(&a.rules)
            .filter(|(n, _)| sq.contains(**n))
            .fold(0, |h, (_, &r)| h | r),
    }
}

/// Whole-word rules: a bit is set when a `-` / `_` separated part of the raw
/// token equals one of the words, ASCII case ignored.
mod word {
    pub const AMOUNT: u32 = 1;
    pub const STRUCK: u32 = 1 << 1;
    pub const REGULAR: u32 = 1 << 2;
    pub const SAVINGS: u32 = 1 << 3;
    pub const SALE: u32 = 1 << 4;
    pub const PDP: u32 = 1 << 5;
}

const WORDS: &[(u32, &[&str])] = &[
    (word::AMOUNT, &["amount", "cost"]),
    (
        word::STRUCK,
        &[
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
        ],
    ),
    (word::REGULAR, &["regular"]),
    (word::SAVINGS, &["save", "saving", "savings", "discount"]),
    (
        word::SALE,
        &[
            "sale", "special", "final", "current", "now", "offer", "deal", "promo", "actual",
            "selling",
        ],
    ),
    (word::PDP, &["pdp"]),
];

/// The whole-word rules a raw token's parts satisfy.
fn words(token: &str) -> u32 {
    let mut w = 0;
    for p in token.split(['-', '_']) {
        // No word is shorter than 3 or longer than 13 bytes.
        if !(3..=13).contains(&p.len()) {
            continue;
        }
        for &(bit, names) in WORDS {
            if names.iter().any(|n| p.eq_ignore_ascii_case(n)) {
                w |= bit;
            }
        }
    }
    w
}

/// Flags implied by class and id tokens. `buf` is reused to avoid allocation.
pub(super) fn classify_text(value: &str, buf: &mut String) -> u32 {
    let mut f = 0;
    for token in value.split_ascii_whitespace() {
        squeeze(token, buf);
        let sq = buf.as_str();
        let h = hits(sq);
        let has = |r: u32| h & r != 0;
        let w = words(token);
        let part = |r: u32| w & r != 0;
        if has(rule::PRICE) || part(word::AMOUNT) {
            f |= PRICE;
        }
        if part(word::STRUCK) || has(rule::STRUCK) {
            f |= STRUCK_CLASS;
        } else if part(word::REGULAR) || has(rule::REGULAR) {
            // Magento 1's `regular-price` and Dawn's `price-item--regular`
            // hold the only price when nothing is on sale; `heuristic` counts
            // them as struck only beside a sale price.
            f |= REGULAR;
        }
        // Shops style an `<s>` as plain text and name the class for it
        // ("PriceNoThrouth", "no-strike", "no-line-through"): the class wins,
        // as it does in the browser.
        if has(rule::UNSTRUCK) {
            f = (f & !STRUCK_CLASS) | UNSTRUCK;
        }
        f |= sections(sq, h);
        if has(rule::INSTALMENT) {
            f |= INSTALMENT;
        }
        // WooCommerce tags every product wrapper `shipping-taxable`.
        if has(rule::SHIPPING) && !has(rule::TAXABLE) {
            f |= SHIPPING;
        }
        if part(word::SAVINGS) || has(rule::YOU_SAVE) {
            f |= SAVINGS;
        }
        if part(word::SALE) || has(rule::SALE) {
            f |= SALE;
        }
        // Pre-tax price wrappers.
        if has(rule::TAX_WORD) && has(rule::NET) {
            f |= NET;
        }
        if has(rule::UNIT) {
            f |= UNIT;
        }
        if has(rule::SR_ONLY) {
            f |= SR_ONLY;
        }
        if sq == "product" || part(word::PDP) || has(rule::MAIN) {
            f |= MAIN;
        }
        if has(rule::FRACTION) {
            f |= FRACTION;
        }
    }
    f
}

/// The section bits of one squeezed token (its rule hits `h`): related
/// products, page chrome, product card. Shared by [`classify_text`] and
/// [`section_flags`].
fn sections(sq: &str, h: u32) -> u32 {
    let mut f = 0;
    if h & rule::RELATED != 0 {
        f |= RELATED;
    }
    if sq == "cart" || h & rule::CHROME != 0 {
        f |= CHROME;
    }
    if h & rule::CARD != 0 {
        f |= CARD;
    }
    f
}

/// Only [`flag::RELATED`], [`flag::CHROME`] and [`flag::CARD`] of a class or
/// id value: what `buybox::confirms` needs of every tag it reads past.
pub(super) fn section_flags(value: &str, buf: &mut String) -> u32 {
    let mut f = 0;
    for token in value.split_ascii_whitespace() {
        squeeze(token, buf);
        f |= sections(buf, hits(buf));
    }
    f
}

/// A class token lower-cased with everything but letters and digits dropped
/// (`price--old` → `priceold`), into `buf`.
fn squeeze(token: &str, buf: &mut String) {
    buf.clear();
    // ASCII tokens (nearly all) by byte: for them `is_alphanumeric` and
    // `to_lowercase` are their ASCII versions.
    if token.is_ascii() {
        buf.extend(
            token
                .bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return;
    }
    buf.extend(
        token
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase),
    );
}
