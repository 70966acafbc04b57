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
//! - **Digits**: Arabic-Indic, Persian and full-width digits read as ASCII.
//! - **Separators**: spaces (incl. U+00A0, U+202F, U+2009) and apostrophes
//!   (`'`, `’`) group thousands; with both `.` and `,` the last one is the
//!   decimal mark; a repeated mark groups thousands (`1.234.567`, Indian
//!   `1,23,456`); a lone mark is decimal unless exactly three digits follow
//!   (`1.234 €` is 1234, `12,5` is 12.5) — except for three-decimal
//!   currencies (`KWD`, `BHD`, `JOD`, `OMR`, `TND`, `LYD`, `IQD`), a dollar
//!   sign (`$1.234` is 1.234, unless the currency settles on one that writes
//!   `.` for thousands: `$3.499` in `ARS` is 3499) and `0.xxx`. `12,-`/`12,—`
//!   is 12; `.75` is 0.75; `35€99` is 35.99. `万`/`億` after a number
//!   multiply it (`168万円` is 1680000).
//!   Groupings that fit no convention (`15.08.2017`) are not numbers.
//! - **Which number**: the first one written next to a currency mark; else the
//!   first number not glued to a word (`X200`); else the first number. Numbers followed by `%` or a unit (`kg`, `ft`, `x`)
//!   are never prices, nor is `$49+` (a threshold) or the day/year of a
//!   written date (`July, 2004`). A range takes its first bound (`$10 - $20` → 10,
//!   `26 to 50 €` → 26). `from $9.99` is 9.99, `2 for $5` is 5,
//!   `Save 20%: $39.99` is 39.99. A mark between two numbers belongs to the
//!   closer one, the earlier on a tie (`1 $19.99` → 19.99, `10 € 20 €` → 10).
//! - **Sign**: a price is never negative; a leading `-` is ignored
//!   (`- $44.99` is 44.99).
//! - **Free**: text with no number that says only `free`/`gratis`/`kostenlos`/...
//!   (`Price: FREE`, not `Free shipping`) is amount 0; "call for price" has
//!   no amount.
//! - **Currency**: the mark next to the chosen number, else the nearest mark
//!   in the text, else a mark in the hint. An ambiguous mark (`$`, `kr`, `¥`)
//!   becomes ISO when the text or hint also names one of its candidates
//!   (`NZD $100.70` → NZD). Unknown stays `None`. Beyond the text,
//!   [`CurrencyContext`] resolves an ambiguous mark from the page (structured
//!   data, platform state, locale, host TLD, default) and names the rule.
//! - **Bounds**: only the first [`MAX_SCAN_CHARS`] characters are read, so
//!   any input costs linear time and never panics.

mod context;
mod currency;
mod number;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod context_tests;
#[cfg(test)]
mod tests;

use rust_decimal::Decimal;

use context::THOUSANDS_DOT_CODES;
pub use context::{locale_currency, tld_currency, CurrencyContext, CurrencyRule};
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
    /// The number as written (spaces as U+0020, digits as ASCII), e.g. `"1 298,00"`;
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
/// ambiguous `$`); it never supplies an amount. Structured-data values
/// (JSON-LD `price`, microdata `content`) should pass `Some('.')`: schema.org
/// always writes `.` as the decimal mark, so `"12.500"` there is 12.5.
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
    let mut in_mark = vec![false; chars.len()];
    for m in &marks {
        in_mark[m.start..m.end].fill(true);
    }
    let tokens = find_tokens(&chars, |i| in_mark[i], decimal_separator == Some('€'));

    let index = MarkIndex::new(&marks, chars.len());
    let bounds: Vec<(usize, usize)> = tokens.iter().map(|t| (t.start, t.end)).collect();
    let candidates: Vec<Candidate> = tokens
        .into_iter()
        .enumerate()
        .filter(|(_, t)| !followed_by_unit(&chars, t.end) && !in_date(&chars, t))
        .filter_map(|(n, t)| {
            let neighbours = Neighbours {
                prev_end: n.checked_sub(1).map(|p| bounds[p].1),
                next_start: bounds.get(n + 1).map(|b| b.0),
            };
            Candidate::new(&chars, t, neighbours, &index, decimal_separator)
        })
        .collect();

    let chosen = choose(&chars, &candidates);
    let currency = pick_currency(chosen, &marks, &hint_marks);
    match chosen {
        Some(c) => ParsedPrice {
            amount: Some(c.amount_in(currency, decimal_separator)),
            currency,
            amount_text: Some(
                chars[c.token.start..c.token.end + usize::from(c.multiplier.is_some())]
                    .iter()
                    .collect(),
            ),
        },
        None => ParsedPrice {
            amount: says_free(&chars).then_some(Decimal::ZERO),
            currency,
            amount_text: None,
        },
    }
}

/// Whether a lone `.ddd` after `$` is thousands in this currency: it has no
/// minor unit in practice (`CLP`, `TWD`) or its locales write `.` for
/// thousands (`ARS`). See docs/price-rules.md.
pub fn writes_dot_thousands(iso: &str) -> bool {
    THOUSANDS_DOT_CODES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(iso))
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

/// The first [`MAX_SCAN_CHARS`] chars, with every kind of space as U+0020 and
/// Arabic-Indic, Persian and full-width digits and separators as ASCII
/// (`۱۲۰٬۰۰۰` reads as `120,000`), so the scanners see one alphabet. One char
/// maps to one char, so positions stay those of the text.
fn normalise(text: &str) -> Vec<char> {
    text.chars()
        .take(MAX_SCAN_CHARS)
        .map(normalise_char)
        .collect()
}

fn normalise_char(c: char) -> char {
    let digit = |zero: char| char::from_digit(u32::from(c) - u32::from(zero), 10).unwrap_or(c);
    match c {
        '\u{0660}'..='\u{0669}' => digit('\u{0660}'),
        '\u{06F0}'..='\u{06F9}' => digit('\u{06F0}'),
        '\u{FF10}'..='\u{FF19}' => digit('\u{FF10}'),
        '\u{066B}' | '\u{FF0E}' => '.',
        '\u{066C}' | '\u{FF0C}' => ',',
        '\u{200B}' => ' ',
        c if c.is_whitespace() => ' ',
        c => c,
    }
}

/// Marks by the char position where they start and end, so a number finds
/// its neighbours without scanning every mark.
struct MarkIndex<'a> {
    marks: &'a [FoundMark],
    /// Per char position, the index in `marks` of the mark starting/ending
    /// there (`u16` is enough: at most [`MAX_SCAN_CHARS`] marks).
    starts: Vec<u16>,
    ends: Vec<u16>,
}

const NO_MARK: u16 = u16::MAX;
const _: () = assert!(
    MAX_SCAN_CHARS < NO_MARK as usize,
    "mark indices must fit in u16"
);

impl<'a> MarkIndex<'a> {
    fn new(marks: &'a [FoundMark], len: usize) -> Self {
        let mut starts = vec![NO_MARK; len + 1];
        let mut ends = vec![NO_MARK; len + 1];
        for (n, m) in marks.iter().enumerate() {
            let n = u16::try_from(n).unwrap_or(NO_MARK);
            starts[m.start] = n;
            ends[m.end] = n;
        }
        MarkIndex {
            marks,
            starts,
            ends,
        }
    }

    fn at(&self, table: &[u16], i: usize) -> Option<FoundMark> {
        let n = *table.get(i)?;
        self.marks.get(usize::from(n)).copied()
    }

    fn starting_at(&self, i: usize) -> Option<FoundMark> {
        self.at(&self.starts, i)
    }

    fn ending_at(&self, i: usize) -> Option<FoundMark> {
        self.at(&self.ends, i)
    }
}

/// Where the numbers on either side of a token end and start.
#[derive(Debug, Clone, Copy)]
struct Neighbours {
    prev_end: Option<usize>,
    next_start: Option<usize>,
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
    /// A lone `.ddd` was read as decimal only because of a `$` next to it:
    /// re-read as thousands once the currency turns out to be one that
    /// writes `.` for thousands (`$3.499` in ARS).
    dollar_read: bool,
    /// `万` (10⁴) or `億` (10⁸) written right after the number.
    multiplier: Option<Decimal>,
}

/// CJK numeral multipliers written after a number (`168万円`, `1.5億`).
fn multiplier(c: char) -> Option<Decimal> {
    match c {
        '万' | '萬' => Some(Decimal::from(10_000)),
        '億' | '亿' => Some(Decimal::from(100_000_000)),
        _ => None,
    }
}

impl Candidate {
    fn new(
        chars: &[char],
        token: Token,
        neighbours: Neighbours,
        marks: &MarkIndex<'_>,
        forced: Option<char>,
    ) -> Option<Self> {
        let gap = |from: usize, to: usize| {
            let between = chars.get(from..to)?;
            between
                .iter()
                .all(|c| matches!(c, ' ' | ':'))
                .then_some(to - from)
        };
        let mut j = token.start;
        while j > 0 && matches!(chars[j - 1], ' ' | ':') {
            j -= 1;
        }
        let mult = chars.get(token.end).copied().and_then(multiplier);
        let mut k = token.end + usize::from(mult.is_some());
        while k < chars.len() && chars[k] == ' ' {
            k += 1;
        }
        // A mark between two numbers (`1 $19.99`, `10 € 20 €`) belongs to the
        // closer one; on a tie, to the number before it.
        let before = marks.ending_at(j).filter(|m| {
            let mine = token.start - m.end;
            neighbours
                .prev_end
                .and_then(|p| gap(p, m.start))
                .is_none_or(|theirs| theirs > mine)
        });
        let inner = token.euro_at.and_then(|e| marks.starting_at(e));
        let after = inner.or_else(|| {
            marks.starting_at(k).filter(|m| {
                let mine = m.start - token.end;
                neighbours
                    .next_start
                    .and_then(|n| gap(m.end, n))
                    .is_none_or(|theirs| theirs >= mine)
            })
        });
        // A lone `.ddd` is decimal next to a three-decimal currency (`KD 1.250`)
        // and next to a dollar sign: `$1.234` is 1.234 (fuel prices, the
        // project's rule), while `1.234 €` stays 1234.
        let marks_near = || [before, after].into_iter().flatten();
        let by_code = marks_near().any(|m| {
            m.mark
                .iso()
                .is_some_and(|code| THREE_DECIMAL_CODES.contains(&code) || code == "USD")
        });
        let by_dollar =
            marks_near().any(|m| matches!(m.mark, CurrencyMark::Ambiguous { symbol: "$", .. }));
        let three_decimals = by_code || by_dollar;
        let amount = number::interpret(
            &token,
            Reading {
                forced,
                three_decimals,
            },
        )?;
        let amount = match mult {
            Some(m) => (amount * m).normalize(),
            None => amount,
        };
        Some(Candidate {
            token,
            amount,
            before,
            after,
            dollar_read: by_dollar && !by_code,
            multiplier: mult,
        })
    }

    /// The amount, re-read when the currency came from elsewhere in the text
    /// or the hint and has three minor digits (`1.250` with hint `KWD`).
    /// Also re-read when a `$` made a lone `.ddd` decimal but the currency
    /// settled on one that writes `.` for thousands (`$3.499` with `ARS`).
    fn amount_in(&self, currency: Option<CurrencyMark>, forced: Option<char>) -> Decimal {
        let code = currency.and_then(|c| c.iso());
        let three_decimals = code.is_some_and(|code| THREE_DECIMAL_CODES.contains(&code));
        let dot_thousands =
            self.dollar_read && code.is_some_and(|code| THOUSANDS_DOT_CODES.contains(&code));
        if !dot_thousands && (!three_decimals || self.mark().is_some()) {
            return self.amount;
        }
        let reading = Reading {
            forced,
            three_decimals: three_decimals && !dot_thousands,
        };
        let amount = number::interpret(&self.token, reading).unwrap_or(self.amount);
        match self.multiplier {
            Some(m) => (amount * m).normalize(),
            None => amount,
        }
    }

    fn anchored(&self) -> bool {
        self.before.is_some() || self.after.is_some()
    }

    /// The unambiguous mark next to it if there is one, else any.
    /// The mark next to it: unambiguous before ambiguous, plain before weak
    /// (`DT 25 €` is euros), before-the-number on a tie.
    fn mark(&self) -> Option<CurrencyMark> {
        [self.before, self.after]
            .into_iter()
            .flatten()
            .min_by_key(|m| (m.mark.iso().is_none(), m.weak))
            .map(|m| m.mark)
    }
}

/// Words between two numbers that make them a range's bounds.
const RANGE_WORDS: &[&str] = &[
    "-", "–", "—", "~", "to", "bis", "à", "a", "až", "do", "до", "tot", "al", "au",
];

/// The first number next to a currency mark, else the first number not glued
/// to a word (`X200`, `iPhone15` are model names), else the first number. A
/// suffix-marked number that closes a range (`26 to 50 €`) yields its
/// unmarked lower bound.
fn choose<'a>(chars: &[char], candidates: &'a [Candidate]) -> Option<&'a Candidate> {
    let Some(i) = candidates.iter().position(Candidate::anchored) else {
        let glued = |c: &&Candidate| {
            let start = c.token.start;
            start > 0 && chars[start - 1].is_alphabetic()
        };
        return candidates.iter().find(|c| !glued(c)).or(candidates.first());
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
    // `$49+` is a threshold ("orders of $49 and more"); `6.56 + VAT` is a price.
    if chars.get(end) == Some(&'+') {
        return true;
    }
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

const MONTHS: &[&str] = &[
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
];

/// Whether a plain number is the day or year of a written date (`July, 2004`,
/// `4 July`, `Jul 4`): the word next to it is a month name.
fn in_date(chars: &[char], token: &Token) -> bool {
    if !token.seps.is_empty() || !token.lead.is_empty() {
        return false;
    }
    let is_month = |word: String| MONTHS.contains(&word.to_lowercase().as_str());
    let skip = |c: &&char| matches!(c, ' ' | ',' | '.');
    let before: String = {
        let rev: Vec<char> = chars[..token.start]
            .iter()
            .rev()
            .skip_while(skip)
            .take_while(|c| c.is_alphabetic())
            .copied()
            .collect();
        rev.into_iter().rev().collect()
    };
    let after: String = chars[token.end..]
        .iter()
        .skip_while(skip)
        .take_while(|c| c.is_alphabetic())
        .collect();
    let day = token.groups.first().is_some_and(|g| g.len() <= 2);
    is_month(before) || (day && is_month(after))
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
/// Words that may stand beside a free-word in a price element (`Price: FREE`,
/// `Now only free!`). Anything else (`Free shipping`, `Gluten free`) means the
/// text is about something other than the price.
const FREE_COMPANIONS: &[&str] = &[
    "price",
    "prix",
    "preis",
    "precio",
    "prezzo",
    "preço",
    "cena",
    "цена",
    "now",
    "only",
    "just",
    "for",
    "you",
    "it",
    "is",
    "its",
    "s",
    "totally",
    "entirely",
    "completely",
    "100",
];

/// Whether number-less text says the item costs nothing.
fn says_free(chars: &[char]) -> bool {
    let text: String = chars.iter().collect::<String>().to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| FREE_WORDS.contains(w))
        && words
            .iter()
            .all(|w| FREE_WORDS.contains(w) || FREE_COMPANIONS.contains(w))
}
