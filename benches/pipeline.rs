//! The whole pipeline (fetch + decode + extract + aggregate) against the
//! in-process demo shop at zero latency, at concurrency 1, 8 and 64,
//! reported as pages per second (criterion "elements").

use std::num::NonZeroUsize;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scrape::demo::{BackgroundShop, ShopConfig};
use scrape::input::{parse_url, Entry, InputSource};
use scrape::output::Destination;
use scrape::pipeline::{entries_channel, scrape, RunConfig};
use tokio_util::sync::CancellationToken;

const PAGES: u64 = 200;

fn pipeline(c: &mut Criterion) {
    let shop = BackgroundShop::start(ShopConfig::default()).expect("start demo shop");
    let entries: Vec<Entry> = (1..=PAGES)
        .map(|n| {
            let raw = shop.product_url(n);
            Entry {
                index: n - 1,
                target: parse_url(&raw),
                raw,
            }
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(PAGES));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    for level in [1usize, 8, 64] {
        let concurrency = NonZeroUsize::new(level).expect("level > 0");
        let cfg = RunConfig {
            quiet: true,
            sequential: level == 1,
            ..RunConfig::new(InputSource::Stdin, concurrency)
        };
        group.bench_with_input(BenchmarkId::from_parameter(level), &cfg, |b, cfg| {
            b.iter(|| {
                rt.block_on(async {
                    let report = scrape(
                        cfg,
                        Destination::Discard,
                        entries_channel(entries.clone()),
                        CancellationToken::new(),
                    )
                    .await
                    .expect("pipeline run");
                    assert_eq!(report.summary.ok, PAGES);
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
