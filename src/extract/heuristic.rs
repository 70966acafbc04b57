//! The visible price when structured data has none, and the user's `--selector`.
//!
//! Candidates are elements with a price hint (class/id/itemprop containing
//! "price", "amount", "cost") and elements whose own text shows digits next to a
//! currency mark. Each gets the text a reader sees (struck-through parts and
//! screen-reader copies left out, split whole/fraction spans and `<sup>` cents
//! joined); the screen-reader copy (`a-offscreen`, `sr-only`) is read instead
//! when it is one complete price with a currency and the visible text is not.
//! A plain number in `data-price-amount`, `data-price` or `content` on a price
//! element gives the amount when the text reads another (`$3.499` → 3499).
//! Then a score:
//!
//! | signal | points |
//! |---|---|
//! | price hint on the element itself, or a `Price:` label before the amount | +30 |
//! | currency mark in the text / two-digit fraction | +10 / +5 |
//! | sale / current / final price hint | +15 |
//! | inside `main`, `article`, `#product`, a product-detail block | +15 |
//! | in the `<h1>`'s parent / grandparent block | +20 / +10 |
//! | after the `<h1>`, fading with distance | up to +20 |
//! | before the `<h1>` | −5 |
//! | class says old/was/regular/compare price | −45 |
//! | in a product card (grid tile) | −20 |
//! | in nav, header, footer, aside, cart | −60 |
//!
//! Never chosen: `<del>`/`<s>`/`<strike>`/line-through, related-products
//! sections, instalments ("4 payments of", "/mo"), shipping (but "£579.99 Free
//! Delivery" is the price: "free" + a shipping word after the amount), savings, unit prices,
//! identifiers (SKU, EAN, model, phone: by label or glued shape), a sum labelled
//! "Total price:" (a bundle or cart total), anything on a
//! "price on request" / "sold out" page, a price that is part of a larger one,
//! and any score below [`THRESHOLD`].
//!
//! How the text is read lives in `visible_text`; the phrase and label rules
//! (instalment, shipping, totals, net, `Price:`) in `phrases`.

use super::buybox::vis;
use super::dom::{flag, DomNode};
use super::ident::{identifier_veto, percentage_veto};
use super::phrases::{
    context, context_veto, flag_veto, labelled, names_quantity, phrase_veto, says_net,
    says_reference,
};
use super::visible_text::price_text;
use super::visible_text::{
    attr_amount, has_fraction, one_number, pick_text, price_texts, rejected_as_written, sole_text,
    MAX_PRICE_TEXT,
};
use super::{Cand, Loc, PriceSource, Reason, Tier};
use crate::price::parse_price;
use rust_decimal::Decimal;

/// The lowest score a visible price may win with.
pub const THRESHOLD: i32 = 25;

/// A visible-price candidate as the walk found it.
pub(super) struct Raw<'a> {
    pub node: DomNode<'a>,
    pub flags: u32,
    pub order: u32,
    pub hinted: bool,
    pub parent_cand: Option<u32>,
    pub near_h1: u8,
    pub h1_order: Option<u32>,
}

/// Where a visible price stands, for the structured-vs-buy-box rule.
fn visible_bits(f: u32, near_h1: u8) -> u8 {
    let mut v = 0;
    if f & flag::NET != 0 {
        v |= vis::NET;
    }
    if (f & flag::MAIN != 0 || near_h1 > 0) && f & (flag::CARD | flag::RELATED | flag::CHROME) == 0
    {
        v |= vis::BUY_BOX;
    }
    if f & (flag::STRUCK_TAG | flag::STRUCK_CLASS) != 0 {
        v |= vis::STRUCK;
    }
    if f & flag::SALE != 0 {
        v |= vis::SALE;
    }
    v
}

/// Scores the walk's raw candidates; see the module doc for the rules.
pub(super) fn candidates(raws: &[Raw<'_>], no_price_page: bool, explain: bool) -> Vec<Cand> {
    let mut out: Vec<Option<Cand>> = Vec::with_capacity(raws.len());
    // Whether the amount came from a `data-price-amount`-like attribute.
    let mut from_attr: Vec<bool> = Vec::with_capacity(raws.len());
    // A "regular price" is the old one only where the product also shows a
    // sale price; alone it is the price (Magento 1, Shopify Dawn).
    let sale_shown = raws.iter().any(|r| {
        r.flags & flag::SALE != 0 && r.flags & (flag::RELATED | flag::CARD | flag::CHROME) == 0
    });
    let flags_of = |r: &Raw<'_>| {
        if sale_shown && r.flags & flag::REGULAR != 0 {
            r.flags | flag::STRUCK_CLASS
        } else {
            r.flags
        }
    };
    for r in raws {
        from_attr.push(false);
        // Most priced-looking texts are a text-only element holding several
        // numbers (reviews, shipping notes, "2 for $30"): decided on the text
        // as it stands, without gathering a copy (same outcome as below).
        if sole_text(r.node).is_some_and(rejected_as_written) {
            out.push(None);
            continue;
        }
        let (visible, sr) = price_texts(r.node);
        let text = pick_text(visible, &sr);
        if text.len() > MAX_PRICE_TEXT || !one_number(&text) {
            out.push(None);
            continue;
        }
        let mut parsed = parse_price(&text);
        if r.hinted {
            // Digits as written win when both say the same number.
            if let Some(a) = attr_amount(r.node).filter(|&a| parsed.amount != Some(a)) {
                parsed.amount = Some(a);
                if let Some(f) = from_attr.last_mut() {
                    *f = true;
                }
            }
        }
        let mut veto = flag_veto(flags_of(r)).or_else(|| phrase_veto(&text));
        // A class saying "unit price" marks a price per reference quantity
        // only when a quantity is written with it ("12,50 € / kg"); alone it
        // is the price of one piece (`id="unit_price"` on a shop selling by
        // the piece), decided below once the text after it is known.
        let class_unit = veto == Some(Reason::UnitPrice) && phrase_veto(&text).is_none();
        if class_unit {
            veto = None;
        }
        let mut label = false;
        let mut net = false;
        if parsed.amount.is_some() && veto.is_none() {
            let (before, after) = context(r.node);
            let before = before.to_lowercase();
            label = !r.hinted && labelled(&text, &before);
            net = says_net(&text, &before);
            veto = (class_unit && names_quantity(&text, &after))
                .then_some(Reason::UnitPrice)
                .or_else(|| identifier_veto(&text, &before))
                .or_else(|| percentage_veto(&text, &after))
                .or_else(|| says_reference(&text, &before).then_some(Reason::ListPrice))
                .or_else(|| context_veto(&before, &after.to_lowercase()));
        }
        if no_price_page {
            veto = veto.or(Some(Reason::PriceOnRequest));
        }
        if !r.hinted && parsed.currency.is_none() {
            veto = veto.or(Some(Reason::NoCurrencyOrHint));
        }
        veto = veto.or(match parsed.amount {
            None => Some(Reason::NoAmount),
            Some(a) if a <= Decimal::ZERO => Some(Reason::ZeroPrice),
            _ => None,
        });
        let mut score = 0;
        if r.hinted || label {
            score += 30;
        }
        if parsed.currency.is_some() {
            score += 10;
        }
        if has_fraction(&text) {
            score += 5;
        }
        let f = flags_of(r);
        if f & flag::SALE != 0 {
            score += 15;
        }
        if f & flag::MAIN != 0 {
            score += 15;
        }
        score += match r.near_h1 {
            2 => 20,
            1 => 10,
            _ => 0,
        };
        match r.h1_order {
            Some(h) if r.order > h => score += 20 - ((r.order - h) / 4).min(20) as i32,
            _ => score -= 5,
        }
        if f & flag::STRUCK_CLASS != 0 {
            score -= 45;
        }
        if f & flag::CARD != 0 {
            score -= 20;
        }
        if f & flag::CHROME != 0 {
            score -= 60;
        }
        out.push(Some(Cand {
            source: PriceSource::Heuristic,
            amount: parsed.amount,
            currency: parsed.currency.and_then(|m| m.iso()),
            mark: parsed.currency,
            text,
            loc: if explain {
                Loc::Node(r.node.id())
            } else {
                Loc::None
            },
            tier: Tier::Heuristic,
            rank: -score,
            veto,
            visible: visible_bits(f, r.near_h1) | if net { vis::NET } else { 0 },
        }));
    }
    // A price element inside another: the outer one's text is the whole price
    // (split spans) unless both read the same, then the tighter element stays.
    for i in 0..raws.len() {
        // An old price's text is left out of its container's, so it is no part of it.
        if flags_of(&raws[i]) & flag::STRUCK_CLASS != 0
            && raws[i]
                .parent_cand
                .is_some_and(|p| flags_of(&raws[p as usize]) & flag::STRUCK_CLASS == 0)
        {
            continue;
        }
        let mut p = raws[i].parent_cand;
        while let Some(pi) = p {
            let pi = pi as usize;
            if out[pi].as_ref().is_some_and(|c| c.veto.is_none()) {
                break;
            }
            p = raws[pi].parent_cand;
        }
        let (Some(pi), true) = (
            p.map(|p| p as usize),
            out[i].as_ref().is_some_and(|c| c.veto.is_none()),
        ) else {
            continue;
        };
        // Equal amounts are one price shown twice, unless only the outer text
        // carries the currency (`₹` + `15,349.` + `00`): then it is the whole.
        // The same text read from an element and its wrapper is one price too,
        // whichever of them holds a machine-readable amount.
        let same = match (out[pi].as_ref(), out[i].as_ref()) {
            (Some(o), Some(n)) => {
                (o.amount == n.amount && (n.mark.is_some() || o.mark.is_none()))
                    || (from_attr[pi] != from_attr[i] && o.text.ends_with(n.text.as_str()))
            }
            _ => false,
        };
        let (target, why) = if same {
            (pi, Reason::DuplicateOfInner)
        } else {
            (i, Reason::PartOfLarger)
        };
        if let Some(c) = out[target].as_mut() {
            c.veto = Some(why);
        }
        if same {
            // The inner element inherits the outer's better score, and its
            // attribute amount.
            let (outer_rank, outer_amount) =
                out[pi].as_ref().map_or((0, None), |c| (c.rank, c.amount));
            let take_amount = from_attr[pi] && !from_attr[i];
            if let Some(c) = out[i].as_mut() {
                c.rank = c.rank.min(outer_rank);
                if take_amount {
                    c.amount = outer_amount;
                }
            }
            if take_amount {
                from_attr[i] = true;
            }
        }
    }
    for c in out.iter_mut().flatten() {
        if -c.rank < THRESHOLD {
            c.veto = c.veto.or(Some(Reason::BelowThreshold));
        }
    }
    out.into_iter().flatten().collect()
}

/// Candidates from the user's `--selector`, in document order.
pub(super) fn selector_candidates(
    full: &scraper::Html,
    doc: &super::tree::Doc,
    ids: &std::collections::HashMap<ego_tree::NodeId, super::tree::NodeId>,
    sel: &scraper::Selector,
    explain: bool,
) -> Vec<Cand> {
    full.select(sel)
        .filter_map(|el| doc.get(*ids.get(&el.id())?))
        .enumerate()
        .map(|(i, el)| {
            let text = match el.value().as_element().and_then(|e| e.attr("content")) {
                Some(c) => c.trim().to_owned(),
                None => price_text(el),
            };
            let parsed = parse_price(&text);
            Cand {
                source: PriceSource::Selector,
                amount: parsed.amount,
                currency: parsed.currency.and_then(|m| m.iso()),
                mark: parsed.currency,
                text,
                loc: if explain {
                    Loc::Node(el.id())
                } else {
                    Loc::None
                },
                tier: Tier::Selector,
                rank: i as i32,
                veto: if parsed.amount.is_none() {
                    Some(Reason::NoAmount)
                } else {
                    None
                },
                visible: 0,
            }
        })
        .collect()
}
