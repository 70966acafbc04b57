//! Real networks on loopback: proxies from the environment as curl reads
//! them, `--proxy`/`--no-proxy`/`NO_PROXY`, extra headers and cookies, and
//! HTTPS with a certificate made at test time (untrusted → `tls`, `--cacert`
//! and `--insecure` fix it).

use std::process::Stdio;

use scrape::demo::{BackgroundShop, ShopConfig};
use scrape::record::ErrorKind;

use crate::support::net::{ForwardProxy, TestCa, TlsFront};
use crate::support::{bin, list, urls, Run};

/// Every variable a proxy matcher reads, so the test's own environment cannot leak in.
const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// Runs `scrape ARGS` with exactly these proxy variables set.
fn scrape_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin();
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().expect("run scrape");
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Run::from_output(
        format!("{} scrape {}", shown.join(" "), args.join(" ")),
        out,
    )
}

/// Asserts every record of the run is ok and priced.
fn all_priced(run: &Run, n: usize) {
    run.code(0);
    let doc = run.doc();
    assert_eq!(doc.results.len(), n, "{run}");
    for r in &doc.results {
        assert!(r.ok && r.price.is_some(), "{r:?}{run}");
    }
}

#[test]
fn proxies_from_env_flags_and_no_proxy() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let proxy = ForwardProxy::start();
    let l = list(&urls(&shop, &["/product/1", "/product/2", "/product/3"]));
    let p = proxy.url();
    let args = ["-q", "-c", "2", l.path()];

    let run = scrape_env(&args, &[("HTTP_PROXY", &p)]);
    all_priced(&run, 3);
    let via_upper = proxy.forwarded();
    assert!(via_upper >= 1, "HTTP_PROXY was not used{run}");

    let run = scrape_env(&args, &[("http_proxy", &p)]);
    all_priced(&run, 3);
    assert!(
        proxy.forwarded() > via_upper,
        "http_proxy was not used{run}"
    );
    let before = proxy.forwarded();

    // Bypasses: the flag, NO_PROXY by address, and an https-only proxy for http URLs.
    let mut no_proxy = vec!["--no-proxy"];
    no_proxy.extend_from_slice(&args);
    all_priced(&scrape_env(&no_proxy, &[("HTTP_PROXY", &p)]), 3);
    all_priced(
        &scrape_env(&args, &[("HTTP_PROXY", &p), ("NO_PROXY", "127.0.0.1")]),
        3,
    );
    all_priced(
        &scrape_env(&args, &[("no_proxy", "*"), ("ALL_PROXY", &p)]),
        3,
    );
    all_priced(&scrape_env(&args, &[("HTTPS_PROXY", &p)]), 3);
    assert_eq!(proxy.forwarded(), before, "a bypass went through the proxy");

    // --proxy works without the environment and replaces it.
    let mut flag = vec!["--proxy", p.as_str()];
    flag.extend_from_slice(&args);
    let run = scrape_env(&flag, &[("HTTP_PROXY", "http://127.0.0.1:9")]);
    all_priced(&run, 3);
    assert!(proxy.forwarded() > before, "--proxy was not used{run}");
    // ALL_PROXY covers http too.
    let before = proxy.forwarded();
    all_priced(&scrape_env(&args, &[("ALL_PROXY", &p)]), 3);
    assert!(proxy.forwarded() > before, "ALL_PROXY was not used");
    assert_eq!(proxy.tunnels(), 0, "plain http needs no tunnel");
}

#[test]
fn https_with_a_private_ca() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let ca = TestCa::new();
    let front = TlsFront::start(&ca, shop.addr());
    let l = list(&[front.url("/product/1"), front.url("/product/2")]);

    // Not in any trust store: a `tls` error, not retried as if transient.
    let run = scrape_env(&["-q", l.path()], &[]);
    run.code(1);
    for r in &run.doc().results {
        let kind = r.error.as_ref().map(|e| e.kind);
        assert_eq!(kind, Some(ErrorKind::Tls), "{r:?}{run}");
        // robots.txt's fetch meets the certificate first, so the page itself
        // is never attempted (0); never more than one attempt either way.
        assert!(r.attempts <= 1, "{r:?}");
    }
    assert_eq!(front.handshakes(), 0);
    assert!(
        !run.stderr.contains("ERROR"),
        "one error per record, not per attempt{run}"
    );

    all_priced(
        &scrape_env(&["-q", "--cacert", ca.ca_path(), l.path()], &[]),
        2,
    );
    assert!(front.handshakes() >= 1);

    let run = scrape_env(&["--insecure", "--no-progress", l.path()], &[]);
    all_priced(&run, 2);
    assert!(
        run.stderr.contains("warning: --insecure"),
        "no warning{run}"
    );

    // Through a CONNECT tunnel: HTTPS_PROXY for https URLs, trust still ours.
    let proxy = ForwardProxy::start();
    let run = scrape_env(
        &["-q", "--cacert", ca.ca_path(), l.path()],
        &[("HTTPS_PROXY", &proxy.url())],
    );
    all_priced(&run, 2);
    assert!(proxy.tunnels() >= 1, "no CONNECT tunnel{run}");
    assert_eq!(proxy.forwarded(), 0);

    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "no certificate here").unwrap();
    let junk = junk.to_str().unwrap();
    scrape_env(&["-q", "--cacert", junk, l.path()], &[]).code(2);
}

#[test]
fn headers_and_cookies_reach_the_shop() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let l = list(&urls(&shop, &["/headers"]));
    let run = scrape_env(
        &[
            "-q",
            "-H",
            "X-Scrape-Test: yes",
            "-H",
            "User-Agent: custom-agent/1",
            "-H",
            "Accept: text/html",
            "--cookie",
            "a=b; c=d",
            l.path(),
        ],
        &[],
    );
    all_priced(&run, 1);
    let seen = shop.seen_headers();
    let last = seen.last().expect("the shop saw /headers");
    let get = |name: &str| -> Vec<&str> {
        last.iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(get("x-scrape-test"), ["yes"], "{last:?}");
    assert_eq!(get("user-agent"), ["custom-agent/1"], "{last:?}");
    assert_eq!(get("accept"), ["text/html"], "-H replaces ours: {last:?}");
    assert_eq!(get("cookie"), ["a=b; c=d"], "{last:?}");

    for bad in [
        &["-H", "no colon here"][..],
        &["-H", "Bad Name: x"],
        &["--cookie", "cookies.txt"],
    ] {
        let mut args = bad.to_vec();
        args.push(l.path());
        scrape_env(&args, &[]).code(2);
    }
}
