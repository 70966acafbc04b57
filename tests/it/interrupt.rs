//! Ctrl-C: stop starting requests, cancel in-flight ones, flush every finished
//! record, write the rest as `cancelled`, exit 130.

use std::time::Duration;

use scrape::demo::{BackgroundShop, ShopConfig};
use scrape::error::ErrorKind;
use scrape::output::Record;

use crate::support::{list, spawn, wait_for, Run};

fn sigint(pid: u32) {
    // SAFETY: sending a signal to our own child process.
    let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
}

fn kind(r: &Record) -> Option<ErrorKind> {
    r.error.as_ref().map(|e| e.kind)
}

#[test]
fn first_sigint_flushes_and_marks_the_rest_cancelled() {
    for format in ["jsonl", "json"] {
        // A fresh shop each time: its in-flight count must start at zero.
        let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
        // Fast pages, then slow ones that will be in flight at Ctrl-C, then
        // more lines that are never started.
        let mut lines: Vec<String> = (1..=4).map(|n| shop.product_url(n)).collect();
        lines.extend((10..40).map(|n| format!("{}?delay_ms=30000", shop.product_url(n))));
        lines.push("not a url".into());
        let l = list(&lines);
        let (child, cmd) = spawn(&["-c", "4", "-f", format, l.path()]);
        wait_for("4 slow requests in flight", Duration::from_secs(20), || {
            shop.stats().in_flight >= 4
        });
        sigint(child.id());
        let run = Run::from_output(cmd, child.wait_with_output().unwrap());
        run.code(130);
        let records: Vec<Record> = if format == "jsonl" {
            run.jsonl()
        } else {
            run.doc().results
        };
        assert_eq!(records.len(), lines.len(), "one record per url line{run}");
        let mut idx: Vec<u64> = records.iter().map(|r| r.index).collect();
        idx.sort_unstable();
        assert_eq!(idx, (0..lines.len() as u64).collect::<Vec<_>>());
        // Every slow page was cancelled, in flight or not yet started (they
        // were 30 s from answering, so nothing waited for them); fast pages
        // either finished before Ctrl-C and were flushed, or were cancelled.
        for r in &records {
            if r.url.contains("delay_ms") {
                assert_eq!(kind(r), Some(ErrorKind::Cancelled), "{r:?}{run}");
            } else if r.index < 4 {
                assert!(r.ok || kind(r) == Some(ErrorKind::Cancelled), "{r:?}{run}");
            }
        }
        let last = records.iter().find(|r| r.index == 34).unwrap();
        assert_eq!(kind(last), Some(ErrorKind::InvalidUrl));
        if format == "json" {
            let cancelled = records
                .iter()
                .filter(|r| kind(r) == Some(ErrorKind::Cancelled))
                .count();
            let summary = run.doc().summary;
            assert_eq!(
                summary.errors.get(&ErrorKind::Cancelled),
                Some(&(cancelled as u64))
            );
        }
    }
}
