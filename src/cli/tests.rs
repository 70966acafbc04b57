//! Flag parsing and the flags-to-config mapping, tested through clap.

use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("scrape").chain(args.iter().copied()))
}

#[test]
fn defaults_match_design() {
    let cli = parse(&["urls.txt"]).unwrap();
    let cfg = cli.scrape.to_config(&cli.log, true).unwrap();
    assert_eq!(cfg.input, InputSource::File("urls.txt".into()));
    assert_eq!(cfg.concurrency.get(), 20);
    assert_eq!(cfg.per_host.get(), DEFAULT_PER_HOST.get());
    assert!(!cfg.ignore_robots);
    assert_eq!((cfg.delay, cfg.rate), (Duration::ZERO, None));
    assert_eq!(cfg.max_host_wait, Duration::from_secs(60));
    assert_eq!(cfg.fetch.timeout, Duration::from_secs(10));
    assert_eq!(cfg.fetch.connect_timeout, Duration::from_secs(5));
    assert_eq!(cfg.fetch.retries, 2);
    assert_eq!(cfg.fetch.max_body, 10 << 20);
    assert_eq!(cfg.format, Format::Json);
}

#[test]
fn concurrency_auto() {
    let cli = parse(&["-c", "auto", "--per-host", "8", "x"]).unwrap();
    let cfg = cli.scrape.to_config(&cli.log, true).unwrap();
    assert!(cfg.auto);
    assert_eq!((cfg.concurrency.get(), cfg.per_host.get()), (64, 8));
    let cli = parse(&["-c", "AUTO", "--max-concurrency", "10", "x"]).unwrap();
    let cfg = cli.scrape.to_config(&cli.log, true).unwrap();
    assert_eq!((cfg.auto, cfg.concurrency.get()), (true, 10));
    let cli = parse(&["-c", "auto", "--sequential", "x"]).unwrap();
    assert!(!cli.scrape.to_config(&cli.log, true).unwrap().auto);
    assert!(
        !parse(&["x"])
            .unwrap()
            .scrape
            .to_config(&cli.log, true)
            .unwrap()
            .auto
    );
    assert!(parse(&["-c", "fast", "x"]).is_err());
}

#[test]
fn per_host_defaults_to_eight_or_less_and_pacing_flags_parse() {
    let cfg = |args: &[&str]| {
        let cli = parse(args).unwrap();
        cli.scrape.to_config(&cli.log, true).unwrap()
    };
    assert_eq!(cfg(&["-c", "4", "x"]).per_host.get(), 4);
    assert_eq!(
        cfg(&["-c", "50", "--per-host", "30", "x"]).per_host.get(),
        30
    );
    let c = cfg(&["--ignore-robots", "--delay", "1.5", "--rate", "2/s", "x"]);
    assert!(c.ignore_robots);
    assert_eq!((c.delay, c.rate), (Duration::from_millis(1500), Some(2.0)));
    assert_eq!(parse_rate("0.5"), Ok(0.5));
    for bad in ["0", "-1", "x", "inf"] {
        assert!(parse_rate(bad).is_err(), "{bad}");
    }
}

#[test]
fn sequential_is_cap_one() {
    let cli = parse(&["--sequential", "-c", "50", "x"]).unwrap();
    let cfg = cli.scrape.to_config(&cli.log, true).unwrap();
    assert_eq!((cfg.concurrency.get(), cfg.per_host.get()), (1, 1));
}

#[test]
fn stdin_rules() {
    let cli = parse(&[]).unwrap();
    assert!(matches!(
        cli.scrape.to_config(&cli.log, true),
        Err(UsageError::NoInput)
    ));
    assert_eq!(
        cli.scrape.to_config(&cli.log, false).unwrap().input,
        InputSource::Stdin
    );
    let cli = parse(&["-"]).unwrap();
    assert_eq!(
        cli.scrape.to_config(&cli.log, true).unwrap().input,
        InputSource::Stdin
    );
}

#[test]
fn bad_values_are_usage_errors() {
    assert!(parse(&["-c", "0", "x"]).is_err());
    assert!(parse(&["--max-body", "10XB", "x"]).is_err());
    assert!(parse(&["-t", "abc", "x"]).is_err());
    assert!(parse(&["-f", "xml", "x"]).is_err());
    let cli = parse(&["--selector", "[[", "x"]).unwrap();
    assert!(matches!(
        cli.scrape.to_config(&cli.log, true),
        Err(UsageError::Invalid(_))
    ));
    let cli = parse(&["--default-currency", "dollars", "x"]).unwrap();
    assert!(matches!(
        cli.scrape.to_config(&cli.log, true),
        Err(UsageError::Invalid(_))
    ));
}

#[test]
fn subcommands_parse() {
    let cli = parse(&["bench", "--levels", "1,5,20", "--runs", "3", "u.txt"]).unwrap();
    match cli.command {
        Some(Command::Bench(b)) => {
            let want = [1, 5, 20].map(|l| NonZeroUsize::new(l).unwrap());
            assert_eq!(b.levels, Some(Levels::Fixed(want.to_vec())));
            assert_eq!(b.runs.get(), 3);
            assert_eq!(b.scrape.file, Some("u.txt".into()));
        }
        other => panic!("{other:?}"),
    }
    let cli = parse(&[
        "bench",
        "--levels",
        "auto",
        "--baseline",
        "main",
        "--max-regression",
        "10%",
        "--min-efficiency",
        "0.7",
        "u.txt",
    ])
    .unwrap();
    assert!(matches!(cli.command, Some(Command::Bench(ref b))
        if b.levels == Some(Levels::Auto) && b.max_regression == Some(10.0)
            && b.min_efficiency == Some(0.7)));
    assert!(
        parse(&["bench", "--max-regression", "10", "u.txt"]).is_err(),
        "needs --baseline"
    );
    assert!(parse(&["bench", "--min-efficiency", "1.5", "u.txt"]).is_err());
    assert!(parse(&["bench", "--levels", "1,0", "u.txt"]).is_err());
    let cli = parse(&["extract", "--text", "1.234,56 €"]).unwrap();
    assert!(matches!(cli.command, Some(Command::Extract(ref e)) if e.text.is_some()));
    let cli = parse(&["demo", "--pages", "10", "--latency", "0"]).unwrap();
    assert!(matches!(cli.command, Some(Command::Demo(ref d)) if d.pages.get() == 10));
    let cli = parse(&["demo", "--capacity", "8", "--reject-over-capacity"]).unwrap();
    assert!(matches!(cli.command, Some(Command::Demo(ref d))
        if d.capacity.map(NonZeroUsize::get) == Some(8) && d.reject_over_capacity));
    assert!(parse(&["demo", "--reject-over-capacity"]).is_err());
}

#[test]
fn sizes_and_seconds() {
    assert_eq!(parse_size("10MiB"), Ok(10 << 20));
    assert_eq!(parse_size("500KB"), Ok(500_000));
    assert_eq!(parse_size("2000"), Ok(2000));
    assert!(parse_size("0").is_err());
    assert_eq!(parse_secs("0.5"), Ok(Duration::from_millis(500)));
    assert!(parse_secs("-1").is_err());
    assert!(parse_secs("inf").is_err());
}

#[test]
fn flags_and_subcommands_parse() {
    use crate::store::DEFAULT_DB;
    use std::path::Path;
    let parse =
        |args: &[&str]| Cli::try_parse_from(std::iter::once("scrape").chain(args.iter().copied()));
    let cli = parse(&["--db", "p.db", "--resume", "urls.txt"]).unwrap();
    let cfg = cli.scrape.to_config(&cli.log, true).unwrap();
    assert_eq!(
        (cfg.db.as_deref(), cfg.resume),
        (Some(Path::new("p.db")), true)
    );
    assert!(
        parse(&["--resume", "urls.txt"]).is_err(),
        "--resume needs --db"
    );
    match parse(&["changes", "--since", "3", "-f", "csv"])
        .unwrap()
        .command
    {
        Some(Command::Changes(a)) => {
            assert_eq!(
                (a.db.to_str(), a.since.as_deref(), a.format),
                (Some(DEFAULT_DB), Some("3"), Format::Csv)
            );
        }
        other => panic!("{other:?}"),
    }
    match parse(&["history", "http://a.test/", "--db", "x.db"])
        .unwrap()
        .command
    {
        Some(Command::History(a)) => assert_eq!(
            (a.url.as_str(), a.db.to_str(), a.format),
            ("http://a.test/", Some("x.db"), Format::Json)
        ),
        other => panic!("{other:?}"),
    }
}
