//! Every fault route of the demo shop yields exactly the error kind of
//! DESIGN.md, with retries only where the failure is transient.

use std::collections::HashMap;
use std::net::TcpListener;

use scrape::demo::{BackgroundShop, ShopConfig};
use scrape::record::ErrorKind;
use scrape::record::Record;

use crate::support::{list, scrape, urls};

/// Scrapes `paths` on a fresh shop with `extra` flags; records by path.
fn run_paths(paths: &[&str], extra: &[&str]) -> (HashMap<String, Record>, BackgroundShop) {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let l = list(&urls(&shop, paths));
    let mut args = vec!["-q", "-c", "8"];
    args.extend_from_slice(extra);
    args.push(l.path());
    let run = scrape(&args, None);
    let doc = run.doc();
    assert_eq!(doc.results.len(), paths.len(), "{run}");
    let by_path = doc
        .results
        .into_iter()
        .map(|r| (paths[r.index as usize].to_owned(), r))
        .collect();
    (by_path, shop)
}

fn kind(r: &Record) -> Option<ErrorKind> {
    r.error.as_ref().map(|e| e.kind)
}

#[test]
fn statuses_and_retries() {
    let (r, shop) = run_paths(
        &[
            "/status/404",
            "/status/500",
            "/status/503",
            "/flaky/a",
            "/429?retry_after=1",
            "/product/5",
        ],
        &["--retries", "2"],
    );
    let want = |p: &str, k: Option<ErrorKind>, status: Option<u16>, attempts: u32| {
        let rec = &r[p];
        assert_eq!(
            (kind(rec), rec.status, rec.attempts),
            (k, status, attempts),
            "{p}: {rec:?}"
        );
    };
    want("/status/404", Some(ErrorKind::HttpStatus), Some(404), 1);
    want("/status/500", Some(ErrorKind::HttpStatus), Some(500), 1);
    want("/status/503", Some(ErrorKind::HttpStatus), Some(503), 3);
    want("/flaky/a", None, Some(200), 3);
    want(
        "/429?retry_after=1",
        Some(ErrorKind::HttpStatus),
        Some(429),
        3,
    );
    want("/product/5", None, Some(200), 1);
    assert!(r["/flaky/a"].ok && r["/flaky/a"].price.is_some());
    // Retry-After: 1 was honoured twice: at least two seconds between the three attempts.
    assert!(
        r["/429?retry_after=1"].elapsed_ms >= 2000.0,
        "{:?}",
        r["/429?retry_after=1"]
    );
    assert_eq!(shop.stats().hits.get("/status/404"), Some(&1));
    assert_eq!(shop.stats().hits.get("/status/503"), Some(&3));
}

#[test]
fn timeouts_cover_the_whole_request_including_the_body() {
    let (r, _shop) = run_paths(
        &["/hang", "/drip?bytes=100000&every_ms=50"],
        &["-t", "0.5", "--retries", "0"],
    );
    for p in ["/hang", "/drip?bytes=100000&every_ms=50"] {
        assert_eq!(kind(&r[p]), Some(ErrorKind::Timeout), "{p}: {:?}", r[p]);
        assert_eq!(r[p].attempts, 1);
    }
    // The drip had started: a status line arrived before the deadline.
    assert_eq!(r["/drip?bytes=100000&every_ms=50"].status, Some(200));
}

#[test]
fn bodies_are_capped_after_decoding() {
    let (r, _shop) = run_paths(
        &["/huge?mb=20", "/huge-nolen?mb=20", "/bomb", "/product/7"],
        &["--max-body", "2MiB"],
    );
    for p in ["/huge?mb=20", "/huge-nolen?mb=20", "/bomb"] {
        assert_eq!(
            kind(&r[p]),
            Some(ErrorKind::BodyTooLarge),
            "{p}: {:?}",
            r[p]
        );
    }
    assert!(r["/product/7"].ok);
}

#[test]
fn redirects_are_limited_and_http_only() {
    let (r, shop) = run_paths(&["/redirect/3", "/redirect-loop", "/redirect-file"], &[]);
    assert!(r["/redirect/3"].ok, "{:?}", r["/redirect/3"]);
    assert_eq!(
        r["/redirect/3"].final_url.as_deref(),
        Some(shop.product_url(1).as_str())
    );
    assert_eq!(
        kind(&r["/redirect-loop"]),
        Some(ErrorKind::TooManyRedirects)
    );
    assert_eq!(kind(&r["/redirect-file"]), Some(ErrorKind::BadRedirect));
    assert!(r["/redirect-file"]
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("file:///etc/passwd"));
}

#[test]
fn content_and_connection_faults() {
    let (r, shop) = run_paths(
        &[
            "/not-html",
            "/image.png",
            "/truncated",
            "/reset",
            "/bad-charset",
        ],
        &[],
    );
    assert_eq!(
        kind(&r["/not-html"]),
        Some(ErrorKind::NotHtml),
        "{:?}",
        r["/not-html"]
    );
    assert_eq!(kind(&r["/image.png"]), Some(ErrorKind::NotHtml));
    assert_eq!(
        kind(&r["/truncated"]),
        Some(ErrorKind::Body),
        "{:?}",
        r["/truncated"]
    );
    assert_eq!(
        r["/truncated"].attempts, 1,
        "a broken body is not transient"
    );
    assert_eq!(
        kind(&r["/reset"]),
        Some(ErrorKind::Connect),
        "{:?}",
        r["/reset"]
    );
    assert_eq!(r["/reset"].attempts, 3, "a reset connection is retried");
    assert_eq!(shop.stats().hits.get("/reset"), Some(&3));
    // Invalid bytes for the declared charset are replaced; the page still counts.
    let bad = &r["/bad-charset"];
    assert!(bad.ok && bad.price.is_some(), "{bad:?}");
}

#[test]
fn connection_refused_is_connect() {
    // Bind then drop: nothing listens on that port afterwards.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let l = list(&[format!("http://127.0.0.1:{port}/x")]);
    // Without robots.txt: an unreachable one would stop the page's own
    // request (politeness.rs covers that case).
    let run = scrape(&["-q", "--ignore-robots", "--retries", "1", l.path()], None);
    run.code(1);
    let rec = &run.doc().results[0];
    assert_eq!(kind(rec), Some(ErrorKind::Connect), "{run}");
    assert_eq!(rec.attempts, 2);
}

#[test]
fn legacy_charsets_decode() {
    let (r, _shop) = run_paths(
        &["/charset/windows-1252", "/charset-meta/iso-8859-1", "/bom"],
        &[],
    );
    for (p, rec) in &r {
        assert!(rec.ok, "{p}: {rec:?}");
        let title = rec.title.as_deref().unwrap_or("");
        assert!(
            !title.contains('\u{fffd}'),
            "{p}: mis-decoded title {title:?}"
        );
    }
}
