use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn page() -> String {
    let mut s =
        String::from("<!doctype html><html><head><title>Widget</title></head><body><nav><ul>");
    for i in 0..100 {
        s.push_str(&format!(
            "<li><a href=\"/c/{i}\" class=\"nav-link\">Category {i}</a></li>"
        ));
    }
    s.push_str("</ul></nav><main><div class=\"product\"><h1>Widget</h1><span class=\"price\">$12.99</span>");
    while s.len() < 100_000 {
        s.push_str("<div class=\"card\"><p class=\"desc\">Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p><span class=\"x\">4.5 stars</span></div>\n");
    }
    s.push_str("</div></main></body></html>");
    s
}

fn bench(c: &mut Criterion) {
    let p = page();
    c.bench_function("parse_100k", |b| {
        b.iter(|| scraper::Html::parse_document(black_box(&p)))
    });
}
criterion_group!(benches, bench);
criterion_main!(benches);
