//! The URL list: files, stdin, comments, invalid lines, unreadable input.

use scrape::demo::{BackgroundShop, ShopConfig};
use scrape::record::ErrorKind;

use crate::support::{list, scrape};

#[test]
fn every_url_line_yields_one_record_in_input_order() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let lines = vec![
        "# a comment".to_owned(),
        String::new(),
        format!("  {}  ", shop.product_url(1)),
        "not a url".to_owned(),
        "   ".to_owned(),
        "ftp://127.0.0.1:1/file".to_owned(),
        shop.product_url(2),
        "#http://127.0.0.1:1/commented-out".to_owned(),
        "/relative/path".to_owned(),
        shop.product_url(1),
    ];
    let l = list(&lines);
    let run = scrape(&["-q", l.path()], None);
    run.code(1);
    let doc = run.doc();
    let got: Vec<(u64, bool, Option<ErrorKind>)> = doc
        .results
        .iter()
        .map(|r| (r.index, r.ok, r.error.as_ref().map(|e| e.kind)))
        .collect();
    assert_eq!(
        got,
        [
            (0, true, None),
            (1, false, Some(ErrorKind::InvalidUrl)),
            (2, false, Some(ErrorKind::InvalidUrl)),
            (3, true, None),
            (4, false, Some(ErrorKind::InvalidUrl)),
            (5, true, None),
        ],
        "{run}"
    );
    assert_eq!(doc.results[1].url, "not a url");
    assert_eq!(doc.summary.urls, 6);
    assert_eq!(doc.summary.errors.get(&ErrorKind::InvalidUrl), Some(&3));
    // The duplicate line is reported again but fetched once.
    assert_eq!(doc.results[5].title, doc.results[0].title);
    assert_eq!(
        shop.stats().hits.get("/product/1"),
        Some(&1),
        "{:?}",
        shop.stats().hits
    );
}

#[test]
fn reads_stdin_with_dash_and_when_piped() {
    let shop = BackgroundShop::start(ShopConfig::default()).unwrap();
    let input = format!("{}\n{}\n", shop.product_url(3), shop.product_url(4));
    for args in [&["-q", "-f", "jsonl", "-"][..], &["-q", "-f", "jsonl"][..]] {
        let run = scrape(args, Some(&input));
        run.code(0);
        let mut idx: Vec<u64> = run.jsonl().iter().map(|r| r.index).collect();
        idx.sort_unstable();
        assert_eq!(idx, [0, 1], "{run}");
    }
}

#[test]
fn unreadable_list_is_exit_2_with_a_clear_message() {
    let run = scrape(&["/nonexistent/urls.txt"], None);
    run.code(2);
    assert!(run.stdout.is_empty(), "{run}");
    assert!(
        run.stderr
            .contains("scrape: error: cannot read url list \"/nonexistent/urls.txt\""),
        "{run}"
    );
    let dir = tempfile::tempdir().unwrap();
    let run = scrape(&[dir.path().to_str().unwrap()], None);
    run.code(2);
    assert!(run.stderr.contains("cannot read url list"), "{run}");
}

#[test]
fn usage_errors_are_exit_2() {
    scrape(&["-c", "0", "x"], None).code(2);
    scrape(&["--format", "xml", "x"], None).code(2);
    let run = scrape(&["--selector", "[[", "x"], None);
    run.code(2);
    assert!(run.stderr.contains("--selector"), "{run}");
}

#[test]
fn empty_list_is_an_empty_document() {
    let run = scrape(&["-q"], Some("# nothing\n\n"));
    run.code(0);
    let doc = run.doc();
    assert!(doc.results.is_empty());
    assert_eq!(doc.summary.urls, 0);
}
