//! `--db`: records stored per run, price changes between runs, resuming a
//! killed run, readers while a run writes, and refusing files that are not
//! ours without touching them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use scrape::demo::{product_page, BackgroundShop, ShopConfig};
use scrape::record::{ChangeCounts, ChangeKind};
use scrape::store::{classify, Change, HistoryPoint, Observed};

use crate::support::{list, scrape, spawn, wait_for, Run};

fn read_only(db: &Path) -> Connection {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c
}

/// Committed records of `run` that count as done (not cancelled); 0 while
/// the database does not exist yet.
fn done_rows(db: &Path, run: i64) -> Vec<u64> {
    if !db.exists() {
        return Vec::new();
    }
    let c = read_only(db);
    let Ok(mut stmt) = c.prepare(
        "SELECT idx FROM records WHERE run_id = ?1
         AND (error_kind IS NULL OR error_kind <> 'cancelled') ORDER BY idx",
    ) else {
        return Vec::new(); // schema not created yet
    };
    stmt.query_map([run], |r| r.get::<_, i64>(0).map(|i| i as u64))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn observed(n: u64, epoch: u64) -> Observed {
    let e = product_page(n, epoch).expected;
    Observed {
        amount: e.as_ref().map(|e| e.amount),
        currency: e.map(|e| e.currency.to_owned()),
    }
}

#[test]
fn two_runs_report_the_price_changes_the_shop_made() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let pages: Vec<u64> = (1..=80).collect();
    let l = list(
        &pages
            .iter()
            .map(|&n| shop.product_url(n))
            .collect::<Vec<_>>(),
    );
    let db = l.dir.path().join("prices.db");
    let db_arg = db.to_str().unwrap();

    let first = scrape(&["-q", "-c", "16", "--db", db_arg, l.path()], None);
    first.code(0);
    let counts = first.doc().summary.changes.expect("changes with --db");
    assert_eq!(counts.first_seen, pages.len() as u64, "{first}");

    shop.set_price_epoch(1);
    let second = scrape(&["-c", "16", "--db", db_arg, l.path()], None);
    second.code(0);
    let mut want = ChangeCounts {
        run: 2,
        ..ChangeCounts::default()
    };
    let mut want_listed = BTreeMap::new();
    for &n in &pages {
        let (old, new) = (observed(n, 0), observed(n, 1));
        let kind = classify(&old, &new);
        want.add(Some(kind));
        if kind != ChangeKind::Unchanged {
            want_listed.insert(shop.product_url(n), (kind, old.amount, new.amount));
        }
    }
    assert!(
        want.up > 0 && want.down > 0 && want.unchanged > 0,
        "{want:?}"
    );
    assert_eq!(second.doc().summary.changes, Some(want.clone()), "{second}");
    assert!(
        second
            .stderr
            .contains(&format!("{} up, {} down", want.up, want.down)),
        "{second}"
    );

    let listed = scrape(&["changes", "--db", db_arg, "-f", "jsonl"], None);
    listed.code(0);
    let got: BTreeMap<String, (ChangeKind, _, _)> = listed
        .stdout
        .lines()
        .map(|l| {
            let c: Change = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}{listed}"));
            assert_eq!((c.old_run, c.new_run), (1, 2), "{listed}");
            if c.kind == ChangeKind::Up || c.kind == ChangeKind::Down {
                assert_eq!(c.change, Some(c.new.unwrap() - c.old.unwrap()));
            }
            (c.url, (c.kind, c.old, c.new))
        })
        .collect();
    assert_eq!(got, want_listed, "{listed}");
    // The same comparison, named by run id.
    let since = scrape(
        &["changes", "--db", db_arg, "--since", "1", "-f", "csv"],
        None,
    );
    since.code(0);
    assert_eq!(
        since.stdout.lines().count(),
        want_listed.len() + 1,
        "{since}"
    );

    let url = shop.product_url(pages[0]);
    let hist = scrape(&["history", &url, "--db", db_arg], None);
    hist.code(0);
    #[derive(serde::Deserialize)]
    struct History {
        history: Vec<HistoryPoint>,
    }
    let h: History = serde_json::from_str(&hist.stdout).unwrap_or_else(|e| panic!("{e}{hist}"));
    let series: Vec<_> = h.history.iter().map(|p| (p.run, p.amount)).collect();
    assert_eq!(
        series,
        [
            (1, observed(pages[0], 0).amount),
            (2, observed(pages[0], 1).amount)
        ],
        "{hist}"
    );
}

#[test]
fn a_killed_run_resumes_with_one_record_per_line() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let mut lines: Vec<String> = (1..=40)
        .map(|n| format!("{}?delay_ms=60", shop.product_url(n)))
        .collect();
    lines.insert(5, "not a url".into());
    let l = list(&lines);
    let db = l.dir.path().join("prices.db");
    let db_arg = db.to_str().unwrap();

    let (mut child, _) = spawn(&["-q", "-c", "2", "-f", "jsonl", "--db", db_arg, l.path()]);
    wait_for("some committed records", Duration::from_secs(30), || {
        done_rows(&db, 1).len() >= 8
    });
    child.kill().unwrap(); // SIGKILL: no chance to flush or mark anything
    child.wait().unwrap();
    let done: BTreeSet<u64> = done_rows(&db, 1).into_iter().collect();
    assert!(done.len() < lines.len(), "the run was not cut short");

    let before = shop.stats().page_requests();
    let resumed = scrape(
        &["-q", "-c", "8", "--db", db_arg, "--resume", l.path()],
        None,
    );
    resumed.code(1); // the invalid line
    let fetched = shop.stats().page_requests() - before;
    let to_fetch = (0..lines.len() as u64)
        .filter(|i| !done.contains(i) && *i != 5)
        .count() as u64;
    assert_eq!(
        fetched, to_fetch,
        "only the lines not done are fetched{resumed}"
    );

    let results = resumed.doc().results;
    let idx: Vec<u64> = results.iter().map(|r| r.index).collect();
    assert_eq!(
        idx,
        (0..lines.len() as u64).collect::<Vec<_>>(),
        "{resumed}"
    );
    // The same records as a run that was never interrupted.
    let fresh = scrape(&["-q", "-c", "8", l.path()], None);
    let key = |r: &scrape::record::Record| {
        (
            r.index,
            r.url.clone(),
            r.ok,
            r.price.clone(),
            r.title.clone(),
        )
    };
    assert_eq!(
        results.iter().map(key).collect::<Vec<_>>(),
        fresh.doc().results.iter().map(key).collect::<Vec<_>>()
    );

    let c = read_only(&db);
    let (rows, cancelled): (i64, i64) = c
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE error_kind = 'cancelled') FROM records WHERE run_id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((rows, cancelled), (lines.len() as i64, 0));
    let status: String = c
        .query_row("SELECT status FROM runs WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "finished");
    let runs: i64 = c
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        runs, 1,
        "resume continues the run, it does not start another"
    );
}

#[test]
fn a_reader_sees_committed_rows_while_a_run_writes() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let lines: Vec<String> = (1..=30)
        .map(|n| format!("{}?delay_ms=80", shop.product_url(n)))
        .collect();
    let l = list(&lines);
    let db = l.dir.path().join("prices.db");
    let (mut child, cmd) = spawn(&["-q", "-c", "1", "--db", db.to_str().unwrap(), l.path()]);
    wait_for("rows visible to a reader", Duration::from_secs(30), || {
        done_rows(&db, 1).len() >= 3
    });
    assert!(child.try_wait().unwrap().is_none(), "run still writing");
    let c = read_only(&db);
    let (status, finished): (String, Option<String>) = c
        .query_row(
            "SELECT status, finished_at FROM runs WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), finished), ("running", None));
    drop(c);
    let run = Run::from_output(cmd, child.wait_with_output().unwrap());
    run.code(0);
    assert_eq!(done_rows(&db, 1).len(), lines.len(), "{run}");
}

#[test]
fn files_that_are_not_scrape_databases_are_refused_untouched() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let l = list(&[shop.product_url(1)]);
    let random = l.dir.path().join("random.db");
    let bytes: Vec<u8> = (0..64 * 1024).map(|_| fastrand::u8(..)).collect();
    std::fs::write(&random, &bytes).unwrap();
    let foreign = l.dir.path().join("foreign.db");
    {
        let c = Connection::open(&foreign).unwrap();
        c.execute_batch(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO customers (name) VALUES ('Ada');",
        )
        .unwrap();
    }
    for path in [&random, &foreign] {
        let before = std::fs::read(path).unwrap();
        let arg = path.to_str().unwrap();
        let run = scrape(&["-q", "--db", arg, l.path()], None);
        run.code(2);
        assert!(run.stderr.contains("not a scrape database"), "{run}");
        assert_eq!(std::fs::read(path).unwrap(), before, "file changed{run}");
        for (sub, extra) in [("changes", None), ("history", Some("http://127.0.0.1:1/"))] {
            let mut args = vec![sub, "--db", arg];
            args.extend(extra);
            scrape(&args, None).code(2);
        }
        assert_eq!(std::fs::read(path).unwrap(), before);
    }
    assert_eq!(
        shop.stats().page_requests(),
        0,
        "nothing fetched before the db was checked"
    );
    let missing = l.dir.path().join("missing.db");
    let run = scrape(&["changes", "--db", missing.to_str().unwrap()], None);
    run.code(2);
    assert!(run.stderr.contains("no database"), "{run}");
    assert!(!missing.exists());
}

#[test]
fn a_ctrl_c_run_resumes_and_refetches_its_cancelled_lines() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let mut lines: Vec<String> = (1..=4).map(|n| shop.product_url(n)).collect();
    // Slow enough to be in flight at Ctrl-C, fast enough to resume in seconds.
    lines.extend((10..20).map(|n| format!("{}?delay_ms=2000", shop.product_url(n))));
    let l = list(&lines);
    let db = l.dir.path().join("prices.db");
    let db_arg = db.to_str().unwrap();
    let (child, cmd) = spawn(&["-c", "4", "-f", "jsonl", "--db", db_arg, l.path()]);
    wait_for("4 slow requests in flight", Duration::from_secs(20), || {
        shop.stats().in_flight >= 4
    });
    // SAFETY: sending a signal to our own child process.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let run = Run::from_output(cmd, child.wait_with_output().unwrap());
    run.code(130);
    let c = read_only(&db);
    let (status, cancelled): (String, i64) = c
        .query_row(
            "SELECT status, (SELECT count(*) FROM records WHERE error_kind = 'cancelled')
             FROM runs WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "interrupted", "{run}");
    assert!(cancelled >= 10, "the slow lines were cancelled{run}");
    drop(c);

    // Only the cancelled lines are fetched again.
    let before = shop.stats().page_requests();
    let resumed = scrape(
        &["-q", "-c", "10", "--db", db_arg, "--resume", l.path()],
        None,
    );
    resumed.code(0);
    assert_eq!(
        shop.stats().page_requests() - before,
        cancelled as u64,
        "{resumed}"
    );
    let results = resumed.doc().results;
    assert_eq!(results.len(), lines.len());
    assert!(results.iter().all(|r| r.ok), "{resumed}");
}

/// A database that fails mid-run (here: another process holds its write
/// lock past the busy timeout) fails the run with exit 2 and a message, and
/// stdout's JSON document is still complete.
#[test]
fn a_failed_database_still_finishes_stdout_document() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db_arg = db.to_str().unwrap();
    let first = list(&[shop.product_url(1)]);
    scrape(&["-q", "--db", db_arg, first.path()], None).code(0);

    // A slow first page, so the lock below is taken while the run is on.
    let l = list(&[
        format!("{}?delay_ms=1500", shop.product_url(2)),
        shop.product_url(3),
    ]);
    let (child, cmd) = spawn(&["-q", "--db", db_arg, l.path()]);
    wait_for("the second run to start", Duration::from_secs(20), || {
        read_only(&db)
            .query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0))
            .is_ok_and(|n| n == 2)
    });
    let locker = Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let run = Run::from_output(cmd, child.wait_with_output().unwrap());
    drop(locker);
    run.code(2);
    assert!(run.stderr.contains("error"), "{run}");
    let doc = run.doc();
    assert_eq!(doc.results.len(), 2, "{run}");
}
