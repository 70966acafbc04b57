//! The run's parsing threads: a fixed set, one per core, alive for the run.
//!
//! Why not tokio's blocking pool: its threads come and go. A job that ends
//! just as the next one is submitted makes tokio start another thread, and
//! glibc gives each new thread its own malloc arena, where the pages parsed
//! there leave a couple of MB (a DOM's worth) that nobody hands back. With
//! one parse per core at a time, a 40 000-page run (`-c 64`) still went
//! through 11 such threads: their arenas held 22 MB of its 61 MB RSS, and
//! more the longer the run. Two fixed threads hold two arenas, whatever
//! the list's length (README, "Memory").
//!
//! A job whose page was dropped (cancelled, timed out) before a thread took
//! it is skipped; one already running finishes and keeps its thread, so a
//! cancelled page never frees a core that is still busy.
//!
//! The pool also counts the jobs waiting for a thread, so that the engine
//! can hold back new requests while the parsers are behind ([`ParsePool::room`]):
//! a page fetched then only waits in memory for its turn.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, Notify};

type Job = Box<dyn FnOnce() + Send>;

/// Why a job gave no value.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("panicked: {0}")]
    Panicked(String),
    #[error("no parsing thread is running")]
    Gone,
}

/// A fixed set of threads taking jobs from one queue. Dropping the last
/// handle ends the threads once they finish what they hold.
pub struct ParsePool {
    queue: mpsc::Sender<Job>,
    waiting: Arc<Waiting>,
    threads: usize,
}

/// Jobs sent and not yet taken by a thread, and a wake-up for whoever
/// waits for that number to drop.
#[derive(Default)]
struct Waiting {
    jobs: AtomicUsize,
    taken: Notify,
}

impl Waiting {
    fn take_one(&self) {
        self.jobs.fetch_sub(1, Ordering::AcqRel);
        // One job taken, one request let through: waking every waiter
        // would let them all start at once and pile their pages up here.
        self.taken.notify_one();
    }
}

impl ParsePool {
    /// Starts `threads` threads (at least one). Fails only if not one could
    /// be started.
    pub fn new(threads: usize) -> std::io::Result<ParsePool> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let waiting = Arc::new(Waiting::default());
        let mut started = 0;
        let mut last_err = None;
        for n in 0..threads.max(1) {
            let (jobs, waiting) = (jobs.clone(), waiting.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("scrape-parse-{n}"))
                .spawn(move || work(&jobs, &waiting));
            match spawned {
                Ok(_) => started += 1,
                Err(e) => last_err = Some(e),
            }
        }
        match (started, last_err) {
            (0, Some(e)) => Err(e),
            _ => Ok(ParsePool {
                queue,
                waiting,
                threads: started,
            }),
        }
    }

    /// How many threads are parsing.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Returns once fewer than `max` jobs wait for a thread. Woken once per
    /// job a thread takes, so each job taken lets one waiter through.
    pub async fn room(&self, max: usize) {
        loop {
            let taken = self.waiting.taken.notified();
            tokio::pin!(taken);
            // Registered before the check: a job taken in between still wakes us.
            taken.as_mut().enable();
            if self.waiting.jobs.load(Ordering::Acquire) < max {
                return;
            }
            taken.await;
        }
    }

    /// Runs `job` on one of the threads and waits for its value.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let (done, value) = oneshot::channel();
        let wrapped: Job = Box::new(move || {
            // Nobody waits for it any more: the page was cancelled while
            // queued, so its core goes to the next page.
            if done.is_closed() {
                return;
            }
            let result = catch_unwind(AssertUnwindSafe(job))
                .map_err(|p| PoolError::Panicked(crate::engine::panic_message(p.as_ref())));
            let _ = done.send(result);
        });
        self.waiting.jobs.fetch_add(1, Ordering::AcqRel);
        if self.queue.send(wrapped).is_err() {
            self.waiting.take_one();
            return Err(PoolError::Gone);
        }
        value.await.unwrap_or(Err(PoolError::Gone))
    }
}

/// One thread's life: take a job, run it, until the queue is closed.
fn work(jobs: &Mutex<mpsc::Receiver<Job>>, waiting: &Waiting) {
    yield_to_io();
    loop {
        // The lock is held only while waiting for the next job; a panic
        // inside a job is caught in it, so the lock is never poisoned by one.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => {
                // Counted as taken even when it is then skipped (its page
                // was dropped): it no longer waits, nor holds a body.
                waiting.take_one();
                job()
            }
            Err(_) => return,
        }
    }
}

/// Lowers this thread's scheduling priority (nice +5, this thread only):
/// when the cores are busy, the async workers that move bytes and the timers
/// run first and parsing takes the rest. Parsing is what limits a fast
/// run, and it gets the same CPU either way (the engine holds requests back
/// while it is behind); the reactor no longer waits behind a page parse.
/// Best effort: a failure leaves the thread as it was.
fn yield_to_io() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take no pointers; on Linux a nice
        // value belongs to one thread, named by its id.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            // Relative to what the thread inherited (a user's own `nice`).
            let nice = libc::getpriority(libc::PRIO_PROCESS, tid);
            libc::setpriority(libc::PRIO_PROCESS, tid, (nice + 5).min(19));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// The property the pool exists for: however many pages, they are
    /// parsed on the same few threads (tokio's pool would start new ones).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_jobs_run_on_the_same_few_threads() {
        let pool = Arc::new(ParsePool::new(2).unwrap());
        let jobs: Vec<_> = (0..400)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.run(move || {
                        // A little work, so jobs overlap and queue up.
                        std::thread::sleep(Duration::from_micros(50 * (i % 3)));
                        std::thread::current().id()
                    })
                    .await
                    .unwrap()
                })
            })
            .collect();
        let mut threads = HashSet::new();
        for j in jobs {
            threads.insert(j.await.unwrap());
        }
        assert!(threads.len() <= 2, "{} threads", threads.len());
    }

    /// Parsing yields to the async workers: its threads, and only they, run
    /// at nice +5 (the test's own thread keeps its priority).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn parsing_threads_run_at_a_lower_priority_than_the_rest() {
        // SAFETY: gettid and getpriority take no pointers.
        let nice = || unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::getpriority(libc::PRIO_PROCESS, tid)
        };
        let here = nice();
        let pool = ParsePool::new(1).unwrap();
        let there = pool.run(nice).await.unwrap();
        assert_eq!(there, (here + 5).min(19), "parsing thread's nice value");
        assert_eq!(nice(), here, "the caller's own priority is untouched");
    }

    #[tokio::test]
    async fn a_panic_is_an_error_and_the_thread_lives_on() {
        let pool = ParsePool::new(1).unwrap();
        let err = pool
            .run(|| -> u32 { panic!("bad page") })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("bad page"), "{err}");
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    /// `room` waits while `max` jobs wait for a thread, and each job a
    /// thread takes lets one waiter through.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn room_waits_while_jobs_queue_and_opens_one_per_job_taken() {
        let pool = Arc::new(ParsePool::new(1).unwrap());
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        // Each job says it started, then holds the thread until released.
        let job = |pool: &Arc<ParsePool>| {
            let (pool, started, release) = (pool.clone(), started_tx.clone(), release_rx.clone());
            tokio::spawn(async move {
                pool.run(move || {
                    let _ = started.send(());
                    let _ = release.lock().map(|r| r.recv());
                })
                .await
            })
        };
        let mut jobs = vec![job(&pool)];
        let wait_started = |rx: mpsc::Receiver<()>| {
            tokio::task::spawn_blocking(move || {
                let got = rx.recv();
                (rx, got)
            })
        };
        // The first is running, so none waits: room at once, even for 1.
        let (started_rx, got) = wait_started(started_rx).await.unwrap();
        got.unwrap();
        pool.room(1).await;
        // Two more queue behind it.
        jobs.push(job(&pool));
        jobs.push(job(&pool));
        while pool.waiting.jobs.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        let mut room = Box::pin(pool.room(2));
        assert!(futures::poll!(&mut room).is_pending(), "2 waiting, max 2");
        let mut wider = Box::pin(pool.room(3));
        assert!(futures::poll!(&mut wider).is_ready(), "2 waiting, max 3");
        // The thread takes the second job: one waits, so room opens.
        release_tx.send(()).unwrap();
        let (started_rx, got) = wait_started(started_rx).await.unwrap();
        got.unwrap();
        room.await;
        assert_eq!(pool.waiting.jobs.load(Ordering::Acquire), 1);
        release_tx.send(()).unwrap();
        release_tx.send(()).unwrap();
        for j in jobs {
            j.await.unwrap().unwrap();
        }
        drop(started_rx);
        assert_eq!(pool.waiting.jobs.load(Ordering::Acquire), 0);
    }

    /// A queued job whose page is gone is skipped; a running one finishes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_dropped_queued_job_is_skipped_and_a_running_one_finishes() {
        let pool = ParsePool::new(1).unwrap();
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let finished = Arc::new(AtomicBool::new(false));
        let running = {
            let finished = finished.clone();
            pool.run(move || {
                let _ = started_tx.send(());
                let _ = release_rx.recv();
                finished.store(true, Ordering::SeqCst);
            })
        };
        let mut running = Box::pin(running);
        assert!(futures::poll!(&mut running).is_pending());
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .unwrap()
            .unwrap();
        let skipped = Arc::new(AtomicBool::new(true));
        let mut queued = Box::pin({
            let skipped = skipped.clone();
            pool.run(move || skipped.store(false, Ordering::SeqCst))
        });
        assert!(futures::poll!(&mut queued).is_pending());
        drop(queued);
        drop(running);
        release_tx.send(()).unwrap();
        // A job after both: once it ran, the two before it were handled.
        pool.run(|| ()).await.unwrap();
        assert!(finished.load(Ordering::SeqCst), "the running job finished");
        assert!(skipped.load(Ordering::SeqCst), "the dropped job never ran");
    }
}
