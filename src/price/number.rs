//! Numbers inside price text: finds digit runs with their separators
//! (`1 234,56`, `1'049.95`, `1,23,456.00`, `12,-`, `35€99`) and turns one into
//! an exact [`Decimal`] once the separator convention is decided.
//!
//! Owns the separator rules documented in [`super`]. Knows nothing about which
//! number on a line is the price; `super` picks.

use rust_decimal::Decimal;

/// Rust's `Decimal` holds 28 significant digits; longer runs are not prices.
const MAX_DIGITS: usize = 28;

/// A separator between two digit groups, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sep {
    /// `.` or `,`: decimal or thousands, decided later.
    Mark(char),
    /// `.` or `,` followed by a space and exactly two digits (`"559. 99"`):
    /// the form itself says decimal.
    Decimal(char),
    /// A space or apostrophe between a 1–3 digit group and exactly three
    /// digits: always thousands.
    Group,
    /// `€` between digits (`"35€99"`): decimal.
    Euro,
}

/// One run of digits and separators, by char positions `[start, end)`.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub start: usize,
    pub end: usize,
    /// `.`/`,` written before the first digit (`".75"`, `"$..75"`).
    pub lead: Vec<char>,
    pub groups: Vec<String>,
    pub seps: Vec<Sep>,
    /// Position of a `€` inside the token, when it served as decimal mark.
    pub euro_at: Option<usize>,
}

fn is_space(c: char) -> bool {
    c == ' '
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '\u{2032}')
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2012}' | '\u{2212}')
}

/// Counts the ASCII digits starting at `i`.
fn digits_at(chars: &[char], i: usize) -> usize {
    chars
        .get(i..)
        .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

/// Exactly `n` digits at `i`, then no further digit.
fn exactly_digits(chars: &[char], i: usize, n: usize) -> bool {
    digits_at(chars, i) == n
}

/// Finds every number token. `skip(i)` says the char at `i` belongs to a
/// currency mark and cannot start a number. `euro_decimal_any` lets `€`
/// followed by any number of digits be the decimal mark (forced by caller).
pub(crate) fn find_tokens(
    chars: &[char],
    skip: impl Fn(usize) -> bool,
    euro_decimal_any: bool,
) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let starts = if c.is_ascii_digit() {
            true
        } else if matches!(c, '.' | ',') && !prev_digit && !skip(i) {
            // `take(3)`: only one or two leading marks matter, and a long run
            // of dots must not be rescanned from each of its positions.
            let lead = chars[i..]
                .iter()
                .take(3)
                .take_while(|c| matches!(c, '.' | ','))
                .count();
            lead <= 2 && digits_at(chars, i + lead) > 0
        } else {
            false
        };
        if !starts {
            i += 1;
            continue;
        }
        // `X200 299.00`: a number glued to a word (not to a currency mark) is
        // a model name, and its space must not join it to the price.
        let glued = i > 0 && chars[i - 1].is_alphabetic() && !skip(i - 1);
        let token = lex_one(chars, i, euro_decimal_any, !glued);
        i = token.end.max(i + 1);
        tokens.push(token);
    }
    tokens
}

fn lex_one(chars: &[char], start: usize, euro_decimal_any: bool, may_group: bool) -> Token {
    let mut i = start;
    let mut lead = Vec::new();
    while let Some(&c @ ('.' | ',')) = chars.get(i) {
        lead.push(c);
        i += 1;
    }
    let mut groups = Vec::new();
    let mut seps = Vec::new();
    let mut euro_at = None;
    let mut only_groups = true;
    loop {
        let n = digits_at(chars, i);
        groups.push(chars[i..i + n].iter().collect::<String>());
        i += n;
        let Some(&c) = chars.get(i) else { break };
        if matches!(c, '.' | ',') {
            if digits_at(chars, i + 1) > 0 {
                seps.push(Sep::Mark(c));
                only_groups = false;
                i += 1;
                continue;
            }
            if chars.get(i + 1) == Some(&' ') && exactly_digits(chars, i + 2, 2) {
                seps.push(Sep::Decimal(c));
                groups.push(chars[i + 2..i + 4].iter().collect());
                i += 4;
                break;
            }
            // `12,-`, `1.899,—`, `105. –`: the dash stands for "no cents".
            let dash_at = if chars.get(i + 1) == Some(&' ') {
                i + 2
            } else {
                i + 1
            };
            if chars.get(dash_at).is_some_and(|&d| is_dash(d)) {
                i = dash_at + 1;
            }
            break;
        }
        if (is_space(c) || is_apostrophe(c))
            && may_group
            && only_groups
            && n <= 3
            && exactly_digits(chars, i + 1, 3)
        {
            seps.push(Sep::Group);
            i += 1;
            continue;
        }
        if c == '€' {
            let tight = digits_at(chars, i + 1);
            let cents = if (tight > 0 && euro_decimal_any) || tight == 2 {
                Some((i + 1, tight))
            } else if chars.get(i + 1) == Some(&' ') && exactly_digits(chars, i + 2, 2) {
                Some((i + 2, 2))
            } else {
                None
            };
            if let Some((from, len)) = cents {
                seps.push(Sep::Euro);
                euro_at = Some(i);
                groups.push(chars[from..from + len].iter().collect());
                i = from + len;
            }
        }
        break;
    }
    Token {
        start,
        end: i,
        lead,
        groups,
        seps,
        euro_at,
    }
}

/// How to read the token's `.`/`,` marks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// The caller's forced decimal separator, if any.
    pub forced: Option<char>,
    /// The currency has three minor digits (`KWD`): `.ddd` is decimal.
    pub three_decimals: bool,
}

/// The token as a decimal, or `None` when its separators fit no convention
/// (`15.08.2017`, `1.2.3`) or it has too many digits.
pub(crate) fn interpret(token: &Token, reading: Reading) -> Option<Decimal> {
    let (int, frac) = match reading.forced {
        Some(f) => split_forced(token, f),
        None => split_inferred(token, reading.three_decimals)?,
    };
    let digits = int.len() + frac.as_ref().map_or(0, String::len);
    if digits == 0 || digits > MAX_DIGITS {
        return None;
    }
    let text = match frac {
        Some(frac) if !frac.is_empty() => {
            format!("{}.{frac}", if int.is_empty() { "0" } else { &int })
        }
        _ => int,
    };
    Decimal::from_str_exact(&text).ok()
}

/// Integer digits and fraction digits (if the token has a decimal mark).
type Split = (String, Option<String>);

/// Splits at the forced separator's last occurrence; every other mark is
/// thousands. A leading run holding the separator is the decimal point when
/// the body has none (`"..75,333"` with `.` is 0.75333).
fn split_forced(token: &Token, forced: char) -> Split {
    let is_forced = |s: &Sep| match s {
        Sep::Mark(c) | Sep::Decimal(c) => *c == forced,
        Sep::Euro => forced == '€',
        Sep::Group => false,
    };
    let groups = &token.groups;
    match token.seps.iter().rposition(is_forced) {
        Some(k) => (groups[..=k].concat(), Some(groups[k + 1..].concat())),
        None if token.lead.contains(&forced) => (String::new(), Some(groups.concat())),
        None => (groups.concat(), None),
    }
}

/// Splits by the rules in [`super`]: a decimal by form wins; with both `.`
/// and `,` the last is decimal; a repeated mark is thousands; a lone mark is
/// decimal unless exactly three digits follow it.
fn split_inferred(token: &Token, three_decimals: bool) -> Option<Split> {
    let groups = &token.groups;
    let seps = &token.seps;
    let Some(last) = seps.len().checked_sub(1) else {
        return Some(if token.lead.is_empty() {
            (groups.concat(), None)
        } else {
            (String::new(), Some(groups.concat()))
        });
    };
    let decimal_at_last = |groups: &[String], seps: &[Sep]| {
        thousands_ok(&groups[..=last], &seps[..last])
            .then(|| (groups[..=last].concat(), Some(groups[last + 1..].concat())))
    };
    if matches!(seps[last], Sep::Euro | Sep::Decimal(_)) {
        return decimal_at_last(groups, seps);
    }
    let Sep::Mark(last_char) = seps[last] else {
        // Only spaces/apostrophes: a grouped integer, checked while lexing.
        return Some((groups.concat(), None));
    };
    let marks = seps.iter().filter_map(|s| match s {
        Sep::Mark(c) => Some(*c),
        _ => None,
    });
    let (same_kind, other_kind) = marks.fold((0, 0), |(s, o), c| {
        if c == last_char {
            (s + 1, o)
        } else {
            (s, o + 1)
        }
    });
    let decimal_last = if other_kind > 0 {
        if same_kind > 1 {
            return None;
        }
        true
    } else if same_kind > 1 {
        false
    } else {
        let frac_len = groups[last + 1].len();
        let zero_int = groups[0].trim_start_matches('0').is_empty() && last == 0;
        frac_len != 3
            || seps.contains(&Sep::Group)
            || (three_decimals && last_char == '.')
            || zero_int
    };
    if decimal_last {
        decimal_at_last(groups, seps)
    } else {
        thousands_ok(groups, seps).then(|| (groups.concat(), None))
    }
}

/// Whether `groups` (the integer part) joined by `seps` read as thousands
/// grouping: every group after the first has three digits, or Indian lakh
/// grouping (`1,23,45,678`: twos, then a final three).
fn thousands_ok(groups: &[String], seps: &[Sep]) -> bool {
    let Some(rest) = groups.get(1..) else {
        return true;
    };
    if rest.iter().all(|g| g.len() == 3) {
        return true;
    }
    let lakh = rest
        .split_last()
        .is_some_and(|(last, mid)| last.len() == 3 && mid.iter().all(|g| g.len() == 2));
    lakh && seps.iter().all(|s| *s == Sep::Mark(','))
}
