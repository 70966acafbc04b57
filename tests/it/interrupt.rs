//! Ctrl-C: stop starting requests, cancel in-flight ones, flush every finished
//! record, write the rest as `cancelled`, exit 130.

use std::time::Duration;

use scrape::demo::{BackgroundShop, ShopConfig};
use scrape::record::ErrorKind;
use scrape::record::Record;

use crate::support::{list, signal, spawn, wait_for, Run};

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
        signal(child.id(), libc::SIGINT);
        let run = Run::from_output(cmd, child.wait_with_output().unwrap());
        run.code(130);
        let records: Vec<Record> = if format == "jsonl" {
            run.jsonl()
        } else {
            run.doc().results
        };
        // A stopped run owes one record to every line it has *read* (README:
        // Ctrl-C races the input), so SIGINT may land before the last lines
        // are read even from a file; 4 slow pages in flight means at least
        // lines 0..8 were read.
        let read = records.len();
        assert!(
            (8..=lines.len()).contains(&read),
            "one record per line read{run}"
        );
        let mut idx: Vec<u64> = records.iter().map(|r| r.index).collect();
        idx.sort_unstable();
        assert_eq!(idx, (0..read as u64).collect::<Vec<_>>(), "{run}");
        if format == "json" {
            assert_eq!(run.doc().summary.lines_read, read as u64, "{run}");
        }
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
        if let Some(last) = records.iter().find(|r| r.index == 34) {
            assert_eq!(kind(last), Some(ErrorKind::InvalidUrl));
        }
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

/// The producer–consumer case: URLs streamed on a stdin that stays open.
/// Ctrl-C ends the run while the producer is still connected; the record
/// of the line already read is out, and the summary says the run stopped.
#[test]
fn sigint_does_not_wait_for_an_open_stdin() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let mut child = crate::support::bin()
        .args(["-f", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", shop.product_url(1)).unwrap();
    stdin.flush().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let record: Record = serde_json::from_str(&first).unwrap();
    assert_eq!((record.index, record.ok), (0, true), "{first}");

    signal(child.id(), libc::SIGINT);
    // Exited with stdin still open (it is only dropped below).
    wait_for(
        "scrape to exit after SIGINT",
        Duration::from_secs(10),
        || child.try_wait().unwrap().is_some(),
    );
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(130));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "no record for lines never read");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("interrupted after 1 line read"), "{stderr}");
}
