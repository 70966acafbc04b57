//! Command-line arguments (clap derive) and their mapping onto each stage's
//! own config ([`RunConfig`], [`FetchConfig`], [`InputSource`], [`Format`],
//! [`ParseOn`]), as ripgrep's `hiargs.rs` builds each library's settings.
//!
//! Raw strings stop here: sizes, durations, levels and URLs are parsed once, and
//! everything after this module works with typed values. No stage imports this
//! module; `demo` and `bench` build the stage configs directly.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

use clap::builder::PossibleValue;

use crate::bench::Levels;
use crate::engine::ParseOn;
use crate::extract::ExtractOptions;
use crate::fetch::{default_user_agent, FetchConfig, NetOptions};
use crate::input::InputSource;
use crate::output::Format;
use crate::pipeline::RunConfig;

mod cluster;
mod net;
pub use cluster::{CollectArgs, EnqueueArgs, JobArgs, StatusArgs, WorkerArgs};
pub use net::NetArgs;

/// `--per-host`'s default: a polite cap on one host whatever `-c` says
/// (Scrapy's per-domain default is the same 8). Many hosts still get `-c`
/// requests in flight between them; one host gets at most 8.
pub const DEFAULT_PER_HOST: NonZeroUsize = match NonZeroUsize::new(8) {
    Some(n) => n,
    None => NonZeroUsize::MIN,
};

/// Flags that parse but make no sense together or name nothing valid: the
/// run never starts (exit 2). clap reports the rest itself.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("no url list: pass FILE, or pipe urls on stdin")]
    NoInput,
    #[error("{0}")]
    Invalid(String),
}

/// Fetch product pages concurrently, extract prices, write JSON.
#[derive(Debug, Parser)]
#[command(
    name = "scrape",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub scrape: ScrapeArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the same URLs sequentially and at each concurrency level; report the speedup.
    // Boxed: its many flags would make every `Command` as large as itself.
    Bench(Box<BenchArgs>),
    /// Start the built-in demo shop on 127.0.0.1 and scrape it: offline, nothing to set up.
    Demo(DemoArgs),
    /// Extract the price from a saved HTML page, or parse one price string.
    Extract(ExtractArgs),
    /// List price changes recorded by `scrape --db` runs.
    Changes(ChangesArgs),
    /// Print one URL's price series recorded by `scrape --db` runs.
    History(HistoryArgs),
    /// Stream a URL list into a Redis job, for `scrape worker`s to share.
    Enqueue(EnqueueArgs),
    /// Scrape a Redis job's URLs as one of its workers (fetch flags as for a run).
    Worker(WorkerArgs),
    /// Write a finished Redis job's records, in input order.
    Collect(CollectArgs),
    /// Show where a Redis job stands: enqueued, pending per worker, done, rate.
    Status(StatusArgs),
}

/// Logging flags, shared by every subcommand.
#[derive(Debug, Clone, ClapArgs)]
pub struct LogArgs {
    /// Only errors on stderr; no summary table.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More logs on stderr (-v info, -vv debug, -vvv trace). RUST_LOG also works.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

// clap's names for the stage enums: the stages stay free of clap.
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Json, Format::Jsonl, Format::Csv]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }))
    }
}

impl ValueEnum for ParseOn {
    fn value_variants<'a>() -> &'a [Self] {
        &[ParseOn::Inline, ParseOn::Blocking]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            ParseOn::Inline => "inline",
            ParseOn::Blocking => "blocking",
        }))
    }
}

/// The flags of a scrape run (also used by `bench`).
#[derive(Debug, Clone, ClapArgs)]
pub struct ScrapeArgs {
    /// URL list, one per line; '-' or no FILE with piped stdin reads stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Max requests in flight overall, or 'auto': find the level where the
    /// server starts to queue, up to --max-concurrency (README "Concurrency auto").
    #[arg(short, long, value_name = "N|auto", default_value = "20", value_parser = parse_concurrency)]
    pub concurrency: Concurrency,
    /// The cap of --concurrency auto.
    #[arg(long, value_name = "N", default_value = "64")]
    pub max_concurrency: NonZeroUsize,
    /// Max requests in flight per host [default: 8, or -c if lower].
    #[arg(long, value_name = "N")]
    pub per_host: Option<NonZeroUsize>,
    /// Do not fetch or obey robots.txt (only for sites you may crawl anyway).
    #[arg(long)]
    pub ignore_robots: bool,
    /// Least time between two request starts to one host, in seconds.
    #[arg(long, value_name = "SECS", default_value = "0", value_parser = parse_secs)]
    pub delay: Duration,
    /// Most request starts per second to one host, e.g. 2 or 0.5 or 2/s.
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Longest a host is paused for a Retry-After, a burst of connect errors
    /// or a robots.txt Crawl-delay, in seconds.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    pub max_host_wait: Duration,
    /// One request at a time, through the same pipeline (for timing).
    #[arg(long)]
    pub sequential: bool,
    /// Whole-request deadline, body included, in seconds (fractions ok).
    #[arg(short, long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pub timeout: Duration,
    /// Connect timeout in seconds.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_secs)]
    pub connect_timeout: Duration,
    /// Extra attempts on transient failures (connect errors, timeouts, 429, 502, 503, 504).
    #[arg(long, value_name = "N", default_value = "2")]
    pub retries: u32,
    /// Cap on the decoded body size, e.g. 10MiB, 500KB, 2000000.
    #[arg(long, value_name = "SIZE", default_value = "10MiB", value_parser = parse_size)]
    pub max_body: u64,
    /// Output format on stdout (or in -o FILE) [default: json; bench: a table].
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write records to FILE (atomically: complete or not at all) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSS selector for the price element, tried before the heuristics.
    #[arg(long, value_name = "CSS")]
    pub selector: Option<String>,
    /// Currency for bare '$' etc. when the page says nothing.
    #[arg(long, value_name = "ISO", default_value = "USD")]
    pub default_currency: String,
    /// User-Agent header.
    #[arg(short = 'A', long, value_name = "UA")]
    pub user_agent: Option<String>,
    /// Never show the progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
    /// Also count records without a price as failures (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Where HTML is parsed: on parsing threads, one per core (default), or on the async
    /// workers. Kept for measuring reactor lag; see README "Benchmarks".
    #[arg(
        long,
        value_enum,
        value_name = "WHERE",
        default_value = "blocking",
        hide = true
    )]
    pub parse_on: ParseOn,
    /// Store every record in this SQLite database (price history; see README).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Continue the latest unfinished --db run over the same list: fetch only
    /// the lines it has no record for.
    #[arg(long, requires = "db")]
    pub resume: bool,
    #[command(flatten)]
    pub net: NetArgs,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct BenchArgs {
    #[command(flatten)]
    pub scrape: ScrapeArgs,
    /// Concurrency levels to sweep, e.g. 1,5,10,20,50, or `auto`: double
    /// from 1 until throughput stops growing, then find the knee [default: 1 and -c].
    #[arg(long, value_name = "LIST|auto", value_parser = parse_levels)]
    pub levels: Option<Levels>,
    /// Repetitions per level; the median is reported.
    #[arg(long, value_name = "N", default_value = "1")]
    pub runs: NonZeroUsize,
    /// Run the list once, untimed, before measuring (warms connections and caches).
    #[arg(long)]
    pub warmup: bool,
    /// Also draw the results as an SVG chart in FILE.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Save the bench JSON (with machine facts) as NAME in the results directory.
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// Compare each level with the result saved as NAME.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Where --save and --baseline keep results.
    #[arg(long, value_name = "DIR", default_value = crate::bench::baseline::DEFAULT_DIR)]
    pub results_dir: PathBuf,
    /// Exit 1 when a concurrent level (up to the knee with --levels auto) has
    /// a lower efficiency (speedup / ideal), e.g. 0.7.
    #[arg(long, value_name = "X", value_parser = parse_fraction)]
    pub min_efficiency: Option<f64>,
    /// Exit 1 when a level is more than PCT percent slower (pages/s) than --baseline.
    #[arg(long, value_name = "PCT", requires = "baseline", value_parser = parse_percent)]
    pub max_regression: Option<f64>,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct DemoArgs {
    /// How many product pages to scrape.
    #[arg(long, value_name = "N", default_value = "100")]
    pub pages: NonZeroUsize,
    /// Shop latency per page in milliseconds (each page adds up to the same again as jitter... see README).
    #[arg(long, value_name = "MS", default_value = "100")]
    pub latency: u64,
    /// Concurrency of the concurrent run.
    #[arg(short, long, value_name = "N", default_value = "20")]
    pub concurrency: NonZeroUsize,
    /// The shop serves at most N requests at once; the rest queue (a server
    /// with N workers: the speedup flattens at N).
    #[arg(long, value_name = "N")]
    pub capacity: Option<NonZeroUsize>,
    /// With --capacity: answer 503 (Retry-After: 1) beyond it instead of queueing.
    #[arg(long, requires = "capacity")]
    pub reject_over_capacity: bool,
    /// Also draw the sequential and concurrent runs as an SVG chart in FILE.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct ExtractArgs {
    /// Saved HTML page; '-' or nothing reads stdin.
    #[arg(value_name = "FILE", conflicts_with = "text")]
    pub file: Option<PathBuf>,
    /// Base URL of the page (for relative links and logs).
    #[arg(long, value_name = "URL", default_value = "http://localhost/")]
    pub url: String,
    /// Print every candidate and why the winner won.
    #[arg(long)]
    pub explain: bool,
    /// Parse one price string instead of a page.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// CSS selector for the price element, tried before the heuristics.
    #[arg(long, value_name = "CSS")]
    pub selector: Option<String>,
    /// Currency for bare '$' etc. when the page says nothing.
    #[arg(long, value_name = "ISO", default_value = "USD")]
    pub default_currency: String,
}

/// `scrape changes`.
#[derive(Debug, Clone, ClapArgs)]
pub struct ChangesArgs {
    /// Database written by `scrape --db`.
    #[arg(long, value_name = "FILE", default_value = crate::store::DEFAULT_DB)]
    pub db: PathBuf,
    /// Compare with the prices as of this run id, or of the last run before
    /// this date (2026-11-27, 2026-11-27T13:00:00Z) [default: the latest
    /// finished run against the runs before it].
    #[arg(long, value_name = "RUN|DATE")]
    pub since: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value = "json")]
    pub format: Format,
}

/// `scrape history`.
#[derive(Debug, Clone, ClapArgs)]
pub struct HistoryArgs {
    /// The URL, as listed in the scraped list.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Database written by `scrape --db`.
    #[arg(long, value_name = "FILE", default_value = crate::store::DEFAULT_DB)]
    pub db: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value = "json")]
    pub format: Format,
}

impl ScrapeArgs {
    /// The user agent robots.txt is read for: the one the requests carry.
    /// `-H 'User-Agent: …'` replaces `-A`'s on the wire, so it names the
    /// agent too (the last one given, as on the wire).
    fn agent(&self, net: &NetOptions) -> String {
        net.headers
            .get_all(reqwest::header::USER_AGENT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back()
            .map(str::to_string)
            .or_else(|| self.user_agent.clone())
            .unwrap_or_else(default_user_agent)
    }

    /// Validates the flags into a run configuration. `stdin_is_terminal` decides
    /// whether a missing FILE means "read stdin" or a usage error.
    pub fn to_config(
        &self,
        log: &LogArgs,
        stdin_is_terminal: bool,
    ) -> Result<RunConfig, UsageError> {
        let input = match &self.file {
            Some(p) if p.as_os_str() == "-" => InputSource::Stdin,
            Some(p) => InputSource::File(p.clone()),
            None if stdin_is_terminal => return Err(UsageError::NoInput),
            None => InputSource::Stdin,
        };
        let (limit, auto) = match self.concurrency {
            Concurrency::Fixed(c) => (c, false),
            Concurrency::Auto => (self.max_concurrency, !self.sequential),
        };
        let (concurrency, per_host) = if self.sequential {
            (NonZeroUsize::MIN, NonZeroUsize::MIN)
        } else {
            (limit, self.per_host.unwrap_or(DEFAULT_PER_HOST).min(limit))
        };
        if self.timeout.is_zero() {
            return Err(UsageError::Invalid("--timeout must be more than 0".into()));
        }
        let net = self.net.to_options()?;
        Ok(RunConfig {
            input,
            concurrency,
            per_host,
            sequential: self.sequential,
            fetch: FetchConfig {
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                retries: self.retries,
                max_body: self.max_body,
                user_agent: self.agent(&net),
                net,
                ..FetchConfig::default()
            },
            format: self.format.unwrap_or(Format::Json),
            output: self.output.clone(),
            extract: extract_options(self.selector.as_deref(), &self.default_currency, false)?,
            progress: !self.no_progress && !log.quiet,
            quiet: log.quiet,
            strict: self.strict,
            parse_on: self.parse_on,
            auto,
            db: self.db.clone(),
            resume: self.resume,
            ignore_robots: self.ignore_robots,
            delay: self.delay,
            rate: self.rate,
            max_host_wait: self.max_host_wait,
        })
    }
}

/// Builds extraction options, compiling the selector once and checking the currency.
pub fn extract_options(
    selector: Option<&str>,
    default_currency: &str,
    explain: bool,
) -> Result<ExtractOptions, UsageError> {
    let selector = selector
        .map(|s| {
            scraper::Selector::parse(s)
                .map_err(|e| UsageError::Invalid(format!("invalid --selector \"{s}\": {e}")))
        })
        .transpose()?;
    let default_currency = crate::price::iso_code(default_currency).ok_or_else(|| {
        UsageError::Invalid(format!(
            "invalid --default-currency \"{default_currency}\": not an ISO 4217 code"
        ))
    })?;
    Ok(ExtractOptions {
        selector,
        default_currency: Some(default_currency.to_owned()),
        explain,
    })
}

/// `-c N` or `-c auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    Fixed(NonZeroUsize),
    Auto,
}

pub fn parse_concurrency(s: &str) -> Result<Concurrency, String> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(Concurrency::Auto);
    }
    s.trim()
        .parse::<NonZeroUsize>()
        .map(Concurrency::Fixed)
        .map_err(|_| format!("\"{s}\" is not a positive number or 'auto'"))
}

/// Parses seconds with an optional fraction: `10`, `0.5`, `2.25`.
pub fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("\"{s}\" is not a number of seconds"))?;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("\"{s}\" is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses a per-host rate: requests per second, `2`, `0.5` or `2/s`.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let t = t.strip_suffix("/s").unwrap_or(t).trim();
    let rate: f64 = t
        .parse()
        .map_err(|_| format!("\"{s}\" is not a rate (requests per second, e.g. 2 or 0.5/s)"))?;
    if !rate.is_finite() || rate <= 0.0 || rate > 1e6 {
        return Err(format!(
            "\"{s}\" is out of range (more than 0, at most 1000000)"
        ));
    }
    Ok(rate)
}

/// Parses `--levels`: `auto`, or a comma-separated list of levels ≥ 1.
pub fn parse_levels(s: &str) -> Result<Levels, String> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(Levels::Auto);
    }
    s.split(',')
        .map(|l| {
            l.trim()
                .parse::<NonZeroUsize>()
                .map_err(|_| format!("\"{l}\" is not a level (a whole number ≥ 1, or auto)"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Levels::Fixed)
}

/// Parses a fraction in 0..=1 (`--min-efficiency 0.7`).
pub fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("\"{s}\" is not a number from 0 to 1")),
    }
}

/// Parses a percentage ≥ 0 (`--max-regression 10`).
pub fn parse_percent(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('%').parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("\"{s}\" is not a percentage ≥ 0")),
    }
}

/// Parses a byte size: `1000`, `500KB`, `10MiB`, `1.5GB` (KB = 1000, KiB = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().map_err(|_| format!("\"{s}\" is not a size"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit \"{other}\" in \"{s}\"")),
    };
    let bytes = num * mult as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(format!("\"{s}\" is out of range"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests;
