//! `scrape enqueue`: streams a URL list into a job's stream in batches, one
//! Lua call per batch, with bounded memory whatever the list's length.
//!
//! A job is enqueued once. While the list streams in, the job is locked by
//! the enqueuing process (a key with a 30 s lease, renewed by every batch)
//! and the job's hash counts the lines enqueued so far and hashes them. An
//! interrupted enqueue is resumed by running the same command again: the
//! lines already in the stream are read, checked against that hash and
//! skipped. An enqueue of a finished job is refused. No line is ever added
//! twice: each batch names the count it expects to start from and does
//! nothing when the job holds another one (a retried batch whose first reply
//! was lost, or a process that lost its lease).

use redis::Value;
use tokio_util::sync::CancellationToken;

use super::{ClusterError, JobKeys, ListHash, Redis, GROUP};
use crate::input::{self, Entry, InputSource};

/// URLs per Lua call: large enough that the round trip is amortised (about
/// 1 ms of script per batch), small enough not to stall other clients.
pub const BATCH: usize = 1000;

/// The lease of the enqueuing process, renewed by every batch.
const LEASE_MS: u64 = 30_000;

/// KEYS: meta, urls, lock. ARGV: token, expected count, prefix hash after
/// the batch, count after the batch, then index/url pairs.
const ADD_BATCH: &str = r#"
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local have = tonumber(redis.call('HGET', KEYS[1], 'enqueued') or '0')
if have ~= tonumber(ARGV[2]) then return have end
for i = 5, #ARGV, 2 do
  redis.call('XADD', KEYS[2], '*', 'index', ARGV[i], 'url', ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'enqueued', ARGV[4], 'prefix_fp', ARGV[3])
redis.call('PEXPIRE', KEYS[3], 30000)
return tonumber(ARGV[4])
"#;

/// KEYS: meta, lock. ARGV: token, lines, fingerprint. Marks the job ready.
const FINISH: &str = r#"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  if redis.call('HGET', KEYS[1], 'state') == 'ready' then return 1 end
  return -1
end
redis.call('HSET', KEYS[1], 'state', 'ready', 'lines', ARGV[2], 'fingerprint', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
"#;

/// KEYS: lock. ARGV: token. Lets go of the job after an interrupted enqueue.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

/// What `scrape enqueue` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnqueueReport {
    /// Lines in the job's stream now.
    pub enqueued: u64,
    /// Lines an earlier, interrupted enqueue had already added.
    pub resumed_from: u64,
    /// The list's fingerprint, once all of it is in.
    pub fingerprint: Option<String>,
    pub interrupted: bool,
}

/// Streams `input` into the job `job` on the Redis at `url`.
pub async fn enqueue(
    url: &str,
    job: &str,
    input: &InputSource,
    cancel: &CancellationToken,
) -> Result<EnqueueReport, ClusterError> {
    let keys = JobKeys::new(job);
    let mut redis = Redis::connect(url, &[ADD_BATCH, FINISH, RELEASE]).await?;
    if let Some(meta) = redis.meta(&keys).await? {
        if meta.ready() {
            return Err(already(&keys, &meta));
        }
    }
    let token = format!(
        "{}-{}-{}",
        std::process::id(),
        super::now_ms(),
        fastrand::u64(..)
    );
    let locked: Option<String> = redis
        .query(
            redis::cmd("SET")
                .arg(&keys.lock)
                .arg(&token)
                .arg("NX")
                .arg("PX")
                .arg(LEASE_MS),
        )
        .await?;
    if locked.is_none() {
        return Err(ClusterError::EnqueueBusy(job.to_owned()));
    }
    let result = stream_list(&mut redis, &keys, &token, input, cancel).await;
    if !matches!(&result, Ok(r) if r.fingerprint.is_some()) {
        // Best effort: otherwise the lease runs out by itself in 30 s.
        let release = redis::cmd("EVALSHA")
            .arg(redis.script_hash(2))
            .arg(1)
            .arg(&keys.lock)
            .arg(&token)
            .to_owned();
        let _ = redis.query::<Value>(&release).await;
    }
    result
}

async fn stream_list(
    redis: &mut Redis,
    keys: &JobKeys,
    token: &str,
    input: &InputSource,
    cancel: &CancellationToken,
) -> Result<EnqueueReport, ClusterError> {
    // Read again under the lock: another enqueue may have finished meanwhile.
    let meta = redis.meta(keys).await?.unwrap_or_default();
    if meta.ready() {
        return Err(already(keys, &meta));
    }
    let resumed_from = meta.enqueued;
    if meta.state.is_empty() {
        // The group first: a worker that sees the job's hash finds its
        // group (a `--follow` worker joins the moment the hash appears).
        create_group(redis, keys).await?;
        let mut pipe = redis::pipe();
        pipe.cmd("HSET")
            .arg(&keys.meta)
            .arg("state")
            .arg("enqueueing")
            .arg("incarnation")
            .arg(token)
            .arg("enqueued")
            .arg(0)
            .arg("prefix_fp")
            .arg(ListHash::default().hex())
            .ignore();
        redis.query_pipe::<()>(&pipe).await?;
    }
    let mut entries = input::spawn_reader(input, 4 * BATCH)?;
    let mut hash = ListHash::default();
    let mut count: u64 = 0;
    let mut batch: Vec<Entry> = Vec::with_capacity(BATCH);
    let mut interrupted = false;
    loop {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => { interrupted = true; break }
            next = entries.recv() => next,
        };
        let Some(entry) = next else { break };
        let entry = entry?;
        count += 1;
        hash.add_line(&entry.raw);
        if count <= resumed_from {
            if count == resumed_from && hash.hex() != meta.prefix_fp {
                return Err(changed(keys, resumed_from));
            }
            continue;
        }
        batch.push(entry);
        if batch.len() == BATCH {
            add_batch(redis, keys, token, &batch, count, hash).await?;
            batch.clear();
        }
    }
    if count < resumed_from && !interrupted {
        return Err(changed(keys, resumed_from));
    }
    if !batch.is_empty() {
        add_batch(redis, keys, token, &batch, count, hash).await?;
    }
    if interrupted {
        return Ok(EnqueueReport {
            enqueued: count.max(resumed_from),
            resumed_from,
            fingerprint: None,
            interrupted,
        });
    }
    let fingerprint = format!("{count}-{}", hash.hex());
    let finish = redis::cmd("EVALSHA")
        .arg(redis.script_hash(1))
        .arg(2)
        .arg(&keys.meta)
        .arg(&keys.lock)
        .arg(token)
        .arg(count)
        .arg(&fingerprint)
        .to_owned();
    if redis.query::<i64>(&finish).await? != 1 {
        return Err(ClusterError::EnqueueBusy(keys.job.clone()));
    }
    Ok(EnqueueReport {
        enqueued: count,
        resumed_from,
        fingerprint: Some(fingerprint),
        interrupted,
    })
}

/// Adds `batch`, the lines that end at line `after` (whose prefix hashes to
/// `hash`), in one script call.
async fn add_batch(
    redis: &mut Redis,
    keys: &JobKeys,
    token: &str,
    batch: &[Entry],
    after: u64,
    hash: ListHash,
) -> Result<(), ClusterError> {
    let expected = after - batch.len() as u64;
    let mut cmd = redis::cmd("EVALSHA");
    cmd.arg(redis.script_hash(0))
        .arg(3)
        .arg(&keys.meta)
        .arg(&keys.urls)
        .arg(&keys.lock)
        .arg(token)
        .arg(expected)
        .arg(hash.hex())
        .arg(after);
    for e in batch {
        cmd.arg(e.index).arg(&e.raw);
    }
    let have: i64 = redis.query(&cmd).await?;
    // `after`: added now, or by this same call before its reply was lost.
    if have == after as i64 {
        Ok(())
    } else {
        Err(ClusterError::EnqueueBusy(keys.job.clone()))
    }
}

/// The consumer group starts at the stream's beginning; it may exist already.
async fn create_group(redis: &mut Redis, keys: &JobKeys) -> Result<(), ClusterError> {
    let cmd = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&keys.urls)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .to_owned();
    match redis.query::<()>(&cmd).await {
        Err(ClusterError::Redis { source, .. }) if source.code() == Some("BUSYGROUP") => Ok(()),
        other => other,
    }
}

fn already(keys: &JobKeys, meta: &super::JobMeta) -> ClusterError {
    ClusterError::AlreadyEnqueued {
        job: keys.job.clone(),
        lines: meta.lines,
        fingerprint: meta.fingerprint.clone(),
    }
}

fn changed(keys: &JobKeys, lines: u64) -> ClusterError {
    ClusterError::ListChanged {
        job: keys.job.clone(),
        lines,
    }
}
