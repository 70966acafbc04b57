//! robots.txt (RFC 9309): where a host's file lives, how to fetch it, what
//! its answer means for our user agent, and its `Crawl-delay`.
//!
//! Matching is `texting_robots`'s (tested against Google's robots.txt test
//! suite). This module adds the RFC's rules about *fetching*: a 4xx (or a
//! redirect chain that never arrives) means "no robots.txt, allow all"; a 5xx
//! or 429 means "disallow all"; an unreachable host means "disallow all" too,
//! but its records keep the network's own error kind (`connect`, `dns`,
//! `timeout`, `tls`) so that a dead host is not reported as a polite refusal.
//! Caching per host is the engine's (see `engine::hosts`).

use std::time::Duration;

use reqwest::Url;
use texting_robots::Robot;

use crate::fetch::{FetchError, Fetcher};
use crate::record::ErrorKind;

/// RFC 9309 asks crawlers to parse at least the first 500 KiB; the rest of a
/// larger file is dropped.
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

/// The longest a robots.txt fetch may take, whatever `--timeout` says: it
/// holds up every first request to its host.
pub const ROBOTS_TIMEOUT: Duration = Duration::from_secs(5);

/// How robots.txt is consulted in a run.
#[derive(Debug, Clone)]
pub struct RobotsConfig {
    /// The product token rules are matched against (`scrape` for
    /// `scrape/0.3.0`), see [`product_token`].
    pub agent: String,
    /// Deadline of one robots.txt fetch.
    pub timeout: Duration,
}

impl RobotsConfig {
    /// The configuration for a user agent and a page timeout.
    pub fn new(user_agent: &str, page_timeout: Duration) -> RobotsConfig {
        RobotsConfig {
            agent: product_token(user_agent),
            timeout: page_timeout.min(ROBOTS_TIMEOUT),
        }
    }
}

/// The product token of a `User-Agent` value (RFC 9309 section 2.2.1: rules
/// name the token, not the whole string): `scrape` for `scrape/0.3.0 (+url)`.
pub fn product_token(user_agent: &str) -> String {
    let token: String = user_agent
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    if token.is_empty() {
        "scrape".into()
    } else {
        token
    }
}

/// The robots.txt of `url`'s scheme, host and port, or `None` for a URL
/// without a host.
pub fn robots_url(url: &Url) -> Option<Url> {
    url.host_str()?;
    let mut robots = url.clone();
    robots.set_path("/robots.txt");
    robots.set_query(None);
    robots.set_fragment(None);
    // Credentials belong to the page, not to a file every crawler reads.
    let _ = robots.set_username("");
    let _ = robots.set_password(None);
    Some(robots)
}

/// What a host's robots.txt says, for the whole run.
#[derive(Debug)]
pub enum Rules {
    /// No usable robots.txt (4xx, or redirects that never got there).
    AllowAll,
    /// The file's rules for our agent.
    Parsed(Robot),
    /// Disallow everything: the server failed (5xx, 429), or could not be
    /// reached. `kind` is what records of this host report.
    DisallowAll { kind: ErrorKind, why: String },
}

/// Why a URL may not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: ErrorKind,
    pub message: String,
}

impl Rules {
    /// Interprets a fetch of robots.txt by the RFC's rules.
    pub fn from_fetch(result: Result<(u16, Vec<u8>), FetchError>, agent: &str) -> Rules {
        match result {
            Ok((status, body)) if (200..300).contains(&status) => {
                match Robot::new(agent, &body) {
                    Ok(robot) => Rules::Parsed(robot),
                    // The parser is forgiving; a file it cannot read at all
                    // is treated as no file, as for an unparsable 4xx page.
                    Err(e) => {
                        tracing::warn!("unreadable robots.txt ({e}); allowing all");
                        Rules::AllowAll
                    }
                }
            }
            // RFC 9309 2.3.1.4; 429 is the server asking us to slow down,
            // which Google and Bing also read as "do not crawl for now".
            Ok((status, _)) if status >= 500 || status == 429 => Rules::DisallowAll {
                kind: ErrorKind::RobotsDisallowed,
                why: format!("robots.txt answered {status}: disallow all (RFC 9309)"),
            },
            // 4xx, and a 3xx the client did not follow: "unavailable".
            Ok(_) => Rules::AllowAll,
            Err(FetchError::TooManyRedirects | FetchError::BadRedirect(_)) => Rules::AllowAll,
            Err(e) => Rules::DisallowAll {
                kind: e.kind(),
                why: format!("robots.txt unreachable ({e}): page not fetched"),
            },
        }
    }

    /// `Ok` when `url` may be fetched.
    pub fn check(&self, url: &Url) -> Result<(), Refusal> {
        match self {
            Rules::AllowAll => Ok(()),
            Rules::Parsed(robot) if robot.allowed(url.as_str()) => Ok(()),
            Rules::Parsed(_) => Err(Refusal {
                kind: ErrorKind::RobotsDisallowed,
                message: "disallowed by robots.txt".into(),
            }),
            Rules::DisallowAll { kind, why } => Err(Refusal {
                kind: *kind,
                message: why.clone(),
            }),
        }
    }

    /// The file's `Crawl-delay` for our agent, if any and sensible.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f64(f64::from(d).min(86_400.0))),
            _ => None,
        }
    }
}

/// Fetches and interprets the robots.txt for `url`'s host. Never fails: a
/// failure is itself an answer (see [`Rules::from_fetch`]).
pub async fn fetch_rules(fetcher: &Fetcher, url: &Url, cfg: &RobotsConfig) -> Rules {
    let Some(robots) = robots_url(url) else {
        return Rules::AllowAll;
    };
    let result = fetcher
        .get_text(&robots, cfg.timeout, MAX_ROBOTS_BYTES)
        .await;
    let rules = Rules::from_fetch(result, &cfg.agent);
    tracing::debug!(url = %robots, ?rules, "robots.txt");
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn ok(body: &str) -> Result<(u16, Vec<u8>), FetchError> {
        Ok((200, body.as_bytes().to_vec()))
    }

    #[test]
    fn the_product_token_is_what_rules_name() {
        assert_eq!(product_token("scrape/0.3.0"), "scrape");
        assert_eq!(product_token("My-Bot/1.0 (+https://x)"), "My-Bot");
        assert_eq!(product_token(" /1.0"), "scrape");
    }

    #[test]
    fn robots_url_keeps_scheme_host_and_port_only() {
        let r = robots_url(&url("https://u:p@Shop.example:8443/a/b?q=1#f")).unwrap();
        assert_eq!(r.as_str(), "https://shop.example:8443/robots.txt");
    }

    #[test]
    fn rules_for_our_agent_win_over_the_wildcard() {
        let txt = "User-agent: *\nDisallow: /\n\nUser-agent: scrape\nDisallow: /private\nCrawl-delay: 2\n";
        let rules = Rules::from_fetch(ok(txt), "scrape");
        assert!(rules.check(&url("http://h/product/1")).is_ok());
        let refused = rules.check(&url("http://h/private/1")).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::RobotsDisallowed);
        assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(2)));
        let other = Rules::from_fetch(ok(txt), "otherbot");
        assert!(other.check(&url("http://h/product/1")).is_err());
        assert_eq!(other.crawl_delay(), None);
    }

    #[test]
    fn statuses_follow_rfc_9309() {
        let page = url("http://h/p");
        for status in [400, 401, 403, 404, 410] {
            let rules = Rules::from_fetch(Ok((status, Vec::new())), "scrape");
            assert!(rules.check(&page).is_ok(), "{status} means allow all");
        }
        for status in [429, 500, 503] {
            let rules = Rules::from_fetch(Ok((status, Vec::new())), "scrape");
            let refused = rules.check(&page).unwrap_err();
            assert_eq!(refused.kind, ErrorKind::RobotsDisallowed, "{status}");
            assert!(refused.message.contains(&status.to_string()));
        }
        let unreachable = Rules::from_fetch(Err(FetchError::Connect("refused".into())), "scrape");
        let refused = unreachable.check(&page).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::Connect, "the network's own kind");
        assert!(refused.message.contains("robots.txt unreachable"));
        let looped = Rules::from_fetch(Err(FetchError::TooManyRedirects), "scrape");
        assert!(looped.check(&page).is_ok());
    }
}
