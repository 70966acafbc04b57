//! Output formats, atomic files, stdout purity, exit codes.

use std::process::{Command, Stdio};

use scrape::demo::{BackgroundShop, ShopConfig};

use crate::support::{list, scrape, urls};

fn shop_and_list(paths: &[&str]) -> (BackgroundShop, crate::support::List) {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let l = list(&urls(&shop, paths));
    (shop, l)
}

#[test]
fn json_document_with_summary_and_exact_prices() {
    let paths: Vec<String> = (1..=30).map(|n| format!("/product/{n}")).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (_shop, l) = shop_and_list(&paths);
    let run = scrape(&["-c", "8", l.path()], None);
    run.code(0);
    let doc = run.doc();
    assert_eq!(
        doc.results.iter().map(|r| r.index).collect::<Vec<_>>(),
        (0..30).collect::<Vec<u64>>()
    );
    let s = &doc.summary;
    assert_eq!(
        (s.urls, s.ok, s.failed, s.mode.as_str(), s.concurrency),
        (30, 30, 0, "concurrent", 8)
    );
    assert!(s.latency_ms.p50 > 0.0 && s.latency_ms.max >= s.latency_ms.p99);
    assert!(s.pages_per_sec > 0.0);
    let priced: u64 = s.prices.values().map(|c| c.count).sum();
    assert!(priced > 0 && priced <= s.priced);
    // Amounts are JSON numbers with the page's digits, never float noise.
    let raw: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    for r in raw["results"].as_array().unwrap() {
        if let Some(amount) = r["price"].get("amount") {
            assert!(amount.is_number(), "{amount}");
            let text = amount.to_string();
            assert!(!text.contains('e') && text.len() < 16, "{text}");
        }
    }
    // The human summary goes to stderr.
    assert!(run.stderr.contains("30 urls, 30 ok"), "{run}");
}

#[test]
fn jsonl_stdout_carries_only_records() {
    let (_shop, l) = shop_and_list(&["/product/1", "/status/404", "/product/2"]);
    let run = scrape(&["-f", "jsonl", "-v", l.path()], None);
    run.code(1);
    let recs = run.jsonl();
    assert_eq!(recs.len(), 3);
    assert!(!run.stderr.is_empty(), "summary and logs go to stderr");
    // No progress bar or colour when stderr is not a terminal.
    assert!(!run.stderr.contains('\u{1b}'), "{run}");
}

#[test]
fn csv_has_one_row_per_record() {
    let (_shop, l) = shop_and_list(&["/product/1", "nope", "/product/2"]);
    let run = scrape(&["-q", "-f", "csv", l.path()], None);
    let mut rdr = csv::Reader::from_reader(run.stdout.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "index");
    assert!(headers.iter().any(|h| h == "price_amount"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "{run}");
    assert_eq!(
        &rows[1][headers.iter().position(|h| h == "error_kind").unwrap()],
        "invalid_url"
    );
}

#[test]
fn output_file_is_written_atomically() {
    let (_shop, l) = shop_and_list(&["/product/1", "/product/2"]);
    let out = l.dir.path().join("out.json");
    let run = scrape(&["-q", "-o", out.to_str().unwrap(), l.path()], None);
    run.code(0);
    assert!(run.stdout.is_empty(), "{run}");
    let doc: scrape::output::Document =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc.results.len(), 2);
    let leftovers: Vec<_> = std::fs::read_dir(l.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // An unwritable destination fails the run before any request.
    let run = scrape(&["-q", "-o", "/nonexistent-dir/out.json", l.path()], None);
    run.code(2);
    assert!(run.stderr.contains("cannot write output"), "{run}");
}

#[test]
fn strict_counts_missing_prices() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    // Find a page the shop serves without a price.
    let n = (1..200)
        .find(|&n| scrape::demo::product_page(n, 0).expected.is_none())
        .expect("the shop has pages without a price");
    let l = list(&[shop.product_url(n)]);
    let run = scrape(&["-q", l.path()], None);
    run.code(0);
    assert_eq!(run.doc().results[0].price, None);
    assert!(run.doc().results[0].ok);
    scrape(&["-q", "--strict", l.path()], None).code(1);
}

#[test]
fn quiet_success_prints_nothing_on_stderr() {
    let (_shop, l) = shop_and_list(&["/product/1"]);
    let run = scrape(&["-q", l.path()], None);
    run.code(0);
    assert!(run.stderr.is_empty(), "{run}");
}

#[test]
fn broken_pipe_is_a_quiet_exit() {
    let paths: Vec<String> = (1..=300).map(|n| format!("/product/{n}")).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (_shop, l) = shop_and_list(&paths);
    let mut child = crate::support::bin()
        .args(["-q", "-f", "jsonl", l.path()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then hang up, as `| head -1` does.
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with('{'));
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pipes_into_jq() {
    if Command::new("jq").arg("--version").output().is_err() {
        eprintln!("jq is not installed; skipping (CI installs it)");
        return;
    }
    let (_shop, l) = shop_and_list(&["/product/1", "/product/2", "/status/404"]);
    let jq = |args: &[&str], filter: &str| {
        let mut scrape = crate::support::bin()
            .args(args)
            .arg(l.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pipe = scrape.stdout.take().unwrap();
        let out = Command::new("jq")
            .args(["-c", filter])
            .stdin(pipe)
            .output()
            .unwrap();
        scrape.wait().unwrap();
        assert!(
            out.status.success(),
            "jq {filter} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(jq(&["-q"], ".summary.urls"), "3\n");
    assert_eq!(
        jq(&["-q"], "[.results[] | select(.ok) | .index]"),
        "[0,1]\n"
    );
    assert_eq!(jq(&["-q"], ".summary.errors.http_status"), "1\n");
    let kinds = jq(&["-q", "-f", "jsonl"], "select(.ok | not) | .error.kind");
    assert_eq!(kinds, "\"http_status\"\n");
}

/// "Complete or not at all": an input that fails mid-run (here a directory,
/// which opens but cannot be read) leaves no `-o` file behind.
#[test]
fn a_failed_input_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("list");
    std::fs::create_dir(&input).unwrap();
    let out = dir.path().join("out.json");
    let run = scrape(
        &["-q", "-o", out.to_str().unwrap(), input.to_str().unwrap()],
        None,
    );
    run.code(2);
    assert!(run.stderr.contains("cannot read url list"), "{run}");
    assert!(!out.exists(), "{run}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
    // On stdout, already being read, the document is still finished.
    let run = scrape(&["-q", input.to_str().unwrap()], None);
    run.code(2);
    assert_eq!(run.doc().results.len(), 0, "{run}");
}

/// Duplicate lines share one fetch; its retries and latency count once.
#[test]
fn duplicates_do_not_count_retries_twice() {
    let (_shop, l) = shop_and_list(&["/flaky/5", "/flaky/5", "/flaky/5"]);
    let run = scrape(&["-q", "-c", "1", l.path()], None);
    run.code(0);
    let doc = run.doc();
    let attempts: Vec<u32> = doc.results.iter().map(|r| r.attempts).collect();
    assert_eq!(attempts, [3, 0, 0], "{run}");
    assert!(
        doc.results.iter().all(|r| r.ok && r.price.is_some()),
        "{run}"
    );
    assert_eq!(doc.summary.retries, 2, "{run}");
    // One latency sample (the histogram keeps three significant digits).
    let (max, first) = (doc.summary.latency_ms.max, doc.results[0].elapsed_ms);
    assert!((max - first).abs() < 1.0, "{run}");
    assert_eq!(doc.summary.latency_ms.p50, max, "{run}");
}
