//! The scheduler: turns input entries into records under a global cap on
//! requests in flight and a separate per-host cap, with cancellation.
//!
//! Sequential mode is not a second pipeline: it is this one with both caps at
//! 1, so sequential and concurrent timings compare like with like.
//!
//! Three bounds keep memory flat however long the list is:
//! - the input channel (the reader waits for the scheduler);
//! - `lookahead` permits: one per record between "read" and "written out",
//!   handed to the output stage with the record, so neither spawned tasks nor
//!   the output's reorder buffer can grow past it;
//! - the duplicate window: the last [`DEDUP_WINDOW`] distinct URLs share one fetch.
//!
//! Politeness per host (robots.txt, spacing, host-wide pauses) is `hosts`'s.

mod hosts;
mod parse_pool;

pub use hosts::{
    host_key, GateFuture, Host, Hosts, HostsReport, Lease, Politeness, Refused, Rule, SharedGate,
    CONNECT_BURST, CONNECT_PAUSE, FULL_BACKOFF, FULL_BACKOFF_MAX, LIVE_HOSTS, REPORTED_HOSTS,
};

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::{FutureExt, Shared};
use reqwest::Url;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore, SemaphorePermit};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::extract::{extract, ExtractOptions};
use crate::fetch::{retry_delay, FetchConfig, FetchError, Fetcher, Page};
use crate::input::Line;
use crate::record::{ErrorKind, FoundPrice, Record, RecordError};
use crate::robots::{Refusal, RobotsConfig};

pub mod limit;
use limit::{AutoLimit, Sample};
use parse_pool::ParsePool;

/// Distinct URLs remembered for de-duplication. Beyond this window a repeated
/// URL is fetched again: remembering every URL of a 10-million-line list would
/// make memory grow with the list.
pub const DEDUP_WINDOW: usize = 4096;

/// Limits of one engine run.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Requests in flight overall.
    pub concurrency: usize,
    /// Requests in flight per host (host:port).
    pub per_host: usize,
    /// Records between the reader and the writer (see module docs).
    pub lookahead: usize,
    pub extract: Arc<ExtractOptions>,
    pub parse_on: ParseOn,
    /// `--concurrency auto`: a gate under `concurrency` whose size adapts (see [`limit`]).
    pub auto: Option<Arc<AutoLimit>>,
    /// robots.txt, spacing and pauses per host.
    pub politeness: Politeness,
}

impl EngineConfig {
    /// A lookahead large enough that one slow page does not stall the others
    /// for long, small enough to bound memory: each place is a spawned task
    /// with its fetch future and then its record (heaptrack: 64 × c = 4096
    /// places held ~12 MB of a 36 MB heap peak at `-c 64`; a waiting place
    /// is now ~2 KB: task 872 B, fetch 840 B, their allocations).
    pub fn default_lookahead(concurrency: usize) -> usize {
        (concurrency * 16).clamp(1024, 65_536)
    }
}

/// Where extraction runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseOn {
    /// On the async worker that fetched the page.
    Inline,
    /// On the run's own parsing threads (one per core, `parse_pool`). The
    /// default: measured with `scrape bench --levels 64` on 2000 demo pages,
    /// inline parsing let the reactor lag 160-190 ms (p99) and ran 410-460
    /// pages/s; off the async workers lag stayed at 6-8 ms and 670 pages/s.
    Blocking,
}

/// A record on its way to the output, with the lookahead permit that the
/// output releases once the record is written.
#[derive(Debug)]
pub struct Finished {
    pub record: Record,
    pub permit: OwnedSemaphorePermit,
}

/// What fetching one distinct URL produced; shared by its duplicate lines.
#[derive(Debug)]
struct Fetched {
    status: Option<u16>,
    final_url: Option<String>,
    attempts: u32,
    elapsed: Duration,
    result: Parsed,
}

type SharedFetch = Shared<Pin<Box<dyn Future<Output = Arc<Fetched>> + Send>>>;

/// Runs lines to records until the input ends or `cancel` fires.
///
/// The contract on a stop (Ctrl-C, a failed output or database): every line
/// the engine has taken off the input gets exactly one record (finished, or
/// `cancelled`), and lines it never took get none; the wait for the next line
/// is raced against `cancel`, so a stop never waits on the input. Lines are
/// taken in index order, so the records of a stopped run cover exactly the
/// lines `0..n`. Returns `Err` only when the input itself fails, with the
/// input's own error (`E`: the reader's, or the `--resume` filter's).
pub async fn run<L: Into<Line>, E>(
    cfg: &EngineConfig,
    fetcher: Fetcher,
    entries: mpsc::Receiver<Result<L, E>>,
    out: mpsc::Sender<Finished>,
    cancel: CancellationToken,
) -> Result<(), E> {
    let hosts = Arc::new(Hosts::new(
        cfg.per_host,
        cfg.concurrency,
        cfg.politeness.clone(),
    ));
    run_with_hosts(cfg, hosts, fetcher, entries, out, cancel).await
}

/// [`run`] with the caller's host table, whose [`Hosts::report`] then tells
/// how each host was paced.
pub async fn run_with_hosts<L: Into<Line>, E>(
    cfg: &EngineConfig,
    hosts: Arc<Hosts>,
    fetcher: Fetcher,
    mut entries: mpsc::Receiver<Result<L, E>>,
    out: mpsc::Sender<Finished>,
    cancel: CancellationToken,
) -> Result<(), E> {
    let global = Arc::new(Semaphore::new(cfg.concurrency));
    let lookahead = Arc::new(Semaphore::new(cfg.lookahead.max(1)));
    let mut dedup: HashMap<String, SharedFetch> = HashMap::new();
    let mut dedup_order: VecDeque<String> = VecDeque::new();
    let mut tasks = JoinSet::new();
    let mut result = Ok(());
    let parser = Parser::new(cfg.extract.clone(), cfg.parse_on, cfg.concurrency);

    loop {
        let item = tokio::select! {
            // A stop wins ties: once cancelled, no further line is taken.
            biased;
            () = cancel.cancelled() => break,
            item = entries.recv() => item,
        };
        let Some(item) = item else { break };
        let entry = match item.map(Into::into) {
            Ok(Line::Read(entry)) => entry,
            Ok(Line::Stored(record)) => {
                // Not raced against `cancel`: a line taken is owed its record,
                // and permits come back quickly once tasks see the stop.
                let permit = take_permit(&lookahead).await;
                send(&out, *record, permit).await;
                continue;
            }
            Err(err) => {
                result = Err(err);
                cancel.cancel();
                break;
            }
        };
        // Taken before spawning, so tasks can never outrun the output.
        let permit = take_permit(&lookahead).await;
        while let Some(joined) = tasks.try_join_next() {
            report_join_error(joined);
        }

        let url = match entry.target {
            Err(err) => {
                let record = Record::failed(entry.index, entry.raw, err.kind(), err.to_string());
                send(&out, record, permit).await;
                continue;
            }
            Ok(url) if cancel.is_cancelled() => {
                send(&out, cancelled(entry.index, url.to_string()), permit).await;
                continue;
            }
            Ok(url) => url,
        };

        let key = url.as_str().to_owned();
        let (shared, duplicate) = match dedup.get(&key) {
            Some(s) => (s.clone(), true),
            None => {
                let slots = Slots {
                    global: global.clone(),
                    host: hosts.get(&url),
                    robots: hosts.politeness().robots.clone(),
                    auto: cfg.auto.clone(),
                };
                let fut: Pin<Box<dyn Future<Output = Arc<Fetched>> + Send>> =
                    Box::pin(process(url.clone(), fetcher.clone(), slots, parser.clone()));
                let s = fut.shared();
                if dedup_order.len() >= DEDUP_WINDOW {
                    if let Some(old) = dedup_order.pop_front() {
                        dedup.remove(&old);
                    }
                }
                dedup.insert(key.clone(), s.clone());
                dedup_order.push_back(key);
                (s, false)
            }
        };
        tasks.spawn(record_task(
            entry.index,
            url,
            shared,
            duplicate,
            out.clone(),
            permit,
            cancel.clone(),
        ));
    }
    while let Some(joined) = tasks.join_next().await {
        report_join_error(joined);
    }
    result
}

/// One line's task: awaits its URL's fetch (shared with duplicate lines) and
/// hands the record, with its lookahead permit, to the output.
async fn record_task(
    index: u64,
    url: Url,
    shared: SharedFetch,
    duplicate: bool,
    out: mpsc::Sender<Finished>,
    permit: OwnedSemaphorePermit,
    cancel: CancellationToken,
) {
    let work = async {
        tokio::select! {
            // Cancellation wins ties: after Ctrl-C nothing new is reported ok.
            biased;
            () = cancel.cancelled() => cancelled(index, url.to_string()),
            fetched = shared => {
                let mut record = to_record(index, &url, &fetched);
                if duplicate {
                    shared_fetch(&mut record);
                }
                record
            }
        }
    };
    let record = guard_record(index, url.as_str(), work).await;
    // The permit stays outside the guarded part: even a panic above
    // yields a record, so the ordered output never waits on a lost one.
    send(&out, record, permit).await;
}

async fn take_permit(lookahead: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    lookahead
        .clone()
        .acquire_owned()
        .await
        .expect("lookahead semaphore is never closed")
}

/// A duplicate line made no request of its own: it reports the first line's
/// page, but `attempts: 0` and `elapsed_ms: 0`, so retries and latency are
/// counted once per fetch, not once per line that shares it.
fn shared_fetch(record: &mut Record) {
    record.attempts = 0;
    record.elapsed_ms = 0.0;
}

/// Awaits `work`; a panic in it becomes an `internal` record for the line.
/// Not an `async fn`: that would keep `work` twice in the task's state (its
/// argument and the future it runs), and a lookahead task is mostly this.
fn guard_record<'a>(
    index: u64,
    url: &'a str,
    work: impl Future<Output = Record> + 'a,
) -> impl Future<Output = Record> + 'a {
    AssertUnwindSafe(work).catch_unwind().map(move |caught| {
        caught.unwrap_or_else(|panic| {
            let what = panic_message(panic.as_ref());
            tracing::error!("internal error while recording a page: {what}");
            Record::failed(
                index,
                url.to_owned(),
                ErrorKind::Internal,
                format!("internal error: {what}"),
            )
        })
    })
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Tasks catch their own panics (see [`guard_record`]) and are never aborted,
/// so a join error is a bug worth a log line, not a lost record.
fn report_join_error(joined: Result<(), tokio::task::JoinError>) {
    if let Err(e) = joined {
        tracing::error!("record task failed: {e}");
    }
}

/// Not an `async fn`, which would hold the record twice (its argument and
/// the channel's send).
fn send(
    out: &mpsc::Sender<Finished>,
    record: Record,
    permit: OwnedSemaphorePermit,
) -> impl Future<Output = ()> + '_ {
    // The output stage drains until every sender is gone, even after a write
    // error, so this only fails if it panicked; nothing more can be done then.
    out.send(Finished { record, permit }).map(drop)
}

fn cancelled(index: u64, url: String) -> Record {
    Record::failed(
        index,
        url,
        ErrorKind::Cancelled,
        "run interrupted before this page finished".into(),
    )
}

fn to_record(index: u64, url: &Url, f: &Fetched) -> Record {
    let (price, title, error) = match &f.result {
        Ok((price, title)) => (price.clone(), title.clone(), None),
        Err(err) => (
            None,
            None,
            Some(RecordError {
                kind: err.kind(),
                message: err.to_string(),
            }),
        ),
    };
    Record {
        index,
        url: url.to_string(),
        final_url: f.final_url.clone(),
        ok: error.is_none(),
        status: f.status,
        price,
        title,
        elapsed_ms: crate::aggregate::round1(f.elapsed.as_secs_f64() * 1000.0),
        attempts: f.attempts,
        error,
    }
}

/// What one distinct URL's requests go through: the global cap, its host
/// (cap, spacing, pauses, robots.txt cache), robots.txt's settings
/// (`None`: `--ignore-robots`) and the adaptive gate of `-c auto`.
struct Slots {
    global: Arc<Semaphore>,
    host: Arc<Host>,
    robots: Option<RobotsConfig>,
    /// The adaptive gate of `--concurrency auto`.
    auto: Option<Arc<AutoLimit>>,
}

/// Checks robots.txt, then fetches one URL with retries and extracts its
/// price. A panic anywhere in here becomes an error record instead of a lost one.
async fn process(url: Url, fetcher: Fetcher, slots: Slots, parser: Parser) -> Arc<Fetched> {
    let work = async {
        if let Some(robots) = &slots.robots {
            // Boxed, like the request below: a future's state is as large
            // as its largest await, and most tasks of the lookahead are
            // only waiting for slots.
            let check = Box::pin(
                slots
                    .host
                    .robots_check(&url, &fetcher, &slots.global, robots),
            );
            if let Err(refusal) = check.await {
                return Fetched {
                    status: None,
                    final_url: None,
                    attempts: 0,
                    elapsed: Duration::ZERO,
                    result: Err(PageError::Refused(refusal)),
                };
            }
        }
        // Most of the lookahead's tasks wait here, for their first request's
        // slots; the request's state (retries, the attempt, the page) is
        // allocated only once they are held.
        let first = request_slots(&slots.host, &parser.backlog, &slots.global, parser.room()).await;
        Box::pin(fetch_with_retries(&url, &fetcher, &slots, &parser, first)).await
    };
    let guarded = AssertUnwindSafe(work).catch_unwind();
    let fetched = guarded.await.unwrap_or_else(|panic| {
        let what = panic_message(panic.as_ref());
        tracing::error!("internal error while processing a page: {what}");
        Fetched {
            status: None,
            final_url: None,
            attempts: 1,
            elapsed: Duration::ZERO,
            result: Err(PageError::panicked(&what)),
        }
    });
    if fetched.result.is_err() {
        slots.host.count_error();
    }
    Arc::new(fetched)
}

/// The attempts at one URL, the first with `first`'s slots; each retry takes
/// its own (see [`with_retries`]).
async fn fetch_with_retries(
    url: &Url,
    fetcher: &Fetcher,
    slots: &Slots,
    parser: &Parser,
    first: Held<'_>,
) -> Fetched {
    let started = std::sync::OnceLock::new();
    let mut first = Some(first);
    let (attempts, (status, final_url, result)) = with_retries(fetcher.config(), |_| {
        let first = first.take();
        let started = &started;
        async move {
            let held = match first {
                Some(held) => held,
                None => {
                    Box::pin(request_slots(
                        &slots.host,
                        &parser.backlog,
                        &slots.global,
                        parser.room(),
                    ))
                    .await
                }
            };
            attempt_once(url, fetcher, slots, parser, started, held).await
        }
    })
    .await;
    Fetched {
        status,
        final_url,
        attempts,
        elapsed: started.get().map_or(Duration::ZERO, |s| s.elapsed()),
        result,
    }
}

/// What [`request_slots`] hands out.
type Held<'a> = (
    SemaphorePermit<'a>,
    OwnedSemaphorePermit,
    SemaphorePermit<'a>,
    Option<Lease>,
);

/// Status, final URL and what parsing gave.
type AttemptOutcome = (Option<u16>, Option<String>, Parsed);

/// One attempt with its slots held: the request, then (slots released) the
/// parse, which keeps only the backlog place.
async fn attempt_once(
    url: &Url,
    fetcher: &Fetcher,
    slots: &Slots,
    parser: &Parser,
    started: &std::sync::OnceLock<Instant>,
    held: Held<'_>,
) -> Step<AttemptOutcome> {
    let (attempt, backlog) = {
        let (_host, backlog, _global, lease) = held;
        // Last, so that only requests about to go on the wire hold one.
        let auto = match &slots.auto {
            Some(gate) => Some(gate.acquire().await),
            None => None,
        };
        // Latency counts from the first request, not from time in the queue.
        started.get_or_init(Instant::now);
        let sent = Instant::now();
        let attempt = fetcher.attempt(url).await;
        slots.host.after_attempt(attempt.result.as_ref().err());
        if let Some(lease) = lease {
            drop(lease);
            slots.host.lease_ended();
        }
        if let Some(permit) = auto {
            permit.finish(auto_sample(&attempt.result, sent.elapsed()));
        }
        (attempt, backlog)
    };
    let final_url = attempt.final_url.as_ref().map(Url::to_string);
    match attempt.result {
        Ok(page) => {
            // Extraction is CPU work done after the request slots are
            // released: a slot is for a request on the wire, not for parsing.
            let status = Some(page.status);
            let result = parser.parse(page, url).await;
            drop(backlog);
            Step::Done((status, final_url, result))
        }
        Err(err) => {
            let failed = Err(PageError::Fetch(err.clone()));
            Step::Failed(err, (attempt.status, final_url, failed))
        }
    }
}

/// What an attempt tells the adaptive limit: any answer is a latency sample,
/// but 429/503, timeouts and connect failures say the server is overloaded.
fn auto_sample(result: &Result<Page, FetchError>, rtt: Duration) -> Sample {
    match result {
        Err(FetchError::HttpStatus {
            status: 429 | 503, ..
        })
        | Err(FetchError::Timeout(_) | FetchError::ConnectTimeout(_) | FetchError::Connect(_)) => {
            Sample::Overload
        }
        _ => Sample::Answered(rtt),
    }
}

/// How one attempt ended, for [`with_retries`].
enum Step<T> {
    Done(T),
    /// Failed with this error; the value is the outcome if it is not retried.
    Failed(FetchError, T),
}

/// Runs `attempt(1)`, `attempt(2)`, … until one is done or its error is not
/// worth another try ([`retry_delay`]: back-off with jitter, or the server's
/// `Retry-After`). Returns the number of attempts made and the last outcome.
/// Each attempt's resources are released before the wait, not held through it.
async fn with_retries<T, F, Fut>(cfg: &FetchConfig, mut attempt: F) -> (u32, T)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Step<T>>,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt(attempts).await {
            Step::Done(value) => return (attempts, value),
            Step::Failed(err, value) => match retry_delay(&err, attempts, cfg) {
                Some(wait) => {
                    tracing::debug!(attempt = attempts, ?wait, "retrying after {err}");
                    tokio::time::sleep(wait).await;
                }
                None => return (attempts, value),
            },
        }
    }
}

/// Takes the slots one request needs, in the one order that cannot waste
/// them: host first, then the host's turn (spacing, pauses), then a backlog
/// place, then a global slot. A task waiting for a busy, spaced or paused
/// host must not sit on a shared slot that another host could use. The
/// backlog place is held from before the request until the page is parsed,
/// so bodies waiting for a parse slot are bounded too. The start is claimed
/// only once the global slot is held, so the spacing is between real starts
/// (and so is a shared gate's grant: its lease comes last).
async fn request_slots<'a>(
    host: &'a Host,
    backlog: &Arc<Semaphore>,
    global: &'a Semaphore,
    room: Option<ParseRoom<'_>>,
) -> Held<'a> {
    let host_permit = host.acquire_cap().await;
    loop {
        // The turn comes before the backlog place, which all hosts share:
        // requests waiting out one host's pause must not hold them.
        host.wait_turn().await;
        let backlog = backlog
            .clone()
            .acquire_owned()
            .await
            .expect("backlog semaphore is never closed");
        let global = global
            .acquire()
            .await
            .expect("global semaphore is never closed");
        // Last before the start, with the slots held: while the parsers are
        // behind, a request started now would only add a body waiting in
        // memory (see `Parser::room`).
        if let Some(room) = &room {
            room.pool.room(room.max).await;
        }
        // Another request to this host may have taken the turn, or a pause
        // begun, while this one waited for the shared slots.
        if let Some(lease) = host.start().await {
            return (host_permit, backlog, global, lease);
        }
    }
}

/// Pages fetched and waiting for a parsing thread, per thread, past which
/// no new request starts (see [`Parser::room`]). Measured at `-c 64` on
/// 10 000 demo pages (`scrape bench`, alternating runs on a loaded
/// machine): 2 and 4 lost 12 % and 3 % of the pages/s; 8 was within the noise
/// of the old behaviour but lost wall time in `scrape` runs; 16 kept it
/// (peak RSS 45-47 -> 36-37 MB, 8: 35 MB).
const WAITING_PER_PARSER: usize = 16;

/// The parsing threads' queue and how many pages may wait in it.
struct ParseRoom<'a> {
    pool: &'a ParsePool,
    max: usize,
}

/// Runs extraction where the configuration says.
#[derive(Clone)]
struct Parser {
    opts: Arc<ExtractOptions>,
    /// `Some` when parsing goes to its own threads, one per core, so parsing
    /// never runs more pages at once than there are CPUs to parse them.
    pool: Option<Arc<ParsePool>>,
    /// Fetched-or-fetching pages not yet parsed. Twice the request cap: one
    /// page per slot on the wire and one waiting to be parsed. Without it,
    /// fetching faster than parsing piles decoded bodies up in memory
    /// (measured: 165 MB peak for 2000 pages at -c 64; with it, see README).
    backlog: Arc<Semaphore>,
}

type Parsed = Result<(Option<FoundPrice>, Option<String>), PageError>;

/// Why a distinct URL produced no page: the fetch failed (the page's or the
/// network's fault), or scrape itself did (a panic: its own outcome, kind
/// `internal`, never blamed on the page).
#[derive(Debug, Clone, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("internal error{0}")]
    Internal(String),
    /// robots.txt forbids the URL (or could not be read): never fetched.
    #[error("{}", .0.message)]
    Refused(Refusal),
}

impl PageError {
    /// The one contract kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PageError::Fetch(e) => e.kind(),
            PageError::Internal(_) => ErrorKind::Internal,
            PageError::Refused(r) => r.kind,
        }
    }

    fn panicked(what: &str) -> PageError {
        PageError::Internal(format!(": {what}"))
    }
}

impl Parser {
    fn new(opts: Arc<ExtractOptions>, on: ParseOn, concurrency: usize) -> Parser {
        let pool = (on == ParseOn::Blocking)
            .then(|| {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                ParsePool::new(cores)
                    .inspect_err(|e| {
                        tracing::warn!("cannot start parsing threads ({e}); parsing inline")
                    })
                    .ok()
                    .map(Arc::new)
            })
            .flatten();
        let backlog = Arc::new(Semaphore::new(concurrency.saturating_mul(2).max(2)));
        Parser {
            opts,
            pool,
            backlog,
        }
    }

    /// How far the parsing threads may fall behind before requests wait.
    /// The backlog alone bounds bodies at 2 × c, and when parsing is what
    /// limits the run it fills up: 128 bodies, most of the heap at `-c 64`.
    /// Requests that would only queue pages wait instead, so memory follows
    /// the parsers' pace, while a run that waits on the network (parsers
    /// idle, nothing queued) still has all `c` requests on the wire.
    fn room(&self) -> Option<ParseRoom<'_>> {
        let pool = self.pool.as_deref()?;
        Some(ParseRoom {
            pool,
            max: pool.threads() * WAITING_PER_PARSER,
        })
    }

    /// Decodes and extracts `page`. Decoding is CPU work on the whole body
    /// too, so it goes wherever parsing goes.
    async fn parse(&self, page: Page, url: &Url) -> Parsed {
        let opts = self.opts.clone();
        let url = url.clone();
        let job = move || {
            let mut page = page;
            let (html, charset, lossy) = page.take_text();
            if lossy {
                tracing::warn!(url = %url, charset, "body has bytes invalid in its charset; replaced");
            }
            let found = extract(&html, &page.final_url, &opts);
            (found.price, found.title)
        };
        let Some(pool) = &self.pool else {
            return Ok(job());
        };
        pool.run(job)
            .await
            .map_err(|e| PageError::Internal(format!(" while parsing: {e}")))
    }
}

#[cfg(test)]
mod tests;
