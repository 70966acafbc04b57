//! Ctrl-C handling: the first SIGINT cancels the run's token (stop starting
//! requests, cancel in-flight ones, flush, exit 130); the second exits at once.

use std::io::Write;

use tokio_util::sync::CancellationToken;

/// Listens for Ctrl-C on the current runtime and feeds `cancel`. This listener
/// is the one task allowed to outlive the engine: it lives as long as the process.
pub fn install(cancel: CancellationToken) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        tracing::warn!("interrupted: stopping; press Ctrl-C again to exit at once");
        cancel.cancel();
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = std::io::stdout().flush();
            // The only exit outside main: the user asked twice.
            std::process::exit(130);
        }
    });
}
