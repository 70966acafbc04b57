//! The human summary of a run, printed on stderr (never on stdout, which
//! carries only records).

use crate::aggregate::Summary;

/// The human summary printed on stderr.
pub fn summary_table(s: &Summary) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} run (concurrency {}): {} urls, {} ok, {} failed, {} priced in {:.1} s ({:.1} pages/s)",
        s.mode,
        s.concurrency,
        s.urls,
        s.ok,
        s.failed,
        s.priced,
        s.elapsed_ms / 1000.0,
        s.pages_per_sec
    );
    let l = &s.latency_ms;
    let _ = writeln!(
        t,
        "latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}{}",
        l.p50,
        l.p90,
        l.p99,
        l.max,
        if s.retries > 0 {
            format!("  ({} retries)", s.retries)
        } else {
            String::new()
        }
    );
    if s.interrupted {
        let _ = writeln!(
            t,
            "interrupted after {} line{} read: later lines have no record (--resume with --db continues there)",
            s.lines_read,
            if s.lines_read == 1 { "" } else { "s" }
        );
    }
    if !s.errors.is_empty() {
        let errs: Vec<String> = s.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(t, "errors: {}", errs.join(", "));
    }
    if let Some(changes) = &s.changes {
        t.push_str(&changes.line());
    }
    hosts_lines(&mut t, s);
    if !s.prices.is_empty() {
        let _ = writeln!(
            t,
            "{:<8} {:>7} {:>12} {:>12} {:>12} {:>12}",
            "currency", "count", "min", "median", "mean", "max"
        );
        for (cur, p) in &s.prices {
            let _ = writeln!(
                t,
                "{:<8} {:>7} {:>12} {:>12} {:>12} {:>12}",
                cur,
                p.count,
                p.min.to_string(),
                p.median.to_string(),
                p.mean.round_dp(2).to_string(),
                p.max.to_string()
            );
        }
    }
    t
}

/// One line per listed host, then the rest summed.
fn hosts_lines(t: &mut String, s: &Summary) {
    use std::fmt::Write as _;
    if s.hosts.is_empty() {
        return;
    }
    let width = s.hosts.iter().map(|h| h.host.len()).max().unwrap_or(0);
    let _ = writeln!(t, "hosts (most requests first):");
    for h in &s.hosts {
        let _ = writeln!(
            t,
            "  {:<width$}  {:>6} requests  {:>5} errors  paused {:>6.1} s  paced by {}",
            h.host,
            h.requests,
            h.errors,
            h.paused_ms / 1000.0,
            h.paced_by
        );
    }
    if let Some(o) = &s.other_hosts {
        let _ = writeln!(
            t,
            "  and {} more hosts: {} requests, {} errors, paused {:.1} s",
            o.hosts,
            o.requests,
            o.errors,
            o.paused_ms / 1000.0
        );
    }
}
