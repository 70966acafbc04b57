//! `scrape worker` from start to exit: one [`worker::round`] per incarnation
//! of its job, and with `--follow` the waits around them.
//!
//! A job is one incarnation from the `enqueue` that creates it (its hash
//! records that enqueue's token) until it is deleted (`collect --delete`).
//! The nightly pattern enqueues, collects with `--delete`, and enqueues the
//! same name again the next night: a long-lived worker (systemd,
//! Kubernetes) started with `--follow` waits for the job to exist, works on
//! it until it is drained, then waits for an incarnation it has not worked
//! on yet, and so on until Ctrl-C. Waiting is a poll of the job's hash every
//! [`POLL`]: one small read per waiting worker, and never a second round on
//! the incarnation just finished (a drained job that stays, or a deleted
//! one whose hash a stray write left behind, cannot make it spin).
//!
//! Without `--follow` a worker of a job that does not exist exits 2 at once
//! and one whose round ends exits. A job deleted under a worker ends its
//! round: the worker exits as a drained one would when it held nothing (its
//! work is all stored; the usual case is `collect --delete` of a job it just
//! finished), and with exit 2 ([`ClusterError::JobDeleted`]) when records of
//! lines it held were dropped for want of a job to store them in.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::worker::{self, Round, RoundEnd, Tally, WorkerConfig, WorkerReport};
use super::{ClusterError, JobKeys, JobMeta, Redis};
use crate::aggregate::Aggregator;

/// How often a waiting `--follow` worker reads its job's hash: a new
/// incarnation is picked up within this, at one HGETALL per worker per poll.
pub const POLL: Duration = Duration::from_secs(2);

/// Runs the worker until it is done (see the module's doc); `on_round`
/// hears each round a `--follow` worker finishes and goes on after.
pub async fn work(
    cfg: &WorkerConfig,
    cancel: CancellationToken,
    mut on_round: impl FnMut(&WorkerReport),
) -> Result<WorkerReport, ClusterError> {
    let keys = JobKeys::new(&cfg.job);
    // Unreachable at start: exit 2 at once, --follow or not.
    let mut redis = Redis::connect(&cfg.redis, worker::SCRIPTS).await?;
    let mut last: Option<String> = None;
    loop {
        let Some(meta) = wait(&mut redis, &keys, cfg.follow, last.as_deref(), &cancel).await?
        else {
            return Ok(idle_report(cfg, &cancel));
        };
        let Round {
            report,
            end,
            redis: back,
        } = worker::round(cfg, redis, &meta.incarnation, &cancel).await?;
        redis = back;
        if end == RoundEnd::Stopped {
            return Ok(report);
        }
        if !cfg.follow {
            if report.dropped > 0 {
                return Err(ClusterError::JobDeleted {
                    job: cfg.job.clone(),
                    dropped: report.dropped,
                });
            }
            return Ok(report);
        }
        on_round(&report);
        last = Some(meta.incarnation);
    }
}

/// The job to work on next: one that exists and is not the incarnation
/// `last`. Without `follow` there is no waiting: a job that does not exist
/// is [`ClusterError::NoSuchJob`]. `None` when `cancel` fires first.
async fn wait(
    redis: &mut Redis,
    keys: &JobKeys,
    follow: bool,
    last: Option<&str>,
    cancel: &CancellationToken,
) -> Result<Option<JobMeta>, ClusterError> {
    let mut told = false;
    loop {
        let meta = tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(None),
            meta = redis.meta(keys) => meta,
        };
        match meta {
            // A hash without a state is no job: a stray write, not enqueue's.
            Ok(Some(m)) if !m.state.is_empty() && last != Some(m.incarnation.as_str()) => {
                if told {
                    tracing::info!(job = %keys.job, "job enqueued; starting");
                }
                return Ok(Some(m));
            }
            Ok(_) if !follow => return Err(ClusterError::NoSuchJob(keys.job.clone())),
            Ok(_) => {}
            // A long-lived worker outlasts a Redis that is down for longer
            // than one request's retries.
            Err(ClusterError::Redis { ref source, .. }) if follow && super::transient(source) => {
                tracing::warn!(error = %source, "redis unavailable while waiting for the job");
            }
            Err(e) => return Err(e),
        }
        if !told {
            tracing::info!(job = %keys.job, "waiting for the job to be enqueued (--follow)");
            told = true;
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(None),
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// The report of a worker stopped while it waited: nothing done.
fn idle_report(cfg: &WorkerConfig, cancel: &CancellationToken) -> WorkerReport {
    let agg = Aggregator::new(cfg.run.sequential, cfg.run.concurrency.get());
    worker::round_report(agg, Tally::default(), cancel, false, Duration::ZERO)
}
