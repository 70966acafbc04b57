//! `--concurrency auto`: a concurrency limit that finds the server's knee the
//! way TCP Vegas finds a path's, as Netflix's concurrency-limits does for RPC.
//!
//! The law ([`Control`]) is fed one sample per finished request and acts
//! once per *round* (as many samples as the limit, at least
//! [`MIN_ROUND`]: about one round trip at full use). It keeps the lowest
//! round-mean latency seen as the `baseline`; by Little's law, a round whose
//! mean is `rtt` at limit `L` had about `L × (1 − baseline/rtt)` requests
//! waiting in the server's queue instead of being served:
//! - an overload signal in the round (timeout, connect error, 429, 503):
//!   multiplicative decrease, `L × 0.7`;
//! - queue above `beta`: jump to the estimate of what the server serves,
//!   `L × baseline/rtt + alpha`;
//! - queue below `alpha` and the limit was really used: grow, doubling
//!   ("slow start") until the first back-off, then by one per round;
//! - otherwise hold (some queue, not much: this is the knee).
//!
//! `alpha` and `beta` grow with the limit (3 % and 10 % of it, at least 1
//! and 3 requests) so that jitter in the mean does not read as a queue at
//! high limits. The limit stays in `min..=max`; `max` is `--max-concurrency`,
//! and the per-host caps still apply under it. [`AutoLimit`] is the gate
//! the engine takes a slot of for each request on the wire.
//!
//! A server that slows down for reasons of its own also lowers the limit (the
//! baseline never rises): the polite direction to err in.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::aggregate::AutoConcurrency;

/// Fewest samples in a round: at low limits one round trip is too few to average.
pub const MIN_ROUND: u32 = 8;
/// Where the limit starts (or `max`, if lower).
pub const INITIAL: usize = 4;
/// Multiplicative decrease on an overload signal.
const BACKOFF: f64 = 0.7;

/// How one request ended, as the limiter sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sample {
    /// An answer (any status but 429/503) after this long on the wire.
    Answered(Duration),
    /// A timeout, a connect failure, 429 or 503: the server is past its capacity.
    Overload,
}

/// Why the limit is where it is.
#[derive(Debug, Clone, PartialEq)]
enum Why {
    Start,
    Growing,
    AtMax,
    Latency {
        ratio: f64,
        baseline: Duration,
        from: usize,
    },
    Overload {
        count: u32,
        from: usize,
    },
}

/// The control law, clock-free: samples in, limit out.
#[derive(Debug, Clone)]
pub struct Control {
    limit: usize,
    min: usize,
    max: usize,
    slow_start: bool,
    baseline: Option<Duration>,
    round: Round,
    rounds: u64,
    peak: usize,
    why: Why,
}

#[derive(Debug, Clone, Default)]
struct Round {
    samples: u32,
    answered: u32,
    total: Duration,
    overloads: u32,
    peak_in_flight: usize,
}

impl Control {
    /// A law bounded to `min..=max`, starting at [`INITIAL`].
    pub fn new(min: usize, max: usize) -> Control {
        let max = max.max(1);
        let min = min.clamp(1, max);
        let limit = INITIAL.clamp(min, max);
        Control {
            limit,
            min,
            max,
            slow_start: true,
            baseline: None,
            round: Round::default(),
            rounds: 0,
            peak: limit,
            why: Why::Start,
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes one finished request; `in_flight` counts it (it has not left
    /// yet). Returns the new limit when this sample closed a round that moved it.
    pub fn on_sample(&mut self, sample: Sample, in_flight: usize) -> Option<usize> {
        let r = &mut self.round;
        r.samples += 1;
        r.peak_in_flight = r.peak_in_flight.max(in_flight);
        match sample {
            Sample::Answered(rtt) => {
                r.answered += 1;
                r.total += rtt;
            }
            Sample::Overload => r.overloads += 1,
        }
        if r.samples < (self.limit as u32).max(MIN_ROUND) {
            return None;
        }
        let round = std::mem::take(&mut self.round);
        self.rounds += 1;
        let before = self.limit;
        self.end_round(&round);
        self.peak = self.peak.max(self.limit);
        (self.limit != before).then_some(self.limit)
    }

    fn end_round(&mut self, round: &Round) {
        let limit = self.limit as f64;
        if round.overloads > 0 {
            self.slow_start = false;
            self.set((limit * BACKOFF).floor() as usize);
            self.why = Why::Overload {
                count: round.overloads,
                from: round.peak_in_flight,
            };
            return;
        }
        if round.answered == 0 {
            return;
        }
        let mean = round.total / round.answered;
        let baseline = *self
            .baseline
            .insert(self.baseline.map_or(mean, |b| b.min(mean)));
        let gradient = if mean.is_zero() {
            1.0
        } else {
            baseline.as_secs_f64() / mean.as_secs_f64()
        };
        let queue = limit * (1.0 - gradient);
        let alpha = (0.03 * limit).max(1.0);
        let beta = (0.1 * limit).max(3.0);
        if queue > beta {
            self.slow_start = false;
            self.set((limit * gradient + alpha).round() as usize);
            self.why = Why::Latency {
                ratio: 1.0 / gradient,
                baseline,
                from: round.peak_in_flight,
            };
        } else if queue >= alpha {
            // At the knee: some queueing, not enough to back off. Holding
            // here is the answer, so say that rather than the last move.
            self.why = Why::Latency {
                ratio: 1.0 / gradient,
                baseline,
                from: round.peak_in_flight,
            };
        } else if round.peak_in_flight * 10 >= self.limit * 8 {
            let grown = if self.slow_start {
                self.limit * 2
            } else {
                self.limit + 1
            };
            self.set(grown);
            self.why = if self.limit == self.max {
                Why::AtMax
            } else {
                Why::Growing
            };
        }
    }

    fn set(&mut self, limit: usize) {
        self.limit = limit.clamp(self.min, self.max);
    }

    /// The level reached and the reason, for the summary.
    pub fn report(&self) -> AutoConcurrency {
        let reason = match &self.why {
            Why::Start => "too few requests to adjust the starting level".to_string(),
            Why::Growing => "still growing: latency held and the list ended".to_string(),
            Why::AtMax => format!("latency held up to the --max-concurrency cap of {}", self.max),
            Why::Latency {
                ratio,
                baseline,
                from,
            } => format!(
                "latency rose to {ratio:.2}× the {:.0} ms baseline at {from} in flight: the server queues beyond this",
                baseline.as_secs_f64() * 1000.0
            ),
            Why::Overload { count, from } => format!(
                "backed off after {count} timeout/429/503/connect failure(s) at {from} in flight"
            ),
        };
        AutoConcurrency {
            settled: self.limit,
            peak: self.peak,
            max: self.max,
            rounds: self.rounds,
            baseline_ms: self
                .baseline
                .map(|b| crate::aggregate::round1(b.as_secs_f64() * 1000.0)),
            reason,
        }
    }
}

/// The gate: a semaphore whose size follows [`Control`]. Shrinking cannot
/// take back permits in use, so it is owed (`debt`) and paid by permits that
/// come back.
#[derive(Debug)]
pub struct AutoLimit {
    slots: Arc<Semaphore>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    control: Control,
    in_flight: usize,
    debt: usize,
}

/// One request's slot; give it its [`Sample`] with [`AutoPermit::finish`].
/// Dropped unfinished (cancelled), it just returns the slot.
#[derive(Debug)]
pub struct AutoPermit {
    gate: Arc<AutoLimit>,
    permit: Option<OwnedSemaphorePermit>,
}

impl AutoLimit {
    pub fn new(max: usize) -> Arc<AutoLimit> {
        let control = Control::new(1, max);
        Arc::new(AutoLimit {
            slots: Arc::new(Semaphore::new(control.limit())),
            state: Mutex::new(State {
                control,
                in_flight: 0,
                debt: 0,
            }),
        })
    }

    pub async fn acquire(self: &Arc<Self>) -> AutoPermit {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the auto-limit semaphore is never closed");
        self.lock().in_flight += 1;
        AutoPermit {
            gate: Arc::clone(self),
            permit: Some(permit),
        }
    }

    pub fn report(&self) -> AutoConcurrency {
        self.lock().control.report()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few numbers updated in one step; a panic elsewhere
        // cannot leave it half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl AutoPermit {
    pub fn finish(self, sample: Sample) {
        let mut state = self.gate.lock();
        let in_flight = state.in_flight;
        let old = state.control.limit();
        if let Some(new) = state.control.on_sample(sample, in_flight) {
            if new > old {
                let grow = new - old;
                // Growth first pays back what is still owed from a shrink.
                let paid = grow.min(state.debt);
                state.debt -= paid;
                self.gate.slots.add_permits(grow - paid);
            } else {
                state.debt += old - new;
            }
            tracing::debug!(limit = new, "auto concurrency");
        }
        // Unlocked before `self` drops at the end: its drop locks again to
        // return (or, while a shrink is owed, forget) the slot.
        drop(state);
    }
}

impl Drop for AutoPermit {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(permit) = self.permit.take() {
            if state.debt > 0 {
                state.debt -= 1;
                permit.forget();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server with `capacity` workers and service time `base`: at `n` in
    /// flight, a request takes `base × max(1, n / capacity)` (Little's law
    /// with a FIFO queue). Drives the law for `rounds` full rounds.
    fn run_against(capacity: usize, base_ms: u64, rounds: usize, max: usize) -> Control {
        let mut c = Control::new(1, max);
        for _ in 0..rounds {
            let n = c.limit();
            let factor = (n as f64 / capacity as f64).max(1.0);
            let rtt = Duration::from_millis(base_ms).mul_f64(factor);
            for _ in 0..n.max(MIN_ROUND as usize) {
                c.on_sample(Sample::Answered(rtt), n);
            }
        }
        c
    }

    #[test]
    fn finds_the_knee_of_a_queueing_server() {
        for capacity in [8, 16, 50, 200] {
            let c = run_against(capacity, 100, 60, 1000);
            let ratio = c.limit() as f64 / capacity as f64;
            assert!(
                (0.9..=1.25).contains(&ratio),
                "capacity {capacity}: settled at {} ({:?})",
                c.limit(),
                c.report()
            );
            assert!(
                c.report().reason.contains("latency rose"),
                "{:?}",
                c.report()
            );
        }
    }

    #[test]
    fn grows_to_max_when_latency_holds() {
        let c = run_against(1000, 50, 40, 64);
        assert_eq!(c.limit(), 64);
        assert!(c.report().reason.contains("max-concurrency"));
        assert_eq!(c.report().peak, 64);
    }

    #[test]
    fn overload_halves_roughly_and_ends_slow_start() {
        let mut c = Control::new(1, 100);
        let ok = Sample::Answered(Duration::from_millis(10));
        // Slow start: 4 → 8 → 16 (rounds of max(limit, 8) samples).
        for _ in 0..8 {
            c.on_sample(ok, 4);
        }
        assert_eq!(c.limit(), 8);
        for _ in 0..8 {
            c.on_sample(ok, 8);
        }
        assert_eq!(c.limit(), 16);
        for i in 0..16 {
            let s = if i == 3 { Sample::Overload } else { ok };
            c.on_sample(s, 16);
        }
        assert_eq!(c.limit(), 11, "16 × 0.7");
        assert!(c.report().reason.contains("backed off after 1"));
        // After a back-off, growth is additive.
        for _ in 0..11 {
            c.on_sample(ok, 11);
        }
        assert_eq!(c.limit(), 12);
    }

    #[test]
    fn an_unused_limit_does_not_grow() {
        let mut c = Control::new(1, 100);
        for _ in 0..100 {
            c.on_sample(Sample::Answered(Duration::from_millis(10)), 1);
        }
        assert_eq!(
            c.limit(),
            INITIAL,
            "one request at a time says nothing about 8"
        );
    }

    #[test]
    fn bounds_hold() {
        let mut c = Control::new(1, 3);
        assert_eq!(c.limit(), 3);
        for _ in 0..50 {
            c.on_sample(Sample::Overload, 3);
        }
        assert_eq!(c.limit(), 1);
    }

    /// Slots free + in use − owed is always the limit.
    fn assert_balanced(gate: &AutoLimit) {
        let state = gate.lock();
        assert_eq!(
            gate.slots.available_permits() + state.in_flight - state.debt,
            state.control.limit(),
            "{state:?}"
        );
    }

    #[tokio::test]
    async fn the_gate_shrinks_by_debt_and_grows_by_permits() {
        let gate = AutoLimit::new(100);
        let mut held = Vec::new();
        for _ in 0..INITIAL {
            held.push(gate.acquire().await);
        }
        assert_eq!(gate.slots.available_permits(), 0);
        // Eight overloads (one round) on two waves of four requests: 4 → 2.
        for wave in 0..2 {
            for p in held.drain(..) {
                p.finish(Sample::Overload);
                assert_balanced(&gate);
            }
            if wave == 0 {
                for _ in 0..INITIAL {
                    held.push(gate.acquire().await);
                }
            }
        }
        assert_eq!(gate.report().settled, 2);
        assert_balanced(&gate);
        // Returned slots pay the debt until only two are left.
        for _ in 0..4 {
            drop(gate.acquire().await);
        }
        assert_eq!(gate.slots.available_permits(), 2);
        assert_balanced(&gate);
        // A calm, fully used round grows it by one (slow start is over).
        for _ in 0..MIN_ROUND {
            let a = gate.acquire().await;
            let b = gate.acquire().await;
            a.finish(Sample::Answered(Duration::from_millis(5)));
            b.finish(Sample::Answered(Duration::from_millis(5)));
            assert_balanced(&gate);
        }
        assert_eq!(gate.report().settled, 3);
        assert_eq!(gate.slots.available_permits(), 3);
    }
}
