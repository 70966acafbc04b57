//! The `scrape` binary: parse arguments, start logging, run the library, and
//! turn the outcome into an exit code. Nothing else lives here.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use scrape::cli::{Cli, LogArgs};
use scrape::{app, shutdown};

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
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "scrape={default},{}",
            if log.verbose > 2 { "debug" } else { "warn" }
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
