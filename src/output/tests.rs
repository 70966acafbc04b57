//! Writer tests: formats, ordering with held permits, atomic files, csv.

use super::*;
use crate::aggregate::Aggregator;
use crate::record::{ErrorKind, FoundPrice, PriceSource};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A writer tests can read back after the RecordWriter is gone.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);
impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn writer(format: Format) -> (RecordWriter, Shared) {
    let buf = Shared::default();
    let mut w = RecordWriter::new(format, &Destination::Discard).unwrap();
    w.out = Box::new(buf.clone());
    w.written = 0;
    w.begin().unwrap();
    (w, buf)
}

fn rec(index: u64) -> Record {
    Record {
        index,
        url: format!("http://shop.test/{index}"),
        final_url: Some(format!("http://shop.test/{index}")),
        ok: true,
        status: Some(200),
        price: Some(FoundPrice {
            amount: Decimal::from_str("1299.90").unwrap(),
            currency: Some("USD".into()),
            text: "$1,299.90".into(),
            source: PriceSource::JsonLd,
        }),
        title: Some("Thing, \"quoted\"".into()),
        elapsed_ms: 12.5,
        attempts: 1,
        error: None,
    }
}

fn summary() -> Summary {
    Aggregator::new(false, 2).finish(Duration::from_millis(10))
}

#[test]
fn json_is_in_input_order_and_keeps_price_digits() {
    let (mut w, buf) = writer(Format::Json);
    assert_eq!(w.push(rec(2)).unwrap(), 0);
    assert_eq!(w.push(rec(0)).unwrap(), 1);
    assert_eq!(w.push(rec(1)).unwrap(), 2);
    w.finish(&summary()).unwrap();
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("\"amount\":1299.90"), "{text}");
    let doc: Document = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc.results.iter().map(|r| r.index).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!(doc.results[0], rec(0));
}

#[test]
fn jsonl_streams_in_completion_order() {
    let (mut w, buf) = writer(Format::Jsonl);
    w.push(rec(1)).unwrap();
    w.push(rec(0)).unwrap();
    w.finish(&summary()).unwrap();
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let idx: Vec<u64> = text
        .lines()
        .map(|l| serde_json::from_str::<Record>(l).unwrap().index)
        .collect();
    assert_eq!(idx, [1, 0]);
}

#[test]
fn csv_has_header_and_quotes() {
    let (mut w, buf) = writer(Format::Csv);
    w.push(rec(0)).unwrap();
    let mut failed = Record::failed(
        1,
        "nope".into(),
        ErrorKind::InvalidUrl,
        "not an absolute url".into(),
    );
    failed.title = None;
    w.push(failed).unwrap();
    w.finish(&summary()).unwrap();
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][5], "1299.90");
    assert_eq!(&rows[0][8], "json-ld");
    assert_eq!(&rows[0][9], "Thing, \"quoted\"");
    assert_eq!(&rows[1][12], "invalid_url");
}

#[test]
fn file_output_appears_only_when_finished() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let mut w = RecordWriter::new(Format::Json, &Destination::File(path.clone())).unwrap();
    w.push(rec(0)).unwrap();
    assert!(!exists(&path));
    w.finish(&summary()).unwrap();
    let doc: Document = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(doc.results.len(), 1);
    // An abandoned writer leaves no file and no temp file behind.
    let path2 = dir.path().join("out2.json");
    drop(RecordWriter::new(Format::Json, &Destination::File(path2.clone())).unwrap());
    assert!(!exists(&path2));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A flush-counting sink, to see when the writer flushes.
#[derive(Clone, Default)]
struct Flushes(Arc<Mutex<u32>>);
impl Write for Flushes {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        *self.0.lock().unwrap() += 1;
        Ok(())
    }
}

#[test]
fn jsonl_flushes_each_record_only_on_stdout() {
    for (live, want) in [(true, 3), (false, 0)] {
        let (mut w, _) = writer(Format::Jsonl);
        let flushes = Flushes::default();
        w.out = Box::new(flushes.clone());
        w.live = live;
        for i in 0..3 {
            w.push(rec(i)).unwrap();
        }
        assert_eq!(*flushes.0.lock().unwrap(), want, "live: {live}");
    }
    let file = tempfile::tempdir().unwrap();
    let w = RecordWriter::new(Format::Jsonl, &Destination::File(file.path().join("o")));
    assert!(!w.unwrap().live, "a file is buffered");
}

#[test]
fn a_held_record_keeps_its_permit_until_written() {
    let permits = Arc::new(tokio::sync::Semaphore::new(3));
    let take = || Some(permits.clone().try_acquire_owned().unwrap());
    for format in [Format::Json, Format::Csv] {
        let (mut w, _) = writer(format);
        assert_eq!(w.push_held(rec(2), take()).unwrap(), 0);
        assert_eq!(w.push_held(rec(1), take()).unwrap(), 0);
        assert_eq!((w.pending(), permits.available_permits()), (2, 1));
        assert_eq!(w.push_held(rec(0), take()).unwrap(), 3);
        assert_eq!((w.pending(), permits.available_permits()), (0, 3));
    }
}

#[test]
fn csv_rows_stay_separate_through_one_encoder() {
    let (mut w, buf) = writer(Format::Csv);
    for i in 0..3 {
        w.push(rec(i)).unwrap();
    }
    w.finish(&summary()).unwrap();
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(text.matches("index,url").count(), 1, "{text}");
}

#[test]
fn summary_table_mentions_the_essentials() {
    let mut a = Aggregator::new(false, 20);
    a.add(&rec(0));
    let t = summary_table(&a.finish(Duration::from_secs(1)));
    assert!(
        t.contains("concurrency 20") && t.contains("USD") && t.contains("1299.90"),
        "{t}"
    );
}
