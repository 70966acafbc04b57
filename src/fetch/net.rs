//! What the client needs to work on real networks: which proxy to use, extra
//! request headers and cookies, and which TLS certificates to trust.
//!
//! Parsing lives here (not in `cli`) so the rules are next to the code that
//! applies them; `cli` only calls these functions and turns their messages
//! into usage errors. Applying the options to reqwest's builder is
//! [`NetOptions::apply`], used by `Fetcher::new`.

use std::path::Path;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, COOKIE};
use reqwest::{Certificate, ClientBuilder, NoProxy, Proxy, Url};

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProxyMode {
    /// Straight to the origin, whatever the environment says. The default of
    /// the library config: `scrape demo` and `bench` talk to their own
    /// loopback shop, which an inherited proxy must not reroute.
    #[default]
    Direct,
    /// As curl does: `http_proxy`/`HTTP_PROXY` for http URLs,
    /// `https_proxy`/`HTTPS_PROXY` for https, `all_proxy`/`ALL_PROXY` for
    /// both, minus the hosts in `no_proxy`/`NO_PROXY` (reqwest's system proxy
    /// matcher implements exactly these rules). What a scrape run uses.
    Env,
    /// `--proxy URL`: every request through this proxy, except the hosts in
    /// `NO_PROXY` (curl applies `NO_PROXY` to `-x` too).
    Url(Url),
}

/// Network options of the client; the default is a direct connection with no
/// extra headers and the platform's trust store.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    pub proxy: ProxyMode,
    /// Sent with every request; they win over the client's own `Accept` and
    /// `User-Agent`. `--cookie` ends up here as a `Cookie` header.
    pub headers: HeaderMap,
    /// Extra trusted roots (`--cacert`), on top of the platform's.
    pub ca_certs: Vec<Certificate>,
    /// Accept any server certificate (`--insecure`).
    pub insecure: bool,
}

impl NetOptions {
    /// Sets proxy and TLS trust on the builder. Headers are per request (see
    /// `Fetcher`), because reqwest's default headers keep one value per name.
    pub(super) fn apply(&self, builder: ClientBuilder) -> Result<ClientBuilder, reqwest::Error> {
        let builder = match &self.proxy {
            // reqwest (hyper-util) matches `*` against names only, never an
            // IP address; curl's `*` means every host.
            ProxyMode::Direct => builder.no_proxy(),
            _ if no_proxy_is_wildcard() => builder.no_proxy(),
            // reqwest reads the environment itself when no proxy is set.
            ProxyMode::Env => builder,
            ProxyMode::Url(url) => {
                builder.proxy(Proxy::all(url.as_str())?.no_proxy(NoProxy::from_env()))
            }
        };
        let builder = if self.ca_certs.is_empty() {
            builder
        } else {
            // Merged with the platform roots (rustls-platform-verifier takes
            // them as extra roots), unlike curl's --cacert, which replaces
            // the bundle: a private CA should not cost the public ones.
            builder.tls_certs_merge(self.ca_certs.iter().cloned())
        };
        Ok(builder.tls_danger_accept_invalid_certs(self.insecure))
    }
}

/// A handshake failure is a rustls error, seen as such or wrapped in io
/// errors (hyper-util nests two); an io error's `source()` skips what it
/// wraps, so the wrapped errors are reached through `get_ref`.
pub(super) fn is_rustls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if e.is::<rustls::Error>() {
            return true;
        }
        cur = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
    }
    false
}

/// `NO_PROXY` (or, if unset, `no_proxy`) lists `*`: no host uses a proxy.
fn no_proxy_is_wildcard() -> bool {
    ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .is_some_and(|list| list.split(',').any(|entry| entry.trim() == "*"))
}

/// Parses `--proxy URL`: an http or https proxy; a bare `host:port` means
/// `http://host:port`, as in curl.
pub fn parse_proxy(s: &str) -> Result<Url, String> {
    let text = s.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("invalid --proxy \"{s}\": {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "invalid --proxy \"{s}\": only http:// and https:// proxies are supported"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("invalid --proxy \"{s}\": no host"));
    }
    Ok(url)
}

/// Parses one `-H 'Name: value'` into `headers` (repeated names add values).
pub fn add_header(headers: &mut HeaderMap, s: &str) -> Result<(), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| format!("invalid -H \"{s}\": expected 'Name: value'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("invalid -H \"{s}\": bad header name"))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("invalid -H \"{s}\": bad header value"))?;
    headers.append(name, value);
    Ok(())
}

/// Adds `--cookie 'a=b; c=d'` values as one `Cookie` header (RFC 6265 wants
/// a single one), after any cookie given with `-H`.
pub fn add_cookies(headers: &mut HeaderMap, cookies: &[String]) -> Result<(), String> {
    let mut pairs: Vec<String> = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect();
    for c in cookies {
        for pair in c.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some((name, _)) if !name.trim().is_empty() => pairs.push(pair.to_owned()),
                _ => {
                    return Err(format!(
                        "invalid --cookie \"{c}\": expected 'name=value; name2=value2'"
                    ))
                }
            }
        }
    }
    if pairs.is_empty() {
        return Ok(());
    }
    let value = HeaderValue::from_str(&pairs.join("; ")).map_err(|_| {
        format!(
            "invalid --cookie \"{}\": bad characters",
            cookies.join("; ")
        )
    })?;
    headers.insert(COOKIE, value);
    Ok(())
}

/// Reads the PEM certificates of `--cacert FILE` (one or a bundle).
pub fn load_ca_certs(path: &Path) -> Result<Vec<Certificate>, String> {
    let pem =
        std::fs::read(path).map_err(|e| format!("cannot read --cacert {}: {e}", path.display()))?;
    let certs = Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("invalid --cacert {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "invalid --cacert {}: no PEM certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        assert_eq!(
            parse_proxy("127.0.0.1:3128").unwrap().as_str(),
            "http://127.0.0.1:3128/"
        );
        assert_eq!(
            parse_proxy("https://p.example:8443").unwrap().scheme(),
            "https"
        );
        assert!(parse_proxy("socks5://p.example:1080").is_err());
        assert!(parse_proxy("http://").is_err());
    }

    #[test]
    fn headers_repeat_and_reject_garbage() {
        let mut h = HeaderMap::new();
        add_header(&mut h, "X-Test: one").unwrap();
        add_header(&mut h, "x-test:two").unwrap();
        add_header(&mut h, "Accept: text/html").unwrap();
        let all: Vec<_> = h.get_all("x-test").iter().collect();
        assert_eq!(all, ["one", "two"]);
        assert!(add_header(&mut h, "no colon").is_err());
        assert!(add_header(&mut h, "Bad Name: x").is_err());
        assert!(add_header(&mut h, "X-Nl: a\nb").is_err());
    }

    #[test]
    fn cookies_join_into_one_header() {
        let mut h = HeaderMap::new();
        add_header(&mut h, "Cookie: s=1").unwrap();
        add_cookies(&mut h, &["a=b; c=d".into(), "e=f;".into()]).unwrap();
        assert_eq!(h.get_all(COOKIE).iter().count(), 1);
        assert_eq!(h[COOKIE], "s=1; a=b; c=d; e=f");
        assert!(add_cookies(&mut HeaderMap::new(), &["cookies.txt".into()]).is_err());
        assert!(add_cookies(&mut HeaderMap::new(), &["=x".into()]).is_err());
        let mut none = HeaderMap::new();
        add_cookies(&mut none, &[]).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn ca_files() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        assert!(load_ca_certs(&empty).is_err());
        assert!(load_ca_certs(&dir.path().join("missing.pem")).is_err());
    }
}
