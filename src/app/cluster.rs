//! Runs the Redis scale-out commands and says on stderr what they did; the
//! data (records, `status --json`) goes to stdout.

use std::fmt::Write as _;

use tokio_util::sync::CancellationToken;

use super::{json_line, print_stdout, warn_insecure, RunError};
use crate::cli::{CollectArgs, EnqueueArgs, LogArgs, StatusArgs, WorkerArgs};
use crate::cluster::collect::{self as gather, JobStatus};
use crate::cluster::worker::{WorkerConfig, WorkerReport};
use crate::cluster::{follow, queue};
use crate::input::InputSource;
use crate::output::{summary_table, Destination};
use crate::pipeline::Outcome;

pub(super) async fn enqueue(
    args: &EnqueueArgs,
    log: &LogArgs,
    cancel: &CancellationToken,
) -> Result<Outcome, RunError> {
    let input = if args.file.as_os_str() == "-" {
        InputSource::Stdin
    } else {
        InputSource::File(args.file.clone())
    };
    let report = queue::enqueue(&args.job.redis, &args.job.job, &input, cancel).await?;
    if !log.quiet {
        let resumed = match report.resumed_from {
            0 => String::new(),
            n => format!(" (resumed after line {n})"),
        };
        match &report.fingerprint {
            Some(fp) => eprintln!(
                "job {}: {} lines enqueued{resumed}, list {fp}",
                args.job.job, report.enqueued
            ),
            None => eprintln!(
                "job {}: interrupted after {} lines; run the same command again to go on",
                args.job.job, report.enqueued
            ),
        }
    }
    Ok(Outcome {
        interrupted: report.interrupted,
        ..Outcome::default()
    })
}

pub(super) async fn worker(
    args: &WorkerArgs,
    log: &LogArgs,
    cancel: CancellationToken,
) -> Result<Outcome, RunError> {
    let cfg = args.to_config(log)?;
    warn_insecure(&cfg.run);
    // A --follow worker says what each job it finished did, as it goes.
    let report = follow::work(&cfg, cancel, |r| {
        if !log.quiet {
            say_round(&cfg, r);
            eprintln!(
                "worker {}: waiting for the job's next enqueue",
                cfg.consumer
            );
        }
    })
    .await?;
    if !log.quiet {
        say_round(&cfg, &report);
    }
    Ok(Outcome {
        failed: report.summary.failed,
        unpriced: report.summary.ok.saturating_sub(report.summary.priced),
        interrupted: report.interrupted,
        ..Outcome::default()
    })
}

fn say_round(cfg: &WorkerConfig, report: &WorkerReport) {
    // No table for a --follow worker stopped while it waited: it has none.
    if report.summary.urls > 0 || report.released > 0 || !cfg.follow {
        eprint!("{}", summary_table(&report.summary));
    }
    eprintln!(
        "worker {}: stored {} records ({} already stored by another worker, {} handed back)",
        cfg.consumer, report.stored, report.duplicates, report.released
    );
    // Gone with nothing held is how a worker usually learns that the job it
    // just finished was collected with --delete: no alarm then.
    if report.dropped > 0 {
        eprintln!(
            "worker {}: job {} was deleted under this worker: {} records of lines it held dropped",
            cfg.consumer, cfg.job, report.dropped
        );
    } else if report.deleted {
        eprintln!(
            "worker {}: job {} is gone (collected with --delete, or deleted); nothing held here was lost",
            cfg.consumer, cfg.job
        );
    }
}

pub(super) async fn collect(args: &CollectArgs, log: &LogArgs) -> Result<Outcome, RunError> {
    let dest = match &args.output {
        Some(path) => Destination::File(path.clone()),
        None => Destination::Stdout,
    };
    let report = gather::collect(
        &args.job.redis,
        &args.job.job,
        args.format,
        &dest,
        args.db.as_deref(),
        args.delete,
    )
    .await?;
    if !log.quiet && !report.stdout_closed {
        eprint!("{}", summary_table(&report.summary));
        if report.duplicates > 0 {
            eprintln!(
                "{} records of lines already collected were left out",
                report.duplicates
            );
        }
        if report.deleted {
            eprintln!("job {}: deleted from redis", args.job.job);
        } else if args.delete {
            eprintln!(
                "job {}: not deleted (it changed while it was collected)",
                args.job.job
            );
        }
    }
    Ok(Outcome {
        failed: report.summary.failed,
        unpriced: report.summary.ok.saturating_sub(report.summary.priced),
        stdout_closed: report.stdout_closed,
        ..Outcome::default()
    })
}

pub(super) async fn status(args: &StatusArgs) -> Result<Outcome, RunError> {
    let status = gather::status(&args.job.redis, &args.job.job).await?;
    let text = if args.json {
        json_line(&status)
    } else {
        status_text(&status)
    };
    print_stdout(&text)?;
    Ok(Outcome::default())
}

fn status_text(s: &JobStatus) -> String {
    let mut t = String::new();
    let lines = s
        .lines
        .map_or_else(|| "? (still enqueueing)".to_owned(), |n| n.to_string());
    let _ = writeln!(t, "job {} ({}): {lines} lines", s.job, s.state);
    let _ = writeln!(
        t,
        "enqueued {}, done {} ({} failed), pending {}, waiting {}",
        s.enqueued, s.done, s.failed, s.pending, s.waiting
    );
    if let Some(rate) = s.rate {
        let _ = writeln!(t, "rate {rate:.1} records/s since the first worker started");
    }
    for w in &s.workers {
        let _ = writeln!(
            t,
            "  worker {}: {} pending, idle {:.1} s",
            w.name,
            w.pending,
            w.idle_ms as f64 / 1000.0
        );
    }
    t
}
