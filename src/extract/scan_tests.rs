//! The byte-level text scans (`number_groups`, `join_split_separators`,
//! `collapse`, class classification) against the char-level versions they
//! replaced, kept here as the reference: a faster scan must decide exactly
//! what the old one decided, on any text.

use super::dom::collapse;
use super::visible_text::{join_split_separators, number_groups, one_number};
use proptest::prelude::*;

/// The char-level `number_groups` before issue 10.
fn number_groups_chars(t: &str) -> usize {
    let chars: Vec<char> = t.chars().collect();
    let mut groups = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            groups += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(
                        chars[i],
                        '.' | ',' | '\'' | '’' | ' ' | '\u{a0}' | '\u{202f}'
                    ) && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
        }
        i += 1;
    }
    groups
}

/// The char-level `join_split_separators` before issue 10.
fn join_chars(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let digit_sep = |a: Option<char>, b: Option<char>| {
                a.is_some_and(|a| a.is_ascii_digit()) && matches!(b, Some('.' | ','))
                    || matches!(a, Some('.' | ',')) && b.is_some_and(|b| b.is_ascii_digit())
            };
            if digit_sep(prev, next) {
                let sep_at = if matches!(next, Some('.' | ',')) {
                    i + 1
                } else {
                    i - 1
                };
                let before = sep_at.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(sep_at + 1).copied();
                let flank = |x: Option<char>| x.is_some_and(|x| x.is_ascii_digit() || x == ' ');
                if flank(before) && flank(after) {
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// The char-level `collapse` before issue 10.
fn collapse_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}') {
        if w.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Texts built from the characters these scans treat specially, their
/// UTF-8 neighbours (`‘` shares `’`'s first two bytes, `€` its first) and
/// plain letters.
fn text() -> impl Strategy<Value = String> {
    let alphabet = vec![
        '0', '1', '9', '.', ',', ' ', '\'', '’', '‘', '\u{a0}', '\u{202f}', '\u{2009}', '\t', '\n',
        '\u{0b}', '\u{1c}', '\u{85}', '€', '£', '$', 'a', 'Z', '-', '_', 'é', '円',
    ];
    proptest::collection::vec(proptest::sample::select(alphabet), 0..24)
        .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn byte_scans_match_char_scans(t in text()) {
        prop_assert_eq!(number_groups(&t), number_groups_chars(&t));
        prop_assert_eq!(one_number(&t), number_groups_chars(&t) == 1);
        prop_assert_eq!(join_split_separators(t.clone()), join_chars(&t));
        prop_assert_eq!(collapse(&t), collapse_chars(&t));
    }
}

#[test]
fn byte_scans_match_on_prices_as_shops_write_them() {
    for t in [
        "$1,234.56",
        "12 , 99 €",
        "1 234,56",
        "1’234.50 CHF",
        "1\u{a0}299,00\u{202f}€",
        "$15 or 4 x $3.75",
        "5 . 99",
        "  Bought 2 for $30, arrived in 3 days. 5/5 would buy again. ",
        "",
    ] {
        assert_eq!(number_groups(t), number_groups_chars(t), "{t:?}");
        assert_eq!(one_number(t), number_groups_chars(t) == 1, "{t:?}");
        assert_eq!(join_split_separators(t.to_owned()), join_chars(t), "{t:?}");
        assert_eq!(collapse(t), collapse_chars(t), "{t:?}");
    }
}

/// Texts around the no-price phrases: their letters in both cases, spaces,
/// `É` / `é`, and the Kelvin sign, which lower-cases to an ASCII `k`.
fn no_price_text() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(vec![
        "Sold",
        "OUT",
        " out",
        "sold ",
        "PREIS AUF ANFRAGE",
        "price on request",
        "Épuisé",
        "épuisé",
        "ÉPUISÉ",
        " ",
        "\u{a0}",
        "\u{212a}",
        "agotado",
        "AgOtAdO",
        "call for pric",
        "ing",
        "x",
    ]);
    proptest::collection::vec(piece, 0..6).prop_map(|ps| ps.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn says_no_price_matches_a_search_per_phrase(t in no_price_text()) {
        let lower = t.trim().to_lowercase();
        let want = super::ident::NO_PRICE_PHRASES.iter().any(|p| lower.contains(p));
        prop_assert_eq!(super::ident::says_no_price(&t), want);
    }
}

/// Class values built from pieces of the vocabulary (whole needles, their
/// halves, the whole-word names), separators, case and a few non-ASCII
/// letters, so that needles occur, overlap, nearly occur and span `-`/`_`.
fn class_value() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(vec![
        "price",
        "Price",
        "old",
        "was",
        "-",
        "_",
        "--",
        " ",
        "\t",
        "list",
        "compare",
        "at",
        "regular",
        "no",
        "through",
        "thrOuth",
        "strike",
        "line",
        "shipping",
        "taxable",
        "you",
        "save",
        "sale",
        "final",
        "current",
        "now",
        "tax",
        "vat",
        "net",
        "excl",
        "ex",
        "unit",
        "per",
        "kg",
        "sr",
        "only",
        "visually",
        "hidden",
        "product",
        "detail",
        "pdp",
        "PDP",
        "buy",
        "box",
        "fraction",
        "cents",
        "related",
        "cross",
        "sell",
        "crossell",
        "cart",
        "mini",
        "drawer",
        "card",
        "tile",
        "grid",
        "item",
        "amount",
        "cost",
        "É",
        "ß",
        "İ",
        "\u{212a}",
        "monthly",
        "klarna",
        "footer",
        "site",
        "bread",
        "crumb",
        "you",
        "may",
        "discounted",
        "deal",
        "save",
        "savings",
        "Strikethrough",
        "MSRP",
        "decimal",
    ]);
    proptest::collection::vec(piece, 0..8).prop_map(|ps| ps.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn classify_text_matches_a_search_per_needle(v in class_value()) {
        let (mut a, mut b) = (String::new(), String::new());
        prop_assert_eq!(
            super::classes::classify_text(&v, &mut a),
            super::classes_reference::classify_text(&v, &mut b),
            "{:?}", v
        );
        prop_assert_eq!(
            super::classes::section_flags(&v, &mut a),
            super::classes_reference::section_flags(&v, &mut b),
            "{:?}", v
        );
    }
}

#[test]
fn classify_text_matches_on_the_vocabulary_itself() {
    // Every needle and word of the reference, alone and inside a longer
    // token, in lower and upper case.
    let src = include_str!("classes_reference.rs");
    let words: Vec<&str> = src
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|w| w.bytes().all(|b| b.is_ascii_lowercase()))
        .collect();
    assert!(words.len() > 150, "only {} words read", words.len());
    let (mut a, mut b) = (String::new(), String::new());
    for w in words {
        for v in [
            w.to_owned(),
            w.to_uppercase(),
            format!("x-{w}-y"),
            format!("pre{w}post"),
            format!("price_{w} {w}--old"),
        ] {
            assert_eq!(
                super::classes::classify_text(&v, &mut a),
                super::classes_reference::classify_text(&v, &mut b),
                "{v:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn collapse_owned_is_collapse(t in text()) {
        prop_assert_eq!(super::dom::collapse_owned(t.clone()), collapse_chars(&t));
    }
}

/// `dom::looks_priced` before its word marks were looked up by first letter.
fn looks_priced_all_words(t: &str) -> bool {
    if !t.bytes().any(|b| b.is_ascii_digit()) || t.len() > 200 {
        return false;
    }
    const SYMBOLS: &[char] = &[
        '€', '£', '¥', '₹', '₩', '₽', '₺', '₪', '฿', '₫', '₴', '₦', '₱', '¢', '円', '元', '원',
        '₸', '₼', '₾', '₭', '₮', '₲', '₡', '₵',
    ];
    const WORDS: &[(&str, bool)] = &[
        ("zł", false),
        ("Kč", false),
        ("kr", true),
        ("Ft", true),
        ("Rs.", false),
        ("Rs", true),
        ("Rp", true),
        ("RM", true),
        ("Fr.", false),
        ("руб", false),
        ("грн", false),
        ("лв", false),
    ];
    let word_at = |i: usize| {
        let rest = &t[i..];
        WORDS.iter().any(|&(w, spaced)| {
            rest.starts_with(w)
                && (!spaced || t[..i].ends_with(' ') || rest[w.len()..].starts_with([' ', '.']))
        })
    };
    for (i, b) in t.bytes().enumerate() {
        let hit = match b {
            b'$' => true,
            b'z' | b'K' | b'k' | b'F' | b'R' => word_at(i),
            0..=0xbf => false,
            _ => match t[i..].chars().next() {
                Some('р' | 'г' | 'л') => word_at(i),
                Some(c) => SYMBOLS.contains(&c),
                None => false,
            },
        };
        if hit {
            return true;
        }
    }
    t.as_bytes()
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|w| w.len() == 3 && w.iter().all(u8::is_ascii_uppercase))
        .any(|w| std::str::from_utf8(w).is_ok_and(|w| crate::price::iso_code(w).is_some()))
}

/// Texts of digits, spaces, dots, the word marks' letters in both cases and
/// three-capital words.
fn mark_text() -> impl Strategy<Value = String> {
    let pieces = vec![
        "1", "9", " ", ".", "zł", "z", "Kč", "K", "kr", "k", "Ft", "F", "Fr.", "Fr", "Rs.", "Rs",
        "Rp", "RM", "R", "руб", "р", "грн", "г", "лв", "л", "USD", "EUR", "$", "€", "x", "Mrs",
        // ISO codes at word edges: "xUSD", "USDA", "A-GBP", "ABC" (no code).
        "A", "ABC", "GBP", "-", "é",
    ];
    proptest::collection::vec(proptest::sample::select(pieces), 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn looks_priced_matches_every_word_tried_at_every_letter(t in mark_text()) {
        prop_assert_eq!(super::dom::looks_priced(&t), looks_priced_all_words(&t), "{:?}", t);
    }
}

/// A text-only element that `reads_as_written` is read by `price_texts` as
/// that very text with no screen-reader copy: the heuristic's shortcut for
/// rejected texts decides what the full reading would.
fn sole_text_case() -> impl Strategy<Value = String> {
    let pieces = vec![
        "1", "29", " ", "  ", ".", ",", " , ", "$", "€", "x", "Bought", "\t", "\n", "é", "&amp;",
        "&nbsp;",
    ];
    proptest::collection::vec(proptest::sample::select(pieces), 1..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_sole_text_that_reads_as_written_is_what_price_texts_reads(body in sole_text_case()) {
        let html = format!("<html><body><p>{body}</p></body></html>");
        let doc = super::tree_build::stream(&html).expect("streams");
        let p = doc
            .root()
            .descendants()
            .find(|n| n.value().as_element().is_some_and(|e| e.name() == "p"))
            .expect("a <p>");
        if let Some(t) = super::visible_text::sole_text(p) {
            if super::visible_text::reads_as_written(t) {
                let (visible, sr) = super::visible_text::price_texts(p);
                prop_assert_eq!(visible.as_str(), t);
                prop_assert_eq!(sr.as_str(), "");
            }
        }
    }
}
