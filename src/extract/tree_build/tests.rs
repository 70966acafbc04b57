//! The streaming tree node for node against `scraper`'s (html5ever's full
//! algorithm): hand-written misnestings, every real-corpus page that streams,
//! and generated tag soup. `tests/it/differential.rs` compares what
//! extraction decides; this compares the trees themselves, so a misplaced
//! node fails here even where no rule happens to read it.

use super::stream;
use crate::extract::stream_check::{dump, full_dump};
use proptest::prelude::*;

/// Same tree as the full parse, or (when `must_stream`) a failure.
fn check(html: &str, must_stream: bool) -> Result<bool, String> {
    match stream(html) {
        Ok(doc) => {
            let (g, w) = (dump(&doc), full_dump(html));
            if g == w {
                return Ok(true);
            }
            // The first differing line, with a few around it.
            let at = g.iter().zip(&w).take_while(|(a, b)| a == b).count();
            let around = |l: &[String]| {
                let l = &l[at.saturating_sub(6)..(at + 6).min(l.len())];
                let short = |s: &String| s.chars().take(160).collect::<String>();
                l.iter().map(short).collect::<Vec<_>>().join("\n")
            };
            let page = &html[..html.len().min(300)];
            Err(format!(
                "{page}\n--- stream, line {at}:\n{}\n--- full:\n{}",
                around(&g),
                around(&w)
            ))
        }
        Err(why) if must_stream => Err(format!("{html}: gave up: {why}")),
        Err(_) => Ok(false),
    }
}

#[test]
fn misnested_formatting_matches_the_full_parse() {
    let cases = [
        // Reopened after an implied close, also on whitespace text.
        "<p><b>bold</p>after",
        "<p><b>bold</p>\n<div>in b</div>",
        "<li><a href=/x>link<li>next",
        "<p><b class=x><i>both</p><p>again</b>only i</p>",
        // Noah's Ark: at most three identical entries since the last marker.
        "<p><b><b><b><b>four</p>x",
        "<p><b id=1><b id=2><b id=1><b id=1><b id=1></p>x",
        "<p><b a=1 c=2><b c=2 a=1><b a=1 c=2><b a=1 c=2></p>x",
        // The adoption agency: formatting end tags around blocks.
        "<b>1<p>2</b>3</p>4",
        "<b>1<div>2<i>3</b>4</i>5</div>6",
        "<a href=1>1<div>2<a href=2>3</a>4</div>5",
        "<a>1<a>2</a>3",
        "<p><a>1</p><a>2",
        "<nobr>1<nobr>2</nobr>3",
        "<b><i><u><s><em><div>x</b>y",
        "<b><i><u><s><em><strong><code><div>x</b>y</div>z",
        "<b><div><b><div><b><div><b><div><b><div><b><div><b><div><b><div><b><div>x</b>y",
        "<em><p>1<em><p>2</em>3",
        "<b><span><div>1</b>2",
        // Markers: cells, captions, objects keep outer formatting out.
        "<!doctype html><b><table><tr><td>1</b>2<i>3</td><td>4</table>5",
        "<!doctype html><table><tr><td><b>1<td>2</table>3",
        "<!doctype html><table><tr><td><a>1</a><a>2</td></tr></table><a>3",
        "<b><object><i>1</object>2",
        "<b><marquee>1</b>2</marquee>3",
        "<!doctype html><table><tr><td><object><b>1</td><td>2</td></table>3",
        "<p><b>x</p><table><tr><td><object></td></tr></table>y",
        "<table><tr><td><thead><object><u></table>a",
        // Foreign content: end tags close foreign elements by name.
        "<a>1<svg><a>2</a>3</svg>4</a>5",
        // Raw text is not body text: nothing reopens inside it.
        "<p><b>1</p><script>x</script><textarea>y</textarea><title>z</title>",
    ];
    for html in cases {
        check(html, true).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn fostered_elements_match_the_full_parse() {
    for html in [
        "<table><b>x</b></table>",
        "<table><tr><input type=text></table>",
        "<table><tr><td>1</td></tr><a>2</a></table>",
        "<p>a<table><div class=x>1<span>2</span></div><tr><td>3</table>",
        "<!doctype html><table><tbody><span>1<table><tr><td>2</table>3",
        "<table><div><form><input type=hidden><p>1</div></table>",
        "<table><div>1<tr><td>2</td></tr></div></table>",
        "<table><a>1</table>2",
        "<table><tr><td><table><p>1</table>2</td></tr></table>",
    ] {
        check(html, true).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn fostered_text_matches_the_full_parse() {
    for html in [
        "<table>text<tr><td>1</table>",
        "<table> <tr> x &amp; y <td>1</table>",
        "x<table>y<!-- c -->z<tr>\n<td>1</table>",
        "<table><b>1</b>2<tr><td>3</table>",
        "<table><tr>  \n  <td>1</td>  </tr>  </table>",
        "<table><colgroup> <col>x</table>",
        "<table><tr><td><colgroup><u><colgroup> <b>",
        // Reopened formatting elements are fostered too.
        "<p><b>1</p><table>2<tr><td>3</table>",
        "<p><b><i>1</p><table><tr><span>2</span></table>",
        // So is what the adoption agency moves to a table part.
        "<table><a>1<div>2</a>3</table>",
        "<table><tr><b>1<p>2<i>3</b>4</table>",
    ] {
        check(html, true).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn streamed_corpus_pages_match_the_full_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut streamed = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    files.sort();
    assert!(files.len() >= 100, "corpus missing: {}", files.len());
    for f in files {
        let (html, _, _) = crate::fetch::decode_html(&std::fs::read(&f).unwrap(), None);
        match check(&html, false) {
            Ok(s) => streamed += usize::from(s),
            Err(e) => panic!("{}: {e}", f.display()),
        }
    }
    assert!(streamed >= 90, "only {streamed} corpus pages streamed");
}

/// Tag soup from the constructs these rules decide: formatting elements
/// opened, closed and misnested around blocks, lists, paragraphs, cells and
/// objects.
fn soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop::sample::select(vec![
            "<b>",
            "</b>",
            "<i>",
            "</i>",
            "<a href=1>",
            "<a href=2>",
            "</a>",
            "<nobr>",
            "</nobr>",
            "<font color=red>",
            "</font>",
            "<em>",
            "</em>",
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<li>",
            "<ul>",
            "</ul>",
            "<span>",
            "</span>",
            "<h2>",
            "</h2>",
            "<object>",
            "</object>",
            "<table><tr><td>",
            "<td>",
            "</td>",
            "</tr>",
            "</table>",
            "<br>",
            "</br>",
            "<svg>",
            "</svg>",
            "<button>",
            "</button>",
            "<form>",
            "</form>",
            "<select><option>",
            "</select>",
            "<script>s</script>",
            "<textarea>t</textarea>",
            " ",
            "\n",
            "<caption>",
            "</caption>",
            "<colgroup>",
            "<col>",
            "<h1>",
            "<dl><dt>",
            "<dd>",
            "<marquee>",
            "</marquee>",
            "<u>",
            "</u>",
            "<s>",
            "<strong>",
            "</strong>",
            "<code>",
            "<small>",
            "<b class=x>",
            "<b class=x>",
            "<font face=a>",
            "<pre>\n",
            "<xmp>x</xmp>",
            "<img>",
            "<input type=hidden>",
            "<input>",
            "<hr>",
            "<address>",
            "</address>",
            "<math><mi>",
            "</math>",
            "<title>t</title>",
            "<noscript>n</noscript>",
            "<thead>",
            "<tbody>",
            "</tbody>",
            "<tr>",
            "<th>",
            "</th>",
            "</body>",
            "</html>",
            "<body class=b>",
            "</head>",
            "<center>",
            "</center>",
            "<option>",
            "<h3>",
            "</h1>",
        ])
        .prop_map(str::to_owned),
        "[a-z]{1,3}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn generated_soup_matches_the_full_parse(body in soup(), doctype in any::<bool>()) {
        let html = format!("{}{body}", if doctype { "<!doctype html>" } else { "" });
        if let Err(e) = check(&html, false) {
            prop_assert!(false, "{}", e);
        }
    }
}
