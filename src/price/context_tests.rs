//! Currency from context: the rule order, CLDR locale readings, host TLDs,
//! and the amounts that change once the currency is known.

use rust_decimal::Decimal;

use super::{
    locale_currency, parse_price, parse_price_hinted, tld_currency, CurrencyContext, CurrencyMark,
    CurrencyRule,
};

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn mark(text: &str) -> CurrencyMark {
    parse_price(text).currency.unwrap()
}

#[test]
fn rules_apply_in_the_documented_order() {
    let dollar = mark("$5");
    let full = CurrencyContext {
        structured: Some("CAD"),
        state: Some("AUD"),
        locale: Some("es-AR"),
        host: Some("shop.example.com.tw"),
        default: Some("USD"),
    };
    let ladder = [
        (full, ("CAD", CurrencyRule::StructuredData)),
        (
            CurrencyContext {
                structured: None,
                ..full
            },
            ("AUD", CurrencyRule::PlatformState),
        ),
        (
            CurrencyContext {
                structured: None,
                state: None,
                ..full
            },
            ("ARS", CurrencyRule::Locale),
        ),
        (
            CurrencyContext {
                structured: None,
                state: None,
                locale: Some("es"),
                ..full
            },
            ("TWD", CurrencyRule::HostTld),
        ),
        (
            CurrencyContext {
                structured: None,
                state: None,
                locale: None,
                host: Some("shop.example.com"),
                ..full
            },
            ("USD", CurrencyRule::Default),
        ),
    ];
    for (ctx, want) in ladder {
        assert_eq!(ctx.resolve(dollar), Some(want), "{ctx:?}");
    }
    assert_eq!(CurrencyContext::default().resolve(dollar), None);
}

#[test]
fn a_rule_counts_only_with_one_of_the_marks_currencies() {
    let ctx = CurrencyContext {
        structured: Some("EUR"),
        state: Some("GBP"),
        locale: Some("ja"),
        ..Default::default()
    };
    assert_eq!(
        ctx.resolve(mark("$5")),
        None,
        "EUR, GBP, ja: none is a dollar"
    );
    assert_eq!(ctx.resolve(mark("¥5")), Some(("JPY", CurrencyRule::Locale)));
    assert_eq!(ctx.resolve(mark("5 €")), Some(("EUR", CurrencyRule::Mark)));
}

#[test]
fn cldr_readings_by_locale() {
    let cases = [
        ("¥", "ja", Some("JPY")),
        ("¥", "en", Some("JPY")),
        ("¥", "zh-CN", Some("CNY")),
        ("¥", "zh", Some("CNY")),
        ("¥", "zh-Hant-TW", Some("JPY")),
        ("¥", "fr", None),
        ("kr", "sv", Some("SEK")),
        ("kr", "da-DK", Some("DKK")),
        ("kr", "nb_NO", Some("NOK")),
        ("kr", "no", Some("NOK")),
        ("kr", "is", Some("ISK")),
        ("kr", "de", None),
        ("$", "es-AR", Some("ARS")),
        ("$", "en-CA", Some("CAD")),
        ("$", "fr-CA", Some("CAD")),
        ("$", "en-AU", Some("AUD")),
        ("$", "zh-TW", Some("TWD")),
        ("$", "es-MX", Some("MXN")),
        ("$", "es-CL", Some("CLP")),
        ("$", "en-US", Some("USD")),
        ("$", "en", None),
        ("$", "es", None),
        ("$", "pt-BR", None),
        ("元", "zh-TW", Some("TWD")),
        ("元", "zh-CN", Some("CNY")),
    ];
    for (symbol, tag, want) in cases {
        assert_eq!(locale_currency(symbol, tag), want, "{symbol} in {tag}");
    }
}

#[test]
fn country_tlds_but_not_brand_tlds() {
    let cases = [
        ("$", "shop.com.tw", Some("TWD")),
        ("$", "tienda.com.ar", Some("ARS")),
        ("$", "tienda.cl", Some("CLP")),
        ("$", "tienda.mx", Some("MXN")),
        ("$", "store.ca", Some("CAD")),
        ("$", "store.com.au", Some("AUD")),
        ("$", "store.co.nz", Some("NZD")),
        ("$", "store.sg", Some("SGD")),
        ("$", "store.hk", Some("HKD")),
        ("$", "store.co", None),
        ("$", "tienda.com.co", None),
        ("$", "store.io", None),
        ("$", "store.com", None),
        ("¥", "shop.jp", Some("JPY")),
        ("¥", "shop.cn", Some("CNY")),
        ("kr", "butik.se", Some("SEK")),
        ("kr", "butik.dk", Some("DKK")),
        ("kr", "butikk.no", Some("NOK")),
        ("kr", "verslun.is", Some("ISK")),
        ("kr", "shop.de", None),
    ];
    for (symbol, host, want) in cases {
        assert_eq!(tld_currency(symbol, host), want, "{symbol} on {host}");
    }
}

#[test]
fn dollar_dot_thousands_follow_the_settled_currency() {
    let ars = parse_price_hinted("$3.499", Some("ARS"), None);
    assert_eq!(ars.amount, Some(dec("3499")));
    assert_eq!(ars.currency, Some(CurrencyMark::Iso("ARS")));
    let usd = parse_price_hinted("$1.234", Some("USD"), None);
    assert_eq!(usd.amount, Some(dec("1.234")));
    let clp = parse_price_hinted("$12.990", Some("CLP"), None);
    assert_eq!(clp.amount, Some(dec("12990")));
    // Only the lone `.ddd` changes reading; a decimal comma stays decimal.
    assert_eq!(
        parse_price_hinted("$ 49,90", Some("ARS"), None).amount,
        Some(dec("49.90"))
    );
}

#[test]
fn multiplier_keeps_the_number_as_written() {
    let p = parse_price("168万円");
    assert_eq!(p.amount_text.as_deref(), Some("168万"));
    assert_eq!(p.amount, Some(dec("1680000")));
    assert_eq!(p.currency, Some(CurrencyMark::Iso("JPY")));
}
