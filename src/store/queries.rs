//! Every SQL statement of the store, and the conversions between rows and
//! [`Record`]s. Amounts are stored as TEXT with the page's own digits, so a
//! record read back is the record that was written.

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, Row, Statement};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::record::{
    from_serde_name, serde_name, ChangeCounts, ErrorKind, FoundPrice, PriceSource, Record,
    RecordError,
};

use super::changes::{Change, Observed};

/// Inserts a record; a second record for the same line of the same run
/// replaces the first only when that one was `cancelled` (a resumed run
/// fetching what the interrupted one never finished).
pub const INSERT_RECORD: &str = "INSERT INTO records
    (run_id, idx, url, final_url, ok, status, amount, currency, price_text, source,
     title, elapsed_ms, attempts, error_kind, error_message, fetched_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
    ON CONFLICT (run_id, idx) DO UPDATE SET
      url = excluded.url, final_url = excluded.final_url, ok = excluded.ok,
      status = excluded.status, amount = excluded.amount, currency = excluded.currency,
      price_text = excluded.price_text, source = excluded.source, title = excluded.title,
      elapsed_ms = excluded.elapsed_ms, attempts = excluded.attempts,
      error_kind = excluded.error_kind, error_message = excluded.error_message,
      fetched_at = excluded.fetched_at
    WHERE records.error_kind = 'cancelled'";

pub fn insert_record(
    stmt: &mut Statement<'_>,
    run_id: i64,
    r: &Record,
    fetched_at: &str,
) -> rusqlite::Result<()> {
    let price = r.price.as_ref();
    stmt.execute(params![
        run_id,
        r.index as i64,
        r.url,
        r.final_url,
        r.ok,
        r.status,
        price.map(|p| p.amount.to_string()),
        price.and_then(|p| p.currency.as_deref()),
        price.map(|p| p.text.as_str()),
        price.and_then(|p| serde_name(&p.source)),
        r.title,
        r.elapsed_ms,
        r.attempts,
        r.error.as_ref().and_then(|e| serde_name(&e.kind)),
        r.error.as_ref().map(|e| e.message.as_str()),
        fetched_at,
    ])?;
    Ok(())
}

/// The columns [`record_from_row`] reads, in its order.
pub const RECORD_COLUMNS: &str = "idx, url, final_url, ok, status, amount, currency, price_text, \
     source, title, elapsed_ms, attempts, error_kind, error_message";

/// Rebuilds a record from a row of [`RECORD_COLUMNS`]. A value we could not
/// have written is an error naming the column, not a guess.
pub fn record_from_row(row: &Row<'_>) -> rusqlite::Result<Record> {
    let bad = |col: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("unexpected stored {what}").into(),
        )
    };
    let amount: Option<String> = row.get(5)?;
    let price = match amount {
        None => None,
        Some(a) => {
            let source: Option<String> = row.get(8)?;
            Some(FoundPrice {
                amount: Decimal::from_str(&a).map_err(|_| bad(5, "amount"))?,
                currency: row.get(6)?,
                text: row.get::<_, Option<String>>(7)?.unwrap_or_default(),
                source: source
                    .as_deref()
                    .and_then(from_serde_name::<PriceSource>)
                    .ok_or_else(|| bad(8, "price source"))?,
            })
        }
    };
    let error_kind: Option<String> = row.get(12)?;
    let error = match error_kind {
        None => None,
        Some(k) => Some(RecordError {
            kind: from_serde_name::<ErrorKind>(&k).ok_or_else(|| bad(12, "error kind"))?,
            message: row.get::<_, Option<String>>(13)?.unwrap_or_default(),
        }),
    };
    Ok(Record {
        index: row.get::<_, i64>(0)? as u64,
        url: row.get(1)?,
        final_url: row.get(2)?,
        ok: row.get(3)?,
        status: row.get(4)?,
        price,
        title: row.get(9)?,
        elapsed_ms: row.get(10)?,
        attempts: row.get(11)?,
        error,
    })
}

/// The records of `run_id` that count as done for resume (everything but
/// `cancelled`), in input order.
pub fn done_records_sql() -> String {
    format!(
        "SELECT {RECORD_COLUMNS} FROM records
         WHERE run_id = ?1 AND (error_kind IS NULL OR error_kind <> 'cancelled')
         ORDER BY idx"
    )
}

/// A UTC timestamp like `2026-11-27T13:38:20.123Z` (sorts as text, and
/// SQLite's date functions read it).
pub fn utc_timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Creates a run in state `running`; returns its id.
pub fn insert_run(
    conn: &Connection,
    options: &str,
    input_path: Option<&str>,
    fingerprint: Option<&str>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO runs (started_at, status, options, input_path, input_fingerprint, scrape_version)
         VALUES (?1, 'running', ?2, ?3, ?4, ?5)",
        params![
            utc_timestamp(SystemTime::now()),
            options,
            input_path,
            fingerprint,
            env!("CARGO_PKG_VERSION")
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The latest run over the same input that never finished (killed runs stay
/// `running`; Ctrl-C'd ones are `interrupted`).
pub fn latest_unfinished_run(
    conn: &Connection,
    fingerprint: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM runs WHERE input_fingerprint = ?1 AND status IN ('running', 'interrupted')
         ORDER BY id DESC LIMIT 1",
        [fingerprint],
        |r| r.get(0),
    )
    .optional()
}

pub fn reopen_run(conn: &Connection, run_id: i64) -> rusqlite::Result<u64> {
    conn.execute(
        "UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?1",
        [run_id],
    )?;
    let done: i64 = conn.query_row(
        "SELECT count(*) FROM records WHERE run_id = ?1
         AND (error_kind IS NULL OR error_kind <> 'cancelled')",
        [run_id],
        |r| r.get(0),
    )?;
    Ok(done as u64)
}

pub fn end_run(conn: &Connection, run_id: i64, finished: bool) -> rusqlite::Result<()> {
    let (status, at) = if finished {
        ("finished", Some(utc_timestamp(SystemTime::now())))
    } else {
        ("interrupted", None)
    };
    conn.execute(
        "UPDATE runs SET status = ?2, finished_at = ?3 WHERE id = ?1",
        params![run_id, status, at],
    )?;
    Ok(())
}

/// Which observations are "new" in a comparison.
#[derive(Debug, Clone, Copy)]
pub enum Newer {
    /// The records of this one run (finished or not).
    Run(i64),
    /// Each URL's latest observation in finished runs with a larger id.
    FinishedAfter(i64),
}

/// One URL's newer observation and, when there is one, its latest older one.
pub struct Comparison {
    pub url: String,
    pub new: (i64, Observed),
    pub old: Option<(i64, Observed)>,
}

impl Comparison {
    pub fn change(self) -> Option<Change> {
        self.old.map(|old| Change::new(self.url, old, self.new))
    }
}

/// Compares, URL by URL, the newer observations with the latest older ones:
/// older means a finished run with id ≤ `baseline` in which the URL was
/// fetched fine (`ok`), so a failed fetch never counts as a price vanishing.
///
/// Each lookup is one probe of the `(url, run_id)` index walking back from
/// the bound, so the cost grows with the URLs compared, not with the history
/// (a join against a window-function subquery went quadratic in some SQLite
/// versions).
pub fn compare(
    conn: &Connection,
    newer: Newer,
    baseline: i64,
    mut each: impl FnMut(Comparison) -> Result<(), rusqlite::Error>,
) -> rusqlite::Result<()> {
    // The latest ok record of `cur.url` in a finished run within `bound`.
    let latest = |bound: &str| {
        format!(
            "(SELECT r.rowid FROM records r JOIN runs ON runs.id = r.run_id
              WHERE r.url = cur.url AND {bound} AND r.ok = 1 AND runs.status = 'finished'
              ORDER BY r.run_id DESC LIMIT 1)"
        )
    };
    let (cur, order) = match newer {
        // A URL listed twice in the run: its first line.
        Newer::Run(_) => (
            "SELECT url, rowid AS new_row, min(idx) FROM records
             WHERE run_id = ?1 AND ok = 1 GROUP BY url"
                .to_owned(),
            "n.run_id, n.idx",
        ),
        Newer::FinishedAfter(_) => (
            format!(
                "SELECT cur.url, {} AS new_row
                 FROM (SELECT DISTINCT url FROM records WHERE run_id > ?1) cur",
                latest("r.run_id > ?1")
            ),
            "n.url",
        ),
    };
    let sql = format!(
        "WITH cur AS ({cur})
         SELECT n.url, n.run_id, n.amount, n.currency, o.run_id, o.amount, o.currency
         FROM cur JOIN records n ON n.rowid = cur.new_row
         LEFT JOIN records o ON o.rowid = {}
         ORDER BY {order}",
        latest("r.run_id <= ?2")
    );
    let key = match newer {
        Newer::Run(id) | Newer::FinishedAfter(id) => id,
    };
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params![key, baseline])?;
    while let Some(row) = rows.next()? {
        let observed = |a: usize, c: usize| -> rusqlite::Result<Observed> {
            let amount: Option<String> = row.get(a)?;
            Ok(Observed {
                amount: amount.and_then(|s| Decimal::from_str(&s).ok()),
                currency: row.get(c)?,
            })
        };
        let old_run: Option<i64> = row.get(4)?;
        each(Comparison {
            url: row.get(0)?,
            new: (row.get(1)?, observed(2, 3)?),
            old: match old_run {
                Some(id) => Some((id, observed(5, 6)?)),
                None => None,
            },
        })?;
    }
    Ok(())
}

/// Counts how run `run_id`'s prices compare with earlier finished runs.
pub fn run_changes(conn: &Connection, run_id: i64) -> rusqlite::Result<ChangeCounts> {
    let mut counts = ChangeCounts {
        run: run_id,
        ..ChangeCounts::default()
    };
    compare(conn, Newer::Run(run_id), run_id - 1, |c| {
        counts.add(
            c.old
                .as_ref()
                .map(|old| super::changes::classify(&old.1, &c.new.1)),
        );
        Ok(())
    })?;
    Ok(counts)
}

/// The highest finished run id, if any run finished.
pub fn latest_finished_run(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT max(id) FROM runs WHERE status = 'finished'",
        [],
        |r| r.get(0),
    )
}

/// The last run started before `date` (any format SQLite's `julianday` reads);
/// `Err(None)` when the text is not a date.
pub fn last_run_before(conn: &Connection, date: &str) -> rusqlite::Result<Option<Option<i64>>> {
    let valid: Option<f64> = conn.query_row("SELECT julianday(?1)", [date], |r| r.get(0))?;
    if valid.is_none() {
        return Ok(None);
    }
    let id: Option<i64> = conn.query_row(
        "SELECT max(id) FROM runs WHERE julianday(started_at) < julianday(?1)",
        [date],
        |r| r.get(0),
    )?;
    Ok(Some(id))
}

/// One observation of a URL (`scrape history`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HistoryPoint {
    pub run: i64,
    pub run_status: String,
    pub fetched_at: String,
    pub ok: bool,
    pub status: Option<u16>,
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub price_text: Option<String>,
    pub source: Option<String>,
    pub error_kind: Option<String>,
}

/// Every run's observation of `url`, oldest first (one per run: its first line).
pub fn history(conn: &Connection, url: &str) -> rusqlite::Result<Vec<HistoryPoint>> {
    let mut stmt = conn.prepare(
        "SELECT r.run_id, runs.status, r.fetched_at, r.ok, r.status, r.amount, r.currency,
                r.price_text, r.source, r.error_kind, min(r.idx)
         FROM records r JOIN runs ON runs.id = r.run_id
         WHERE r.url = ?1 GROUP BY r.run_id ORDER BY r.run_id",
    )?;
    let rows = stmt.query_map([url], |row| {
        let amount: Option<String> = row.get(5)?;
        Ok(HistoryPoint {
            run: row.get(0)?,
            run_status: row.get(1)?,
            fetched_at: row.get(2)?,
            ok: row.get(3)?,
            status: row.get(4)?,
            amount: amount.and_then(|a| Decimal::from_str(&a).ok()),
            currency: row.get(6)?,
            price_text: row.get(7)?,
            source: row.get(8)?,
            error_kind: row.get(9)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Runs 1 and 2 finished, 3 interrupted, 4 the current one.
    fn history_db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        for status in ["finished", "finished", "interrupted", "running"] {
            conn.execute(
                "INSERT INTO runs (started_at, status, options, scrape_version)
                 VALUES ('2026-01-01T00:00:00.000Z', ?1, '{}', '0')",
                [status],
            )
            .unwrap();
        }
        // (run, url, ok, amount, currency)
        type Row<'a> = (i64, &'a str, bool, Option<&'a str>, Option<&'a str>);
        let rows: &[Row] = &[
            (1, "a", true, Some("10.00"), Some("USD")),
            (2, "a", false, None, None), // a failed fetch: not a vanished price
            (3, "a", true, Some("99"), Some("USD")), // unfinished run: ignored
            (4, "a", true, Some("12.5"), Some("USD")),
            (1, "b", true, Some("5"), Some("USD")),
            (2, "b", true, Some("5"), Some("EUR")),
            (4, "b", true, Some("4"), Some("EUR")),
            (2, "c", true, None, None),
            (4, "c", true, Some("1"), Some("USD")),
            (2, "d", true, Some("7"), Some("USD")),
            (4, "d", true, None, None),
            (4, "e", true, Some("3"), Some("USD")),
            (4, "f", false, None, None),
        ];
        for (i, (run, url, ok, amount, currency)) in rows.iter().enumerate() {
            conn.execute(
                "INSERT INTO records (run_id, idx, url, ok, amount, currency, elapsed_ms, attempts, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1.0, 1, 'x')",
                params![run, i as i64, url, ok, amount, currency],
            )
            .unwrap();
        }
        conn
    }

    #[test]
    fn a_run_is_compared_with_each_urls_latest_good_observation() {
        let conn = history_db();
        let mut got = Vec::new();
        compare(&conn, Newer::Run(4), 3, |c| {
            got.push((
                c.url.clone(),
                c.old.as_ref().map(|o| o.0),
                c.change().map(|ch| ch.kind),
            ));
            Ok(())
        })
        .unwrap();
        use crate::record::ChangeKind::*;
        assert_eq!(
            got,
            [
                ("a".into(), Some(1), Some(Up)),
                ("b".into(), Some(2), Some(Down)),
                ("c".into(), Some(2), Some(Appeared)),
                ("d".into(), Some(2), Some(Disappeared)),
                ("e".into(), None, None),
            ]
        );
        let counts = run_changes(&conn, 4).unwrap();
        assert_eq!(
            (
                counts.up,
                counts.down,
                counts.appeared,
                counts.disappeared,
                counts.first_seen
            ),
            (1, 1, 1, 1, 1)
        );
        // Run 2 against run 1: b changed currency, not price.
        let mut kinds = Vec::new();
        compare(&conn, Newer::FinishedAfter(1), 1, |c| {
            kinds.push((c.url.clone(), c.change().map(|ch| ch.kind)));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            kinds,
            [
                ("b".into(), Some(CurrencyChanged)),
                ("c".into(), None),
                ("d".into(), None),
            ]
        );
    }

    #[test]
    fn timestamps_are_iso_utc() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_786_700_123);
        assert_eq!(utc_timestamp(t), "2026-11-27T13:38:20.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(utc_timestamp(leap), "2000-02-29T00:00:00.000Z");
    }
}
