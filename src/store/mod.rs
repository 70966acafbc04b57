//! Price history in SQLite (`--db FILE`): every record of a run stored with
//! the run's id, start time and options; change detection against earlier
//! runs; resuming an interrupted run.
//!
//! - `schema`: tables and versioned migrations (`PRAGMA user_version`).
//! - `writer`: the one writer thread, fed through a bounded channel,
//!   committing in batches (WAL, so readers never wait for it).
//! - `queries`: every SQL statement, rows to records and back.
//! - `changes`: classifying a price change (pure).
//! - `resume`: the filter that replays stored records on `--resume`.
//! - `report`: the `changes` and `history` subcommands.
//!
//! The pipeline sees a [`RunRecorder`]: records go in on the output thread,
//! and finishing it marks the run and counts the changes for the summary.

mod changes;
mod queries;
mod report;
mod resume;
pub mod schema;
mod writer;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::Serialize;

use crate::input::InputSource;
use crate::record::{ChangeCounts, Record};

pub use changes::{classify, Change, Observed};
pub use queries::HistoryPoint;
pub use report::{changes as changes_report, history as history_report};
pub use resume::{Resume, ResumeError};
pub use writer::BatchPolicy;

/// The database the `changes` and `history` subcommands read when `--db` is not given.
pub const DEFAULT_DB: &str = "scrape.db";

/// Why the store cannot go on; every one stops the run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database \"{path}\": {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("\"{path}\" is not a scrape database ({reason}); refusing to use or change it")]
    NotOurs { path: PathBuf, reason: String },
    #[error("database \"{path}\" has schema version {found}, newer than this scrape knows ({supported}); use a newer scrape")]
    TooNew {
        path: PathBuf,
        found: i32,
        supported: i32,
    },
    #[error("no database at \"{path}\": run a scrape with --db FILE first, or pass --db FILE")]
    Missing { path: PathBuf },
    #[error("database \"{path}\": {source}")]
    Sql {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot read url list \"{path}\": {source}")]
    Fingerprint {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot start database thread: {0}")]
    Thread(#[source] io::Error),
    #[error("database writer thread panicked")]
    WriterPanicked,
    #[error("{0}")]
    Usage(String),
}

/// An open, validated, migrated scrape database.
pub struct Store {
    path: PathBuf,
    conn: Connection,
}

impl Store {
    /// Opens `path` for a run, creating it when missing. A file that is not
    /// a scrape database (random bytes, another application's SQLite) is an
    /// error and is left byte-for-byte untouched.
    pub fn open_or_create(path: &Path) -> Result<Store, StoreError> {
        Store::open(path, true)
    }

    /// Opens an existing database (subcommands never create one).
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        Store::open(path, false)
    }

    fn open(path: &Path, create: bool) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let exists = path.exists();
        if !exists && !create {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        if exists {
            judge(path)?;
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        schema::migrate(&mut conn).map_err(open_err)?;
        Ok(Store {
            path: path.to_owned(),
            conn,
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A second connection to the same database (for the writer thread).
    fn another_connection(&self) -> Result<Connection, StoreError> {
        let open_err = |source| StoreError::Open {
            path: self.path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        Ok(conn)
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.path.clone(),
            source,
        }
    }
}

/// Decides from a read-only look whether an existing file is ours to use.
/// Read-only, so nothing (not even a WAL checkpoint) can change a file that
/// turns out to belong to someone else.
fn judge(path: &Path) -> Result<(), StoreError> {
    let not_ours = |reason: String| StoreError::NotOurs {
        path: path.to_owned(),
        reason,
    };
    let ro = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    let _ = ro.busy_timeout(Duration::from_secs(10));
    match schema::check(&ro) {
        Ok(schema::Found::Empty) => Ok(()),
        Ok(schema::Found::Ours(v)) if v > schema::current_version() => Err(StoreError::TooNew {
            path: path.to_owned(),
            found: v,
            supported: schema::current_version(),
        }),
        Ok(schema::Found::Ours(_)) => Ok(()),
        Ok(schema::Found::Foreign(reason)) => Err(not_ours(reason)),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            Err(not_ours("not an SQLite file".into()))
        }
        Err(source) => Err(StoreError::Open {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Per-connection settings. WAL lets readers (`scrape changes`, sqlite3)
/// work while a run writes; `synchronous = FULL` makes every commit durable
/// even on power loss, which at one commit per batch costs little.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
}

/// The options of a run, stored as JSON with it (built by the pipeline's
/// run config, which owns them).
#[derive(Debug, Serialize)]
pub struct RunOptions {
    pub format: String,
    pub output: Option<PathBuf>,
    pub concurrency: usize,
    pub per_host: usize,
    pub sequential: bool,
    pub timeout_secs: f64,
    pub connect_timeout_secs: f64,
    pub retries: u32,
    pub max_body: u64,
    pub user_agent: String,
    pub default_currency: Option<String>,
    pub custom_selector: bool,
    pub strict: bool,
    pub resume: bool,
}

/// Identifies a URL list by content, so `--resume` finds the run over the
/// same list wherever the file now lives: size plus FNV-1a 64 of every byte
/// (stable across builds, unlike std's hasher).
pub fn fingerprint(mut reader: impl Read) -> io::Result<String> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut size: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        size += n as u64;
        for &b in &buf[..n] {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(format!("v1:{size}:{hash:016x}"))
}

/// Records one scrape run in the database: owns the run's row and the
/// writer thread.
pub struct RunRecorder {
    store: Store,
    run_id: i64,
    writer: writer::Writer,
    resume: Option<Resume>,
}

/// Opens the `--db` database and starts (or, with `--resume`, reopens) a
/// run; `None` without `--db`. Blocking work runs off the async workers.
pub async fn start_recording(
    db: Option<PathBuf>,
    input: &InputSource,
    options: &RunOptions,
    resume: bool,
) -> Result<Option<RunRecorder>, StoreError> {
    let Some(path) = db else {
        return Ok(None);
    };
    let options = serde_json::to_string(options).unwrap_or_else(|_| "{}".into());
    let input = input.clone();
    let started = tokio::task::spawn_blocking(move || {
        RunRecorder::start(&path, &input, &options, resume, BatchPolicy::default())
    })
    .await
    .map_err(|e| StoreError::Thread(io::Error::other(e.to_string())))??;
    Ok(Some(started))
}

impl RunRecorder {
    /// Opens the store and creates the run's row (`running`). With `resume`,
    /// reopens the latest unfinished run over the same list instead, when
    /// there is one.
    pub fn start(
        path: &Path,
        input: &InputSource,
        options: &str,
        resume: bool,
        policy: BatchPolicy,
    ) -> Result<RunRecorder, StoreError> {
        let (input_path, fingerprint) = match input {
            InputSource::File(p) => {
                let fp = File::open(p).and_then(fingerprint).map_err(|source| {
                    StoreError::Fingerprint {
                        path: p.clone(),
                        source,
                    }
                })?;
                (Some(p.to_string_lossy().into_owned()), Some(fp))
            }
            InputSource::Stdin if resume => return Err(StoreError::Usage(
                "--resume needs the url list as a FILE: stdin cannot be matched to an earlier run"
                    .into(),
            )),
            InputSource::Stdin => (None, None),
        };
        let store = Store::open_or_create(path)?;
        let conn = store.conn();
        let earlier = match (&fingerprint, resume) {
            (Some(fp), true) => {
                queries::latest_unfinished_run(conn, fp).map_err(|e| store.sql(e))?
            }
            _ => None,
        };
        let (run_id, resume) = match earlier {
            Some(id) => {
                let done = queries::reopen_run(conn, id).map_err(|e| store.sql(e))?;
                tracing::info!(
                    run = id,
                    done,
                    "resuming: lines already done are not fetched again"
                );
                let resume = Resume {
                    path: path.to_owned(),
                    run_id: id,
                };
                (id, Some(resume))
            }
            None => {
                if resume {
                    tracing::warn!(
                        "no interrupted run over this list in \"{}\": starting a new run",
                        path.display()
                    );
                }
                let id = queries::insert_run(
                    conn,
                    options,
                    input_path.as_deref(),
                    fingerprint.as_deref(),
                )
                .map_err(|e| store.sql(e))?;
                (id, None)
            }
        };
        let writer =
            writer::Writer::spawn(store.another_connection()?, path.to_owned(), run_id, policy)?;
        Ok(RunRecorder {
            store,
            run_id,
            writer,
            resume,
        })
    }

    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// The stored run to replay, once (see [`Resume::spawn_filter`]).
    pub fn take_resume(&mut self) -> Option<Resume> {
        self.resume.take()
    }

    /// Queues a copy of `record` for the writer; waits only while its channel
    /// is full. `false` once the writer has failed: stop the run, and
    /// [`RunRecorder::finish`] says why.
    pub fn record(&self, record: &Record) -> bool {
        self.writer.send(record.clone())
    }

    /// Commits everything queued, marks the run finished (or `interrupted`),
    /// and counts how its prices changed since earlier runs.
    pub fn finish(self, interrupted: bool) -> Result<ChangeCounts, StoreError> {
        let written = self.writer.close();
        let conn = self.store.conn();
        let finished = !interrupted && written.is_ok();
        queries::end_run(conn, self.run_id, finished).map_err(|e| self.store.sql(e))?;
        let written = written?;
        tracing::debug!(run = self.run_id, written, "records stored");
        queries::run_changes(conn, self.run_id).map_err(|e| self.store.sql(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ErrorKind, FoundPrice, PriceSource};
    use std::str::FromStr;

    fn priced(index: u64, amount: &str) -> Record {
        Record {
            index,
            url: format!("http://a.test/{index}"),
            final_url: Some(format!("http://a.test/{index}?moved")),
            ok: true,
            status: Some(200),
            price: Some(FoundPrice {
                amount: rust_decimal::Decimal::from_str(amount).unwrap(),
                currency: Some("EUR".into()),
                text: format!("{amount} €"),
                source: PriceSource::Microdata,
            }),
            title: Some("Thing".into()),
            elapsed_ms: 12.3,
            attempts: 2,
            error: None,
        }
    }

    fn stored(path: &Path, run: i64) -> Vec<Record> {
        let conn = Connection::open(path).unwrap();
        let mut stmt = conn.prepare(&queries::done_records_sql()).unwrap();
        let rows = stmt.query_map([run], queries::record_from_row).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn records_round_trip_and_only_cancelled_ones_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let policy = BatchPolicy {
            max_records: 2,
            max_delay: Duration::from_secs(60),
            channel: 2,
        };
        let rec = RunRecorder::start(&path, &InputSource::Stdin, "{}", false, policy).unwrap();
        let timeout = Record::failed(
            2,
            "http://a.test/2".into(),
            ErrorKind::Timeout,
            "took too long".into(),
        );
        let cancelled = Record::failed(
            1,
            "http://a.test/1".into(),
            ErrorKind::Cancelled,
            "x".into(),
        );
        for r in [&priced(0, "1299.90"), &cancelled, &timeout] {
            assert!(rec.record(r));
        }
        // A later record for a done line is ignored; for a cancelled one it wins.
        assert!(rec.record(&priced(0, "1.00")));
        assert!(rec.record(&priced(1, "0.50")));
        let counts = rec.finish(false).unwrap();
        assert_eq!((counts.run, counts.first_seen), (1, 2));
        let back = stored(&path, 1);
        assert_eq!(back, [priced(0, "1299.90"), priced(1, "0.50"), timeout]);
        assert_eq!(
            back[0].price.as_ref().unwrap().amount.to_string(),
            "1299.90"
        );
    }

    #[test]
    fn a_trickle_of_records_is_committed_after_the_delay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let policy = BatchPolicy {
            max_records: 1000,
            max_delay: Duration::from_millis(20),
            channel: 16,
        };
        let rec = RunRecorder::start(&path, &InputSource::Stdin, "{}", false, policy).unwrap();
        assert!(rec.record(&priced(0, "5")));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while stored(&path, 1).is_empty() {
            assert!(std::time::Instant::now() < deadline, "never committed");
            std::thread::sleep(Duration::from_millis(5));
        }
        rec.finish(true).unwrap();
        let status: String = Connection::open(&path)
            .unwrap()
            .query_row("SELECT status FROM runs WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(status, "interrupted");
    }

    #[test]
    fn fingerprint_depends_on_every_byte() {
        let a = fingerprint(&b"http://a.test/\nhttp://b.test/\n"[..]).unwrap();
        let b = fingerprint(&b"http://a.test/\nhttp://c.test/\n"[..]).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("v1:30:"), "{a}");
        assert_eq!(
            fingerprint(&b""[..]).unwrap(),
            "v1:0:cbf29ce484222325",
            "FNV-1a offset basis: the hash must never change between builds"
        );
    }
}
