//! Politeness for a whole job: the per-host cap and the spacing between
//! request starts (`--delay`, `--rate`, robots.txt `Crawl-delay`) held across
//! every worker, by a Lua script on the job's Redis. The engine asks it once
//! per attempt through its [`SharedGate`] hook.
//!
//! Per host (`scheme://host:port`), two keys inside the job's hash slot:
//! - `scrape:{job}:host:<host>:leases`, a sorted set of lease id → expiry:
//!   a counting semaphore whose places a dead worker cannot keep, since
//!   expired leases are dropped by the next grant;
//! - `scrape:{job}:host:<host>:next`, the earliest next start, moved on by
//!   the interval at each start: the same exact spacing as a local run's
//!   `Host` (no burst allowance), on one clock, Redis's `TIME`.
//!
//! Leases live [`LEASE_TTL`] and are renewed every [`RENEW_EVERY`] while
//! their request runs, so a long request keeps its place and a SIGKILLed
//! worker's places come free within [`LEASE_TTL`]. A lease is given back
//! (ZREM) when its attempt ends, cancelled ones included; a release that
//! cannot reach Redis is left to the expiry. Releases and renewals go
//! through one keeper task per worker, batched into pipelines.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{ClusterError, JobKeys, Redis};
use crate::engine::{GateFuture, Lease, Refused, SharedGate};

/// How long a lease outlives its last renewal. It bounds how long a dead
/// worker's places stay taken; a live worker renews well before.
pub const LEASE_TTL: Duration = Duration::from_secs(5);

/// How often a worker renews the leases it holds.
pub const RENEW_EVERY: Duration = Duration::from_secs(1);

/// KEYS: leases, next. ARGV: lease id, cap, interval µs, ttl µs. Returns 0
/// when granted (lease added, next start moved on), -1 when `cap` leases are
/// live, or the µs until the next start is allowed. Times are µs of Redis's
/// clock; `%.0f` keeps them exact (Lua's default number format would not).
const ACQUIRE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local interval = tonumber(ARGV[3])
if interval > 0 then
  local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
  if nxt > now then return nxt - now end
  redis.call('SET', KEYS[2], string.format('%.0f', now + interval),
    'PX', math.floor(interval / 1000) + 60000)
end
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], string.format('%.0f', now + ttl), ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.floor(ttl / 1000) + 1000)
return 0
"#;

/// KEYS: the leases set of each lease. ARGV: ttl µs, then the lease ids.
/// Pushes each lease's expiry on; `XX` leaves alone a lease already gone
/// (released, or expired and dropped), so a late renewal never revives one.
const RENEW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ttl = tonumber(ARGV[1])
local at = string.format('%.0f', now + ttl)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', at, ARGV[i + 1])
  redis.call('PEXPIRE', key, math.floor(ttl / 1000) + 1000)
end
return #KEYS
"#;

/// Releases and renewals sent per round trip at most.
const KEEP_BATCH: usize = 256;

/// What the keeper hears about leases.
enum Event {
    Held(LeaseRef),
    Freed(LeaseRef),
}

/// A lease: its sorted set and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LeaseRef {
    key: String,
    id: String,
}

/// Gives its lease back when dropped (the attempt ended or was cancelled).
struct Release {
    lease: Option<LeaseRef>,
    keeper: mpsc::UnboundedSender<Event>,
}

impl Drop for Release {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            // The keeper is gone only when the worker is: the expiry frees it.
            let _ = self.keeper.send(Event::Freed(lease));
        }
    }
}

/// One worker's side of the job-wide limiter.
pub struct RedisGate {
    /// A std mutex would block the runtime; one request at a time is plenty
    /// (a grant is one short script).
    redis: tokio::sync::Mutex<Redis>,
    keys: JobKeys,
    /// Lease ids: this worker's consumer name and a counter, unique per job.
    owner: String,
    next_id: AtomicU64,
    keeper: mpsc::UnboundedSender<Event>,
    /// The first Redis failure: the worker stops and reports it.
    failure: Mutex<Option<ClusterError>>,
    stop: CancellationToken,
}

impl RedisGate {
    /// The gate and its keeper task, each on its own connection to the
    /// server `like` talks to. `stop` is cancelled if Redis fails for good.
    pub async fn start(
        like: &Redis,
        keys: &JobKeys,
        owner: &str,
        stop: CancellationToken,
    ) -> Result<(RedisGate, JoinHandle<()>), ClusterError> {
        let redis = like.with_scripts(&[ACQUIRE]).await?;
        let keeper_redis = like.with_scripts(&[RENEW]).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let keeper = tokio::spawn(keep(keeper_redis, rx));
        let gate = RedisGate {
            redis: tokio::sync::Mutex::new(redis),
            keys: keys.clone(),
            owner: owner.to_owned(),
            next_id: AtomicU64::new(0),
            keeper: tx,
            failure: Mutex::new(None),
            stop,
        };
        Ok((gate, keeper))
    }

    /// The Redis failure that stopped the worker, if one did.
    pub fn take_failure(&self) -> Option<ClusterError> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn failed(&self) -> bool {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    async fn acquire(&self, host: &str, cap: usize, interval: Duration) -> Result<Lease, Refused> {
        // After a failure the worker is stopping: no minute of retries per request.
        if self.failed() {
            return Err(Refused::Spacing(Duration::from_secs(1)));
        }
        let lease = LeaseRef {
            key: self.keys.host(host, "leases"),
            id: format!(
                "{}-{}",
                self.owner,
                self.next_id.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let answer: Result<i64, ClusterError> = {
            let mut redis = self.redis.lock().await;
            let mut cmd = redis::cmd("EVALSHA");
            cmd.arg(redis.script_hash(0))
                .arg(2)
                .arg(&lease.key)
                .arg(self.keys.host(host, "next"))
                .arg(&lease.id)
                .arg(cap)
                .arg(interval.as_micros() as u64)
                .arg(LEASE_TTL.as_micros() as u64);
            redis.query(&cmd).await
        };
        match answer {
            Ok(0) => {
                let _ = self.keeper.send(Event::Held(lease.clone()));
                Ok(Lease::new(Release {
                    lease: Some(lease),
                    keeper: self.keeper.clone(),
                }))
            }
            Ok(-1) => Err(Refused::Full),
            Ok(us) => Err(Refused::Spacing(Duration::from_micros(us.max(1) as u64))),
            Err(e) => {
                tracing::error!(error = %e, "per-host limiter: redis failed; stopping the worker");
                let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
                failure.get_or_insert(e);
                self.stop.cancel();
                Err(Refused::Spacing(Duration::from_secs(1)))
            }
        }
    }
}

impl SharedGate for RedisGate {
    fn try_start<'a>(&'a self, host: &'a str, cap: usize, interval: Duration) -> GateFuture<'a> {
        Box::pin(self.acquire(host, cap, interval))
    }
}

/// Releases leases as their attempts end and renews the live ones, until
/// every sender (the gate and its leases) is gone.
async fn keep(mut redis: Redis, mut rx: mpsc::UnboundedReceiver<Event>) {
    let mut live: HashSet<LeaseRef> = HashSet::new();
    let mut tick = tokio::time::interval(RENEW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            event = rx.recv() => {
                let Some(event) = event else { break };
                let mut freed = Vec::new();
                let mut next = Some(event);
                while let Some(event) = next {
                    match event {
                        Event::Held(lease) => {
                            live.insert(lease);
                        }
                        Event::Freed(lease) => {
                            live.remove(&lease);
                            freed.push(lease);
                        }
                    }
                    next = if freed.len() < KEEP_BATCH { rx.try_recv().ok() } else { None };
                }
                release(&mut redis, &freed).await;
            }
            _ = tick.tick() => renew(&mut redis, &live).await,
        }
    }
}

async fn release(redis: &mut Redis, freed: &[LeaseRef]) {
    if freed.is_empty() {
        return;
    }
    let mut pipe = redis::pipe();
    for lease in freed {
        pipe.cmd("ZREM").arg(&lease.key).arg(&lease.id).ignore();
    }
    if let Err(e) = redis.query_pipe::<()>(&pipe).await {
        tracing::warn!(error = %e, leases = freed.len(), "per-host limiter: release failed; the leases expire instead");
    }
}

async fn renew(redis: &mut Redis, live: &HashSet<LeaseRef>) {
    let leases: Vec<&LeaseRef> = live.iter().collect();
    for chunk in leases.chunks(KEEP_BATCH) {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(redis.script_hash(0)).arg(chunk.len());
        for lease in chunk {
            cmd.arg(&lease.key);
        }
        cmd.arg(LEASE_TTL.as_micros() as u64);
        for lease in chunk {
            cmd.arg(&lease.id);
        }
        if let Err(e) = redis.query::<i64>(&cmd).await {
            tracing::warn!(error = %e, "per-host limiter: renewal failed");
            return;
        }
    }
}
