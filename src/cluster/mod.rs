//! Scale-out on Redis Streams: one job's URL list in a stream, read by many
//! `scrape worker` processes as consumers of one group, each record stored in
//! a results stream by the same Lua call that acknowledges its entry.
//!
//! ```text
//! enqueue ─► {job}:urls ─XREADGROUP/XAUTOCLAIM─► worker (engine) ─Lua: XACK+XADD─► {job}:results ─► collect
//! ```
//!
//! Keys of a job share the hash tag `{job}` (one Redis Cluster slot), so the
//! scripts may touch all of them. This module owns the key names, the
//! connection (with retry and back-off for a Redis that restarts) and the
//! job's metadata; [`queue`], [`worker`] and [`collect`] own one command each,
//! and [`limiter`] the per-host cap and spacing that hold across workers.

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Cmd, FromRedisValue, Pipeline, RedisError};

pub mod collect;
pub mod follow;
pub mod limiter;
pub mod queue;
pub mod worker;

/// The consumer group every worker of a job joins.
pub const GROUP: &str = "workers";

/// Why a cluster command stopped: `app` turns every one into exit 2.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("invalid --redis URL {url:?}: {source}")]
    Url {
        url: String,
        #[source]
        source: RedisError,
    },
    #[error("cannot reach redis at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: RedisError,
    },
    #[error("redis at {url} failed: {source}")]
    Redis {
        url: String,
        #[source]
        source: RedisError,
    },
    #[error("job {0:?} does not exist: run `scrape enqueue` first (or `scrape worker --follow` to wait for it)")]
    NoSuchJob(String),
    #[error("job {job:?} was deleted while this worker ran: {dropped} of its lines held here were dropped unstored")]
    JobDeleted { job: String, dropped: u64 },
    #[error("job {job:?} is already enqueued ({lines} lines, list {fingerprint}); use another --job name")]
    AlreadyEnqueued {
        job: String,
        lines: u64,
        fingerprint: String,
    },
    #[error(
        "job {0:?} is being enqueued by another process (or one that died less than 30 s ago)"
    )]
    EnqueueBusy(String),
    #[error("job {job:?}: the list differs from the one being enqueued (its first {lines} lines changed); use another --job name")]
    ListChanged { job: String, lines: u64 },
    #[error("job {job:?} is not finished: {done} of {lines} lines done (run workers, or `scrape status`)")]
    Unfinished { job: String, done: u64, lines: u64 },
    #[error("job {job:?}: malformed entry {id} in {key}")]
    Malformed {
        job: String,
        key: String,
        id: String,
    },
    #[error("job {job:?}: the results stream misses {missing} lines (trimmed or deleted?)")]
    Missing { job: String, missing: u64 },
    #[error("worker task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot build http client: {0}")]
    Client(#[source] reqwest::Error),
}

/// The Redis keys of one job.
#[derive(Debug, Clone)]
pub struct JobKeys {
    pub job: String,
    /// Hash: state, incarnation, lines, fingerprint, enqueued, prefix_fp,
    /// done, failed, started_ms, concurrency.
    pub meta: String,
    /// Stream of `{index, url}` entries, read by the group [`GROUP`].
    pub urls: String,
    /// Stream of `{index, record}` entries (record as JSON).
    pub results: String,
    /// String: the token of the enqueue that owns the job while it streams.
    pub lock: String,
}

impl JobKeys {
    pub fn new(job: &str) -> JobKeys {
        // The braces make a hash tag: all keys of a job live in one slot.
        let base = format!("scrape:{{{job}}}");
        JobKeys {
            job: job.to_owned(),
            meta: format!("{base}:meta"),
            urls: format!("{base}:urls"),
            results: format!("{base}:results"),
            lock: format!("{base}:enqueuer"),
        }
    }

    /// One of the job-wide limiter's keys for `host` (`scheme://host:port`):
    /// `leases` or `next` (see [`limiter`]).
    pub fn host(&self, host: &str, what: &str) -> String {
        format!("scrape:{{{}}}:host:{host}:{what}", self.job)
    }

    /// A SCAN pattern for every limiter key of the job. Job names hold no
    /// glob characters (`cli::cluster::parse_job`), so only the `*` matches.
    pub fn hosts_pattern(&self) -> String {
        format!("scrape:{{{}}}:host:*", self.job)
    }
}

/// A job's metadata hash, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobMeta {
    /// "enqueueing" while the list streams in, "ready" once all of it is.
    pub state: String,
    /// Set by the enqueue that created the job: a job deleted and enqueued
    /// again under the same name is another incarnation (`worker --follow`).
    pub incarnation: String,
    pub lines: u64,
    pub fingerprint: String,
    pub enqueued: u64,
    pub prefix_fp: String,
    pub done: u64,
    pub failed: u64,
    pub started_ms: Option<u64>,
    /// The sum of `-c` over every worker that joined.
    pub concurrency: u64,
}

impl JobMeta {
    pub fn ready(&self) -> bool {
        self.state == "ready"
    }

    /// Every line enqueued and stored.
    pub fn drained(&self) -> bool {
        self.ready() && self.done >= self.lines
    }

    fn from_hash(h: &HashMap<String, String>) -> Option<JobMeta> {
        if h.is_empty() {
            return None;
        }
        let num = |k: &str| h.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        Some(JobMeta {
            state: h.get("state").cloned().unwrap_or_default(),
            incarnation: h.get("incarnation").cloned().unwrap_or_default(),
            lines: num("lines"),
            fingerprint: h.get("fingerprint").cloned().unwrap_or_default(),
            enqueued: num("enqueued"),
            prefix_fp: h.get("prefix_fp").cloned().unwrap_or_default(),
            done: num("done"),
            failed: num("failed"),
            started_ms: h.get("started_ms").and_then(|v| v.parse().ok()),
            concurrency: num("concurrency"),
        })
    }
}

/// How long a command keeps retrying a Redis that went away (restart,
/// failover) before the command fails.
pub const RETRY_FOR: Duration = Duration::from_secs(60);

/// One connection to Redis that reconnects with back-off on connection
/// errors, and loads the scripts again after a restart (NOSCRIPT).
///
/// Callers only retry requests that are safe to repeat: every write of this
/// module is a script fenced by a check (XACK's answer, the enqueued count),
/// so a reply lost with the connection cannot apply twice.
pub struct Redis {
    client: Client,
    conn: Option<MultiplexedConnection>,
    url: String,
    scripts: Vec<redis::Script>,
}

impl Redis {
    /// Connects once: a Redis unreachable at start is an error at once
    /// (exit 2), not a minute of retries.
    pub async fn connect(url: &str, scripts: &[&str]) -> Result<Redis, ClusterError> {
        let client = Client::open(url).map_err(|source| ClusterError::Url {
            url: url.to_owned(),
            source,
        })?;
        let scripts = scripts.iter().map(|s| redis::Script::new(s)).collect();
        Redis::open(client, display_url(url), scripts).await
    }

    /// A second connection to the same server (a blocking XREADGROUP holds
    /// its connection: the worker stores records on another one).
    pub async fn another(&self) -> Result<Redis, ClusterError> {
        Redis::open(self.client.clone(), self.url.clone(), self.scripts.clone()).await
    }

    /// Another connection to the same server, with other scripts.
    pub async fn with_scripts(&self, scripts: &[&str]) -> Result<Redis, ClusterError> {
        let scripts = scripts.iter().map(|s| redis::Script::new(s)).collect();
        Redis::open(self.client.clone(), self.url.clone(), scripts).await
    }

    /// Opens one connection; failing is [`ClusterError::Connect`].
    async fn open(
        client: Client,
        url: String,
        scripts: Vec<redis::Script>,
    ) -> Result<Redis, ClusterError> {
        let mut redis = Redis {
            client,
            conn: None,
            url,
            scripts,
        };
        redis
            .reconnect()
            .await
            .map_err(|source| ClusterError::Connect {
                url: redis.url.clone(),
                source,
            })?;
        Ok(redis)
    }

    async fn reconnect(&mut self) -> Result<(), RedisError> {
        self.conn = None;
        // Longer than the 500 ms default: XREADGROUP blocks up to a second.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(15)));
        let mut conn = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        for script in &self.scripts {
            script.prepare_invoke().load_async(&mut conn).await?;
        }
        self.conn = Some(conn);
        Ok(())
    }

    /// The SHA1 of the `n`th script given to [`Redis::connect`], for EVALSHA.
    pub fn script_hash(&self, n: usize) -> &str {
        self.scripts.get(n).map_or("", |s| s.get_hash())
    }

    pub async fn query<T: FromRedisValue>(&mut self, cmd: &Cmd) -> Result<T, ClusterError> {
        self.request(Request::Cmd(cmd)).await
    }

    pub async fn query_pipe<T: FromRedisValue>(
        &mut self,
        pipe: &Pipeline,
    ) -> Result<T, ClusterError> {
        self.request(Request::Pipe(pipe)).await
    }

    async fn request<T: FromRedisValue>(&mut self, req: Request<'_>) -> Result<T, ClusterError> {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let result = match self.conn.as_mut() {
                Some(conn) => match req {
                    Request::Cmd(c) => c.query_async(conn).await,
                    Request::Pipe(p) => p.query_async(conn).await,
                },
                // Dropped after a failure: connect again, then send.
                None => match self.reconnect().await {
                    Ok(()) => continue,
                    Err(e) => Err(e),
                },
            };
            let err = match result {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !transient(&err) || started.elapsed() >= RETRY_FOR {
                return Err(ClusterError::Redis {
                    url: self.url.clone(),
                    source: err,
                });
            }
            tracing::warn!(url = %self.url, error = %err, retry_in = ?delay, "redis unavailable; retrying");
            self.conn = None;
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(3));
        }
    }

    /// The job's metadata, or `None` when the job does not exist.
    pub async fn meta(&mut self, keys: &JobKeys) -> Result<Option<JobMeta>, ClusterError> {
        let h: HashMap<String, String> = self.query(redis::cmd("HGETALL").arg(&keys.meta)).await?;
        Ok(JobMeta::from_hash(&h))
    }
}

#[derive(Clone, Copy)]
enum Request<'a> {
    Cmd(&'a Cmd),
    Pipe(&'a Pipeline),
}

/// Errors worth waiting out: the connection, not the request, failed
/// (a restart, a failover), or the server is still loading its data.
pub(crate) fn transient(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_timeout()
        || matches!(err.code(), Some("LOADING" | "NOSCRIPT" | "TRYAGAIN"))
}

/// The job's stream or group vanished under a command: the job was deleted
/// (`collect --delete`, or by hand). A blocked XREADGROUP hears `UNBLOCKED`
/// (stream deleted) or `NOGROUP` (group destroyed); later calls `NOGROUP`.
pub fn job_gone(err: &ClusterError) -> bool {
    matches!(err, ClusterError::Redis { source, .. }
        if matches!(source.code(), Some("NOGROUP" | "UNBLOCKED")))
}

/// The URL without its password, for messages.
fn display_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Milliseconds since the Unix epoch (Redis stream ids use the same clock).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// FNV-1a 64 over the URL lines (each followed by a newline), carried from
/// batch to batch: a resumed enqueue checks the lines it skips against the
/// prefix the job holds. Stable across builds, unlike std's hasher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListHash(u64);

impl Default for ListHash {
    fn default() -> ListHash {
        ListHash(0xcbf2_9ce4_8422_2325)
    }
}

impl ListHash {
    pub fn add_line(&mut self, line: &str) {
        for &b in line.as_bytes().iter().chain(b"\n") {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_share_one_hash_tag() {
        let k = JobKeys::new("nightly");
        let leases = k.host("http://127.0.0.1:8080", "leases");
        for key in [&k.meta, &k.urls, &k.results, &k.lock, &leases] {
            assert!(key.starts_with("scrape:{nightly}:"), "{key}");
        }
    }

    #[test]
    fn list_hash_depends_on_order_and_line_breaks() {
        let hash = |lines: &[&str]| {
            let mut h = ListHash::default();
            lines.iter().for_each(|l| h.add_line(l));
            h.hex()
        };
        assert_ne!(hash(&["a", "b"]), hash(&["b", "a"]));
        assert_ne!(hash(&["ab"]), hash(&["a", "b"]));
        assert_eq!(hash(&["a", "b"]), hash(&["a", "b"]));
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            display_url("redis://user:secret@host:6379/0"),
            "redis://***@host:6379/0"
        );
        assert_eq!(display_url("redis://127.0.0.1/"), "redis://127.0.0.1/");
    }

    #[test]
    fn meta_parses_counters_and_absence() {
        assert_eq!(JobMeta::from_hash(&HashMap::new()), None);
        let h: HashMap<String, String> = [("state", "ready"), ("lines", "3"), ("done", "2")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let m = JobMeta::from_hash(&h).unwrap();
        assert!(m.ready());
        assert_eq!((m.lines, m.done, m.failed), (3, 2, 0));
    }
}
