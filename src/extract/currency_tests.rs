//! Currency from context on fixture pages: each rule of the documented order
//! (structured data, platform state, locale, host TLD, default), the
//! separators that follow from the resolved currency, the structured price
//! that takes the currency written next to the same amount, and the
//! inline-state source.

use super::*;
use crate::price::CurrencyRule;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/extract/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn run_at(html: &str, page_url: &str, opts: &ExtractOptions) -> Extraction {
    let url = Url::parse(page_url).expect("test url is valid");
    extract(html, &url, opts)
}

fn explain() -> ExtractOptions {
    ExtractOptions {
        explain: true,
        ..Default::default()
    }
}

/// Amount, currency and the chosen candidate's currency rule.
#[track_caller]
fn outcome(e: &Extraction) -> (String, Option<String>, Option<CurrencyRule>) {
    let p = e
        .price
        .as_ref()
        .unwrap_or_else(|| panic!("no price: {e:?}"));
    let chosen = e.candidates.iter().find(|c| c.chosen);
    (
        p.amount.to_string(),
        p.currency.clone(),
        chosen.and_then(|c| c.currency_rule),
    )
}

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[test]
fn yen_with_inline_state_currency_is_jpy() {
    let e = run_at(
        &fixture("currency_state_yen.html"),
        "https://kettle.example/p",
        &explain(),
    );
    let want = (
        "103300".into(),
        some("JPY"),
        Some(CurrencyRule::PlatformState),
    );
    assert_eq!(outcome(&e), want);
    // Without explain the fast paths are skipped the same way.
    let quiet = run_at(
        &fixture("currency_state_yen.html"),
        "https://kettle.example/p",
        &ExtractOptions::default(),
    );
    assert_eq!(quiet.price, e.price);
}

#[test]
fn yen_by_page_locale() {
    let ja = fixture("currency_lang_yen.html");
    let e = run_at(&ja, "https://tetsubin.example/p", &explain());
    assert_eq!(
        outcome(&e),
        ("1200".into(), some("JPY"), Some(CurrencyRule::Locale))
    );
    let zh = ja.replace(r#"lang="ja""#, r#"lang="zh-CN""#);
    let e = run_at(&zh, "https://tetsubin.example/p", &explain());
    assert_eq!(
        outcome(&e),
        ("1200".into(), some("CNY"), Some(CurrencyRule::Locale))
    );
    let og = ja.replace(
        r#"<html lang="ja"><head>"#,
        r#"<html><head><meta property="og:locale" content="zh_CN">"#,
    );
    let e = run_at(&og, "https://tetsubin.example/p", &explain());
    assert_eq!(outcome(&e).1, some("CNY"), "og:locale is a locale too");
}

#[test]
fn dollar_by_host_tld_and_its_separators() {
    let page = fixture("currency_dollar.html");
    let tw = run_at(&page, "https://shop.example.com.tw/p", &explain());
    assert_eq!(
        outcome(&tw),
        ("3499".into(), some("TWD"), Some(CurrencyRule::HostTld))
    );
    let ar = run_at(&page, "https://mates.example.com.ar/p", &explain());
    assert_eq!(
        outcome(&ar),
        ("3499".into(), some("ARS"), Some(CurrencyRule::HostTld))
    );
    // `.co` is sold as a brand name: no country signal, and a bare `es`
    // settles nothing for `$`.
    let co = run_at(&page, "https://mates.co/p", &explain());
    assert_eq!(outcome(&co), ("3.499".into(), None, None));
    // The default comes last, and USD keeps the dollar rule (`$1.234` is 1.234).
    let opts = ExtractOptions {
        default_currency: Some("USD".into()),
        explain: true,
        ..Default::default()
    };
    let us = run_at(&page, "https://mates.example.com/p", &opts);
    assert_eq!(
        outcome(&us),
        ("3.499".into(), some("USD"), Some(CurrencyRule::Default))
    );
}

#[test]
fn locale_region_outranks_host_and_default() {
    let page = fixture("currency_dollar.html").replace(r#"lang="es""#, r#"lang="es-CL""#);
    let opts = ExtractOptions {
        default_currency: Some("USD".into()),
        explain: true,
        ..Default::default()
    };
    let e = run_at(&page, "https://mates.example.com.ar/p", &opts);
    assert_eq!(
        outcome(&e),
        ("3499".into(), some("CLP"), Some(CurrencyRule::Locale))
    );
}

#[test]
fn krona_by_swedish_locale() {
    let e = run_at(
        &fixture("currency_kr_sv.html"),
        "https://ull.example/p",
        &explain(),
    );
    assert_eq!(
        outcome(&e),
        ("1299".into(), some("SEK"), Some(CurrencyRule::Locale))
    );
}

#[test]
fn structured_price_without_currency_takes_the_same_amount_in_text() {
    let page = fixture("jsonld_no_currency.html");
    let e = run_at(&page, "https://tote.example/p", &explain());
    assert_eq!(
        outcome(&e),
        (
            "42.00".into(),
            some("GBP"),
            Some(CurrencyRule::SameAmountInText)
        )
    );
    let quiet = run_at(&page, "https://tote.example/p", &ExtractOptions::default());
    assert_eq!(quiet.price, e.price);
}

#[test]
fn shopify_state_is_a_source_with_its_currency() {
    let page = fixture("state_shopify_jpy.html");
    let e = run_at(&page, "https://tea.example/products/whisk", &explain());
    let p = e.price.as_ref().expect("a price from the Shopify state");
    assert_eq!(p.source, PriceSource::InlineState);
    assert_eq!(
        outcome(&e),
        (
            "4800".into(),
            some("JPY"),
            Some(CurrencyRule::PlatformState)
        )
    );
    let deluxe = run_at(
        &page,
        "https://tea.example/products/whisk?variant=41002",
        &ExtractOptions::default(),
    );
    assert_eq!(deluxe.price.map(|p| p.amount.to_string()), some("6200"));
}

#[test]
fn state_serialises_as_inline_state() {
    let json = serde_json::to_string(&PriceSource::InlineState).expect("serialises");
    assert_eq!(json, r#""inline-state""#);
    assert_eq!(PriceSource::InlineState.to_string(), "inline-state");
    let rule = serde_json::to_string(&CurrencyRule::SameAmountInText).expect("serialises");
    assert_eq!(rule, r#""same-amount-in-text""#);
}

#[test]
fn a_bare_price_number_takes_the_pages_only_currency() {
    let e = run_at(
        &fixture("bare_number_only_currency.html"),
        "https://moebel.example/p/1",
        &explain(),
    );
    assert_eq!(
        outcome(&e),
        (
            "69.99".into(),
            some("EUR"),
            Some(CurrencyRule::OnlyCurrencyInText)
        )
    );
    // Two currencies written on the page: the bare number stays without one.
    let two = run_at(
        &fixture("bare_number_two_currencies.html"),
        "https://mugs.example/p",
        &explain(),
    );
    assert_eq!(outcome(&two), ("24.50".into(), None, None));
}

#[test]
fn prices_written_with_a_cjk_or_word_mark_are_candidates() {
    // No price class, no structured data: only the mark says "price", so the
    // visible-text prefilter must know 円 (here as `&#x5186;`) and `Ft`.
    let yen = run_at(
        &fixture("visible_yen_character.html"),
        "https://books.example/b/1",
        &explain(),
    );
    assert_eq!(
        outcome(&yen),
        ("2640".into(), some("JPY"), Some(CurrencyRule::Mark))
    );
    let huf = run_at(
        &fixture("visible_forint_word.html"),
        "https://bolt.example/p",
        &explain(),
    );
    assert_eq!(
        outcome(&huf),
        ("129990".into(), some("HUF"), Some(CurrencyRule::Mark))
    );
}
