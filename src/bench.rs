//! `scrape bench`: the same URLs through the same engine at several
//! concurrency levels (sequential first), timed, with speedup, efficiency and
//! a one-line reason when efficiency is low.
//!
//! This file measures and tabulates; `knee` decides the levels of
//! `--levels auto`, `plot` draws the SVG, `baseline` saves and compares
//! results and holds the CI gate, `machine` collects the facts a saved
//! result carries.

pub mod baseline;
pub mod knee;
pub mod machine;
pub mod plot;

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
use crate::record::SCHEMA_VERSION;

pub use knee::{Knee, KneeFinder, StopReason};
pub use machine::Machine;

/// One measured level (the median run of its repetitions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    pub mode: String,
    pub concurrency: usize,
    pub elapsed_ms: f64,
    pub pages_per_sec: f64,
    /// (max − min) / median of pages/s over the `--runs` repetitions: the
    /// run-to-run noise of this level (0 with a single run).
    #[serde(default)]
    pub pages_per_sec_spread: f64,
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
    /// Version of `schema/scrape.schema.json` this document follows.
    #[serde(default)]
    pub schema_version: u32,
    pub urls: u64,
    /// Repetitions per level (`--runs`).
    #[serde(default = "one")]
    pub repetitions: usize,
    pub runs: Vec<BenchRun>,
    pub speedup: f64,
    pub ideal_speedup: f64,
    pub efficiency: f64,
    /// What limited the speedup, when efficiency is low.
    pub limit: Option<String>,
    /// With `--levels auto`: the knee of the curve and why the sweep stopped.
    #[serde(default)]
    pub knee: Option<Knee>,
    /// Where and on what the numbers were taken.
    #[serde(default)]
    pub machine: Option<Machine>,
    /// With `--baseline NAME`: each level against that saved result.
    #[serde(default)]
    pub baseline: Option<baseline::Comparison>,
}

fn one() -> usize {
    1
}

/// The levels to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Levels {
    /// These levels (sequential is added when missing); empty: 1 and `-c`.
    Fixed(Vec<NonZeroUsize>),
    /// Sweep upward until throughput stops growing ([`knee`]).
    Auto,
}

/// Runs `entries` once per repetition at each level. Level 1 (sequential) is
/// always measured first; `warmup` makes one untimed pass at the top level
/// (with `Levels::Auto`, at `-c`: the top is not known yet).
/// Cancellation ends the sweep after the run in progress.
pub async fn run(
    base: &RunConfig,
    entries: &[Entry],
    levels: &Levels,
    runs: NonZeroUsize,
    warmup: bool,
    cancel: &CancellationToken,
) -> Result<BenchReport, ScrapeError> {
    let bench = Bench {
        base,
        entries,
        runs,
        cancel,
    };
    let (mut measured, knee) = match levels {
        Levels::Fixed(levels) => {
            let mut levels: Vec<usize> = levels.iter().map(|l| l.get()).collect();
            if levels.is_empty() {
                levels = vec![1, base.concurrency.get()];
            }
            levels.sort_unstable();
            levels.dedup();
            if levels[0] != 1 {
                levels.insert(0, 1);
            }
            if warmup {
                bench.warm(*levels.last().unwrap_or(&1)).await?;
            }
            let mut measured = Vec::new();
            for level in levels {
                match bench.measure(level).await? {
                    Some(run) => measured.push(run),
                    None => break,
                }
            }
            (measured, None)
        }
        Levels::Auto => {
            if warmup {
                bench.warm(base.concurrency.get()).await?;
            }
            let mut finder = KneeFinder::new(entries.len());
            while let Some(level) = finder.next() {
                match bench.measure(level).await? {
                    Some(run) => finder.record(run),
                    None => break,
                }
            }
            let knee = finder.knee();
            (finder.runs().to_vec(), knee)
        }
    };
    let seq_ms = measured.first().map_or(0.0, |r| r.elapsed_ms);
    for r in &mut measured {
        r.speedup = ratio(seq_ms, r.elapsed_ms);
        r.efficiency = ratio(r.speedup, r.ideal_speedup);
    }
    // With a knee, the headline figures are the knee's: beyond it efficiency
    // falls by construction, which says nothing about the client.
    let top = match &knee {
        Some(k) => measured.iter().find(|r| r.concurrency == k.concurrency),
        None => measured.last(),
    }
    .cloned();
    let seq_p50 = measured.first().map_or(0.0, |r| r.latency_ms.p50);
    let limit = top.as_ref().and_then(|t| limiting_factor(t, seq_p50, base));
    Ok(BenchReport {
        schema_version: SCHEMA_VERSION,
        urls: entries.len() as u64,
        repetitions: runs.get(),
        speedup: top.as_ref().map_or(0.0, |t| t.speedup),
        ideal_speedup: top.as_ref().map_or(0.0, |t| t.ideal_speedup),
        efficiency: top.as_ref().map_or(0.0, |t| t.efficiency),
        runs: measured,
        limit,
        knee,
        machine: None,
        baseline: None,
    })
}

/// What every measurement shares.
struct Bench<'a> {
    base: &'a RunConfig,
    entries: &'a [Entry],
    runs: NonZeroUsize,
    cancel: &'a CancellationToken,
}

impl Bench<'_> {
    fn config_at(&self, level: usize) -> RunConfig {
        let base = self.base;
        let mut cfg = base.clone();
        cfg.sequential = level == 1;
        cfg.concurrency = NonZeroUsize::new(level).unwrap_or(NonZeroUsize::MIN);
        // An explicit --per-host below -c stays a cap at every level.
        cfg.per_host = if base.per_host < base.concurrency {
            base.per_host.min(cfg.concurrency)
        } else {
            cfg.concurrency
        };
        cfg.progress = false;
        cfg
    }

    async fn warm(&self, level: usize) -> Result<(), ScrapeError> {
        scrape(
            &self.config_at(level),
            Destination::Discard,
            entries_channel(self.entries.to_vec()),
            self.cancel.clone(),
        )
        .await
        .map(|_| ())
    }

    /// The median of `runs` repetitions at `level`; `None` if cancelled first.
    async fn measure(&self, level: usize) -> Result<Option<BenchRun>, ScrapeError> {
        let mut reps = Vec::new();
        for _ in 0..self.runs.get() {
            if self.cancel.is_cancelled() {
                break;
            }
            let cpu_before = cpu_time();
            let probe = LagProbe::start();
            let report = scrape(
                &self.config_at(level),
                Destination::Discard,
                entries_channel(self.entries.to_vec()),
                self.cancel.clone(),
            )
            .await;
            let lag = probe.stop().await;
            let cpu = cpu_time().saturating_sub(cpu_before);
            reps.push((report?.summary, cpu, lag));
        }
        if reps.is_empty() {
            return Ok(None);
        }
        reps.sort_by(|a, b| a.0.elapsed_ms.total_cmp(&b.0.elapsed_ms));
        let rates: Vec<f64> = reps.iter().map(|r| r.0.pages_per_sec).collect();
        let (summary, cpu, lag) = reps.swap_remove(reps.len() / 2);
        let mut run = bench_run(&summary, cpu, self.entries.len() as u64);
        run.reactor_lag_ms = lag;
        run.pages_per_sec_spread = spread(&rates, summary.pages_per_sec);
        Ok(Some(run))
    }
}

/// (max − min) / median, rounded to 0.1 %.
fn spread(values: &[f64], median: f64) -> f64 {
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    if values.len() < 2 || median <= 0.0 {
        return 0.0;
    }
    ((max - min) / median * 1000.0).round() / 1000.0
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
        pages_per_sec_spread: 0.0,
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
fn limiting_factor(top: &BenchRun, seq_p50: f64, base: &RunConfig) -> Option<String> {
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
    } else if seq_p50 > 0.0 && l.p50 > 1.5 * seq_p50 {
        // Each page took longer only because more were asked for at once:
        // they waited on the server's side (a worker pool, a queue).
        format!("server capacity: p50 rose from {seq_p50:.1} ms sequential to {:.1} ms at {}; the server queues what it cannot serve at once", l.p50, top.concurrency)
    } else if l.p50 > 0.0 && l.p99 > 2.0 * l.p50 {
        format!("server latency spread: p99 {:.1} ms vs p50 {:.1} ms, the slowest pages set the pace of each batch", l.p99, l.p50)
    } else {
        "per-request overhead: pages are so fast that scheduling and parsing dominate".to_owned()
    })
}

/// The human table: one row per level with a bar of its pages/s (so the
/// shape of the curve shows without a plot), then the knee and the limit.
pub fn table(r: &BenchReport) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{} urls", r.urls);
    let _ = writeln!(
        t,
        "{:>5} {:>10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>9}  pages/s",
        "level",
        "wall",
        "pages/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "cpu s",
        "speedup",
        "ideal",
        "efficiency",
    );
    let best = r.runs.iter().map(|x| x.pages_per_sec).fold(0.0, f64::max);
    for run in &r.runs {
        let knee = r
            .knee
            .as_ref()
            .is_some_and(|k| k.concurrency == run.concurrency);
        let _ = writeln!(
            t,
            "{:>5} {:>9.2}s {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>8.2} {:>7.2}x {:>6.0} {:>9.2}  {}{}",
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
            run.efficiency,
            bar(run.pages_per_sec, best, BAR_WIDTH),
            if knee { " ◀ knee" } else { "" }
        );
    }
    if let Some(k) = &r.knee {
        let _ = writeln!(t, "{}", knee_line(k));
    }
    if let Some(limit) = &r.limit {
        let _ = writeln!(t, "limited by {limit}");
    }
    t
}

/// Characters of the widest bar.
const BAR_WIDTH: usize = 16;

/// `value / max` of `width` cells, in eighths of a cell.
fn bar(value: f64, max: f64, width: usize) -> String {
    const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if max <= 0.0 || value <= 0.0 {
        return " ".repeat(width);
    }
    let eighths = ((value / max).min(1.0) * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        s.push(EIGHTHS[eighths % 8]);
    }
    let used = s.chars().count();
    s.push_str(&" ".repeat(width.saturating_sub(used)));
    s
}

/// "knee at 8 …": the level and the evidence that the curve flattened there.
pub fn knee_line(k: &Knee) -> String {
    let why = match k.reason {
        StopReason::ThroughputPlateau => "throughput stopped growing",
        StopReason::Errors => "errors rose",
        StopReason::Latency => "p90 latency rose",
        StopReason::ListSize => "the level reached the list size",
        StopReason::MaxLevel => "the level reached the sweep's limit",
    };
    format!(
        "knee at {} ({:.1} pages/s): the sweep stopped at {} because {why}; last doubling {:+.1} % pages/s (threshold {:.1} %), p90 ×{:.2}, errors {:.1} %",
        k.concurrency,
        k.pages_per_sec,
        k.stopped_at,
        k.last_gain * 100.0,
        k.gain_threshold * 100.0,
        k.p90_growth,
        k.error_rate * 100.0
    )
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
            pages_per_sec_spread: 0.0,
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
            schema_version: SCHEMA_VERSION,
            repetitions: 1,
            knee: None,
            machine: None,
            baseline: None,
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

    #[test]
    fn queueing_at_the_server_is_named() {
        let cfg = RunConfig::new(crate::input::InputSource::Stdin, NonZeroUsize::MIN);
        let run = BenchRun {
            concurrency: 16,
            efficiency: 0.5,
            elapsed_ms: 1000.0,
            latency_ms: Latency {
                p50: 205.0,
                p90: 208.0,
                p99: 210.0,
                max: 211.0,
            },
            ..BenchRun::default()
        };
        let limit = limiting_factor(&run, 103.0, &cfg).expect("low efficiency");
        assert!(
            limit.starts_with("server capacity: p50 rose from 103.0 ms"),
            "{limit}"
        );
        let limit = limiting_factor(&run, 200.0, &cfg).expect("low efficiency");
        assert!(limit.starts_with("per-request overhead"), "{limit}");
    }

    #[test]
    fn bars_scale_to_the_best_level() {
        assert_eq!(bar(100.0, 100.0, 4), "████");
        assert_eq!(bar(50.0, 100.0, 4), "██  ");
        assert_eq!(bar(1.0, 64.0, 8), "▏       ");
        assert_eq!(bar(0.0, 100.0, 3), "   ");
        assert_eq!(spread(&[90.0, 100.0, 110.0], 100.0), 0.2);
        assert_eq!(spread(&[90.0], 90.0), 0.0);
    }
}
