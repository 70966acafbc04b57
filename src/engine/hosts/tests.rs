//! Per-host spacing, pauses, robots.txt caching and the bounded report, on
//! tokio's paused clock: every wait is exact and takes no real time.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::time::Instant;

use super::*;
use crate::engine::request_slots;

fn politeness(delay_ms: u64, rate: Option<f64>) -> Politeness {
    Politeness {
        delay: Duration::from_millis(delay_ms),
        rate,
        max_host_wait: Duration::from_secs(30),
        robots: None,
    }
}

fn host(p: &Politeness, per_host: usize) -> Host {
    Host::new("http://h:80".into(), per_host, Rule::PerHostCap, p)
}

/// Starts `n` requests through the engine's slot order, one after another
/// (each releasing its slots at once), and returns when each started.
async fn starts(host: &Host, n: usize) -> Vec<Duration> {
    let t0 = Instant::now();
    let global = Semaphore::new(8);
    let backlog = Arc::new(Semaphore::new(8));
    let mut at = Vec::new();
    for _ in 0..n {
        let slots = request_slots(host, &backlog, &global, None).await;
        at.push(t0.elapsed());
        drop(slots);
    }
    at
}

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|m| Duration::from_millis(*m)).collect()
}

#[tokio::test(start_paused = true)]
async fn delay_spaces_request_starts_exactly() {
    let h = host(&politeness(2000, None), 4);
    assert_eq!(starts(&h, 3).await, ms(&[0, 2000, 4000]));
    assert_eq!(h.summary().paced_by, "delay");
}

#[tokio::test(start_paused = true)]
async fn rate_wins_when_it_asks_for_more_spacing_than_delay() {
    let h = host(&politeness(100, Some(4.0)), 4);
    assert_eq!(starts(&h, 3).await, ms(&[0, 250, 500]));
    assert_eq!(h.summary().paced_by, "rate");
    let free = host(&politeness(0, None), 4);
    assert_eq!(starts(&free, 3).await, ms(&[0, 0, 0]));
    assert_eq!(free.summary().paced_by, "none");
}

/// Concurrent requests to a spaced host still start one interval apart:
/// the start is claimed only with the global slot held.
#[tokio::test(start_paused = true)]
async fn concurrent_waiters_keep_the_spacing() {
    let h = Arc::new(host(&politeness(500, None), 8));
    let global = Arc::new(Semaphore::new(8));
    let backlog = Arc::new(Semaphore::new(8));
    let t0 = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (h, global, backlog) = (h.clone(), global.clone(), backlog.clone());
        tasks.spawn(async move {
            let _slots = request_slots(&h, &backlog, &global, None).await;
            let at = t0.elapsed();
            // Held for a while, as a request would be.
            tokio::time::sleep(Duration::from_millis(50)).await;
            at
        });
    }
    let mut at: Vec<Duration> = tasks.join_all().await;
    at.sort();
    assert_eq!(at, ms(&[0, 500, 1000, 1500]));
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_the_whole_host_capped_by_max_host_wait() {
    let p = politeness(0, None);
    let (a, b) = (host(&p, 4), host(&p, 4));
    let t0 = Instant::now();
    a.after_attempt(Some(&FetchError::HttpStatus {
        status: 429,
        retry_after: Some(Duration::from_secs(5)),
    }));
    let global = Semaphore::new(8);
    let backlog = Arc::new(Semaphore::new(8));
    // The other host is not held up at all.
    drop(request_slots(&b, &backlog, &global, None).await);
    assert_eq!(t0.elapsed(), Duration::ZERO);
    drop(request_slots(&a, &backlog, &global, None).await);
    assert_eq!(t0.elapsed(), Duration::from_secs(5));
    let s = a.summary();
    assert_eq!((s.paced_by.as_str(), s.paused_ms), ("retry-after", 5000.0));
    assert_eq!(b.summary().paused_ms, 0.0);

    // An hour is cut to --max-host-wait (30 s here).
    let t1 = Instant::now();
    a.after_attempt(Some(&FetchError::HttpStatus {
        status: 503,
        retry_after: Some(Duration::from_secs(3600)),
    }));
    drop(request_slots(&a, &backlog, &global, None).await);
    assert_eq!(t1.elapsed(), Duration::from_secs(30));
    assert_eq!(a.summary().paused_ms, 35_000.0);
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_connect_errors_pauses_the_host_and_a_response_resets_it() {
    let h = host(&politeness(0, None), 4);
    let refused = FetchError::Connect("refused".into());
    for _ in 0..CONNECT_BURST - 1 {
        h.after_attempt(Some(&refused));
    }
    // A response in between: the count starts again.
    h.after_attempt(None);
    for _ in 0..CONNECT_BURST - 1 {
        h.after_attempt(Some(&refused));
    }
    assert_eq!(h.summary().paused_ms, 0.0, "no burst yet");
    h.after_attempt(Some(&refused));
    let t0 = Instant::now();
    drop(starts(&h, 1).await);
    assert_eq!(t0.elapsed(), CONNECT_PAUSE);
    // The next burst pauses twice as long.
    for _ in 0..CONNECT_BURST {
        h.after_attempt(Some(&refused));
    }
    let t1 = Instant::now();
    drop(starts(&h, 1).await);
    assert_eq!(t1.elapsed(), CONNECT_PAUSE * 2);
    assert_eq!(h.summary().paced_by, "connect-errors");
}

#[tokio::test(start_paused = true)]
async fn robots_is_fetched_once_and_its_crawl_delay_is_a_floor() {
    let h = Arc::new(host(&politeness(1000, None), 8));
    let fetches = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let (h, fetches) = (h.clone(), fetches.clone());
        tasks.spawn(async move {
            h.robots(|| async {
                fetches.fetch_add(1, Ordering::SeqCst);
                // A slow robots.txt: the other four first requests wait for it.
                tokio::time::sleep(Duration::from_millis(300)).await;
                Rules::from_fetch(
                    Ok((200, b"User-agent: *\nCrawl-delay: 3\n".to_vec())),
                    "scrape",
                )
            })
            .await
        });
    }
    let rules = tasks.join_all().await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert!(rules.iter().all(|r| Arc::ptr_eq(r, &rules[0])));
    assert_eq!(starts(&h, 3).await, ms(&[0, 3000, 6000]));
    let s = h.summary();
    assert_eq!((s.paced_by.as_str(), s.requests), ("crawl-delay", 4));

    // A Crawl-delay of a day is cut to --max-host-wait.
    let slow = host(&politeness(0, None), 1);
    slow.robots(|| async { Rules::from_fetch(Ok((200, b"Crawl-delay: 86400".to_vec())), "x") })
        .await;
    assert_eq!(starts(&slow, 2).await, ms(&[0, 30_000]));
}

#[test]
fn the_report_lists_the_busiest_hosts_and_sums_the_rest() {
    let hosts = Hosts::new(2, 4, politeness(0, None));
    let n = REPORTED_HOSTS + 5;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    for i in 0..n {
        let url = Url::parse(&format!("http://h{i}.example/")).unwrap();
        let h = hosts.get(&url);
        // Host i makes i + 1 requests.
        for _ in 0..=i {
            rt.block_on(async { drop(starts(&h, 1).await) });
        }
    }
    let report = hosts.report();
    assert_eq!(report.hosts.len(), REPORTED_HOSTS);
    assert_eq!(
        report.hosts[0].host,
        format!("http://h{}.example:80", n - 1)
    );
    assert_eq!(report.hosts[0].requests, n as u64);
    let other = report.other.unwrap();
    assert_eq!((other.hosts, other.requests), (5, 1 + 2 + 3 + 4 + 5));
}

#[test]
fn idle_hosts_are_forgotten_past_the_live_limit_but_still_counted() {
    let hosts = Hosts::new(1, 1, politeness(0, None));
    for i in 0..LIVE_HOSTS + 10 {
        let url = Url::parse(&format!("http://h{i}.example/")).unwrap();
        let h = hosts.get(&url);
        assert!(h.try_start());
    }
    let live = hosts.live.lock().unwrap().len();
    assert!(live <= 11, "{live} hosts kept");
    let report = hosts.report();
    let listed: u64 = report.hosts.iter().map(|h| h.requests).sum();
    let other = report.other.map_or(0, |o| o.requests);
    assert_eq!(listed + other, (LIVE_HOSTS + 10) as u64);
}

/// Requests waiting out one host's pause hold none of the backlog places
/// all hosts share: another host's request gets one at once.
#[tokio::test(start_paused = true)]
async fn a_paused_host_holds_no_shared_slot() {
    let p = politeness(0, None);
    let (a, b) = (Arc::new(host(&p, 4)), host(&p, 4));
    a.after_attempt(Some(&FetchError::HttpStatus {
        status: 429,
        retry_after: Some(Duration::from_secs(10)),
    }));
    let global = Arc::new(Semaphore::new(2));
    let backlog = Arc::new(Semaphore::new(2));
    let mut waiting = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (a, global, backlog) = (a.clone(), global.clone(), backlog.clone());
        waiting.spawn(async move {
            drop(request_slots(&a, &backlog, &global, None).await);
        });
    }
    tokio::task::yield_now().await;
    assert_eq!(backlog.available_permits(), 2);
    let t0 = Instant::now();
    drop(request_slots(&b, &backlog, &global, None).await);
    assert_eq!(t0.elapsed(), Duration::ZERO);
    waiting.join_all().await;
    assert_eq!(t0.elapsed(), Duration::from_secs(10));
}

/// Two processes' view of one host, in-process: a cap and a next-start
/// clock shared by several `Host`s, kept as the cluster's Redis script
/// keeps them (on tokio's paused clock here).
#[derive(Default)]
struct OneGate {
    state: Arc<Mutex<GateState>>,
}

#[derive(Default)]
struct GateState {
    in_flight: usize,
    peak: usize,
    next: Option<Instant>,
    asked: usize,
}

struct Place(Arc<Mutex<GateState>>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.lock().unwrap().in_flight -= 1;
    }
}

impl SharedGate for OneGate {
    fn try_start<'a>(&'a self, _host: &'a str, cap: usize, interval: Duration) -> GateFuture<'a> {
        Box::pin(async move {
            let now = Instant::now();
            let mut s = self.state.lock().unwrap();
            s.asked += 1;
            if s.in_flight >= cap {
                return Err(Refused::Full);
            }
            if let Some(next) = s.next.filter(|n| *n > now) {
                return Err(Refused::Spacing(next - now));
            }
            if !interval.is_zero() {
                s.next = Some(now + interval);
            }
            s.in_flight += 1;
            s.peak = s.peak.max(s.in_flight);
            Ok(Lease::new(Place(self.state.clone())))
        })
    }
}

/// Runs `per_worker` requests (each held `hold`) on each of two hosts that
/// share `gate`, as two workers would; returns when each request started.
async fn two_workers(
    gate: &Arc<OneGate>,
    p: &Politeness,
    per_worker: usize,
    hold: Duration,
) -> (Vec<Duration>, [Arc<Host>; 2]) {
    let shared: Arc<dyn SharedGate> = gate.clone();
    let hosts = [0, 1].map(|_| Arc::new(host(p, 2).with_shared(Some(shared.clone()))));
    let t0 = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for h in &hosts {
        let (global, backlog) = (Arc::new(Semaphore::new(8)), Arc::new(Semaphore::new(8)));
        for _ in 0..per_worker {
            let (h, global, backlog) = (h.clone(), global.clone(), backlog.clone());
            tasks.spawn(async move {
                let _slots = request_slots(&h, &backlog, &global, None).await;
                let at = t0.elapsed();
                tokio::time::sleep(hold).await;
                at
            });
        }
    }
    let mut at: Vec<Duration> = tasks.join_all().await;
    at.sort();
    (at, hosts)
}

#[tokio::test(start_paused = true)]
async fn a_shared_gate_caps_the_host_across_processes_and_backs_off() {
    let gate = Arc::new(OneGate::default());
    let hold = Duration::from_millis(100);
    // Each host alone allows 2: together 4 without the gate.
    let (at, hosts) = two_workers(&gate, &politeness(0, None), 4, hold).await;
    let s = gate.state.lock().unwrap();
    assert_eq!((s.peak, s.in_flight), (2, 0));
    // Two at a time, 100 ms each: 8 requests take four rounds, and the
    // back-off (2 ms doubling, 50 ms at most, jittered) asks a bounded
    // number of times, not once per poll of a spinning loop.
    assert!(at[7] >= 3 * hold && at[7] < 4 * hold, "{at:?}");
    assert!(s.asked < 8 * 4, "asked {} times", s.asked);
    assert!(hosts.iter().any(|h| h.summary().paced_by == "per-host cap"));
}

#[tokio::test(start_paused = true)]
async fn a_shared_gate_spaces_starts_across_processes_exactly() {
    let gate = Arc::new(OneGate::default());
    let p = politeness(100, None);
    let (at, hosts) = two_workers(&gate, &p, 3, Duration::from_millis(10)).await;
    // One clock for both: each local host alone would start at 0 too.
    assert_eq!(at, ms(&[0, 100, 200, 300, 400, 500]));
    for h in &hosts {
        assert_eq!(h.summary().paced_by, "delay");
    }
}
