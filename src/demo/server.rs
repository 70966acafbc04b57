//! The shop's HTTP/1.1 server: listeners, counters and lifecycle (one
//! connection's requests are `connection`'s).
//!
//! Written directly on tokio `TcpListener` with `httparse` for request heads,
//! not on hyper: the fault routes need byte-level control that hyper cannot
//! give on demand (a reset instead of a response, a body shorter than its
//! `Content-Length`, a gzip bomb with a lying size, a drip of a few bytes).
//! Keep-alive, GET and HEAD only; anything unparsable gets a 400.
//!
//! Routes (what each one does is in `routes`):
//! ```text
//! /                          index page linking to products
//! /product/{n}               product page n (markup, charset, price from pages::product_page)
//! /status/{code}             that status with a small HTML body
//! /429?retry_after=SECS      429 with Retry-After: SECS (default 1), every time
//! /flaky/{key}               503 for the first two requests per key, then a product page
//! /flaky429/{key}            429 with Retry-After: 1 once per key, then a product page
//! /hang                      never responds (until the client leaves or the shop stops)
//! /drip?bytes=N&every_ms=M&chunk=K   valid HTML, K bytes every M ms (default 10000, 200, 10)
//! /huge?mb=N                 N MiB of valid HTML with Content-Length (default 64)
//! /huge-nolen?mb=N           the same, delimited by connection close
//! /bomb                      gzip bomb: ~256 KiB on the wire, 256 MiB decoded
//! /redirect/{n}              302 to /redirect/{n-1}; /redirect/0 goes to /product/1
//! /redirect-loop             302 to itself
//! /redirect-file             302 to file:///etc/passwd
//! /not-html                  application/json
//! /image.png                 image/png
//! /bad-charset               says utf-8, holds latin-1 bytes; JSON-LD price 24.50 EUR
//! /truncated                 Content-Length 50000, ~1000 bytes, then close
//! /reset                     reads the request, then resets the connection
//! /charset/{label}           page in that encoding, charset only in the header
//! /charset-meta/{label}      page in that encoding, charset only in <meta>
//! /bom                       UTF-8 with BOM, header says iso-8859-1 (the BOM wins)
//! /headers                   product page 1; records the request's headers (ShopHandle::seen_headers)
//!                             (/robots.txt records them too)
//! /robots.txt                ShopConfig::robots (default: allow all), without latency
//! ```
//! Any route but the streaming faults (hang, drip, huge, bomb, truncated,
//! reset) and robots.txt waits `latency + uniform(0..=jitter)` first; `?delay_ms=N` on any
//! of them overrides that for one request.
//!
//! With a `capacity` of N, at most N requests are *served* (latency wait plus
//! response) at once, like a server with N workers: the rest wait in arrival
//! order ([`CapacityMode::Queue`]) or get a 503 at once
//! ([`CapacityMode::Reject`]). This gives benchmarks a known knee.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;

use super::connection::accept_loop;
use super::state::Shared;

/// How the shop behaves.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// Added before every non-streaming response.
    pub latency: Duration,
    /// Uniform random extra latency in `0..=jitter`.
    pub jitter: Duration,
    /// How many ports to listen on (each counts as its own host for per-host caps).
    pub listeners: usize,
    /// At most this many requests served at once across all listeners
    /// (`None`: no limit). Applies to every route, streaming faults included.
    pub capacity: Option<usize>,
    /// What a request beyond `capacity` gets.
    pub capacity_mode: CapacityMode,
    /// What `/robots.txt` answers, on every listener.
    pub robots: RobotsTxt,
}

/// What the shop does with a request that arrives while `capacity` requests
/// are being served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CapacityMode {
    /// Wait for a free slot, first come first served (tokio's semaphore is fair).
    #[default]
    Queue,
    /// Answer `503 Service Unavailable` with `Retry-After: 1` at once.
    Reject,
}

/// What the shop answers on `/robots.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsTxt {
    /// 200, `text/plain`, this body.
    Body(String),
    /// This status with a small HTML body (a 404: no file; a 503: down).
    Status(u16),
}

impl RobotsTxt {
    /// Allows every path to every agent.
    pub fn allow_all() -> RobotsTxt {
        RobotsTxt::Body("User-agent: *\nAllow: /\n".into())
    }
}

impl Default for ShopConfig {
    fn default() -> Self {
        ShopConfig {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            listeners: 1,
            capacity: None,
            capacity_mode: CapacityMode::Queue,
            robots: RobotsTxt::allow_all(),
        }
    }
}

/// Counters for one listening port.
#[derive(Debug, Clone, Default)]
pub struct ListenerStats {
    pub addr: Option<SocketAddr>,
    pub requests: u64,
    pub in_flight: usize,
    pub peak_in_flight: usize,
    /// When its latest requests began (head parsed), oldest first; at most
    /// `demo::MAX_STARTS`: what pacing tests measure gaps on.
    pub starts: Vec<Instant>,
}

/// Counters across the shop.
#[derive(Debug, Clone, Default)]
pub struct ShopStats {
    /// Request heads parsed, across all listeners.
    pub requests: u64,
    /// Requests between head parsed and response written (or connection gone).
    pub in_flight: usize,
    pub peak_in_flight: usize,
    /// Requests holding a capacity slot (in their latency wait or response):
    /// `in_flight` minus those queued for a slot. Equals `in_flight` without
    /// a capacity.
    pub serving: usize,
    pub peak_serving: usize,
    /// Requests answered 503 because the shop was at capacity (reject mode).
    pub rejected: u64,
    pub per_listener: Vec<ListenerStats>,
    /// Hits per request path (without query). At most `demo::MAX_TRACKED_PATHS`
    /// distinct paths are kept; the rest count under `"<other>"`.
    pub hits: HashMap<String, u64>,
    /// Connections accepted.
    pub connections: u64,
}

impl ShopStats {
    /// Requests for anything but `/robots.txt`: what tests that count the
    /// pages a run fetched compare (robots.txt is fetched once per host).
    pub fn page_requests(&self) -> u64 {
        self.requests - self.hits.get("/robots.txt").copied().unwrap_or(0)
    }
}

/// Addresses and counters of a running shop: the part tests and callers use,
/// whether the shop runs on their runtime ([`Shop`]) or its own ([`BackgroundShop`]).
pub struct ShopHandle {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
}

impl ShopHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }
    /// `base_url()` + `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }
    pub fn product_url(&self, n: u64) -> String {
        format!("{}/product/{n}", self.base_url())
    }
    pub fn stats(&self) -> ShopStats {
        self.shared.stats()
    }
    /// Hits on one path, without copying the whole map.
    pub fn hits(&self, path: &str) -> u64 {
        self.shared.hits(path)
    }
    /// Sets every peak to the current in-flight count (between phases of a test).
    pub fn reset_peaks(&self) {
        self.shared.reset_peaks()
    }
    /// Product pages from now on use this epoch's prices.
    pub fn set_price_epoch(&self, epoch: u64) {
        self.shared.set_epoch(epoch);
    }
    /// Headers (names lower-cased) of the latest `/headers` and `/robots.txt`
    /// requests, oldest first, each led by `(":path", path)`.
    pub fn seen_headers(&self) -> Vec<Vec<(String, String)>> {
        self.shared.seen_headers()
    }
    /// Messages of handler panics so far (a correct shop has none).
    pub fn panics(&self) -> Vec<String> {
        self.shared.panics()
    }
}

/// A running shop on the current tokio runtime; stops when dropped.
pub struct Shop {
    handle: ShopHandle,
    tasks: TaskTracker,
}

impl std::ops::Deref for Shop {
    type Target = ShopHandle;
    fn deref(&self) -> &ShopHandle {
        &self.handle
    }
}

impl Shop {
    /// Binds `config.listeners` (at least one) ephemeral ports on 127.0.0.1
    /// and starts serving on the current runtime.
    pub async fn start(config: ShopConfig) -> io::Result<Shop> {
        Shop::start_on(config, 0).await
    }

    /// Like `start`, on a fixed port (listener `i` gets `port + i`); port 0
    /// means ephemeral ports. For the standalone example; tests use `start`.
    pub async fn start_on(config: ShopConfig, port: u16) -> io::Result<Shop> {
        let mut bound = Vec::new();
        for i in 0..config.listeners.max(1) {
            let port = if port == 0 {
                0
            } else {
                port.saturating_add(i as u16)
            };
            let listener = TcpListener::bind(("127.0.0.1", port)).await?;
            bound.push((listener.local_addr()?, listener));
        }
        let addrs: Vec<SocketAddr> = bound.iter().map(|(a, _)| *a).collect();
        let shared = Arc::new(Shared::new(config, &addrs));
        let tasks = TaskTracker::new();
        for (index, (_, listener)) in bound.into_iter().enumerate() {
            tasks.spawn(accept_loop(
                Arc::clone(&shared),
                index,
                listener,
                tasks.clone(),
            ));
        }
        Ok(Shop {
            handle: ShopHandle { shared, addrs },
            tasks,
        })
    }
    /// Polls until at least `n` requests are in flight; false if `timeout` passes first.
    pub async fn wait_for_in_flight(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.shared.in_flight() < n {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        true
    }
    /// Stops accepting, cancels every connection and waits for their tasks.
    pub async fn shutdown(self) {
        self.shared.cancel.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        // Tasks see the token at their next poll; `shutdown` is the awaiting variant.
        self.shared.cancel.cancel();
        self.tasks.close();
    }
}

/// A shop on its own thread and runtime, for tests and synchronous callers.
///
/// Dropping it stops the shop and joins the thread; it then panics if any
/// handler panicked (unless the thread is already panicking).
pub struct BackgroundShop {
    handle: ShopHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::ops::Deref for BackgroundShop {
    type Target = ShopHandle;
    fn deref(&self) -> &ShopHandle {
        &self.handle
    }
}

impl BackgroundShop {
    /// Starts the shop on a new thread with a single-threaded runtime and
    /// returns once its ports are bound.
    pub fn start(config: ShopConfig) -> io::Result<BackgroundShop> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("demo-shop".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match Shop::start(config).await {
                        Ok(shop) => {
                            let cancel = shop.shared.cancel.clone();
                            let _ = tx.send(Ok((Arc::clone(&shop.shared), shop.addrs.clone())));
                            cancel.cancelled().await;
                            shop.shutdown().await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })?;
        match rx.recv() {
            Ok(Ok((shared, addrs))) => Ok(BackgroundShop {
                handle: ShopHandle { shared, addrs },
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(io::Error::other("demo shop thread exited before binding"))
            }
        }
    }
    /// Polls until at least `n` requests are in flight; false if `timeout` passes first.
    pub fn wait_for_in_flight(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.shared.in_flight() < n {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }
}

impl Drop for BackgroundShop {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let panics = self.shared.panics();
        if !panics.is_empty() && !std::thread::panicking() {
            panic!("demo shop handler panicked: {panics:?}");
        }
    }
}

#[cfg(test)]
mod tests;
