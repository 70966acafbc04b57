//! `--concurrency auto` against a shop with a known capacity: the level it
//! settles at is within ±25 % of the capacity, and the run says why.

use std::time::Duration;

use scrape::demo::{BackgroundShop, ShopConfig};

use crate::support::{list, scrape};

#[test]
fn auto_finds_the_shops_capacity() {
    let capacity = 16;
    let shop = BackgroundShop::start(ShopConfig {
        latency: Duration::from_millis(100),
        capacity: Some(capacity),
        ..ShopConfig::default()
    })
    .unwrap();
    // About three seconds of work at the knee: time to find it, then to hold it.
    let pages: Vec<String> = (1..=480).map(|n| shop.product_url(n)).collect();
    let l = list(&pages);
    // One host, our own: lift the polite per-host default (8) out of auto's way.
    let run = scrape(
        &["-c", "auto", "--per-host", "64", "--no-progress", l.path()],
        None,
    );
    run.code(0);
    let doc = run.doc();
    assert_eq!(doc.results.len(), pages.len());
    // The schema knows auto_concurrency and the per-host lines.
    let raw: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    crate::schema::assert_valid("document", &raw);
    assert_eq!(
        raw["summary"]["hosts"][0]["requests"], 481,
        "480 pages and robots.txt"
    );
    let auto = doc
        .summary
        .auto_concurrency
        .clone()
        .unwrap_or_else(|| panic!("no auto_concurrency in the summary{run}"));
    let ratio = auto.settled as f64 / capacity as f64;
    assert!(
        (0.75..=1.25).contains(&ratio),
        "settled at {} for capacity {capacity} ({auto:?}){run}",
        auto.settled
    );
    // It found the knee by looking past it, and stayed under its cap.
    assert!(auto.peak > capacity && auto.peak <= auto.max, "{auto:?}");
    assert!(auto.reason.contains("latency"), "{auto:?}");
    assert!(
        run.stderr
            .contains(&format!("concurrency auto: settled at {}", auto.settled)),
        "{run}"
    );
    // Without auto the summary has no such field.
    let l = list(&pages[..4]);
    let run = scrape(&["-q", l.path()], None);
    assert!(run.doc().summary.auto_concurrency.is_none());
}
