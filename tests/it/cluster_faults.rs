//! Scale-out under faults and over time: Redis restarted under running
//! workers, an enqueue interrupted half-way then resumed, the per-host
//! limiter's leases outliving their TTL (renewed) or their worker
//! (reclaimed), a `--follow` worker across two incarnations of a job
//! (`collect --delete` between), and a job deleted under a worker. Real
//! `redis-server`, real binary; skipped where `redis-server` is missing (a
//! failure under CI=true).

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use redis::streams::StreamInfoConsumersReply;
use scrape::demo::{BackgroundShop, ShopConfig};

use crate::support::redis_server::RedisServer;
use crate::support::{bin, list, scrape, signal, spawn, wait_for, Run};

#[test]
fn workers_ride_out_a_redis_restart() {
    let Some(mut server) = RedisServer::start_persistent("workers_ride_out_a_redis_restart") else {
        return;
    };
    let shop = BackgroundShop::start(ShopConfig {
        latency: Duration::from_millis(5),
        ..ShopConfig::default()
    })
    .unwrap();
    let lines: Vec<String> = (1..=600).map(|n| shop.product_url(n)).collect();
    let l = list(&lines);
    let url = server.url();
    let job = "restart";
    scrape(&["enqueue", "--redis", &url, "--job", job, l.path()], None).code(0);
    let args = [
        "worker",
        "--redis",
        &url,
        "--job",
        job,
        "-c",
        "4",
        "--claim-idle",
        "2",
    ];
    let workers: Vec<_> = (0..2).map(|_| spawn(&args)).collect();
    wait_for("100 records stored", Duration::from_secs(60), || {
        server.job_meta(job, "done").unwrap_or(0) >= 100
    });
    // Down long enough for every worker to notice and back off.
    server.restart(Duration::from_millis(700));
    for (child, cmd) in workers {
        let run = Run::from_output(cmd, child.wait_with_output().unwrap());
        run.code(0);
        assert!(
            run.stderr.contains("retrying"),
            "the outage went unseen{run}"
        );
    }
    let collect = scrape(
        &["collect", "--redis", &url, "--job", job, "-f", "json"],
        None,
    );
    collect.code(0);
    let indexes: Vec<u64> = collect.doc().results.iter().map(|r| r.index).collect();
    assert_eq!(indexes, (0..lines.len() as u64).collect::<Vec<_>>());
}

#[test]
fn an_interrupted_enqueue_resumes_without_duplicates() {
    let Some(server) = RedisServer::start("an_interrupted_enqueue_resumes") else {
        return;
    };
    let lines: Vec<String> = (0..3000)
        .map(|n| format!("http://127.0.0.1:1/product/{n}"))
        .collect();
    let l = list(&lines);
    let url = server.url();
    let job = "big";
    // Half the list on a stdin that stays open, then Ctrl-C.
    let mut child = bin()
        .args(["enqueue", "--redis", &url, "--job", job, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all((lines[..1500].join("\n") + "\n").as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    wait_for("a first batch enqueued", Duration::from_secs(30), || {
        server.job_meta(job, "enqueued").unwrap_or(0) >= 1000
    });
    signal(child.id(), libc::SIGINT);
    let run = Run::from_output("scrape enqueue -".into(), child.wait_with_output().unwrap());
    drop(stdin);
    run.code(130);
    let first = server.job_meta(job, "enqueued").unwrap();
    assert!((1000..=1500).contains(&first), "{first}{run}");

    // Another list under the same name is refused...
    let mut other = lines.clone();
    other[0] = "http://127.0.0.1:1/other".into();
    let o = list(&other);
    let refused = scrape(&["enqueue", "--redis", &url, "--job", job, o.path()], None);
    refused.code(2);
    assert!(refused.stderr.contains("differs"), "{refused}");
    // ...the same list goes on where the first enqueue stopped.
    let resumed = scrape(&["enqueue", "--redis", &url, "--job", job, l.path()], None);
    resumed.code(0);
    assert!(
        resumed
            .stderr
            .contains(&format!("resumed after line {first}")),
        "{resumed}"
    );
    let len: u64 = redis::cmd("XLEN")
        .arg(format!("scrape:{{{job}}}:urls"))
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(len, lines.len() as u64);
    assert_eq!(server.job_meta(job, "lines"), Some(lines.len() as u64));
    // Each index once, in order.
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(format!("scrape:{{{job}}}:urls"))
        .arg("-")
        .arg("+")
        .query(&mut server.conn())
        .unwrap();
    let indexes: Vec<u64> = entries
        .iter()
        .map(|(_, fields)| fields[0].1.parse().unwrap())
        .collect();
    assert_eq!(indexes, (0..lines.len() as u64).collect::<Vec<_>>());
}

/// The limiter's leases against a real Redis: a lease held longer than its
/// TTL by a live worker keeps its place (renewed), a dead worker's lease
/// (expired, never released) is reclaimed by the next ask, and a released
/// one frees its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limiter_leases_are_renewed_reclaimed_and_released() {
    use scrape::cluster::limiter::{RedisGate, LEASE_TTL};
    use scrape::cluster::{JobKeys, Redis};
    use scrape::engine::{Refused, SharedGate};
    use tokio_util::sync::CancellationToken;

    let Some(server) = RedisServer::start("limiter_leases") else {
        return;
    };
    let keys = JobKeys::new("leases");
    let host = "http://127.0.0.1:9";
    let redis = Redis::connect(&server.url(), &[]).await.unwrap();
    let gate = |owner: &'static str| {
        let (redis, keys) = (&redis, &keys);
        async move {
            RedisGate::start(redis, keys, owner, CancellationToken::new())
                .await
                .unwrap()
        }
    };
    // A dead worker's lease: expired long ago (score in µs), never released.
    let leases = keys.host(host, "leases");
    let _: () = redis::cmd("ZADD")
        .arg(&leases)
        .arg(1)
        .arg("dead-0")
        .query(&mut server.conn())
        .unwrap();
    let (a, _keeper_a) = gate("a").await;
    let (b, _keeper_b) = gate("b").await;
    let held = a
        .try_start(host, 1, Duration::ZERO)
        .await
        .unwrap_or_else(|r| panic!("the dead lease was not reclaimed: {r:?}"));
    let dead: Option<f64> = redis::cmd("ZSCORE")
        .arg(&leases)
        .arg("dead-0")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(dead, None);
    // Held past its TTL: still held, because `a` renews it.
    tokio::time::sleep(LEASE_TTL + Duration::from_secs(1)).await;
    assert_eq!(
        b.try_start(host, 1, Duration::ZERO).await.err(),
        Some(Refused::Full)
    );
    drop(held);
    // Released through `a`'s keeper: `b` gets the place soon after.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match b.try_start(host, 1, Duration::ZERO).await {
            Ok(_) => break,
            Err(Refused::Full) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(r) => panic!("the released lease stayed taken: {r:?}"),
        }
    }
}

/// How often the server ran `command` (INFO commandstats).
fn calls(server: &RedisServer, command: &str) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut server.conn())
        .unwrap();
    let key = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|l| l.strip_prefix(&key))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |n| n.parse().unwrap())
}

fn job_keys(server: &RedisServer, job: &str) -> Vec<String> {
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("scrape:{{{job}}}:*"))
        .query(&mut server.conn())
        .unwrap();
    keys.sort();
    keys
}

/// The nightly pattern with one long-lived worker: started with `--follow`
/// before the job exists, it waits, finishes the job, stays; `collect
/// --delete` writes the records and deletes every key of the job (the
/// limiter's too); the same name enqueued again with another list is
/// finished by the same worker; Ctrl-C then exits 130.
#[test]
fn a_follow_worker_finishes_each_incarnation_of_its_job() {
    let Some(server) = RedisServer::start("a_follow_worker_finishes_each_incarnation") else {
        return;
    };
    let shop = BackgroundShop::start(ShopConfig {
        latency: Duration::from_millis(2),
        ..ShopConfig::default()
    })
    .unwrap();
    let url = server.url();
    let job = "nightly";
    // --delay: the limiter keeps a next-start key per host, which outlives
    // the job by a minute unless `collect --delete` removes it.
    let (mut worker, cmd) = spawn(&[
        "worker", "--redis", &url, "--job", job, "--follow", "-c", "4", "--delay", "0.001",
    ]);
    // Two polls of a job that does not exist: it waits instead of exiting.
    wait_for("the worker to poll twice", Duration::from_secs(30), || {
        calls(&server, "hgetall") >= 2
    });
    let nights: [Vec<String>; 2] = [
        (1..=30).map(|n| shop.product_url(n)).collect(),
        (31..=50).map(|n| shop.product_url(n)).collect(),
    ];
    for (night, lines) in nights.iter().enumerate() {
        let l = list(lines);
        scrape(&["enqueue", "--redis", &url, "--job", job, l.path()], None).code(0);
        wait_for("the job drained", Duration::from_secs(60), || {
            server.job_meta(job, "done") == Some(lines.len() as u64)
        });
        // A worker leaves the group once it sees the job drained: it goes
        // on waiting from there (not from a deletion it ran into).
        wait_for(
            "the worker to see the job drained",
            Duration::from_secs(30),
            || {
                let consumers: StreamInfoConsumersReply = redis::cmd("XINFO")
                    .arg("CONSUMERS")
                    .arg(format!("scrape:{{{job}}}:urls"))
                    .arg("workers")
                    .query(&mut server.conn())
                    .unwrap();
                consumers.consumers.is_empty()
            },
        );
        assert!(worker.try_wait().unwrap().is_none(), "the worker exited");
        let out = l.dir.path().join("prices.jsonl");
        let out = out.to_str().unwrap();
        let collect = scrape(
            &[
                "collect", "--redis", &url, "--job", job, "-f", "jsonl", "-o", out, "--delete",
            ],
            None,
        );
        collect.code(0);
        assert!(collect.stderr.contains("deleted from redis"), "{collect}");
        assert_eq!(
            job_keys(&server, job),
            Vec::<String>::new(),
            "night {night}"
        );
        let text = std::fs::read_to_string(out).unwrap();
        let mut urls: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<scrape::record::Record>(l)
                    .unwrap()
                    .url
            })
            .collect();
        urls.sort();
        let mut want = lines.clone();
        want.sort();
        assert_eq!(urls, want, "night {night}");
    }
    signal(worker.id(), libc::SIGINT);
    let run = Run::from_output(cmd, worker.wait_with_output().unwrap());
    run.code(130);
    assert!(run.stderr.contains("stored 30 records"), "{run}");
    assert!(run.stderr.contains("stored 20 records"), "{run}");
}

/// The consumers of a job's group with the entries each holds.
fn holders(server: &RedisServer, job: &str) -> Vec<u64> {
    let consumers: Result<StreamInfoConsumersReply, _> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(format!("scrape:{{{job}}}:urls"))
        .arg("workers")
        .query(&mut server.conn());
    consumers.map_or_else(
        |_| Vec::new(),
        |c| c.consumers.iter().map(|c| c.pending as u64).collect(),
    )
}

/// A job deleted (by hand: `collect --delete` takes finished jobs only)
/// under two workers holding its lines: neither hangs nor fails with
/// Redis's NOGROUP. The plain one says what happened and exits 2; the
/// `--follow` one says so too, waits, and finishes the job enqueued again
/// under the same name; Ctrl-C then exits 130.
#[test]
fn a_job_deleted_under_workers_is_a_clear_exit_or_a_wait() {
    let Some(server) = RedisServer::start("a_job_deleted_under_workers") else {
        return;
    };
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let lines: Vec<String> = (1..=40)
        .map(|n| format!("{}?delay_ms=300", shop.product_url(n)))
        .collect();
    let l = list(&lines);
    let url = server.url();
    let job = "doomed";
    scrape(&["enqueue", "--redis", &url, "--job", job, l.path()], None).code(0);
    let plain = ["worker", "--redis", &url, "--job", job, "-c", "4"];
    let (worker, cmd) = spawn(&plain);
    let (follower, follower_cmd) = spawn(&[&plain[..], &["--follow"]].concat());
    wait_for(
        "both workers to hold lines",
        Duration::from_secs(30),
        || {
            let held = holders(&server, job);
            held.len() == 2 && held.iter().all(|&n| n > 0)
        },
    );
    let keys = job_keys(&server, job);
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query(&mut server.conn())
        .unwrap();
    let run = Run::from_output(cmd, worker.wait_with_output().unwrap());
    run.code(2);
    assert!(
        run.stderr.contains("was deleted while this worker ran"),
        "{run}"
    );
    assert!(!run.stderr.contains("NOGROUP"), "{run}");

    let again: Vec<String> = (41..=45).map(|n| shop.product_url(n)).collect();
    let a = list(&again);
    scrape(&["enqueue", "--redis", &url, "--job", job, a.path()], None).code(0);
    // Only the follower is left to do it.
    wait_for(
        "the job enqueued again done",
        Duration::from_secs(60),
        || server.job_meta(job, "done") == Some(again.len() as u64),
    );
    signal(follower.id(), libc::SIGINT);
    let run = Run::from_output(follower_cmd, follower.wait_with_output().unwrap());
    run.code(130);
    assert!(
        run.stderr.contains("was deleted under this worker"),
        "{run}"
    );
    assert!(!run.stderr.contains("NOGROUP"), "{run}");
}
