//! End to end over many demo pages: prices exact for every markup, `bench`
//! and `demo` output shapes, and backpressure from fetchers to the reader.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use scrape::demo::{product_page, BackgroundShop, Markup, ShopConfig};
use scrape::engine::{self, EngineConfig};
use scrape::fetch::Fetcher;
use scrape::input::{parse_url, Entry, InputError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::support::{list, scrape, wait_for};

#[test]
fn prices_and_titles_match_what_the_shop_served() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let pages: Vec<u64> = (1..=120).collect();
    let l = list(
        &pages
            .iter()
            .map(|&n| shop.product_url(n))
            .collect::<Vec<_>>(),
    );
    let run = scrape(&["-q", "-c", "16", l.path()], None);
    run.code(0);
    let doc = run.doc();
    let mut wrong = Vec::new();
    let mut markups = std::collections::HashSet::new();
    for r in &doc.results {
        let page = product_page(pages[r.index as usize], 0);
        markups.insert(page.markup);
        let got = r.price.as_ref().map(|p| (p.amount, p.currency.clone()));
        let want = page
            .expected
            .as_ref()
            .map(|e| (e.amount, Some(e.currency.to_owned())));
        if got != want || r.title.as_deref() != Some(page.title.as_str()) {
            wrong.push(format!(
                "{:?} {}: got {:?} {:?}, want {:?} {:?}",
                page.markup, r.url, got, r.title, want, page.title
            ));
        }
    }
    assert!(
        markups.contains(&Markup::JsonLd)
            && markups.contains(&Markup::VisibleOnly)
            && markups.len() >= 8,
        "{markups:?}"
    );
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        doc.results.len(),
        wrong.join("\n")
    );
}

#[test]
fn bench_reports_every_level_with_speedup() {
    let shop = BackgroundShop::start(ShopConfig {
        latency: Duration::from_millis(40),
        ..ShopConfig::default()
    })
    .unwrap();
    let l = list(&(1..=20).map(|n| shop.product_url(n)).collect::<Vec<_>>());
    let run = scrape(
        &["bench", "-q", "--levels", "5,10", "-f", "json", l.path()],
        None,
    );
    run.code(0);
    let report: scrape::bench::BenchReport =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}{run}"));
    assert_eq!(report.urls, 20);
    let levels: Vec<(String, usize)> = report
        .runs
        .iter()
        .map(|r| (r.mode.clone(), r.concurrency))
        .collect();
    assert_eq!(
        levels,
        [
            ("sequential".into(), 1),
            ("concurrent".into(), 5),
            ("concurrent".into(), 10)
        ]
    );
    assert!(report.runs.iter().all(|r| r.ok == 20));
    // Same-run ratio, with a wide margin: ten at a time beats one at a time.
    assert!(report.speedup > 2.0, "{run}");
    assert_eq!(report.ideal_speedup, 10.0);
    let table = scrape(&["bench", "-q", "--levels", "4", l.path()], None);
    table.code(0);
    assert!(
        table.stdout.contains("speedup") && table.stdout.contains("seq"),
        "{table}"
    );
}

#[test]
fn demo_runs_offline_and_checks_its_prices() {
    let run = scrape(&["demo", "--pages", "30", "--latency", "20"], None);
    run.code(0);
    assert!(run.stdout.contains("speedup"), "{run}");
    assert!(
        run.stdout.contains("30 of 30 pages priced exactly"),
        "{run}"
    );
}

/// With every fetch stalled, the engine takes no more input than its
/// lookahead plus the channel: a fast reader waits for slow fetchers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_reader_waits_for_slow_fetchers() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let fetcher = Fetcher::new(&Default::default(), 4).unwrap();
    let cfg = EngineConfig {
        concurrency: 4,
        per_host: 4,
        lookahead: 64,
        extract: Arc::new(Default::default()),
        parse_on: scrape::engine::ParseOn::Inline,
        auto: None,
        politeness: Default::default(),
    };
    let (entry_tx, entry_rx) = mpsc::channel::<Result<Entry, InputError>>(16);
    // Only to watch the channel fill up; it never sends.
    let probe = entry_tx.clone();
    let (out_tx, mut out_rx) = mpsc::channel(64);
    let sent = Arc::new(AtomicU64::new(0));
    let cancel = CancellationToken::new();
    let feeder = {
        let sent = sent.clone();
        let base = shop.base_url();
        tokio::spawn(async move {
            for i in 0..1_000_000u64 {
                let raw = format!("{base}/hang?n={i}");
                let e = Entry {
                    index: i,
                    target: parse_url(&raw),
                    raw,
                };
                if entry_tx.send(Ok(e)).await.is_err() {
                    return;
                }
                sent.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let engine = tokio::spawn({
        let cancel = cancel.clone();
        async move { engine::run(&cfg, fetcher, entry_rx, out_tx, cancel).await }
    });
    let in_flight = tokio::task::spawn_blocking(move || {
        wait_for("4 hanging requests", Duration::from_secs(10), || {
            shop.stats().in_flight == 4
        });
        shop
    })
    .await
    .unwrap();
    // Wait (no fixed sleep) until the feeder is stuck on a full channel:
    // from then on it cannot run further ahead, so the count is final.
    let full = async {
        while probe.capacity() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), full)
        .await
        .expect("the feeder ends up waiting on a full channel");
    let taken = sent.load(Ordering::SeqCst);
    assert!(
        taken <= 64 + 16 + 2,
        "reader ran ahead: {taken} entries taken"
    );
    cancel.cancel();
    feeder.abort();
    drop(probe);
    // The engine drains what it took into records, then stops.
    let mut records = 0;
    let drain = async {
        while let Some(f) = out_rx.recv().await {
            records += 1;
            drop(f);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), drain)
        .await
        .expect("engine stops after cancel");
    engine.await.unwrap().unwrap();
    assert!(records >= 64, "{records}");
    drop(in_flight);
}
