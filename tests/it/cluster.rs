//! Scale-out on Redis Streams, end to end: the real binary as `enqueue`,
//! several `worker` processes (one SIGKILLed mid-run, one stopped with
//! Ctrl-C), `collect` and `status`, against a real `redis-server` and the
//! demo shop. Skipped, with a note, where `redis-server` is not installed
//! (a failure under `CI=true`).

use std::process::Child;
use std::time::Duration;

use redis::streams::StreamInfoConsumersReply;
use scrape::demo::{product_page, BackgroundShop, ShopConfig};
use scrape::output::Document;
use scrape::record::{ErrorKind, Record};

use crate::support::redis_server::{closed_port, RedisServer};
use crate::support::{list, scrape, signal, spawn, wait_for, Run};

/// Product pages spread over the shop's three listeners (three hosts), with
/// one line that is not a URL, in the middle.
fn three_host_list(shop: &BackgroundShop, pages: u64) -> Vec<String> {
    let addrs = shop.addrs();
    let mut lines: Vec<String> = (1..=pages)
        .map(|n| format!("http://{}/product/{n}", addrs[n as usize % addrs.len()]))
        .collect();
    lines.insert(pages as usize / 2, "not a url".into());
    lines
}

/// Records with their timings cleared: what two runs must agree on.
fn untimed(mut records: Vec<Record>) -> Vec<Record> {
    for r in &mut records {
        r.elapsed_ms = 0.0;
    }
    records
}

/// 10 000 lines over three hosts, three workers at `-c 8 --per-host 2`,
/// one SIGKILLed mid-run: every line one record, in order, prices right;
/// and the shop never saw more than 2 requests at once on any host, across
/// the workers (each alone would allow 2, so 6 without the job-wide
/// limiter: checked by running this with the limiter off, peaks 4-6).
#[test]
fn three_workers_one_killed_every_line_exactly_once_in_order() {
    let Some(server) = RedisServer::start("three_workers_one_killed") else {
        return;
    };
    let shop = BackgroundShop::start(ShopConfig {
        latency: Duration::from_millis(2),
        jitter: Duration::from_millis(4),
        listeners: 3,
        ..ShopConfig::default()
    })
    .unwrap();
    let lines = three_host_list(&shop, 9999);
    let l = list(&lines);
    let url = server.url();
    let job = "nightly";
    let enqueue = ["enqueue", "--redis", &url, "--job", job, "-q", l.path()];
    scrape(&enqueue, None).code(0);
    assert_eq!(
        server.job_meta(job, "lines").unwrap_or(0),
        lines.len() as u64
    );
    // A second enqueue of the same job adds nothing.
    let again = scrape(&enqueue, None);
    again.code(2);
    assert!(again.stderr.contains("already enqueued"), "{again}");

    let worker = [
        "worker",
        "--redis",
        &url,
        "--job",
        job,
        "-c",
        "8",
        "--per-host",
        "2",
        // robots.txt is fetched outside the cap (as in a local run): one
        // per worker and host would blur the peak.
        "--ignore-robots",
        "--claim-idle",
        "1",
    ];
    let mut workers: Vec<(Child, String)> = (0..3).map(|_| spawn(&worker)).collect();
    wait_for("1500 records stored", Duration::from_secs(120), || {
        server.job_meta(job, "done").unwrap_or(0) >= 1500
    });
    let (victim, _) = workers.remove(0);
    signal(victim.id(), libc::SIGKILL);
    let mut victim = victim;
    let _ = victim.wait();
    // The killed worker held entries it never stored: the others claim them.
    let consumers: StreamInfoConsumersReply = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(format!("scrape:{{{job}}}:urls"))
        .arg("workers")
        .query(&mut server.conn())
        .unwrap();
    let tag = format!("-{}-", victim.id());
    let held = consumers
        .consumers
        .iter()
        .find(|c| c.name.contains(&tag))
        .map(|c| c.pending);
    assert!(held.is_some_and(|n| n > 0), "killed worker held {held:?}");
    for (child, cmd) in workers {
        let run = Run::from_output(cmd, child.wait_with_output().unwrap());
        // 1: the "not a url" line is a failed record, as in a local run.
        assert!(run.code == 0 || run.code == 1, "{run}");
        assert!(run.stderr.contains("stored"), "{run}");
    }
    assert_eq!(
        server.job_meta(job, "done").unwrap_or(0),
        lines.len() as u64
    );
    // The cap held for the whole job, and was used (not one at a time).
    let peaks: Vec<usize> = shop
        .stats()
        .per_listener
        .iter()
        .map(|l| l.peak_in_flight)
        .collect();
    assert_eq!(peaks, vec![2, 2, 2], "peak in flight per host");

    let collect = scrape(
        &["collect", "--redis", &url, "--job", job, "-f", "json"],
        None,
    );
    collect.code(1);
    let doc: Document = collect.doc();
    let indexes: Vec<u64> = doc.results.iter().map(|r| r.index).collect();
    assert_eq!(indexes, (0..lines.len() as u64).collect::<Vec<_>>());
    for r in &doc.results {
        if lines[r.index as usize] == "not a url" {
            assert_eq!(
                r.error.as_ref().map(|e| e.kind),
                Some(ErrorKind::InvalidUrl)
            );
            continue;
        }
        let n: u64 = r.url.rsplit('/').next().unwrap().parse().unwrap();
        let want = product_page(n, 0).expected;
        let got = r.price.as_ref().map(|p| (p.amount, p.currency.clone()));
        assert_eq!(
            got,
            want.map(|e| (e.amount, Some(e.currency.to_string()))),
            "{r:?}"
        );
    }
    assert_eq!(doc.summary.urls, lines.len() as u64);

    // The same list scraped locally gives the same records.
    let local = scrape(&["-f", "json", "-c", "8", l.path()], None);
    local.code(1);
    assert_eq!(untimed(local.doc().results), untimed(doc.results));
}

/// How many records a worker's closing line says it stored.
fn stored(run: &Run) -> u64 {
    run.stderr
        .split("stored ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no stored count{run}"))
}

/// `--delay` holds for the job: two workers on the same three hosts, and
/// the shop's own record of when each request began shows every two starts
/// on one host at least the delay apart (less 10 % for the time between
/// Redis's grant and the request's arrival). Each worker alone would space
/// only its own requests, so two would start about together.
#[test]
fn delay_spaces_starts_across_workers() {
    let Some(server) = RedisServer::start("delay_spaces_starts_across_workers") else {
        return;
    };
    let shop = BackgroundShop::start(ShopConfig {
        listeners: 3,
        ..ShopConfig::default()
    })
    .unwrap();
    let per_host = 8;
    let lines = three_host_list(&shop, 3 * per_host);
    let lines: Vec<String> = lines.into_iter().filter(|l| l != "not a url").collect();
    let l = list(&lines);
    let url = server.url();
    let job = "paced";
    scrape(&["enqueue", "--redis", &url, "--job", job, l.path()], None).code(0);
    let delay = Duration::from_millis(250);
    let args = [
        "worker",
        "--redis",
        &url,
        "--job",
        job,
        "-c",
        "4",
        "--delay",
        "0.25",
        "--ignore-robots",
    ];
    let workers: Vec<_> = (0..2).map(|_| spawn(&args)).collect();
    let mut counts = Vec::new();
    for (child, cmd) in workers {
        let run = Run::from_output(cmd, child.wait_with_output().unwrap());
        run.code(0);
        counts.push(stored(&run));
    }
    assert_eq!(counts.iter().sum::<u64>(), lines.len() as u64);
    assert!(
        counts.iter().all(|&n| n > 0),
        "one worker did it all: {counts:?}"
    );
    for host in shop.stats().per_listener {
        let mut starts = host.starts.clone();
        starts.sort();
        assert_eq!(starts.len() as u64, per_host, "{:?}", host.addr);
        let least = starts.windows(2).map(|w| w[1] - w[0]).min().unwrap();
        // Without one clock for the job the two workers' own 250 ms streams
        // interleave and put two starts at most ~125 ms apart (29 ms measured
        // with the limiter off); 0.6 × delay leaves 100 ms for a worker
        // scheduled late between its grant and its request on a loaded CI.
        assert!(
            least >= delay.mul_f64(0.6),
            "{:?}: two starts {least:?} apart",
            host.addr
        );
    }
}

#[test]
fn ctrl_c_hands_entries_back_and_another_worker_finishes_them() {
    let Some(server) = RedisServer::start("ctrl_c_hands_entries_back") else {
        return;
    };
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    // Slow pages hold the worker's requests in flight at Ctrl-C.
    let lines: Vec<String> = (1..=40)
        .map(|n| format!("{}?delay_ms=400", shop.product_url(n)))
        .collect();
    let l = list(&lines);
    let url = server.url();
    let job = "ctrlc";
    scrape(&["enqueue", "--redis", &url, "--job", job, l.path()], None).code(0);
    // A claim idle of an hour: the second worker finishes in time only if
    // the first handed its entries back.
    let args = [
        "worker",
        "--redis",
        &url,
        "--job",
        job,
        "-c",
        "4",
        "--claim-idle",
        "3600",
    ];
    let (first, cmd) = spawn(&args);
    wait_for("4 requests in flight", Duration::from_secs(30), || {
        shop.stats().in_flight >= 4
    });
    signal(first.id(), libc::SIGINT);
    let run = Run::from_output(cmd, first.wait_with_output().unwrap());
    run.code(130);
    assert!(!run.stderr.contains(" 0 handed back"), "{run}");
    let second = scrape(&args, None);
    second.code(0);
    let collect = scrape(
        &["collect", "--redis", &url, "--job", job, "-f", "jsonl"],
        None,
    );
    collect.code(0);
    let mut records = collect.jsonl();
    records.sort_by_key(|r| r.index);
    assert_eq!(records.len(), lines.len(), "{collect}");
    assert!(records.iter().all(|r| r.ok), "{collect}");
}

#[test]
fn unreachable_redis_is_a_clear_error() {
    // No server needed: nothing listens on this port.
    let url = format!("redis://127.0.0.1:{}/", closed_port());
    let l = list(&["http://127.0.0.1:1/".to_string()]);
    for args in [
        vec!["enqueue", "--redis", &url, "--job", "j", l.path()],
        vec!["worker", "--redis", &url, "--job", "j"],
        vec!["collect", "--redis", &url, "--job", "j"],
        vec!["status", "--redis", &url, "--job", "j"],
    ] {
        let run = scrape(&args, None);
        run.code(2);
        assert!(run.stderr.contains("cannot reach redis at"), "{run}");
    }
}

#[test]
fn unknown_and_unfinished_jobs_are_refused() {
    let Some(server) = RedisServer::start("unknown_and_unfinished_jobs") else {
        return;
    };
    let url = server.url();
    let run = scrape(&["worker", "--redis", &url, "--job", "nope"], None);
    run.code(2);
    assert!(run.stderr.contains("does not exist"), "{run}");
    let l = list(&[
        "http://127.0.0.1:1/a".to_string(),
        "http://127.0.0.1:1/b".into(),
    ]);
    scrape(&["enqueue", "--redis", &url, "--job", "j", l.path()], None).code(0);
    // --delete deletes only what was collected: an unfinished job stays.
    let run = scrape(
        &["collect", "--redis", &url, "--job", "j", "--delete"],
        None,
    );
    run.code(2);
    assert!(run.stderr.contains("0 of 2 lines done"), "{run}");
    assert_eq!(server.job_meta("j", "lines").unwrap_or(0), 2);
    let status = scrape(&["status", "--redis", &url, "--job", "j", "--json"], None);
    status.code(0);
    let v: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(v["lines"], 2);
    assert_eq!(v["waiting"], 2);
    assert_eq!(v["done"], 0);
}

/// A database's records, every column but timings and the run's id, in
/// line order.
fn stored_rows(db: &std::path::Path) -> Vec<Vec<Option<String>>> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut stmt = c
        .prepare(
            "SELECT idx, url, final_url, ok, status, amount, currency, price_text, source,
                    title, attempts, error_kind, error_message
             FROM records ORDER BY idx",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |row| {
            (0..13)
                .map(|i| {
                    let v: rusqlite::types::Value = row.get(i)?;
                    Ok(match v {
                        rusqlite::types::Value::Null => None,
                        rusqlite::types::Value::Integer(n) => Some(n.to_string()),
                        rusqlite::types::Value::Real(x) => Some(x.to_string()),
                        rusqlite::types::Value::Text(t) => Some(t),
                        rusqlite::types::Value::Blob(b) => Some(format!("{b:?}")),
                    })
                })
                .collect()
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// `collect --db` stores the job as one run, the rows a local `--db` run
/// stores for the same list, and reports its price changes the same way.
#[test]
fn collect_db_stores_what_a_local_run_stores() {
    let Some(server) = RedisServer::start("collect_db_stores_what_a_local_run_stores") else {
        return;
    };
    let shop = BackgroundShop::start(ShopConfig {
        listeners: 3,
        ..ShopConfig::default()
    })
    .unwrap();
    let lines = three_host_list(&shop, 60);
    let l = list(&lines);
    let url = server.url();
    let job = "history";
    scrape(&["enqueue", "--redis", &url, "--job", job, l.path()], None).code(0);
    let worker = ["worker", "--redis", &url, "--job", job, "-c", "8", "-q"];
    let (a, b) = (spawn(&worker), spawn(&worker));
    for (child, cmd) in [a, b] {
        let run = Run::from_output(cmd, child.wait_with_output().unwrap());
        assert!(run.code == 0 || run.code == 1, "{run}");
    }
    let collected_db = l.dir.path().join("collected.db");
    let local_db = l.dir.path().join("local.db");
    let collect = scrape(
        &[
            "collect",
            "--redis",
            &url,
            "--job",
            job,
            "--db",
            collected_db.to_str().unwrap(),
        ],
        None,
    );
    collect.code(1);
    let local = scrape(
        &["-c", "8", "--db", local_db.to_str().unwrap(), l.path()],
        None,
    );
    local.code(1);
    let rows = stored_rows(&collected_db);
    assert_eq!(rows.len(), lines.len());
    assert_eq!(rows, stored_rows(&local_db));
    assert_eq!(
        collect.doc().summary.changes,
        local.doc().summary.changes,
        "{collect}"
    );
    // The history of one page reads the same from either database.
    let page = &lines[1];
    let history = |db: &std::path::Path| {
        let run = scrape(&["history", page, "--db", db.to_str().unwrap()], None);
        run.code(0);
        let mut doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let points = doc["history"].as_array_mut().unwrap();
        assert_eq!(points.len(), 1, "{run}");
        for p in points.iter_mut() {
            p.as_object_mut().unwrap().remove("fetched_at");
        }
        doc
    };
    assert_eq!(history(&collected_db), history(&local_db));
}
