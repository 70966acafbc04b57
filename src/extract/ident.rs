//! Numbers that are not prices, and pages that say they have none.
//!
//! SKU, article, model, EAN, order and phone numbers are told by the label
//! before them (`Artikelnummer:`, `SKU`, `Item #`, `Réf.`, `Tel.`) or by their
//! shape (digits glued to letters or hyphens: `KES-55037-C`). "Price on
//! request", "Preis auf Anfrage", "sold out" in the product area mean the page
//! has no visible price at all. A number written with `%` after it is a
//! rate (`inkl. 19% MwSt`, `-20%`), never an amount of money.

use super::Reason;
use crate::price::iso_code;
use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::sync::OnceLock;

/// Labels that make the number after them an identifier, lower case.
const ID_LABELS: &[&str] = &[
    "sku",
    "art.-nr",
    "art-nr",
    "art. nr",
    "artnr",
    "artikelnummer",
    "artikel-nr",
    "artikelnr",
    "bestellnummer",
    "bestell-nr",
    "hersteller-nr",
    "herstellernummer",
    "model",
    "modell",
    "model no",
    "model number",
    "modelo",
    "modèle",
    "ean",
    "ean13",
    "gtin",
    "mpn",
    "upc",
    "isbn",
    "asin",
    "item",
    "item no",
    "item number",
    "part no",
    "part number",
    "ref",
    "réf",
    "referencia",
    "reference",
    "référence",
    "riferimento",
    "codice",
    "code",
    "barcode",
    "style",
    "tel",
    "phone",
    "telefon",
    "téléphone",
    "fax",
    "order",
    "order no",
    "plz",
    "zip",
    "postcode",
    "postal code",
    "nr",
    "no",
    "n°",
    "nº",
];

/// An identifier rather than a price: a label right before the number
/// (`Artikelnummer: `, `SKU `, `Item #`) or digits glued to letters or hyphens
/// (`KES-55037-C`, `AB1234`). `before` is the lower-cased text before the element.
pub(super) fn identifier_veto(text: &str, before: &str) -> Option<Reason> {
    let first_digit = text.find(|c: char| c.is_ascii_digit())?;
    let mut prefix = String::with_capacity(before.len() + first_digit + 1);
    prefix.push_str(before);
    prefix.push(' ');
    prefix.push_str(&text[..first_digit].to_lowercase());
    let p = prefix.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '#' | '.' | '-' | '№' | '°' | '\u{a0}')
    });
    let labelled = ID_LABELS.iter().any(|l| {
        p.strip_suffix(l)
            .is_some_and(|rest| !rest.ends_with(|c: char| c.is_alphanumeric()))
    });
    if labelled || text.split_whitespace().any(glued_identifier) {
        Some(Reason::Identifier)
    } else {
        None
    }
}

/// Letters written straight against the digits that are no currency mark
/// (`EUR12` and `12kr` are prices; `KES-55037-C`, `X200`, `55037-C` are not).
fn glued_identifier(token: &str) -> bool {
    if !token.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let b = token.as_bytes();
    // A hyphen between an alphanumeric and a digit, or a digit and a letter.
    let hyphen = b.windows(3).any(|w| {
        w[1] == b'-'
            && w[0].is_ascii_alphanumeric()
            && w[2].is_ascii_alphanumeric()
            && (w[0].is_ascii_digit() || w[2].is_ascii_digit())
    });
    if hyphen {
        return true;
    }
    let glued = b.windows(2).any(|w| {
        (w[0].is_ascii_alphabetic() && w[1].is_ascii_digit())
            || (w[0].is_ascii_digit() && w[1].is_ascii_alphabetic())
    });
    if !glued {
        return false;
    }
    let letters: String = token.chars().filter(char::is_ascii_alphabetic).collect();
    !CURRENCY_LETTERS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(&letters))
        && iso_code(&letters.to_ascii_uppercase()).is_none()
}

/// Latin-letter currency marks that shops write against the digits.
const CURRENCY_LETTERS: &[&str] = &[
    "rs", "fr", "sfr", "kr", "ft", "rm", "rp", "lei", "kn", "r", "tl", "dh", "yen", "eur", "usd",
];

/// What a page with no price says, lower case.
pub(super) const NO_PRICE_PHRASES: &[&str] = &[
    "price on request",
    "price upon request",
    "price on application",
    "call for price",
    "call for pricing",
    "request a quote",
    "preis auf anfrage",
    "preis a. a.",
    "prix sur demande",
    "precio a consultar",
    "precio bajo consulta",
    "prezzo su richiesta",
    "prijs op aanvraag",
    "sold out",
    "ausverkauft",
    "épuisé",
    "agotado",
    "esaurito",
    "uitverkocht",
];

/// A short text in the product area saying the product has no price.
pub(super) fn says_no_price(text: &str) -> bool {
    // One automaton over all phrases instead of a search per phrase: this
    // runs on every short digit-free text in the product area. No phrase
    // starts or ends with whitespace, so trimming changes no match.
    static PHRASES_AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let ac = PHRASES_AC.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            // A DFA, built once a run: on every short digit-free text of the
            // product area it costs fewer instructions per search than the
            // contiguous NFA (110 KB page 8.35 M -> 8.13 M, the real corpus
            // 7.18 M -> 7.03 M per page, steady state; callgrind).
            .kind(Some(AhoCorasickKind::DFA))
            .build(NO_PRICE_PHRASES)
            .ok()
    });
    let Some(ac) = ac else {
        let t = text.trim().to_lowercase();
        return NO_PRICE_PHRASES.iter().any(|p| t.contains(p));
    };
    // ASCII text lower-cases to its ASCII lower case, which the automaton's
    // ASCII case folding matches without a copy; other text is lower-cased
    // first, as the phrases are written.
    if text.is_ascii() {
        ac.is_match(text)
    } else {
        ac.is_match(&text.to_lowercase())
    }
}

/// A percentage rather than a price: the element's only number is followed by
/// `%` (in its own text, or as the first thing after it). Tax notes such as
/// "Barpreis inkl 19%Mwst" and discount badges carry no currency mark, so
/// without this the rate would be read as a bare price.
pub(super) fn percentage_veto(text: &str, after: &str) -> Option<Reason> {
    let last_digit = text.rfind(|c: char| c.is_ascii_digit())?;
    // The number before `%` runs back over digits and decimal marks only (not
    // spaces: "US $3.95 3%off" is a price and a rate); any digit before it
    // means the text holds another number, which may be the price.
    let start = text[..last_digit]
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(0, |(i, c)| i + c.len_utf8());
    if text[..start].contains(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = text[last_digit + 1..].trim_start_matches([' ', '\u{a0}', '\u{202f}']);
    let rest = if rest.is_empty() {
        after.trim_start()
    } else {
        rest
    };
    rest.starts_with(['%', '％']).then_some(Reason::Percentage)
}
