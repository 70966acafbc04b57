//! Extraction cost without a network: `dump DIR` writes five demo pages of each
//! markup to DIR; `run DIR N PREFIX` extracts every page in DIR whose name starts
//! with PREFIX, N times. Run it under `valgrind --tool=callgrind` to count
//! instructions per page (repeatable on a shared, noisy machine), e.g.
//! `valgrind --tool=callgrind target/release/examples/extract_pages run pages 3 Sale`.
//! `decide URL FILE...` prints every decision (price, title, and the
//! `--explain` candidates) for each file as read from disk, one block per
//! file, so two builds can be diffed to show a change decides nothing new.
//! `streams FILE...` prints, per file, whether extraction builds its tree
//! from the fast tokenizer or why it falls back to the full parse.

use std::error::Error;
use std::path::PathBuf;

use reqwest::Url;
use scrape::demo::{all_markups, sample_page, Markup};
use scrape::extract::{extract, ExtractOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["dump", dir] => dump(dir),
        ["run", dir, n, prefix] => run(dir, n.parse()?, prefix),
        ["decide", url, files @ ..] => decide(url, files),
        ["streams", files @ ..] => streams(files),
        _ => Err(
            "usage: extract_pages dump DIR | run DIR N PREFIX | decide URL FILE... | streams FILE..."
                .into(),
        ),
    }
}

fn dump(dir: &str) -> Result<(), Box<dyn Error>> {
    for &markup in all_markups() {
        for n in 7..12 {
            let page = sample_page(markup, n);
            // Legacy pages are decoded first, as `fetch` would.
            let html = if markup == Markup::LegacyCharset {
                encoding_rs::WINDOWS_1252.decode(&page.body).0.into_owned()
            } else {
                String::from_utf8_lossy(&page.body).into_owned()
            };
            std::fs::write(format!("{dir}/{markup:?}-{n}.html"), html)?;
        }
    }
    // The issue-10 case: a visible-only page (no structured data) grown to
    // 110 KB with ordinary review markup, as in `benches/extract.rs`.
    let page = sample_page(Markup::VisibleOnly, 7);
    let mut html = String::from_utf8_lossy(&page.body).into_owned();
    let mut filler = String::new();
    while html.len() + filler.len() < 110 * 1000 {
        filler.push_str("<div class=\"review\"><h3>Great value</h3><p>Bought 2 for $30, arrived in 3 days. 5/5 would buy again.</p></div>\n");
    }
    html = html.replacen("</body>", &(filler + "</body>"), 1);
    std::fs::write(format!("{dir}/Visible110KB-0.html"), html)?;
    Ok(())
}

fn run(dir: &str, times: usize, prefix: &str) -> Result<(), Box<dyn Error>> {
    let url = Url::parse("http://127.0.0.1:8080/product/7")?;
    let opts = ExtractOptions {
        default_currency: Some("USD".into()),
        ..Default::default()
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    files.sort();
    let pages = files
        .iter()
        .map(std::fs::read_to_string)
        .collect::<Result<Vec<_>, _>>()?;
    let mut priced = 0;
    for _ in 0..times {
        priced += pages
            .iter()
            .filter(|html| extract(html, &url, &opts).price.is_some())
            .count();
    }
    println!("{} pages x {times}: {priced} priced", pages.len());
    Ok(())
}

fn decide(url: &str, files: &[&str]) -> Result<(), Box<dyn Error>> {
    let url = Url::parse(url)?;
    for file in files {
        // Decoded as `fetch` would, so legacy-charset pages read the same.
        let (html, _, _) = scrape::fetch::decode_html(&std::fs::read(file)?, None);
        println!("== {file}");
        for explain in [false, true] {
            let opts = ExtractOptions {
                default_currency: Some("USD".into()),
                explain,
                ..Default::default()
            };
            let e = extract(&html, &url, &opts);
            println!("price {:?}\ntitle {:?}", e.price, e.title);
            for c in e.candidates {
                println!("  {c:?}");
            }
        }
    }
    Ok(())
}

fn streams(files: &[&str]) -> Result<(), Box<dyn Error>> {
    for file in files {
        let (html, _, _) = scrape::fetch::decode_html(&std::fs::read(file)?, None);
        match scrape::extract::stream_gives_up(&html) {
            None => match scrape::extract::stream_tree_differs(&html) {
                None => println!("streams\t{file}"),
                Some(diff) => println!("streams, TREE DIFFERS: {diff}\t{file}"),
            },
            Some(why) => println!("full parse: {why}\t{file}"),
        }
    }
    Ok(())
}
