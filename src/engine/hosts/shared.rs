//! The hook through which a host's cap and spacing hold across processes:
//! a [`SharedGate`] answers each start, a [`Lease`] holds the place. The
//! engine decides how long to wait when refused; the cluster implements it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A per-host limiter shared with other processes, asked once per request
/// start while the request holds its global slot (so a grant is followed at
/// once by the request, and waiting holds no slot). The engine backs off when
/// refused; the implementation only answers.
pub trait SharedGate: Send + Sync {
    /// Starts one request to `host` (`scheme://host:port`) now if at most
    /// `cap` are then in flight across the processes and the last start was
    /// at least `interval` ago. The lease frees the place when dropped.
    fn try_start<'a>(&'a self, host: &'a str, cap: usize, interval: Duration) -> GateFuture<'a>;
}

pub type GateFuture<'a> = Pin<Box<dyn Future<Output = Result<Lease, Refused>> + Send + 'a>>;

/// Why a [`SharedGate`] said not now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `cap` requests are in flight: try again after a short back-off.
    Full,
    /// The next start is allowed this much later.
    Spacing(Duration),
}

/// A place granted by a [`SharedGate`]; dropping it gives the place back.
pub struct Lease {
    _release: Box<dyn Send + Sync>,
}

impl Lease {
    /// `release` does its work when dropped.
    pub fn new(release: impl Send + Sync + 'static) -> Lease {
        Lease {
            _release: Box::new(release),
        }
    }
}

/// The first back-off after [`Refused::Full`]; it doubles per refusal in a
/// row up to [`FULL_BACKOFF_MAX`], with jitter so that waiters of several
/// processes do not ask in step.
pub const FULL_BACKOFF: Duration = Duration::from_millis(2);
pub const FULL_BACKOFF_MAX: Duration = Duration::from_millis(50);

pub(super) fn full_backoff(refusals: u32) -> Duration {
    let step = FULL_BACKOFF.saturating_mul(1 << refusals.min(16));
    step.min(FULL_BACKOFF_MAX).mul_f64(0.5 + fastrand::f64())
}
