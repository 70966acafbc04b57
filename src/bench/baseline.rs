//! Saved bench results and what is judged against them: `--save NAME` writes
//! the bench JSON under a results directory, `--baseline NAME` compares each
//! level's pages/s with it, and the CI gate (`--min-efficiency`,
//! `--max-regression`) turns a miss into failure messages.
//!
//! Noise: a change counts only beyond the run-to-run spread `--runs` measured
//! (the larger of the two results' spread at that level, at least
//! [`NOISE_FLOOR`]); when neither side repeated its runs the noise is unknown
//! and [`UNKNOWN_NOISE`] stands in for it.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::BenchReport;

/// Where `--save`/`--baseline` keep results unless `--results-dir` says otherwise.
pub const DEFAULT_DIR: &str = ".scrape/bench";
/// Smallest noise band: timer and scheduling jitter of a repeated run.
pub const NOISE_FLOOR: f64 = 0.02;
/// Noise band when no side measured its spread (`--runs 1`): about the
/// spread of single demo-shop runs on a busy 2-core machine.
pub const UNKNOWN_NOISE: f64 = 0.10;

/// Saving or loading a result failed.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(
        "invalid result name \"{0}\": use letters, digits, '.', '-' and '_' (not leading '.')"
    )]
    Name(String),
    #[error("cannot write bench result \"{}\": {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read baseline \"{}\": {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("baseline \"{}\" is not a bench result: {source}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// `dir/NAME.json`; the name may not climb out of `dir`.
pub fn result_path(dir: &Path, name: &str) -> Result<PathBuf, BaselineError> {
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !valid {
        return Err(BaselineError::Name(name.to_owned()));
    }
    Ok(dir.join(format!("{name}.json")))
}

/// Writes `report` (without its comparison) as `dir/NAME.json`, creating
/// `dir`; the file is replaced whole or not at all.
pub async fn save(dir: &Path, name: &str, report: &BenchReport) -> Result<PathBuf, BaselineError> {
    let path = result_path(dir, name)?;
    let write_err = |source| BaselineError::Write {
        path: path.clone(),
        source,
    };
    let mut saved = report.clone();
    saved.baseline = None;
    let mut text = serde_json::to_string_pretty(&saved)
        .map_err(io::Error::other)
        .map_err(write_err)?;
    text.push('\n');
    tokio::fs::create_dir_all(dir).await.map_err(write_err)?;
    let temp = dir.join(format!(".{name}.json.tmp"));
    tokio::fs::write(&temp, text).await.map_err(write_err)?;
    tokio::fs::rename(&temp, &path).await.map_err(write_err)?;
    Ok(path)
}

/// Reads `dir/NAME.json`.
pub async fn load(dir: &Path, name: &str) -> Result<BenchReport, BaselineError> {
    let path = result_path(dir, name)?;
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|source| BaselineError::Read {
            path: path.clone(),
            source,
        })?;
    serde_json::from_str(&text).map_err(|source| BaselineError::Parse { path, source })
}

/// How one level moved against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Faster,
    Slower,
    WithinNoise,
}

/// One level present in both results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelChange {
    pub concurrency: usize,
    pub baseline_pages_per_sec: f64,
    pub pages_per_sec: f64,
    /// pages/s now over pages/s then, minus one (−0.12 = 12 % slower).
    pub change: f64,
    /// The noise band the change was judged against (a fraction).
    pub noise: f64,
    pub verdict: Verdict,
}

/// The bench JSON's `baseline`: this run against a saved one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub name: String,
    /// Both measured the same URL list (same fingerprint).
    pub same_list: bool,
    /// Same cores, CPU model and kernel.
    pub same_machine: bool,
    pub levels: Vec<LevelChange>,
}

/// Compares the levels both results measured.
pub fn compare(name: &str, baseline: &BenchReport, current: &BenchReport) -> Comparison {
    let repeated = baseline.repetitions > 1 || current.repetitions > 1;
    let levels = current
        .runs
        .iter()
        .filter_map(|now| {
            let then = baseline
                .runs
                .iter()
                .find(|r| r.concurrency == now.concurrency)?;
            let change = if then.pages_per_sec > 0.0 {
                now.pages_per_sec / then.pages_per_sec - 1.0
            } else {
                0.0
            };
            let noise = if repeated {
                NOISE_FLOOR
                    .max(then.pages_per_sec_spread)
                    .max(now.pages_per_sec_spread)
            } else {
                UNKNOWN_NOISE
            };
            let verdict = if change > noise {
                Verdict::Faster
            } else if change < -noise {
                Verdict::Slower
            } else {
                Verdict::WithinNoise
            };
            Some(LevelChange {
                concurrency: now.concurrency,
                baseline_pages_per_sec: then.pages_per_sec,
                pages_per_sec: now.pages_per_sec,
                change: round4(change),
                noise: round4(noise),
                verdict,
            })
        })
        .collect();
    let (then, now) = (baseline.machine.as_ref(), current.machine.as_ref());
    Comparison {
        name: name.to_owned(),
        same_list: matches!((then, now), (Some(a), Some(b)) if a.list_fingerprint == b.list_fingerprint),
        same_machine: matches!((then, now), (Some(a), Some(b))
            if (a.cores, &a.cpu_model, &a.kernel) == (b.cores, &b.cpu_model, &b.kernel)),
        levels,
    }
}

/// The comparison as lines under the bench table.
pub fn comparison_table(c: &Comparison) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "against baseline \"{}\":", c.name);
    if !c.same_list {
        let _ = writeln!(t, "  note: the baseline measured a different url list");
    }
    if !c.same_machine {
        let _ = writeln!(
            t,
            "  note: the baseline ran on another machine (cores, cpu or kernel differ)"
        );
    }
    if c.levels.is_empty() {
        let _ = writeln!(t, "  no level in common");
    }
    for l in &c.levels {
        let mark = match l.verdict {
            Verdict::Faster => "faster",
            Verdict::Slower => "SLOWER",
            Verdict::WithinNoise => "within noise",
        };
        let _ = writeln!(
            t,
            "{:>7} {:>9.1} → {:>9.1} pages/s {:>+7.1} % (noise ±{:.1} %) {mark}",
            level_name(l.concurrency),
            l.baseline_pages_per_sec,
            l.pages_per_sec,
            l.change * 100.0,
            l.noise * 100.0
        );
    }
    t
}

/// What the CI gate demands.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Gate {
    /// Every concurrent level (up to the knee, when there is one) reaches this efficiency.
    pub min_efficiency: Option<f64>,
    /// No level is more than this many percent slower than the baseline.
    pub max_regression_pct: Option<f64>,
}

/// One message per missed demand, naming the level; empty when the gate passes.
pub fn check(gate: &Gate, report: &BenchReport) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(min) = gate.min_efficiency {
        let knee = report.knee.as_ref().map(|k| k.concurrency);
        for r in &report.runs {
            let judged = r.concurrency > 1 && knee.is_none_or(|k| r.concurrency <= k);
            if judged && r.efficiency < min {
                failures.push(format!(
                    "level {}: efficiency {:.2} is below --min-efficiency {min:.2}",
                    r.concurrency, r.efficiency
                ));
            }
        }
    }
    if let (Some(max), Some(c)) = (gate.max_regression_pct, &report.baseline) {
        for l in &c.levels {
            if -l.change * 100.0 > max {
                failures.push(format!(
                    "level {}: {:.1} pages/s is {:.1} % slower than baseline \"{}\" ({:.1}), beyond --max-regression {max} %",
                    level_name(l.concurrency),
                    l.pages_per_sec,
                    -l.change * 100.0,
                    c.name,
                    l.baseline_pages_per_sec
                ));
            }
        }
    }
    failures
}

fn level_name(level: usize) -> String {
    if level == 1 {
        "seq".to_owned()
    } else {
        level.to_string()
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::BenchRun;

    fn report(rates: &[(usize, f64, f64)], repetitions: usize) -> BenchReport {
        BenchReport {
            schema_version: 1,
            urls: 100,
            repetitions,
            runs: rates
                .iter()
                .map(|&(c, pps, spread)| BenchRun {
                    concurrency: c,
                    pages_per_sec: pps,
                    pages_per_sec_spread: spread,
                    ideal_speedup: c as f64,
                    efficiency: pps / rates[0].1 / c as f64,
                    ..BenchRun::default()
                })
                .collect(),
            speedup: 0.0,
            ideal_speedup: 0.0,
            efficiency: 0.0,
            limit: None,
            knee: None,
            machine: None,
            baseline: None,
        }
    }

    #[test]
    fn changes_count_only_beyond_the_measured_noise() {
        let then = report(&[(1, 10.0, 0.01), (8, 80.0, 0.05), (16, 100.0, 0.01)], 3);
        let now = report(&[(1, 10.1, 0.01), (8, 77.0, 0.01), (16, 80.0, 0.01)], 3);
        let c = compare("main", &then, &now);
        let verdicts: Vec<_> = c
            .levels
            .iter()
            .map(|l| (l.concurrency, l.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                (1, Verdict::WithinNoise),
                (8, Verdict::WithinNoise),
                (16, Verdict::Slower)
            ]
        );
        assert_eq!((c.levels[1].change, c.levels[1].noise), (-0.0375, 0.05));
        // Single runs on both sides: the unknown-noise band.
        let c = compare(
            "main",
            &report(&[(1, 10.0, 0.0)], 1),
            &report(&[(1, 10.9, 0.0)], 1),
        );
        assert_eq!(
            (c.levels[0].noise, c.levels[0].verdict),
            (UNKNOWN_NOISE, Verdict::WithinNoise)
        );
        assert!(comparison_table(&c).contains("within noise"));
    }

    #[test]
    fn gate_names_the_failing_level() {
        let mut now = report(&[(1, 10.0, 0.0), (4, 38.0, 0.0), (16, 80.0, 0.0)], 1);
        let gate = Gate {
            min_efficiency: Some(0.8),
            max_regression_pct: Some(10.0),
        };
        assert_eq!(
            check(&gate, &now),
            ["level 16: efficiency 0.50 is below --min-efficiency 0.80"]
        );
        now.baseline = Some(compare(
            "main",
            &report(&[(1, 10.0, 0.0), (4, 50.0, 0.0)], 1),
            &now,
        ));
        let failures = check(&gate, &now);
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[1]
            .starts_with("level 4: 38.0 pages/s is 24.0 % slower than baseline \"main\""));
        assert!(check(&Gate::default(), &now).is_empty());
    }

    #[test]
    fn names_stay_inside_the_results_dir() {
        let dir = Path::new("/r");
        assert_eq!(
            result_path(dir, "main-1.2_x").ok(),
            Some(PathBuf::from("/r/main-1.2_x.json"))
        );
        for bad in ["", "../x", "a/b", ".hidden", "a b"] {
            assert!(result_path(dir, bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn saved_results_load_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut r = report(&[(1, 10.0, 0.0)], 1);
        r.baseline = Some(compare("x", &r, &r));
        let path = save(dir.path(), "main", &r).await.expect("save");
        assert!(path.ends_with("main.json"));
        let back = load(dir.path(), "main").await.expect("load");
        assert_eq!(back.runs, r.runs);
        assert_eq!(back.baseline, None, "a saved result stands alone");
        assert!(matches!(
            load(dir.path(), "other").await,
            Err(BaselineError::Read { .. })
        ));
    }
}
