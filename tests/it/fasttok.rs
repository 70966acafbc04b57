//! The referee for `scrape::extract::fasttok` (issue 10's tokenizer
//! prototype): on every page, fasttok either gives up or emits exactly the
//! tokens html5ever's tokenizer emits while html5ever's own tree builder
//! (`scraper`'s sink, scripting on) drives it, so raw-text, RCDATA and
//! foreign-content decisions are the real parser's, not a copy of fasttok's
//! rules. Adjacent character tokens are merged on both sides.
//!
//! Pages: the extractor fixtures, the real corpus, every demo markup, the
//! 110 KB visible-only page, hand-written edge cases and proptest-generated
//! pages. Run with `--nocapture` to see how many pages fasttok handles.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use html5ever::interface::{TokenizerResult, TreeSink};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token as HToken, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts};
use scrape::demo::{all_markups, sample_page, Markup};
use scrape::extract::fasttok::{tokenize, Token, Unsupported};
use scraper::{Html, HtmlTreeSink};

/// A token as both sides are compared: owned, attributes in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Start(String, Vec<(String, String)>, bool),
    End(String),
    Text(String),
    Comment(String),
    Doctype(Option<String>, Option<String>, Option<String>),
}

fn push(out: &mut Vec<Tok>, tok: Tok) {
    if let (Some(Tok::Text(last)), Tok::Text(more)) = (out.last_mut(), &tok) {
        last.push_str(more);
        return;
    }
    out.push(tok);
}

type Handle = <HtmlTreeSink as TreeSink>::Handle;

/// Records each token, then hands it to the real tree builder, whose answer
/// (switch to raw text, RCDATA, plaintext) goes back to the tokenizer.
struct Recorder {
    builder: TreeBuilder<Handle, HtmlTreeSink>,
    tokens: RefCell<Vec<Tok>>,
}

impl TokenSink for Recorder {
    type Handle = Handle;

    fn process_token(&self, token: HToken, line: u64) -> TokenSinkResult<Handle> {
        let tok = match &token {
            HToken::TagToken(tag) => {
                let name = tag.name.to_string();
                match tag.kind {
                    TagKind::StartTag => Some(Tok::Start(
                        name,
                        tag.attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect(),
                        tag.self_closing,
                    )),
                    TagKind::EndTag => Some(Tok::End(name)),
                }
            }
            HToken::CharacterTokens(t) => Some(Tok::Text(t.to_string())),
            HToken::NullCharacterToken => Some(Tok::Text("\0".into())),
            HToken::CommentToken(t) => Some(Tok::Comment(t.to_string())),
            HToken::DoctypeToken(d) => Some(Tok::Doctype(
                d.name.as_ref().map(|s| s.to_string()),
                d.public_id.as_ref().map(|s| s.to_string()),
                d.system_id.as_ref().map(|s| s.to_string()),
            )),
            HToken::EOFToken | HToken::ParseError(_) => None,
        };
        if let Some(tok) = tok {
            push(&mut self.tokens.borrow_mut(), tok);
        }
        self.builder.process_token(token, line)
    }

    fn end(&self) {
        self.builder.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.builder
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

/// html5ever's token stream for `html`, as `scraper::Html::parse_document` sees it.
fn reference(html: &str) -> Vec<Tok> {
    let builder = TreeBuilder::new(
        HtmlTreeSink::new(Html::new_document()),
        TreeBuilderOpts::default(),
    );
    let sink = Recorder {
        builder,
        tokens: RefCell::new(Vec::new()),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // `Script` and `EncodingIndicator` (a `<meta charset>`) only pause the
    // tokenizer for its caller; there is nothing to run or re-decode, so go on.
    while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {}
    tokenizer.end();
    tokenizer.sink.tokens.take()
}

/// fasttok's stream in the same form, or why it gave up.
fn fast(html: &str) -> Result<Vec<Tok>, Unsupported> {
    let mut out = Vec::new();
    tokenize(html, |t| {
        let tok = match t {
            Token::StartTag {
                name,
                attrs,
                self_closing,
            } => Tok::Start(
                name.into_owned(),
                attrs
                    .into_iter()
                    .map(|a| (a.name.into_owned(), a.value.into_owned()))
                    .collect(),
                self_closing,
            ),
            Token::EndTag { name } => Tok::End(name.into_owned()),
            Token::Text(t) => Tok::Text(t.into_owned()),
            Token::Comment(t) => Tok::Comment(t.into_owned()),
            Token::Doctype {
                name,
                public_id,
                system_id,
            } => Tok::Doctype(
                Some(name.into_owned()),
                public_id.map(|s| s.into_owned()),
                system_id.map(|s| s.into_owned()),
            ),
        };
        push(&mut out, tok);
    })?;
    Ok(out)
}

/// Compares one page; `Err` is fasttok's reason for giving up. Panics with
/// the first differing token when fasttok answers and disagrees.
fn referee(label: &str, html: &str) -> Result<(), Unsupported> {
    let ours = fast(html)?;
    let theirs = reference(html);
    if ours != theirs {
        let at = ours
            .iter()
            .zip(&theirs)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(theirs.len()));
        panic!(
            "{label}: fasttok differs from html5ever at token {at} of {}/{}:\n  fasttok  {:?}\n  html5ever {:?}",
            ours.len(),
            theirs.len(),
            ours.get(at),
            theirs.get(at)
        );
    }
    Ok(())
}

/// Referees every page of a set; prints handled / gave up and the reasons.
fn referee_set(set: &str, pages: &[(String, String)]) -> usize {
    let mut reasons: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut handled = 0;
    for (label, html) in pages {
        match referee(label, html) {
            Ok(()) => handled += 1,
            Err(e) => reasons.entry(e.reason).or_default().push(label),
        }
    }
    println!("fasttok {set}: {handled}/{} pages handled", pages.len());
    for (reason, labels) in &reasons {
        println!("  gave up ({reason}): {} {:?}", labels.len(), labels);
    }
    handled
}

fn html_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            // Decoded as `fetch` would, so legacy-charset pages read the same.
            let (html, _, _) = scrape::fetch::decode_html(&std::fs::read(p).unwrap(), None);
            (p.file_name().unwrap().to_string_lossy().into_owned(), html)
        })
        .collect()
}

/// Every demo markup at several `n`, decoded as `examples/extract_pages.rs` does.
pub fn demo_pages() -> Vec<(String, String)> {
    let mut pages = Vec::new();
    for &markup in all_markups() {
        for n in [1, 7, 8, 9, 10, 11, 42, 1234] {
            let page = sample_page(markup, n);
            let html = if markup == Markup::LegacyCharset {
                encoding_rs::WINDOWS_1252.decode(&page.body).0.into_owned()
            } else {
                String::from_utf8_lossy(&page.body).into_owned()
            };
            pages.push((format!("{markup:?}-{n}"), html));
        }
    }
    pages
}

/// The issue-10 case built as `benches/extract.rs` builds it.
fn visible_110kb() -> String {
    let page = sample_page(Markup::VisibleOnly, 7);
    let html = String::from_utf8_lossy(&page.body).into_owned();
    let mut filler = String::new();
    while html.len() + filler.len() < 110 * 1000 {
        filler.push_str("<div class=\"review\"><h3>Great value</h3><p>Bought 2 for $30, arrived in 3 days. 5/5 would buy again.</p></div>\n");
    }
    html.replacen("</body>", &(filler + "</body>"), 1)
}

#[test]
fn fasttok_matches_html5ever_on_every_demo_page() {
    let mut pages = demo_pages();
    pages.push(("Visible110KB".into(), visible_110kb()));
    let handled = referee_set("demo", &pages);
    // Every page the demo shop serves is plain enough to be handled.
    assert_eq!(handled, pages.len());
}

#[test]
fn fasttok_matches_html5ever_on_fixtures_and_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixtures = html_files(&root.join("extract"));
    assert_eq!(referee_set("fixtures", &fixtures), fixtures.len());
    // 105 of 105 when written; a page that now needs the full parser is
    // fine, a drop below 95 % means fasttok gives up on common markup.
    let real = html_files(&root.join("real"));
    let handled = referee_set("real corpus", &real);
    assert!(handled * 100 >= real.len() * 95, "{handled}/{}", real.len());
}
