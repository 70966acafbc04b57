//! The `scrape` binary: parse arguments, start logging, run the library, and
//! turn the outcome into an exit code. Nothing else lives here.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use scrape::cli::{Cli, LogArgs};
use scrape::{app, shutdown};

/// jemalloc instead of glibc's malloc. glibc gives each thread that
/// allocates its own arena (main, async workers, parsers, output), and each
/// keeps the slack of its own peak: at `-c 64` 23 MB of heap mappings held
/// 9-12 MB of live data. One jemalloc arena (thread caches in front of it,
/// so the lock is rarely taken) shares that slack, and a background thread
/// returns pages unused for 50 ms. Measured: README, "Issue 10", "Memory:".
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once at its start (`_RJEM_MALLOC_CONF` in the
/// environment still overrides them). A thin pointer to a NUL-terminated
/// string, as jemalloc's `const char *malloc_conf` is.
#[cfg(not(target_env = "msvc"))]
#[export_name = "_rjem_malloc_conf"]
static MALLOC_CONF: &u8 =
    &b"narenas:1,background_thread:true,dirty_decay_ms:50,muzzy_decay_ms:0\0"[0];

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2, as DESIGN.md asks.
    let cli = Cli::parse();
    init_tracing(&cli.log);
    let strict = app::strict(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("scrape: error: cannot start async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        let cancel = CancellationToken::new();
        shutdown::install(cancel.clone());
        app::run(cli, cancel).await
    });
    // The stdin reader thread may still be blocked on a read; don't wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    if let Err(err) = &result {
        eprintln!("scrape: error: {}", chain(err));
    }
    let code = app::exit_code(&result, strict);
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

/// The error with its sources, printed once.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

fn init_tracing(log: &LogArgs) {
    let default = match (log.quiet, log.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    // RUST_LOG wins when set, like every tracing-based tool.
    // The TLS verifier logs every rejected certificate at ERROR; the record's
    // `tls` error already says it, once per URL instead of once per attempt.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let deps = if log.verbose > 2 { "debug" } else { "warn" };
        let verifier = if log.verbose > 2 { "debug" } else { "off" };
        EnvFilter::new(format!(
            "scrape={default},{deps},rustls_platform_verifier={verifier}"
        ))
    });
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}
