//! The database schema and its migrations, versioned with `PRAGMA user_version`.
//!
//! Migration `n` (1-based) takes a database from version `n - 1` to `n`; each
//! runs in its own transaction, so a crash mid-upgrade leaves the previous
//! version intact. `PRAGMA application_id` marks a file as ours, which is how
//! [`check`] tells a scrape database from someone else's SQLite file.

use rusqlite::{Connection, TransactionBehavior};

/// "SCRP": written into the SQLite header of every database we create.
pub const APPLICATION_ID: i32 = 0x5343_5250;

/// Each entry upgrades the schema by one version. Append only: never edit a
/// migration that has shipped, add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: runs and their records.
    "CREATE TABLE runs (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at        TEXT NOT NULL,
        finished_at       TEXT,
        status            TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
        options           TEXT NOT NULL,
        input_path        TEXT,
        input_fingerprint TEXT,
        scrape_version    TEXT NOT NULL
    );
    CREATE TABLE records (
        run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        url           TEXT NOT NULL,
        final_url     TEXT,
        ok            INTEGER NOT NULL,
        status        INTEGER,
        amount        TEXT,
        currency      TEXT,
        price_text    TEXT,
        source        TEXT,
        title         TEXT,
        elapsed_ms    REAL NOT NULL,
        attempts      INTEGER NOT NULL,
        error_kind    TEXT,
        error_message TEXT,
        fetched_at    TEXT NOT NULL,
        PRIMARY KEY (run_id, idx)
    );",
    // 2: lookups by URL (changes, history) and by input (resume).
    "CREATE INDEX records_by_url ON records (url, run_id);
     CREATE INDEX runs_by_input ON runs (input_fingerprint, status);",
];

/// The schema version this build writes.
pub fn current_version() -> i32 {
    MIGRATIONS.len() as i32
}

/// What a file at `--db` holds, judged without writing to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A new or empty SQLite file: ours to initialise.
    Empty,
    /// A scrape database at this schema version.
    Ours(i32),
    /// Some other application's database; the string says why we think so.
    Foreign(String),
}

/// Classifies an open (ideally read-only) connection. Fails with SQLite's own
/// error (`file is not a database`) when the bytes are not SQLite at all.
pub fn check(conn: &Connection) -> rusqlite::Result<Found> {
    let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok(if app == APPLICATION_ID {
        Found::Ours(version)
    } else if app != 0 {
        Found::Foreign(format!("its application id is {app:#x}"))
    } else if objects > 0 || version != 0 {
        Found::Foreign(format!(
            "it holds {objects} tables or indexes of another application"
        ))
    } else {
        Found::Empty
    })
}

/// Applies every migration above the database's version, each in its own
/// transaction that also bumps `user_version`. The version is read inside
/// the (immediate) transaction, so two processes opening a new file at once
/// do not both apply the same migration.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= current_version() {
        // Up to date: no write lock taken, so readers never wait for a run.
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let Some(sql) = MIGRATIONS.get(version.max(0) as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        // PRAGMA takes no bound parameters; the values are our own integers.
        tx.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};",
            version + 1
        ))?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i32 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn fresh_database_migrates_to_the_current_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(check(&conn).unwrap(), Found::Empty);
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), current_version());
        assert_eq!(check(&conn).unwrap(), Found::Ours(current_version()));
        // Running again is a no-op.
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), current_version());
    }

    #[test]
    fn an_old_database_keeps_its_rows_through_the_upgrade() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA user_version = 1; PRAGMA application_id = {APPLICATION_ID};"
        ))
        .unwrap();
        conn.execute_batch(
            "INSERT INTO runs (started_at, status, options, scrape_version)
               VALUES ('2026-01-01T00:00:00.000Z', 'finished', '{}', '0.1.0');
             INSERT INTO records (run_id, idx, url, ok, amount, elapsed_ms, attempts, fetched_at)
               VALUES (1, 0, 'http://a.test/', 1, '19.90', 1.5, 1, '2026-01-01T00:00:00.000Z');",
        )
        .unwrap();
        assert_eq!(check(&conn).unwrap(), Found::Ours(1));
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), 2);
        let amount: String = conn
            .query_row(
                "SELECT amount FROM records WHERE url = 'http://a.test/'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(amount, "19.90");
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'records_by_url'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 1);
    }

    #[test]
    fn other_applications_databases_are_foreign() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
            .unwrap();
        assert!(matches!(check(&conn).unwrap(), Found::Foreign(_)));
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA application_id = 42").unwrap();
        assert!(matches!(check(&conn).unwrap(), Found::Foreign(_)));
    }
}
