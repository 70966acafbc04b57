//! The `scrape changes` and `scrape history` subcommands: read the database,
//! render json / jsonl / csv for stdout.

use std::path::Path;

use serde::Serialize;

use crate::output::Format;

use crate::record::{serde_name, ChangeCounts, ChangeKind};

use super::changes::Change;
use super::queries::{self, HistoryPoint, Newer};
use super::{Store, StoreError};

/// `scrape changes`: each URL's latest price against its price as of the
/// baseline. `since` is a run id (compare with the prices as of that run) or
/// a date (as of the last run started before it); without it, the latest
/// finished run is compared with the runs before it.
pub fn changes(db: &Path, since: Option<&str>, format: Format) -> Result<String, StoreError> {
    let store = Store::open_existing(db)?;
    let conn = store.conn();
    let sql = |source| StoreError::Sql {
        path: db.to_owned(),
        source,
    };
    let baseline = match since {
        Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
            .parse::<i64>()
            .map_err(|_| StoreError::Usage(format!("invalid --since \"{s}\": run id too large")))?,
        Some(s) => match queries::last_run_before(conn, s).map_err(sql)? {
            Some(id) => id.unwrap_or(0),
            None => {
                return Err(StoreError::Usage(format!(
                    "invalid --since \"{s}\": expected a run id or a date like 2026-11-27 or 2026-11-27T13:00:00Z"
                )))
            }
        },
        None => queries::latest_finished_run(conn).map_err(sql)?.unwrap_or(1) - 1,
    };
    let mut counts = ChangeCounts::default();
    let mut listed = Vec::new();
    queries::compare(conn, Newer::FinishedAfter(baseline), baseline, |c| {
        counts.run = counts.run.max(c.new.0);
        let change = c.change();
        counts.add(change.as_ref().map(|ch| ch.kind));
        listed.extend(change.filter(|ch| ch.kind != ChangeKind::Unchanged));
        Ok(())
    })
    .map_err(sql)?;
    Ok(match format {
        Format::Json => json_line(&ChangesDoc {
            since_run: baseline,
            changes: &listed,
            counts: &counts,
        }),
        Format::Jsonl => listed.iter().map(json_line).collect(),
        Format::Csv => csv_text(
            &[
                "url",
                "kind",
                "old",
                "new",
                "change",
                "change_pct",
                "currency",
                "old_currency",
                "old_run",
                "new_run",
            ],
            listed.iter().map(|c| {
                vec![
                    c.url.clone(),
                    serde_name(&c.kind).unwrap_or_default(),
                    opt(c.old),
                    opt(c.new),
                    opt(c.change),
                    opt(c.change_pct),
                    c.currency.clone().unwrap_or_default(),
                    c.old_currency.clone().unwrap_or_default(),
                    c.old_run.to_string(),
                    c.new_run.to_string(),
                ]
            }),
        )?,
    })
}

/// `scrape history URL`: every run's observation of one URL, oldest first.
pub fn history(db: &Path, url: &str, format: Format) -> Result<String, StoreError> {
    let store = Store::open_existing(db)?;
    // Records carry the URL as parsed (`http://a.test` becomes `http://a.test/`).
    let url = crate::input::parse_url(url.trim())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| url.trim().to_owned());
    let points = queries::history(store.conn(), &url).map_err(|source| StoreError::Sql {
        path: db.to_owned(),
        source,
    })?;
    Ok(match format {
        Format::Json => json_line(&HistoryDoc {
            url: &url,
            history: &points,
        }),
        Format::Jsonl => points.iter().map(json_line).collect(),
        Format::Csv => csv_text(
            &[
                "run",
                "run_status",
                "fetched_at",
                "ok",
                "status",
                "amount",
                "currency",
                "price_text",
                "source",
                "error_kind",
            ],
            points.iter().map(|p: &HistoryPoint| {
                vec![
                    p.run.to_string(),
                    p.run_status.clone(),
                    p.fetched_at.clone(),
                    p.ok.to_string(),
                    opt(p.status),
                    opt(p.amount),
                    p.currency.clone().unwrap_or_default(),
                    p.price_text.clone().unwrap_or_default(),
                    p.source.clone().unwrap_or_default(),
                    p.error_kind.clone().unwrap_or_default(),
                ]
            }),
        )?,
    })
}

#[derive(Serialize)]
struct ChangesDoc<'a> {
    since_run: i64,
    changes: &'a [Change],
    counts: &'a ChangeCounts,
}

#[derive(Serialize)]
struct HistoryDoc<'a> {
    url: &'a str,
    history: &'a [HistoryPoint],
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn json_line<T: Serialize>(value: &T) -> String {
    // Serialising our own plain structs cannot fail.
    let mut s = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

/// CSV through the csv crate (quoting), fields as already-formatted text:
/// amounts keep their digits.
fn csv_text(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<String, StoreError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| StoreError::Usage(format!("cannot write csv: {e}"));
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(&row).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| StoreError::Usage(format!("cannot write csv: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
