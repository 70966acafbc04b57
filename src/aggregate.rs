//! Folds records into a [`Summary`]: counts, errors by kind, per-currency price
//! statistics and latency percentiles.
//!
//! Prices in different currencies are never mixed. Latencies go into an HDR
//! histogram (constant memory); prices are counted per currency and distinct
//! amount, which an exact median needs: memory follows how many different
//! prices a shop has, not how long the list is (a vector of every price
//! grew to 2 MB on a 100 000-page run and was the last part of the peak RSS
//! that did).

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::record::{ChangeCounts, ErrorKind, Record};

/// The `prices` key for prices found without a currency. Currency codes are
/// three capital letters, so it cannot clash with one.
pub const UNKNOWN_CURRENCY: &str = "unknown";

/// Statistics of one currency's prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrencyStats {
    pub count: u64,
    pub min: Decimal,
    pub max: Decimal,
    pub mean: Decimal,
    pub median: Decimal,
}

/// Latency percentiles of fetched records, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// The `summary` object of DESIGN.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub mode: String,
    pub concurrency: usize,
    pub urls: u64,
    pub ok: u64,
    pub failed: u64,
    pub priced: u64,
    pub errors: BTreeMap<ErrorKind, u64>,
    pub prices: BTreeMap<String, CurrencyStats>,
    pub elapsed_ms: f64,
    pub pages_per_sec: f64,
    pub latency_ms: Latency,
    /// Retries made across all records (attempts beyond the first).
    pub retries: u64,
    /// The run stopped before its input ended (Ctrl-C, a closed stdout, a
    /// failed database): the records cover lines `0..lines_read` only.
    #[serde(default)]
    pub interrupted: bool,
    /// URL lines the run took off its input; each has exactly one record,
    /// and no later line has any (`--resume` with `--db` continues there).
    #[serde(default)]
    pub lines_read: u64,
    /// Per host, the hosts with the most requests (at most
    /// `engine::REPORTED_HOSTS`), most requests first.
    #[serde(default)]
    pub hosts: Vec<HostSummary>,
    /// The hosts beyond `hosts`, summed; absent when every host is listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_hosts: Option<OtherHosts>,
    /// Price changes since earlier runs; only with `--db`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeCounts>,
    /// Where `--concurrency auto` settled and why; only with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_concurrency: Option<AutoConcurrency>,
}

/// The `auto_concurrency` object of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoConcurrency {
    /// The limit at the end of the run.
    pub settled: usize,
    /// The highest limit it tried.
    pub peak: usize,
    /// Its cap (`--max-concurrency`).
    pub max: usize,
    /// Adjustment rounds (about one round trip each at full use).
    pub rounds: u64,
    /// The lowest round-mean latency seen, the "no queue" reference.
    pub baseline_ms: Option<f64>,
    /// Why it is at `settled`, in words.
    pub reason: String,
}

/// One host's line of the summary (`scheme://host:port`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSummary {
    pub host: String,
    /// HTTP requests sent to the host: pages, retries and its robots.txt.
    pub requests: u64,
    /// Distinct URLs of the host that ended in an error.
    pub errors: u64,
    /// Time the whole host was paused (`Retry-After`, connect errors).
    pub paused_ms: f64,
    /// The rule its requests waited on longest: `per-host cap`,
    /// `concurrency`, `delay`, `rate`, `crawl-delay`, `retry-after`,
    /// `connect-errors`, or `none`.
    pub paced_by: String,
}

/// The hosts a summary does not list one by one, summed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OtherHosts {
    pub hosts: u64,
    pub requests: u64,
    pub errors: u64,
    pub paused_ms: f64,
}

/// Accumulates records as they finish.
#[derive(Debug)]
pub struct Aggregator {
    mode: &'static str,
    concurrency: usize,
    urls: u64,
    ok: u64,
    priced: u64,
    fetched: u64,
    retries: u64,
    errors: BTreeMap<ErrorKind, u64>,
    /// Per currency, how many times each amount was seen.
    prices: BTreeMap<String, BTreeMap<Decimal, u64>>,
    latency_us: Histogram<u64>,
}

impl Aggregator {
    pub fn new(sequential: bool, concurrency: usize) -> Aggregator {
        Aggregator {
            mode: if sequential {
                "sequential"
            } else {
                "concurrent"
            },
            concurrency,
            urls: 0,
            ok: 0,
            priced: 0,
            fetched: 0,
            retries: 0,
            errors: BTreeMap::new(),
            prices: BTreeMap::new(),
            // 1 µs to 1 hour at 3 significant digits; auto-resize covers the rest.
            latency_us: {
                let mut h = Histogram::new_with_bounds(1, 3_600_000_000, 3)
                    .expect("static histogram bounds are valid");
                h.auto(true);
                h
            },
        }
    }

    pub fn add(&mut self, record: &Record) {
        self.urls += 1;
        if record.attempts > 0 {
            self.fetched += 1;
            self.retries += u64::from(record.attempts - 1);
            let us = (record.elapsed_ms * 1000.0).round().max(1.0) as u64;
            // Recording cannot fail with auto-resize on.
            let _ = self.latency_us.record(us);
        }
        match &record.error {
            None => self.ok += 1,
            Some(e) => *self.errors.entry(e.kind).or_insert(0) += 1,
        }
        if let Some(price) = &record.price {
            self.priced += 1;
            // A price whose currency is unknown still counts, in its own row:
            // leaving it out made `prices` disagree with `priced`.
            let cur = price.currency.as_deref().unwrap_or(UNKNOWN_CURRENCY);
            let counts = match self.prices.get_mut(cur) {
                Some(counts) => counts,
                None => self.prices.entry(cur.to_owned()).or_default(),
            };
            *counts.entry(price.amount).or_insert(0) += 1;
        }
    }

    /// Records seen so far that were not ok.
    pub fn failed(&self) -> u64 {
        self.urls - self.ok
    }

    /// Records fetched fine but without a price.
    pub fn unpriced(&self) -> u64 {
        self.ok.saturating_sub(self.priced)
    }

    pub fn finish(self, elapsed: Duration) -> Summary {
        let secs = elapsed.as_secs_f64();
        let h = &self.latency_us;
        let pct = |q: f64| {
            if h.is_empty() {
                0.0
            } else {
                ms(h.value_at_quantile(q))
            }
        };
        Summary {
            mode: self.mode.to_owned(),
            concurrency: self.concurrency,
            urls: self.urls,
            ok: self.ok,
            failed: self.urls - self.ok,
            priced: self.priced,
            errors: self.errors,
            prices: self
                .prices
                .into_iter()
                .map(|(cur, values)| (cur, currency_stats(values)))
                .collect(),
            elapsed_ms: round1(secs * 1000.0),
            pages_per_sec: if secs > 0.0 {
                round1(self.fetched as f64 / secs)
            } else {
                0.0
            },
            latency_ms: Latency {
                p50: pct(0.5),
                p90: pct(0.9),
                p99: pct(0.99),
                max: if h.is_empty() { 0.0 } else { ms(h.max()) },
            },
            retries: self.retries,
            interrupted: false,
            lines_read: self.urls,
            hosts: Vec::new(),
            other_hosts: None,
            changes: None,
            auto_concurrency: None,
        }
    }
}

fn ms(us: u64) -> f64 {
    round1(us as f64 / 1000.0)
}

/// Rounds to one decimal place: latencies are not meaningful below 0.1 ms.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Count, min, max, mean and exact median of one currency's amounts, given
/// as each distinct amount (in order) with how often it was seen.
fn currency_stats(counts: BTreeMap<Decimal, u64>) -> CurrencyStats {
    let n: u64 = counts.values().sum();
    let sum = counts.iter().fold(Decimal::ZERO, |a, (value, &k)| {
        a.saturating_add(value.saturating_mul(Decimal::from(k)))
    });
    // The amounts at sorted positions mid - 1 and mid (0-based).
    let mid = n / 2;
    let (mut below, mut at) = (None, None);
    let mut seen = 0;
    for (&value, &k) in &counts {
        if below.is_none() && mid >= 1 && seen + k > mid - 1 {
            below = Some(value);
        }
        if seen + k > mid {
            at = Some(value);
            break;
        }
        seen += k;
    }
    let (min, max) = match (counts.first_key_value(), counts.last_key_value()) {
        (Some((&min, _)), Some((&max, _))) => (min, max),
        _ => (Decimal::ZERO, Decimal::ZERO),
    };
    let at = at.unwrap_or(max);
    let median = match below {
        Some(below) if n % 2 == 0 => (below + at) / Decimal::TWO,
        _ => at,
    };
    CurrencyStats {
        count: n,
        min,
        max,
        // Four places: enough to compare runs, short enough to read.
        mean: if n == 0 {
            Decimal::ZERO
        } else {
            (sum / Decimal::from(n)).round_dp(4).normalize()
        },
        median: median.normalize(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FoundPrice, PriceSource, RecordError};
    use std::str::FromStr;

    fn rec(
        index: u64,
        price: Option<(&str, &str)>,
        err: Option<ErrorKind>,
        ms: f64,
        attempts: u32,
    ) -> Record {
        Record {
            index,
            url: format!("http://shop.test/{index}"),
            final_url: None,
            ok: err.is_none(),
            status: Some(200),
            price: price.map(|(a, c)| FoundPrice {
                amount: Decimal::from_str(a).unwrap(),
                currency: Some(c.into()),
                text: a.into(),
                source: PriceSource::JsonLd,
            }),
            title: None,
            elapsed_ms: ms,
            attempts,
            error: err.map(|kind| RecordError {
                kind,
                message: String::new(),
            }),
        }
    }

    #[test]
    fn counts_and_per_currency_stats() {
        let mut a = Aggregator::new(false, 20);
        a.add(&rec(0, Some(("3.50", "USD")), None, 100.0, 1));
        a.add(&rec(1, Some(("1299.99", "USD")), None, 110.0, 1));
        a.add(&rec(2, Some(("19.99", "USD")), None, 120.0, 2));
        a.add(&rec(3, Some(("10", "EUR")), None, 130.0, 1));
        a.add(&rec(4, None, None, 140.0, 1));
        a.add(&rec(5, None, Some(ErrorKind::Timeout), 150.0, 3));
        a.add(&rec(6, None, Some(ErrorKind::InvalidUrl), 0.0, 0));
        assert_eq!(a.unpriced(), 1);
        let s = a.finish(Duration::from_secs(2));
        assert_eq!((s.urls, s.ok, s.failed, s.priced), (7, 5, 2, 4));
        assert_eq!(s.errors.get(&ErrorKind::Timeout), Some(&1));
        assert_eq!(s.errors.get(&ErrorKind::InvalidUrl), Some(&1));
        let usd = &s.prices["USD"];
        assert_eq!(usd.count, 3);
        assert_eq!(usd.min.to_string(), "3.50");
        assert_eq!(usd.max.to_string(), "1299.99");
        assert_eq!(usd.median.to_string(), "19.99");
        assert_eq!(usd.mean.to_string(), "441.16");
        assert_eq!(s.prices["EUR"].median.to_string(), "10");
        assert_eq!(s.pages_per_sec, 3.0, "6 fetched records in 2 s");
        assert_eq!(s.retries, 3);
        assert_eq!(s.mode, "concurrent");
        assert!((s.latency_ms.p50 - 120.0).abs() < 0.2, "{:?}", s.latency_ms);
        assert!((s.latency_ms.max - 150.0).abs() < 0.2);
    }

    #[test]
    fn prices_without_a_currency_get_their_own_row() {
        let mut a = Aggregator::new(false, 1);
        a.add(&rec(0, Some(("5", "USD")), None, 1.0, 1));
        let mut unknown = rec(1, Some(("7.25", "USD")), None, 1.0, 1);
        if let Some(p) = unknown.price.as_mut() {
            p.currency = None;
        }
        a.add(&unknown);
        let s = a.finish(Duration::from_secs(1));
        assert_eq!(s.priced, 2);
        assert_eq!(s.prices[UNKNOWN_CURRENCY].count, 1);
        assert_eq!(s.prices[UNKNOWN_CURRENCY].median.to_string(), "7.25");
        assert_eq!(s.prices.values().map(|p| p.count).sum::<u64>(), s.priced);
    }

    /// The counts `Aggregator::add` keeps for these amounts.
    fn counted(values: &[Decimal]) -> BTreeMap<Decimal, u64> {
        let mut counts = BTreeMap::new();
        for v in values {
            *counts.entry(*v).or_insert(0) += 1;
        }
        counts
    }

    #[test]
    fn even_median_is_exact() {
        let stats = currency_stats(counted(&[
            Decimal::from_str("1.10").unwrap(),
            Decimal::from_str("2.15").unwrap(),
        ]));
        assert_eq!(stats.median.to_string(), "1.625");
    }

    proptest::proptest! {
        /// Counting each distinct amount gives what sorting every amount
        /// gave (the implementation before counts): repeated amounts, odd
        /// and even counts, a median between two equal amounts.
        #[test]
        fn counted_stats_match_sorting_every_amount(
            cents in proptest::collection::vec(0i64..40, 1..60)
        ) {
            let mut values: Vec<Decimal> = cents.iter().map(|&c| Decimal::new(c, 2)).collect();
            let stats = currency_stats(counted(&values));
            values.sort();
            let n = values.len();
            let median = if n % 2 == 1 {
                values[n / 2]
            } else {
                (values[n / 2 - 1] + values[n / 2]) / Decimal::TWO
            };
            let sum: Decimal = values.iter().sum();
            proptest::prop_assert_eq!(stats.count, n as u64);
            proptest::prop_assert_eq!(stats.min, values[0]);
            proptest::prop_assert_eq!(stats.max, values[n - 1]);
            proptest::prop_assert_eq!(stats.median, median.normalize());
            proptest::prop_assert_eq!(
                stats.mean,
                (sum / Decimal::from(n as u64)).round_dp(4).normalize()
            );
        }
    }

    #[test]
    fn empty_run_has_zero_stats() {
        let s = Aggregator::new(true, 1).finish(Duration::ZERO);
        assert_eq!((s.urls, s.pages_per_sec, s.latency_ms.p99), (0, 0.0, 0.0));
        assert_eq!(s.mode, "sequential");
    }
}
