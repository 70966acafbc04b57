//! Money on demo pages: currencies, deterministic prices per (product, epoch),
//! and how amounts are written (machine form for structured data, symbol or
//! European form for people). `pages` decides which form goes where.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::pages::ExpectedPrice;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Currency {
    Usd,
    Eur,
    Gbp,
    Jpy,
    Chf,
    Sek,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Jpy => "JPY",
            Currency::Chf => "CHF",
            Currency::Sek => "SEK",
        }
    }
    pub fn decimals(self) -> u32 {
        if self == Currency::Jpy {
            0
        } else {
            2
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Money {
    /// In the currency's minor unit (cents; yen for JPY).
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn expected(self) -> ExpectedPrice {
        ExpectedPrice {
            amount: Decimal::new(self.minor, self.currency.decimals()),
            currency: self.currency.code(),
        }
    }
}

/// splitmix64: cheap, well mixed, and stable across platforms and releases.
pub(super) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Base price at epoch 0, then a per-epoch move: a third of the products keep
/// their price, a third go up, a third go down (each by 1–20 %).
pub(super) fn price_minor(n: u64, epoch: u64, currency: Currency) -> i64 {
    let h = mix(n.wrapping_mul(31).wrapping_add(7));
    // Mostly everyday prices, some above 1,000 to exercise thousands separators.
    let major: i64 = match h % 10 {
        0 => 1_000 + (h >> 8) % 1_500,
        1..=3 => 50 + (h >> 8) % 950,
        _ => 3 + (h >> 8) % 47,
    } as i64;
    let base = if currency == Currency::Jpy {
        (major * 150 / 10).max(10) * 10
    } else {
        major * 100 + [99, 99, 49, 0, 95, 50][((h >> 40) % 6) as usize]
    };
    if epoch == 0 {
        return base;
    }
    let e = mix(n ^ epoch.wrapping_mul(0x9E37_79B9));
    let step = if currency == Currency::Jpy { 10 } else { 100 };
    let pct = 1 + (e >> 8) % 20;
    // Moves are whole units so ".99" prices stay ".99" prices.
    let delta = ((base * pct as i64 / 100) / step).max(1) * step;
    match e % 3 {
        0 => base,
        1 => base + delta,
        _ if base > delta + step => base - delta,
        _ => base,
    }
}

/// How a page writes amounts for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// `$1,234.56`, `£`, `€`, `¥12,800`, `CHF 1,234.50`, `1 234,50 kr`.
    Symbol,
    /// `1.234,56 €`.
    European,
}

/// Writes `minor` as a plain machine number: `1234.56`, `12800`.
pub(super) fn write_plain(out: &mut String, m: Money) {
    let d = m.currency.decimals();
    if d == 0 {
        let _ = write!(out, "{}", m.minor);
    } else {
        let _ = write!(out, "{}.{:02}", m.minor / 100, m.minor % 100);
    }
}

/// Writes the integer part with a group separator every three digits.
pub(super) fn write_grouped(out: &mut String, value: i64, sep: &str) {
    let digits = value.to_string();
    let len = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
}

pub(super) fn write_display(out: &mut String, m: Money, style: Style) {
    let whole = if m.currency.decimals() == 0 {
        m.minor
    } else {
        m.minor / 100
    };
    let cents = m.minor % 100;
    match (style, m.currency) {
        (Style::European, _) | (_, Currency::Sek) => {
            let group = if m.currency == Currency::Sek {
                "\u{a0}"
            } else {
                "."
            };
            write_grouped(out, whole, group);
            let sym = if m.currency == Currency::Sek {
                "kr"
            } else {
                "€"
            };
            let _ = write!(out, ",{cents:02}\u{a0}{sym}");
        }
        (_, Currency::Jpy) => {
            out.push('¥');
            write_grouped(out, whole, ",");
        }
        (_, c) => {
            out.push_str(match c {
                Currency::Usd => "$",
                Currency::Eur => "€",
                Currency::Gbp => "£",
                _ => "CHF\u{a0}",
            });
            write_grouped(out, whole, ",");
            let _ = write!(out, ".{cents:02}");
        }
    }
}
