//! Extraction over the hand-written fixture pages in `tests/fixtures/extract/`.

use super::*;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/extract/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn url(u: &str) -> Url {
    Url::parse(u).expect("test url is valid")
}

fn run_with(name: &str, page_url: &str, opts: &ExtractOptions) -> Extraction {
    extract(&fixture(name), &url(page_url), opts)
}

fn run(name: &str) -> Extraction {
    run_with(name, "https://shop.example/p", &ExtractOptions::default())
}

fn usd_default() -> ExtractOptions {
    ExtractOptions {
        default_currency: Some("USD".into()),
        ..Default::default()
    }
}

#[track_caller]
fn assert_price(e: &Extraction, amount: &str, currency: Option<&str>, source: PriceSource) {
    let p = e
        .price
        .as_ref()
        .unwrap_or_else(|| panic!("no price found: {e:?}"));
    assert_eq!(
        p.amount.to_string(),
        amount,
        "amount (digits as written) in {p:?}"
    );
    assert_eq!(p.currency.as_deref(), currency, "currency in {p:?}");
    assert_eq!(p.source, source, "source in {p:?}");
}

#[test]
fn jsonld_ignores_analytics_and_related_products() {
    let e = run("jsonld_basic.html");
    assert_price(&e, "12.90", Some("EUR"), PriceSource::JsonLd);
    assert_eq!(e.price.as_ref().map(|p| p.text.as_str()), Some("12.90"));
    assert_eq!(
        e.title.as_deref(),
        Some("Kaffeemühle Classic | Beispiel-Shop")
    );
}

#[test]
fn jsonld_graph_with_id_references() {
    let e = run("jsonld_graph.html");
    assert_price(&e, "1299.00", Some("USD"), PriceSource::JsonLd);
    assert_eq!(
        e.title.as_deref(),
        Some("Trail Runner 2 & Co — Outdoor Store")
    );
}

#[test]
fn jsonld_broken_script_does_not_hide_good_one() {
    let e = run("jsonld_broken.html");
    assert_price(&e, "34.50", Some("GBP"), PriceSource::JsonLd);
}

#[test]
fn jsonld_product_group_follows_variant_in_url() {
    let e = run_with(
        "jsonld_group.html",
        "https://shop.example/sweater?variant=MS-M",
        &ExtractOptions::default(),
    );
    assert_price(&e, "82.50", Some("EUR"), PriceSource::JsonLd);
    let e = run_with(
        "jsonld_group.html",
        "https://shop.example/sweater",
        &ExtractOptions::default(),
    );
    assert_price(&e, "79.00", Some("EUR"), PriceSource::JsonLd);
}

#[test]
fn jsonld_aggregate_offer_low_price() {
    assert_price(
        &run("jsonld_aggregate.html"),
        "149.00",
        Some("GBP"),
        PriceSource::JsonLd,
    );
}

#[test]
fn jsonld_price_specification_skips_strikethrough_and_unit_prices() {
    assert_price(
        &run("jsonld_pricespec.html"),
        "14.49",
        Some("EUR"),
        PriceSource::JsonLd,
    );
}

#[test]
fn microdata_main_product_not_related_ones() {
    let e = run("microdata.html");
    assert_price(&e, "1234.56", Some("EUR"), PriceSource::Microdata);
    assert_eq!(e.title.as_deref(), Some("Espressomaschine Barista Pro"));
}

#[test]
fn microdata_text_values() {
    assert_price(
        &run("microdata_text.html"),
        "49.00",
        Some("USD"),
        PriceSource::Microdata,
    );
}

#[test]
fn rdfa_vocab_outside_aside() {
    assert_price(&run("rdfa.html"), "49.90", Some("CHF"), PriceSource::Rdfa);
}

#[test]
fn rdfa_schema_prefix() {
    assert_price(
        &run("rdfa_prefixed.html"),
        "29.95",
        Some("EUR"),
        PriceSource::Rdfa,
    );
}

#[test]
fn meta_property_tags() {
    let e = run("meta_og.html");
    assert_price(&e, "15.00", Some("GBP"), PriceSource::Meta);
    assert_eq!(e.title.as_deref(), Some("Canvas Tote Bag"));
}

#[test]
fn meta_name_tags_and_og_title_fallback() {
    let e = run("meta_name.html");
    assert_price(&e, "8.5", Some("EUR"), PriceSource::Meta);
    assert_eq!(e.title.as_deref(), Some("Ceramic Mug"));
}

#[test]
fn visible_sale_price_beats_old_related_instalment_and_shipping() {
    let e = run_with(
        "visible_sale.html",
        "https://shop.example/p",
        &usd_default(),
    );
    assert_price(&e, "99.99", Some("USD"), PriceSource::Heuristic);
    assert_eq!(e.price.as_ref().map(|p| p.text.as_str()), Some("$99.99"));
}

#[test]
fn bare_dollar_without_default_is_unknown_currency() {
    assert_price(
        &run("visible_sale.html"),
        "99.99",
        None,
        PriceSource::Heuristic,
    );
}

#[test]
fn visible_split_spans_and_screen_reader_copy() {
    let e = run("visible_split.html");
    assert_price(&e, "1234.56", Some("EUR"), PriceSource::Heuristic);
    assert_eq!(
        e.price.as_ref().map(|p| p.text.as_str()),
        Some("1 234,56 €")
    );
}

#[test]
fn visible_offscreen_copy_and_struck_list_price() {
    let e = run_with(
        "visible_offscreen.html",
        "https://shop.example/p",
        &usd_default(),
    );
    assert_price(&e, "39.99", Some("USD"), PriceSource::Heuristic);
}

#[test]
fn visible_superscript_cents() {
    assert_price(
        &run("visible_sup.html"),
        "24.99",
        Some("GBP"),
        PriceSource::Heuristic,
    );
}

#[test]
fn page_without_price_gives_none() {
    let e = run_with(
        "no_price.html",
        "https://shop.example/about",
        &usd_default(),
    );
    assert_eq!(e.price, None, "{e:?}");
    assert_eq!(e.title.as_deref(), Some("About us"));
}

#[test]
fn selector_overrides_structured_data() {
    let sel = scraper::Selector::parse("[data-role=cost]").expect("valid selector");
    let opts = ExtractOptions {
        selector: Some(sel),
        ..Default::default()
    };
    let e = run_with("selector.html", "https://shop.example/p", &opts);
    assert_price(&e, "12.50", Some("EUR"), PriceSource::Selector);
    assert_price(
        &run("selector.html"),
        "10.00",
        Some("USD"),
        PriceSource::Meta,
    );
}

#[test]
fn explain_lists_every_candidate_with_reasons() {
    let opts = ExtractOptions {
        explain: true,
        default_currency: Some("USD".into()),
        ..Default::default()
    };
    let e = run_with("visible_sale.html", "https://shop.example/p", &opts);
    let chosen: Vec<_> = e.candidates.iter().filter(|c| c.chosen).collect();
    assert_eq!(chosen.len(), 1, "{:#?}", e.candidates);
    assert!(
        chosen[0].reason.starts_with("chosen: highest score"),
        "{:?}",
        chosen[0]
    );
    assert!(
        chosen[0].location.ends_with("span.price.price--sale"),
        "{:?}",
        chosen[0]
    );
    let reason_for = |text: &str| {
        e.candidates
            .iter()
            .find(|c| c.text == text)
            .map(|c| c.reason.clone())
            .unwrap_or_default()
    };
    assert_eq!(reason_for("$19.99"), "inside a related-products section");
    assert_eq!(reason_for("$24.99"), "instalment or per-month amount");
    assert_eq!(reason_for("$4.95"), "shipping or delivery cost");
    assert!(
        reason_for("$129.99").starts_with("score"),
        "{:#?}",
        e.candidates
    );
    assert_eq!(
        e.price.as_ref().map(|p| p.amount.to_string()).as_deref(),
        Some("99.99")
    );
}

#[test]
fn explain_json_paths_and_related_reason() {
    let opts = ExtractOptions {
        explain: true,
        ..Default::default()
    };
    let e = run_with(
        "jsonld_graph.html",
        "https://store.example/p/trail-runner-2",
        &opts,
    );
    let chosen = e
        .candidates
        .iter()
        .find(|c| c.chosen)
        .expect("a chosen candidate");
    assert_eq!(chosen.location, "script[0] @graph[3].offers[0].price");
    let socks = e
        .candidates
        .iter()
        .find(|c| c.text == "9.99")
        .expect("related product listed");
    assert_eq!(socks.reason, "belongs to a related product");
    let visible = e
        .candidates
        .iter()
        .find(|c| c.source == PriceSource::Heuristic)
        .expect("visible price listed");
    assert_eq!(visible.reason, "lower priority than json-ld");
}

#[test]
fn same_result_with_and_without_explain() {
    for name in [
        "jsonld_basic.html",
        "jsonld_graph.html",
        "microdata.html",
        "visible_sale.html",
        "visible_split.html",
    ] {
        let plain = run(name);
        let explained = run_with(
            name,
            "https://shop.example/p",
            &ExtractOptions {
                explain: true,
                ..Default::default()
            },
        );
        assert_eq!(plain.price, explained.price, "{name}");
        assert_eq!(plain.title, explained.title, "{name}");
    }
}

#[test]
fn options_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ExtractOptions>();
    check::<Extraction>();
}

/// Decodes a demo page the way `fetch` would: UTF-8, or windows-1252 for the
/// legacy-charset markup (the WHATWG meaning of `iso-8859-1` too).
fn demo_html(page: &crate::demo::Page) -> String {
    if page.markup == crate::demo::Markup::LegacyCharset {
        encoding_rs::WINDOWS_1252.decode(&page.body).0.into_owned()
    } else {
        String::from_utf8_lossy(&page.body).into_owned()
    }
}

#[test]
fn demo_shop_pages_extract_expected_price_and_title() {
    let page_url = url("http://127.0.0.1:8080/product/1");
    let mut failures = Vec::new();
    for epoch in [0, 3] {
        for n in 0..300 {
            let page = crate::demo::product_page(n, epoch);
            let html = demo_html(&page);
            let usd = || Some("USD".to_owned());
            for opts in [
                ExtractOptions {
                    default_currency: usd(),
                    ..Default::default()
                },
                ExtractOptions {
                    explain: true,
                    default_currency: usd(),
                    ..Default::default()
                },
            ] {
                let e = extract(&html, &page_url, &opts);
                let got = e.price.as_ref().map(|p| (p.amount, p.currency.clone()));
                let want = page
                    .expected
                    .as_ref()
                    .map(|x| (x.amount, Some(x.currency.to_owned())));
                if got != want || e.title.as_deref() != Some(page.title.as_str()) {
                    failures.push(format!(
                        "n={n} epoch={epoch} {:?}: got {:?} / {:?}, want {:?} / {:?}",
                        page.markup, e.price, e.title, want, page.title
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(15)].join("\n")
    );
}

#[test]
fn meta_quick_path_reads_attributes_in_any_order_and_quoting() {
    let html = r#"<html><head><title>Mug</title><meta content='7.25' property=og:price:amount><meta name="og:price:currency" content="EUR"/></head><body><p>$1.00</p></body></html>"#;
    let e = extract(
        html,
        &url("https://shop.example/m"),
        &ExtractOptions::default(),
    );
    assert_price(&e, "7.25", Some("EUR"), PriceSource::Meta);
    let explained = extract(
        html,
        &url("https://shop.example/m"),
        &ExtractOptions {
            explain: true,
            ..Default::default()
        },
    );
    assert_eq!(e.price, explained.price);
    let chosen = explained
        .candidates
        .iter()
        .find(|c| c.chosen)
        .expect("chosen");
    assert_eq!(chosen.location, "meta[og:price:amount]");
}

#[test]
fn jsonld_top_level_offer_without_product() {
    let html = r#"<title>T</title><script type="application/ld+json">{"@type":"Offer","price":"5.00","priceCurrency":"EUR"}</script>"#;
    let e = extract(
        html,
        &url("https://shop.example/o"),
        &ExtractOptions::default(),
    );
    assert_price(&e, "5.00", Some("EUR"), PriceSource::JsonLd);
}

#[test]
fn microdata_location_in_explain() {
    let opts = ExtractOptions {
        explain: true,
        ..Default::default()
    };
    let e = run_with("microdata.html", "https://shop.example/p", &opts);
    let chosen = e.candidates.iter().find(|c| c.chosen).expect("chosen");
    assert_eq!(chosen.source, PriceSource::Microdata);
    assert!(
        chosen.location.ends_with("div > span"),
        "{}",
        chosen.location
    );
    let related = e
        .candidates
        .iter()
        .find(|c| c.text == "19,90")
        .expect("nested related product listed");
    assert_eq!(related.reason, "belongs to a related product");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<script type=\"application/ld+json\">".to_owned()),
            Just("</script>".to_owned()),
            Just("{\"@type\":\"Product\",\"offers\":{\"price\":".to_owned()),
            Just("<span class=\"price\">".to_owned()),
            Just("<div itemscope itemtype=\"https://schema.org/Product\">".to_owned()),
            Just("<span itemprop=\"price\" content=\"".to_owned()),
            Just("<meta property=\"product:price:amount\" content=\"".to_owned()),
            Just("<del>".to_owned()),
            Just("<title>".to_owned()),
            Just("<h1>".to_owned()),
            Just("</span></div>".to_owned()),
            "[0-9$€£.,&; <>\"'a-z]{0,12}",
        ]
    }

    proptest! {
        #[test]
        fn never_panics_and_explain_agrees(parts in proptest::collection::vec(piece(), 0..40)) {
            let html = parts.concat();
            let u = url("https://shop.example/x");
            let plain = extract(&html, &u, &ExtractOptions::default());
            let explained = extract(&html, &u, &ExtractOptions { explain: true, ..Default::default() });
            prop_assert_eq!(plain.price, explained.price);
            prop_assert!(explained.candidates.iter().filter(|c| c.chosen).count() <= 1);
        }
    }
}

#[test]
fn jsonld_several_products_prefers_the_one_named_in_title() {
    let html = r#"<title>Big Kettle | Shop</title>
<script type="application/ld+json">{"@type":"Product","name":"Descaler","offers":{"price":"4.00","priceCurrency":"EUR"}}</script>
<script type="application/ld+json">{"@type":"Product","name":"Big Kettle","offers":{"price":"59.00","priceCurrency":"EUR"}}</script>"#;
    let e = extract(
        html,
        &url("https://shop.example/k"),
        &ExtractOptions::default(),
    );
    assert_price(&e, "59.00", Some("EUR"), PriceSource::JsonLd);
}

/// React and other server renderers split a text with empty comments
/// (`$<!-- -->12.99`); a reader sees one price, and the streaming tree and
/// `scraper`'s tree must read it alike (the streaming tree keeps no comments).
#[test]
fn text_split_by_a_comment_reads_as_one_price_on_both_paths() {
    let html = "<!doctype html><html><head><title>Lamp</title></head><body>\
        <main><h1>Desk lamp</h1><p>Now $<!-- -->12<!-- -->.99</p></main></body></html>";
    let u = url("https://shop.example/p/lamp");
    let streamed = extract(html, &u, &usd_default());
    assert_price(&streamed, "12.99", Some("USD"), PriceSource::Heuristic);
    assert_eq!(streamed, extract_full_dom(html, &u, &usd_default()));
    assert!(streams(html));
}
