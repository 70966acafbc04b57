//! `scrape extract`: one price object (or null) on stdout, `--explain` with
//! every candidate, `--text` for one string; the same code path as scraping.

use scrape::demo::{all_markups, sample_page};

use crate::support::scrape;

#[test]
fn text_prints_one_price_object_or_null() {
    let run = scrape(&["extract", "--text", "1.234,56 €"], None);
    run.code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["amount"].to_string(), "1234.56", "{run}");
    assert_eq!(v["currency"], "EUR");
    let run = scrape(&["extract", "--text", "$19.99"], None);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (v["amount"].to_string().as_str(), v["currency"].as_str()),
        ("19.99", Some("USD"))
    );
    let run = scrape(
        &["extract", "--text", "$19.99", "--default-currency", "CAD"],
        None,
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        v["currency"], "CAD",
        "an ambiguous $ takes the default currency"
    );
    let run = scrape(&["extract", "--text", "call for price"], None);
    run.code(0);
    assert_eq!(run.stdout.trim(), "null", "{run}");
}

#[test]
fn pages_of_every_markup_extract_from_file_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    for &markup in all_markups() {
        let page = sample_page(markup, 7);
        let path = dir.path().join("page.html");
        std::fs::write(&path, &page.body).unwrap();
        let run = scrape(&["extract", path.to_str().unwrap()], None);
        run.code(0);
        let got: Option<scrape::extract::FoundPrice> = serde_json::from_str(&run.stdout).unwrap();
        let got = got.map(|p| (p.amount, p.currency));
        let want = page
            .expected
            .map(|e| (e.amount, Some(e.currency.to_owned())));
        assert_eq!(got, want, "{markup:?}{run}");
    }
    // stdin works the same; a UTF-8 page is enough here.
    let page = sample_page(all_markups()[0], 3);
    let html = String::from_utf8(page.body.clone()).unwrap();
    let run = scrape(&["extract", "-"], Some(&html));
    let got: Option<scrape::extract::FoundPrice> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        got.map(|p| p.amount),
        page.expected.map(|e| e.amount),
        "{run}"
    );
}

#[test]
fn explain_lists_candidates_and_says_which_won() {
    let dir = tempfile::tempdir().unwrap();
    for &markup in all_markups() {
        let page = sample_page(markup, 11);
        let path = dir.path().join("page.html");
        std::fs::write(&path, &page.body).unwrap();
        let run = scrape(&["extract", "--explain", path.to_str().unwrap()], None);
        run.code(0);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let candidates = v["candidates"].as_array().unwrap();
        let chosen: Vec<&serde_json::Value> =
            candidates.iter().filter(|c| c["chosen"] == true).collect();
        if page.expected.is_some() {
            assert_eq!(chosen.len(), 1, "{markup:?}: exactly one winner{run}");
            assert_eq!(chosen[0]["amount"], v["price"]["amount"]);
            for c in candidates {
                assert!(
                    c["reason"].as_str().is_some_and(|r| !r.is_empty()),
                    "{markup:?}: every candidate says why: {c}"
                );
                assert!(c["location"].as_str().is_some_and(|l| !l.is_empty()), "{c}");
            }
        } else {
            assert!(chosen.is_empty() && v["price"].is_null(), "{markup:?}{run}");
        }
    }
}

#[test]
fn explain_names_the_rule_behind_each_currency() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/extract");
    let cases = [
        // (fixture, --url, currency, rule)
        (
            "currency_lang_yen.html",
            "http://localhost/",
            "JPY",
            "locale",
        ),
        (
            "currency_state_yen.html",
            "http://localhost/",
            "JPY",
            "platform-state",
        ),
        (
            "currency_dollar.html",
            "https://mates.example.com.ar/p",
            "ARS",
            "host-tld",
        ),
        (
            "jsonld_no_currency.html",
            "http://localhost/",
            "GBP",
            "same-amount-in-text",
        ),
        ("jsonld_basic.html", "http://localhost/", "EUR", "mark"),
    ];
    for (name, url, currency, rule) in cases {
        let path = format!("{fixtures}/{name}");
        let run = scrape(&["extract", "--explain", "--url", url, &path], None);
        run.code(0);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["price"]["currency"], currency, "{name}{run}");
        let chosen = v["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["chosen"] == true)
            .cloned()
            .unwrap_or_default();
        assert_eq!(chosen["currency_rule"], rule, "{name}{run}");
        // The record keeps its DESIGN fields only.
        let price = v["price"].as_object().unwrap();
        let mut keys: Vec<&str> = price.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["amount", "currency", "source", "text"], "{name}");
    }
}
