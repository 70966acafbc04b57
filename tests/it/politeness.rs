//! Politeness against the demo shop: robots.txt obeyed (fetched once per
//! host), its failures read as RFC 9309 says, `--ignore-robots`, pacing
//! rules reported per host, and a `Retry-After` that pauses one host while
//! the other keeps going. Asserted on the shop's counters and the run's
//! summary, never on wall-clock durations.

use std::net::TcpListener;
use std::time::Duration;

use scrape::demo::{BackgroundShop, RobotsTxt, ShopConfig};
use scrape::record::ErrorKind;

use crate::support::{list, scrape, spawn, wait_for, Run};

fn shop(robots: RobotsTxt, listeners: usize) -> BackgroundShop {
    BackgroundShop::start(ShopConfig {
        robots,
        listeners,
        ..ShopConfig::default()
    })
    .unwrap()
}

fn products(shop: &BackgroundShop, n: u64) -> Vec<String> {
    (1..=n).map(|i| shop.product_url(i)).collect()
}

fn kinds(run: &Run) -> Vec<Option<ErrorKind>> {
    run.doc()
        .results
        .iter()
        .map(|r| r.error.as_ref().map(|e| e.kind))
        .collect()
}

#[test]
fn robots_rules_for_our_agent_are_obeyed_and_fetched_once() {
    // Everyone else is shut out; scrape only from product 3.
    let txt = "User-agent: *\nDisallow: /\n\nUser-agent: scrape\nDisallow: /product/3\n";
    let shop = shop(RobotsTxt::Body(txt.into()), 1);
    let l = list(&products(&shop, 4));
    let run = scrape(&["-q", "-c", "8", l.path()], None);
    run.code(1);
    let k = Some(ErrorKind::RobotsDisallowed);
    assert_eq!(kinds(&run), [None, None, k, None], "{run}");
    let doc = run.doc();
    let refused = &doc.results[2];
    assert_eq!(
        (refused.attempts, refused.status),
        (0, None),
        "never fetched"
    );
    assert_eq!(
        doc.summary.errors.get(&ErrorKind::RobotsDisallowed),
        Some(&1)
    );
    assert_eq!(shop.hits("/product/3"), 0);
    // Four first requests at once; one robots.txt fetch between them.
    assert_eq!(shop.hits("/robots.txt"), 1);
    let host = &doc.summary.hosts[0];
    assert_eq!((host.requests, host.errors), (4, 1), "{host:?}");

    // --ignore-robots: no robots.txt request, every page fetched.
    let run = scrape(&["-q", "--ignore-robots", l.path()], None);
    run.code(0);
    assert_eq!(shop.hits("/robots.txt"), 1);
    assert_eq!(shop.hits("/product/3"), 1);
}

#[test]
fn robots_txt_is_fetched_with_the_runs_headers_and_read_for_its_agent() {
    // Only `mybot` may fetch product 2; our default agent may not.
    let txt = "User-agent: *\nDisallow: /product/2\n\nUser-agent: mybot\nAllow: /\n";
    let bot_shop = shop(RobotsTxt::Body(txt.into()), 1);
    let l = list(&products(&bot_shop, 2));
    let run = scrape(
        &[
            "-q",
            "-H",
            "User-Agent: mybot/2.0 (+https://example.org/bot)",
            "--cookie",
            "session=42",
            l.path(),
        ],
        None,
    );
    run.code(0);
    assert_eq!(bot_shop.hits("/product/2"), 1, "{run}");
    let seen = bot_shop.seen_headers();
    let robots = seen
        .iter()
        .find(|h| h.iter().any(|(n, v)| n == ":path" && v == "/robots.txt"))
        .expect("the shop saw /robots.txt");
    let get = |name: &str| -> Vec<&str> {
        robots
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(get("user-agent"), ["mybot/2.0 (+https://example.org/bot)"]);
    assert_eq!(get("cookie"), ["session=42"]);

    // The same list under the default agent: product 2 is refused.
    let shop2 = shop(RobotsTxt::Body(txt.into()), 1);
    let l2 = list(&products(&shop2, 2));
    let run = scrape(&["-q", l2.path()], None);
    run.code(1);
    assert_eq!(kinds(&run)[1], Some(ErrorKind::RobotsDisallowed), "{run}");
}

#[test]
fn a_robots_5xx_disallows_all_and_a_404_allows_all() {
    let down = shop(RobotsTxt::Status(503), 1);
    let l = list(&products(&down, 3));
    let run = scrape(&["-q", l.path()], None);
    run.code(1);
    assert_eq!(kinds(&run), [Some(ErrorKind::RobotsDisallowed); 3], "{run}");
    assert!(run.doc().results[0]
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("503"));
    assert_eq!(down.stats().page_requests(), 0);

    let none = shop(RobotsTxt::Status(404), 1);
    let l = list(&products(&none, 3));
    scrape(&["-q", l.path()], None).code(0);
    assert_eq!(none.stats().page_requests(), 3);
}

#[test]
fn an_unreachable_robots_txt_keeps_the_network_kind_and_fetches_nothing() {
    // Bind then drop: nothing listens on that port afterwards.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let l = list(&[format!("http://127.0.0.1:{port}/x")]);
    let run = scrape(&["-q", l.path()], None);
    run.code(1);
    let rec = &run.doc().results[0];
    let err = rec.error.as_ref().unwrap();
    assert_eq!(err.kind, ErrorKind::Connect, "{run}");
    assert!(err.message.contains("robots.txt unreachable"), "{run}");
    assert_eq!(rec.attempts, 0);
}

#[test]
fn the_summary_names_the_rule_that_paced_each_host() {
    let crawl = shop(
        RobotsTxt::Body("User-agent: *\nCrawl-delay: 0.05\n".into()),
        1,
    );
    let l = list(&products(&crawl, 4));
    let run = scrape(&["-q", l.path()], None);
    run.code(0);
    let host = &run.doc().summary.hosts[0];
    assert_eq!(host.paced_by, "crawl-delay", "{run}");
    assert_eq!(host.requests, 5, "robots.txt and four pages");

    // A --delay longer than the Crawl-delay wins; --rate likewise.
    for (flags, rule) in [(["--delay", "0.08"], "delay"), (["--rate", "10/s"], "rate")] {
        let mut args = vec!["-q"];
        args.extend(flags);
        args.push(l.path());
        let run = scrape(&args, None);
        run.code(0);
        assert_eq!(run.doc().summary.hosts[0].paced_by, rule, "{run}");
    }
    // The stderr table lists the host and its rule.
    let run = scrape(&["--rate", "10", "--no-progress", l.path()], None);
    assert!(run.stderr.contains("paced by rate"), "{run}");
}

/// Two listeners are two hosts. Host A answers 429 with a long
/// Retry-After: it is paused, and none of its other URLs is requested,
/// while every URL of host B is fetched. Then the run is interrupted.
#[test]
fn retry_after_pauses_only_its_host() {
    let shop = shop(RobotsTxt::allow_all(), 2);
    let (a, b) = (shop.addrs()[0], shop.addrs()[1]);
    let mut lines: Vec<String> = (1..=3)
        .map(|n| format!("http://{a}/429?retry_after=600&n={n}"))
        .collect();
    lines.extend((1..=12).map(|n| format!("http://{b}/product/{n}")));
    let l = list(&lines);
    let (child, cmd) = spawn(&[
        "-c",
        "4",
        "--per-host",
        "1",
        "--retries",
        "0",
        "--max-host-wait",
        "300",
        "--no-progress",
        l.path(),
    ]);
    let listener = |i: usize| shop.stats().per_listener[i].requests;
    // B: robots.txt and all twelve pages.
    wait_for("host b's pages", Duration::from_secs(60), || {
        listener(1) == 13
    });
    // A grace period for any request the pause failed to hold back.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(shop.hits("/429"), 1, "host a paused after its first 429");
    assert_eq!(listener(0), 2, "robots.txt and one 429");
    // SAFETY: signalling our own child.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let run = Run::from_output(cmd, child.wait_with_output().unwrap());
    run.code(130);
    let summary = run.doc().summary;
    let host = |addr: std::net::SocketAddr| {
        let key = format!("http://{addr}");
        summary
            .hosts
            .iter()
            .find(|h| h.host == key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {:?}", summary.hosts))
    };
    let (ha, hb) = (host(a), host(b));
    assert_eq!(
        (ha.paced_by.as_str(), ha.requests),
        ("retry-after", 2),
        "{run}"
    );
    assert!(ha.paused_ms > 0.0, "{ha:?}");
    assert_eq!(
        (hb.requests, hb.errors, hb.paused_ms),
        (13, 0, 0.0),
        "{hb:?}"
    );
    assert!(run.stderr.contains("paused"), "{run}");
}
