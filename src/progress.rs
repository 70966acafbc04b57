//! The progress line on stderr: pages done, a rounded rate and the elapsed
//! time; with a file input, once its URL lines are counted, a bar with the
//! total and an ETA.
//!
//! Only the pipeline's output thread advances it; the counting thread only
//! sets the total. The formatting is plain functions, tested below.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::input::read_entries;

const SPINNER: &str = "{spinner} {human_pos} pages  {rate}  {elapsed}";
const BAR: &str = "{bar:30} {human_pos}/{human_len} pages  {rate}  {elapsed} (eta {eta_short})";

/// A progress line drawn on stderr.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new() -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(style(SPINNER));
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar }
    }

    /// Counts the URL lines of `path` on a thread of its own (the same lines
    /// the reader turns into entries) and then shows a bar out of that total.
    /// The count reads the file a second time, ahead of the engine, and costs
    /// no memory; if it fails the spinner simply stays.
    pub fn count_lines_of(&self, path: PathBuf) {
        let bar = self.bar.clone();
        let spawned = std::thread::Builder::new()
            .name("scrape-count".into())
            .spawn(move || {
                let Ok(file) = std::fs::File::open(&path) else {
                    return;
                };
                let mut total = 0u64;
                let reader = std::io::BufReader::with_capacity(64 * 1024, file);
                let counted = read_entries(reader, |_| {
                    total += 1;
                    // Stop counting once the run is over and nobody looks.
                    !bar.is_finished()
                });
                if counted.is_ok() && !bar.is_finished() {
                    bar.set_length(total);
                    bar.set_style(style(BAR));
                }
            });
        if let Err(e) = spawned {
            tracing::debug!("no line count for the progress bar: {e}");
        }
    }

    pub fn inc(&self) {
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Default for Progress {
    fn default() -> Progress {
        Progress::new()
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate(s.per_sec()));
        })
        .with_key(
            "eta_short",
            |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&eta(s.eta()));
            },
        )
        .progress_chars("█▉▊▋▌▍▎▏ ")
}

/// Pages per second as a person reads it: whole numbers from 10 up, one
/// decimal below (`350/s`, `2.5/s`), never four decimals.
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "0/s".to_owned()
    } else if per_sec >= 9.95 {
        format!("{}/s", per_sec.round() as u64)
    } else {
        format!("{per_sec:.1}/s")
    }
}

/// Time left, to the second: `45s`, `3m05s`, `1h02m`.
pub fn eta(left: Duration) -> String {
    let secs = left.as_secs_f64().round() as u64;
    let mut t = String::new();
    let _ = match secs {
        0..=59 => write!(t, "{secs}s"),
        60..=3599 => write!(t, "{}m{:02}s", secs / 60, secs % 60),
        _ => write!(t, "{}h{:02}m", secs / 3600, secs % 3600 / 60),
    };
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_rounded_for_reading() {
        assert_eq!(rate(349.6739), "350/s");
        assert_eq!(rate(12.4), "12/s");
        assert_eq!(rate(9.96), "10/s");
        assert_eq!(rate(2.54), "2.5/s");
        assert_eq!(rate(0.04), "0.0/s");
        assert_eq!(rate(0.0), "0/s");
        assert_eq!(rate(f64::INFINITY), "0/s");
    }

    #[test]
    fn etas_read_in_seconds_minutes_or_hours() {
        assert_eq!(eta(Duration::from_millis(400)), "0s");
        assert_eq!(eta(Duration::from_secs(45)), "45s");
        assert_eq!(eta(Duration::from_secs(185)), "3m05s");
        assert_eq!(eta(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn both_templates_parse() {
        for t in [SPINNER, BAR] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }
}
