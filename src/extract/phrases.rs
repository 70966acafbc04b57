//! Words around a visible price that say what it is: instalments, shipping,
//! savings, unit prices, bundle totals, before-tax labels, reference-price
//! labels (`Retail Price:`, `MSRP`, `List Price`, `UVP`, `RRP`: the
//! manufacturer's or regular price a shop compares its own against), and
//! `Price:` labels. Pure text rules over the element's text and the inline text
//! around it; the scoring that uses them lives in `heuristic`.

use super::dom::{collapse, flag, DomNode};
use super::tree::Node;
use super::Reason;

const INSTALMENT: &[&str] = &[
    "payments of",
    "payment of",
    "/mo",
    "per month",
    "a month",
    "/month",
    "monthly",
    "installment",
    "instalment",
    "interest-free",
    "interest free",
    "klarna",
    "afterpay",
    "financing",
    "par mois",
    "pro monat",
    "/mes",
    "/mois",
    "/monat",
];
const SHIPPING: &[&str] = &[
    "shipping",
    "delivery",
    "postage",
    "versand",
    "livraison",
    "envío",
    "spedizione",
];
const SAVINGS: &[&str] = &[
    "you save",
    "save ",
    "saving",
    "% off",
    "sparen",
    "économisez",
];
const UNIT: &[&str] = &[
    "per kg",
    "/kg",
    "/ kg",
    "per 100",
    "/100",
    "/l ",
    "per l ",
    "per litre",
    "per liter",
    "/lb",
    "per lb",
    "/oz",
    "/unit",
    "per unit",
    "/m²",
];

/// Labels of a reference price: what the maker suggests or the shop used to
/// charge, shown to compare the selling price against. Shops print them next
/// to the real price and without strike-through, so only the label tells.
const REFERENCE_LABELS: &[&str] = &[
    "retail price",
    "list price",
    "msrp",
    "rrp",
    "uvp",
    "unverbindliche preisempfehlung",
    "compare at",
    "prix conseillé",
    "prezzo consigliato",
];

/// Whether a reference-price label comes before the amount, in the element's
/// own text (before its first digit) or just before the element.
pub(super) fn says_reference(text: &str, before: &str) -> bool {
    let t = text.to_lowercase();
    let head = t
        .find(|c: char| c.is_ascii_digit())
        .map_or(t.as_str(), |i| &t[..i]);
    let tail = |s: &str| {
        s.char_indices()
            .rev()
            .nth(24)
            .map_or(s, |(i, _)| &s[i..])
            .to_owned()
    };
    let near = tail(before);
    REFERENCE_LABELS.iter().any(|l| {
        let word = |s: &str| {
            s.match_indices(l).any(|(at, _)| {
                !s[..at].ends_with(|c: char| c.is_alphanumeric())
                    && !s[at + l.len()..].starts_with(|c: char| c.is_alphanumeric())
            })
        };
        word(head) || word(&near)
    })
}

/// Labels that name the number after them as the price (`<b>Price:</b> £60`).
/// Only a whole label counts: "Total price:" of a bundle is not one.
const PRICE_LABELS: &[&str] = &[
    "price:",
    "price",
    "our price:",
    "sale price:",
    "price now:",
    "now:",
    "preis:",
    "unser preis:",
    "prix:",
    "precio:",
    "prezzo:",
    "prijs:",
    "pris:",
    "cena:",
];

/// Whether the element's own text starts with a price label, or the inline
/// text just before it is one: old hand-written shops put `Price:` in a
/// sibling `<b>` with no class to hint at it.
pub(super) fn labelled(text: &str, before: &str) -> bool {
    let t = text.to_lowercase();
    let starts = PRICE_LABELS.iter().any(|l| {
        l.ends_with(':')
            && t.strip_prefix(l)
                .is_some_and(|rest| rest.trim_start().starts_with(|c: char| !c.is_alphabetic()))
    });
    starts || PRICE_LABELS.contains(&before.trim())
}

/// "£579.99 Free Delivery": a shipping word that only follows the amount,
/// right after "free", says the price includes delivery; it is no shipping
/// cost. "Free delivery over £50" (the phrase first) stays a threshold.
fn free_shipping_after(t: &str) -> bool {
    let Some(first_digit) = t.find(|c: char| c.is_ascii_digit()) else {
        return false;
    };
    let mut any = false;
    for word in SHIPPING {
        for (at, _) in t.match_indices(word) {
            let free = t[..at].trim_end().ends_with("free")
                || t[at + word.len()..].trim_start().starts_with("gratuit")
                || t[at + word.len()..].trim_start().starts_with("gratis");
            if at < first_digit || !free {
                return false;
            }
            any = true;
        }
    }
    any
}

pub(super) fn phrase_veto(text: &str) -> Option<Reason> {
    let t = text.to_lowercase();
    let has = |list: &[&str]| list.iter().any(|p| t.contains(p));
    if has(INSTALMENT) {
        Some(Reason::Instalment)
    } else if has(SHIPPING) && !free_shipping_after(&t) {
        Some(Reason::Shipping)
    } else if has(SAVINGS) {
        Some(Reason::Savings)
    } else if has(UNIT) || t.ends_with("/l") {
        Some(Reason::UnitPrice)
    } else {
        None
    }
}

pub(super) fn flag_veto(flags: u32) -> Option<Reason> {
    if flags & flag::STRUCK_TAG != 0 {
        Some(Reason::StruckThrough)
    } else if flags & flag::RELATED != 0 {
        Some(Reason::RelatedSection)
    } else if flags & flag::INSTALMENT != 0 {
        Some(Reason::Instalment)
    } else if flags & flag::SHIPPING != 0 {
        Some(Reason::Shipping)
    } else if flags & flag::SAVINGS != 0 {
        Some(Reason::Savings)
    } else if flags & flag::UNIT != 0 {
        Some(Reason::UnitPrice)
    } else {
        None
    }
}

const BLOCK: &[&str] = &[
    "p", "div", "li", "ul", "ol", "section", "form", "table", "tr", "td", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "footer", "article", "aside", "nav", "br", "dl", "dd", "dt",
];

fn inline_text(n: DomNode<'_>, cap: usize) -> Option<String> {
    match n.value() {
        Node::Element(el) if BLOCK.contains(&el.name()) => None,
        _ => Some(super::dom::text_all(n, cap)),
    }
}

/// Up to 40 characters of inline text just before `node` and 24 just after
/// (climbing out of wrappers that hold nothing else), to catch
/// "4 payments of <price>", "<price>/mo", "Shipping: <price>".
pub(super) fn context(node: DomNode<'_>) -> (String, String) {
    let mut n = node;
    for _ in 0..2 {
        let lonely = n.prev_sibling().is_none() && n.next_sibling().is_none();
        match n.parent() {
            Some(p)
                if lonely
                    && p.value()
                        .as_element()
                        .is_some_and(|e| !BLOCK.contains(&e.name())) =>
            {
                n = p
            }
            _ => break,
        }
    }
    let mut before = String::new();
    for s in n.prev_siblings() {
        let Some(t) = inline_text(s, 60) else { break };
        before.insert_str(0, &t);
        if before.len() > 40 {
            break;
        }
    }
    let mut after = String::new();
    for s in n.next_siblings() {
        let Some(t) = inline_text(s, 40) else { break };
        after.push_str(&t);
        if after.len() > 24 {
            break;
        }
    }
    let b = collapse(&before);
    let a = collapse(&after);
    let b = b
        .char_indices()
        .rev()
        .nth(39)
        .map_or(b.as_str(), |(i, _)| &b[i..])
        .to_owned();
    let a = a
        .char_indices()
        .nth(24)
        .map_or(a.as_str(), |(i, _)| &a[..i])
        .to_owned();
    (b, a)
}

/// Labels of a sum over several items: a bundle ("Buy the set: Total
/// price"), frequently-bought-together ("Price for both:", "Buy all three:
/// for all"), or a cart line. Never the product's own price.
const TOTAL_LABELS: &[&str] = &[
    "total price:",
    "total price",
    "total:",
    "subtotal:",
    "gesamtpreis:",
    "gesamt:",
    "prix total :",
    "prix total:",
    "precio total:",
    "for both:",
    "for both",
    "for all:",
    "for all",
    "for all three:",
    "für beide:",
    "pour les deux :",
];

/// Does a unit-price element name the quantity its price is for: a `/` or a
/// per-word in its text or right after it ("12,50 € / kg", "2,99 € pro 100 g",
/// "£1.20 per 100ml")?
pub(super) fn names_quantity(text: &str, after: &str) -> bool {
    let head: String = after.chars().take(24).collect();
    [text, head.as_str()].iter().any(|t| {
        let t = t.to_lowercase();
        t.contains('/')
            || [" per ", " pro ", " je ", " par ", " por ", " soit "]
                .iter()
                .any(|w| format!(" {t} ").contains(w))
    })
}

/// Phrases around a price that make it something else than the price.
pub(super) fn context_veto(before: &str, after: &str) -> Option<Reason> {
    let any = |t: &str, list: &[&str]| list.iter().any(|p| t.contains(p));
    let b = before.trim_end();
    if any(before, INSTALMENT) || any(after, INSTALMENT) {
        Some(Reason::Instalment)
    } else if TOTAL_LABELS.iter().any(|l| b.ends_with(l)) {
        Some(Reason::Total)
    } else if any(before, SHIPPING) {
        Some(Reason::Shipping)
    } else if any(before, SAVINGS) {
        Some(Reason::Savings)
    } else if any(after, UNIT) || after.starts_with("/l") || after.starts_with("/ l") {
        Some(Reason::UnitPrice)
    } else {
        None
    }
}

/// Labels that mark the amount after them as the price before tax.
const NET_LABELS: &[&str] = &[
    "zzgl",
    "exkl",
    "excl",
    "ex. vat",
    "ex vat",
    "ex. tax",
    "netto",
    "hors taxe",
    " ht",
    "sin iva",
    "iva esclusa",
];

/// Whether the text or the label before it says "before tax" (`zzgl. MwSt`,
/// `excl. VAT`, `HT`, `netto`); a trailing ` HT` counts in the text too.
pub(super) fn says_net(text: &str, before: &str) -> bool {
    let t = text.to_lowercase();
    let b = format!(" {before}");
    NET_LABELS.iter().any(|l| b.contains(l) || t.contains(l)) || t.ends_with(" ht")
}
