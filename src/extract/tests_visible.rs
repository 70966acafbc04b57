//! Visible-price fixtures modelled on real shops' markup (Amazon, Magento,
//! WooCommerce, Shopify Dawn, PrestaShop): split and attributed prices,
//! identifiers that are not prices, no-price pages, and structured data
//! against the buy box.

use super::*;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/extract/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn run_opts(name: &str, opts: &ExtractOptions) -> Extraction {
    let url = Url::parse("https://shop.example/p").expect("test url is valid");
    let plain = extract(&fixture(name), &url, opts);
    let explained = extract(
        &fixture(name),
        &url,
        &ExtractOptions {
            explain: true,
            ..opts.clone()
        },
    );
    assert_eq!(plain.price, explained.price, "{name}: explain disagrees");
    explained
}

fn run(name: &str) -> Extraction {
    run_opts(name, &ExtractOptions::default())
}

#[track_caller]
fn assert_price(e: &Extraction, amount: &str, currency: Option<&str>, text: &str) {
    let p = e
        .price
        .as_ref()
        .unwrap_or_else(|| panic!("no price found: {:#?}", e.candidates));
    assert_eq!(p.amount.to_string(), amount, "{p:?}");
    assert_eq!(p.currency.as_deref(), currency, "{p:?}");
    assert_eq!(p.text, text, "{p:?}");
}

fn reason_of<'a>(e: &'a Extraction, source: PriceSource, amount: &str) -> Vec<&'a str> {
    e.candidates
        .iter()
        .filter(|c| {
            c.source == source && c.amount.map(|a| a.to_string()).as_deref() == Some(amount)
        })
        .map(|c| c.reason.as_str())
        .collect()
}

#[test]
fn amazon_split_price_keeps_currency_and_cents() {
    let e = run("amazon_split_inr.html");
    assert_price(&e, "15349.49", Some("INR"), "₹15,349.49");
    // The whole-part span alone ("15,349.") is part of the larger price.
    assert!(
        e.candidates
            .iter()
            .any(|c| c.text == "15,349." && c.reason == "part of an enclosing price"),
        "{:#?}",
        e.candidates
    );
}

#[test]
fn amazon_split_price_symbol_after_and_screen_reader_copy() {
    assert_price(
        &run("amazon_split_eur.html"),
        "148.00",
        Some("EUR"),
        "148,00€",
    );
    assert_price(
        &run("amazon_split_gbp.html"),
        "42.00",
        Some("GBP"),
        "£42.00",
    );
}

#[test]
fn screen_reader_copy_is_read_when_the_visible_copy_is_incomplete() {
    let html = r#"<html><body><main><h1>Kettle</h1>
        <span class="a-price"><span class="a-offscreen">$24.49</span>
        <span aria-hidden="true"><span class="a-price-whole">24</span></span></span>
        </main></body></html>"#;
    let url = Url::parse("https://shop.example/p").expect("valid");
    let e = extract(html, &url, &ExtractOptions::default());
    assert_price(&e, "24.49", None, "$24.49");
}

#[test]
fn superscript_cents_join() {
    let html = r#"<html><body><main><h1>Lamp</h1>
        <div class="product-price">$19<sup>99</sup></div></main></body></html>"#;
    let url = Url::parse("https://shop.example/p").expect("valid");
    let e = extract(html, &url, &ExtractOptions::default());
    assert_eq!(
        e.price.map(|p| p.amount.to_string()).as_deref(),
        Some("19.99")
    );
}

#[test]
fn magento_data_price_amount_settles_the_amount() {
    let opts = ExtractOptions {
        default_currency: Some("USD".into()),
        ..Default::default()
    };
    let e = run_opts("magento_price_amount.html", &opts);
    // "$3.499" alone would read as three dollars; the attribute says 3499.
    assert_price(&e, "3499", Some("USD"), "$3.499");
}

#[test]
fn woocommerce_bdi_sale_price() {
    let opts = ExtractOptions {
        default_currency: Some("USD".into()),
        ..Default::default()
    };
    let e = run_opts("woocommerce_bdi.html", &opts);
    assert_price(&e, "42.00", Some("USD"), "$42.00");
    assert!(reason_of(&e, PriceSource::Heuristic, "50.00").contains(&"struck-through old price"));
}

#[test]
fn shopify_dawn_sale_price() {
    assert_price(
        &run("shopify_dawn_sale.html"),
        "48.00",
        Some("USD"),
        "$48.00 USD",
    );
}

#[test]
fn prestashop_content_attribute_agrees_with_text() {
    assert_price(
        &run("prestashop_content.html"),
        "11.90",
        Some("EUR"),
        "11,90 €",
    );
}

#[test]
fn price_on_request_page_gives_no_price_and_article_number_is_no_price() {
    let e = run("price_on_request_de.html");
    assert_eq!(e.price, None, "{:#?}", e.candidates);
    let ids: Vec<_> = e
        .candidates
        .iter()
        .filter(|c| c.text.contains("55037"))
        .collect();
    assert!(!ids.is_empty(), "{:#?}", e.candidates);
    for c in ids {
        assert!(
            c.reason.starts_with("an identifier") || c.reason.contains("price on request"),
            "{c:?}"
        );
    }
}

#[test]
fn sold_out_page_gives_no_price() {
    let e = run_opts(
        "sold_out_sku.html",
        &ExtractOptions {
            default_currency: Some("USD".into()),
            ..Default::default()
        },
    );
    assert_eq!(e.price, None, "{:#?}", e.candidates);
}

#[test]
fn identifiers_next_to_a_price_are_not_prices() {
    let e = run("identifiers_with_price.html");
    assert_price(&e, "129.00", Some("EUR"), "129,00 €");
    assert_eq!(
        reason_of(&e, PriceSource::Heuristic, "80045"),
        ["an identifier (SKU, article, model, phone number), not a price"]
    );
}

#[test]
fn identifier_shapes_and_labels() {
    for (text, before) in [
        ("KES-55037-C", ""),
        ("55037 KES", "artikelnummer:"),
        ("4006381333931", "ean"),
        ("12345 EUR", "art.-nr."),
        ("AB1234", ""),
        ("1234 USD", "item #"),
        ("0800 123 USD", "tel."),
        ("99 CHF", "réf."),
        ("4711 EUR", "modell:"),
    ] {
        assert_eq!(
            ident::identifier_veto(text, before),
            Some(Reason::Identifier),
            "{text:?} after {before:?}"
        );
    }
    for (text, before) in [
        ("EUR12.00", ""),
        ("12,99 €", "preis:"),
        ("$15.00", "item #"),
        ("1.299,-", ""),
        ("CHF12", ""),
        ("Rs.599", ""),
        ("12kr", ""),
        ("$24.99", "model sale"),
    ] {
        assert_eq!(
            ident::identifier_veto(text, before),
            None,
            "{text:?} after {before:?}"
        );
    }
}

#[test]
fn no_price_phrases() {
    for t in [
        "Preis auf Anfrage",
        "Price on request",
        "  Sold out ",
        "AUSVERKAUFT",
        "Prix sur demande",
        "Call for price",
    ] {
        assert!(ident::says_no_price(t), "{t}");
    }
    for t in ["In stock", "Add to cart", "Free returns"] {
        assert!(!ident::says_no_price(t), "{t}");
    }
}

#[test]
fn structured_regular_price_loses_to_buy_box_sale_price() {
    let e = run("sd_sale_regular_price.html");
    assert_price(&e, "44.99", Some("USD"), "$44.99");
    assert_eq!(
        reason_of(&e, PriceSource::JsonLd, "59.99"),
        ["structured price is the struck-through regular price; the buy box sells at another"]
    );
    let chosen = e.candidates.iter().find(|c| c.chosen).expect("chosen");
    assert!(
        chosen.reason.starts_with("chosen: buy-box price") && chosen.reason.ends_with("59.99"),
        "{chosen:?}"
    );
}

#[test]
fn stale_structured_price_loses_to_marked_sale_buy_box() {
    let e = run("sd_stale_price.html");
    assert_price(&e, "44.00", Some("EUR"), "44,00 €");
    assert_eq!(
        reason_of(&e, PriceSource::JsonLd, "49.00"),
        ["structured price is not shown; the buy box sells at a marked sale price"]
    );
}

#[test]
fn structured_price_agreeing_with_buy_box_wins() {
    let e = run("sd_agrees_with_buy_box.html");
    assert_price(&e, "39.00", Some("GBP"), "39.00");
    assert_eq!(e.price.map(|p| p.source), Some(PriceSource::JsonLd));
}

#[test]
fn unmarked_buy_box_never_overrules_structured_data() {
    // A different visible amount but no sale or old-price markup after the
    // <h1>: structured data wins (a pre-tax buy box, a variant).
    let html = r#"<html><head><title>Desk</title><script type="application/ld+json">
        {"@type":"Product","name":"Desk","offers":{"price":"199.00","priceCurrency":"EUR"}}
        </script></head><body><main><h1>Desk</h1>
        <span class="product-price">238,81 €</span></main></body></html>"#;
    let url = Url::parse("https://shop.example/p").expect("valid");
    let e = extract(html, &url, &ExtractOptions::default());
    assert_price(&e, "199.00", Some("EUR"), "199.00");
    assert!(!buybox::marked(html));
}

#[test]
fn demo_pages_without_a_sale_keep_the_structured_fast_path() {
    // The buy-box check reads only tags after the <h1>: review text such as
    // "compared it" or "before the sale" must not send every page to the DOM.
    for n in 0..300 {
        let page = crate::demo::product_page(n, 0);
        if matches!(page.markup, crate::demo::Markup::Sale) {
            continue;
        }
        let html = String::from_utf8_lossy(&page.body);
        assert!(!buybox::marked(&html), "page {n} ({:?})", page.markup);
    }
    let sale = crate::demo::sample_page(crate::demo::Markup::Sale, 1);
    assert!(buybox::marked(&String::from_utf8_lossy(&sale.body)));
}

#[test]
fn price_label_in_a_sibling_element_is_a_price_hint() {
    // Hand-written shops: `<b>Price:</b>&nbsp;£345` with no class anywhere.
    let e = run("visible_price_label.html");
    assert_price(&e, "345", Some("GBP"), "Price: £345");
    // The delivery line and the teaser link stay out.
    assert_eq!(
        reason_of(&e, PriceSource::Heuristic, "25"),
        ["shipping or delivery cost"]
    );
    assert!(!labelled_total("Total price: $17.01"));
}

/// A "Total price:" label is no price label (a bundle's or a cart's total).
fn labelled_total(text: &str) -> bool {
    let html = format!("<html><body><p><font>{text}</font></p></body></html>");
    let url = Url::parse("https://shop.example/p").expect("test url is valid");
    extract(&html, &url, &ExtractOptions::default())
        .price
        .is_some()
}

#[test]
fn free_delivery_after_the_price_is_no_shipping_cost() {
    let e = run("visible_free_delivery.html");
    assert_price(&e, "579.99", Some("GBP"), "£579.99");
    // "Free delivery on orders over £50": the phrase comes first, a threshold.
    assert_eq!(
        reason_of(&e, PriceSource::Heuristic, "50"),
        ["shipping or delivery cost"]
    );
}

#[test]
fn structured_net_price_loses_to_buy_box_price_with_tax() {
    // Magento-style price box with both prices; JSON-LD carries the net one.
    let e = run("sd_net_price.html");
    assert_price(&e, "9.90", Some("EUR"), "9,90 €");
    assert_eq!(
        reason_of(&e, PriceSource::JsonLd, "8.32"),
        ["structured price is the buy box's price before tax; the buy box sells with tax"]
    );
    // The accessory's gross price is in a related section, never the price.
    let accessory = reason_of(&e, PriceSource::Heuristic, "4.00");
    assert!(!accessory.is_empty());
    assert!(
        accessory
            .iter()
            .all(|r| *r == "inside a related-products section"),
        "{accessory:?}"
    );
}

#[test]
fn structured_price_agreeing_with_a_gross_buy_box_wins() {
    // Both prices shown, structured data has the one with tax: it stays.
    let html = std::fs::read_to_string(format!(
        "{}/tests/fixtures/extract/sd_net_price.html",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
    .replace("\"price\":\"8.32\"", "\"price\":\"9.90\"");
    let url = Url::parse("https://shop.example/p").expect("test url is valid");
    let e = extract(&html, &url, &ExtractOptions::default());
    assert_price(&e, "9.90", Some("EUR"), "9.90");
    assert_eq!(e.price.map(|p| p.source), Some(PriceSource::JsonLd));
}

#[test]
fn meta_sale_price_beats_structured_regular_price() {
    // `og:price:standard_amount` names the JSON-LD amount as the regular one;
    // `product:price:amount` is what the page sells at.
    let e = run("meta_sale_over_regular.html");
    assert_price(&e, "39.20", Some("USD"), "39.20");
    assert_eq!(e.price.as_ref().map(|p| p.source), Some(PriceSource::Meta));
    assert_eq!(
        reason_of(&e, PriceSource::JsonLd, "49.00"),
        ["structured price is the regular price; a meta tag gives the sale price"]
    );
    assert_eq!(
        reason_of(&e, PriceSource::Meta, "49.00"),
        ["list / strike-through reference price"]
    );
}

#[test]
fn meta_price_without_a_regular_mark_never_overrules_structured_data() {
    // A lower meta price alone (stale, another variant) is not evidence.
    let html = std::fs::read_to_string(format!(
        "{}/tests/fixtures/extract/meta_sale_over_regular.html",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
    .replace(
        "<meta content='49.00' property='og:price:standard_amount'>",
        "",
    );
    let url = Url::parse("https://shop.example/p").expect("test url is valid");
    let e = extract(&html, &url, &ExtractOptions::default());
    assert_price(&e, "49.00", Some("USD"), "49.00");
}

#[test]
fn bundle_total_is_not_the_price() {
    // A series' "Total Price:" sits in the buy box next to the single item's.
    let e = run("visible_bundle_total.html");
    assert_price(&e, "10.99", Some("USD"), "$10.99");
    assert_eq!(
        reason_of(&e, PriceSource::Heuristic, "32.97"),
        ["a total over several items (bundle or cart), not the product's price"]
    );
}

#[test]
fn percentages_are_never_prices() {
    let e = run("percentage_not_price.html");
    assert_price(&e, "999.00", Some("EUR"), "999,00 €");
    // The price box's own text ("999,00 € Barpreis inkl 19%Mwst") holds two
    // numbers and is no candidate now that Magento's lone `regular-price` is
    // not struck (so not left out of it); a "19" read anywhere is a percentage.
    assert!(reason_of(&e, PriceSource::Heuristic, "19")
        .iter()
        .all(|r| *r == "a percentage (tax rate, discount), never a price"));
    for (text, after) in [
        ("19%", ""),
        ("inkl 19 % MwSt", ""),
        ("7", " % Versand"),
        ("-20％", ""),
    ] {
        assert_eq!(
            ident::percentage_veto(text, after),
            Some(Reason::Percentage),
            "{text}"
        );
    }
    for (text, after) in [
        ("19,99 €", ""),
        ("€ 12 (20% off)", ""),
        ("12 €", " inkl. MwSt"),
        ("Bronze Price: US $3.95 3%off", ""),
    ] {
        assert_eq!(ident::percentage_veto(text, after), None, "{text}");
    }
}

#[test]
fn reference_price_labels_are_not_the_selling_price() {
    let e = run("reference_price_label.html");
    // `$` alone on an `.example` host with no default currency stays unresolved.
    assert_price(&e, "113.95", None, "$113.95");
    for reference in ["125.00", "130.00"] {
        assert_eq!(
            reason_of(&e, PriceSource::Heuristic, reference),
            ["list / strike-through reference price"],
            "{reference}"
        );
    }
    for (text, before) in [
        ("Retail Price: $125.00", ""),
        ("$49.99", "list price:"),
        ("UVP 59,99 €", ""),
        ("RRP £20", ""),
    ] {
        assert!(phrases::says_reference(text, before), "{text}");
    }
    for (text, before) in [
        ("$49.99", ""),
        ("Price: $10 (MSRP below)", ""),
        ("£20", "our price:"),
    ] {
        assert!(!phrases::says_reference(text, before), "{text}");
    }
}

#[test]
fn a_price_for_both_is_a_bundle_total() {
    let e = run("bundle_for_both.html");
    assert_price(&e, "8.99", None, "$8.99");
    assert_eq!(
        reason_of(&e, PriceSource::Heuristic, "17.98"),
        ["a total over several items (bundle or cart), not the product's price"]
    );
    for before in ["price for both:", "buy all three for all", "für beide:"] {
        assert_eq!(
            phrases::context_veto(before, ""),
            Some(Reason::Total),
            "{before}"
        );
    }
    assert_eq!(phrases::context_veto("price for one:", ""), None);
}

#[test]
fn a_bare_price_number_takes_the_currency_of_the_same_amount_shown() {
    let e = run("bare_number_same_amount.html");
    let p = e.price.as_ref().expect("a price");
    assert_eq!(p.amount.to_string(), "2399");
    assert_eq!(p.currency.as_deref(), Some("PLN"), "{:#?}", e.candidates);
}

#[test]
fn a_unit_price_class_without_a_quantity_is_the_price_of_one_piece() {
    let e = run("unit_price_per_piece.html");
    // `id="unit_price"` with no quantity, inside a `price_list` box (a box of
    // prices, not a list price); the currency is the page's only one.
    assert_price(&e, "55.99", Some("USD"), "Price: US$ 55.99");
    // A unit-price class with "/ kg" is still a price per reference quantity.
    assert_eq!(
        reason_of(&e, PriceSource::Heuristic, "9.98"),
        ["unit price (per reference quantity)"]
    );
    assert!(phrases::names_quantity("€9,98", "/ kg"));
    assert!(phrases::names_quantity("2,99 € pro 100 g", ""));
    assert!(!phrases::names_quantity("55.99", "US$ 69.99"));
}

#[test]
fn a_strike_tag_classed_as_not_struck_is_a_plain_price() {
    let e = run("strike_tag_unstruck.html");
    assert_price(&e, "4.07", Some("USD"), "4.07");
    let shown = reason_of(&e, PriceSource::Heuristic, "4.07");
    assert!(!shown.is_empty(), "{:#?}", e.candidates);
    assert!(shown.iter().all(|r| !r.contains("struck")), "{shown:?}");
    // A struck tag with an ordinary class stays struck.
    assert_eq!(
        reason_of(&e, PriceSource::Heuristic, "4.50"),
        ["struck-through old price"]
    );
}

#[test]
fn a_regular_price_is_struck_only_beside_a_sale_price() {
    // Magento 1 classes the only price `regular-price`; a related product's
    // sale box does not make it an old price.
    let alone = run("regular_price_alone.html");
    assert_price(&alone, "9900.00", Some("PLN"), "9 900,00 zł");
    let sale = run("regular_price_on_sale.html");
    assert_price(&sale, "45.00", None, "$45.00");
    // The regular price loses the struck-class score (45 points).
    assert_eq!(
        reason_of(&sale, PriceSource::Heuristic, "60.00"),
        ["score 55 lower than chosen 100"]
    );
}
