//! Criterion bench for `price`: parsing typical price strings (every separator
//! convention, symbols before and after, ranges, hints) and a long hostile
//! string that hits the scan cap.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scrape::price::{parse_price, parse_price_hinted};

const TYPICAL: &[&str] = &[
    "$1,299.99",
    "1.234,56 €",
    "CHF 1'049.95",
    "1\u{a0}298,00 zł",
    "₹1,23,456.00",
    "Price: $15.95/mo",
    "From 26 to 50 €",
    "Save 20%: $39.99",
    "EUR29.66 (inc VAT 20% - UK & EEC) EUR24.71 (exc VAT 20% - UK & EEC)",
    "Běžná cena 9 800 Kč",
    "12,-",
    "423.923 KD",
    "Free!",
    "Call for price",
    "$1,190.00 AUD",
    "1 128 240 рублей",
];

fn bench_price(c: &mut Criterion) {
    let mut group = c.benchmark_group("price");
    group.throughput(Throughput::Elements(TYPICAL.len() as u64));
    group.bench_function("parse_typical", |b| {
        b.iter(|| {
            for text in TYPICAL {
                black_box(parse_price(black_box(text)));
            }
        })
    });
    group.bench_function("parse_hinted", |b| {
        b.iter(|| {
            for text in TYPICAL {
                black_box(parse_price_hinted(
                    black_box(text),
                    Some("Pris NOK 899,00"),
                    None,
                ));
            }
        })
    });
    group.finish();

    let hostile = "9,".repeat(50_000) + &"Р ".repeat(50_000);
    c.bench_function("price/parse_hostile_200k_chars", |b| {
        b.iter(|| black_box(parse_price(black_box(&hostile))))
    });
}

criterion_group!(benches, bench_price);
criterion_main!(benches);
