//! `scrape worker`: one consumer of a job's group, running the same engine
//! as a local run.
//!
//! ```text
//! feeder: XAUTOCLAIM (stale entries first) / XREADGROUP ─► engine ─► storer: EVALSHA store (XACK + XADD)
//! ```
//!
//! The feeder holds at most a window of entries (twice `-c`) so that the
//! entries of a job stay free for other workers. The storer writes each
//! finished record with one script that acknowledges the entry and, only if
//! the acknowledgement took (nobody stored this line before), appends the
//! record to the results stream and counts it: a record is never acked
//! without being stored, and a line claimed by two workers is stored once.
//! Records cut short by a stop (`cancelled`) are not stored: their entries
//! are released (made claimable at once), and so is every entry the engine
//! never took. A SIGKILLed worker's entries are claimed by the others once
//! idle for `--claim-idle`. A round of work ends when the job's done count
//! reaches its line count, or when the job is deleted under the worker
//! (its group vanishes): the records of lines it still held are dropped, as
//! there is no job left to store them in. [`super::follow`] decides whether
//! the worker exits then or waits for the job's next incarnation.
//!
//! The engine's hosts ask the job-wide [`super::limiter`] before each
//! attempt: `--per-host` and the spacing flags count every worker's requests.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use super::limiter::RedisGate;
use super::{ClusterError, JobKeys, Redis, GROUP};
use crate::aggregate::{Aggregator, Summary};
use crate::engine::limit::AutoLimit;
use crate::engine::{self, EngineConfig, Finished, Hosts};
use crate::fetch::Fetcher;
use crate::input::Entry;
use crate::pipeline::RunConfig;
use crate::record::{ErrorKind, Record};

mod feeder;
use feeder::Feeder;

/// KEYS: urls, results, meta. ARGV: group, entry id, index, record JSON,
/// 1 if the record failed, the job's incarnation. Returns 1 when stored, 0
/// when the line was already stored (by a worker that claimed it too), -1
/// when the job is gone (deleted, or deleted and enqueued again): checked
/// only when the acknowledgement did not take, so it costs a stored record
/// nothing. `pcall`: XACK on a destroyed group is an error, not a 0.
const STORE: &str = r#"
local acked = redis.pcall('XACK', KEYS[1], ARGV[1], ARGV[2])
if type(acked) == 'table' then return -1 end
if acked == 0 then
  if (redis.call('HGET', KEYS[3], 'incarnation') or '') ~= ARGV[6] then return -1 end
  return 0
end
redis.call('XADD', KEYS[2], '*', 'index', ARGV[3], 'record', ARGV[4])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'done', 1)
if ARGV[5] == '1' then redis.call('HINCRBY', KEYS[3], 'failed', 1) end
return 1
"#;

/// KEYS: meta. ARGV: incarnation, now ms, this worker's `-c`. Joins the
/// job for `collect`'s summary (first start, total concurrency), only if it
/// is still the incarnation the worker found: an HINCRBY on a deleted job
/// would leave a stray hash behind. Returns 0 when the job is gone.
const JOIN: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if (redis.call('HGET', KEYS[1], 'incarnation') or '') ~= ARGV[1] then return 0 end
redis.call('HSETNX', KEYS[1], 'started_ms', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'concurrency', ARGV[3])
return 1
"#;

/// The scripts of a worker's connections, for [`Redis::connect`].
pub const SCRIPTS: &[&str] = &[STORE, JOIN];

/// Records stored per round trip at most (one pipeline of script calls).
const STORE_BATCH: usize = 64;

/// Entries asked for per read at most.
const READ_BATCH: usize = 256;

/// How long a finishing worker waits for its leases to be given back.
const KEEPER_GRACE: Duration = Duration::from_secs(5);

/// Settings of one worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub redis: String,
    pub job: String,
    /// Engine, fetch and extraction settings (input and output unused).
    pub run: RunConfig,
    /// Entries pending this long with another worker are taken over.
    pub claim_idle: Duration,
    /// This worker's name in the group (unique per process).
    pub consumer: String,
    /// Wait for the job to exist, and after it is drained or deleted, for
    /// its next incarnation, instead of exiting.
    pub follow: bool,
}

/// What one worker did.
#[derive(Debug, Clone)]
pub struct WorkerReport {
    /// Over the records this worker stored.
    pub summary: Summary,
    pub stored: u64,
    /// Records not stored because another worker stored the line first.
    pub duplicates: u64,
    /// Entries handed back unfinished (Ctrl-C).
    pub released: u64,
    /// Lines held here when the job was deleted: their records were dropped.
    pub dropped: u64,
    /// The job was deleted under this worker (see [`RoundEnd::Gone`]).
    pub deleted: bool,
    pub interrupted: bool,
}

/// How one round of work on one incarnation of a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundEnd {
    /// Every line stored.
    Drained,
    /// The job was deleted (or deleted and enqueued again) under the worker.
    Gone,
    /// Ctrl-C, or a failure that stopped the worker.
    Stopped,
}

/// A finished round: what it did, how it ended, and the connection back.
pub struct Round {
    pub report: WorkerReport,
    pub end: RoundEnd,
    pub redis: Redis,
}

/// The entries this worker holds, by line index: held from delivery until
/// their record is stored or they are released. A std mutex: held for a map
/// operation only, never across an await.
type Held = Arc<Mutex<HashMap<u64, String>>>;

fn lock(held: &Held) -> std::sync::MutexGuard<'_, HashMap<u64, String>> {
    held.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A unique consumer name: host, process id and a random suffix.
pub fn consumer_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{:04x}", std::process::id(), fastrand::u16(..))
}

/// Works on the incarnation `incarnation` of the job until it is drained or
/// deleted, or `cancel` fires. `feed_redis` was connected with [`SCRIPTS`].
pub async fn round(
    cfg: &WorkerConfig,
    mut feed_redis: Redis,
    incarnation: &str,
    cancel: &CancellationToken,
) -> Result<Round, ClusterError> {
    let keys = JobKeys::new(&cfg.job);
    let run = &cfg.run;
    let new_agg = || Aggregator::new(run.sequential, run.concurrency.get());
    // The job's total concurrency, for collect's summary (dead workers too).
    let join = redis::cmd("EVALSHA")
        .arg(feed_redis.script_hash(1))
        .arg(1)
        .arg(&keys.meta)
        .arg(incarnation)
        .arg(super::now_ms())
        .arg(run.concurrency.get())
        .to_owned();
    if feed_redis.query::<i64>(&join).await? == 0 {
        let report = round_report(new_agg(), Tally::default(), cancel, true, Duration::ZERO);
        return Ok(Round {
            report,
            end: RoundEnd::Gone,
            redis: feed_redis,
        });
    }
    let store_redis = feed_redis.another().await?;
    let fetcher = Fetcher::new(&run.fetch, run.per_host.get()).map_err(ClusterError::Client)?;
    let engine_cfg = EngineConfig {
        concurrency: run.concurrency.get(),
        per_host: run.per_host.get(),
        lookahead: EngineConfig::default_lookahead(run.concurrency.get()),
        extract: Arc::new(run.extract.clone()),
        parse_on: run.parse_on,
        auto: run.auto.then(|| AutoLimit::new(run.concurrency.get())),
        // Delay, rate and robots.txt as in a local run; the cap and the
        // spacing for the whole job through the gate below.
        politeness: run.politeness(),
    };
    // A stop of this worker alone (Redis gone for good) or Ctrl-C.
    let stop = cancel.child_token();
    let (gate, keeper) = RedisGate::start(&feed_redis, &keys, &cfg.consumer, stop.clone()).await?;
    let gate = Arc::new(gate);
    let hosts = Hosts::new(
        engine_cfg.per_host,
        engine_cfg.concurrency,
        engine_cfg.politeness.clone(),
    )
    .with_shared(gate.clone());
    let held: Held = Arc::default();
    let window_size = (run.concurrency.get() * 2).max(8);
    let window = Arc::new(Semaphore::new(window_size));
    let (entry_tx, entry_rx) = mpsc::channel::<Result<Entry, Infallible>>(READ_BATCH);
    let (out_tx, out_rx) = mpsc::channel(engine_cfg.lookahead);
    let started = Instant::now();
    let feeder = Feeder {
        redis: feed_redis,
        keys: keys.clone(),
        consumer: cfg.consumer.clone(),
        incarnation: incarnation.to_owned(),
        claim_idle: cfg.claim_idle,
        window: window.clone(),
        refill: window_size / 2,
        held: held.clone(),
        stop: stop.clone(),
    };
    let feeding = tokio::spawn(feeder.run(entry_tx));
    let storer = Storer {
        redis: store_redis,
        keys: keys.clone(),
        consumer: cfg.consumer.clone(),
        incarnation: incarnation.to_owned(),
        claim_idle: cfg.claim_idle,
        window,
        held: held.clone(),
        stop: stop.clone(),
        agg: new_agg(),
        tally: Tally::default(),
    };
    let storing = tokio::spawn(storer.run(out_rx));
    let engine = engine::run_with_hosts(
        &engine_cfg,
        Arc::new(hosts),
        fetcher,
        entry_rx,
        out_tx,
        stop.clone(),
    );
    let Ok(()) = engine.await;
    // The engine is done with its hosts: the last lease is dropped, and the
    // keeper ends once it has given them back (bounded: a Redis gone for
    // good leaves them to their expiry).
    let limiter_failure = gate.take_failure();
    drop(gate);
    if tokio::time::timeout(KEEPER_GRACE, keeper).await.is_err() {
        tracing::warn!("per-host limiter: leases not all given back; they expire instead");
    }
    let fed = feeding.await;
    let stored = storing.await;
    let (mut redis, fed) = match fed {
        Ok((redis, result)) => (redis, result),
        Err(e) => return Err(join_failed(e)),
    };
    let (agg, mut tally, store_result) = match stored {
        Ok(parts) => parts,
        Err(e) => return Err(join_failed(e)),
    };
    let gone = matches!(fed, Ok(RoundEnd::Gone)) || tally.dropped > 0;
    // Delivered to this worker but never taken by the engine (a stop, or
    // the job deleted: then there is nothing to hand them back to).
    let left: Vec<String> = lock(&held).drain().map(|(_, id)| id).collect();
    let released = if left.is_empty() {
        Ok(())
    } else if gone {
        tally.dropped += left.len() as u64;
        Ok(())
    } else {
        tally.released += left.len() as u64;
        release(&mut redis, &keys, &cfg.consumer, cfg.claim_idle, &left).await
    };
    // The first failure is the one to report; a failed release only means
    // those entries wait `--claim-idle` before another worker takes them.
    if let Some(e) = limiter_failure {
        return Err(e);
    }
    let fed = fed?;
    store_result?;
    released?;
    if !cancel.is_cancelled() && !gone {
        leave_group(&mut redis, &keys, &cfg.consumer).await?;
    }
    let mut report = round_report(agg, tally, cancel, gone, started.elapsed());
    report.summary.auto_concurrency = engine_cfg.auto.map(|gate| gate.report());
    let end = if cancel.is_cancelled() {
        RoundEnd::Stopped
    } else if gone {
        RoundEnd::Gone
    } else {
        fed
    };
    Ok(Round { report, end, redis })
}

/// The report of a round from its aggregate and counts.
pub(super) fn round_report(
    agg: Aggregator,
    tally: Tally,
    cancel: &CancellationToken,
    deleted: bool,
    elapsed: Duration,
) -> WorkerReport {
    let mut summary = agg.finish(elapsed);
    summary.interrupted = cancel.is_cancelled();
    WorkerReport {
        summary,
        stored: tally.stored,
        duplicates: tally.duplicates,
        released: tally.released,
        dropped: tally.dropped,
        deleted,
        interrupted: cancel.is_cancelled(),
    }
}

fn join_failed(e: tokio::task::JoinError) -> ClusterError {
    ClusterError::Task(e.to_string())
}

#[derive(Debug, Default)]
pub(super) struct Tally {
    stored: u64,
    duplicates: u64,
    released: u64,
    dropped: u64,
}

/// Stores finished records, acknowledging their entries.
struct Storer {
    redis: Redis,
    keys: JobKeys,
    consumer: String,
    incarnation: String,
    claim_idle: Duration,
    window: Arc<Semaphore>,
    held: Held,
    stop: CancellationToken,
    agg: Aggregator,
    tally: Tally,
}

impl Storer {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Finished>,
    ) -> (Aggregator, Tally, Result<(), ClusterError>) {
        let mut result = Ok(());
        let mut batch = Vec::with_capacity(STORE_BATCH);
        while let Some(first) = rx.recv().await {
            batch.push(first);
            while batch.len() < STORE_BATCH {
                match rx.try_recv() {
                    Ok(f) => batch.push(f),
                    Err(_) => break,
                }
            }
            // After a failure the engine is drained without storing: those
            // entries stay pending and another worker claims them.
            if result.is_ok() {
                if let Err(e) = self.store(&batch).await {
                    self.stop.cancel();
                    result = Err(e);
                }
            }
            for f in batch.drain(..) {
                lock(&self.held).remove(&f.record.index);
                self.window.add_permits(1);
            }
        }
        (self.agg, self.tally, result)
    }

    async fn store(&mut self, batch: &[Finished]) -> Result<(), ClusterError> {
        let mut pipe = redis::pipe();
        let mut sent: Vec<&Record> = Vec::new();
        let mut released = Vec::new();
        for Finished { record, .. } in batch {
            let Some(id) = lock(&self.held).get(&record.index).cloned() else {
                tracing::warn!(
                    index = record.index,
                    "record for an entry not held; dropped"
                );
                continue;
            };
            if record.error.as_ref().map(|e| e.kind) == Some(ErrorKind::Cancelled) {
                released.push(id);
                continue;
            }
            let json = serde_json::to_string(record).map_err(|e| ClusterError::Malformed {
                job: self.keys.job.clone(),
                key: self.keys.results.clone(),
                id: e.to_string(),
            })?;
            pipe.cmd("EVALSHA")
                .arg(self.redis.script_hash(0))
                .arg(3)
                .arg(&self.keys.urls)
                .arg(&self.keys.results)
                .arg(&self.keys.meta)
                .arg(GROUP)
                .arg(id)
                .arg(record.index)
                .arg(json)
                .arg(if record.ok { "0" } else { "1" })
                .arg(&self.incarnation);
            sent.push(record);
        }
        if !sent.is_empty() {
            let replies: Vec<i64> = self.redis.query_pipe(&pipe).await?;
            for (record, stored) in sent.iter().zip(replies) {
                match stored {
                    1 => {
                        self.tally.stored += 1;
                        self.agg.add(record);
                    }
                    0 => self.tally.duplicates += 1,
                    _ => self.tally.dropped += 1,
                }
            }
        }
        if !released.is_empty() {
            self.tally.released += released.len() as u64;
            release(
                &mut self.redis,
                &self.keys,
                &self.consumer,
                self.claim_idle,
                &released,
            )
            .await?;
        }
        Ok(())
    }
}

/// Hands entries back: they stay this consumer's, but look idle for
/// `claim_idle` already, so the next XAUTOCLAIM of any worker takes them.
async fn release(
    redis: &mut Redis,
    keys: &JobKeys,
    consumer: &str,
    claim_idle: Duration,
    ids: &[String],
) -> Result<(), ClusterError> {
    let mut cmd = redis::cmd("XCLAIM");
    cmd.arg(&keys.urls).arg(GROUP).arg(consumer).arg(0).arg(ids);
    cmd.arg("IDLE")
        .arg(claim_idle.as_millis() as u64)
        .arg("JUSTID");
    match redis.query::<redis::Value>(&cmd).await {
        // The job was deleted: there is nothing to hand them back to.
        Err(e) if super::job_gone(&e) => Ok(()),
        other => other.map(drop),
    }
}

/// Removes this consumer from the group when it holds nothing, so that
/// `scrape status` lists live workers only. XGROUP DELCONSUMER would drop
/// pending entries too: it runs only when XPENDING says there are none.
async fn leave_group(
    redis: &mut Redis,
    keys: &JobKeys,
    consumer: &str,
) -> Result<(), ClusterError> {
    let pending: Result<Vec<redis::Value>, _> = redis
        .query(
            redis::cmd("XPENDING")
                .arg(&keys.urls)
                .arg(GROUP)
                .arg("-")
                .arg("+")
                .arg(1)
                .arg(consumer),
        )
        .await;
    let pending = match pending {
        // Deleted since the round ended: no group to leave.
        Err(e) if super::job_gone(&e) => return Ok(()),
        other => other?,
    };
    if pending.is_empty() {
        let left = redis
            .query::<redis::Value>(
                redis::cmd("XGROUP")
                    .arg("DELCONSUMER")
                    .arg(&keys.urls)
                    .arg(GROUP)
                    .arg(consumer),
            )
            .await;
        match left {
            Err(e) if super::job_gone(&e) => {}
            other => drop(other?),
        }
    }
    Ok(())
}
