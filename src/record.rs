//! Plain data at the bottom of the crate: the record of one URL line and its
//! error kind (these structs *are* the JSON contract of DESIGN.md), and the
//! per-run price-change counts of a `--db` run.
//!
//! Every stage may use this module; it uses no stage. Serde names are written
//! once, in the derives: [`serde_name`] reads them back for csv cells, SQL
//! columns and messages, so there is no second hand-written copy to drift.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use rust_decimal::Decimal;

/// Version of `schema/scrape.schema.json`, written as `schema_version` at the
/// top of the `json` document and of the bench JSON. Bump it (and the
/// schema's `$id`) when a field changes meaning or goes away; new optional
/// fields keep the version.
pub const SCHEMA_VERSION: u32 = 1;

/// One record per URL line (DESIGN.md "Output records").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub index: u64,
    pub url: String,
    pub final_url: Option<String>,
    pub ok: bool,
    pub status: Option<u16>,
    pub price: Option<FoundPrice>,
    pub title: Option<String>,
    pub elapsed_ms: f64,
    pub attempts: u32,
    pub error: Option<RecordError>,
}

/// `error` of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    pub kind: ErrorKind,
    pub message: String,
}

impl Record {
    /// A record for a line that was never fetched (invalid or cancelled).
    pub fn failed(index: u64, url: String, kind: ErrorKind, message: String) -> Record {
        Record {
            index,
            url,
            final_url: None,
            ok: false,
            status: None,
            price: None,
            title: None,
            elapsed_ms: 0.0,
            attempts: 0,
            error: Some(RecordError { kind, message }),
        }
    }
}

/// Where a price came from; serialised as in DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceSource {
    #[serde(rename = "json-ld")]
    JsonLd,
    #[serde(rename = "microdata")]
    Microdata,
    #[serde(rename = "rdfa")]
    Rdfa,
    #[serde(rename = "meta")]
    Meta,
    #[serde(rename = "selector")]
    Selector,
    #[serde(rename = "inline-state")]
    InlineState,
    #[serde(rename = "heuristic")]
    Heuristic,
}

impl std::fmt::Display for PriceSource {
    /// The contract's name (`json-ld`), from the serde derive.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_name(self).unwrap_or_default())
    }
}

/// The price a record carries (`price` in the JSON contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPrice {
    pub amount: Decimal,
    /// ISO 4217 code, or `None` when the page does not say and no rule decides.
    pub currency: Option<String>,
    /// The text the amount was read from, as on the page.
    pub text: String,
    pub source: PriceSource,
}

/// Why a record failed; serialised as the `error.kind` string of DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    InvalidUrl,
    Dns,
    Connect,
    Tls,
    Timeout,
    HttpStatus,
    TooManyRedirects,
    BadRedirect,
    BodyTooLarge,
    NotHtml,
    Body,
    Cancelled,
    /// robots.txt forbids the URL to our user agent (or answered 5xx, which
    /// RFC 9309 says means "disallow all"); the page was never fetched.
    RobotsDisallowed,
    /// A bug in scrape (a panic while handling the page), not the page's fault.
    Internal,
}

impl std::fmt::Display for ErrorKind {
    /// The contract's name (`http_status`), from the serde derive.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_name(self).unwrap_or_default())
    }
}

/// How a URL's price moved from an older observation to a newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Up,
    Down,
    Unchanged,
    /// No price before, a price now.
    Appeared,
    /// A price before, none now (the page was still fetched fine).
    Disappeared,
    /// Priced in a different currency: amounts are not comparable.
    CurrencyChanged,
}

/// The `changes` object of a `--db` run's summary: how the prices of this
/// run compare with each URL's latest earlier observation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeCounts {
    /// The run's id in the database (for `scrape changes --since`).
    pub run: i64,
    pub up: u64,
    pub down: u64,
    pub appeared: u64,
    pub disappeared: u64,
    pub currency_changed: u64,
    pub unchanged: u64,
    /// URLs fetched fine now that no earlier finished run had fetched fine.
    pub first_seen: u64,
}

impl ChangeCounts {
    pub fn add(&mut self, kind: Option<ChangeKind>) {
        let n = match kind {
            None => &mut self.first_seen,
            Some(ChangeKind::Up) => &mut self.up,
            Some(ChangeKind::Down) => &mut self.down,
            Some(ChangeKind::Appeared) => &mut self.appeared,
            Some(ChangeKind::Disappeared) => &mut self.disappeared,
            Some(ChangeKind::CurrencyChanged) => &mut self.currency_changed,
            Some(ChangeKind::Unchanged) => &mut self.unchanged,
        };
        *n += 1;
    }

    /// One line for the summary table on stderr.
    pub fn line(&self) -> String {
        format!(
            "changes since earlier runs: {} up, {} down, {} appeared, {} disappeared, {} currency changed ({} unchanged, {} first seen; run {})\n",
            self.up,
            self.down,
            self.appeared,
            self.disappeared,
            self.currency_changed,
            self.unchanged,
            self.first_seen,
            self.run
        )
    }
}

/// The contract's string for a unit variant of a serde enum (`"json-ld"`,
/// `"http_status"`): the one place names are read back from the derives.
pub fn serde_name<T: Serialize>(value: &T) -> Option<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The variant a contract string names, or `None` when it names none.
pub fn from_serde_name<T: DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialise_as_in_design() {
        for (kind, name) in [
            (ErrorKind::InvalidUrl, "invalid_url"),
            (ErrorKind::HttpStatus, "http_status"),
            (ErrorKind::TooManyRedirects, "too_many_redirects"),
            (ErrorKind::Internal, "internal"),
            (ErrorKind::RobotsDisallowed, "robots_disallowed"),
        ] {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{name}\""));
            assert_eq!(kind.to_string(), name);
            assert_eq!(from_serde_name::<ErrorKind>(name), Some(kind));
        }
        assert_eq!(from_serde_name::<ErrorKind>("no_such_kind"), None);
        assert_eq!(serde_name(&PriceSource::JsonLd).as_deref(), Some("json-ld"));
    }

    #[test]
    fn counts_add_up() {
        let mut c = ChangeCounts::default();
        for k in [
            Some(ChangeKind::Up),
            Some(ChangeKind::Up),
            None,
            Some(ChangeKind::CurrencyChanged),
        ] {
            c.add(k);
        }
        assert_eq!((c.up, c.first_seen, c.currency_changed), (2, 1, 1));
        assert!(c.line().contains("2 up"));
    }
}
