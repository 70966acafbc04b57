//! Deterministic engine tests on tokio's paused clock: virtual time advances
//! only when every task is waiting, so back-off and `Retry-After` waits are
//! exact and take no real time. Nothing here touches the network: the retry
//! loop and the slot order are tested where they are pure, and whole-engine
//! runs use lines that need no fetch (invalid URLs, stored records).

use tokio::time::Instant as VInstant;

use super::*;
use crate::input::{Entry, InputError, UrlError};

fn status(code: u16, retry_after: Option<Duration>) -> FetchError {
    FetchError::HttpStatus {
        status: code,
        retry_after,
    }
}

fn fetch_cfg(retries: u32) -> FetchConfig {
    FetchConfig {
        retries,
        backoff_base: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(10),
        ..FetchConfig::default()
    }
}

/// Runs `with_retries` over a scripted list of outcomes (`None` = done) and
/// returns the attempts made and when each started, relative to the start.
async fn script(cfg: &FetchConfig, outcomes: Vec<Option<FetchError>>) -> (u32, Vec<Duration>) {
    let start = VInstant::now();
    let mut starts = Vec::new();
    let mut outcomes = outcomes.into_iter();
    let (attempts, ()) = with_retries(cfg, |_| {
        starts.push(start.elapsed());
        let step = match outcomes.next().flatten() {
            None => Step::Done(()),
            Some(err) => Step::Failed(err, ()),
        };
        async move { step }
    })
    .await;
    (attempts, starts)
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_waited_exactly_and_capped() {
    let cfg = fetch_cfg(2);
    let wait = Some(Duration::from_secs(3));
    let (attempts, starts) = script(&cfg, vec![Some(status(503, wait)), None]).await;
    assert_eq!(attempts, 2);
    assert_eq!(starts, [Duration::ZERO, Duration::from_secs(3)]);

    // A server asking for a minute gets `max_retry_after` (10 s).
    let long = Some(Duration::from_secs(60));
    let (_, starts) = script(&cfg, vec![Some(status(429, long)), None]).await;
    assert_eq!(starts[1], Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_with_jitter_until_retries_run_out() {
    let cfg = fetch_cfg(3);
    let timeout = || Some(FetchError::Timeout(Duration::from_secs(1)));
    let (attempts, starts) = script(&cfg, vec![timeout(), timeout(), timeout(), timeout()]).await;
    assert_eq!(attempts, 4, "one try and three retries");
    // Wait n is base·2^(n-1) plus up to as much again of jitter. tokio's
    // timer wheel fires on whole milliseconds (a deadline is rounded up to
    // the next tick), so a jitter close to 100 % may land up to 1 ms past
    // twice the step: seen as "wait 0: 200ms" before allowing it.
    let tick = Duration::from_millis(1);
    for (n, pair) in starts.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        let step = Duration::from_millis(100) * (1 << n);
        assert!(gap >= step && gap <= step * 2 + tick, "wait {n}: {gap:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    let cfg = fetch_cfg(5);
    for err in [
        status(404, None),
        status(503, None).clone(),
        FetchError::NotHtml("image/png".into()),
    ] {
        let transient = err.is_transient();
        let (attempts, _) = script(&cfg, vec![Some(err), None]).await;
        assert_eq!(attempts, if transient { 2 } else { 1 });
    }
}

/// Host first, then global: a task queued behind a busy host holds no global
/// slot, so another host's request goes ahead.
#[tokio::test(start_paused = true)]
async fn a_busy_host_does_not_hold_a_global_slot() {
    let global = Semaphore::new(1);
    let host = |name: &str| Host::new(name.into(), 1, Rule::PerHostCap, &Politeness::default());
    let (host_a, host_b) = (host("a"), host("b"));
    let backlog = Arc::new(Semaphore::new(4));
    let busy = host_a.acquire_cap().await;
    let mut waiting = Box::pin(request_slots(&host_a, &backlog, &global, None));
    assert!(futures::poll!(&mut waiting).is_pending());
    assert_eq!(
        global.available_permits(),
        1,
        "waiting on host a, not on global"
    );
    let b = request_slots(&host_b, &backlog, &global, None).await;
    assert!(futures::poll!(&mut waiting).is_pending());
    drop(busy);
    drop(b);
    let (_host, _backlog, _global, _lease) = waiting.await;
    assert_eq!(global.available_permits(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_panic_becomes_an_internal_record() {
    let record = guard_record(7, "http://a.test/", async { panic!("boom") }).await;
    assert_eq!(record.index, 7);
    let error = record.error.unwrap();
    assert_eq!(error.kind, ErrorKind::Internal);
    assert!(error.message.contains("boom"), "{}", error.message);
}

fn invalid(index: u64) -> Line {
    Line::Read(Entry {
        index,
        raw: format!("line {index}"),
        target: Err(UrlError::NoHost),
    })
}

fn stored(index: u64) -> Line {
    Line::Stored(Box::new(Record::failed(
        index,
        format!("http://a.test/{index}"),
        ErrorKind::HttpStatus,
        "stored".into(),
    )))
}

fn engine_cfg(lookahead: usize) -> EngineConfig {
    EngineConfig {
        concurrency: 2,
        per_host: 2,
        lookahead,
        extract: Arc::new(ExtractOptions::default()),
        parse_on: ParseOn::Inline,
        auto: None,
        politeness: Politeness::default(),
    }
}

type Input = mpsc::Sender<Result<Line, InputError>>;

fn start(
    lookahead: usize,
    cancel: &CancellationToken,
) -> (
    Input,
    mpsc::Receiver<Finished>,
    tokio::task::JoinHandle<Result<(), InputError>>,
) {
    let (in_tx, in_rx) = mpsc::channel(16);
    let (out_tx, out_rx) = mpsc::channel(16);
    let fetcher = Fetcher::new(&FetchConfig::default(), 2).unwrap();
    let cancel = cancel.clone();
    let engine =
        tokio::spawn(
            async move { run(&engine_cfg(lookahead), fetcher, in_rx, out_tx, cancel).await },
        );
    (in_tx, out_rx, engine)
}

/// The promise of Ctrl-C: the engine stops while the input is still open and
/// silent, every line it took has its record, and it takes no more.
#[tokio::test(start_paused = true)]
async fn cancel_does_not_wait_on_an_open_input() {
    let cancel = CancellationToken::new();
    let (input, mut out, engine) = start(8, &cancel);
    for line in [invalid(0), stored(1), invalid(2)] {
        input.send(Ok(line)).await.unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(out.recv().await.unwrap().record.index);
    }
    assert_eq!(got, [0, 1, 2]);
    // The input stays open and says nothing; only the stop ends the run.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(!engine.is_finished());
    cancel.cancel();
    engine.await.unwrap().unwrap();
    assert!(
        out.recv().await.is_none(),
        "no record beyond the lines taken"
    );
    assert!(
        input.send(Ok(invalid(3))).await.is_err(),
        "input no longer read"
    );
}

/// Fetched and replayed lines share one lookahead: with two records out and
/// unwritten, the engine takes no third line until one is written.
#[tokio::test(start_paused = true)]
async fn lookahead_bounds_records_in_flight_to_the_output() {
    let cancel = CancellationToken::new();
    let (input, mut out, engine) = start(2, &cancel);
    for line in [stored(0), invalid(1), stored(2), invalid(3)] {
        input.send(Ok(line)).await.unwrap();
    }
    drop(input);
    let first = out.recv().await.unwrap();
    let second = out.recv().await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(out.try_recv().is_err(), "a third record without a permit");
    drop(first);
    let third = out.recv().await.unwrap();
    assert_eq!(
        [second.record.index, third.record.index],
        [1, 2],
        "permits are taken in index order"
    );
    drop((second, third));
    assert_eq!(out.recv().await.unwrap().record.index, 3);
    engine.await.unwrap().unwrap();
}

/// An input error ends the run with that error, after the lines before it.
#[tokio::test(start_paused = true)]
async fn an_input_error_stops_the_run() {
    let cancel = CancellationToken::new();
    let (input, mut out, engine) = start(8, &cancel);
    input.send(Ok(invalid(0))).await.unwrap();
    let gone = InputError::Stdin(std::io::Error::other("gone"));
    input.send(Err(gone)).await.unwrap();
    assert!(matches!(engine.await.unwrap(), Err(InputError::Stdin(_))));
    assert!(cancel.is_cancelled());
    assert_eq!(out.recv().await.unwrap().record.index, 0);
    assert!(out.recv().await.is_none());
}

/// The page arrives as bytes and is decoded where it is parsed: on the
/// parsing threads with `--parse-on blocking`, inline otherwise, same result.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn pages_are_decoded_where_they_are_parsed() {
    let url = Url::parse("http://a.test/p").unwrap();
    let body = b"<html><head><title>Cr\xe8me</title></head><body><h1>Cr\xe8me</h1>\
        <span itemprop=price content=\"12.50\">12,50 \x80</span></body></html>";
    for on in [ParseOn::Inline, ParseOn::Blocking] {
        let parser = Parser::new(Arc::new(ExtractOptions::default()), on, 2);
        let page = Page {
            final_url: url.clone(),
            status: 200,
            body: body.to_vec(),
            header_charset: Some("windows-1252".into()),
        };
        let (_, title) = parser.parse(page, &url).await.unwrap();
        assert_eq!(title.as_deref(), Some("Crème"), "{on:?}");
    }
}
