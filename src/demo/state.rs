//! State every connection of one shop shares: request counters (global and
//! per listener), the capacity slots, hits per path, flaky-route counts, the
//! product page cache and recorded handler panics.
//!
//! Everything here is bounded: a run over a million distinct URLs must not
//! grow the shop. `server` owns the sockets and lifecycle; `routes` reads
//! pages and counts from here.

use std::collections::{HashMap, VecDeque};
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_util::sync::CancellationToken;

use super::pages::{self, Page};
use super::server::{CapacityMode, ListenerStats, ShopConfig, ShopStats};

/// Distinct paths `hits` keeps, so a run over millions of URLs stays bounded.
pub const MAX_TRACKED_PATHS: usize = 100_000;
/// Product pages below this number are cached per epoch (a few tens of MB at most);
/// larger numbers are generated per request.
pub const CACHED_PAGES: u64 = 1024;
/// Flaky keys remembered; further keys are served as if already recovered.
const MAX_FLAKY_KEYS: usize = 100_000;
/// Request start times each listener keeps (the latest ones).
pub const MAX_STARTS: usize = 1024;
/// Header sets `/headers` and `/robots.txt` keep (the latest ones).
const MAX_SEEN_HEADERS: usize = 64;

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    /// When requests began (head parsed), latest [`MAX_STARTS`]; listeners only.
    starts: Mutex<VecDeque<Instant>>,
}

impl Counters {
    fn enter(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }
    fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    fn record_start(&self) {
        let mut starts = self.starts.lock().unwrap_or_else(|e| e.into_inner());
        if starts.len() >= MAX_STARTS {
            starts.pop_front();
        }
        starts.push_back(Instant::now());
    }
    fn reset_peak(&self) {
        self.peak
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

/// A product page ready to send: the full keep-alive response, head included,
/// so the hot path is one `write_all` of shared bytes.
pub(super) struct CachedPage {
    pub response: Vec<u8>,
    pub head_len: usize,
    pub content_type: String,
}

impl CachedPage {
    pub(super) fn new(page: Page) -> CachedPage {
        let mut response = Vec::with_capacity(page.body.len() + 160);
        let _ = write!(
            response,
            "HTTP/1.1 200 OK\r\nServer: scrape-demo\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\n\r\n",
            page.content_type,
            page.body.len()
        );
        let head_len = response.len();
        response.extend_from_slice(&page.body);
        CachedPage {
            response,
            head_len,
            content_type: page.content_type,
        }
    }
    pub(super) fn body(&self) -> &[u8] {
        &self.response[self.head_len..]
    }
}

struct PageCache {
    epoch: u64,
    slots: Box<[OnceLock<Arc<CachedPage>>]>,
}

impl PageCache {
    fn new(epoch: u64) -> PageCache {
        PageCache {
            epoch,
            slots: (0..CACHED_PAGES).map(|_| OnceLock::new()).collect(),
        }
    }
}

/// Everything connections share. Counters are atomics because every request
/// touches them; the maps use `std::sync::Mutex` because their critical
/// sections are a lookup and an add, never across an `.await`.
pub(super) struct Shared {
    config: ShopConfig,
    epoch: AtomicU64,
    global: Counters,
    /// Requests holding a capacity slot (all requests without a capacity).
    serving: Counters,
    /// `config.capacity` slots. A tokio semaphore because waiters queue across
    /// `.await` and it hands permits out in arrival order.
    capacity: Option<Semaphore>,
    rejected: AtomicU64,
    listeners: Vec<(SocketAddr, Counters)>,
    connections: AtomicU64,
    hits: Mutex<HashMap<String, u64>>,
    flaky: Mutex<HashMap<String, u32>>,
    cache: Mutex<Arc<PageCache>>,
    panics: Mutex<Vec<String>>,
    seen_headers: Mutex<Vec<Vec<(String, String)>>>,
    pub(super) cancel: CancellationToken,
}

impl Shared {
    pub(super) fn robots(&self) -> &super::server::RobotsTxt {
        &self.config.robots
    }

    pub(super) fn new(config: ShopConfig, addrs: &[SocketAddr]) -> Shared {
        Shared {
            capacity: config.capacity.map(|n| Semaphore::new(n.max(1))),
            config,
            epoch: AtomicU64::new(0),
            global: Counters::default(),
            serving: Counters::default(),
            rejected: AtomicU64::new(0),
            listeners: addrs.iter().map(|a| (*a, Counters::default())).collect(),
            connections: AtomicU64::new(0),
            hits: Mutex::new(HashMap::new()),
            flaky: Mutex::new(HashMap::new()),
            cache: Mutex::new(Arc::new(PageCache::new(0))),
            panics: Mutex::new(Vec::new()),
            seen_headers: Mutex::new(Vec::new()),
            cancel: CancellationToken::new(),
        }
    }

    pub(super) fn set_epoch(&self, epoch: u64) {
        self.epoch.store(epoch, Ordering::Relaxed);
    }

    pub(super) fn count_connection(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps the first few panic messages for `BackgroundShop`'s drop to report.
    pub(super) fn record_panic(&self, message: String) {
        let mut panics = self.panics.lock().unwrap_or_else(|e| e.into_inner());
        if panics.len() < 16 {
            panics.push(message);
        }
    }

    /// Product page `n` at the current epoch, cached for small `n`.
    pub(super) fn page(&self, n: u64) -> Arc<CachedPage> {
        let epoch = self.epoch.load(Ordering::Relaxed);
        if n >= CACHED_PAGES {
            return Arc::new(CachedPage::new(pages::product_page(n, epoch)));
        }
        let cache = {
            let mut guard = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if guard.epoch != epoch {
                *guard = Arc::new(PageCache::new(epoch));
            }
            Arc::clone(&guard)
        };
        Arc::clone(
            cache.slots[n as usize]
                .get_or_init(|| Arc::new(CachedPage::new(pages::product_page(n, epoch)))),
        )
    }

    /// Counts one request to a flaky key and returns how many came before it.
    pub(super) fn flaky_count(&self, kind: &str, key: &str) -> u32 {
        let mut map = self.flaky.lock().unwrap_or_else(|e| e.into_inner());
        let full = map.len() >= MAX_FLAKY_KEYS;
        let id = format!("{kind}/{key}");
        match map.get_mut(&id) {
            Some(count) => {
                *count = count.saturating_add(1);
                *count - 1
            }
            None if full => u32::MAX,
            None => {
                map.insert(id, 1);
                0
            }
        }
    }

    /// The delay before a non-streaming response.
    pub(super) fn delay(&self, query_delay: Option<u64>) -> Duration {
        if let Some(ms) = query_delay {
            return Duration::from_millis(ms);
        }
        let jitter = self.config.jitter.as_nanos().min(u64::MAX as u128) as u64;
        let extra = if jitter == 0 {
            0
        } else {
            fastrand::u64(0..=jitter)
        };
        self.config.latency + Duration::from_nanos(extra)
    }

    /// Takes a capacity slot for one request: waits for one in queue mode;
    /// `None` in reject mode when all are taken (the request gets a 503).
    pub(super) async fn serve_slot(&self) -> Option<Serving<'_>> {
        let permit = match (&self.capacity, self.config.capacity_mode) {
            (None, _) => None,
            (Some(slots), CapacityMode::Queue) => Some(
                slots
                    .acquire()
                    .await
                    .expect("the capacity semaphore is never closed"),
            ),
            (Some(slots), CapacityMode::Reject) => match slots.try_acquire() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
            },
        };
        self.serving.enter();
        Some(Serving {
            shared: self,
            _permit: permit,
        })
    }

    pub(super) fn count_hit(&self, path: &str) {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = hits.get_mut(path) {
            *count += 1;
        } else if hits.len() < MAX_TRACKED_PATHS {
            hits.insert(path.to_string(), 1);
        } else {
            *hits.entry("<other>".to_string()).or_insert(0) += 1;
        }
    }

    pub(super) fn stats(&self) -> ShopStats {
        ShopStats {
            requests: self.global.requests.load(Ordering::SeqCst),
            in_flight: self.global.in_flight.load(Ordering::SeqCst),
            peak_in_flight: self.global.peak.load(Ordering::SeqCst),
            serving: self.serving.in_flight.load(Ordering::SeqCst),
            peak_serving: self.serving.peak.load(Ordering::SeqCst),
            rejected: self.rejected.load(Ordering::Relaxed),
            per_listener: self
                .listeners
                .iter()
                .map(|(addr, c)| ListenerStats {
                    addr: Some(*addr),
                    requests: c.requests.load(Ordering::SeqCst),
                    in_flight: c.in_flight.load(Ordering::SeqCst),
                    peak_in_flight: c.peak.load(Ordering::SeqCst),
                    starts: c
                        .starts
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .iter()
                        .copied()
                        .collect(),
                })
                .collect(),
            hits: self.hits.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            connections: self.connections.load(Ordering::SeqCst),
        }
    }

    pub(super) fn hits(&self, path: &str) -> u64 {
        self.hits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub(super) fn reset_peaks(&self) {
        self.global.reset_peak();
        self.serving.reset_peak();
        for (_, c) in &self.listeners {
            c.reset_peak();
        }
    }

    pub(super) fn in_flight(&self) -> usize {
        self.global.in_flight.load(Ordering::SeqCst)
    }

    /// Keeps the headers of one `/headers` or `/robots.txt` request (the
    /// latest few only), led by a `:path` pseudo-header saying which.
    pub(super) fn record_headers(&self, path: &str, mut headers: Vec<(String, String)>) {
        headers.insert(0, (":path".to_string(), path.to_string()));
        let mut seen = self
            .seen_headers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() == MAX_SEEN_HEADERS {
            seen.remove(0);
        }
        seen.push(headers);
    }

    pub(super) fn seen_headers(&self) -> Vec<Vec<(String, String)>> {
        self.seen_headers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(super) fn panics(&self) -> Vec<String> {
        self.panics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Holds one request "in flight" for the global and the listener counters,
/// until dropped — also when the connection task is cancelled mid-response.
pub(super) struct InFlight<'a> {
    shared: &'a Shared,
    listener: usize,
}

impl<'a> InFlight<'a> {
    pub(super) fn enter(shared: &'a Shared, listener: usize) -> Self {
        shared.global.enter();
        shared.listeners[listener].1.enter();
        shared.listeners[listener].1.record_start();
        InFlight { shared, listener }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.shared.global.leave();
        self.shared.listeners[self.listener].1.leave();
    }
}

/// One request's capacity slot and its place in the `serving` counter, both
/// given back when dropped (also when the connection is cancelled).
pub(super) struct Serving<'a> {
    shared: &'a Shared,
    _permit: Option<SemaphorePermit<'a>>,
}

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.shared.serving.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        let addr: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        Shared::new(ShopConfig::default(), &[addr])
    }

    #[test]
    fn hit_map_stays_bounded() {
        let s = shared();
        for i in 0..MAX_TRACKED_PATHS + 10 {
            s.count_hit(&format!("/product/{i}"));
        }
        s.count_hit("/product/0");
        let hits = s.stats().hits;
        assert_eq!(hits.len(), MAX_TRACKED_PATHS + 1);
        assert_eq!(hits.get("<other>"), Some(&10));
        assert_eq!(hits.get("/product/0"), Some(&2));
    }

    #[test]
    fn flaky_counts_per_kind_and_key() {
        let s = shared();
        assert_eq!(s.flaky_count("503", "a"), 0);
        assert_eq!(s.flaky_count("503", "a"), 1);
        assert_eq!(s.flaky_count("429", "a"), 0);
        assert_eq!(s.flaky_count("503", "b"), 0);
    }

    #[test]
    fn page_cache_follows_the_epoch() {
        let s = shared();
        let a = s.page(5);
        assert!(Arc::ptr_eq(&a, &s.page(5)), "cached");
        s.set_epoch(2);
        assert_eq!(s.page(5).body(), &pages::product_page(5, 2).body[..]);
        assert_eq!(
            s.page(CACHED_PAGES + 1).body(),
            &pages::product_page(CACHED_PAGES + 1, 2).body[..]
        );
    }
}
