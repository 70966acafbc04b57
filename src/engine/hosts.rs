//! Per-host state of one run, keyed by `scheme://host:port`: the in-flight
//! cap, the spacing between request starts (`--delay`, `--rate`, robots.txt
//! `Crawl-delay`), host-wide pauses (`Retry-After`, bursts of connect
//! errors), the host's robots.txt rules, and the counters the summary shows.
//!
//! Spacing is a per-host "next start" clock, not a token bucket such as
//! `governor`: a request may start once `next_start` has passed, and
//! starting moves it on by the interval. That is exact (no burst allowance:
//! `--delay 2` means two seconds between any two starts, which is what
//! robots.txt's `Crawl-delay` asks for) and runs on tokio's clock, so tests
//! on a paused clock see exact times.
//!
//! Memory stays bounded with millions of hosts: past [`LIVE_HOSTS`] the idle
//! ones (no request in progress, no pause or spacing still running) are
//! forgotten, their counters folded into a report that keeps the
//! [`REPORTED_HOSTS`] busiest hosts and sums the rest. A forgotten host that
//! comes back fetches its robots.txt again.
//!
//! A [`SharedGate`] (the cluster's Redis-side limiter) makes the cap and the
//! spacing hold across processes: each start is asked of it too, and the
//! spacing becomes its job alone (two clocks would space twice). Pauses and
//! robots.txt stay per process. Without one, nothing here changes.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reqwest::Url;
use tokio::sync::{Notify, OnceCell, Semaphore, SemaphorePermit};
use tokio::time::Instant;

use crate::aggregate::{round1, HostSummary, OtherHosts};
use crate::fetch::{FetchError, Fetcher};
use crate::robots::{fetch_rules, Refusal, RobotsConfig, Rules};

mod shared;
pub use shared::{GateFuture, Lease, Refused, SharedGate, FULL_BACKOFF, FULL_BACKOFF_MAX};

/// Hosts listed one by one in the summary; the rest are summed.
pub const REPORTED_HOSTS: usize = 20;

/// Hosts kept in memory before idle ones are forgotten.
pub const LIVE_HOSTS: usize = 4096;

/// Connect failures in a row (no response in between) that pause a host.
pub const CONNECT_BURST: u32 = 5;

/// The pause after a burst of connect failures; doubles with each further
/// burst, up to `--max-host-wait`.
pub const CONNECT_PAUSE: Duration = Duration::from_secs(1);

/// How politely a run treats each host (besides the per-host cap).
#[derive(Debug, Clone)]
pub struct Politeness {
    /// `--delay`: least time between two request starts to one host.
    pub delay: Duration,
    /// `--rate`: most request starts per second to one host.
    pub rate: Option<f64>,
    /// `--max-host-wait`: the longest one pause (or `Crawl-delay`) may last.
    pub max_host_wait: Duration,
    /// `None` with `--ignore-robots`.
    pub robots: Option<RobotsConfig>,
}

impl Default for Politeness {
    /// No spacing, no robots.txt: what engine-level tests want.
    fn default() -> Self {
        Politeness {
            delay: Duration::ZERO,
            rate: None,
            max_host_wait: Duration::from_secs(60),
            robots: None,
        }
    }
}

impl Politeness {
    /// The spacing the flags ask for, and which flag asks for more.
    fn spacing(&self) -> (Duration, Rule) {
        let by_rate = self
            .rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map_or(Duration::ZERO, |r| Duration::from_secs_f64(1.0 / r));
        match (self.delay.is_zero(), by_rate.is_zero()) {
            (true, true) => (Duration::ZERO, Rule::None),
            _ if by_rate > self.delay => (by_rate, Rule::Rate),
            _ => (self.delay, Rule::Delay),
        }
    }
}

/// What a request waited on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    None,
    PerHostCap,
    /// The per-host cap when it equals the global one: the run's own limit.
    Concurrency,
    Delay,
    Rate,
    CrawlDelay,
    RetryAfter,
    ConnectErrors,
}

const RULES: usize = 8;

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::None => "none",
            Rule::PerHostCap => "per-host cap",
            Rule::Concurrency => "concurrency",
            Rule::Delay => "delay",
            Rule::Rate => "rate",
            Rule::CrawlDelay => "crawl-delay",
            Rule::RetryAfter => "retry-after",
            Rule::ConnectErrors => "connect-errors",
        }
    }
}

/// One host's state.
pub struct Host {
    key: String,
    per_host: usize,
    shared: Option<Arc<dyn SharedGate>>,
    cap: Semaphore,
    cap_rule: Rule,
    max_wait: Duration,
    robots: OnceCell<Arc<Rules>>,
    /// Wakes requests backing off a full shared gate when one of ours ends:
    /// its place is the likeliest to be free next.
    freed: Notify,
    state: Mutex<State>,
}

struct State {
    interval: Duration,
    interval_rule: Rule,
    next_start: Option<Instant>,
    paused_until: Option<Instant>,
    /// The shared gate's last "not before", and what it waited on.
    shared_until: Option<(Instant, Rule)>,
    /// [`Refused::Full`] answers in a row, for the back-off.
    shared_refusals: u32,
    /// When the current (or last) pause began.
    pause_start: Option<Instant>,
    pause_rule: Rule,
    connect_failures: u32,
    connect_bursts: u32,
    requests: u64,
    errors: u64,
    paused: Duration,
    waited: [Duration; RULES],
}

impl Host {
    pub fn new(key: String, per_host: usize, cap_rule: Rule, politeness: &Politeness) -> Host {
        let (interval, interval_rule) = politeness.spacing();
        Host {
            key,
            per_host: per_host.max(1),
            shared: None,
            cap: Semaphore::new(per_host.max(1)),
            cap_rule,
            max_wait: politeness.max_host_wait,
            robots: OnceCell::new(),
            freed: Notify::new(),
            state: Mutex::new(State {
                interval,
                interval_rule,
                next_start: None,
                paused_until: None,
                shared_until: None,
                shared_refusals: 0,
                pause_start: None,
                pause_rule: Rule::None,
                connect_failures: 0,
                connect_bursts: 0,
                requests: 0,
                errors: 0,
                paused: Duration::ZERO,
                waited: [Duration::ZERO; RULES],
            }),
        }
    }

    /// Asks `gate` too before each start, and leaves the spacing to it.
    pub fn with_shared(mut self, gate: Option<Arc<dyn SharedGate>>) -> Host {
        self.shared = gate;
        self
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it; a poisoned lock still has sound counters.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place among this host's requests in flight.
    pub async fn acquire_cap(&self) -> SemaphorePermit<'_> {
        let start = Instant::now();
        let permit = self
            .cap
            .acquire()
            .await
            .expect("host semaphore is never closed");
        self.state().waited[self.cap_rule as usize] += start.elapsed();
        permit
    }

    /// Sleeps until the host is neither paused nor inside its spacing.
    /// Another request may still take the turn first: [`Host::try_start`]
    /// is the decision.
    pub async fn wait_turn(&self) {
        loop {
            // Registered before the check, so a wake-up in between counts;
            // only with a shared gate (a local run pays nothing for it).
            let freed = self.freed.notified();
            tokio::pin!(freed);
            if self.shared.is_some() {
                freed.as_mut().enable();
            }
            let now = Instant::now();
            let Some((at, rule)) = self.state().blocked_until(now) else {
                return;
            };
            if self.shared.is_some() {
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = &mut freed => {}
                }
            } else {
                tokio::time::sleep_until(at).await;
            }
            self.state().waited[rule as usize] += Instant::now() - now;
        }
    }

    /// Starts a request now if the host allows it, moving its clock on.
    pub fn try_start(&self) -> bool {
        let now = Instant::now();
        let mut s = self.state();
        if s.blocked_until(now).is_some() {
            return false;
        }
        if !s.interval.is_zero() && self.shared.is_none() {
            s.next_start = Some(now + s.interval);
        }
        s.requests += 1;
        true
    }

    /// Learns from one attempt's outcome: a response clears the connect
    /// failure count; a 429/503 with `Retry-After` or a burst of connect
    /// failures pauses the whole host.
    pub fn after_attempt(&self, error: Option<&FetchError>) {
        let now = Instant::now();
        let mut s = self.state();
        match error {
            Some(FetchError::Connect(_) | FetchError::ConnectTimeout(_)) => {
                s.connect_failures += 1;
                if s.connect_failures >= CONNECT_BURST {
                    let wait = CONNECT_PAUSE.saturating_mul(1 << s.connect_bursts.min(16));
                    s.connect_failures = 0;
                    s.connect_bursts += 1;
                    s.pause(now, wait.min(self.max_wait), Rule::ConnectErrors);
                    tracing::warn!(host = %self.key, ?wait, "connect errors in a row: pausing the host");
                }
            }
            Some(FetchError::HttpStatus {
                status: 429 | 503,
                retry_after: Some(wait),
            }) => {
                s.reset_connect();
                let wait = (*wait).min(self.max_wait);
                s.pause(now, wait, Rule::RetryAfter);
                tracing::info!(host = %self.key, ?wait, "Retry-After: pausing the host");
            }
            Some(FetchError::Dns(_) | FetchError::Tls(_) | FetchError::Timeout(_)) => {}
            _ => s.reset_connect(),
        }
    }

    /// Counts a distinct URL of this host that ended in an error.
    pub fn count_error(&self) {
        self.state().errors += 1;
    }

    /// The host's robots.txt rules, fetched by `fetch` on first use. Callers
    /// arriving while the fetch runs wait for it: one fetch per host, not one
    /// per concurrent first request. A `Crawl-delay` becomes a floor on the
    /// host's spacing (capped by `--max-host-wait`).
    pub async fn robots<F, Fut>(&self, fetch: F) -> Arc<Rules>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Rules>,
    {
        self.robots
            .get_or_init(|| async {
                self.state().requests += 1;
                let rules = fetch().await;
                if let Some(delay) = rules.crawl_delay() {
                    let delay = delay.min(self.max_wait);
                    let mut s = self.state();
                    if delay > s.interval {
                        s.interval = delay;
                        s.interval_rule = Rule::CrawlDelay;
                    }
                }
                Arc::new(rules)
            })
            .await
            .clone()
    }

    /// Whether robots.txt lets us fetch `url`, fetching the host's file on
    /// first use. That fetch is a request like any other: it takes a `global`
    /// slot, or a list of many new hosts would fetch all their robots.txt
    /// files at once.
    pub async fn robots_check(
        &self,
        url: &Url,
        fetcher: &Fetcher,
        global: &Semaphore,
        cfg: &RobotsConfig,
    ) -> Result<(), Refusal> {
        let rules = self
            .robots(|| async {
                let _slot = global.acquire().await;
                fetch_rules(fetcher, url, cfg).await
            })
            .await;
        rules.check(url)
    }

    /// Still pacing or paused: forgetting it now would lose a promise.
    fn is_waiting(&self) -> bool {
        self.state().blocked_until(Instant::now()).is_some()
    }

    /// The host's line of the summary. `paced_by` names the strictest rule
    /// that held the host back: a pause if there was one (the server asked
    /// us to stop), else the spacing rule if requests waited for it, else
    /// the cap if they waited for that. Ranked, not timed: requests queued
    /// on the cap behind one that waits out a pause are held by the pause.
    pub fn summary(&self) -> HostSummary {
        let s = self.state();
        let now = Instant::now();
        let waited = |rule: Rule| s.waited[rule as usize];
        let spacing = [Rule::Delay, Rule::Rate, Rule::CrawlDelay]
            .into_iter()
            .filter(|r| !waited(*r).is_zero())
            .max_by_key(|r| waited(*r));
        let paced_by = if !s.paused_so_far(now).is_zero() {
            s.pause_rule
        } else if let Some(rule) = spacing {
            rule
        } else if !waited(self.cap_rule).is_zero() {
            self.cap_rule
        } else {
            Rule::None
        };
        HostSummary {
            host: self.key.clone(),
            requests: s.requests,
            errors: s.errors,
            paused_ms: round1(s.paused_so_far(now).as_secs_f64() * 1000.0),
            paced_by: paced_by.name().into(),
        }
    }
}

impl State {
    /// When the host may next start a request, and why not before; `None`
    /// when it may start now.
    fn blocked_until(&self, now: Instant) -> Option<(Instant, Rule)> {
        let spacing = self.next_start.map(|t| (t, self.interval_rule));
        let pause = self.paused_until.map(|t| (t, self.pause_rule));
        [spacing, pause, self.shared_until]
            .into_iter()
            .flatten()
            .filter(|(t, _)| *t > now)
            .max_by_key(|(t, _)| *t)
    }

    /// Pauses the host until `now + wait`, unless a longer pause already
    /// runs (then that one stands); overlapping pauses count once.
    fn pause(&mut self, now: Instant, wait: Duration, rule: Rule) {
        let until = now + wait;
        match self.paused_until {
            Some(end) if end > now => {
                if until > end {
                    self.paused_until = Some(until);
                    self.pause_rule = rule;
                }
            }
            _ => {
                if let (Some(start), Some(end)) = (self.pause_start, self.paused_until) {
                    self.paused += end.saturating_duration_since(start);
                }
                self.pause_start = Some(now);
                self.paused_until = Some(until);
                self.pause_rule = rule;
            }
        }
    }

    /// Time paused up to `now`: a pause still running counts as far as it
    /// got (a run interrupted during a long pause did not wait all of it).
    fn paused_so_far(&self, now: Instant) -> Duration {
        let current = match (self.pause_start, self.paused_until) {
            (Some(start), Some(end)) => end.min(now).saturating_duration_since(start),
            _ => Duration::ZERO,
        };
        self.paused + current
    }

    fn reset_connect(&mut self) {
        self.connect_failures = 0;
        self.connect_bursts = 0;
    }
}

/// All hosts of a run.
pub struct Hosts {
    per_host: usize,
    shared: Option<Arc<dyn SharedGate>>,
    cap_rule: Rule,
    politeness: Politeness,
    live: Mutex<HashMap<String, Arc<Host>>>,
    report: Mutex<Report>,
}

/// What the summary says about hosts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostsReport {
    /// The busiest hosts, most requests first.
    pub hosts: Vec<HostSummary>,
    /// The others, summed.
    pub other: Option<OtherHosts>,
}

type Report = HostsReport;

impl Hosts {
    pub fn new(per_host: usize, concurrency: usize, politeness: Politeness) -> Hosts {
        Hosts {
            per_host,
            shared: None,
            cap_rule: if per_host < concurrency {
                Rule::PerHostCap
            } else {
                Rule::Concurrency
            },
            politeness,
            live: Mutex::new(HashMap::new()),
            report: Mutex::new(Report::default()),
        }
    }

    /// Every host also asks `gate` (see [`SharedGate`]).
    pub fn with_shared(mut self, gate: Arc<dyn SharedGate>) -> Hosts {
        self.shared = Some(gate);
        self
    }

    pub fn politeness(&self) -> &Politeness {
        &self.politeness
    }

    /// The state of `url`'s host, created on first use.
    pub fn get(&self, url: &Url) -> Arc<Host> {
        let key = host_key(url);
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if live.len() >= LIVE_HOSTS && !live.contains_key(&key) {
            let mut report = self.report.lock().unwrap_or_else(|e| e.into_inner());
            live.retain(|_, h| {
                let keep = Arc::strong_count(h) > 1 || h.is_waiting();
                if !keep {
                    fold(&mut report, h.summary());
                }
                keep
            });
        }
        live.entry(key)
            .or_insert_with_key(|key| {
                let host = Host::new(key.clone(), self.per_host, self.cap_rule, &self.politeness);
                Arc::new(host.with_shared(self.shared.clone()))
            })
            .clone()
    }

    /// The hosts' report so far: the forgotten ones and the live ones.
    pub fn report(&self) -> HostsReport {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let mut report = self
            .report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for host in live.values() {
            fold(&mut report, host.summary());
        }
        report
            .hosts
            .sort_by(|a, b| b.requests.cmp(&a.requests).then(a.host.cmp(&b.host)));
        report
    }
}

/// `scheme://host:port`: what robots.txt, pacing and the caps are per.
pub fn host_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// Adds one host's summary to the report, keeping at most
/// [`REPORTED_HOSTS`] listed; the least busy go to `other`.
fn fold(report: &mut Report, s: HostSummary) {
    if let Some(known) = report.hosts.iter_mut().find(|h| h.host == s.host) {
        known.requests += s.requests;
        known.errors += s.errors;
        known.paused_ms = round1(known.paused_ms + s.paused_ms);
        if known.paced_by == Rule::None.name() {
            known.paced_by = s.paced_by;
        }
        return;
    }
    report.hosts.push(s);
    if report.hosts.len() > REPORTED_HOSTS {
        let least = report
            .hosts
            .iter()
            .enumerate()
            .min_by_key(|(_, h)| h.requests)
            .map_or(0, |(i, _)| i);
        let gone = report.hosts.swap_remove(least);
        let other = report.other.get_or_insert_with(OtherHosts::default);
        other.hosts += 1;
        other.requests += gone.requests;
        other.errors += gone.errors;
        other.paused_ms = round1(other.paused_ms + gone.paused_ms);
    }
}

#[cfg(test)]
mod tests;
