//! Product meta tags: `product:price:amount` / `product:price:currency`,
//! `og:price:*` and `product:sale_price:*`, in `property` or `name`; also `og:title`.
//!
//! Fed `<meta>` elements by the `dom` walk. A sale price outranks the plain one;
//! otherwise document order decides.

use super::dom::{Attrs, DomNode};
use super::{structured_amount, Cand, Loc, PriceSource, Reason, Tier};
use crate::price::iso_code;
use rust_decimal::Decimal;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Sale,
    Product,
    Og,
}

#[derive(Default)]
pub(super) struct Meta<'a> {
    amounts: Vec<(Family, DomNode<'a>, &'a str)>,
    currencies: Vec<(Family, &'a str)>,
    og_title: Option<&'a str>,
}

impl<'a> Meta<'a> {
    pub(super) fn visit(&mut self, node: DomNode<'a>, a: &Attrs<'a>) {
        let (Some(key), Some(content)) = (a.property.or(a.name), a.content) else {
            return;
        };
        let key = key.trim();
        let family = |k: &str| match k {
            "product:sale_price" => Some(Family::Sale),
            "product:price" => Some(Family::Product),
            "og:price" => Some(Family::Og),
            _ => None,
        };
        if key.eq_ignore_ascii_case("og:title") {
            self.og_title.get_or_insert(content);
        } else if let Some(f) = key.strip_suffix(":amount").and_then(family) {
            self.amounts.push((f, node, content));
        } else if let Some(f) = key.strip_suffix(":currency").and_then(family) {
            self.currencies.push((f, content));
        }
    }

    /// Candidates, the first stated currency, and `og:title`.
    pub(super) fn candidates(
        &self,
        explain: bool,
    ) -> (Vec<Cand>, Option<&'static str>, Option<String>) {
        let currency_of = |f: Family| {
            self.currencies
                .iter()
                .find(|(g, _)| *g == f)
                .or(self.currencies.first())
                .and_then(|(_, c)| iso_code(c))
        };
        let cands = self
            .amounts
            .iter()
            .enumerate()
            .map(|(i, (f, node, raw))| {
                let currency = currency_of(*f);
                let (amount, mark) = structured_amount(raw, currency);
                let veto = match amount {
                    None => Some(Reason::NoAmount),
                    Some(a) if a <= Decimal::ZERO => Some(Reason::ZeroPrice),
                    _ => None,
                };
                Cand {
                    source: PriceSource::Meta,
                    amount,
                    currency: currency.or_else(|| mark.and_then(|m| m.iso())),
                    mark: if currency.is_none() { mark } else { None },
                    text: (*raw).to_owned(),
                    loc: if explain {
                        Loc::Node(node.id())
                    } else {
                        Loc::None
                    },
                    tier: Tier::Meta,
                    rank: i as i32 + if *f == Family::Sale { 0 } else { 1000 },
                    veto,
                }
            })
            .collect();
        let page = self.currencies.iter().find_map(|(_, c)| iso_code(c));
        let title = self
            .og_title
            .map(super::dom::collapse)
            .filter(|t| !t.is_empty());
        (cands, page, title)
    }
}
