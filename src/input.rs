//! Streams the URL list line by line into [`Entry`] values.
//!
//! The list is never read whole: a reader thread turns lines into entries and
//! sends them through a bounded channel, so a 10-million-line file costs the
//! same memory as a ten-line one, and a fast reader waits for slow fetchers.
//! Blank lines and `#` comments are skipped; every other line becomes exactly
//! one entry, either a URL to fetch or an `invalid_url` failure.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::thread;

use reqwest::Url;
use tokio::sync::mpsc;

use crate::record::{ErrorKind, Record};

/// Where the URL list comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    File(PathBuf),
    Stdin,
}

/// Why the URL list cannot be read: stops the run (exit 2). A line that is
/// not a URL is no error here: it becomes an `invalid_url` record.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read url list \"{path}\": {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read url list from stdin: {0}")]
    Stdin(#[source] io::Error),
}

impl InputError {
    fn of(source: &InputSource, err: io::Error) -> InputError {
        match source {
            InputSource::File(path) => InputError::Read {
                path: path.clone(),
                source: err,
            },
            InputSource::Stdin => InputError::Stdin(err),
        }
    }
}

/// Why one line is not a URL to fetch: that line's record fails with kind
/// `invalid_url`, and the run goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("line is longer than {MAX_LINE} bytes")]
    TooLong,
    #[error("line is not valid UTF-8")]
    NotUtf8,
    #[error("not an absolute url: {0}")]
    NotAbsolute(String),
    #[error("url has no host")]
    NoHost,
    #[error("unsupported scheme \"{0}\": only http and https")]
    Scheme(String),
}

impl UrlError {
    /// The one contract kind of every variant.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidUrl
    }
}

/// Lines longer than this are not URLs anyone means; reading stops at the cap
/// so one huge line cannot exhaust memory.
pub const MAX_LINE: usize = 64 * 1024;

/// One URL line of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 0-based position among the URL lines (skipped lines do not count).
    pub index: u64,
    /// The line as written, trimmed (or a lossy rendering when not UTF-8).
    pub raw: String,
    pub target: Result<Url, UrlError>,
}

/// One line taken off the input (for the engine): a URL line to fetch, or (on `--resume`) a
/// line whose record the database already holds. Both go through the engine so
/// that every record takes its lookahead permit in index order: one lookahead
/// for fetched and replayed records alike, and no deadlock between them.
#[derive(Debug)]
pub enum Line {
    Read(Entry),
    Stored(Box<Record>),
}

impl From<Entry> for Line {
    fn from(entry: Entry) -> Line {
        Line::Read(entry)
    }
}

/// Opens the input now (so an unreadable file is a run error before anything
/// starts) and streams its entries from a reader thread into a channel of
/// `capacity` entries. A read error mid-way is sent as the last item.
pub fn spawn_reader(
    source: &InputSource,
    capacity: usize,
) -> Result<mpsc::Receiver<Result<Entry, InputError>>, InputError> {
    let reader: Box<dyn Read + Send> = match source {
        InputSource::File(path) => {
            Box::new(File::open(path).map_err(|e| InputError::of(source, e))?)
        }
        InputSource::Stdin => Box::new(io::stdin()),
    };
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let source = source.clone();
    thread::Builder::new()
        .name("scrape-input".into())
        .spawn(move || {
            let result = read_entries(BufReader::with_capacity(64 * 1024, reader), |entry| {
                // A closed receiver means the run stopped: stop reading.
                tx.blocking_send(Ok(entry)).is_ok()
            });
            if let Err(err) = result {
                let _ = tx.blocking_send(Err(InputError::of(&source, err)));
            }
        })
        .map_err(InputError::Stdin)?;
    Ok(rx)
}

/// Reads lines from `reader`, calling `emit` for every URL line until it
/// returns false or the input ends.
pub fn read_entries<R: BufRead>(
    mut reader: R,
    mut emit: impl FnMut(Entry) -> bool,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256);
    let mut index = 0u64;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let too_long = buf.len() > MAX_LINE && buf.last() != Some(&b'\n');
        if too_long {
            skip_rest_of_line(&mut reader)?;
        }
        let Some(entry) = parse_line(index, &buf, too_long) else {
            continue;
        };
        index += 1;
        if !emit(entry) {
            return Ok(());
        }
    }
}

fn skip_rest_of_line<R: BufRead>(reader: &mut R) -> io::Result<()> {
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let len = chunk.len();
                reader.consume(len);
            }
        }
    }
}

/// Turns one raw line into an entry; `None` for blank lines and comments.
fn parse_line(index: u64, bytes: &[u8], too_long: bool) -> Option<Entry> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let target = if too_long {
        Err(UrlError::TooLong)
    } else if std::str::from_utf8(bytes).is_err() {
        Err(UrlError::NotUtf8)
    } else {
        parse_url(line)
    };
    let raw = if too_long {
        line.chars().take(200).collect()
    } else {
        line.to_owned()
    };
    Some(Entry { index, raw, target })
}

/// Accepts only absolute http(s) URLs with a host.
pub fn parse_url(line: &str) -> Result<Url, UrlError> {
    let url = Url::parse(line).map_err(|e| UrlError::NotAbsolute(e.to_string()))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "http" | "https" => Err(UrlError::NoHost),
        other => Err(UrlError::Scheme(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(input: &[u8]) -> Vec<Entry> {
        let mut out = Vec::new();
        read_entries(input, |e| {
            out.push(e);
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn skips_blank_and_comment_lines_and_indexes_the_rest() {
        let got = entries(b"# list\n\nhttp://a.test/1\n   \n  https://b.test/x  \r\n#x\nftp://c.test/\nnot a url\n");
        let summary: Vec<_> = got
            .iter()
            .map(|e| (e.index, e.raw.as_str(), e.target.is_ok()))
            .collect();
        assert_eq!(
            summary,
            [
                (0, "http://a.test/1", true),
                (1, "https://b.test/x", true),
                (2, "ftp://c.test/", false),
                (3, "not a url", false),
            ]
        );
    }

    #[test]
    fn last_line_without_newline_counts() {
        assert_eq!(entries(b"http://a.test/\nhttp://b.test/").len(), 2);
    }

    #[test]
    fn invalid_utf8_and_huge_lines_become_invalid_entries() {
        let mut input = b"http://a.test/\xff\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE * 3));
        input.extend(b"\nhttp://ok.test/\n");
        let got = entries(&input);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].target, Err(UrlError::NotUtf8));
        assert_eq!(got[1].target, Err(UrlError::TooLong));
        assert!(got[1]
            .target
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("longer"));
        assert_eq!(got[2].target.as_ref().unwrap().as_str(), "http://ok.test/");
        assert_eq!(got[2].index, 2);
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(parse_url("http://127.0.0.1:8080/product/1").is_ok());
        assert!(parse_url("HTTPS://EXAMPLE.test/").is_ok());
        assert!(parse_url("/product/1").is_err());
        assert!(parse_url("file:///etc/passwd").is_err());
        assert!(parse_url("http://").is_err());
        assert!(parse_url("mailto:a@b.c").is_err());
    }

    #[test]
    fn stops_when_emit_says_so() {
        let mut n = 0;
        read_entries(
            &b"http://a.test/\nhttp://b.test/\nhttp://c.test/\n"[..],
            |_| {
                n += 1;
                n < 2
            },
        )
        .unwrap();
        assert_eq!(n, 2);
    }
}
