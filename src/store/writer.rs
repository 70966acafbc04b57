//! The one writer thread of a `--db` run: records arrive through a bounded
//! channel and are committed in batches.
//!
//! A batch is committed after [`BatchPolicy::max_records`] records or
//! [`BatchPolicy::max_delay`] after its first record, whichever comes first,
//! so a crash loses at most the batch in progress, and a slow trickle of
//! records still reaches the disk (and concurrent readers) within the delay.
//! The sender only ever waits when the channel is full: that backpressure is
//! the most the fetchers wait on disk.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::Connection;

use crate::record::Record;

use super::queries::{insert_record, utc_timestamp, INSERT_RECORD};
use super::StoreError;

/// When a batch is committed.
#[derive(Debug, Clone, Copy)]
pub struct BatchPolicy {
    pub max_records: usize,
    pub max_delay: Duration,
    /// Records the channel holds before the sender waits.
    pub channel: usize,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy {
            max_records: 256,
            max_delay: Duration::from_millis(200),
            channel: 4096,
        }
    }
}

type Item = (Record, SystemTime);

/// Handle to the writer thread.
pub struct Writer {
    tx: Option<SyncSender<Item>>,
    handle: Option<JoinHandle<Result<u64, StoreError>>>,
}

impl Writer {
    /// Starts the thread; it owns `conn` from now on.
    pub fn spawn(
        conn: Connection,
        path: PathBuf,
        run_id: i64,
        policy: BatchPolicy,
    ) -> Result<Writer, StoreError> {
        let (tx, rx) = mpsc::sync_channel(policy.channel.max(1));
        let handle = thread::Builder::new()
            .name("scrape-db-writer".into())
            .spawn(move || {
                write_batches(&conn, run_id, &rx, policy).map_err(|source| StoreError::Sql {
                    path: path.clone(),
                    source,
                })
            })
            .map_err(StoreError::Thread)?;
        Ok(Writer {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Queues a record, waiting only while the channel is full. `false` when
    /// the writer has stopped (after an error that [`Writer::close`] reports).
    pub fn send(&self, record: Record) -> bool {
        match &self.tx {
            Some(tx) => tx.send((record, SystemTime::now())).is_ok(),
            None => false,
        }
    }

    /// Commits what is queued and stops the thread; returns how many records
    /// it wrote.
    pub fn close(mut self) -> Result<u64, StoreError> {
        self.tx = None;
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(StoreError::WriterPanicked),
            None => Ok(0),
        }
    }
}

fn write_batches(
    conn: &Connection,
    run_id: i64,
    rx: &Receiver<Item>,
    policy: BatchPolicy,
) -> rusqlite::Result<u64> {
    let mut stmt = conn.prepare_cached(INSERT_RECORD)?;
    let mut written = 0u64;
    let mut in_batch = 0usize;
    let mut batch_started: Option<Instant> = None;
    loop {
        let item = match batch_started {
            None => rx.recv().ok(),
            Some(t0) => match rx.recv_timeout(policy.max_delay.saturating_sub(t0.elapsed())) {
                Ok(item) => Some(item),
                Err(RecvTimeoutError::Timeout) => {
                    conn.execute_batch("COMMIT")?;
                    (in_batch, batch_started) = (0, None);
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => None,
            },
        };
        let Some((record, at)) = item else { break };
        if batch_started.is_none() {
            // IMMEDIATE takes the write lock now, so a concurrent writer makes
            // us wait here (busy timeout) rather than fail at COMMIT.
            conn.execute_batch("BEGIN IMMEDIATE")?;
            batch_started = Some(Instant::now());
        }
        insert_record(&mut stmt, run_id, &record, &utc_timestamp(at))?;
        written += 1;
        in_batch += 1;
        let due = batch_started.is_some_and(|t0| t0.elapsed() >= policy.max_delay);
        if in_batch >= policy.max_records || due {
            conn.execute_batch("COMMIT")?;
            (in_batch, batch_started) = (0, None);
        }
    }
    if batch_started.is_some() {
        conn.execute_batch("COMMIT")?;
    }
    Ok(written)
}
