//! What went wrong with a request, by type, never by message text: our
//! redirect policy's refusals and DNS failures are typed errors in reqwest's
//! source chain (the resolver below tags them), rustls errors are found two
//! io errors deep; everything maps to one [`FetchError`] kind.

use std::error::Error as StdError;
use std::net::SocketAddr;

use super::{net, FetchError};

/// Why our redirect policy refused to follow.
#[derive(Debug, thiserror::Error)]
pub(super) enum RedirectRefused {
    #[error("too many redirects")]
    TooMany,
    #[error("redirect to {0}")]
    Scheme(String),
}

/// A DNS failure, typed so that `classify` can tell it from other connect errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DnsError(String);

/// Resolves with tokio's resolver (the system's `getaddrinfo` on a blocking
/// thread) and tags failures as [`DnsError`].
pub(super) struct TypedResolver;

impl reqwest::dns::Resolve for TypedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| {
                    Box::new(DnsError(format!("{host}: {e}"))) as Box<dyn StdError + Send + Sync>
                })?
                .collect();
            if addrs.is_empty() {
                return Err(Box::new(DnsError(format!("{host}: no addresses")))
                    as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Maps a reqwest error to a kind by its type and source chain, never by its text.
pub(super) fn classify(err: reqwest::Error) -> FetchError {
    let message = chain_message(&err);
    let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(r) = e.downcast_ref::<RedirectRefused>() {
            return match r {
                RedirectRefused::TooMany => FetchError::TooManyRedirects,
                RedirectRefused::Scheme(url) => FetchError::BadRedirect(url.clone()),
            };
        }
        if let Some(d) = e.downcast_ref::<DnsError>() {
            return FetchError::Dns(d.0.clone());
        }
        source = e.source();
    }
    if err.is_timeout() {
        return FetchError::ConnectTimeout(message);
    }
    if err.is_connect() {
        let mut tls = false;
        let mut cur = err.source();
        while let Some(e) = cur {
            tls |= net::is_rustls(e);
            cur = e.source();
        }
        return if tls {
            FetchError::Tls(message)
        } else {
            FetchError::Connect(message)
        };
    }
    if err.is_body() || err.is_decode() {
        return FetchError::Body(message);
    }
    // The request was sent but the connection failed before a response
    // (reset, closed): a connection failure, and worth a retry.
    FetchError::Connect(message)
}

/// "outer: inner: innermost", skipping layers that repeat their source's text.
fn chain_message(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.last().is_some_and(|p| p.contains(&text)) && !text.is_empty() {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}
