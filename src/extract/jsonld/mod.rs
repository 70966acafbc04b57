//! JSON-LD: finds `<script type="application/ld+json">` blocks in the raw HTML,
//! parses them leniently, and turns every Product/Offer price into a candidate.
//!
//! Works on the page text, not the DOM, so a page whose JSON-LD settles the price
//! never pays for an HTML parse. Which candidate wins is decided in `mod.rs`;
//! this module only ranks offers within JSON-LD (main product first).

use super::{structured_amount, Cand, Loc, Reason, Tier};
use crate::extract::PriceSource;
use crate::price::iso_code;
use reqwest::Url;
use scan::{parse_lenient, scripts};
use serde_json::{Map, Value};
use std::collections::HashMap;

mod scan;

/// The schema.org local name of a `@type` entry (`"http://schema.org/Product"` → `Product`).
fn local_type(t: &str) -> &str {
    t.rsplit(['/', ':', '#']).next().unwrap_or(t)
}

fn types(obj: &Map<String, Value>) -> impl Iterator<Item = &str> {
    let t = obj.get("@type");
    let one = t.and_then(Value::as_str).into_iter();
    let many = t
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    one.chain(many).map(local_type)
}

fn has_type(obj: &Map<String, Value>, names: &[&str]) -> bool {
    types(obj).any(|t| names.iter().any(|n| t.eq_ignore_ascii_case(n)))
}

const OFFER_TYPES: &[&str] = &["Offer", "AggregateOffer"];
/// Keys whose values describe other products than the page's own.
const RELATED_KEYS: &[&str] = &[
    "isRelatedTo",
    "isSimilarTo",
    "isAccessoryOrSparePartFor",
    "isConsumableFor",
    "isVariantOf",
    "itemListElement",
    "review",
    "reviews",
    "itemReviewed",
    "relatedLink",
    "significantLink",
];
/// `priceType`s that name a reference price, not what the buyer pays.
const LIST_PRICE_TYPES: &[&str] = &[
    "ListPrice",
    "StrikethroughPrice",
    "MSRP",
    "SRP",
    "InvoicePrice",
];

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Idx(usize),
}

fn render(script: usize, path: &[Seg<'_>]) -> String {
    let mut s = format!("script[{script}] ");
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(k) if i == 0 => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Idx(n) => s.push_str(&format!("[{n}]")),
        }
    }
    if path.is_empty() {
        s.push('$');
    }
    s
}

struct Product<'a> {
    obj: &'a Map<String, Value>,
    script: usize,
    path: Vec<Seg<'a>>,
    related: bool,
    main_entity: bool,
    is_product_type: bool,
}

struct Walk<'a> {
    script: usize,
    ids: HashMap<&'a str, &'a Map<String, Value>>,
    products: Vec<Product<'a>>,
    orphans: Vec<(&'a Map<String, Value>, usize, Vec<Seg<'a>>)>,
}

impl<'a> Walk<'a> {
    fn index_ids(&mut self, v: &'a Value) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| self.index_ids(x)),
            Value::Object(o) => {
                if o.len() > 1 {
                    if let Some(id) = o.get("@id").and_then(Value::as_str) {
                        self.ids.entry(id).or_insert(o);
                    }
                }
                o.values().for_each(|x| self.index_ids(x));
            }
            _ => {}
        }
    }

    fn visit(&mut self, v: &'a Value, related: bool, main_entity: bool, path: &mut Vec<Seg<'a>>) {
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(Seg::Idx(i));
                    self.visit(x, related, main_entity, path);
                    path.pop();
                }
            }
            Value::Object(o) => {
                let is_product = has_type(o, super::PRODUCT_TYPES);
                let is_offer = has_type(o, OFFER_TYPES);
                if is_product || (!is_offer && o.contains_key("offers")) {
                    self.products.push(Product {
                        obj: o,
                        script: self.script,
                        path: path.clone(),
                        related,
                        main_entity,
                        is_product_type: is_product,
                    });
                    for (k, x) in o {
                        if RELATED_KEYS.contains(&k.as_str()) {
                            path.push(Seg::Key(k));
                            self.visit(x, true, false, path);
                            path.pop();
                        }
                    }
                    return;
                }
                if is_offer {
                    self.orphans.push((o, self.script, path.clone()));
                    return;
                }
                for (k, x) in o {
                    let rel = related || RELATED_KEYS.contains(&k.as_str());
                    let main = k == "mainEntity" || k == "about";
                    path.push(Seg::Key(k));
                    self.visit(x, rel, main, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Follows a bare `{"@id": ...}` reference to the node it names.
    fn resolve(&self, v: &'a Value) -> Option<&'a Map<String, Value>> {
        let o = v.as_object()?;
        if o.len() == 1 {
            if let Some(id) = o.get("@id").and_then(Value::as_str) {
                return self.ids.get(id).copied().or(Some(o));
            }
        }
        Some(o)
    }
}

fn each(v: &Value) -> impl Iterator<Item = (Option<usize>, &Value)> {
    let arr = v.as_array();
    let single = if arr.is_none() { Some((None, v)) } else { None };
    single.into_iter().chain(
        arr.into_iter()
            .flatten()
            .enumerate()
            .map(|(i, x)| (Some(i), x)),
    )
}

/// A scalar as text: strings as-is, numbers with their own digits.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => a.first().and_then(scalar),
        Value::Object(o) => o.get("@value").and_then(scalar),
        _ => None,
    }
}

fn currency_of(o: &Map<String, Value>) -> Option<&'static str> {
    o.get("priceCurrency")
        .and_then(scalar)
        .and_then(|c| iso_code(&c))
}

/// Collects candidates for one product; `order` counts offers so the first wins.
struct Collect<'w, 'a> {
    walk: &'w Walk<'a>,
    explain: bool,
    out: Vec<Cand>,
}

impl<'a> Collect<'_, 'a> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        raw: String,
        currency: Option<&'static str>,
        script: usize,
        path: &[Seg<'a>],
        tier: Tier,
        rank: i32,
        veto: Option<Reason>,
    ) {
        let (amount, mark) = structured_amount(&raw, currency);
        let currency = currency.or_else(|| mark.and_then(|m| m.iso()));
        let veto = veto.or(match amount {
            None => Some(Reason::NoAmount),
            Some(a) if a <= rust_decimal::Decimal::ZERO => Some(Reason::ZeroPrice),
            _ => None,
        });
        self.out.push(Cand {
            source: PriceSource::JsonLd,
            amount,
            currency,
            mark: if currency.is_none() { mark } else { None },
            text: raw,
            loc: if self.explain {
                Loc::Text(render(script, path))
            } else {
                Loc::None
            },
            tier,
            rank,
            veto,
            visible: 0,
        });
    }

    fn offer(
        &mut self,
        o: &'a Map<String, Value>,
        cur: Option<&'static str>,
        script: usize,
        path: &mut Vec<Seg<'a>>,
        tier: Tier,
        veto: Option<Reason>,
    ) {
        let cur = currency_of(o).or(cur);
        let aggregate = has_type(o, &["AggregateOffer"]);
        let mut priced = false;
        for key in if aggregate {
            ["lowPrice", "price"]
        } else {
            ["price", "lowPrice"]
        } {
            if let Some(raw) = o.get(key).and_then(scalar) {
                path.push(Seg::Key(if key == "price" { "price" } else { "lowPrice" }));
                let rank = self.out.len() as i32;
                self.push(raw, cur, script, path, tier, rank, veto);
                path.pop();
                priced = true;
                break;
            }
        }
        if !priced {
            if let Some(specs) = o.get("priceSpecification") {
                path.push(Seg::Key("priceSpecification"));
                for (i, spec) in each(specs) {
                    let Some(spec) = self.walk.resolve(spec) else {
                        continue;
                    };
                    if let Some(i) = i {
                        path.push(Seg::Idx(i));
                    }
                    let list = spec
                        .get("priceType")
                        .and_then(Value::as_str)
                        .map(local_type)
                        .is_some_and(|t| {
                            LIST_PRICE_TYPES.iter().any(|l| l.eq_ignore_ascii_case(t))
                        });
                    // A unit price ("per kg") is not the item's price.
                    let unit = spec.contains_key("referenceQuantity");
                    let v = veto.or(if list {
                        Some(Reason::ListPrice)
                    } else if unit {
                        Some(Reason::UnitPrice)
                    } else {
                        None
                    });
                    if let Some(raw) = spec
                        .get("price")
                        .or_else(|| spec.get("minPrice"))
                        .and_then(scalar)
                    {
                        path.push(Seg::Key("price"));
                        let rank = self.out.len() as i32;
                        self.push(raw, currency_of(spec).or(cur), script, path, tier, rank, v);
                        path.pop();
                    }
                    if i.is_some() {
                        path.pop();
                    }
                }
                path.pop();
            }
        }
        // An AggregateOffer may list its offers; they rank after its lowPrice.
        if aggregate {
            if let Some(inner) = o.get("offers") {
                self.offers(inner, cur, script, path, tier, veto);
            }
        }
    }

    fn offers(
        &mut self,
        v: &'a Value,
        cur: Option<&'static str>,
        script: usize,
        path: &mut Vec<Seg<'a>>,
        tier: Tier,
        veto: Option<Reason>,
    ) {
        path.push(Seg::Key("offers"));
        for (i, x) in each(v) {
            if let Some(i) = i {
                path.push(Seg::Idx(i));
            }
            if let Some(o) = self.walk.resolve(x) {
                self.offer(o, cur, script, path, tier, veto);
            }
            if i.is_some() {
                path.pop();
            }
        }
        path.pop();
    }

    fn product(
        &mut self,
        o: &'a Map<String, Value>,
        script: usize,
        path: &mut Vec<Seg<'a>>,
        tier: Tier,
        veto: Option<Reason>,
        url: &Url,
    ) {
        let cur = currency_of(o);
        if let Some(offers) = o.get("offers") {
            self.offers(offers, cur, script, path, tier, veto);
        }
        let Some(variants) = o.get("hasVariant") else {
            return;
        };
        // The variant the URL names wins; otherwise the first one.
        let list: Vec<_> = each(variants).collect();
        let matching = list.iter().position(|(_, v)| {
            self.walk
                .resolve(v)
                .is_some_and(|v| variant_matches(v, url))
        });
        let own_priced = self.out.iter().any(|c| c.veto.is_none());
        path.push(Seg::Key("hasVariant"));
        for (pos, (i, v)) in list.iter().enumerate() {
            let Some(v) = self.walk.resolve(v) else {
                continue;
            };
            if let Some(i) = i {
                path.push(Seg::Idx(*i));
            }
            let first = matching.map_or(pos == 0, |m| m == pos);
            let v_veto = veto.or(if own_priced || !first {
                Some(Reason::OtherVariant)
            } else {
                None
            });
            let before = self.out.len();
            let vcur = currency_of(v).or(cur);
            if let Some(offers) = v.get("offers") {
                self.offers(offers, vcur, script, path, tier, v_veto);
            }
            // The chosen variant's offers go first even when listed later.
            if first && v_veto.is_none() {
                for c in &mut self.out[before..] {
                    c.rank -= 10_000;
                }
            }
            if i.is_some() {
                path.pop();
            }
        }
        path.pop();
    }
}

fn variant_matches(v: &Map<String, Value>, url: &Url) -> bool {
    let page = url.as_str().split('#').next().unwrap_or("");
    let urls = v.get("url").into_iter().chain(
        v.get("offers")
            .into_iter()
            .flat_map(|o| each(o).filter_map(|(_, x)| x.get("url"))),
    );
    for u in urls.filter_map(Value::as_str) {
        let u = u.split('#').next().unwrap_or("");
        if !u.is_empty() && (u == page || url.join(u).is_ok_and(|j| j.as_str() == page)) {
            return true;
        }
    }
    let query = url.query().unwrap_or("");
    ["sku", "productID"].iter().any(|k| {
        v.get(*k).and_then(scalar).is_some_and(|s| {
            !s.is_empty() && query.split('&').any(|kv| kv.split('=').nth(1) == Some(&s))
        })
    })
}

/// Every JSON-LD price candidate on the page, ranked within JSON-LD.
pub(super) fn candidates(
    html: &str,
    url: &Url,
    explain: bool,
) -> (Vec<Cand>, Option<&'static str>) {
    let bodies = scripts(html);
    let values: Vec<Vec<Value>> = bodies.iter().map(|b| parse_lenient(b)).collect();
    let mut walk = Walk {
        script: 0,
        ids: HashMap::new(),
        products: Vec::new(),
        orphans: Vec::new(),
    };
    for vs in &values {
        for v in vs {
            walk.index_ids(v);
        }
    }
    for (i, vs) in values.iter().enumerate() {
        walk.script = i;
        for (j, v) in vs.iter().enumerate() {
            let mut path = Vec::new();
            if vs.len() > 1 {
                path.push(Seg::Idx(j));
            }
            walk.visit(v, false, false, &mut path);
        }
    }
    let main = main_product(&walk, url, html);
    let mut c = Collect {
        walk: &walk,
        explain,
        out: Vec::new(),
    };
    for (idx, p) in walk.products.iter().enumerate() {
        let mut path = p.path.clone();
        let (tier, veto) = match main {
            Some(m) if m == idx => (Tier::MainProduct, None),
            _ if p.related => (Tier::MainProduct, Some(Reason::RelatedProduct)),
            _ => (Tier::MainProduct, Some(Reason::NotMainProduct)),
        };
        let before = c.out.len();
        c.product(p.obj, p.script, &mut path, tier, veto, url);
        if main == Some(idx) {
            // Offers of the main product outrank everything else JSON-LD holds.
            for cand in &mut c.out[before..] {
                cand.rank -= 100_000;
            }
        }
    }
    for (o, script, path) in &walk.orphans {
        let mut path = path.clone();
        c.offer(o, None, *script, &mut path, Tier::Orphan, None);
    }
    let page_currency = c
        .out
        .iter()
        .find(|c| c.veto.is_none())
        .and_then(|c| c.currency);
    (c.out, page_currency)
}

/// The page's own product: `mainEntity`, then the one whose `url` is the page,
/// then (with several candidates) the one named in `<title>`, then the first.
fn main_product(walk: &Walk<'_>, url: &Url, html: &str) -> Option<usize> {
    let own: Vec<usize> = (0..walk.products.len())
        .filter(|&i| !walk.products[i].related)
        .collect();
    let priced = |i: &usize| {
        walk.products[*i].obj.contains_key("offers")
            || walk.products[*i].obj.contains_key("hasVariant")
    };
    let page = url.as_str().split('#').next().unwrap_or("");
    own.iter()
        .copied()
        .find(|&i| walk.products[i].main_entity && priced(&i))
        .or_else(|| {
            own.iter().copied().find(|&i| {
                priced(&i)
                    && walk.products[i]
                        .obj
                        .get("url")
                        .and_then(Value::as_str)
                        .is_some_and(|u| url.join(u).is_ok_and(|j| j.as_str() == page))
            })
        })
        .or_else(|| {
            let several = own.iter().filter(|i| priced(i)).count() > 1;
            let title = if several {
                super::dom::quick_title(html)
            } else {
                None
            }?;
            own.iter().copied().find(|&i| {
                priced(&i)
                    && walk.products[i]
                        .obj
                        .get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| !n.trim().is_empty() && title.contains(n.trim()))
            })
        })
        .or_else(|| {
            own.iter()
                .copied()
                .find(|i| priced(i) && walk.products[*i].is_product_type)
        })
        .or_else(|| own.iter().copied().find(priced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_url_types() {
        assert_eq!(local_type("http://schema.org/Product"), "Product");
        assert_eq!(local_type("schema:Offer"), "Offer");
        assert_eq!(local_type("Product"), "Product");
    }
}
