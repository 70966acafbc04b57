//! The confirmation in rule 1 of the buy-box override (`buybox::confirms`):
//! which raw markup after the `<h1>` confirms the structured price, and which
//! does not.

use super::*;

/// A page whose structured price is 17.49 GBP, with `buy_box` after the `<h1>`.
fn page(buy_box: &str) -> String {
    format!(
        r#"<html><head><title>Mat</title><script type="application/ld+json">
        {{"@type":"Product","name":"Mat","offers":{{"price":"17.49","priceCurrency":"GBP"}}}}
        </script></head><body><main><h1 class="product-title">Mat</h1>
        <p class="sku">Item #100120</p>{buy_box}</main></body></html>"#
    )
}

fn confirms(buy_box: &str) -> bool {
    let amount = Decimal::from_str("17.49").expect("literal");
    buybox::confirms(&page(buy_box), amount, Some("GBP"))
}

const SALE: &str = r#"<div class="price-box on-sale"><s>£21.49</s> <span class="product-price sale-price">£17.49</span></div>"#;

#[test]
fn the_structured_amount_classed_as_the_sale_price_confirms() {
    assert!(confirms(SALE));
    // Any class naming a price and a sale / now / special price, any shown tag.
    assert!(confirms(
        r#"<del>£21.49</del><strong class="price price--now">£17.49</strong>"#
    ));
    assert!(confirms(
        r#"<span class="was-price">£21.49</span> <div id="specialPrice" class="price">17.49 GBP</div>"#
    ));
    // Written with another ambiguous mark that GBP shares is no match; the
    // dollar of a dollar page is.
    let dollar = page(r#"<span class="sale-price">$17.49</span>"#);
    let amount = Decimal::from_str("17.49").expect("literal");
    assert!(buybox::confirms(&dollar, amount, Some("USD")));
    assert!(buybox::confirms(&dollar, amount, Some("CAD")));
    assert!(!buybox::confirms(&dollar, amount, Some("GBP")));
}

#[test]
fn anything_less_than_the_sale_price_itself_does_not_confirm() {
    for (why, buy_box) in [
        (
            "another amount",
            r#"<s>£21.49</s> <span class="sale-price">£16.49</span>"#,
        ),
        (
            "another currency",
            r#"<s>€21.49</s> <span class="sale-price">€17.49</span>"#,
        ),
        (
            "no currency mark",
            r#"<s>21.49</s> <span class="sale-price">17.49</span>"#,
        ),
        (
            "a price, not a sale price",
            r#"<s>£21.49</s> <span class="price">£17.49</span>"#,
        ),
        (
            "a sale badge, not a price",
            r#"<s>£21.49</s> <span class="sale">£17.49</span>"#,
        ),
        (
            "also classed old",
            r#"<span class="sale-price old-price">£17.49</span>"#,
        ),
        (
            "also classed regular",
            r#"<span class="sale-price price--regular">£17.49</span>"#,
        ),
        (
            "also classed net",
            r#"<span class="sale-price price-excluding-tax">£17.49</span>"#,
        ),
        (
            "struck through",
            r#"<del><span class="sale-price">£17.49</span></del>"#,
        ),
        (
            "styled",
            r#"<span class="sale-price" style="text-decoration:line-through">£17.49</span>"#,
        ),
        ("hidden", r#"<span class="sale-price" hidden>£17.49</span>"#),
        (
            "more than the amount",
            r#"<span class="sale-price">£17.49 / kg</span>"#,
        ),
        (
            "markup inside",
            r#"<span class="sale-price">£<b>17.49</b></span>"#,
        ),
        (
            "an entity",
            r#"<span class="sale-price">&pound;17.49</span>"#,
        ),
        (
            "in a related section",
            r#"<section class="related"><span class="sale-price">£17.49</span></section>"#,
        ),
        (
            "in a product card",
            r#"<li class="product-card"><span class="sale-price">£17.49</span></li>"#,
        ),
        (
            "after a comment",
            r#"<!-- was --><span class="sale-price">£17.49</span>"#,
        ),
        (
            "after a script",
            r#"<script>x()</script><span class="sale-price">£17.49</span>"#,
        ),
        (
            "after an svg",
            r#"<svg></svg><span class="sale-price">£17.49</span>"#,
        ),
    ] {
        assert!(!confirms(buy_box), "{why}: {buy_box}");
    }
}

#[test]
fn only_the_window_after_the_first_h1_counts() {
    let amount = Decimal::from_str("17.49").expect("literal");
    let far = page(&format!("<p>{}</p>{SALE}", "x".repeat(buybox::WINDOW)));
    assert!(!buybox::confirms(&far, amount, Some("GBP")));
    let no_h1 = page(SALE).replace("<h1", "<h2").replace("</h1>", "</h2>");
    assert!(!buybox::confirms(&no_h1, amount, Some("GBP")));
    assert!(!buybox::confirms(&page(SALE), amount, None));
}

#[test]
fn a_confirmed_sale_page_decides_the_same_with_and_without_explain() {
    let url = Url::parse("https://shop.example/p").expect("valid");
    let html = page(SALE);
    assert!(buybox::marked(&html));
    let fast = extract(&html, &url, &ExtractOptions::default());
    let explained = extract(
        &html,
        &url,
        &ExtractOptions {
            explain: true,
            ..ExtractOptions::default()
        },
    );
    assert_eq!(fast.price, explained.price);
    assert_eq!(
        fast.price.map(|p| (p.amount, p.source)),
        Some((
            Decimal::from_str("17.49").expect("literal"),
            PriceSource::JsonLd
        ))
    );
    let reasons: Vec<&str> = explained
        .candidates
        .iter()
        .filter(|c| c.chosen || c.reason.contains("buy box"))
        .map(|c| c.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        ["chosen: json-ld price of the main product; the buy box shows it as the sale price"]
    );
}

#[test]
fn demo_sale_pages_with_structured_data_are_confirmed() {
    // So they keep the JSON-LD fast path: the window shows the structured
    // amount as the sale price on every one of them.
    let url = Url::parse("http://127.0.0.1:8080/product/1").expect("valid");
    let mut seen = 0;
    for n in 0..600 {
        let page = crate::demo::product_page(n, 0);
        if page.markup != crate::demo::Markup::Sale {
            continue;
        }
        let html = String::from_utf8_lossy(&page.body);
        let (cands, _) = jsonld::candidates(&html, &url, false);
        let Some(c) = best(&cands).map(|i| &cands[i]) else {
            continue;
        };
        seen += 1;
        let amount = c.amount.expect("a structured amount");
        assert!(buybox::marked(&html), "page {n}");
        assert!(buybox::confirms(&html, amount, c.currency), "page {n}");
    }
    assert!(seen >= 10, "only {seen} sale pages with JSON-LD");
}
