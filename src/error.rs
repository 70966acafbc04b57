//! Error kinds from the user contract, and the one function that picks the exit code.
//!
//! A URL that fails is data (a record with an [`crate::record::ErrorKind`]); a run that fails is a
//! [`RunError`] and stops everything. Keep the two apart.

use std::path::PathBuf;

/// A failure that stops the whole run (as opposed to one URL failing).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read url list \"{path}\": {source}")]
    ReadInput {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read url list from stdin: {0}")]
    ReadStdin(#[source] std::io::Error),
    #[error("no url list: pass FILE, or pipe urls on stdin")]
    NoInput,
    #[error("cannot write output \"{path}\": {source}")]
    WriteOutput {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    #[error("cannot build http client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("{0}")]
    Usage(String),
    #[error("cannot start demo shop: {0}")]
    Demo(#[source] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// How a finished run went, as far as the exit code cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Records with an error (cancelled ones included).
    pub failed: u64,
    /// Records fetched fine but without a price.
    pub unpriced: u64,
    /// The run was stopped by Ctrl-C.
    pub interrupted: bool,
    /// Whoever read stdout went away (`scrape ... | head`): a normal way to stop.
    pub stdout_closed: bool,
}

/// Exit code for a run: 0 all fetched, 1 some record failed (or, with `strict`,
/// had no price), 2 the run itself failed (usage, unreadable input), 130 interrupted.
pub fn exit_code(result: &Result<Outcome, RunError>, strict: bool) -> i32 {
    match result {
        Err(_) => 2,
        Ok(o) if o.stdout_closed => 0,
        Ok(o) if o.interrupted => 130,
        Ok(o) if o.failed > 0 || (strict && o.unpriced > 0) => 1,
        Ok(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(failed: u64, unpriced: u64, interrupted: bool) -> Result<Outcome, RunError> {
        Ok(Outcome {
            failed,
            unpriced,
            interrupted,
            stdout_closed: false,
        })
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(exit_code(&ok(0, 0, false), false), 0);
        assert_eq!(exit_code(&ok(0, 3, false), false), 0);
        assert_eq!(exit_code(&ok(0, 3, false), true), 1);
        assert_eq!(exit_code(&ok(1, 0, false), false), 1);
        assert_eq!(exit_code(&ok(1, 0, true), false), 130);
        assert_eq!(exit_code(&ok(0, 0, true), true), 130);
        assert_eq!(exit_code(&Err(RunError::NoInput), false), 2);
        let closed = Outcome {
            failed: 3,
            interrupted: true,
            stdout_closed: true,
            ..Outcome::default()
        };
        assert_eq!(exit_code(&Ok(closed), true), 0, "| head is not an error");
        assert_eq!(exit_code(&Err(RunError::Usage("x".into())), true), 2);
    }
}
