//! Measurement aid for issue 10: what tokenizing or parsing a page costs, by
//! layer. `parse_cost MODE N FILE...` reads each file (decoded as `fetch`
//! would), then N times runs MODE over every page:
//! - `read`: nothing (the baseline to subtract: reading and decoding);
//! - `fasttok`: `scrape::extract::fasttok` (pages it gives up on are counted
//!   and skipped, so also run `read` on them to see what is measured);
//! - `tokens`: html5ever's tokenizer alone, with a sink that switches to raw
//!   text as a streaming extractor must (no tree builder);
//! - `tree`: `scraper::Html::parse_document`, as `extract` does.
//!
//! Run each under `valgrind --tool=callgrind` and compare instruction counts,
//! e.g. `valgrind --tool=callgrind target/release/examples/parse_cost fasttok 3 pages/*.html`.

use std::cell::Cell;
use std::error::Error;

use html5ever::interface::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use scrape::extract::fasttok;

/// Counts start tags and text bytes; tells the tokenizer where raw text starts.
#[derive(Default)]
struct Counter {
    tags: Cell<usize>,
    text: Cell<usize>,
}

impl TokenSink for Counter {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(Tag {
                kind: TagKind::StartTag,
                name,
                ..
            }) => {
                self.tags.set(self.tags.get() + 1);
                match &*name {
                    "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                        return TokenSinkResult::RawData(RawKind::Rawtext)
                    }
                    "title" | "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
                    _ => {}
                }
            }
            Token::CharacterTokens(t) => self.text.set(self.text.get() + t.len()),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The same count from fasttok's tokens; `None` when it gives up.
fn fasttok_count(html: &str) -> Option<usize> {
    let mut n = 0;
    fasttok::tokenize(html, |t| match t {
        fasttok::Token::StartTag { .. } => n += 1,
        fasttok::Token::Text(t) => n += t.len(),
        _ => {}
    })
    .ok()?;
    Some(n)
}

fn html5ever_count(html: &str) -> usize {
    let tok = Tokenizer::new(Counter::default(), TokenizerOpts::default());
    let q = BufferQueue::default();
    q.push_back(StrTendril::from_slice(html));
    while !matches!(tok.feed(&q), TokenizerResult::Done) {}
    tok.end();
    tok.sink.tags.get() + tok.sink.text.get()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, n, files @ ..] = args.as_slice() else {
        return Err("usage: parse_cost read|fasttok|tokens|tree N FILE...".into());
    };
    let n: usize = n.parse()?;
    let mut pages = Vec::new();
    for file in files {
        pages.push(scrape::fetch::decode_html(&std::fs::read(file)?, None).0);
    }
    let (mut out, mut gave_up) = (0, 0);
    for _ in 0..n {
        for html in &pages {
            out += match mode.as_str() {
                "read" => html.len(),
                "fasttok" => fasttok_count(html).unwrap_or_else(|| {
                    gave_up += 1;
                    0
                }),
                "tokens" => html5ever_count(html),
                "tree" => scraper::Html::parse_document(html).tree.nodes().count(),
                _ => return Err("mode is read, fasttok, tokens or tree".into()),
            };
        }
    }
    let bytes: usize = pages.iter().map(String::len).sum();
    println!(
        "{mode}: {} pages ({bytes} bytes) x {n}: {out} (fasttok gave up {gave_up} times)",
        pages.len()
    );
    Ok(())
}
