//! Price changes between two observations of a URL: classification and one
//! listed change (the per-run counts are plain data in [`crate::record`]).
//!
//! Pure and synchronous; `queries` finds the observations to compare. Amounts
//! are compared as decimals (`19.9` equals `19.90`), and a different currency
//! is reported as such, never as a price going up or down.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::record::ChangeKind;

/// A price as observed in one successful fetch: both parts may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
}

/// Compares two observations of the same URL.
pub fn classify(old: &Observed, new: &Observed) -> ChangeKind {
    match (old.amount, new.amount) {
        (None, None) => ChangeKind::Unchanged,
        (None, Some(_)) => ChangeKind::Appeared,
        (Some(_), None) => ChangeKind::Disappeared,
        (Some(_), Some(_)) if old.currency != new.currency => ChangeKind::CurrencyChanged,
        (Some(a), Some(b)) => match b.cmp(&a) {
            std::cmp::Ordering::Greater => ChangeKind::Up,
            std::cmp::Ordering::Less => ChangeKind::Down,
            std::cmp::Ordering::Equal => ChangeKind::Unchanged,
        },
    }
}

/// One listed change (`scrape changes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub url: String,
    pub kind: ChangeKind,
    pub old: Option<Decimal>,
    pub new: Option<Decimal>,
    /// `new - old`, when both exist in the same currency.
    pub change: Option<Decimal>,
    /// The change in percent of `old`, two places.
    pub change_pct: Option<Decimal>,
    /// The currency of the new observation (of the old one when there is no new price).
    pub currency: Option<String>,
    pub old_currency: Option<String>,
    pub old_run: i64,
    pub new_run: i64,
}

impl Change {
    pub fn new(url: String, old: (i64, Observed), new: (i64, Observed)) -> Change {
        let kind = classify(&old.1, &new.1);
        let (change, change_pct) = match (kind, old.1.amount, new.1.amount) {
            (ChangeKind::CurrencyChanged, _, _) => (None, None),
            (_, Some(a), Some(b)) => {
                let diff = b - a;
                let pct = (!a.is_zero())
                    .then(|| (diff * Decimal::ONE_HUNDRED / a).round_dp(2).normalize());
                (Some(diff), pct)
            }
            _ => (None, None),
        };
        Change {
            url,
            kind,
            old: old.1.amount,
            new: new.1.amount,
            change,
            change_pct,
            currency: new.1.currency.or_else(|| old.1.currency.clone()),
            old_currency: old.1.currency,
            old_run: old.0,
            new_run: new.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn obs(amount: Option<&str>, currency: Option<&str>) -> Observed {
        Observed {
            amount: amount.map(|a| Decimal::from_str(a).unwrap()),
            currency: currency.map(str::to_owned),
        }
    }

    #[test]
    fn classification() {
        use ChangeKind::*;
        let usd = |a| obs(Some(a), Some("USD"));
        assert_eq!(classify(&usd("19.99"), &usd("21.00")), Up);
        assert_eq!(classify(&usd("19.99"), &usd("9.99")), Down);
        assert_eq!(classify(&usd("19.9"), &usd("19.90")), Unchanged);
        assert_eq!(classify(&obs(None, None), &usd("1")), Appeared);
        assert_eq!(classify(&usd("1"), &obs(None, None)), Disappeared);
        assert_eq!(classify(&obs(None, None), &obs(None, None)), Unchanged);
        // Same digits, other currency: not a price change.
        assert_eq!(
            classify(&usd("10.00"), &obs(Some("10.00"), Some("EUR"))),
            CurrencyChanged
        );
        assert_eq!(
            classify(&usd("10.00"), &obs(Some("12.00"), None)),
            CurrencyChanged
        );
    }

    #[test]
    fn change_arithmetic_is_exact() {
        let c = Change::new(
            "http://a.test/".into(),
            (1, obs(Some("19.99"), Some("USD"))),
            (2, obs(Some("21.49"), Some("USD"))),
        );
        assert_eq!(c.kind, ChangeKind::Up);
        assert_eq!(c.change.unwrap().to_string(), "1.50");
        assert_eq!(c.change_pct.unwrap().to_string(), "7.5");
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            json.contains("\"old\":19.99") && json.contains("\"new\":21.49"),
            "{json}"
        );
        assert!(json.contains("\"kind\":\"up\""), "{json}");

        let c = Change::new(
            "http://a.test/".into(),
            (1, obs(Some("10"), Some("USD"))),
            (2, obs(Some("9"), Some("EUR"))),
        );
        assert_eq!(c.kind, ChangeKind::CurrencyChanged);
        assert_eq!((c.change, c.change_pct), (None, None));
        assert_eq!(
            (c.currency.as_deref(), c.old_currency.as_deref()),
            (Some("EUR"), Some("USD"))
        );

        let c = Change::new(
            "http://a.test/".into(),
            (1, obs(Some("0"), Some("USD"))),
            (2, obs(Some("5"), Some("USD"))),
        );
        assert_eq!(
            (c.change.unwrap().to_string(), c.change_pct),
            ("5".into(), None)
        );
    }
}
