//! Criterion bench of `extract::extract` on demo-shop pages of every markup.
//!
//! Inputs come from the demo shop's page generator (the same bytes `scrape demo`
//! serves); legacy-charset pages are decoded first, as `fetch` would. Also
//! benches the HTML parse alone, to show how much of the time is html5ever,
//! a visible-only page grown to 110 KB (no structured data: the whole DOM
//! path), and the real-page corpus (tests/fixtures/real, every page once).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reqwest::Url;
use scrape::demo::{all_markups, sample_page, Markup};
use scrape::extract::{extract, ExtractOptions};
use std::hint::black_box;

fn html_of(markup: Markup, n: u64) -> String {
    let page = sample_page(markup, n);
    if markup == Markup::LegacyCharset {
        encoding_rs::WINDOWS_1252.decode(&page.body).0.into_owned()
    } else {
        String::from_utf8_lossy(&page.body).into_owned()
    }
}

fn bench(c: &mut Criterion) {
    let url = Url::parse("http://127.0.0.1:8080/product/7").expect("static url");
    let opts = ExtractOptions {
        default_currency: Some("USD".into()),
        ..Default::default()
    };
    let mut group = c.benchmark_group("extract");
    for &markup in all_markups() {
        let html = html_of(markup, 7);
        group.throughput(Throughput::Bytes(html.len() as u64));
        group.bench_function(format!("{markup:?}"), |b| {
            b.iter(|| extract(black_box(&html), &url, &opts))
        });
    }
    // The JSON-LD fast path on a page grown to 100 KB with ordinary markup.
    let mut big = html_of(Markup::JsonLd, 7);
    let mut filler = String::new();
    while big.len() + filler.len() < 100 * 1024 {
        filler.push_str("<div class=\"review\"><h3>Great value</h3><p>Bought 2 for $30, arrived in 3 days. 5/5 would buy again.</p></div>\n");
    }
    big = big.replacen("</body>", &(filler + "</body>"), 1);
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("JsonLd_100KiB", |b| {
        b.iter(|| extract(black_box(&big), &url, &opts))
    });

    // A visible-only page grown to 110 KB with ordinary markup: no JSON-LD,
    // no meta price, so every byte goes through html5ever and the DOM walk.
    let mut visible = html_of(Markup::VisibleOnly, 7);
    let mut filler = String::new();
    while visible.len() + filler.len() < 110 * 1000 {
        filler.push_str("<div class=\"review\"><h3>Great value</h3><p>Bought 2 for $30, arrived in 3 days. 5/5 would buy again.</p></div>\n");
    }
    visible = visible.replacen("</body>", &(filler + "</body>"), 1);
    group.throughput(Throughput::Bytes(visible.len() as u64));
    group.bench_function("VisibleOnly_110KB", |b| {
        b.iter(|| extract(black_box(&visible), &url, &opts))
    });

    // The real-page corpus, when present: pages from shops this project did
    // not write, every one extracted once per iteration.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut corpus: Vec<(String, Url)> = Vec::new();
    if let Ok(mut reader) = csv::Reader::from_path(dir.join("manifest.csv")) {
        for row in reader.records().flatten() {
            let (Ok(bytes), Ok(page_url)) = (std::fs::read(dir.join(&row[0])), Url::parse(&row[5]))
            else {
                continue;
            };
            corpus.push((String::from_utf8_lossy(&bytes).into_owned(), page_url));
        }
    }
    if !corpus.is_empty() {
        group.throughput(Throughput::Elements(corpus.len() as u64));
        group.bench_function(format!("real_corpus_{}_pages", corpus.len()), |b| {
            b.iter(|| {
                corpus
                    .iter()
                    .filter(|(html, u)| extract(black_box(html), u, &opts).price.is_some())
                    .count()
            })
        });
    }

    let html = html_of(Markup::VisibleOnly, 7);
    group.throughput(Throughput::Bytes(html.len() as u64));
    group.bench_function("html5ever_parse_only", |b| {
        b.iter(|| scraper::Html::parse_document(black_box(&html)))
    });
    let explain = ExtractOptions {
        explain: true,
        ..opts.clone()
    };
    group.bench_function("VisibleOnly_explain", |b| {
        b.iter(|| extract(black_box(&html), &url, &explain))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
