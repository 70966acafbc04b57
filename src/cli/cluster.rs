//! Flags of the Redis scale-out commands (`enqueue`, `worker`, `collect`,
//! `status`) and their mapping onto [`WorkerConfig`].

use std::path::PathBuf;
use std::time::Duration;

use clap::Args as ClapArgs;

use super::{parse_secs, LogArgs, ScrapeArgs, UsageError};
use crate::cluster::worker::{consumer_name, WorkerConfig};
use crate::output::Format;

/// Which Redis, which job: every scale-out command names both.
#[derive(Debug, Clone, ClapArgs)]
pub struct JobArgs {
    /// Redis (or Valkey) URL, e.g. redis://127.0.0.1:6379/0.
    #[arg(long, value_name = "URL", env = "SCRAPE_REDIS")]
    pub redis: String,
    /// The job's name: letters, digits, '.', '_', ':' and '-'.
    #[arg(long, value_name = "NAME", value_parser = parse_job)]
    pub job: String,
}

/// `scrape enqueue`.
#[derive(Debug, Clone, ClapArgs)]
pub struct EnqueueArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// URL list, one per line; '-' reads stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `scrape worker`.
#[derive(Debug, Clone, ClapArgs)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// Take over entries another worker has held this long without
    /// storing them (a dead worker's): longer than one page can take.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    pub claim_idle: Duration,
    /// Do not exit: wait for the job to be enqueued, and once it is drained
    /// (or deleted), for it to be enqueued again under the same name; stop
    /// with Ctrl-C. For long-lived workers (systemd, Kubernetes).
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub scrape: ScrapeArgs,
}

/// `scrape collect`.
#[derive(Debug, Clone, ClapArgs)]
pub struct CollectArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// Output format (json and csv in input order).
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value = "json")]
    pub format: Format,
    /// Write records to FILE (atomically: complete or not at all) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also store the records in this price-history database, as one run
    /// (as `scrape --db FILE` does; see `scrape changes` and `scrape history`).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Then delete the job from Redis (its list, results, state and
    /// per-host limiter keys), only once every record was written: the
    /// same name can then be enqueued again (`worker --follow` takes it up).
    #[arg(long)]
    pub delete: bool,
}

/// `scrape status`.
#[derive(Debug, Clone, ClapArgs)]
pub struct StatusArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

impl WorkerArgs {
    /// The worker's settings: every fetch and engine flag of a scrape run;
    /// the flags about input and output belong to `enqueue` and `collect`.
    pub fn to_config(&self, log: &LogArgs) -> Result<WorkerConfig, UsageError> {
        let s = &self.scrape;
        let misplaced = [
            (s.file.is_some(), "a URL list (give it to `scrape enqueue`)"),
            (s.output.is_some(), "-o (give it to `scrape collect`)"),
            (s.format.is_some(), "-f (give it to `scrape collect`)"),
            (s.db.is_some(), "--db"),
        ];
        if let Some((_, what)) = misplaced.iter().find(|(given, _)| *given) {
            return Err(UsageError::Invalid(format!("worker takes no {what}")));
        }
        if self.claim_idle.is_zero() {
            return Err(UsageError::Invalid(
                "--claim-idle must be more than 0".into(),
            ));
        }
        // The input is never read: entries come from Redis.
        let run = s.to_config(log, false)?;
        Ok(WorkerConfig {
            redis: self.job.redis.clone(),
            job: self.job.job.clone(),
            run,
            claim_idle: self.claim_idle,
            consumer: consumer_name(),
            follow: self.follow,
        })
    }
}

/// A job name becomes part of Redis keys inside a hash tag: no braces, no
/// spaces, nothing a shell or a key pattern would trip on.
fn parse_job(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "\"{s}\" is not a job name (1-100 of: letters, digits, '.', '_', ':', '-')"
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("scrape").chain(args.iter().copied()))
    }

    #[test]
    fn worker_takes_fetch_flags_but_no_list() {
        let r = "redis://127.0.0.1:1/";
        let cli = parse(&["worker", "--redis", r, "--job", "j", "-c", "7", "-t", "3"]).unwrap();
        let Some(Command::Worker(w)) = &cli.command else {
            panic!("not a worker: {cli:?}")
        };
        let cfg = w.to_config(&cli.log).unwrap();
        assert_eq!(cfg.run.concurrency.get(), 7);
        assert_eq!(cfg.run.fetch.timeout.as_secs(), 3);
        assert_eq!(cfg.claim_idle.as_secs(), 60);
        assert!(!cfg.follow);
        let cli = parse(&["worker", "--redis", r, "--job", "j", "--follow"]).unwrap();
        let Some(Command::Worker(w)) = &cli.command else {
            panic!("not a worker")
        };
        assert!(w.to_config(&cli.log).unwrap().follow);
        let cli = parse(&["worker", "--redis", r, "--job", "j", "urls.txt"]).unwrap();
        let Some(Command::Worker(w)) = &cli.command else {
            panic!("not a worker")
        };
        let err = w.to_config(&cli.log).unwrap_err().to_string();
        assert!(err.contains("enqueue"), "{err}");
    }

    #[test]
    fn job_names_stay_inside_their_hash_tag() {
        let r = "redis://127.0.0.1:1/";
        assert!(parse(&["status", "--redis", r, "--job", "nightly-2026.11:eu"]).is_ok());
        for bad in ["a}b", "a b", ""] {
            assert!(
                parse(&["status", "--redis", r, "--job", bad]).is_err(),
                "{bad}"
            );
        }
    }
}
