//! The worker's feeder: reads entries of the job's stream for the engine,
//! a dead worker's stale ones first (XAUTOCLAIM), new ones after
//! (XREADGROUP), within the window of entries a worker may hold; and says
//! when the round is over (job drained, or deleted under it).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use super::{lock, Held, RoundEnd, READ_BATCH};
use crate::cluster::{job_gone, ClusterError, JobKeys, Redis, GROUP};
use crate::input::{self, Entry};

/// How long one XREADGROUP waits for new entries; also how often an idle
/// worker checks whether the job is done and looks for stale entries.
const BLOCK: Duration = Duration::from_secs(1);

/// The same wait while this worker still has entries in flight: short, so
/// that it sees the job done soon after its last record (a 1 s wait there
/// cost 10 % of a 6000-page run's wall time).
const BLOCK_BUSY: Duration = Duration::from_millis(100);

/// Reads entries for the engine, stale ones first.
pub(super) struct Feeder {
    pub(super) redis: Redis,
    pub(super) keys: JobKeys,
    pub(super) consumer: String,
    pub(super) incarnation: String,
    pub(super) claim_idle: Duration,
    pub(super) window: Arc<Semaphore>,
    /// Free window slots worth a read while entries are still in flight.
    pub(super) refill: usize,
    pub(super) held: Held,
    pub(super) stop: CancellationToken,
}

impl Feeder {
    /// Gives its connection back for the final release.
    pub(super) async fn run(
        mut self,
        tx: mpsc::Sender<Result<Entry, Infallible>>,
    ) -> (Redis, Result<RoundEnd, ClusterError>) {
        let result = match self.feed(&tx).await {
            // Not a failure of this worker: the job is no more.
            Err(e) if job_gone(&e) => Ok(RoundEnd::Gone),
            other => other,
        };
        if result.is_err() {
            self.stop.cancel();
        }
        (self.redis, result)
    }

    async fn feed(
        &mut self,
        tx: &mpsc::Sender<Result<Entry, Infallible>>,
    ) -> Result<RoundEnd, ClusterError> {
        let mut cursor = String::from("0-0");
        let mut claim_now = true;
        while !self.stop.is_cancelled() {
            // Refill in bulk: reading as soon as one entry is stored cost
            // one XREADGROUP per record (measured: 0.8 per record at -c 16).
            let room = self.window.available_permits();
            if room < self.refill && !lock(&self.held).is_empty() {
                tokio::select! {
                    biased;
                    () = self.stop.cancelled() => break,
                    permits = self.window.acquire_many(self.refill as u32) => drop(permits),
                }
                continue;
            }
            let want = room.min(READ_BATCH);
            let mut got = Vec::new();
            if claim_now {
                let reply: StreamAutoClaimReply = self
                    .redis
                    .query(
                        redis::cmd("XAUTOCLAIM")
                            .arg(&self.keys.urls)
                            .arg(GROUP)
                            .arg(&self.consumer)
                            .arg(self.claim_idle.as_millis() as u64)
                            .arg(&cursor)
                            .arg("COUNT")
                            .arg(want),
                    )
                    .await?;
                // A full scan of the pending list done: wait for the next idle spell.
                claim_now = reply.next_stream_id != "0-0";
                cursor = reply.next_stream_id;
                got = reply.claimed;
                if !got.is_empty() {
                    tracing::info!(entries = got.len(), "claimed stale entries");
                }
            }
            if got.is_empty() {
                let idle = lock(&self.held).is_empty();
                // Checked before blocking: the job may have ended with our
                // last record.
                if idle {
                    if let Some(end) = self.ended().await? {
                        return Ok(end);
                    }
                }
                let block = if idle { BLOCK } else { BLOCK_BUSY };
                let reply: Option<StreamReadReply> = self
                    .redis
                    .query(
                        redis::cmd("XREADGROUP")
                            .arg("GROUP")
                            .arg(GROUP)
                            .arg(&self.consumer)
                            .arg("COUNT")
                            .arg(want)
                            .arg("BLOCK")
                            .arg(block.as_millis() as u64)
                            .arg("STREAMS")
                            .arg(&self.keys.urls)
                            .arg(">"),
                    )
                    .await?;
                got = reply
                    .into_iter()
                    .flat_map(|r| r.keys)
                    .flat_map(|k| k.ids)
                    .collect();
            }
            if got.is_empty() {
                // Nothing new: someone may have died holding entries.
                claim_now = true;
                continue;
            }
            for sid in got {
                let (index, url) = self.parse(&sid)?;
                if lock(&self.held).contains_key(&index) {
                    // Already in flight here (claimed back from ourselves).
                    continue;
                }
                // There is room: at most `room` entries were asked for.
                match self.window.clone().try_acquire_owned() {
                    Ok(p) => p.forget(),
                    Err(_) => match self.window.acquire().await {
                        Ok(p) => p.forget(),
                        Err(_) => break,
                    },
                }
                lock(&self.held).insert(index, sid.id.clone());
                let entry = Entry {
                    index,
                    target: input::parse_url(&url),
                    raw: url,
                };
                if tx.send(Ok(entry)).await.is_err() {
                    return Ok(RoundEnd::Stopped);
                }
            }
        }
        Ok(RoundEnd::Stopped)
    }

    fn parse(&self, sid: &StreamId) -> Result<(u64, String), ClusterError> {
        match (sid.get::<u64>("index"), sid.get::<String>("url")) {
            (Some(i), Some(u)) => Ok((i, u)),
            _ => Err(ClusterError::Malformed {
                job: self.keys.job.clone(),
                key: self.keys.urls.clone(),
                id: sid.id.clone(),
            }),
        }
    }

    /// Whether the round is over: all lines enqueued and stored, or the
    /// job deleted (and perhaps enqueued again: another incarnation).
    async fn ended(&mut self) -> Result<Option<RoundEnd>, ClusterError> {
        Ok(match self.redis.meta(&self.keys).await? {
            Some(m) if m.incarnation != self.incarnation => Some(RoundEnd::Gone),
            Some(m) if m.drained() => Some(RoundEnd::Drained),
            Some(_) => None,
            None => Some(RoundEnd::Gone),
        })
    }
}
