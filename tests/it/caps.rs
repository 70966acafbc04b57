//! The engine's limits, observed from the server side: the shop counts
//! requests in flight, so the caps are shown reached and never exceeded.

use std::time::Duration;

use scrape::demo::{BackgroundShop, ShopConfig};

use crate::support::{list, scrape};

fn slow_shop(listeners: usize) -> BackgroundShop {
    BackgroundShop::start(ShopConfig {
        latency: Duration::from_millis(60),
        jitter: Duration::ZERO,
        listeners,
        ..ShopConfig::default()
    })
    .unwrap()
}

#[test]
fn global_cap_is_reached_and_never_exceeded() {
    let shop = slow_shop(1);
    let lines: Vec<String> = (1..=40).map(|n| shop.product_url(n)).collect();
    let l = list(&lines);
    let run = scrape(&["-q", "-c", "5", l.path()], None);
    run.code(0);
    assert_eq!(run.doc().results.len(), 40);
    let stats = shop.stats();
    assert_eq!(stats.peak_in_flight, 5, "{stats:?}");
    assert_eq!(stats.page_requests(), 40);
    // Five first requests at once, one robots.txt fetch between them.
    assert_eq!(shop.hits("/robots.txt"), 1);
}

#[test]
fn sequential_means_one_at_a_time() {
    let shop = slow_shop(1);
    let lines: Vec<String> = (1..=8).map(|n| shop.product_url(n)).collect();
    let l = list(&lines);
    let run = scrape(&["-q", "--sequential", "-c", "20", l.path()], None);
    run.code(0);
    assert_eq!(run.doc().summary.mode, "sequential");
    assert_eq!(shop.stats().peak_in_flight, 1);
}

#[test]
fn per_host_cap_holds_for_every_host_under_the_global_cap() {
    let shop = slow_shop(3);
    let addrs = shop.addrs().to_vec();
    assert_eq!(addrs.len(), 3);
    let lines: Vec<String> = (0..60)
        .map(|i| format!("http://{}/product/{}", addrs[i % 3], i + 1))
        .collect();
    let l = list(&lines);
    let run = scrape(&["-q", "-c", "5", "--per-host", "2", l.path()], None);
    run.code(0);
    let stats = shop.stats();
    for host in &stats.per_listener {
        assert_eq!(host.peak_in_flight, 2, "{stats:?}");
    }
    assert!(stats.peak_in_flight <= 5, "{stats:?}");
    assert_eq!(
        stats.peak_in_flight, 5,
        "three hosts at two each, capped at five: {stats:?}"
    );
}
