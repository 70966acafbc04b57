//! Resuming an interrupted `--db` run: a filter between the input reader and
//! the engine that turns lines already done into the records stored for them
//! ([`Line::Stored`]) and passes the rest on to be fetched ([`Line::Read`]).
//!
//! Input and stored records are both in index order, so the filter walks
//! them side by side (a merge), in constant memory however long the list.
//! Both kinds of line go through the engine, which takes every record's
//! lookahead permit in index order: one bound for the output's reorder
//! buffer, shared by replayed and fetched records. Lines stored as
//! `cancelled`, and lines the interrupted run never read (no record), are
//! fetched again.

use std::path::PathBuf;
use std::thread;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;

use crate::input::Line;
use crate::input::{Entry, InputError};
use crate::record::Record;

use super::queries::{done_records_sql, record_from_row};
use super::StoreError;

/// The stored run to resume.
#[derive(Debug, Clone)]
pub struct Resume {
    pub path: PathBuf,
    pub run_id: i64,
}

/// What ends a resumed run's line stream early: the input or the database.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Entries = mpsc::Receiver<Result<Entry, InputError>>;
type Lines = mpsc::Receiver<Result<Line, ResumeError>>;

impl Resume {
    /// Starts the filter thread and returns the lines for the engine, stored
    /// or still to fetch; a database error ends the stream with an `Err`.
    pub fn spawn_filter(self, entries: Entries) -> Result<Lines, StoreError> {
        // Small: the reader's channel in front already buffers the input.
        let (tx, rx) = mpsc::channel(64);
        thread::Builder::new()
            .name("scrape-resume".into())
            .spawn(move || {
                let path = self.path.clone();
                if let Err(source) = self.filter(entries, &tx) {
                    let err = StoreError::Sql { path, source };
                    let _ = tx.blocking_send(Err(err.into()));
                }
            })
            .map_err(StoreError::Thread)?;
        Ok(rx)
    }

    fn filter(
        &self,
        mut entries: Entries,
        tx: &mpsc::Sender<Result<Line, ResumeError>>,
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
        while let Some(item) = next_entry(&mut entries, tx) {
            let entry = match item {
                Ok(e) => e,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e.into()));
                    return Ok(());
                }
            };
            while next_done.as_ref().is_some_and(|r| r.index < entry.index) {
                next_done = done.next().transpose()?;
            }
            let stored =
                next_done.take_if(|r| r.index == entry.index && r.url == entry_url(&entry));
            let line = match stored {
                Some(record) => {
                    next_done = done.next().transpose()?;
                    Line::Stored(Box::new(record))
                }
                None => Line::Read(entry),
            };
            // The engine hung up: the run is over.
            if tx.blocking_send(Ok(line)).is_err() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The next input entry, or `None` when the input ends or the engine has
/// hung up (a stopped run): waiting on stdin must not outlive the run.
fn next_entry(
    entries: &mut Entries,
    tx: &mpsc::Sender<Result<Line, ResumeError>>,
) -> Option<Result<Entry, InputError>> {
    futures::executor::block_on(async {
        tokio::select! {
            item = entries.recv() => item,
            () = tx.closed() => None,
        }
    })
}

/// The `url` a record for this entry carries.
fn entry_url(entry: &Entry) -> String {
    match &entry.target {
        Ok(url) => url.to_string(),
        Err(_) => entry.raw.clone(),
    }
}
