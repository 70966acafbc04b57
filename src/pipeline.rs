//! Wires one scrape run together: client, engine, output thread, progress.
//!
//! input ─► engine (async, fetch + extract) ─► channel ─► output thread
//! (ordering, writing, aggregating). The output runs on a blocking thread so a
//! slow stdout never stalls the runtime; it releases each record's lookahead
//! permit after writing, which is what bounds memory end to end.

use std::io::{self, IsTerminal};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::aggregate::{Aggregator, Summary};
use crate::engine::limit::AutoLimit;
use crate::engine::{self, EngineConfig, Finished, Hosts, HostsReport, ParseOn, Politeness};
use crate::extract::ExtractOptions;
use crate::fetch::{FetchConfig, Fetcher};
use crate::input::{Entry, InputError, InputSource};
use crate::output::{Destination, Format, OutputError, RecordWriter, WriteTarget};
use crate::progress::Progress;
use crate::robots::RobotsConfig;
use crate::store::{ResumeError, RunOptions, RunRecorder, StoreError};

/// `--max-host-wait`'s default: the longest a server's `Retry-After` (or
/// robots.txt's `Crawl-delay`) may hold a host.
pub const DEFAULT_MAX_HOST_WAIT: Duration = Duration::from_secs(60);

/// Settings of one scrape run, built by `cli` from flags or directly by
/// `demo` and `bench`.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub input: InputSource,
    pub concurrency: NonZeroUsize,
    pub per_host: NonZeroUsize,
    pub sequential: bool,
    pub fetch: FetchConfig,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub extract: ExtractOptions,
    pub progress: bool,
    pub quiet: bool,
    pub strict: bool,
    pub parse_on: ParseOn,
    /// `--concurrency auto`: adapt the level under `concurrency` (the cap).
    pub auto: bool,
    /// `--db`: the price-history database.
    pub db: Option<PathBuf>,
    pub resume: bool,
    /// `--ignore-robots`.
    pub ignore_robots: bool,
    /// `--delay`: least time between request starts to one host.
    pub delay: Duration,
    /// `--rate`: most request starts per second to one host.
    pub rate: Option<f64>,
    /// `--max-host-wait`: cap on one host-wide pause or `Crawl-delay`.
    pub max_host_wait: Duration,
}

impl RunConfig {
    /// The settings of a plain `scrape` run with no flags but `-c`: what
    /// `demo`, `bench` and benches start from instead of faking arguments.
    pub fn new(input: InputSource, concurrency: NonZeroUsize) -> RunConfig {
        RunConfig {
            input,
            concurrency,
            per_host: concurrency,
            sequential: false,
            fetch: FetchConfig::default(),
            format: Format::Json,
            output: None,
            extract: ExtractOptions {
                default_currency: Some("USD".into()),
                ..ExtractOptions::default()
            },
            progress: false,
            quiet: false,
            strict: false,
            parse_on: ParseOn::Blocking,
            auto: false,
            db: None,
            resume: false,
            ignore_robots: false,
            delay: Duration::ZERO,
            rate: None,
            max_host_wait: DEFAULT_MAX_HOST_WAIT,
        }
    }

    /// How the engine treats each host.
    pub fn politeness(&self) -> Politeness {
        Politeness {
            delay: self.delay,
            rate: self.rate,
            max_host_wait: self.max_host_wait,
            robots: (!self.ignore_robots)
                .then(|| RobotsConfig::new(&self.fetch.user_agent, self.fetch.timeout)),
        }
    }

    /// The options stored with a `--db` run.
    pub fn store_options(&self) -> RunOptions {
        RunOptions {
            format: format!("{:?}", self.format).to_lowercase(),
            output: self.output.clone(),
            concurrency: self.concurrency.get(),
            per_host: self.per_host.get(),
            sequential: self.sequential,
            timeout_secs: self.fetch.timeout.as_secs_f64(),
            connect_timeout_secs: self.fetch.connect_timeout.as_secs_f64(),
            retries: self.fetch.retries,
            max_body: self.fetch.max_body,
            user_agent: self.fetch.user_agent.clone(),
            default_currency: self.extract.default_currency.clone(),
            custom_selector: self.extract.selector.is_some(),
            strict: self.strict,
            resume: self.resume,
        }
    }
}

/// Why a run stopped before its end: its input, its output or its database
/// failed, or the HTTP client could not be built. `app` turns it into exit 2.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot build http client: {0}")]
    Client(#[source] reqwest::Error),
}

impl From<ResumeError> for ScrapeError {
    fn from(e: ResumeError) -> ScrapeError {
        match e {
            ResumeError::Input(e) => ScrapeError::Input(e),
            ResumeError::Store(e) => ScrapeError::Store(e),
        }
    }
}

/// How a finished run went, as far as the exit code cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Records with an error (cancelled ones included).
    pub failed: u64,
    /// Records fetched fine but without a price.
    pub unpriced: u64,
    /// The run was stopped by Ctrl-C.
    pub interrupted: bool,
    /// Whoever read stdout went away (`scrape ... | head`): a normal way to stop.
    pub stdout_closed: bool,
    /// `bench` missed its `--min-efficiency`/`--max-regression` gate (exit 1).
    pub gate_failed: bool,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub summary: Summary,
    pub outcome: Outcome,
}

/// Runs the whole pipeline over `entries`, writing records to `dest`.
/// Cancelling `cancel` stops it early: every line taken off the input still
/// yields one record, and no line after those is read (see [`engine::run`]).
pub async fn scrape(
    cfg: &RunConfig,
    dest: Destination,
    entries: mpsc::Receiver<Result<Entry, InputError>>,
    cancel: CancellationToken,
) -> Result<RunReport, ScrapeError> {
    scrape_recorded(cfg, dest, entries, cancel, None).await
}

/// [`scrape`], also storing every record through `recorder` (`--db`); on
/// `--resume` the lines it already has are replayed from it, not fetched.
pub async fn scrape_recorded(
    cfg: &RunConfig,
    dest: Destination,
    entries: mpsc::Receiver<Result<Entry, InputError>>,
    cancel: CancellationToken,
    mut recorder: Option<RunRecorder>,
) -> Result<RunReport, ScrapeError> {
    let fetcher = Fetcher::new(&cfg.fetch, cfg.per_host.get()).map_err(ScrapeError::Client)?;
    // Opened before any request, so an unwritable -o fails the run up front.
    let writer = RecordWriter::new(cfg.format, &dest)?;
    let engine_cfg = EngineConfig {
        concurrency: cfg.concurrency.get(),
        per_host: cfg.per_host.get(),
        lookahead: EngineConfig::default_lookahead(cfg.concurrency.get()),
        extract: Arc::new(cfg.extract.clone()),
        parse_on: cfg.parse_on,
        auto: cfg.auto.then(|| AutoLimit::new(cfg.concurrency.get())),
        politeness: cfg.politeness(),
    };
    let hosts = Arc::new(Hosts::new(
        engine_cfg.per_host,
        engine_cfg.concurrency,
        engine_cfg.politeness.clone(),
    ));
    let (tx, rx) = mpsc::channel(engine_cfg.lookahead);
    let resume = recorder.as_mut().and_then(RunRecorder::take_resume);
    let progress = progress_bar(
        cfg.progress && !matches!(dest, Destination::Discard),
        &cfg.input,
    );
    tracing::info!(
        concurrency = engine_cfg.concurrency,
        per_host = engine_cfg.per_host,
        timeout = ?cfg.fetch.timeout,
        retries = cfg.fetch.retries,
        "starting"
    );
    let started = Instant::now();
    let aggregator = Aggregator::new(cfg.sequential, cfg.concurrency.get());
    // The engine's verdict on the input, for the output thread: a run whose
    // input failed must not move its `-o` file into place.
    let (input_ok_tx, input_ok_rx) = std::sync::mpsc::channel();
    let output = {
        let cancel = cancel.clone();
        let auto = engine_cfg.auto.clone();
        tokio::task::spawn_blocking(move || {
            let sink = Sink {
                writer,
                recorder,
                progress,
                auto,
            };
            write_records(rx, sink, aggregator, started, cancel, input_ok_rx)
        })
    };
    let engine_result = match resume {
        // Replayed lines go through the engine too, so that fetched and
        // replayed records share one lookahead, taken in index order.
        Some(resume) => match resume.spawn_filter(entries) {
            Ok(lines) => engine::run_with_hosts(
                &engine_cfg,
                hosts.clone(),
                fetcher,
                lines,
                tx,
                cancel.clone(),
            )
            .await
            .map_err(ScrapeError::from),
            Err(e) => {
                drop(tx);
                Err(e.into())
            }
        },
        None => engine::run_with_hosts(
            &engine_cfg,
            hosts.clone(),
            fetcher,
            entries,
            tx,
            cancel.clone(),
        )
        .await
        .map_err(ScrapeError::from),
    };
    // The output thread is waiting for this once its channel is drained; if
    // it is already gone, there is nothing left to tell it.
    let _ = input_ok_tx.send((engine_result.is_ok(), hosts.report()));
    let written = output
        .await
        .map_err(|e| OutputError::Stdout(io::Error::other(format!("output thread failed: {e}"))))?;
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

/// Where the output thread puts records.
struct Sink {
    writer: RecordWriter,
    recorder: Option<RunRecorder>,
    progress: Option<Progress>,
    /// Read once the engine is done, for the summary.
    auto: Option<Arc<AutoLimit>>,
}

enum WriteFailure {
    /// The reader of stdout went away (`| head`): a normal way to stop.
    BrokenPipe,
    Other(ScrapeError),
}

type Written = (Summary, Outcome, Result<(), WriteFailure>);

/// The output thread: writes records as they come, aggregates, and finishes
/// the document. After a write error it keeps draining (so the engine never
/// blocks) and cancels the run. The document is finished (stdout stays valid
/// JSON) unless the output itself failed; a failed input discards an `-o`
/// file instead of moving it into place; a failed database
/// still fails the run, after the document is complete.
fn write_records(
    mut rx: mpsc::Receiver<Finished>,
    sink: Sink,
    mut agg: Aggregator,
    started: Instant,
    cancel: CancellationToken,
    input_ok: std::sync::mpsc::Receiver<(bool, HostsReport)>,
) -> Written {
    let Sink {
        mut writer,
        recorder,
        progress,
        auto,
    } = sink;
    let mut failure: Option<WriteFailure> = None;
    while let Some(Finished { record, permit }) = rx.blocking_recv() {
        agg.add(&record);
        if recorder.as_ref().is_some_and(|r| !r.record(&record)) {
            // The database failed; `finish` below reports why.
            cancel.cancel();
        }
        if failure.is_none() {
            if let Err(e) = writer.push_held(record, Some(permit)) {
                failure = Some(classify(e, &writer.target()));
                cancel.cancel();
            }
        }
        if let Some(p) = &progress {
            p.inc();
        }
    }
    if let Some(p) = progress {
        p.finish();
    }
    // The channel is closed only once the engine has returned, so its
    // verdict is on its way; a vanished sender means it did not finish.
    let (input_ok, hosts) = input_ok.recv().unwrap_or_default();
    let outcome = Outcome {
        failed: agg.failed(),
        unpriced: agg.unpriced(),
        ..Outcome::default()
    };
    let mut summary = agg.finish(started.elapsed());
    summary.interrupted = cancel.is_cancelled();
    summary.auto_concurrency = auto.map(|gate| gate.report());
    summary.hosts = hosts.hosts;
    summary.other_hosts = hosts.other;
    let mut store_failure = None;
    if let Some(r) = recorder {
        match r.finish(cancel.is_cancelled()) {
            Ok(changes) => summary.changes = Some(changes),
            Err(e) => store_failure = Some(WriteFailure::Other(e.into())),
        }
    }
    let result = match failure {
        Some(f) => Err(f),
        // "Complete or not at all": a temporary `-o` file is dropped unmoved
        // (stdout, already half written, is still finished as valid JSON).
        None if !input_ok && writer.writes_file() => Ok(()),
        None => {
            let target = writer.target();
            writer.finish(&summary).map_err(|e| classify(e, &target))
        }
    };
    let result = match (result, store_failure) {
        (Ok(()), Some(f)) => Err(f),
        (result, _) => result,
    };
    (summary, outcome, result)
}

fn classify(e: io::Error, target: &WriteTarget) -> WriteFailure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        WriteFailure::BrokenPipe
    } else {
        WriteFailure::Other(target.error(e).into())
    }
}

/// A progress line on stderr, only when stderr is a terminal (and the user
/// did not say `--no-progress`, `-q` or `NO_COLOR`). With a file input the
/// lines are counted on a thread of their own, and once they are the line
/// becomes a bar with total and ETA.
fn progress_bar(wanted: bool, input: &InputSource) -> Option<Progress> {
    let show = wanted && io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if !show {
        return None;
    }
    let progress = Progress::new();
    if let InputSource::File(path) = input {
        progress.count_lines_of(path.clone());
    }
    Some(progress)
}

/// Convenience for callers that already hold all entries (bench, demo, tests).
pub fn entries_channel(entries: Vec<Entry>) -> mpsc::Receiver<Result<Entry, InputError>> {
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
