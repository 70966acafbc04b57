//! `bench --levels auto`: which concurrency level to measure next, and where
//! the knee of the throughput curve is, from the runs measured so far.
//!
//! Pure decisions on [`BenchRun`]s, no I/O: `bench::run` measures what
//! [`KneeFinder::next`] asks for and feeds it back with [`KneeFinder::record`].
//!
//! The sweep doubles the level (1, 2, 4, …) until doublings stop paying:
//! throughput beat the best level before by less than the noise threshold,
//! or p90 latency nearly doubled (the extra requests only queued) — twice in
//! a row, so one run slowed by a busy machine does not end the sweep — or
//! errors appeared (at once). It then bisects between the highest level
//! still short of the plateau and the lowest level on it, a few steps at
//! most. The knee is the lowest measured level within [`MIN_GAIN`] of the
//! best throughput.

use serde::{Deserialize, Serialize};

use super::BenchRun;

/// Smallest throughput gain a doubling must show to count as growth. Doubling
/// the level below the knee gains close to +100 %; on the demo shop the
/// pages/s of one level spread by a few percent between repetitions on a
/// loaded 2-core machine (README "Benchmarks"), so 10 % is well clear of it.
pub const MIN_GAIN: f64 = 0.10;
/// Twice the relative spread `--runs` measured: a gain smaller than that may be noise.
const NOISE_FACTOR: f64 = 2.0;
/// The threshold never exceeds this: below the knee a doubling gains close to
/// +100 %, so a smaller gain is no longer growth however noisy the runs.
const MAX_THRESHOLD: f64 = 0.5;
/// Doublings in a row that must fail to pay before the sweep stops.
const STRIKES: usize = 2;
/// p90 growing this much over one doubling means the new requests mostly waited.
const P90_GROWTH_STOP: f64 = 1.8;
/// An error rate above this (and above the previous level's) stops the sweep.
const ERROR_RATE_STOP: f64 = 0.01;
/// Bisection steps between the last growing level and the plateau.
const MAX_REFINEMENTS: usize = 3;
/// The sweep never goes beyond this level.
pub const MAX_LEVEL: usize = 1024;

/// Why the doubling phase stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Throughput grew less than the threshold.
    ThroughputPlateau,
    /// The error rate rose above 1 %.
    Errors,
    /// p90 latency grew by 1.8× or more over one doubling.
    Latency,
    /// The level reached the number of URLs: more cannot overlap.
    ListSize,
    /// The level reached [`MAX_LEVEL`].
    MaxLevel,
}

/// The knee and the evidence for it (in the bench JSON as `knee`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    /// Lowest measured level within `gain_threshold` of the best throughput.
    pub concurrency: usize,
    pub pages_per_sec: f64,
    /// Level at which the doubling phase stopped, and why.
    pub stopped_at: usize,
    pub reason: StopReason,
    /// Throughput gain of the last doubling step (0.03 = +3 %).
    pub last_gain: f64,
    /// p90 latency of the stop level over that of the level before it.
    pub p90_growth: f64,
    /// Failed pages / pages at the stop level.
    pub error_rate: f64,
    /// Gain below which a doubling counted as no growth: max(10 %, 2 × spread), at most 50 %.
    pub gain_threshold: f64,
}

/// The evidence of one doubling step.
struct Step {
    from: usize,
    to: usize,
    gain: f64,
    p90_growth: f64,
    error_rate: f64,
}

/// Drives the auto sweep; see the module doc.
pub struct KneeFinder {
    urls: usize,
    runs: Vec<BenchRun>,
    stop: Option<(StopReason, Step)>,
    /// Doublings in a row that did not pay (see [`STRIKES`]).
    strikes: usize,
    refinements: usize,
}

impl KneeFinder {
    pub fn new(urls: usize) -> KneeFinder {
        KneeFinder {
            urls: urls.max(1),
            runs: Vec::new(),
            stop: None,
            strikes: 0,
            refinements: 0,
        }
    }

    /// The runs measured so far, by level.
    pub fn runs(&self) -> &[BenchRun] {
        &self.runs
    }

    /// The level to measure next, or `None` when the knee is found.
    pub fn next(&self) -> Option<usize> {
        let Some(last) = self.runs.last() else {
            return Some(1);
        };
        if self.stop.is_none() {
            return Some((last.concurrency * 2).min(self.urls).min(MAX_LEVEL));
        }
        if self.refinements >= MAX_REFINEMENTS {
            return None;
        }
        let (lo, hi) = self.bracket()?;
        (hi - lo > 1).then_some(lo + (hi - lo) / 2)
    }

    /// Adds a measured run (at the level `next` asked for).
    pub fn record(&mut self, run: BenchRun) {
        let level = run.concurrency;
        if self.stop.is_some() {
            self.refinements += 1;
        }
        let at = self.runs.partition_point(|r| r.concurrency < level);
        self.runs.insert(at, run);
        if self.stop.is_none() {
            self.stop = self.check_last_doubling();
        }
    }

    /// Gain threshold from the spread `--runs` measured (see [`MIN_GAIN`]).
    pub fn threshold(&self) -> f64 {
        let spread = self
            .runs
            .iter()
            .map(|r| r.pages_per_sec_spread)
            .fold(0.0, f64::max);
        MIN_GAIN.max(NOISE_FACTOR * spread).min(MAX_THRESHOLD)
    }

    /// The knee, once the doubling phase has stopped.
    pub fn knee(&self) -> Option<Knee> {
        let (reason, step) = self.stop.as_ref()?;
        let knee = self.plateau_start()?;
        Some(Knee {
            concurrency: knee.concurrency,
            pages_per_sec: knee.pages_per_sec,
            stopped_at: step.to,
            reason: *reason,
            last_gain: round4(step.gain),
            p90_growth: round4(step.p90_growth),
            error_rate: round4(step.error_rate),
            gain_threshold: round4(self.threshold()),
        })
    }

    /// Stops the doubling phase when the steps to the newest level did not pay.
    fn check_last_doubling(&mut self) -> Option<(StopReason, Step)> {
        let [before @ .., prev, last] = self.runs.as_slice() else {
            return None;
        };
        // Against the best level so far: a slow outlier then a normal run is no growth.
        let best = before
            .iter()
            .chain([prev])
            .map(|r| r.pages_per_sec)
            .fold(0.0, f64::max);
        let step = Step {
            from: prev.concurrency,
            to: last.concurrency,
            gain: if best > 0.0 {
                last.pages_per_sec / best - 1.0
            } else {
                0.0
            },
            p90_growth: if prev.latency_ms.p90 > 0.0 {
                last.latency_ms.p90 / prev.latency_ms.p90
            } else {
                1.0
            },
            error_rate: error_rate(last),
        };
        let flat = step.gain < self.threshold();
        let queued = step.p90_growth >= P90_GROWTH_STOP;
        self.strikes = if flat || queued { self.strikes + 1 } else { 0 };
        let reason = if step.error_rate > ERROR_RATE_STOP && step.error_rate > error_rate(prev) {
            StopReason::Errors
        } else if flat && self.strikes >= STRIKES {
            StopReason::ThroughputPlateau
        } else if queued && self.strikes >= STRIKES {
            StopReason::Latency
        } else if last.concurrency >= self.urls {
            StopReason::ListSize
        } else if last.concurrency >= MAX_LEVEL {
            StopReason::MaxLevel
        } else {
            return None;
        };
        debug_assert!(step.from < step.to);
        Some((reason, step))
    }

    /// The lowest level within [`MIN_GAIN`] of the best throughput (not the
    /// noise threshold: a band as wide as 50 % would put the knee far too low).
    fn plateau_start(&self) -> Option<&BenchRun> {
        let best = self
            .runs
            .iter()
            .map(|r| r.pages_per_sec)
            .fold(0.0, f64::max);
        let floor = best * (1.0 - MIN_GAIN);
        self.runs.iter().find(|r| r.pages_per_sec >= floor)
    }

    /// (highest level below the plateau, plateau start): where to bisect.
    fn bracket(&self) -> Option<(usize, usize)> {
        let hi = self.plateau_start()?.concurrency;
        let lo = self
            .runs
            .iter()
            .rev()
            .find(|r| r.concurrency < hi)?
            .concurrency;
        Some((lo, hi))
    }
}

fn error_rate(r: &BenchRun) -> f64 {
    let total = r.ok + r.failed;
    if total == 0 {
        0.0
    } else {
        r.failed as f64 / total as f64
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Latency;

    /// A run at `level` against a server of `capacity` slots and 100 ms latency.
    fn modelled(level: usize, capacity: usize, failed: u64) -> BenchRun {
        let served = level.min(capacity) as f64;
        let p90 = 100.0 * (level as f64 / capacity as f64).max(1.0);
        BenchRun {
            concurrency: level,
            pages_per_sec: served * 10.0,
            latency_ms: Latency {
                p50: p90,
                p90,
                p99: p90,
                max: p90,
            },
            ok: 1000 - failed,
            failed,
            ..BenchRun::default()
        }
    }

    fn sweep(capacity: usize, urls: usize, failed_from: usize) -> (Vec<usize>, Knee) {
        let mut finder = KneeFinder::new(urls);
        let mut order = Vec::new();
        while let Some(level) = finder.next() {
            assert!(!order.contains(&level), "{level} measured twice: {order:?}");
            order.push(level);
            let failed = if level >= failed_from { 50 } else { 0 };
            finder.record(modelled(level, capacity, failed));
        }
        (order, finder.knee().expect("a knee"))
    }

    #[test]
    fn knee_lands_on_the_capacity() {
        let (order, knee) = sweep(10, 1000, usize::MAX);
        assert_eq!(order[..7], [1, 2, 4, 8, 16, 32, 64]);
        // 9 of 10 slots give 90 % of the best: within the 10 % threshold.
        assert!((9..=10).contains(&knee.concurrency), "{order:?} {knee:?}");
        assert_eq!(knee.reason, StopReason::ThroughputPlateau);
        assert_eq!(knee.stopped_at, 64, "two flat doublings in a row");
        assert_eq!(knee.last_gain, 0.0);
        assert_eq!(knee.p90_growth, 2.0);
        for capacity in [3, 6, 12, 24, 50, 100] {
            let (order, knee) = sweep(capacity, 1000, usize::MAX);
            let ratio = knee.concurrency as f64 / capacity as f64;
            assert!(
                (0.75..=1.25).contains(&ratio),
                "{capacity}: {order:?} {knee:?}"
            );
        }
    }

    #[test]
    fn errors_and_list_size_stop_the_sweep() {
        let (_, knee) = sweep(1000, 1000, 8);
        assert_eq!((knee.reason, knee.stopped_at), (StopReason::Errors, 8));
        assert_eq!(knee.error_rate, 0.05);
        let (order, knee) = sweep(1000, 12, usize::MAX);
        assert_eq!(order[..5], [1, 2, 4, 8, 12]);
        assert_eq!((knee.reason, knee.stopped_at), (StopReason::ListSize, 12));
    }

    #[test]
    fn noisy_runs_raise_the_threshold() {
        let mut finder = KneeFinder::new(100);
        assert_eq!(finder.threshold(), MIN_GAIN);
        finder.record(BenchRun {
            pages_per_sec_spread: 0.2,
            ..modelled(1, 10, 0)
        });
        assert_eq!(finder.threshold(), 0.4);
        finder.record(BenchRun {
            pages_per_sec_spread: 0.9,
            ..modelled(2, 10, 0)
        });
        assert_eq!(finder.threshold(), MAX_THRESHOLD);
    }

    #[test]
    fn a_noisy_threshold_does_not_pull_the_knee_down() {
        // Level 1's runs spread by 30 %: the threshold is 50 %, yet the knee
        // is where throughput reaches 90 % of the best.
        let mut finder = KneeFinder::new(1000);
        while let Some(level) = finder.next() {
            let mut run = modelled(level, 8, 0);
            if level == 1 {
                run.pages_per_sec_spread = 0.3;
            }
            finder.record(run);
        }
        let knee = finder.knee().expect("a knee");
        assert_eq!(knee.gain_threshold, MAX_THRESHOLD);
        assert_eq!(knee.concurrency, 8, "{knee:?}");
    }

    #[test]
    fn one_slow_level_does_not_end_the_sweep() {
        let mut finder = KneeFinder::new(1000);
        while let Some(level) = finder.next() {
            let mut run = modelled(level, 32, 0);
            if level == 8 {
                run.pages_per_sec *= 0.45; // a busy moment: slower than level 4
            }
            finder.record(run);
        }
        let knee = finder.knee().expect("a knee");
        assert!((28..=32).contains(&knee.concurrency), "{knee:?}");
    }
}
