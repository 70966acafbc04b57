//! The json / jsonl / csv writers of [`Record`]s, input order for the formats
//! that promise it, atomic `-o FILE` output, and (in `table`) the human
//! summary table. The record types themselves are plain data in `record`.
//!
//! Writers are synchronous: they run on the output thread, never on the async
//! runtime, so a slow or blocked stdout cannot stall the fetchers.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::sync::OwnedSemaphorePermit;

use crate::aggregate::Summary;
use crate::record::{serde_name, Record, SCHEMA_VERSION};

mod table;
pub use table::summary_table;

/// The record formats of DESIGN.md (clap's names for them live in `cli`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Jsonl,
    Csv,
}

/// The `json` document, for readers (tests, tools) that parse it back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Document {
    /// `record::SCHEMA_VERSION` of the writer.
    #[serde(default)]
    pub schema_version: u32,
    pub results: Vec<Record>,
    pub summary: Summary,
}

/// Where records go.
pub enum Destination {
    Stdout,
    /// Written to a temporary file next to `path`, renamed over it on success.
    File(PathBuf),
    /// Nowhere (benchmarks).
    Discard,
}

/// Why records cannot be written: stops the run (exit 2), except a broken
/// pipe on stdout, which the pipeline treats as a normal stop.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write output \"{path}\": {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] io::Error),
}

/// The file being written, or stdout (`None`), for error messages.
#[derive(Debug, Clone)]
pub struct WriteTarget(Option<PathBuf>);

impl WriteTarget {
    pub fn error(&self, source: io::Error) -> OutputError {
        match &self.0 {
            Some(path) => OutputError::Write {
                path: path.clone(),
                source,
            },
            None => OutputError::Stdout(source),
        }
    }
}

/// Writes records in one format, holding back out-of-order records when the
/// format promises input order (json, csv).
pub struct RecordWriter {
    format: Format,
    out: Box<dyn Write + Send>,
    temp: Option<(tempfile::TempPath, PathBuf)>,
    /// Records that arrived before an earlier index, each with the lookahead
    /// permit it came with: the permit goes back only once the record is
    /// written, so this map can never hold more than the lookahead.
    pending: BTreeMap<u64, (Record, Option<OwnedSemaphorePermit>)>,
    next: u64,
    written: u64,
    /// Flush after every jsonl record: only for stdout, which someone may be
    /// reading live (`| jq`); a file is read when finished, so it is buffered.
    live: bool,
    /// One CSV encoder for the whole run (its quoting state is per row anyway);
    /// rows go through its buffer into `out`.
    csv: csv::Writer<RowBuf>,
    row: RowBuf,
}

/// The CSV encoder's output buffer, shared so each row can be moved on to
/// `out` and the buffer reused (`csv::Writer` lends no `&mut` to its writer).
#[derive(Clone, Default)]
struct RowBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for RowBuf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.bytes().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl RowBuf {
    fn bytes(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // Only the output thread touches it; a poisoned lock still holds bytes.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl RecordWriter {
    pub fn new(format: Format, dest: &Destination) -> Result<RecordWriter, OutputError> {
        let (out, temp): (Box<dyn Write + Send>, _) = match dest {
            Destination::Stdout => (
                Box::new(BufWriter::with_capacity(64 * 1024, io::stdout())),
                None,
            ),
            Destination::Discard => (Box::new(io::sink()), None),
            Destination::File(path) => {
                let wrap = |source| OutputError::Write {
                    path: path.clone(),
                    source,
                };
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let file = tempfile::Builder::new()
                    .prefix(".scrape-")
                    .suffix(".tmp")
                    .tempfile_in(dir)
                    .map_err(wrap)?;
                let (file, temp_path) = file.into_parts();
                (
                    Box::new(BufWriter::with_capacity(64 * 1024, file)),
                    Some((temp_path, path.clone())),
                )
            }
        };
        let row = RowBuf::default();
        let mut w = RecordWriter {
            format,
            out,
            temp,
            pending: BTreeMap::new(),
            next: 0,
            written: 0,
            live: matches!(dest, Destination::Stdout),
            csv: csv::Writer::from_writer(row.clone()),
            row,
        };
        w.begin().map_err(|e| w.target().error(e))?;
        Ok(w)
    }

    /// Names the destination in errors.
    pub fn target(&self) -> WriteTarget {
        WriteTarget(self.temp.as_ref().map(|(_, path)| path.clone()))
    }

    fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Json => write!(
                self.out,
                "{{\"schema_version\":{SCHEMA_VERSION},\"results\":["
            ),
            Format::Jsonl => Ok(()),
            Format::Csv => self.write_csv(&CSV_HEADER),
        }
    }

    /// Accepts a finished record; returns how many records were written out
    /// (zero while an earlier index is still missing in ordered formats).
    pub fn push(&mut self, record: Record) -> io::Result<u64> {
        self.push_held(record, None)
    }

    /// [`RecordWriter::push`], holding `permit` until the record is written:
    /// a record parked behind a slow earlier line keeps its lookahead permit,
    /// which is what makes the lookahead a real bound on the reorder buffer.
    pub fn push_held(
        &mut self,
        record: Record,
        permit: Option<OwnedSemaphorePermit>,
    ) -> io::Result<u64> {
        if self.format == Format::Jsonl {
            self.write_one(&record)?;
            if self.live {
                self.out.flush()?;
            }
            return Ok(1);
        }
        if record.index != self.next {
            self.pending.insert(record.index, (record, permit));
            return Ok(0);
        }
        self.write_one(&record)?;
        drop(permit);
        self.next += 1;
        let mut n = 1;
        while let Some((r, permit)) = self.pending.remove(&self.next) {
            self.write_one(&r)?;
            drop(permit);
            self.next += 1;
            n += 1;
        }
        Ok(n)
    }

    /// Whether the output goes to a temporary file that `finish` moves into
    /// place (and dropping the writer discards).
    pub fn writes_file(&self) -> bool {
        self.temp.is_some()
    }

    /// Records held back waiting for an earlier index.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    fn write_one(&mut self, record: &Record) -> io::Result<()> {
        match self.format {
            Format::Json => {
                if self.written > 0 {
                    self.out.write_all(b",")?;
                }
                self.out.write_all(b"\n")?;
                serde_json::to_writer(&mut self.out, record)?;
            }
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, record)?;
                self.out.write_all(b"\n")?;
            }
            Format::Csv => self.write_csv(&csv_row(record))?,
        }
        self.written += 1;
        Ok(())
    }

    /// One CSV row through the csv crate (quoting rules), into the shared output.
    fn write_csv<S: AsRef<[u8]>>(&mut self, fields: &[S]) -> io::Result<()> {
        self.csv.write_record(fields)?;
        self.csv.flush()?;
        let mut row = self.row.bytes();
        let written = self.out.write_all(&row);
        row.clear();
        written
    }

    /// Writes what is still held back (gaps can only remain after a failed
    /// run), the summary for json, flushes, and moves a temporary file into place.
    pub fn finish(mut self, summary: &Summary) -> io::Result<()> {
        for (_, (r, _permit)) in std::mem::take(&mut self.pending) {
            self.write_one(&r)?;
        }
        if self.format == Format::Json {
            self.out.write_all(b"\n],\"summary\":")?;
            serde_json::to_writer(&mut self.out, summary)?;
            self.out.write_all(b"}\n")?;
        }
        self.out.flush()?;
        if let Some((temp, path)) = self.temp.take() {
            drop(self.out);
            temp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(())
    }

    /// Flushes what was written so far without finishing (stdout only: a
    /// temporary file is discarded unless finished).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

const CSV_HEADER: [&str; 14] = [
    "index",
    "url",
    "final_url",
    "ok",
    "status",
    "price_amount",
    "price_currency",
    "price_text",
    "price_source",
    "title",
    "elapsed_ms",
    "attempts",
    "error_kind",
    "error_message",
];

fn csv_row(r: &Record) -> [String; 14] {
    let opt = |o: Option<String>| o.unwrap_or_default();
    let price = r.price.as_ref();
    [
        r.index.to_string(),
        r.url.clone(),
        opt(r.final_url.clone()),
        r.ok.to_string(),
        opt(r.status.map(|s| s.to_string())),
        opt(price.map(|p| p.amount.to_string())),
        opt(price.and_then(|p| p.currency.clone())),
        opt(price.map(|p| p.text.clone())),
        opt(price.and_then(|p| serde_name(&p.source))),
        opt(r.title.clone()),
        r.elapsed_ms.to_string(),
        r.attempts.to_string(),
        opt(r.error.as_ref().map(|e| e.kind.to_string())),
        opt(r.error.as_ref().map(|e| e.message.clone())),
    ]
}

/// Removes a stale destination only through `persist`; exposed for tests.
pub fn exists(path: &Path) -> bool {
    fs::metadata(path).is_ok()
}

#[cfg(test)]
mod tests;
