//! Runs the command the user asked for: a scrape, `bench`, `demo` or `extract`,
//! and owns the one function that turns how it went into an exit code.
//!
//! Human-facing text (tables, reports) is produced here and returned or
//! printed on the stream DESIGN.md assigns: data on stdout, the rest on stderr.
//!
//! A URL that fails is data (a record with an [`crate::record::ErrorKind`]); a
//! run that fails is a [`RunError`] and stops everything. Keep the two apart.

use std::io::{self, IsTerminal, Read, Write};
use std::num::NonZeroUsize;
use std::time::Duration;

use reqwest::Url;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::bench::baseline::{self, BaselineError, Gate};
use crate::bench::plot::{self, PlotError};
use crate::bench::{self, Levels, Machine};
use crate::cli::{
    extract_options, BenchArgs, Cli, Command, DemoArgs, ExtractArgs, LogArgs, UsageError,
};
use crate::demo::{CapacityMode, Shop, ShopConfig};
use crate::extract::{extract, Candidate};
use crate::fetch::decode_html;
use crate::input::{self, Entry, InputError, InputSource};
use crate::output::{summary_table, Destination, Format, OutputError};
use crate::pipeline::{entries_channel, scrape, scrape_recorded, Outcome, RunConfig, ScrapeError};
use crate::price::parse_price_hinted;
use crate::record::{FoundPrice, Record};
use crate::store::{self, StoreError};

mod cluster;

/// A failure that stops the whole run (as opposed to one URL failing): each
/// stage's own error, passed through with its message.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    Scrape(#[from] ScrapeError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error("cannot start demo shop: {0}")]
    Demo(#[source] std::io::Error),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// Exit code for a run: 0 all fetched, 1 some record failed (or, with `strict`,
/// had no price), 2 the run itself failed (usage, unreadable input), 130 interrupted.
pub fn exit_code(result: &Result<Outcome, RunError>, strict: bool) -> i32 {
    match result {
        Err(_) => 2,
        Ok(o) if o.stdout_closed => 0,
        Ok(o) if o.interrupted => 130,
        Ok(o) if o.failed > 0 || o.gate_failed || (strict && o.unpriced > 0) => 1,
        Ok(_) => 0,
    }
}

/// Runs the parsed command line. `strict` in the result tells the caller how
/// to read the outcome.
pub async fn run(cli: Cli, cancel: CancellationToken) -> Result<Outcome, RunError> {
    let stdin_tty = io::stdin().is_terminal();
    match cli.command {
        None => {
            let cfg = cli.scrape.to_config(&cli.log, stdin_tty)?;
            warn_insecure(&cfg);
            run_scrape(&cfg, cancel).await
        }
        Some(Command::Bench(args)) => run_bench(&args, &cli.log, stdin_tty, cancel).await,
        Some(Command::Demo(args)) => run_demo(&args, &cli.log, cancel).await,
        Some(Command::Extract(args)) => run_extract(&args),
        Some(Command::Changes(a)) => {
            print_stdout(&store::changes_report(&a.db, a.since.as_deref(), a.format)?)?;
            Ok(Outcome::default())
        }
        Some(Command::History(a)) => {
            print_stdout(&store::history_report(&a.db, &a.url, a.format)?)?;
            Ok(Outcome::default())
        }
        Some(Command::Enqueue(a)) => cluster::enqueue(&a, &cli.log, &cancel).await,
        Some(Command::Worker(a)) => cluster::worker(&a, &cli.log, cancel).await,
        Some(Command::Collect(a)) => cluster::collect(&a, &cli.log).await,
        Some(Command::Status(a)) => cluster::status(&a).await,
    }
}

/// Whether the command line asked for `--strict`.
pub fn strict(cli: &Cli) -> bool {
    match &cli.command {
        None => cli.scrape.strict,
        Some(Command::Bench(b)) => b.scrape.strict,
        _ => false,
    }
}

/// `--insecure` is easy to leave in a script; say so on every run (even
/// with `-q`: it is about the trust in the results, not progress).
fn warn_insecure(cfg: &RunConfig) {
    if cfg.fetch.net.insecure {
        eprintln!("warning: --insecure: server certificates are not checked");
    }
}

async fn run_scrape(cfg: &RunConfig, cancel: CancellationToken) -> Result<Outcome, RunError> {
    let entries = input::spawn_reader(&cfg.input, 1024)?;
    let recorder =
        store::start_recording(cfg.db.clone(), &cfg.input, &cfg.store_options(), cfg.resume)
            .await?;
    let dest = match &cfg.output {
        Some(path) => Destination::File(path.clone()),
        None => Destination::Stdout,
    };
    let report = scrape_recorded(cfg, dest, entries, cancel, recorder).await?;
    if !cfg.quiet && !report.outcome.stdout_closed {
        eprint!("{}", summary_table(&report.summary));
    }
    if let (Some(auto), false) = (&report.summary.auto_concurrency, cfg.quiet) {
        eprintln!(
            "concurrency auto: settled at {} (peak {}, cap {}): {}",
            auto.settled, auto.peak, auto.max, auto.reason
        );
    }
    Ok(report.outcome)
}

async fn run_bench(
    args: &BenchArgs,
    log: &LogArgs,
    stdin_tty: bool,
    cancel: CancellationToken,
) -> Result<Outcome, RunError> {
    let mut cfg = args.scrape.to_config(log, stdin_tty)?;
    warn_insecure(&cfg);
    if cfg.auto {
        return Err(UsageError::Invalid(
            "bench sweeps fixed levels: give -c N or --levels, not -c auto".into(),
        )
        .into());
    }
    if args.scrape.per_host.is_none() {
        // A benchmark measures concurrency, so each level is also its
        // per-host cap unless --per-host says otherwise (README: politeness).
        cfg.per_host = cfg.concurrency;
    }
    if cfg.db.is_some() {
        return Err(UsageError::Invalid("bench does not store records: drop --db".into()).into());
    }
    // A benchmark replays the list several times, so it is read into memory
    // once (bench lists are hundreds or thousands of lines, not millions).
    let mut rx = input::spawn_reader(&cfg.input, 1024)?;
    let mut entries = Vec::new();
    while let Some(e) = rx.recv().await {
        entries.push(e?);
    }
    let levels = args.levels.clone().unwrap_or(Levels::Fixed(Vec::new()));
    // Read the baseline first: a wrong name should not cost a whole sweep.
    let saved = match &args.baseline {
        Some(name) => Some((name, baseline::load(&args.results_dir, name).await?)),
        None => None,
    };
    let mut report = bench::run(&cfg, &entries, &levels, args.runs, args.warmup, &cancel).await?;
    report.machine = Some(Machine::probe(&entries).await);
    if let Some((name, then)) = &saved {
        report.baseline = Some(baseline::compare(name, then, &report));
    }
    let mut text = match args.scrape.format {
        Some(Format::Json) => json_line(&report),
        _ => bench::table(&report),
    };
    if let (Some(c), false) = (
        &report.baseline,
        matches!(args.scrape.format, Some(Format::Json)),
    ) {
        text.push_str(&baseline::comparison_table(c));
    }
    print_stdout(&text)?;
    if let Some(path) = &args.plot {
        plot::write(path, &report).await?;
    }
    if let Some(name) = &args.save {
        let path = baseline::save(&args.results_dir, name, &report).await?;
        if !log.quiet {
            eprintln!("saved bench result \"{name}\" as {}", path.display());
        }
    }
    let gate = Gate {
        min_efficiency: args.min_efficiency,
        max_regression_pct: args.max_regression,
    };
    let missed = baseline::check(&gate, &report);
    for m in &missed {
        eprintln!("scrape: bench gate failed: {m}");
    }
    let failed = report.runs.iter().map(|r| r.failed).sum();
    Ok(Outcome {
        failed,
        interrupted: cancel.is_cancelled(),
        gate_failed: !missed.is_empty(),
        ..Outcome::default()
    })
}

async fn run_demo(
    args: &DemoArgs,
    log: &LogArgs,
    cancel: CancellationToken,
) -> Result<Outcome, RunError> {
    // Latency spread of ±50% around the chosen value: real shops are uneven.
    let latency = Duration::from_millis(args.latency);
    let shop = Shop::start(ShopConfig {
        latency: latency / 2,
        jitter: latency,
        listeners: 1,
        capacity: args.capacity.map(NonZeroUsize::get),
        capacity_mode: if args.reject_over_capacity {
            CapacityMode::Reject
        } else {
            CapacityMode::Queue
        },
        ..ShopConfig::default()
    })
    .await
    .map_err(RunError::Demo)?;
    let pages = args.pages.get() as u64;
    let entries: Vec<Entry> = (1..=pages)
        .map(|n| {
            let raw = shop.product_url(n);
            Entry {
                index: n - 1,
                target: input::parse_url(&raw),
                raw,
            }
        })
        .collect();
    // Built directly: the defaults of a plain `scrape -c N` run, no progress bar.
    let mut cfg = RunConfig {
        format: Format::Jsonl,
        quiet: log.quiet,
        ..RunConfig::new(InputSource::Stdin, args.concurrency)
    };
    let mut out = String::new();
    out.push_str(&format!(
        "demo shop on {} serving {pages} product pages, {}–{} ms latency each{}\n\n",
        shop.base_url(),
        args.latency / 2,
        args.latency * 3 / 2,
        match args.capacity {
            Some(n) => format!(", at most {n} at once"),
            None => String::new(),
        }
    ));
    print_stdout(&out)?;
    let levels = Levels::Fixed(vec![NonZeroUsize::MIN, args.concurrency]);
    let report = bench::run(&cfg, &entries, &levels, NonZeroUsize::MIN, false, &cancel).await?;
    print_stdout(&bench::table(&report))?;
    if let Some(path) = &args.plot {
        plot::write(path, &report).await?;
    }

    // One more concurrent run, keeping the records this time, to show the
    // prices and check them against what the shop knows it served.
    let dir = tempfile::tempdir().map_err(RunError::Demo)?;
    let path = dir.path().join("demo.jsonl");
    cfg.output = Some(path.clone());
    let run = scrape(
        &cfg,
        Destination::File(path.clone()),
        entries_channel(entries),
        cancel.clone(),
    )
    .await?;
    let text = std::fs::read_to_string(&path).map_err(RunError::Demo)?;
    let records: Vec<Record> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let (correct, total) = check_against_shop(&records, &shop);
    let mut out = String::from("\nprices found by the concurrent run:\n");
    out.push_str(&summary_table(&run.summary));
    out.push_str(&format!(
        "{correct} of {total} pages priced exactly as the shop served them (price, currency; no price where there is none)\n"
    ));
    print_stdout(&out)?;
    Ok(run.outcome)
}

/// Counts records whose price matches the page the shop generated.
fn check_against_shop(records: &[Record], shop: &Shop) -> (usize, usize) {
    let epoch = 0;
    let correct = records
        .iter()
        .filter(|r| {
            let n = r.index + 1;
            let expected = crate::demo::product_page(n, epoch).expected;
            let got = r.price.as_ref().map(|p| (p.amount, p.currency.as_deref()));
            r.ok && got == expected.as_ref().map(|e| (e.amount, Some(e.currency)))
        })
        .count();
    let _ = shop;
    (correct, records.len())
}

fn run_extract(args: &ExtractArgs) -> Result<Outcome, RunError> {
    let opts = extract_options(
        args.selector.as_deref(),
        &args.default_currency,
        args.explain,
    )?;
    if let Some(text) = &args.text {
        let parsed = parse_price_hinted(text, None, None);
        let default = opts.default_currency.as_deref();
        let value = parsed.amount.map(|amount| TextPrice {
            amount,
            currency: parsed.currency.and_then(|c| c.resolve(None, default)),
            text: text.trim().to_owned(),
        });
        print_stdout(&json_line(&value))?;
        return Ok(Outcome::default());
    }
    let url = Url::parse(&args.url)
        .map_err(|e| UsageError::Invalid(format!("invalid --url \"{}\": {e}", args.url)))?;
    let bytes = match &args.file {
        Some(p) if p.as_os_str() != "-" => std::fs::read(p).map_err(|source| InputError::Read {
            path: p.clone(),
            source,
        })?,
        _ => {
            let mut buf = Vec::new();
            io::stdin()
                .read_to_end(&mut buf)
                .map_err(InputError::Stdin)?;
            buf
        }
    };
    let (html, _, _) = decode_html(&bytes, None);
    let found = extract(&html, &url, &opts);
    let text = if args.explain {
        json_line(&Explained {
            price: found.price,
            title: found.title,
            candidates: found.candidates,
        })
    } else {
        json_line(&found.price)
    };
    print_stdout(&text)?;
    Ok(Outcome::default())
}

#[derive(Serialize)]
struct TextPrice {
    amount: rust_decimal::Decimal,
    currency: Option<&'static str>,
    text: String,
}

#[derive(Serialize)]
struct Explained {
    price: Option<FoundPrice>,
    title: Option<String>,
    candidates: Vec<Candidate>,
}

fn json_line<T: Serialize>(value: &T) -> String {
    // Serialising our own plain structs cannot fail.
    let mut s = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

fn print_stdout(text: &str) -> Result<(), RunError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(OutputError::Stdout(e).into()),
        _ => Ok(()),
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
            gate_failed: false,
        })
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(exit_code(&ok(0, 0, false), false), 0);
        assert_eq!(exit_code(&ok(0, 3, false), false), 0);
        assert_eq!(exit_code(&ok(0, 3, false), true), 1);
        assert_eq!(exit_code(&ok(1, 0, false), false), 1);
        assert_eq!(exit_code(&ok(1, 0, true), false), 130);
        let gate = Outcome {
            gate_failed: true,
            ..Outcome::default()
        };
        assert_eq!(exit_code(&Ok(gate), false), 1, "a missed bench gate");
        assert_eq!(exit_code(&ok(0, 0, true), true), 130);
        assert_eq!(exit_code(&Err(UsageError::NoInput.into()), false), 2);
        let closed = Outcome {
            failed: 3,
            interrupted: true,
            stdout_closed: true,
            ..Outcome::default()
        };
        assert_eq!(exit_code(&Ok(closed), true), 0, "| head is not an error");
        assert_eq!(
            exit_code(&Err(RunError::Demo(io::Error::other("x"))), true),
            2
        );
    }
}
