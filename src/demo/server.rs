//! The shop's HTTP/1.1 server: listeners, connections, counters and lifecycle.
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
//! ```
//! Any route but the streaming faults (hang, drip, huge, bomb, truncated,
//! reset) waits `latency + uniform(0..=jitter)` first; `?delay_ms=N` on any
//! of them overrides that for one request.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::task::TaskTracker;

use super::routes;
use super::state::{InFlight, Shared};

/// How the shop behaves.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// Added before every non-streaming response.
    pub latency: Duration,
    /// Uniform random extra latency in `0..=jitter`.
    pub jitter: Duration,
    /// How many ports to listen on (each counts as its own host for per-host caps).
    pub listeners: usize,
}

impl Default for ShopConfig {
    fn default() -> Self {
        ShopConfig {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            listeners: 1,
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
}

/// Counters across the shop.
#[derive(Debug, Clone, Default)]
pub struct ShopStats {
    /// Request heads parsed, across all listeners.
    pub requests: u64,
    /// Requests between head parsed and response written (or connection gone).
    pub in_flight: usize,
    pub peak_in_flight: usize,
    pub per_listener: Vec<ListenerStats>,
    /// Hits per request path (without query). At most `demo::MAX_TRACKED_PATHS`
    /// distinct paths are kept; the rest count under `"<other>"`.
    pub hits: HashMap<String, u64>,
    /// Connections accepted.
    pub connections: u64,
}

/// Request heads larger than this are refused.
const MAX_HEAD: usize = 64 * 1024;
/// Request bodies larger than this are refused (the shop only serves GET/HEAD).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// The parts of a request head the routes need, owned so the read buffer is free.
pub(super) struct Request {
    pub head_only: bool,
    /// Path and query, origin-form.
    pub target: String,
    /// The client asked for (or its HTTP version implies) `Connection: close`.
    pub close: bool,
}

impl Request {
    pub(super) fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }
    /// Value of query parameter `name`, if present.
    pub(super) fn query(&self, name: &str) -> Option<&str> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then_some(v)
        })
    }
    pub(super) fn query_u64(&self, name: &str) -> Option<u64> {
        self.query(name)?.parse().ok()
    }
}

/// What the connection does after a response.
pub(super) enum Flow {
    KeepAlive,
    /// Close cleanly (FIN).
    Close,
    /// Drop the socket as is (after `/reset` set a zero linger: RST).
    Abort,
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

async fn accept_loop(shared: Arc<Shared>, index: usize, listener: TcpListener, tasks: TaskTracker) {
    loop {
        let accepted = tokio::select! {
            _ = shared.cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                shared.count_connection();
                let _ = stream.set_nodelay(true);
                tasks.spawn(connection(Arc::clone(&shared), index, stream));
            }
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("demo shop accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Serves one connection until it closes, the shop stops, or a handler
/// panics (recorded, so `BackgroundShop`'s drop can fail the test).
async fn connection(shared: Arc<Shared>, listener: usize, stream: TcpStream) {
    let cancel = shared.cancel.clone();
    let served = AssertUnwindSafe(serve(&shared, listener, stream)).catch_unwind();
    tokio::select! {
        _ = cancel.cancelled() => {}
        result = served => {
            if let Err(payload) = result {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic".to_string());
                shared.record_panic(message);
            }
        }
    }
}

/// Parses a request head out of `buf`, reading more as needed.
enum Head {
    Request(Request, usize),
    /// The client closed (or failed) between requests.
    Gone,
    /// Unparsable or too large: answer 400/431 and close.
    Bad(u16),
}

async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Head {
    loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(buf) {
                Ok(httparse::Status::Complete(len)) => return parse_request(&req, len),
                Ok(httparse::Status::Partial) => {}
                Err(_) => return Head::Bad(400),
            }
        }
        if buf.len() >= MAX_HEAD {
            return Head::Bad(431);
        }
        buf.reserve(4096);
        match stream.read_buf(buf).await {
            Ok(0) | Err(_) => return Head::Gone,
            Ok(_) => {}
        }
    }
}

fn parse_request(req: &httparse::Request<'_, '_>, len: usize) -> Head {
    let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version) else {
        return Head::Bad(400);
    };
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Head::Bad(405),
    };
    let mut close = version == 0;
    let mut body_len = 0usize;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            let v = String::from_utf8_lossy(h.value).to_ascii_lowercase();
            if v.contains("close") {
                close = true;
            } else if v.contains("keep-alive") {
                close = false;
            }
        } else if h.name.eq_ignore_ascii_case("content-length") {
            match std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
            {
                Some(n) if n <= MAX_REQUEST_BODY => body_len = n,
                _ => return Head::Bad(400),
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Head::Bad(400);
        }
    }
    // Absolute-form targets (proxies) are served by their path.
    let target = match target.strip_prefix("http://") {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    if !target.starts_with('/') {
        return Head::Bad(400);
    }
    Head::Request(
        Request {
            head_only,
            target: target.to_string(),
            close,
        },
        len + body_len,
    )
}

async fn serve(shared: &Shared, listener: usize, mut stream: TcpStream) {
    let mut buf = Vec::with_capacity(4096);
    let mut out = Vec::with_capacity(4096);
    loop {
        let (request, consumed) = match read_head(&mut stream, &mut buf).await {
            Head::Request(r, consumed) => (r, consumed),
            Head::Gone => return,
            Head::Bad(status) => {
                let _in_flight = InFlight::enter(shared, listener);
                let _ = routes::send_error(&mut stream, &mut out, status).await;
                let _ = stream.shutdown().await;
                return;
            }
        };
        // A (small, bounded) request body may still be arriving: discard it.
        while buf.len() < consumed {
            buf.reserve(consumed - buf.len());
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        buf.drain(..consumed);
        let _in_flight = InFlight::enter(shared, listener);
        shared.count_hit(request.path());
        match routes::respond(shared, &request, &mut stream, &mut out).await {
            Ok(Flow::KeepAlive) if !request.close => {}
            Ok(Flow::KeepAlive | Flow::Close) => {
                let _ = stream.shutdown().await;
                return;
            }
            Ok(Flow::Abort) | Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::pages;
    use std::io::{BufRead, BufReader, Read, Write};

    struct Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Response {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// A deliberately tiny HTTP/1.1 client, so tests see exactly what the shop sends.
    struct Client {
        reader: BufReader<std::net::TcpStream>,
    }

    impl Client {
        fn connect(addr: SocketAddr) -> Client {
            let stream = std::net::TcpStream::connect(addr).expect("connect to shop");
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .expect("set timeout");
            Client {
                reader: BufReader::new(stream),
            }
        }
        fn send(&mut self, method: &str, path: &str, headers: &str) {
            let req = format!("{method} {path} HTTP/1.1\r\nHost: shop\r\n{headers}\r\n");
            self.reader
                .get_mut()
                .write_all(req.as_bytes())
                .expect("write request");
        }
        /// Reads one response; a body without Content-Length runs to EOF.
        fn read(&mut self, head_only: bool) -> io::Result<Response> {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let status = line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
            let mut headers = Vec::new();
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                let (k, v) = l.split_once(':').expect("header has a colon");
                headers.push((k.to_string(), v.trim().to_string()));
            }
            let mut resp = Response {
                status,
                headers,
                body: Vec::new(),
            };
            if head_only {
                return Ok(resp);
            }
            match resp
                .header("content-length")
                .map(|v| v.parse::<usize>().expect("length"))
            {
                Some(len) => {
                    let mut body = Vec::new();
                    (&mut self.reader).take(len as u64).read_to_end(&mut body)?;
                    resp.body = body;
                }
                None => {
                    self.reader.read_to_end(&mut resp.body)?;
                }
            }
            Ok(resp)
        }
        fn get(&mut self, path: &str) -> Response {
            self.send("GET", path, "");
            self.read(false).expect("read response")
        }
    }

    fn get(shop: &BackgroundShop, path: &str) -> Response {
        Client::connect(shop.addr()).get(path)
    }

    fn shop() -> BackgroundShop {
        BackgroundShop::start(ShopConfig::default()).expect("start shop")
    }

    fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn product_page_is_the_generated_page() {
        let shop = shop();
        for n in [1, 5, 10, 2000] {
            let page = pages::product_page(n, 0);
            let resp = get(&shop, &format!("/product/{n}"));
            assert_eq!(resp.status, 200);
            assert_eq!(
                resp.header("content-type"),
                Some(page.content_type.as_str())
            );
            assert!(resp.body == page.body, "body of page {n} differs");
        }
        assert_eq!(shop.hits("/product/1"), 1);
        assert_eq!(shop.stats().requests, 4);
    }

    #[test]
    fn keep_alive_serves_several_requests_on_one_connection() {
        let shop = shop();
        let mut client = Client::connect(shop.addr());
        assert_eq!(client.get("/product/3").status, 200);
        assert_eq!(client.get("/status/500").status, 500);
        client.send("HEAD", "/product/3", "");
        let head = client.read(true).expect("head response");
        let len: usize = head
            .header("content-length")
            .expect("length")
            .parse()
            .expect("number");
        assert_eq!(len, pages::product_page(3, 0).body.len());
        client.send("GET", "/product/4", "Connection: close\r\n");
        let last = client.read(false).expect("response");
        assert_eq!(last.header("connection"), Some("close"));
        let mut rest = Vec::new();
        assert_eq!(client.reader.read_to_end(&mut rest).expect("eof"), 0);
        let stats = shop.stats();
        assert_eq!((stats.connections, stats.requests), (1, 4));
    }

    #[test]
    fn pipelined_requests_and_http_1_0_close() {
        let shop = shop();
        let mut client = Client::connect(shop.addr());
        let two =
            "GET /product/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /status/404 HTTP/1.1\r\nHost: a\r\n\r\n";
        client
            .reader
            .get_mut()
            .write_all(two.as_bytes())
            .expect("write");
        assert_eq!(client.read(false).expect("first").status, 200);
        assert_eq!(client.read(false).expect("second").status, 404);
        let mut old = Client::connect(shop.addr());
        old.reader
            .get_mut()
            .write_all(b"GET /product/2 HTTP/1.0\r\n\r\n")
            .expect("write");
        let resp = old.read(false).expect("response");
        assert_eq!(resp.header("connection"), Some("close"));
        let mut rest = Vec::new();
        assert_eq!(old.reader.read_to_end(&mut rest).expect("eof"), 0);
    }

    #[test]
    fn latency_holds_requests_and_delay_ms_overrides_it() {
        let config = ShopConfig {
            latency: Duration::from_secs(600),
            ..ShopConfig::default()
        };
        let shop = BackgroundShop::start(config).expect("start");
        let mut slow = Client::connect(shop.addr());
        slow.send("GET", "/product/1", "");
        assert!(shop.wait_for_in_flight(1, Duration::from_secs(10)));
        let fast = get(&shop, "/product/1?delay_ms=0");
        assert_eq!(fast.status, 200);
        // The fast request's in-flight guard drops just after its last byte is
        // written, which may be a moment after the client has read it.
        wait_until("the fast request to end", || shop.stats().in_flight == 1);
        assert_eq!(
            shop.stats().in_flight,
            1,
            "the slow request is still waiting"
        );
        assert_eq!(shop.hits("/product/1"), 2);
    }

    #[test]
    fn unknown_paths_are_404_and_garbage_is_400() {
        let shop = shop();
        assert_eq!(get(&shop, "/nope").status, 404);
        assert_eq!(get(&shop, "/product/abc").status, 404);
        assert_eq!(get(&shop, "/status/999").status, 400);
        let mut client = Client::connect(shop.addr());
        client
            .reader
            .get_mut()
            .write_all(b"\x00\x01garbage\r\n\r\n")
            .expect("write");
        assert_eq!(client.read(false).expect("response").status, 400);
        let mut client = Client::connect(shop.addr());
        client.send("POST", "/product/1", "");
        assert_eq!(client.read(false).expect("response").status, 405);
    }

    #[test]
    fn flaky_succeeds_on_the_third_attempt_and_429_sets_retry_after() {
        let shop = shop();
        let mut client = Client::connect(shop.addr());
        assert_eq!(client.get("/flaky/7").status, 503);
        assert_eq!(client.get("/flaky/7").status, 503);
        let ok = client.get("/flaky/7");
        assert_eq!(ok.status, 200);
        assert!(ok.body == pages::product_page(7, 0).body);
        assert_eq!(client.get("/flaky/other").status, 503, "counts are per key");
        let limited = client.get("/flaky429/a");
        assert_eq!(
            (limited.status, limited.header("retry-after")),
            (429, Some("1"))
        );
        assert_eq!(client.get("/flaky429/a").status, 200);
        let r = client.get("/429?retry_after=3");
        assert_eq!((r.status, r.header("retry-after")), (429, Some("3")));
        assert_eq!(client.get("/429?retry_after=3").status, 429);
    }

    #[test]
    fn in_flight_and_peak_are_counted() {
        let shop = shop();
        let mut clients: Vec<Client> = (0..5).map(|_| Client::connect(shop.addr())).collect();
        for c in &mut clients {
            c.send("GET", "/hang", "");
        }
        assert!(shop.wait_for_in_flight(5, Duration::from_secs(10)));
        let stats = shop.stats();
        assert_eq!((stats.in_flight, stats.peak_in_flight), (5, 5));
        drop(clients);
        wait_until("hung requests to end", || shop.stats().in_flight == 0);
        assert_eq!(shop.stats().peak_in_flight, 5);
        shop.reset_peaks();
        assert_eq!(shop.stats().peak_in_flight, 0);
        // Delayed requests are in flight while they wait.
        let addr = shop.addr();
        let workers: Vec<_> = (0..3)
            .map(|_| {
                std::thread::spawn(move || {
                    Client::connect(addr).get("/product/2?delay_ms=200").status
                })
            })
            .collect();
        for w in workers {
            assert_eq!(w.join().expect("worker"), 200);
        }
        assert!(shop.stats().peak_in_flight >= 1);
        // Guards drop just after the last byte is written, maybe after it was read.
        wait_until("workers' requests to end", || shop.stats().in_flight == 0);
    }

    #[test]
    fn listeners_count_separately() {
        let shop = BackgroundShop::start(ShopConfig {
            listeners: 3,
            ..ShopConfig::default()
        })
        .expect("start");
        assert_eq!(shop.addrs().len(), 3);
        let mut hung = Vec::new();
        for (i, addr) in shop.addrs().iter().enumerate() {
            for _ in 0..=i {
                assert_eq!(Client::connect(*addr).get("/product/1").status, 200);
                let mut c = Client::connect(*addr);
                c.send("GET", "/hang", "");
                hung.push(c);
            }
        }
        // All twelve requests seen and only the six hangs still in flight (a
        // product request's guard drops a moment after its last byte is read).
        wait_until("twelve requests seen, six hangs in flight", || {
            let s = shop.stats();
            s.requests == 12 && s.in_flight == 6
        });
        let stats = shop.stats();
        let per: Vec<(u64, usize)> = stats
            .per_listener
            .iter()
            .map(|l| (l.requests, l.peak_in_flight))
            .collect();
        assert_eq!(per, vec![(2, 1), (4, 2), (6, 3)]);
        assert_eq!((stats.requests, stats.peak_in_flight), (12, 6));
        assert_eq!(stats.per_listener[1].addr, Some(shop.addrs()[1]));
    }

    #[test]
    fn truncated_body_is_short_and_reset_resets() {
        let shop = shop();
        let mut client = Client::connect(shop.addr());
        client.send("GET", "/truncated", "");
        let resp = client.read(false).expect("head arrives");
        assert_eq!(resp.header("content-length"), Some("50000"));
        assert!(
            resp.body.len() >= 900 && resp.body.len() < 50_000,
            "{}",
            resp.body.len()
        );

        let mut client = Client::connect(shop.addr());
        client.send("GET", "/reset", "");
        let mut buf = [0u8; 16];
        let err = client
            .reader
            .read(&mut buf)
            .expect_err("connection is reset");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }

    #[test]
    fn redirects_and_content_types() {
        let shop = shop();
        let mut c = Client::connect(shop.addr());
        let r = c.get("/redirect/2");
        assert_eq!((r.status, r.header("location")), (302, Some("/redirect/1")));
        assert_eq!(c.get("/redirect/0").header("location"), Some("/product/1"));
        assert_eq!(
            c.get("/redirect-loop").header("location"),
            Some("/redirect-loop")
        );
        assert_eq!(
            c.get("/redirect-file").header("location"),
            Some("file:///etc/passwd")
        );
        assert_eq!(
            c.get("/not-html").header("content-type"),
            Some("application/json")
        );
        assert_eq!(
            c.get("/image.png").header("content-type"),
            Some("image/png")
        );
        let r = c.get("/charset/shift_jis");
        assert_eq!(
            r.header("content-type"),
            Some("text/html; charset=Shift_JIS")
        );
        assert_eq!(
            c.get("/charset-meta/latin1").header("content-type"),
            Some("text/html")
        );
        assert_eq!(c.get("/charset/klingon").status, 404);
        let bom = c.get("/bom");
        assert!(bom.body.starts_with(b"\xef\xbb\xbf"));
        assert!(std::str::from_utf8(&c.get("/bad-charset").body).is_err());
        assert_eq!(c.get("/").status, 200);
    }

    #[test]
    fn streaming_routes_send_valid_html() {
        let shop = shop();
        let mut c = Client::connect(shop.addr());
        let huge = c.get("/huge?mb=1");
        assert_eq!(huge.body.len(), 1024 * 1024);
        assert!(huge.body.ends_with(b"</html>\n"));
        let drip = c.get("/drip?bytes=300&every_ms=1&chunk=64");
        assert_eq!(drip.body.len(), 300);
        assert!(drip.body.ends_with(b"</html>\n"));
        let mut c = Client::connect(shop.addr());
        let nolen = c.get("/huge-nolen?mb=1");
        assert_eq!(nolen.header("content-length"), None);
        assert_eq!(nolen.body.len(), 1024 * 1024);
    }

    #[test]
    fn bomb_is_a_valid_gzip_that_expands() {
        use flate2::read::GzDecoder;
        let small = routes::build_bomb_for_test(8);
        let mut decoded = Vec::new();
        GzDecoder::new(&small[..])
            .read_to_end(&mut decoded)
            .expect("valid gzip with right crc");
        assert!(decoded.len() > 8 * 1024 * 1024);
        assert!(decoded.starts_with(b"<!doctype html>") && decoded.ends_with(b"</html>\n"));
        let shop = shop();
        let bomb = get(&shop, "/bomb");
        assert_eq!(bomb.header("content-encoding"), Some("gzip"));
        assert!(
            bomb.body.len() < 2 * 1024 * 1024,
            "{} bytes on the wire",
            bomb.body.len()
        );
        let mut expanded = 0u64;
        let mut dec = GzDecoder::new(&bomb.body[..]);
        let mut buf = vec![0u8; 1 << 20];
        while expanded < 64 * 1024 * 1024 {
            match dec.read(&mut buf).expect("decodes") {
                0 => break,
                n => expanded += n as u64,
            }
        }
        assert!(expanded >= 64 * 1024 * 1024);
    }

    #[test]
    fn epoch_changes_served_prices() {
        let shop = shop();
        assert!(get(&shop, "/product/9").body == pages::product_page(9, 0).body);
        shop.set_price_epoch(3);
        assert!(get(&shop, "/product/9").body == pages::product_page(9, 3).body);
    }

    #[tokio::test]
    async fn shop_on_current_runtime_stops_on_shutdown() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let shop = Shop::start(ShopConfig::default()).await.expect("start");
        let addr = shop.addr();
        let mut idle = tokio::net::TcpStream::connect(addr).await.expect("connect");
        idle.write_all(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        assert!(shop.wait_for_in_flight(1, Duration::from_secs(10)).await);
        shop.shutdown().await;
        let mut buf = Vec::new();
        let _ = idle.read_to_end(&mut buf).await;
        assert!(buf.is_empty());
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }

    /// Rough server throughput with keep-alive raw clients:
    /// `cargo test --release --lib demo::server::tests::throughput -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing; run in release with --nocapture"]
    fn throughput() {
        let shop = shop();
        let addr = shop.addr();
        for n in 0..100 {
            assert_eq!(get(&shop, &format!("/product/{n}")).status, 200); // warm the cache
        }
        let duration = Duration::from_secs(3);
        let start = Instant::now();
        let workers: Vec<_> = (0..8u64)
            .map(|w| {
                std::thread::spawn(move || {
                    let mut client = Client::connect(addr);
                    let (mut pages, mut bytes, mut i) = (0u64, 0u64, w);
                    while start.elapsed() < duration {
                        bytes += client.get(&format!("/product/{}", i % 100)).body.len() as u64;
                        pages += 1;
                        i += 7;
                    }
                    (pages, bytes)
                })
            })
            .collect();
        let (pages, bytes) = workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{pages} pages in {secs:.2} s: {:.0} pages/s, {:.0} MB/s (8 keep-alive clients, latency 0)",
            pages as f64 / secs,
            bytes as f64 / secs / 1e6
        );
    }
}
