//! Wires one scrape run together: client, engine, output thread, progress.
//!
//! input ─► engine (async, fetch + extract) ─► channel ─► output thread
//! (ordering, writing, aggregating). The output runs on a blocking thread so a
//! slow stdout never stalls the runtime; it releases each record's lookahead
//! permit after writing, which is what bounds memory end to end.

use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::aggregate::{Aggregator, Summary};
use crate::cli::Config;
use crate::engine::{self, EngineConfig, Finished};
use crate::error::{Outcome, RunError};
use crate::fetch::Fetcher;
use crate::input::Entry;
use crate::output::{Destination, RecordWriter, WriteTarget};
use crate::store::RunRecorder;

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub summary: Summary,
    pub outcome: Outcome,
}

/// Runs the whole pipeline over `entries`, writing records to `dest`.
/// Cancelling `cancel` stops it early; every entry still yields a record.
pub async fn scrape(
    cfg: &Config,
    dest: Destination,
    entries: mpsc::Receiver<Result<Entry, RunError>>,
    cancel: CancellationToken,
) -> Result<RunReport, RunError> {
    scrape_recorded(cfg, dest, entries, cancel, None).await
}

/// [`scrape`], also storing every record through `recorder` (`--db`); on
/// `--resume` the lines it already has are replayed from it, not fetched.
pub async fn scrape_recorded(
    cfg: &Config,
    dest: Destination,
    entries: mpsc::Receiver<Result<Entry, RunError>>,
    cancel: CancellationToken,
    mut recorder: Option<RunRecorder>,
) -> Result<RunReport, RunError> {
    let fetcher = Fetcher::new(&cfg.fetch, cfg.per_host.get()).map_err(RunError::Client)?;
    // Opened before any request, so an unwritable -o fails the run up front.
    let writer = RecordWriter::new(cfg.format, &dest)?;
    let engine_cfg = EngineConfig {
        concurrency: cfg.concurrency.get(),
        per_host: cfg.per_host.get(),
        lookahead: EngineConfig::default_lookahead(cfg.concurrency.get()),
        extract: Arc::new(cfg.extract.clone()),
        parse_on: cfg.parse_on,
    };
    let (tx, rx) = mpsc::channel(engine_cfg.lookahead);
    let entries = match recorder.as_mut().and_then(RunRecorder::take_resume) {
        Some(resume) => resume.spawn_filter(entries, tx.clone(), engine_cfg.lookahead)?,
        None => entries,
    };
    let progress = progress_bar(cfg.progress && !matches!(dest, Destination::Discard));
    tracing::info!(
        concurrency = engine_cfg.concurrency,
        per_host = engine_cfg.per_host,
        timeout = ?cfg.fetch.timeout,
        retries = cfg.fetch.retries,
        "starting"
    );
    let started = Instant::now();
    let aggregator = Aggregator::new(cfg.sequential, cfg.concurrency.get());
    let output = {
        let cancel = cancel.clone();
        tokio::task::spawn_blocking(move || {
            write_records(rx, writer, aggregator, progress, started, cancel, recorder)
        })
    };
    let engine_result = engine::run(&engine_cfg, fetcher, entries, tx, cancel.clone()).await;
    let written = output
        .await
        .map_err(|e| RunError::Stdout(io::Error::other(format!("output thread failed: {e}"))))?;
    engine_result?;
    let (summary, mut outcome, write_result) = written;
    match write_result {
        Ok(()) => {}
        Err(WriteFailure::BrokenPipe) => outcome.stdout_closed = true,
        Err(WriteFailure::Other(e)) => return Err(e),
    }
    outcome.interrupted = cancel.is_cancelled() && !outcome.stdout_closed;
    Ok(RunReport { summary, outcome })
}

enum WriteFailure {
    /// The reader of stdout went away (`| head`): a normal way to stop.
    BrokenPipe,
    Other(RunError),
}

type Written = (Summary, Outcome, Result<(), WriteFailure>);

/// The output thread: writes records as they come, aggregates, and finishes
/// the document. After a write error it keeps draining (so the engine never
/// blocks) and cancels the run.
fn write_records(
    mut rx: mpsc::Receiver<Finished>,
    mut writer: RecordWriter,
    mut agg: Aggregator,
    progress: Option<ProgressBar>,
    started: Instant,
    cancel: CancellationToken,
    recorder: Option<RunRecorder>,
) -> Written {
    let mut failure: Option<WriteFailure> = None;
    while let Some(Finished { record, permit }) = rx.blocking_recv() {
        agg.add(&record);
        if recorder.as_ref().is_some_and(|r| !r.record(&record)) {
            // The database failed; `finish` below reports why.
            cancel.cancel();
        }
        if failure.is_none() {
            if let Err(e) = writer.push(record) {
                failure = Some(classify(e, &writer.target()));
                cancel.cancel();
            }
        }
        drop(permit);
        if let Some(pb) = &progress {
            pb.inc(1);
        }
    }
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let outcome = Outcome {
        failed: agg.failed(),
        unpriced: agg.unpriced(),
        ..Outcome::default()
    };
    let mut summary = agg.finish(started.elapsed());
    if let Some(r) = recorder {
        match r.finish(cancel.is_cancelled()) {
            Ok(changes) => summary.changes = Some(changes),
            Err(e) => failure = failure.or(Some(WriteFailure::Other(e.into()))),
        }
    }
    let result = match failure {
        Some(f) => Err(f),
        None => {
            let target = writer.target();
            writer.finish(&summary).map_err(|e| classify(e, &target))
        }
    };
    (summary, outcome, result)
}

fn classify(e: io::Error, target: &WriteTarget) -> WriteFailure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        WriteFailure::BrokenPipe
    } else {
        WriteFailure::Other(target.error(e))
    }
}

/// A spinner with counts and rate, only when stderr is a terminal (and the
/// user did not say `--no-progress`, `-q` or `NO_COLOR`).
fn progress_bar(wanted: bool) -> Option<ProgressBar> {
    let show = wanted && io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if !show {
        return None;
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} {human_pos} pages  {per_sec}  {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    pb.set_style(style);
    pb.enable_steady_tick(Duration::from_millis(100));
    Some(pb)
}

/// Convenience for callers that already hold all entries (bench, demo, tests).
pub fn entries_channel(entries: Vec<Entry>) -> mpsc::Receiver<Result<Entry, RunError>> {
    let (tx, rx) = mpsc::channel(1024);
    // Ends by itself once the entries are sent or the engine hangs up.
    tokio::spawn(async move {
        for e in entries {
            if tx.send(Ok(e)).await.is_err() {
                break;
            }
        }
    });
    rx
}
