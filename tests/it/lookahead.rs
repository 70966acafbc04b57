//! The ordered formats' memory bound: records that finish before a slow
//! earlier line wait in the output's reorder buffer holding their lookahead
//! permits, so a hanging first line stops the run from fetching more than
//! the lookahead ahead of it. Counted on the shop's side, not timed.

use std::time::Duration;

use scrape::demo::{BackgroundShop, ShopConfig};
use scrape::engine::EngineConfig;

use crate::support::{list, spawn, wait_for, Run};

#[test]
fn a_hanging_first_line_holds_the_run_to_its_lookahead() {
    let concurrency = 4;
    let lookahead = EngineConfig::default_lookahead(concurrency) as u64;
    for format in ["json", "csv"] {
        let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
        let mut lines = vec![format!("{}/hang", shop.base_url())];
        lines.extend((1..=lookahead + 500).map(|n| shop.product_url(n)));
        let l = list(&lines);
        let c = concurrency.to_string();
        let (child, cmd) = spawn(&["-c", &c, "--timeout", "120", "-f", format, l.path()]);
        // The hang plus lookahead - 1 fast pages: every permit is taken.
        wait_for("the lookahead to fill", Duration::from_secs(30), || {
            shop.stats().page_requests() >= lookahead
        });
        // A grace period for any request the bound failed to stop; the
        // assertion is on the count, which must not move past the lookahead.
        std::thread::sleep(Duration::from_millis(500));
        let stats = shop.stats();
        assert_eq!(stats.page_requests(), lookahead, "{format}: {stats:?}");
        assert_eq!(stats.in_flight, 1, "{format}: only the hang: {stats:?}");
        // SAFETY: signalling our own child.
        assert_eq!(
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
            0
        );
        let run = Run::from_output(cmd, child.wait_with_output().unwrap());
        run.code(130);
        if format == "json" {
            let doc = run.doc();
            assert!(doc.summary.interrupted, "{run}");
            assert_eq!(doc.summary.lines_read, doc.results.len() as u64, "{run}");
            let indices: Vec<u64> = doc.results.iter().map(|r| r.index).collect();
            assert_eq!(indices, (0..indices.len() as u64).collect::<Vec<_>>());
        } else {
            let rows = csv::Reader::from_reader(run.stdout.as_bytes())
                .records()
                .count();
            assert!(rows as u64 >= lookahead, "{run}");
        }
    }
}
