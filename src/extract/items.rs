//! Microdata (`itemscope`/`itemprop`) and RDFa Lite (`typeof`/`property`): both
//! describe nested items with properties, so one model serves both dialects.
//!
//! Fed element by element from the `dom` walk; afterwards ties each `price` /
//! `lowPrice` to the product it belongs to (through its `Offer`) and to the
//! nearest `priceCurrency`, and marks prices of any product but the main one.

use super::dom::{flag, text_all, Attrs, DomNode};
use super::{structured_amount, Cand, Loc, PriceSource, Reason, Tier};
use crate::price::{iso_code, parse_price};
use rust_decimal::Decimal;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Product,
    Other,
}

struct Scope {
    dialect: PriceSource,
    kind: Kind,
    parent: Option<u32>,
    related: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prop {
    Price,
    LowPrice,
    Currency,
}

struct Found<'a> {
    scope: Option<u32>,
    dialect: PriceSource,
    prop: Prop,
    node: DomNode<'a>,
    /// The value from an attribute (`content`, `href`, ...), when there is one.
    attr: Option<&'a str>,
    flags: u32,
}

/// Item scopes and price properties seen so far, in document order.
#[derive(Default)]
pub(super) struct Items<'a> {
    scopes: Vec<Scope>,
    found: Vec<Found<'a>>,
}

const RELATED_PROPS: &[&str] = &[
    "isRelatedTo",
    "isSimilarTo",
    "isAccessoryOrSparePartFor",
    "isConsumableFor",
    "itemListElement",
    "review",
    "isVariantOf",
];

fn local(t: &str) -> &str {
    t.rsplit(['/', ':', '#']).next().unwrap_or(t)
}

fn kind_of(types: &str) -> Kind {
    if types.split_ascii_whitespace().map(local).any(|t| {
        super::PRODUCT_TYPES
            .iter()
            .any(|p| p.eq_ignore_ascii_case(t))
    }) {
        Kind::Product
    } else {
        Kind::Other
    }
}

fn prop_of(name: &str) -> Option<Prop> {
    match name {
        "price" => Some(Prop::Price),
        "lowPrice" => Some(Prop::LowPrice),
        "priceCurrency" => Some(Prop::Currency),
        _ => None,
    }
}

/// An RDFa property name in the schema.org vocabulary, or `None`.
fn rdfa_name(token: &str, vocab_schema: bool, in_scope: bool) -> Option<&str> {
    for prefix in ["schema:", "http://schema.org/", "https://schema.org/"] {
        if let Some(rest) = token.strip_prefix(prefix) {
            return Some(rest);
        }
    }
    // Other prefixes (`og:`, `product:`) belong to `meta`.
    (!token.contains(':') && (vocab_schema || in_scope)).then_some(token)
}

impl<'a> Items<'a> {
    /// Records what `node` contributes; returns the microdata scope, RDFa scope
    /// and schema.org-vocabulary flag its children inherit. Only for an
    /// element that [`Attrs::marks_items`]: the others inherit their parent's.
    pub(super) fn open(
        &mut self,
        node: DomNode<'a>,
        a: &Attrs<'a>,
        flags: u32,
        parent: Option<(Option<u32>, Option<u32>, bool)>,
    ) -> (Option<u32>, Option<u32>, bool) {
        let (mut md, mut rdfa, mut vocab) = parent.unwrap_or((None, None, false));
        let dom_related = flags & (flag::RELATED | flag::CHROME) != 0;

        if a.itemscope {
            let via = a.itemprop.unwrap_or("");
            let related = dom_related
                || via
                    .split_ascii_whitespace()
                    .any(|p| RELATED_PROPS.contains(&p))
                || md.is_some_and(|p| self.scopes[p as usize].related);
            self.scopes.push(Scope {
                dialect: PriceSource::Microdata,
                kind: a.itemtype.map_or(Kind::Other, kind_of),
                parent: md,
                related,
            });
            md = Some(self.scopes.len() as u32 - 1);
        } else if let Some(props) = a.itemprop {
            for p in props.split_ascii_whitespace().filter_map(prop_of) {
                let attr = a
                    .content
                    .or(match node.value().as_element().map(|e| e.name()) {
                        Some("meta") => a.content,
                        Some("link" | "a" | "area") => a.href,
                        Some("data" | "meter") => a.value,
                        Some("time") => a.datetime,
                        _ => None,
                    });
                self.found.push(Found {
                    scope: md,
                    dialect: PriceSource::Microdata,
                    prop: p,
                    node,
                    attr,
                    flags,
                });
            }
        }

        if let Some(v) = a.vocab {
            vocab = v.contains("schema.org");
        }
        if let Some(types) = a.typeof_ {
            let via = a.property.unwrap_or("");
            let related = dom_related
                || via
                    .split_ascii_whitespace()
                    .map(local)
                    .any(|p| RELATED_PROPS.contains(&p))
                || rdfa.is_some_and(|p| self.scopes[p as usize].related);
            self.scopes.push(Scope {
                dialect: PriceSource::Rdfa,
                kind: kind_of(types),
                parent: rdfa,
                related,
            });
            rdfa = Some(self.scopes.len() as u32 - 1);
        } else if let Some(props) = a.property {
            for token in props.split_ascii_whitespace() {
                let Some(p) = rdfa_name(token, vocab, rdfa.is_some()).and_then(prop_of) else {
                    continue;
                };
                let attr = a.content.or(a.href);
                self.found.push(Found {
                    scope: rdfa,
                    dialect: PriceSource::Rdfa,
                    prop: p,
                    node,
                    attr,
                    flags,
                });
            }
        }
        (md, rdfa, vocab)
    }

    fn chain(&self, from: Option<u32>) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(from, |&s| self.scopes[s as usize].parent)
    }

    fn product_of(&self, scope: Option<u32>) -> Option<u32> {
        self.chain(scope)
            .find(|&s| self.scopes[s as usize].kind == Kind::Product)
    }

    fn main_product(&self, dialect: PriceSource) -> Option<u32> {
        (0..self.scopes.len() as u32).find(|&i| {
            let s = &self.scopes[i as usize];
            s.dialect == dialect
                && s.kind == Kind::Product
                && !s.related
                && self.product_of(s.parent).is_none()
        })
    }

    fn value(f: &Found<'_>) -> String {
        match f.attr {
            Some(v) => v.to_owned(),
            None => super::dom::collapse(&text_all(f.node, 200)),
        }
    }

    fn currency_for(&self, f: &Found<'_>, product: Option<u32>) -> Option<&'static str> {
        // The nearest priceCurrency: same scope first, then up to the product.
        for s in self.chain(f.scope) {
            let hit = self
                .found
                .iter()
                .find(|c| c.prop == Prop::Currency && c.dialect == f.dialect && c.scope == Some(s));
            if let Some(c) = hit {
                let v = Self::value(c);
                let v = v.rsplit('/').next().unwrap_or(&v);
                return iso_code(v).or_else(|| parse_price(v).currency.and_then(|m| m.iso()));
            }
            if Some(s) == product {
                break;
            }
        }
        None
    }

    /// Price candidates from both dialects, ranked in document order.
    pub(super) fn candidates(&self, explain: bool) -> Vec<Cand> {
        let mains = [
            self.main_product(PriceSource::Microdata),
            self.main_product(PriceSource::Rdfa),
        ];
        let mut out = Vec::new();
        for (i, f) in self.found.iter().enumerate() {
            if f.prop == Prop::Currency {
                continue;
            }
            let main = if f.dialect == PriceSource::Microdata {
                mains[0]
            } else {
                mains[1]
            };
            let product = self.product_of(f.scope);
            let (tier, mut veto) = match product {
                Some(p) if Some(p) == main => (Tier::MainProduct, None),
                Some(p) if self.scopes[p as usize].related => {
                    (Tier::MainProduct, Some(Reason::RelatedProduct))
                }
                Some(_) => (Tier::MainProduct, Some(Reason::NotMainProduct)),
                None if f.flags & (flag::RELATED | flag::CHROME) != 0 => {
                    (Tier::Orphan, Some(Reason::RelatedSection))
                }
                None => (Tier::Orphan, None),
            };
            if f.flags & flag::STRUCK_TAG != 0 {
                veto = veto.or(Some(Reason::StruckThrough));
            }
            let currency = self.currency_for(f, product);
            let text = Self::value(f);
            let (amount, mark) = structured_amount(&text, currency);
            veto = veto.or(match amount {
                None => Some(Reason::NoAmount),
                Some(a) if a <= Decimal::ZERO => Some(Reason::ZeroPrice),
                _ => None,
            });
            let lowprice_later = if f.prop == Prop::LowPrice { 1 } else { 0 };
            out.push(Cand {
                source: f.dialect,
                amount,
                currency: currency.or_else(|| mark.and_then(|m| m.iso())),
                mark: if currency.is_none() { mark } else { None },
                text,
                loc: if explain {
                    Loc::Node(f.node.id())
                } else {
                    Loc::None
                },
                tier,
                rank: i as i32 * 2 + lowprice_later,
                veto,
                visible: 0,
            });
        }
        out
    }

    /// The first currency microdata or RDFa states, for ambiguous visible symbols.
    pub(super) fn page_currency(&self) -> Option<&'static str> {
        self.found
            .iter()
            .filter(|f| f.prop == Prop::Currency)
            .find_map(|f| {
                let v = Self::value(f);
                iso_code(v.rsplit('/').next().unwrap_or(&v))
            })
    }
}
