//! Structured data against the buy box: when the page sells at another price.
//!
//! Structured data and meta tags often carry the regular, pre-tax or stale
//! price while the page sells at another one next to the `<h1>` and the
//! add-to-cart button. The buy-box price replaces the structured one only on
//! evidence, all of it required:
//!
//! 1. the markup right after the page's first `<h1>` (the first
//!    [`WINDOW`] bytes) marks a sale or a struck-through / regular price
//!    (`<del>`, `<s>`, `line-through`, `old-price`, `special-price`, `sale`, ...
//!    inside a tag, not in running text), checked on the raw text so the
//!    JSON-LD fast path can skip the DOM whenever this is false;
//! 2. the main product's best visible price (in the product block or next to
//!    the `<h1>`, not struck through, not a card or related product) is a
//!    different amount, in the same currency or none;
//! 3. the structured amount is shown in the product block only struck
//!    through / as a regular price, or not at all while the buy-box price is
//!    marked sale / now.
//!
//! Otherwise structured data wins, as before.
//!
//! Separately, [`overrule_net`]: a structured amount that the buy box shows
//! only labelled as before tax (`zzgl. MwSt`, `excl. VAT`, `HT`, `netto`, or
//! classed `price-excluding-tax`) gives way to the buy box's higher price
//! with tax. The labels count towards rule 1's gate anywhere in the window.

use super::{Cand, PriceSource, Reason, Tier};
use memchr::memmem::Finder;
use std::sync::OnceLock;

/// How much markup after the `<h1>` counts as the buy box.
pub const WINDOW: usize = 8 * 1024;

/// Bits of [`Cand::visible`] set by the heuristic.
pub(super) mod vis {
    /// In the main product block or next to its `<h1>`.
    pub const BUY_BOX: u8 = 1;
    /// Struck through, or classed old / was / regular / compare-at.
    pub const STRUCK: u8 = 1 << 1;
    /// Classed sale / special / now / final.
    pub const SALE: u8 = 1 << 2;
    /// Labelled or classed as the price before tax (`zzgl. MwSt`, `excl. VAT`).
    pub const NET: u8 = 1 << 3;
}

/// Sale and old-price words, matched inside tags (class names, attributes):
/// `old` covers `old-price`, `price--old` and Magento's `oldPrice`; `strike`
/// covers `<strike>`, `data-a-strike`, `strikethrough`. Few and short, as
/// each is one pass over the window.
const MARKERS: &[&str] = &[
    "strike",
    "line-through",
    "old",
    "was",
    "compare",
    "regular",
    "special",
    "sale",
    "discount",
];

/// Struck-through tags, and the before-tax labels of a shop that shows both
/// prices (`zzgl. MwSt`, `excl. VAT`, `Excl.`, `netto`), found anywhere in the
/// window: the labels are running text, not markup.
const TAGS: &[&str] = &["<del", "<s>", "<s ", "zzgl", "xcl", "xkl", "netto"];

/// Rule 1: does the markup after the first `<h1>` mark a sale or an old price?
///
/// One SIMD substring search per marker over [`WINDOW`] bytes (a few
/// microseconds); markers are lower case as class names are in practice.
pub(super) fn marked(html: &str) -> bool {
    static FINDERS: OnceLock<(Vec<Finder<'static>>, Vec<Finder<'static>>)> = OnceLock::new();
    let (tags, markers) = FINDERS.get_or_init(|| {
        (
            TAGS.iter().map(|t| Finder::new(t.as_bytes())).collect(),
            MARKERS.iter().map(|t| Finder::new(t.as_bytes())).collect(),
        )
    });
    let bytes = html.as_bytes();
    let start = match (
        memchr::memmem::find(bytes, b"<h1"),
        memchr::memmem::find(bytes, b"<H1"),
    ) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return false,
    };
    let window = &bytes[start..(start + WINDOW).min(bytes.len())];
    if tags.iter().any(|f| f.find(window).is_some()) {
        return true;
    }
    // Only inside a tag (a class, an attribute): "compared it" or "before
    // the sale" in a review is no buy-box markup.
    markers.iter().any(|f| {
        f.find_iter(window).any(|at| {
            let head = &window[..at];
            memchr::memrchr2(b'<', b'>', head).is_some_and(|i| head[i] == b'<')
        })
    })
}

/// The tax rule: a shop that shows a price before tax and one with tax sells
/// at the one with tax. When the structured winner's amount is shown in the
/// buy box only labelled as net (`zzgl. MwSt 4,92 €`, `4,92 € excl. VAT`),
/// the best higher buy-box amount not so labelled, in the same currency or
/// none, wins. Returns it after vetoing the winner.
pub(super) fn overrule_net(cands: &mut [Cand], chosen: Option<usize>) -> Option<usize> {
    let w = chosen?;
    let s = &cands[w];
    if !matches!(s.tier, Tier::MainProduct | Tier::Meta) {
        return None;
    }
    let (amount, currency) = (s.amount?, s.currency);
    let in_box = |c: &Cand| {
        c.source == PriceSource::Heuristic
            && c.visible & vis::BUY_BOX != 0
            && c.visible & vis::STRUCK == 0
            && !matches!(c.veto, Some(Reason::RelatedSection | Reason::Shipping))
    };
    let same = |c: &Cand| c.amount == Some(amount);
    if !cands
        .iter()
        .any(|c| in_box(c) && same(c) && c.visible & vis::NET != 0)
        || cands
            .iter()
            .any(|c| in_box(c) && same(c) && c.visible & vis::NET == 0 && c.veto.is_none())
    {
        return None;
    }
    let (b, _) = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            in_box(c)
                && c.veto.is_none()
                && c.visible & vis::NET == 0
                && c.amount.is_some_and(|a| a > amount)
                && (c.currency.is_none() || currency.is_none() || c.currency == currency)
        })
        .min_by_key(|(i, c)| (c.rank, *i))?;
    cands[w].veto = Some(Reason::StructuredIsNet);
    if cands[b].currency.is_none() {
        cands[b].currency = currency;
    }
    Some(b)
}

/// Rules 2 and 3 over the candidates; `chosen` is the structured winner.
/// Returns the buy-box candidate to choose instead, after vetoing the winner.
pub(super) fn overrule(cands: &mut [Cand], chosen: Option<usize>) -> Option<usize> {
    let w = chosen?;
    let s = &cands[w];
    if !matches!(s.tier, Tier::MainProduct | Tier::Meta) {
        return None;
    }
    let amount = s.amount?;
    let currency = s.currency;
    let visible = |c: &&Cand| c.source == PriceSource::Heuristic && c.visible & vis::BUY_BOX != 0;
    let (b, _) = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| visible(c) && c.veto.is_none() && c.visible & vis::STRUCK == 0)
        .min_by_key(|(i, c)| (c.rank, *i))?;
    let buy = &cands[b];
    if buy.amount == Some(amount) || buy.amount.is_none() {
        return None;
    }
    if buy.currency.is_some() && currency.is_some() && buy.currency != currency {
        return None;
    }
    let shown = |struck: bool| {
        cands.iter().filter(visible).any(|c| {
            c.amount == Some(amount)
                && (c.visible & vis::STRUCK != 0 || c.veto == Some(Reason::StruckThrough)) == struck
                && !matches!(
                    c.veto,
                    Some(
                        Reason::Instalment
                            | Reason::Shipping
                            | Reason::Savings
                            | Reason::UnitPrice
                            | Reason::Identifier
                            | Reason::Total
                            | Reason::RelatedSection
                    )
                )
        })
    };
    if shown(false) {
        return None;
    }
    let why = if shown(true) {
        Reason::StructuredIsRegular
    } else if buy.visible & vis::SALE != 0 {
        Reason::StructuredNotSold
    } else {
        return None;
    };
    cands[w].veto = Some(why);
    if cands[b].currency.is_none() {
        cands[b].currency = currency;
    }
    Some(b)
}
