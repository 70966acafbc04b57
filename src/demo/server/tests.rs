//! Tests of the demo shop over raw TCP: keep-alive, pipelining, latency,
//! fault routes, counters and shutdown.

use super::*;
use crate::demo::{pages, routes};
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
            std::thread::spawn(move || Client::connect(addr).get("/product/2?delay_ms=200").status)
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
fn capacity_queues_requests_beyond_it() {
    let shop = BackgroundShop::start(ShopConfig {
        capacity: Some(3),
        ..ShopConfig::default()
    })
    .expect("start");
    // Hung requests hold their slot until their client leaves.
    let mut clients: Vec<Client> = (0..8).map(|_| Client::connect(shop.addr())).collect();
    for c in &mut clients {
        c.send("GET", "/hang", "");
    }
    assert!(shop.wait_for_in_flight(8, Duration::from_secs(10)));
    let stats = shop.stats();
    assert_eq!((stats.serving, stats.peak_serving), (3, 3), "{stats:?}");
    assert_eq!(stats.peak_in_flight, 8, "the other five wait in the queue");
    // Three clients leave: three queued requests take their slots.
    clients.drain(..3);
    wait_until("queued requests to take the free slots", || {
        let s = shop.stats();
        s.in_flight == 5 && s.serving == 3
    });
    assert_eq!(shop.stats().peak_serving, 3);
    drop(clients);
    wait_until("hung requests to end", || shop.stats().in_flight == 0);
    // Queued requests are answered, not dropped.
    shop.reset_peaks();
    let addr = shop.addr();
    let workers: Vec<_> = (0..6)
        .map(|_| {
            std::thread::spawn(move || Client::connect(addr).get("/product/2?delay_ms=30").status)
        })
        .collect();
    for w in workers {
        assert_eq!(w.join().expect("worker"), 200);
    }
    let stats = shop.stats();
    assert!(stats.peak_serving <= 3, "{stats:?}");
    assert_eq!(stats.rejected, 0);
}

#[test]
fn capacity_reject_mode_answers_503_and_keeps_the_connection() {
    let shop = BackgroundShop::start(ShopConfig {
        capacity: Some(2),
        capacity_mode: CapacityMode::Reject,
        ..ShopConfig::default()
    })
    .expect("start");
    let mut hung: Vec<Client> = (0..2).map(|_| Client::connect(shop.addr())).collect();
    for c in &mut hung {
        c.send("GET", "/hang", "");
    }
    wait_until("both slots taken", || shop.stats().serving == 2);
    let mut client = Client::connect(shop.addr());
    let busy = client.get("/product/1");
    assert_eq!(busy.status, 503);
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(shop.stats().rejected, 1);
    drop(hung);
    wait_until("slots to free", || shop.stats().serving == 0);
    assert_eq!(client.get("/product/1").status, 200, "same connection");
    assert_eq!(shop.stats().peak_serving, 2);
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

/// Eight keep-alive clients, a fixed amount of work each: every request is
/// answered and counted once. The rate is printed, never asserted (timings
/// belong in benches); for a rough number run
/// `cargo test --release --lib demo::server::tests::throughput -- --nocapture`.
#[test]
fn throughput() {
    const CLIENTS: u64 = 8;
    const REQUESTS: u64 = 250;
    let shop = shop();
    let addr = shop.addr();
    for n in 0..100 {
        assert_eq!(get(&shop, &format!("/product/{n}")).status, 200); // warm the cache
    }
    let start = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|w| {
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                let (mut ok, mut bytes) = (0u64, 0u64);
                for i in 0..REQUESTS {
                    let resp = client.get(&format!("/product/{}", (w + i * 7) % 100));
                    ok += u64::from(resp.status == 200);
                    bytes += resp.body.len() as u64;
                }
                (ok, bytes)
            })
        })
        .collect();
    let (ok, bytes) = workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(ok, CLIENTS * REQUESTS, "every request answered 200");
    let stats = shop.stats();
    assert_eq!(stats.requests, 100 + CLIENTS * REQUESTS);
    assert!(
        stats.peak_in_flight <= CLIENTS as usize,
        "one request per client at a time"
    );
    eprintln!(
        "{ok} pages in {secs:.2} s: {:.0} pages/s, {:.0} MB/s ({CLIENTS} keep-alive clients, latency 0)",
        ok as f64 / secs,
        bytes as f64 / secs / 1e6
    );
}

/// robots.txt is whatever the config says, and a static file: the page
/// latency (ten minutes here) does not hold it up.
#[test]
fn robots_txt_is_served_as_configured_without_latency() {
    let start = |robots| {
        BackgroundShop::start(ShopConfig {
            latency: Duration::from_secs(600),
            robots,
            ..ShopConfig::default()
        })
        .expect("start")
    };
    let shop = start(RobotsTxt::Body("User-agent: *\nDisallow: /x\n".into()));
    let r = get(&shop, "/robots.txt");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"User-agent: *\nDisallow: /x\n");
    assert_eq!(shop.stats().page_requests(), 0);
    let down = start(RobotsTxt::Status(503));
    assert_eq!(get(&down, "/robots.txt").status, 503);
}
