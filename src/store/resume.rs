//! Resuming an interrupted `--db` run: a filter between the input reader and
//! the engine that sends lines already done straight to the output, as the
//! records stored for them, and passes only the rest on to be fetched.
//!
//! Input and stored records are both in index order, so the filter walks
//! them side by side (a merge), in constant memory however long the list.
//! Each record it sends takes a permit from its own lookahead semaphore, as
//! the engine's records do, so the output's reorder buffer stays bounded.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, Semaphore};

use crate::engine::Finished;
use crate::error::RunError;
use crate::input::Entry;
use crate::output::Record;

use super::queries::{done_records_sql, record_from_row};
use super::StoreError;

/// The stored run to resume.
#[derive(Debug, Clone)]
pub struct Resume {
    pub path: PathBuf,
    pub run_id: i64,
}

type Entries = mpsc::Receiver<Result<Entry, RunError>>;

impl Resume {
    /// Starts the filter thread and returns the entries still to fetch.
    /// Stored records go to `out`; a database error ends the stream with an `Err`.
    pub fn spawn_filter(
        self,
        entries: Entries,
        out: mpsc::Sender<Finished>,
        lookahead: usize,
    ) -> Result<Entries, RunError> {
        let (tx, rx) = mpsc::channel(1024);
        thread::Builder::new()
            .name("scrape-resume".into())
            .spawn(move || {
                let path = self.path.clone();
                if let Err(source) = self.filter(entries, &tx, &out, lookahead) {
                    let err = StoreError::Sql { path, source };
                    let _ = tx.blocking_send(Err(err.into()));
                }
            })
            .map_err(|e| RunError::Store(StoreError::Thread(e)))?;
        Ok(rx)
    }

    fn filter(
        &self,
        mut entries: Entries,
        tx: &mpsc::Sender<Result<Entry, RunError>>,
        out: &mpsc::Sender<Finished>,
        lookahead: usize,
    ) -> rusqlite::Result<()> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // The statement reads one snapshot: records the writer adds for this
        // run while we go are not seen (and need not be).
        let mut stmt = conn.prepare(&done_records_sql())?;
        let mut done = stmt.query_map([self.run_id], record_from_row)?;
        let mut next_done: Option<Record> = done.next().transpose()?;
        let permits = Arc::new(Semaphore::new(lookahead.max(1)));
        while let Some(item) = entries.blocking_recv() {
            let entry = match item {
                Ok(e) => e,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return Ok(());
                }
            };
            while next_done.as_ref().is_some_and(|r| r.index < entry.index) {
                next_done = done.next().transpose()?;
            }
            let stored =
                next_done.take_if(|r| r.index == entry.index && r.url == entry_url(&entry));
            match stored {
                Some(record) => {
                    let permit = futures::executor::block_on(permits.clone().acquire_owned())
                        .expect("resume semaphore is never closed");
                    if out.blocking_send(Finished { record, permit }).is_err() {
                        return Ok(());
                    }
                    next_done = done.next().transpose()?;
                }
                // The engine hung up: the run is over.
                None if tx.blocking_send(Ok(entry)).is_err() => return Ok(()),
                None => {}
            }
        }
        Ok(())
    }
}

/// The `url` a record for this entry carries.
fn entry_url(entry: &Entry) -> String {
    match &entry.target {
        Ok(url) => url.to_string(),
        Err(_) => entry.raw.clone(),
    }
}
