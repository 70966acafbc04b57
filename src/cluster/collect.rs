//! `scrape collect` and `scrape status`: read a job's results back.
//!
//! Collect pages through the results stream (XRANGE, 1000 entries a call)
//! and hands each record to the usual [`RecordWriter`], which restores input
//! order for json and csv. A line stored twice is written once: the store
//! script already refuses a second record for an acknowledged entry, and a
//! bitmap of seen indexes (one bit per line: 12.5 MB for 100 M lines) keeps
//! the promise even for results streams written otherwise.
//!
//! With `--db` the records also go to the price-history database as one run,
//! through the same recorder a local `--db` run uses (its writer thread;
//! records are handed over a page at a time off the async workers).
//!
//! With `--delete` the job is deleted once every record was written (output
//! finished and database committed; not after a closed stdout): first the
//! per-host limiter keys (found by SCAN MATCH: one pass over the keyspace,
//! 1000 keys a call, cheap beside collecting the results), then,
//! in one script that checks the job is still the incarnation collected,
//! its hash, lists and enqueue lease. UNLINK: a results stream of millions
//! of entries is freed off Redis's main thread.

use std::io;
use std::path::Path;
use std::time::Duration;

use redis::streams::{StreamInfoConsumersReply, StreamInfoGroupsReply, StreamRangeReply};
use serde::Serialize;

use super::{ClusterError, JobKeys, JobMeta, Redis, GROUP};
use crate::aggregate::{Aggregator, Summary};
use crate::input::InputSource;
use crate::output::{Destination, Format, RecordWriter};
use crate::record::Record;
use crate::store::{BatchPolicy, RunRecorder, StoreError};

/// Results read per XRANGE call.
const PAGE: usize = 1000;

/// KEYS: meta, urls, results, enqueuer lease. ARGV: the incarnation
/// collected. Deletes the job unless it changed since it was read (0);
/// -1 when it is gone already (a retry whose first reply was lost).
const DELETE: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if (redis.call('HGET', KEYS[1], 'incarnation') or '') ~= ARGV[1] then return 0 end
return redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
"#;

/// What `scrape collect` wrote.
#[derive(Debug, Clone)]
pub struct CollectReport {
    pub summary: Summary,
    /// Records of lines already written (a worker that stored and died
    /// before acknowledging, in a results stream written without the script).
    pub duplicates: u64,
    /// Whoever read stdout went away (`| head`).
    pub stdout_closed: bool,
    /// `--delete` deleted the job.
    pub deleted: bool,
}

/// Writes the finished job's records to `dest` in `format`.
pub async fn collect(
    url: &str,
    job: &str,
    format: Format,
    dest: &Destination,
    db: Option<&Path>,
    delete: bool,
) -> Result<CollectReport, ClusterError> {
    let keys = JobKeys::new(job);
    let mut redis = Redis::connect(url, &[DELETE]).await?;
    let meta = finished_meta(&mut redis, &keys).await?;
    let mut writer = RecordWriter::new(format, dest)?;
    let mut recorder = match db {
        Some(path) => Some(start_db(path, job, format, dest, &meta).await?),
        None => None,
    };
    let mut to_store: Vec<Record> = Vec::new();
    let target = writer.target();
    let mut agg = Aggregator::new(false, meta.concurrency as usize);
    let mut seen = vec![0u64; meta.lines.div_ceil(64) as usize];
    let mut unique: u64 = 0;
    let mut duplicates: u64 = 0;
    let mut last_ms = meta.started_ms.unwrap_or(0);
    let mut from = String::from("-");
    let mut stdout_closed = false;
    'pages: loop {
        let page: StreamRangeReply = redis
            .query(
                redis::cmd("XRANGE")
                    .arg(&keys.results)
                    .arg(&from)
                    .arg("+")
                    .arg("COUNT")
                    .arg(PAGE),
            )
            .await?;
        let Some(last) = page.ids.last() else { break };
        from = format!("({}", last.id);
        for sid in &page.ids {
            let malformed = || ClusterError::Malformed {
                job: job.to_owned(),
                key: keys.results.clone(),
                id: sid.id.clone(),
            };
            let text: String = sid.get("record").ok_or_else(malformed)?;
            let record: Record = serde_json::from_str(&text).map_err(|_| malformed())?;
            let (word, bit) = ((record.index / 64) as usize, record.index % 64);
            let Some(slot) = seen.get_mut(word) else {
                return Err(malformed());
            };
            if *slot & (1 << bit) != 0 {
                duplicates += 1;
                continue;
            }
            *slot |= 1 << bit;
            unique += 1;
            last_ms = last_ms.max(id_ms(&sid.id));
            agg.add(&record);
            if recorder.is_some() {
                to_store.push(record.clone());
            }
            if let Err(e) = writer.push(record) {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    stdout_closed = true;
                    break 'pages;
                }
                return Err(target.error(e).into());
            }
        }
        if let Some(r) = recorder.take() {
            recorder = Some(store_page(r, std::mem::take(&mut to_store)).await?);
        }
        if page.ids.len() < PAGE {
            break;
        }
    }
    // Left over by a stop at a closed stdout.
    if let Some(r) = recorder.take() {
        recorder = Some(store_page(r, std::mem::take(&mut to_store)).await?);
    }
    if !stdout_closed && unique < meta.lines {
        return Err(ClusterError::Missing {
            job: job.to_owned(),
            missing: meta.lines - unique,
        });
    }
    let elapsed = last_ms.saturating_sub(meta.started_ms.unwrap_or(last_ms));
    let mut summary = agg.finish(Duration::from_millis(elapsed));
    summary.mode = "distributed".into();
    if let Some(r) = recorder {
        let interrupted = stdout_closed;
        let finished = tokio::task::spawn_blocking(move || r.finish(interrupted)).await;
        summary.changes = Some(finished.map_err(|e| store_thread(&e))??);
    }
    if !stdout_closed {
        if let Err(e) = writer.finish(&summary) {
            if e.kind() != io::ErrorKind::BrokenPipe {
                return Err(target.error(e).into());
            }
            stdout_closed = true;
        }
    }
    // Only now is every record written: the job may go.
    let deleted = delete && !stdout_closed && delete_job(&mut redis, &keys, &meta).await?;
    Ok(CollectReport {
        summary,
        duplicates,
        stdout_closed,
        deleted,
    })
}

/// Deletes the collected job: its limiter's host keys, then (if it is still
/// the incarnation `meta` read) the rest. False if it changed meanwhile.
async fn delete_job(
    redis: &mut Redis,
    keys: &JobKeys,
    meta: &JobMeta,
) -> Result<bool, ClusterError> {
    let pattern = keys.hosts_pattern();
    let mut cursor: u64 = 0;
    loop {
        let (next, found): (u64, Vec<String>) = redis
            .query(
                redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(PAGE),
            )
            .await?;
        if !found.is_empty() {
            redis.query::<()>(redis::cmd("UNLINK").arg(&found)).await?;
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let deleted: i64 = redis
        .query(
            redis::cmd("EVALSHA")
                .arg(redis.script_hash(0))
                .arg(4)
                .arg(&keys.meta)
                .arg(&keys.urls)
                .arg(&keys.results)
                .arg(&keys.lock)
                .arg(&meta.incarnation),
        )
        .await?;
    Ok(deleted != 0)
}

/// Opens the database and starts the job's run in it. The run's options
/// say where it came from; there is no list file to fingerprint (so a later
/// local `--resume` never takes it for its own).
async fn start_db(
    path: &Path,
    job: &str,
    format: Format,
    dest: &Destination,
    meta: &JobMeta,
) -> Result<RunRecorder, ClusterError> {
    let options = serde_json::json!({
        "distributed": true,
        "job": job,
        "lines": meta.lines,
        "format": format!("{format:?}").to_lowercase(),
        "output": match dest {
            Destination::File(p) => Some(p.clone()),
            _ => None,
        },
        "concurrency": meta.concurrency,
    })
    .to_string();
    let path = path.to_owned();
    let started = tokio::task::spawn_blocking(move || {
        RunRecorder::start(
            &path,
            &InputSource::Stdin,
            &options,
            false,
            BatchPolicy::default(),
        )
    })
    .await;
    Ok(started.map_err(|e| store_thread(&e))??)
}

/// Hands one page of records to the database writer, off the async
/// workers (its channel blocks while full).
async fn store_page(r: RunRecorder, records: Vec<Record>) -> Result<RunRecorder, ClusterError> {
    if records.is_empty() {
        return Ok(r);
    }
    let handed = tokio::task::spawn_blocking(move || {
        let ok = records.iter().all(|rec| r.record(rec));
        if ok {
            Ok(r)
        } else {
            // The writer stopped: finishing it says why.
            Err(r.finish(true).err().unwrap_or(StoreError::WriterPanicked))
        }
    })
    .await;
    Ok(handed.map_err(|e| store_thread(&e))??)
}

fn store_thread(e: &tokio::task::JoinError) -> StoreError {
    StoreError::Thread(io::Error::other(e.to_string()))
}

/// The job's metadata, if every line is done.
async fn finished_meta(redis: &mut Redis, keys: &JobKeys) -> Result<JobMeta, ClusterError> {
    let meta = redis
        .meta(keys)
        .await?
        .ok_or_else(|| ClusterError::NoSuchJob(keys.job.clone()))?;
    if !meta.ready() || meta.done < meta.lines {
        return Err(ClusterError::Unfinished {
            job: keys.job.clone(),
            done: meta.done,
            lines: if meta.ready() {
                meta.lines
            } else {
                meta.enqueued
            },
        });
    }
    Ok(meta)
}

/// The millisecond part of a stream id (`1700000000000-3`).
fn id_ms(id: &str) -> u64 {
    id.split('-')
        .next()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0)
}

/// One worker as the group sees it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerStatus {
    pub name: String,
    /// Entries delivered to it and not yet stored.
    pub pending: u64,
    /// Since it last read or claimed.
    pub idle_ms: u64,
}

/// `scrape status`: where a job stands.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    pub job: String,
    /// "enqueueing" or "ready".
    pub state: String,
    /// The list's line count, once all of it is enqueued.
    pub lines: Option<u64>,
    pub enqueued: u64,
    pub done: u64,
    pub failed: u64,
    /// Delivered to a worker, not yet stored.
    pub pending: u64,
    /// Not yet delivered to any worker.
    pub waiting: u64,
    pub workers: Vec<WorkerStatus>,
    /// Records stored per second since the first worker started.
    pub rate: Option<f64>,
}

pub async fn status(url: &str, job: &str) -> Result<JobStatus, ClusterError> {
    let keys = JobKeys::new(job);
    let mut redis = Redis::connect(url, &[]).await?;
    let meta = redis
        .meta(&keys)
        .await?
        .ok_or_else(|| ClusterError::NoSuchJob(job.to_owned()))?;
    let groups: StreamInfoGroupsReply = redis
        .query(redis::cmd("XINFO").arg("GROUPS").arg(&keys.urls))
        .await?;
    let pending = groups
        .groups
        .iter()
        .find(|g| g.name == GROUP)
        .map_or(0, |g| g.pending as u64);
    let consumers: StreamInfoConsumersReply = redis
        .query(
            redis::cmd("XINFO")
                .arg("CONSUMERS")
                .arg(&keys.urls)
                .arg(GROUP),
        )
        .await?;
    let last: StreamRangeReply = redis
        .query(
            redis::cmd("XREVRANGE")
                .arg(&keys.results)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1),
        )
        .await?;
    let rate = match (meta.started_ms, last.ids.first()) {
        (Some(start), Some(sid)) if id_ms(&sid.id) > start => {
            Some(meta.done as f64 * 1000.0 / (id_ms(&sid.id) - start) as f64)
        }
        _ => None,
    };
    Ok(JobStatus {
        job: job.to_owned(),
        lines: meta.ready().then_some(meta.lines),
        state: meta.state.clone(),
        enqueued: meta.enqueued,
        done: meta.done,
        failed: meta.failed,
        pending,
        // Every enqueued line is done, pending with a worker, or waiting.
        waiting: meta.enqueued.saturating_sub(meta.done + pending),
        workers: consumers
            .consumers
            .into_iter()
            .map(|c| WorkerStatus {
                name: c.name,
                pending: c.pending as u64,
                idle_ms: c.idle as u64,
            })
            .collect(),
        rate: rate.map(crate::aggregate::round1),
    })
}

#[cfg(test)]
mod tests {
    use super::id_ms;

    #[test]
    fn stream_ids_carry_milliseconds() {
        assert_eq!(id_ms("1700000000123-7"), 1_700_000_000_123);
        assert_eq!(id_ms("garbage"), 0);
    }
}
