//! Measurement aid for issue 10: what parsing a page costs by layer.
//! `parse_cost tokens FILE N` runs html5ever's tokenizer alone (a sink that
//! only counts tags and switches raw-text states, as a streaming extractor
//! must); `parse_cost tree FILE N` builds the `scraper` tree as `extract`
//! does. Run each under `valgrind --tool=callgrind` and compare counts.

use std::cell::Cell;
use std::error::Error;

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

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
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
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

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, file, n] = args.as_slice() else {
        return Err("usage: parse_cost tokens|tree FILE N".into());
    };
    let html = std::fs::read_to_string(file)?;
    let n: usize = n.parse()?;
    let mut out = 0;
    for _ in 0..n {
        out += match mode.as_str() {
            "tokens" => {
                let tok = Tokenizer::new(Counter::default(), TokenizerOpts::default());
                let q = BufferQueue::default();
                q.push_back(html.as_str().into());
                let _ = tok.feed(&q);
                tok.end();
                tok.sink.tags.get() + tok.sink.text.get()
            }
            "tree" => scraper::Html::parse_document(&html).tree.nodes().count(),
            _ => return Err("mode is tokens or tree".into()),
        };
    }
    println!("{out}");
    Ok(())
}
