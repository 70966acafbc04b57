//! Demo pages: determinism, every markup's expected price, realistic sizes.

use super::*;
use std::collections::HashSet;

#[test]
fn pages_are_deterministic() {
    for n in [0, 1, 7, 42, 999, 123_456] {
        let a = product_page(n, 0);
        let b = product_page(n, 0);
        assert_eq!(a.body, b.body);
        assert_eq!(a.expected, b.expected);
        assert_eq!(a.title, b.title);
    }
}

#[test]
fn sizes_are_realistic() {
    let mut max = 0;
    let mut min = usize::MAX;
    for n in 0..600 {
        let len = product_page(n, 0).body.len();
        min = min.min(len);
        max = max.max(len);
        assert!((20_000..=150_000).contains(&len), "page {n} is {len} bytes");
    }
    assert!(max > 100_000, "no big pages: max {max}");
    assert!(min < 40_000, "no small pages: min {min}");
}

#[test]
fn every_markup_occurs() {
    let seen: HashSet<Markup> = (0..50).map(|n| product_page(n, 0).markup).collect();
    assert_eq!(seen.len(), all_markups().len());
    for &m in all_markups() {
        assert_eq!(sample_page(m, 3).markup, m);
    }
}

#[test]
fn title_is_in_title_tag_and_h1() {
    for n in 0..40 {
        let p = product_page(n, 0);
        let text = match p.markup {
            Markup::LegacyCharset => encoding_rs::WINDOWS_1252.decode(&p.body).0.into_owned(),
            _ => String::from_utf8(p.body.clone()).expect("utf-8 page"),
        };
        assert!(
            text.contains(&format!("<title>{}</title>", p.title)),
            "page {n}"
        );
        assert!(text.contains(&format!("{}</h1>", p.title)), "page {n}");
    }
}

#[test]
fn expected_price_appears_in_markup() {
    for n in 0..200 {
        let p = product_page(n, 0);
        let text = match p.markup {
            Markup::LegacyCharset => encoding_rs::WINDOWS_1252.decode(&p.body).0.into_owned(),
            _ => String::from_utf8(p.body.clone()).expect("utf-8 page"),
        };
        let Some(e) = &p.expected else {
            assert!(matches!(p.markup, Markup::NoPrice | Markup::NoPriceSku));
            continue;
        };
        let plain = e.amount.to_string();
        match p.markup {
            Markup::JsonLd | Markup::JsonLdGraph => {
                assert!(
                    text.contains(&format!("\"price\":{plain},"))
                        || text.contains(&format!("\"price\":\"{plain}\"")),
                    "page {n}"
                );
                assert!(text.contains(&format!("\"priceCurrency\":\"{}\"", e.currency)));
            }
            Markup::Microdata => {
                assert!(text.contains(&format!("itemprop=\"price\" content=\"{plain}\"")));
            }
            Markup::Rdfa => {
                assert!(text.contains(&format!("property=\"schema:price\" content=\"{plain}\"")));
            }
            Markup::OpenGraph => {
                assert!(text.contains(&format!("\"product:price:amount\" content=\"{plain}\"")));
            }
            _ => {}
        }
    }
}

#[test]
fn legacy_pages_are_not_utf8_and_declare_their_charset() {
    let mut header = 0;
    let mut meta = 0;
    for n in 0..200 {
        let p = product_page(n, 0);
        if p.markup != Markup::LegacyCharset {
            continue;
        }
        assert!(
            std::str::from_utf8(&p.body).is_err(),
            "page {n} should need decoding"
        );
        if p.content_type.contains("charset=") {
            header += 1;
        } else {
            let head = String::from_utf8_lossy(&p.body[..600]).into_owned();
            assert!(head.contains("charset="), "page {n} declares no charset");
            meta += 1;
        }
        let text = encoding_rs::WINDOWS_1252.decode(&p.body).0.into_owned();
        assert!(
            text.contains("Crème brûlée") || text.contains("é"),
            "page {n}"
        );
    }
    assert!(header > 0 && meta > 0);
}

#[test]
fn epochs_move_some_prices_both_ways() {
    let (mut up, mut down, mut same) = (0, 0, 0);
    for n in 0..300 {
        let (Some(a), Some(b)) = (product_page(n, 0).expected, product_page(n, 1).expected) else {
            continue;
        };
        assert_eq!(a.currency, b.currency);
        match b.amount.cmp(&a.amount) {
            std::cmp::Ordering::Greater => up += 1,
            std::cmp::Ordering::Less => down += 1,
            std::cmp::Ordering::Equal => same += 1,
        }
    }
    assert!(
        up > 20 && down > 20 && same > 20,
        "up {up} down {down} same {same}"
    );
}

#[test]
fn currencies_vary_and_jpy_has_no_decimals() {
    let mut codes = HashSet::new();
    for n in 0..300 {
        if let Some(e) = product_page(n, 0).expected {
            codes.insert(e.currency);
            if e.currency == "JPY" {
                assert_eq!(e.amount.scale(), 0);
            } else {
                assert_eq!(e.amount.scale(), 2);
            }
        }
    }
    for c in ["USD", "EUR", "GBP", "JPY", "CHF", "SEK"] {
        assert!(codes.contains(c), "{c} missing");
    }
}

#[test]
fn charset_pages_encode() {
    let p = charset_page("shift_jis", true).expect("known label");
    assert_eq!(p.content_type, "text/html; charset=Shift_JIS");
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&p.body);
    assert!(!bad);
    assert!(text.contains("抹茶 edition"), "{text}");
    assert!(charset_page("no-such-charset", true).is_none());
    let p = charset_page("latin1", false).expect("known label");
    assert_eq!(p.content_type, "text/html");
    assert!(std::str::from_utf8(&p.body).is_err());
}
