//! Serves the demo shop standalone, for trying `scrape` by hand:
//!
//! ```text
//! cargo run --release --example shop -- [--port 8080] [--latency-ms 100] [--jitter-ms 0] [--listeners 1] [--capacity N]
//! scrape urls.txt
//! ```
//!
//! Runs until Ctrl-C. With `--port 0` the OS picks the port.

use std::process::ExitCode;
use std::time::Duration;

use scrape::demo::{Shop, ShopConfig};

const ROUTES: &str = "\
  /product/{n}               product page n (many markups, charsets, prices)
  /                          index linking to products 1..100
  /status/{code}             that status with a small HTML body
  /429?retry_after=SECS      429 with Retry-After every time
  /flaky/{key}               503 twice per key, then a product page
  /flaky429/{key}            429 (Retry-After: 1) once per key, then a product page
  /hang                      never responds
  /drip?bytes=N&every_ms=M   valid HTML, a few bytes at a time
  /huge?mb=N, /huge-nolen    N MiB of HTML (default 64), with / without Content-Length
  /bomb                      gzip bomb (256 MiB decoded)
  /redirect/{n}              redirect chain of length n+1 to /product/1
  /redirect-loop             redirects to itself
  /redirect-file             redirects to file:///etc/passwd
  /not-html, /image.png      JSON and PNG responses
  /bad-charset               says utf-8, holds latin-1 bytes
  /truncated                 body shorter than Content-Length
  /reset                     connection reset instead of a response
  /charset/{label}           page in that encoding, declared in the header
  /charset-meta/{label}      page in that encoding, declared in <meta>
  /bom                       UTF-8 with BOM, header says iso-8859-1
  any route: ?delay_ms=N     overrides the latency for one request";

struct Args {
    port: u16,
    config: ShopConfig,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8080,
        config: ShopConfig {
            latency: Duration::from_millis(100),
            ..ShopConfig::default()
        },
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--port" => {
                args.port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port: {value}"))?
            }
            "--latency-ms" => args.config.latency = Duration::from_millis(number(&value)?),
            "--jitter-ms" => args.config.jitter = Duration::from_millis(number(&value)?),
            "--listeners" => args.config.listeners = number(&value)?.max(1) as usize,
            // At most N requests served at once, the rest queue: a known knee for `bench`.
            "--capacity" => args.config.capacity = Some(number(&value)?.max(1) as usize),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("shop: error: {message}");
            }
            eprintln!(
                "usage: shop [--port 8080] [--latency-ms 100] [--jitter-ms 0] [--listeners 1] [--capacity N]"
            );
            return ExitCode::from(2);
        }
    };
    let shop = match Shop::start_on(args.config, args.port).await {
        Ok(shop) => shop,
        Err(e) => {
            eprintln!("shop: error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::from(1);
        }
    };
    for addr in shop.addrs() {
        println!("demo shop listening on http://{addr}");
    }
    println!("routes:");
    for line in ROUTES.lines() {
        println!("  {}", line.trim());
    }
    println!("Ctrl-C to stop");
    let _ = tokio::signal::ctrl_c().await;
    let stats = shop.stats();
    println!(
        "served {} requests, peak {} in flight",
        stats.requests, stats.peak_in_flight
    );
    shop.shutdown().await;
    ExitCode::SUCCESS
}
