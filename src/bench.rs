//! `scrape bench`: the same URLs through the same engine at several
//! concurrency levels (sequential first), timed, with speedup, efficiency and
//! a one-line reason when efficiency is low.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::aggregate::{Latency, Summary};
use crate::input::Entry;
use crate::output::Destination;
use crate::pipeline::{entries_channel, scrape, RunConfig, ScrapeError};

/// One measured level (the median run of its repetitions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    pub mode: String,
    pub concurrency: usize,
    pub elapsed_ms: f64,
    pub pages_per_sec: f64,
    pub latency_ms: Latency,
    pub ok: u64,
    pub failed: u64,
    pub retries: u64,
    /// CPU time (user + system) this process spent on the run.
    pub cpu_ms: f64,
    /// How late a 5 ms ticker on the same runtime woke up: how long tasks
    /// blocked the reactor (parsing on the async workers shows up here).
    pub reactor_lag_ms: Latency,
    /// Speedup over the sequential run.
    pub speedup: f64,
    pub ideal_speedup: f64,
    pub efficiency: f64,
}

/// `bench --format json` (DESIGN.md): speedup figures are those of the highest level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub urls: u64,
    pub runs: Vec<BenchRun>,
    pub speedup: f64,
    pub ideal_speedup: f64,
    pub efficiency: f64,
    /// What limited the speedup, when efficiency is low.
    pub limit: Option<String>,
}

/// Runs `entries` once per repetition at each level. Level 1 (sequential) is
/// always measured first; `warmup` makes one untimed pass at the top level.
pub async fn run(
    base: &RunConfig,
    entries: &[Entry],
    levels: &[NonZeroUsize],
    runs: NonZeroUsize,
    warmup: bool,
    cancel: &CancellationToken,
) -> Result<BenchReport, ScrapeError> {
    let mut levels: Vec<usize> = levels.iter().map(|l| l.get()).collect();
    if levels.is_empty() {
        levels = vec![1, base.concurrency.get()];
    }
    levels.sort_unstable();
    levels.dedup();
    if levels[0] != 1 {
        levels.insert(0, 1);
    }
    let per_host_override = base.per_host < base.concurrency;
    let config_at = |level: usize| {
        let mut cfg = base.clone();
        cfg.sequential = level == 1;
        cfg.concurrency = NonZeroUsize::new(level).unwrap_or(NonZeroUsize::MIN);
        cfg.per_host = if per_host_override {
            base.per_host.min(cfg.concurrency)
        } else {
            cfg.concurrency
        };
        cfg.progress = false;
        cfg
    };
    if warmup {
        let top = *levels.last().unwrap_or(&1);
        scrape(
            &config_at(top),
            Destination::Discard,
            entries_channel(entries.to_vec()),
            cancel.clone(),
        )
        .await?;
    }
    let mut measured: Vec<BenchRun> = Vec::new();
    for &level in &levels {
        let mut reps = Vec::new();
        for _ in 0..runs.get() {
            if cancel.is_cancelled() {
                break;
            }
            let cpu_before = cpu_time();
            let probe = LagProbe::start();
            let report = scrape(
                &config_at(level),
                Destination::Discard,
                entries_channel(entries.to_vec()),
                cancel.clone(),
            )
            .await;
            let lag = probe.stop().await;
            let cpu = cpu_time().saturating_sub(cpu_before);
            reps.push((report?.summary, cpu, lag));
        }
        if reps.is_empty() {
            break;
        }
        reps.sort_by(|a, b| a.0.elapsed_ms.total_cmp(&b.0.elapsed_ms));
        let (summary, cpu, lag) = reps.swap_remove(reps.len() / 2);
        let mut run = bench_run(&summary, cpu, entries.len() as u64);
        run.reactor_lag_ms = lag;
        measured.push(run);
    }
    let seq_ms = measured.first().map_or(0.0, |r| r.elapsed_ms);
    for r in &mut measured {
        r.speedup = ratio(seq_ms, r.elapsed_ms);
        r.efficiency = ratio(r.speedup, r.ideal_speedup);
    }
    let top = measured.last().cloned();
    let limit = top.as_ref().and_then(|t| limiting_factor(t, base));
    Ok(BenchReport {
        urls: entries.len() as u64,
        speedup: top.as_ref().map_or(0.0, |t| t.speedup),
        ideal_speedup: top.as_ref().map_or(0.0, |t| t.ideal_speedup),
        efficiency: top.as_ref().map_or(0.0, |t| t.efficiency),
        runs: measured,
        limit,
    })
}

fn bench_run(s: &Summary, cpu: Duration, urls: u64) -> BenchRun {
    BenchRun {
        mode: s.mode.clone(),
        concurrency: s.concurrency,
        elapsed_ms: s.elapsed_ms,
        pages_per_sec: s.pages_per_sec,
        latency_ms: s.latency_ms,
        ok: s.ok,
        failed: s.failed,
        retries: s.retries,
        cpu_ms: round2(cpu.as_secs_f64() * 1000.0),
        reactor_lag_ms: Latency::default(),
        speedup: 0.0,
        // With uniform latency, perfect overlap runs min(urls, c) at a time.
        ideal_speedup: (s.concurrency as u64).min(urls.max(1)) as f64,
        efficiency: 0.0,
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        round2(a / b)
    } else {
        0.0
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One line naming the most likely limit when efficiency is under 0.8.
fn limiting_factor(top: &BenchRun, base: &RunConfig) -> Option<String> {
    if top.efficiency >= 0.8 || top.concurrency <= 1 {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let cpu_share = top.cpu_ms / (top.elapsed_ms.max(1e-9) * cores);
    let l = &top.latency_ms;
    Some(if top.retries > 0 || top.failed > 0 {
        format!("retries and errors: {} retries, {} failed pages add waiting that concurrency cannot hide", top.retries, top.failed)
    } else if base.per_host < base.concurrency {
        format!(
            "per-host cap: at most {} requests in flight per host",
            base.per_host
        )
    } else if cpu_share > 0.7 {
        format!("client CPU: the process used {:.0}% of {} cores; parsing, not the network, is the bottleneck", cpu_share * 100.0, cores)
    } else if l.p50 > 0.0 && l.p99 > 2.0 * l.p50 {
        format!("server latency spread: p99 {:.1} ms vs p50 {:.1} ms, the slowest pages set the pace of each batch", l.p99, l.p50)
    } else {
        "per-request overhead: pages are so fast that scheduling and parsing dominate".to_owned()
    })
}

/// The human table.
pub fn table(r: &BenchReport) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{} urls", r.urls);
    let _ = writeln!(
        t,
        "{:>5} {:>10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>9}",
        "level",
        "wall",
        "pages/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "cpu s",
        "speedup",
        "ideal",
        "efficiency"
    );
    for run in &r.runs {
        let _ = writeln!(
            t,
            "{:>5} {:>9.2}s {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>8.2} {:>7.2}x {:>6.0} {:>9.2}",
            if run.concurrency == 1 {
                "seq".to_owned()
            } else {
                run.concurrency.to_string()
            },
            run.elapsed_ms / 1000.0,
            run.pages_per_sec,
            run.latency_ms.p50,
            run.latency_ms.p90,
            run.latency_ms.p99,
            run.cpu_ms / 1000.0,
            run.speedup,
            run.ideal_speedup,
            run.efficiency
        );
    }
    if let Some(limit) = &r.limit {
        let _ = writeln!(t, "limited by {limit}");
    }
    t
}

/// A ticker on the runtime that records how late each tick fires.
pub struct LagProbe {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<Histogram<u64>>,
}

impl LagProbe {
    pub fn start() -> LagProbe {
        let stop = CancellationToken::new();
        let token = stop.clone();
        let task = tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3).expect("3 significant digits is valid");
            let mut ticker = tokio::time::interval(Duration::from_millis(5));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = token.cancelled() => return hist,
                    scheduled = ticker.tick() => {
                        let late = scheduled.elapsed().as_micros() as u64;
                        let _ = hist.record(late.max(1));
                    }
                }
            }
        });
        LagProbe { stop, task }
    }

    /// Stops the ticker; lateness percentiles in milliseconds.
    pub async fn stop(self) -> Latency {
        self.stop.cancel();
        let Ok(h) = self.task.await else {
            return Latency::default();
        };
        let ms = |us: u64| round2(us as f64 / 1000.0);
        if h.is_empty() {
            return Latency::default();
        }
        Latency {
            p50: ms(h.value_at_quantile(0.5)),
            p90: ms(h.value_at_quantile(0.9)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
        }
    }
}

/// CPU time (user + system) used by this process so far.
pub fn cpu_time() -> Duration {
    rusage().map_or(Duration::ZERO, |u| {
        let tv = |t: libc::timeval| {
            Duration::new(t.tv_sec.max(0) as u64, (t.tv_usec.max(0) as u32) * 1000)
        };
        tv(u.ru_utime) + tv(u.ru_stime)
    })
}

/// Peak resident set size of this process in bytes.
pub fn peak_rss() -> u64 {
    // Linux reports ru_maxrss in KiB.
    rusage().map_or(0, |u| (u.ru_maxrss.max(0) as u64) * 1024)
}

fn rusage() -> Option<libc::rusage> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a full rusage into the pointer we own; it only
    // fails for an invalid `who`, and RUSAGE_SELF is valid.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: rc == 0 means the struct was filled in (and it was zeroed before).
    (rc == 0).then(|| unsafe { usage.assume_init() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_moves() {
        let before = cpu_time();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(cpu_time() > before);
        assert!(peak_rss() > 0);
    }

    #[test]
    fn table_has_a_row_per_level() {
        let run = |c: usize, ms: f64| BenchRun {
            mode: if c == 1 { "sequential" } else { "concurrent" }.into(),
            concurrency: c,
            elapsed_ms: ms,
            pages_per_sec: 100.0,
            latency_ms: Latency {
                p50: 100.0,
                p90: 110.0,
                p99: 400.0,
                max: 500.0,
            },
            ok: 10,
            failed: 0,
            retries: 0,
            cpu_ms: 5.0,
            reactor_lag_ms: Latency::default(),
            speedup: 1.0,
            ideal_speedup: c as f64,
            efficiency: 0.5,
        };
        let report = BenchReport {
            urls: 10,
            runs: vec![run(1, 1000.0), run(10, 200.0)],
            speedup: 5.0,
            ideal_speedup: 10.0,
            efficiency: 0.5,
            limit: Some("server latency spread".into()),
        };
        let t = table(&report);
        assert_eq!(t.lines().count(), 5, "{t}");
        assert!(t.contains("seq") && t.contains("limited by server latency spread"));
    }
}
