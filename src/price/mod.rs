//! Price text to amount and currency: `"1.234,56 €"` becomes `1234.56` and `EUR`.
//!
//! Pure and synchronous; knows nothing about HTML. `extract` feeds it the text of
//! candidate elements and structured-data values; the conformance suite in
//! `../shared/conformance` exercises it directly. `number` reads digits and
//! separators, `currency` finds marks; this file decides which number is the
//! price and which mark is its currency. The full rule book, with examples and
//! the deliberate disagreements with the conformance suite, is
//! `docs/price-rules.md`; in short:
//!
//! - **Exact**: amounts are [`Decimal`]s with the page's own digits and scale
//!   (`"12.90"` is `12.90`, scale 2). More than 28 digits is not a price.
//! - **Separators**: spaces (incl. U+00A0, U+202F, U+2009) and apostrophes
//!   (`'`, `’`) group thousands; with both `.` and `,` the last one is the
//!   decimal mark; a repeated mark groups thousands (`1.234.567`, Indian
//!   `1,23,456`); a lone mark is decimal unless exactly three digits follow
//!   (`1.234 €` and `$1.234` are both 1234, `12,5` is 12.5) — except for
//!   three-decimal currencies (`KWD`, `BHD`, `JOD`, `OMR`, `TND`, `LYD`,
//!   `IQD`) and `0.xxx`. `12,-`/`12,—` is 12; `.75` is 0.75; `35€99` is 35.99.
//!   Groupings that fit no convention (`15.08.2017`) are not numbers.
//! - **Which number**: the first one written next to a currency mark; else the
//!   first number at all. Numbers followed by `%` or a unit (`kg`, `ft`, `x`)
//!   are never prices. A range takes its first bound (`$10 - $20` → 10,
//!   `26 to 50 €` → 26). `from $9.99` is 9.99, `2 for $5` is 5,
//!   `Save 20%: $39.99` is 39.99.
//! - **Sign**: a price is never negative; a leading `-` is ignored
//!   (`- $44.99` is 44.99).
//! - **Free**: text with no number that says `free`/`gratis`/`kostenlos`/...
//!   (and not `free shipping`) is amount 0; "call for price" has no amount.
//! - **Currency**: the mark next to the chosen number, else the nearest mark
//!   in the text, else a mark in the hint. An ambiguous mark (`$`, `kr`, `¥`)
//!   becomes ISO when the text or hint also names one of its candidates
//!   (`NZD $100.70` → NZD). Unknown stays `None`.
//! - **Bounds**: only the first [`MAX_SCAN_CHARS`] characters are read, so
//!   any input costs linear time and never panics.

mod currency;
mod number;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;

use rust_decimal::Decimal;

use currency::{find_marks, FoundMark, ISO_CODES, THREE_DECIMAL_CODES};
use number::{find_tokens, Reading, Token};

/// Price text longer than this is cut: a price element is a few dozen
/// characters, and the cut keeps hostile pages from costing more than a
/// bounded scan.
pub const MAX_SCAN_CHARS: usize = 1024;

/// A currency as written on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurrencyMark {
    /// Unambiguous: an ISO 4217 code or a symbol only one currency uses (`€`, `zł`).
    Iso(&'static str),
    /// A symbol several currencies share (`$`, `kr`, `¥`): `candidates` lists
    /// their ISO codes, most common first. Empty for a currency with no ISO
    /// code (`تومان`, `₿`, `¢`): it marks a price but never resolves.
    Ambiguous {
        symbol: &'static str,
        candidates: &'static [&'static str],
    },
}

impl CurrencyMark {
    /// The ISO code when the mark alone decides it.
    pub fn iso(&self) -> Option<&'static str> {
        match self {
            CurrencyMark::Iso(code) => Some(code),
            CurrencyMark::Ambiguous { .. } => None,
        }
    }

    /// Resolves the mark to an ISO code: an unambiguous mark is itself; an
    /// ambiguous one takes the page's structured-data currency when that is one
    /// of its candidates, then `default` when that is; otherwise `None`.
    pub fn resolve(&self, page: Option<&str>, default: Option<&str>) -> Option<&'static str> {
        match self {
            CurrencyMark::Iso(code) => Some(code),
            CurrencyMark::Ambiguous { candidates, .. } => {
                [page, default].into_iter().flatten().find_map(|want| {
                    candidates
                        .iter()
                        .copied()
                        .find(|c| c.eq_ignore_ascii_case(want))
                })
            }
        }
    }
}

/// What one price string holds. Either part may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPrice {
    pub amount: Option<Decimal>,
    pub currency: Option<CurrencyMark>,
    /// The number as written (spaces normalised to U+0020), e.g. `"1 298,00"`;
    /// `None` when there is no amount or it came from a word (`"free"`).
    pub amount_text: Option<String>,
}

/// Parses a price string such as `"$1,299.99"`, `"1.234,56 €"` or `"CHF 1'049.95"`.
pub fn parse_price(text: &str) -> ParsedPrice {
    parse_price_hinted(text, None, None)
}

/// Like [`parse_price`], with a currency hint (nearby text, an ISO code from
/// structured data) and an optional forced decimal separator (`.`, `,` or `€`).
///
/// The hint only supplies a currency (when the text has none, or to settle an
/// ambiguous `$`); it never supplies an amount.
pub fn parse_price_hinted(
    text: &str,
    currency_hint: Option<&str>,
    decimal_separator: Option<char>,
) -> ParsedPrice {
    let chars = normalise(text);
    let marks = find_marks(&chars);
    let hint_marks = currency_hint
        .map(|h| find_marks(&normalise(h)))
        .unwrap_or_default();
    let in_mark = |i: usize| marks.iter().any(|m| (m.start..m.end).contains(&i));
    let tokens = find_tokens(&chars, in_mark, decimal_separator == Some('€'));

    let candidates: Vec<Candidate> = tokens
        .into_iter()
        .filter(|t| !followed_by_unit(&chars, t.end))
        .filter_map(|t| Candidate::new(&chars, t, &marks, decimal_separator))
        .collect();

    let chosen = choose(&chars, &candidates);
    let currency = pick_currency(chosen, &marks, &hint_marks);
    match chosen {
        Some(c) => ParsedPrice {
            amount: Some(c.amount),
            currency,
            amount_text: Some(chars[c.token.start..c.token.end].iter().collect()),
        },
        None => ParsedPrice {
            amount: says_free(&chars).then_some(Decimal::ZERO),
            currency,
            amount_text: None,
        },
    }
}

/// Normalises an ISO 4217 code from structured data (`"usd"` → `"USD"`);
/// `None` when it is not a known current code.
pub fn iso_code(code: &str) -> Option<&'static str> {
    let code = code.trim();
    ISO_CODES
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(code))
}

/// The first [`MAX_SCAN_CHARS`] chars, every kind of space as U+0020 so the
/// number and mark scanners see one space character.
fn normalise(text: &str) -> Vec<char> {
    text.chars()
        .take(MAX_SCAN_CHARS)
        .map(|c| {
            if c.is_whitespace() || c == '\u{200B}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A number that could be the price, with the marks written next to it.
#[derive(Debug, Clone)]
struct Candidate {
    token: Token,
    amount: Decimal,
    /// Mark right before the number (spaces and `:` between allowed).
    before: Option<FoundMark>,
    /// Mark right after the number, or the `€` inside `35€99`.
    after: Option<FoundMark>,
}

impl Candidate {
    fn new(
        chars: &[char],
        token: Token,
        marks: &[FoundMark],
        forced: Option<char>,
    ) -> Option<Self> {
        let mut j = token.start;
        while j > 0 && matches!(chars[j - 1], ' ' | ':') {
            j -= 1;
        }
        let before = marks.iter().find(|m| m.end == j).copied();
        let mut k = token.end;
        while k < chars.len() && chars[k] == ' ' {
            k += 1;
        }
        let inner = token
            .euro_at
            .and_then(|e| marks.iter().find(|m| m.start == e));
        let after = inner
            .or_else(|| marks.iter().find(|m| m.start == k))
            .copied();
        let three_decimals = [before, after]
            .iter()
            .flatten()
            .filter_map(|m| m.mark.iso())
            .any(|code| THREE_DECIMAL_CODES.contains(&code));
        let amount = number::interpret(
            &token,
            Reading {
                forced,
                three_decimals,
            },
        )?;
        Some(Candidate {
            token,
            amount,
            before,
            after,
        })
    }

    fn anchored(&self) -> bool {
        self.before.is_some() || self.after.is_some()
    }

    /// The unambiguous mark next to it if there is one, else any.
    fn mark(&self) -> Option<CurrencyMark> {
        let marks = [self.before, self.after];
        let unambiguous = marks.iter().flatten().find(|m| m.mark.iso().is_some());
        unambiguous
            .or(marks.iter().flatten().next())
            .map(|m| m.mark)
    }
}

/// Words between two numbers that make them a range's bounds.
const RANGE_WORDS: &[&str] = &[
    "-", "–", "—", "~", "to", "bis", "à", "a", "až", "do", "до", "tot", "al", "au",
];

/// The first number next to a currency mark, else the first number. A
/// suffix-marked number that closes a range (`26 to 50 €`) yields its
/// unmarked lower bound.
fn choose<'a>(chars: &[char], candidates: &'a [Candidate]) -> Option<&'a Candidate> {
    let Some(i) = candidates.iter().position(Candidate::anchored) else {
        return candidates.first();
    };
    let c = &candidates[i];
    if c.before.is_none() && i > 0 {
        let prev = &candidates[i - 1];
        let between: String = chars[prev.token.end..c.token.start].iter().collect();
        let between = between.trim().to_lowercase();
        if !prev.anchored() && RANGE_WORDS.contains(&between.as_str()) {
            // The bound has no mark of its own; `pick_currency` gives it the
            // nearest one, which is the range's.
            return Some(prev);
        }
    }
    Some(c)
}

/// The currency for the chosen number; see the module rules.
fn pick_currency(
    chosen: Option<&Candidate>,
    marks: &[FoundMark],
    hint_marks: &[FoundMark],
) -> Option<CurrencyMark> {
    let near = chosen.and_then(|c| {
        c.mark().or_else(|| {
            marks
                .iter()
                .min_by_key(|m| distance(m, c.token.start, c.token.end))
                .map(|m| m.mark)
        })
    });
    let first = |ms: &[FoundMark]| {
        ms.iter()
            .find(|m| m.mark.iso().is_some())
            .or(ms.first())
            .map(|m| m.mark)
    };
    let mark = near
        .or_else(|| first(marks))
        .or_else(|| first(hint_marks))?;
    Some(settle(mark, marks, hint_marks))
}

fn distance(m: &FoundMark, start: usize, end: usize) -> usize {
    if m.end <= start {
        start - m.end
    } else {
        m.start.saturating_sub(end)
    }
}

/// Turns an ambiguous mark into the ISO code that the text or hint also
/// names (`$1,190.00 AUD`, `SGD$4.90`, `$4.00` with hint `USD`).
fn settle(mark: CurrencyMark, marks: &[FoundMark], hint_marks: &[FoundMark]) -> CurrencyMark {
    let CurrencyMark::Ambiguous { candidates, .. } = mark else {
        return mark;
    };
    marks
        .iter()
        .chain(hint_marks)
        .filter_map(|m| m.mark.iso())
        .find(|code| candidates.contains(code))
        .map_or(mark, CurrencyMark::Iso)
}

/// Units and percent signs that turn a number into something other than a
/// price. Case matters: `Ft` is forint, `ft` is feet.
const UNITS: &[&str] = &[
    "%", "‰", "ft", "cm", "mm", "km", "kg", "mg", "g", "ml", "l", "lb", "lbs", "oz", "x", "pcs",
    "GB", "MB", "TB", "mAh", "W", "kW", "V", "m²", "sqft", "in.",
];

fn followed_by_unit(chars: &[char], end: usize) -> bool {
    let mut k = end;
    while k < chars.len() && chars[k] == ' ' {
        k += 1;
    }
    UNITS.iter().any(|unit| {
        let mut n = 0;
        for u in unit.chars() {
            if chars.get(k + n) != Some(&u) {
                return false;
            }
            n += 1;
        }
        let tail = chars.get(k + n);
        !tail.is_some_and(|c| c.is_alphanumeric())
    })
}

const FREE_WORDS: &[&str] = &[
    "free",
    "gratis",
    "gratuit",
    "gratuite",
    "kostenlos",
    "gratuito",
    "grátis",
    "бесплатно",
    "無料",
    "免费",
];
const NOT_PRICE_WORDS: &[&str] = &[
    "shipping",
    "delivery",
    "returns",
    "trial",
    "gift",
    "versand",
    "lieferung",
    "livraison",
    "envío",
    "envio",
    "spedizione",
    "доставка",
];

/// Whether number-less text says the item costs nothing.
fn says_free(chars: &[char]) -> bool {
    let text: String = chars.iter().collect::<String>().to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| FREE_WORDS.contains(w))
        && !words.iter().any(|w| NOT_PRICE_WORDS.contains(w))
}
