//! The hook through which a host's cap and spacing hold across processes:
//! a [`SharedGate`] answers each start, a [`Lease`] holds the place. The
//! engine decides how long to wait when refused; the cluster implements it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use super::Host;

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

fn full_backoff(refusals: u32) -> Duration {
    let step = FULL_BACKOFF.saturating_mul(1 << refusals.min(16));
    step.min(FULL_BACKOFF_MAX).mul_f64(0.5 + fastrand::f64())
}

/// The parts of [`Host`] that talk to its gate (a child module sees its
/// private state).
impl Host {
    /// Starts a request now if the host allows it, and the shared gate when
    /// there is one: `Some` with the gate's lease (to hold until the attempt
    /// ends), `None` to wait ([`Host::wait_turn`]) and try again.
    pub async fn start(&self) -> Option<Option<Lease>> {
        let Some(gate) = &self.shared else {
            return self.try_start().then_some(None);
        };
        let interval = {
            let s = self.state();
            if s.blocked_until(Instant::now()).is_some() {
                return None;
            }
            s.interval
        };
        let answer = gate.try_start(&self.key, self.per_host, interval).await;
        let now = Instant::now();
        let (wait, rule) = {
            let mut s = self.state();
            match answer {
                Ok(lease) => {
                    // A refusal another request of ours got meanwhile is
                    // stale: the gate just said yes.
                    s.shared_refusals = 0;
                    s.shared_until = None;
                    drop(s);
                    // A pause that began meanwhile wins; the lease goes back.
                    return self.try_start().then_some(Some(lease));
                }
                Err(Refused::Spacing(wait)) => (wait, s.interval_rule),
                Err(Refused::Full) => {
                    s.shared_refusals = s.shared_refusals.saturating_add(1);
                    (full_backoff(s.shared_refusals - 1), self.cap_rule)
                }
            }
        };
        let mut s = self.state();
        let until = now + wait;
        if s.shared_until.is_none_or(|(t, _)| t < until) {
            s.shared_until = Some((until, rule));
        }
        None
    }

    /// A request of ours that held a shared gate's lease ended (the lease is
    /// dropped): one request backing off a full gate asks again now, not
    /// after its back-off (which grows to [`FULL_BACKOFF_MAX`]); one, since
    /// one place came free.
    pub fn lease_ended(&self) {
        let mut s = self.state();
        if s.shared_until
            .is_some_and(|(_, rule)| rule == self.cap_rule)
        {
            s.shared_until = None;
            s.shared_refusals = 0;
        }
        drop(s);
        self.freed.notify_one();
    }
}
