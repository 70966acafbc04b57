//! HTTP: the shared client, one attempt at a page, and the retry policy.
//!
//! An attempt sends the request, checks status and content type, streams the
//! body under a decoded-size cap and decodes its charset, all inside one
//! deadline. The retry *loop* lives in `engine` (it must hand back its
//! concurrency permits while it backs off); this module only says whether an
//! error is worth another try and how long to wait. Knows nothing about prices.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{redirect, Client, StatusCode, Url};

use crate::record::ErrorKind;

/// Settings of the HTTP side.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retries: u32,
    pub max_body: u64,
    pub user_agent: String,
    /// Longest we honour a `Retry-After` for; longer values are cut to this.
    pub max_retry_after: Duration,
    /// First backoff step; doubles each retry, plus jitter.
    pub backoff_base: Duration,
    /// Proxy, extra headers, TLS trust (direct and plain by default).
    pub net: NetOptions,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retries: 2,
            max_body: 10 * 1024 * 1024,
            user_agent: default_user_agent(),
            max_retry_after: Duration::from_secs(10),
            backoff_base: Duration::from_millis(200),
            net: NetOptions::default(),
        }
    }
}

pub fn default_user_agent() -> String {
    format!("scrape/{}", env!("CARGO_PKG_VERSION"))
}

mod charset;
pub use charset::{decode_html, decode_html_owned};
mod classify;
use classify::{classify, RedirectRefused, TypedResolver};
mod net;
pub use net::{add_cookies, add_header, load_ca_certs, parse_proxy, NetOptions, ProxyMode};

/// At most this many redirects are followed (DESIGN.md).
pub const MAX_REDIRECTS: usize = 10;

/// A fetched HTML page, body still in bytes: decoding is CPU work on the
/// whole body, so it is left to whoever parses the page (on the blocking
/// pool when parsing is), not done on the async worker that received it.
#[derive(Debug, Clone)]
pub struct Page {
    pub final_url: Url,
    pub status: u16,
    pub body: Vec<u8>,
    /// The `charset` of the `Content-Type` header, if any.
    pub header_charset: Option<String>,
}

impl Page {
    /// The body as text, the name of the charset used, and whether invalid
    /// bytes were replaced (see [`decode_html_owned`]). Takes the body: a
    /// valid UTF-8 body becomes the text without a copy.
    pub fn take_text(&mut self) -> (String, &'static str, bool) {
        let body = std::mem::take(&mut self.body);
        let (html, encoding, lossy) = decode_html_owned(body, self.header_charset.as_deref());
        (html, encoding.name(), lossy)
    }
}

/// Why an attempt failed. Each variant maps to exactly one contract kind.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("dns lookup failed: {0}")]
    Dns(String),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("tls handshake failed: {0}")]
    Tls(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("connect timed out: {0}")]
    ConnectTimeout(String),
    #[error("http status {status}")]
    HttpStatus {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("redirect to unsupported url \"{0}\": only http and https are followed")]
    BadRedirect(String),
    #[error("decoded body is larger than {0} bytes")]
    BodyTooLarge(u64),
    #[error("content type \"{0}\" is not html")]
    NotHtml(String),
    #[error("reading body failed: {0}")]
    Body(String),
}

impl FetchError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            FetchError::Dns(_) => ErrorKind::Dns,
            FetchError::Connect(_) => ErrorKind::Connect,
            FetchError::Tls(_) => ErrorKind::Tls,
            FetchError::Timeout(_) | FetchError::ConnectTimeout(_) => ErrorKind::Timeout,
            FetchError::HttpStatus { .. } => ErrorKind::HttpStatus,
            FetchError::TooManyRedirects => ErrorKind::TooManyRedirects,
            FetchError::BadRedirect(_) => ErrorKind::BadRedirect,
            FetchError::BodyTooLarge(_) => ErrorKind::BodyTooLarge,
            FetchError::NotHtml(_) => ErrorKind::NotHtml,
            FetchError::Body(_) => ErrorKind::Body,
        }
    }

    /// Transient failures are worth another attempt: connection trouble,
    /// timeouts, 429 and the gateway/unavailable statuses. Everything else
    /// would fail the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Connect(_) | FetchError::Timeout(_) | FetchError::ConnectTimeout(_) => true,
            FetchError::HttpStatus { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// The result of one attempt, with what was learnt even when it failed.
#[derive(Debug)]
pub struct Attempt {
    pub status: Option<u16>,
    pub final_url: Option<Url>,
    pub result: Result<Page, FetchError>,
}

/// How long to wait before attempt number `attempt + 1` (attempts count from 1),
/// or `None` when the error is not worth retrying or attempts are used up.
/// Exponential backoff with jitter; a server's `Retry-After` wins, capped.
pub fn retry_delay(err: &FetchError, attempt: u32, cfg: &FetchConfig) -> Option<Duration> {
    if !err.is_transient() || attempt > cfg.retries {
        return None;
    }
    if let FetchError::HttpStatus {
        retry_after: Some(wait),
        ..
    } = err
    {
        return Some((*wait).min(cfg.max_retry_after));
    }
    // base * 2^(n-1), plus up to the same again at random so that many clients
    // failing together do not retry in lockstep.
    let step = cfg.backoff_base.saturating_mul(1 << (attempt - 1).min(16));
    let jitter = step.mul_f64(fastrand::f64());
    Some((step + jitter).min(cfg.max_retry_after))
}

/// The shared HTTP client: one connection pool for the whole run.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Client,
    cfg: Arc<FetchConfig>,
    /// Our `Accept`, then the user's `-H`/`--cookie` (which replace ours by name).
    /// Shared: every URL of the lookahead holds a clone of the fetcher.
    headers: Arc<HeaderMap>,
}

impl Fetcher {
    /// Builds the client. `pool_per_host` sizes the keep-alive pool so every
    /// concurrent request to a host can reuse a connection.
    pub fn new(cfg: &FetchConfig, pool_per_host: usize) -> Result<Fetcher, reqwest::Error> {
        let policy = redirect::Policy::custom(|attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(RedirectRefused::TooMany)
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                let url = attempt.url().to_string();
                attempt.error(RedirectRefused::Scheme(url))
            } else {
                attempt.follow()
            }
        });
        let client = Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .redirect(policy)
            .gzip(true)
            .brotli(true)
            .zstd(true)
            .pool_max_idle_per_host(pool_per_host)
            .tcp_nodelay(true)
            .dns_resolver(Arc::new(TypedResolver));
        let client = cfg.net.apply(client)?.build()?;
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"),
        );
        // Replace, not merge: `-H 'Accept: …'` means that Accept only.
        let mut last = None;
        for (name, value) in cfg.net.headers.iter() {
            if last.as_ref() != Some(name) {
                headers.remove(name);
                last = Some(name.clone());
            }
            headers.append(name, value.clone());
        }
        Ok(Fetcher {
            client,
            cfg: Arc::new(cfg.clone()),
            headers: Arc::new(headers),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.cfg
    }

    /// One attempt: request, status, content type, capped body, charset.
    /// The whole of it, body included, runs under the `--timeout` deadline.
    /// Dropping the future cancels the request.
    pub async fn attempt(&self, url: &Url) -> Attempt {
        let mut status = None;
        let mut final_url = None;
        let deadline = self.cfg.timeout;
        let work = self.attempt_inner(url, &mut status, &mut final_url);
        let result = match tokio::time::timeout(deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(deadline)),
        };
        Attempt {
            status,
            final_url,
            result,
        }
    }

    /// Sends a GET with the run's `-H`/`--cookie` headers: every request
    /// goes through here, pages and robots.txt alike (a site that keys
    /// access on a login cookie or an agreed User-Agent keys robots.txt on
    /// them as well).
    async fn send(&self, url: &Url) -> Result<reqwest::Response, FetchError> {
        self.client
            .get(url.clone())
            .headers(HeaderMap::clone(&self.headers))
            .send()
            .await
            .map_err(classify)
    }

    /// A small text resource such as robots.txt: the status and at most
    /// `cap` bytes of a 2xx body (the rest is dropped, not an error: RFC 9309
    /// lets a crawler parse only the first 500 KiB). No content-type check,
    /// redirects followed as for pages, the whole of it under `deadline`.
    pub async fn get_text(
        &self,
        url: &Url,
        deadline: Duration,
        cap: usize,
    ) -> Result<(u16, Vec<u8>), FetchError> {
        let work = async {
            let mut resp = self.send(url).await?;
            let status = resp.status();
            let mut body = Vec::new();
            if status.is_success() {
                while let Some(chunk) = resp.chunk().await.map_err(classify)? {
                    let room = cap.saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if body.len() >= cap {
                        break;
                    }
                }
            }
            Ok((status.as_u16(), body))
        };
        tokio::time::timeout(deadline, work)
            .await
            .unwrap_or(Err(FetchError::Timeout(deadline)))
    }

    async fn attempt_inner(
        &self,
        url: &Url,
        status_out: &mut Option<u16>,
        final_url_out: &mut Option<Url>,
    ) -> Result<Page, FetchError> {
        let mut resp = self.send(url).await?;
        let status = resp.status();
        *status_out = Some(status.as_u16());
        *final_url_out = Some(resp.url().clone());
        if status.is_redirection() {
            // reqwest hands back, unfollowed, a redirect whose target it cannot
            // fetch (file:, ftp:, data:): that is a bad redirect, not a status.
            if let Some(target) = redirect_target(resp.url(), resp.headers()) {
                if !matches!(target.scheme(), "http" | "https") {
                    return Err(FetchError::BadRedirect(target.to_string()));
                }
            }
        }
        if !status.is_success() {
            return Err(FetchError::HttpStatus {
                status: status.as_u16(),
                retry_after: retry_after(resp.headers(), status),
            });
        }
        let header_charset = check_content_type(resp.headers())?;
        let cap = self.cfg.max_body;
        // The declared length is of the encoded body; only trust it to fail
        // early when the body is not compressed.
        let mut expected = None;
        if resp
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .is_none()
        {
            if let Some(len) = content_length(resp.headers()) {
                if len > cap {
                    return Err(FetchError::BodyTooLarge(cap));
                }
                expected = Some(len);
            }
        }
        // Sized once from a trusted length: growing by doubling from 16 KiB
        // copied a 100 KB body four times and left up to half of the last
        // buffer unused while the page waited to be parsed.
        // At most 1 MiB up front: a length a server states but never sends
        // must not reserve `cap` per page.
        let initial = expected.map_or(16 * 1024, |len| len.min(1 << 20) as usize);
        // Chunks arrive already decompressed, so counting them caps the
        // decoded size: a compression bomb stops at `cap`, not at memory's end.
        let mut body = Vec::with_capacity(initial);
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(FetchError::BodyTooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Page {
            final_url: resp.url().clone(),
            status: status.as_u16(),
            body,
            header_charset,
        })
    }
}

fn redirect_target(base: &Url, headers: &HeaderMap) -> Option<Url> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    base.join(location.trim()).ok()
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Rejects non-HTML content types; returns the `charset` parameter if any.
/// A missing content type is given the benefit of the doubt.
fn check_content_type(headers: &HeaderMap) -> Result<Option<String>, FetchError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(None);
    };
    let value = String::from_utf8_lossy(value.as_bytes());
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if !matches!(essence.as_str(), "text/html" | "application/xhtml+xml" | "") {
        return Err(FetchError::NotHtml(essence));
    }
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_owned())
    });
    Ok(charset)
}

/// `Retry-After` as seconds or an HTTP date; only meaningful on 429 and 503.
fn retry_after(headers: &HeaderMap, status: StatusCode) -> Option<Duration> {
    if !matches!(status.as_u16(), 429 | 503) {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> FetchConfig {
        FetchConfig::default()
    }

    #[test]
    fn only_transient_errors_are_retried() {
        let c = cfg();
        let status = |s| FetchError::HttpStatus {
            status: s,
            retry_after: None,
        };
        for e in [
            status(429),
            status(502),
            status(503),
            status(504),
            FetchError::Connect("x".into()),
            FetchError::Timeout(Duration::from_secs(1)),
        ] {
            assert!(retry_delay(&e, 1, &c).is_some(), "{e:?}");
        }
        for e in [
            status(404),
            status(500),
            FetchError::NotHtml("x".into()),
            FetchError::Dns("x".into()),
            FetchError::Body("x".into()),
            FetchError::TooManyRedirects,
        ] {
            assert!(retry_delay(&e, 1, &c).is_none(), "{e:?}");
        }
        assert!(
            retry_delay(&status(503), 3, &c).is_none(),
            "2 retries = 3 attempts"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_retry_after() {
        let c = cfg();
        let e = FetchError::Connect("x".into());
        for _ in 0..100 {
            let d1 = retry_delay(&e, 1, &c).unwrap();
            let d2 = retry_delay(&e, 2, &c).unwrap();
            assert!(d1 >= c.backoff_base && d1 <= c.backoff_base * 2, "{d1:?}");
            assert!(
                d2 >= c.backoff_base * 2 && d2 <= c.backoff_base * 4,
                "{d2:?}"
            );
        }
        let ra = |s| FetchError::HttpStatus {
            status: 429,
            retry_after: Some(Duration::from_secs(s)),
        };
        assert_eq!(retry_delay(&ra(3), 1, &c), Some(Duration::from_secs(3)));
        assert_eq!(retry_delay(&ra(3600), 1, &c), Some(c.max_retry_after));
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            retry_after(&h, StatusCode::TOO_MANY_REQUESTS),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after(&h, StatusCode::INTERNAL_SERVER_ERROR), None);
        let later = SystemTime::now() + Duration::from_secs(30);
        h.insert(RETRY_AFTER, httpdate::fmt_http_date(later).parse().unwrap());
        let d = retry_after(&h, StatusCode::SERVICE_UNAVAILABLE).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert_eq!(check_content_type(&h).unwrap(), None);
        h.insert(
            CONTENT_TYPE,
            "text/html; charset=\"ISO-8859-1\"".parse().unwrap(),
        );
        assert_eq!(
            check_content_type(&h).unwrap().as_deref(),
            Some("ISO-8859-1")
        );
        h.insert(CONTENT_TYPE, "application/xhtml+xml".parse().unwrap());
        assert!(check_content_type(&h).is_ok());
        h.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(
            matches!(check_content_type(&h), Err(FetchError::NotHtml(t)) if t == "application/json")
        );
    }

    #[test]
    fn charsets_bom_header_meta_default() {
        // windows-1252 bytes for "Crème 12,50 €"
        let latin = b"<p>Cr\xe8me 12,50 \x80</p>";
        let (t, enc, lossy) = decode_html(latin, Some("windows-1252"));
        assert_eq!(
            (t.as_str(), enc.name(), lossy),
            ("<p>Crème 12,50 €</p>", "windows-1252", false)
        );
        // undeclared and not UTF-8: windows-1252
        assert_eq!(decode_html(latin, None).0, "<p>Crème 12,50 €</p>");
        // meta charset
        let meta = b"<html><head><meta charset=\"iso-8859-1\"><title>Cr\xe8me</title>";
        assert!(decode_html(meta, None).0.contains("Crème"));
        let equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\"><p>\x89\xa1</p>";
        assert_eq!(decode_html(equiv, None).1.name(), "Shift_JIS");
        // BOM beats the header
        let bom = b"\xef\xbb\xbf<p>Cr\xc3\xa8me</p>";
        let (t, enc, _) = decode_html(bom, Some("iso-8859-1"));
        assert_eq!((t.as_str(), enc.name()), ("<p>Crème</p>", "UTF-8"));
        // declared utf-8 with bad bytes: replaced, flagged
        let (t, _, lossy) = decode_html(b"<p>Cr\xe8me</p>", Some("utf-8"));
        assert!(lossy && t.contains('\u{fffd}'));
    }

    #[test]
    fn error_kinds_map_one_to_one() {
        assert_eq!(
            FetchError::ConnectTimeout("x".into()).kind(),
            ErrorKind::Timeout
        );
        assert_eq!(
            FetchError::BadRedirect("file:///".into()).kind(),
            ErrorKind::BadRedirect
        );
        assert_eq!(FetchError::BodyTooLarge(1).kind(), ErrorKind::BodyTooLarge);
    }
}
