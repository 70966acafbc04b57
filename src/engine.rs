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

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::{FutureExt, Shared};
use reqwest::Url;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::cli::ParseOn;
use crate::error::{ErrorKind, RunError};
use crate::extract::{extract, ExtractOptions, FoundPrice};
use crate::fetch::{retry_delay, FetchError, Fetcher};
use crate::input::Entry;
use crate::output::{Record, RecordError};

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
}

impl EngineConfig {
    /// A lookahead large enough that one slow page does not stall the others
    /// for long, small enough to bound memory (a record is a few hundred bytes).
    pub fn default_lookahead(concurrency: usize) -> usize {
        (concurrency * 64).clamp(1024, 65_536)
    }
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

/// Runs entries to records until the input ends. On cancellation it stops
/// starting requests, cancels the ones in flight, and turns every remaining
/// entry into a `cancelled` record, so each URL line still yields one record.
/// Returns `Err` only when the input itself fails.
pub async fn run(
    cfg: &EngineConfig,
    fetcher: Fetcher,
    mut entries: mpsc::Receiver<Result<Entry, RunError>>,
    out: mpsc::Sender<Finished>,
    cancel: CancellationToken,
) -> Result<(), RunError> {
    let global = Arc::new(Semaphore::new(cfg.concurrency));
    let lookahead = Arc::new(Semaphore::new(cfg.lookahead.max(1)));
    let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut dedup: HashMap<String, SharedFetch> = HashMap::new();
    let mut dedup_order: VecDeque<String> = VecDeque::new();
    let mut tasks = JoinSet::new();
    let mut result = Ok(());
    let parser = Parser::new(cfg.extract.clone(), cfg.parse_on);

    while let Some(item) = entries.recv().await {
        let entry = match item {
            Ok(entry) => entry,
            Err(err) => {
                result = Err(err);
                cancel.cancel();
                break;
            }
        };
        // Taken before spawning, so tasks can never outrun the output.
        let permit = lookahead
            .clone()
            .acquire_owned()
            .await
            .expect("lookahead semaphore is never closed");
        while tasks.try_join_next().is_some() {}

        let url = match entry.target {
            Err(message) => {
                let record = Record::failed(entry.index, entry.raw, ErrorKind::InvalidUrl, message);
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
        let shared = match dedup.get(&key) {
            Some(s) => s.clone(),
            None => {
                let host = host_limit(&mut hosts, &url, cfg.per_host);
                let fut: Pin<Box<dyn Future<Output = Arc<Fetched>> + Send>> = Box::pin(process(
                    url.clone(),
                    fetcher.clone(),
                    global.clone(),
                    host,
                    parser.clone(),
                ));
                let s = fut.shared();
                if dedup_order.len() >= DEDUP_WINDOW {
                    if let Some(old) = dedup_order.pop_front() {
                        dedup.remove(&old);
                    }
                }
                dedup.insert(key.clone(), s.clone());
                dedup_order.push_back(key);
                s
            }
        };
        let out = out.clone();
        let cancel = cancel.clone();
        let index = entry.index;
        tasks.spawn(async move {
            let record = tokio::select! {
                // Cancellation wins ties: after Ctrl-C nothing new is reported ok.
                biased;
                () = cancel.cancelled() => cancelled(index, url.to_string()),
                fetched = shared => to_record(index, &url, &fetched),
            };
            send(&out, record, permit).await;
        });
    }
    while tasks.join_next().await.is_some() {}
    result
}

async fn send(out: &mpsc::Sender<Finished>, record: Record, permit: OwnedSemaphorePermit) {
    // The output stage drains until every sender is gone, even after a write
    // error, so this only fails if it panicked; nothing more can be done then.
    let _ = out.send(Finished { record, permit }).await;
}

fn cancelled(index: u64, url: String) -> Record {
    Record::failed(
        index,
        url,
        ErrorKind::Cancelled,
        "run interrupted before this page finished".into(),
    )
}

/// The per-host limiter for `url`'s host and port, created on first use.
fn host_limit(
    hosts: &mut HashMap<String, Arc<Semaphore>>,
    url: &Url,
    per_host: usize,
) -> Arc<Semaphore> {
    let key = format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    );
    if hosts.len() > 4096 {
        // Forget idle hosts (no task holds their limiter) so a list of
        // millions of hosts does not keep millions of semaphores.
        hosts.retain(|_, s| Arc::strong_count(s) > 1);
    }
    hosts
        .entry(key)
        .or_insert_with(|| Arc::new(Semaphore::new(per_host)))
        .clone()
}

fn to_record(index: u64, url: &Url, f: &Fetched) -> Record {
    let (price, title, error) = match &f.result {
        Ok((price, title)) => (price.clone(), title.clone(), None),
        Err((kind, message)) => (
            None,
            None,
            Some(RecordError {
                kind: *kind,
                message: message.clone(),
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

/// Fetches one URL with retries and extracts its price. A panic anywhere in
/// here becomes an error record instead of a lost one.
async fn process(
    url: Url,
    fetcher: Fetcher,
    global: Arc<Semaphore>,
    host: Arc<Semaphore>,
    parser: Parser,
) -> Arc<Fetched> {
    let guarded =
        AssertUnwindSafe(fetch_with_retries(url, fetcher, global, host, parser)).catch_unwind();
    Arc::new(guarded.await.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!("internal error while processing a page: {what}");
        Fetched {
            status: None,
            final_url: None,
            attempts: 1,
            elapsed: Duration::ZERO,
            result: Err((ErrorKind::Body, format!("internal error: {what}"))),
        }
    }))
}

async fn fetch_with_retries(
    url: Url,
    fetcher: Fetcher,
    global: Arc<Semaphore>,
    host: Arc<Semaphore>,
    parser: Parser,
) -> Fetched {
    let mut started = None;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let attempt = {
            // Host first, then global: a task waiting for a busy host must not
            // sit on a global slot that another host could use.
            let _host = host
                .acquire()
                .await
                .expect("host semaphore is never closed");
            let _global = global
                .acquire()
                .await
                .expect("global semaphore is never closed");
            // Latency counts from the first request, not from time in the queue.
            started.get_or_insert_with(Instant::now);
            fetcher.attempt(&url).await
        };
        let final_url = attempt.final_url.as_ref().map(Url::to_string);
        match attempt.result {
            Ok(page) => {
                if page.lossy {
                    tracing::warn!(url = %url, charset = page.charset, "body has bytes invalid in its charset; replaced");
                }
                // Extraction is CPU work done after the permits are released:
                // a slot is for a request on the wire, not for parsing.
                let status = Some(page.status);
                let result = parser.parse(page).await;
                return Fetched {
                    status,
                    final_url,
                    attempts,
                    elapsed: started.map_or(Duration::ZERO, |s| s.elapsed()),
                    result,
                };
            }
            Err(err) => match retry_delay(&err, attempts, fetcher.config()) {
                Some(wait) => {
                    tracing::debug!(url = %url, attempt = attempts, ?wait, "retrying after {err}");
                    tokio::time::sleep(wait).await;
                }
                None => {
                    return Fetched {
                        status: attempt.status,
                        final_url,
                        attempts,
                        elapsed: started.map_or(Duration::ZERO, |s| s.elapsed()),
                        result: Err(error_parts(&err)),
                    };
                }
            },
        }
    }
}

/// Runs extraction where the configuration says.
#[derive(Clone)]
struct Parser {
    opts: Arc<ExtractOptions>,
    /// `Some` when parsing goes to the blocking pool: one slot per core, so
    /// parsing never queues more pages than there are CPUs to parse them.
    slots: Option<Arc<Semaphore>>,
}

type Parsed = Result<(Option<FoundPrice>, Option<String>), (ErrorKind, String)>;

impl Parser {
    fn new(opts: Arc<ExtractOptions>, on: ParseOn) -> Parser {
        let slots = (on == ParseOn::Blocking).then(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            Arc::new(Semaphore::new(cores))
        });
        Parser { opts, slots }
    }

    async fn parse(&self, page: crate::fetch::Page) -> Parsed {
        let Some(slots) = &self.slots else {
            let found = extract(&page.html, &page.final_url, &self.opts);
            return Ok((found.price, found.title));
        };
        let _slot = slots
            .acquire()
            .await
            .expect("parse semaphore is never closed");
        let opts = self.opts.clone();
        let job = tokio::task::spawn_blocking(move || extract(&page.html, &page.final_url, &opts));
        match job.await {
            Ok(found) => Ok((found.price, found.title)),
            Err(e) => Err((
                ErrorKind::Body,
                format!("internal error while parsing: {e}"),
            )),
        }
    }
}

fn error_parts(err: &FetchError) -> (ErrorKind, String) {
    (err.kind(), err.to_string())
}
