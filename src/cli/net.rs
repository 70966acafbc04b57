//! The network flags of a scrape run: proxy, headers, cookies, TLS trust,
//! checked into `fetch`'s [`NetOptions`].

use std::path::PathBuf;

use clap::Args as ClapArgs;

use super::UsageError;
use crate::fetch::{self, NetOptions, ProxyMode};

/// Proxy, headers and TLS trust (see README "Real networks").
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct NetArgs {
    /// Send every request through this http(s) proxy (NO_PROXY still applies)
    /// [default: HTTP_PROXY/HTTPS_PROXY/ALL_PROXY from the environment, as curl].
    #[arg(long, value_name = "URL", value_parser = crate::fetch::parse_proxy)]
    pub proxy: Option<reqwest::Url>,
    /// Connect directly: ignore --proxy and the proxy environment variables.
    #[arg(long, conflicts_with = "proxy")]
    pub no_proxy: bool,
    /// Extra request header 'Name: value' (repeatable; replaces ours of that name).
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// Cookies to send, 'name=value; name2=value2' (repeatable).
    #[arg(long = "cookie", value_name = "'N=V; …'")]
    pub cookies: Vec<String>,
    /// Also trust the CA certificates in this PEM file (repeatable).
    #[arg(long, value_name = "FILE")]
    pub cacert: Vec<PathBuf>,
    /// Accept any server certificate (unsafe: anyone on the path can read and change pages).
    #[arg(short = 'k', long)]
    pub insecure: bool,
}

impl NetArgs {
    /// The checked network options; a bad header, cookie or CA file is a usage error.
    pub fn to_options(&self) -> Result<NetOptions, UsageError> {
        let mut headers = reqwest::header::HeaderMap::new();
        for h in &self.headers {
            fetch::add_header(&mut headers, h).map_err(UsageError::Invalid)?;
        }
        fetch::add_cookies(&mut headers, &self.cookies).map_err(UsageError::Invalid)?;
        let mut ca_certs = Vec::new();
        for path in &self.cacert {
            ca_certs.extend(fetch::load_ca_certs(path).map_err(UsageError::Invalid)?);
        }
        let proxy = match (&self.proxy, self.no_proxy) {
            (_, true) => ProxyMode::Direct,
            (Some(url), false) => ProxyMode::Url(url.clone()),
            (None, false) => ProxyMode::Env,
        };
        Ok(NetOptions {
            proxy,
            headers,
            ca_certs,
            insecure: self.insecure,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::super::Cli;
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("scrape").chain(args.iter().copied()))
    }

    #[test]
    fn network_flags() {
        let cli = parse(&["x"]).unwrap();
        let net = cli.scrape.to_config(&cli.log, true).unwrap().fetch.net;
        assert_eq!(net.proxy, ProxyMode::Env, "a scrape run honours the env");
        assert!(net.headers.is_empty() && !net.insecure);
        let cli = parse(&[
            "--proxy",
            "127.0.0.1:8080",
            "-H",
            "X-A: 1",
            "-H",
            "X-A: 2",
            "--cookie",
            "a=b; c=d",
            "-k",
            "x",
        ])
        .unwrap();
        let net = cli.scrape.to_config(&cli.log, true).unwrap().fetch.net;
        assert!(matches!(&net.proxy, ProxyMode::Url(u) if u.as_str() == "http://127.0.0.1:8080/"));
        assert_eq!(net.headers.get_all("x-a").iter().count(), 2);
        assert_eq!(net.headers["cookie"], "a=b; c=d");
        assert!(net.insecure);
        let cli = parse(&["--no-proxy", "x"]).unwrap();
        let net = cli.scrape.to_config(&cli.log, true).unwrap().fetch.net;
        assert_eq!(net.proxy, ProxyMode::Direct);
        assert!(parse(&["--no-proxy", "--proxy", "p:1", "x"]).is_err());
        assert!(parse(&["--proxy", "socks5://p:1", "x"]).is_err());
        for bad in [&["-H", "nocolon", "x"][..], &["--cookie", "file.txt", "x"]] {
            let cli = parse(bad).unwrap();
            assert!(matches!(
                cli.scrape.to_config(&cli.log, true),
                Err(UsageError::Invalid(_))
            ));
        }
    }
}
