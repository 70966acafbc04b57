//! Empties `<script>` and `<style>` elements before the page goes to html5ever.
//!
//! Nothing the DOM walk reads lives in them: `dom::scan` hides both
//! (`HIDDEN`), and JSON-LD and inline platform state are read from the raw
//! text by `jsonld` and `state`, never from the tree. Yet on real shop pages
//! they are most of the bytes (inline bundles, hydration JSON, critical CSS),
//! and the tokenizer walks every one of them and the tree builder copies them
//! into text nodes. An element keeps its tag and attributes, so the tree has
//! exactly the same elements in the same order; only those raw-text bodies
//! are gone.
//!
//! The scan follows the HTML tokenizer's states only as far as it must to
//! know that a `<script>` is a real start tag: comments, bogus comments,
//! attributes (quoted values may hold `<script>`), and the other raw-text and
//! RCDATA elements (`textarea`, `title`, `noscript`, ...), which it skips
//! without touching. Inside `<svg>` / `<math>` (foreign content: no raw
//! text, CDATA sections) it empties nothing. Whenever the page leaves the
//! cases it models (a script body holding `<!--`, a tag that breaks out of
//! foreign content, `<frameset>`, `<plaintext>`, end of input inside a tag)
//! the rest is copied as is: leaving a body in place is always correct, only
//! slower. The differential tests check the result against the full parse.

use memchr::{memchr, memmem};
use std::borrow::Cow;

/// Whether emptying is worth its pass: script and style bodies are at least a
/// quarter of the page, estimated from lower-case `<script` / `<style`
/// openings to the next matching end tag (two SIMD searches). Measured with
/// callgrind (README): on demo pages (2 KB of script and style in 20-140 KB)
/// the pass cost 3 % more instructions than it saved, because html5ever's
/// script-data state already skips a body in long runs; it pays only where
/// bodies dominate.
pub(super) fn worth_emptying(html: &str) -> bool {
    let b = html.as_bytes();
    let mut raw = 0;
    for (open, close) in [(&b"<script"[..], &b"</script"[..]), (b"<style", b"</style")] {
        let mut at = 0;
        while let Some(o) = memmem::find(&b[at..], open) {
            let start = at + o + open.len();
            let Some(c) = memmem::find(&b[start..], close) else {
                break;
            };
            raw += c;
            at = start + c + close.len();
        }
    }
    raw * 4 >= b.len()
}

/// `html` with every `<script>` / `<style>` body removed, or `html` itself
/// when there is none.
pub(super) fn empty_raw_text(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    // Byte ranges [start, end) to drop, in order.
    let mut cut: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    // Depth of `<svg>` / `<math>` nesting: foreign content, nothing emptied.
    let mut foreign: u32 = 0;
    while let Some(lt) = memchr(b'<', &b[i..]) {
        i += lt;
        let Some(&next) = b.get(i + 1) else { break };
        match next {
            b'!' => {
                let Some(end) = markup_declaration_end(b, i, foreign > 0) else {
                    break;
                };
                i = end;
            }
            b'?' => {
                let Some(gt) = memchr(b'>', &b[i..]) else {
                    break;
                };
                i += gt + 1;
            }
            b'/' => match b.get(i + 2) {
                Some(c) if c.is_ascii_alphabetic() => {
                    let (name, after_name) = tag_name(b, i + 2);
                    let Some(end) = tag_end(b, after_name) else {
                        break;
                    };
                    if foreign > 0 {
                        if eq(name, b"svg") || eq(name, b"math") {
                            foreign -= 1;
                        } else if eq(name, b"p") || eq(name, b"br") {
                            // These end tags also leave foreign content.
                            break;
                        }
                    }
                    i = end;
                }
                Some(b'>') => i += 3,
                _ => {
                    let Some(gt) = memchr(b'>', &b[i..]) else {
                        break;
                    };
                    i += gt + 1;
                }
            },
            c if c.is_ascii_alphabetic() => {
                let (name, after_name) = tag_name(b, i + 1);
                let Some(end) = tag_end(b, after_name) else {
                    break;
                };
                i = end;
                if foreign > 0 {
                    if eq(name, b"svg") || eq(name, b"math") {
                        foreign += 1;
                    } else if breaks_out_of_foreign(name) {
                        break;
                    }
                    continue;
                }
                if eq(name, b"svg") || eq(name, b"math") {
                    foreign = 1;
                } else if eq(name, b"script") || eq(name, b"style") {
                    let Some(close) = end_tag(b, i, name) else {
                        break;
                    };
                    // `<!--` in a script body starts the escaped states, where
                    // a `<script` can hide the first `</script>`; not modelled.
                    if eq(name, b"script") && memmem::find(&b[i..close], b"<!--").is_some() {
                        break;
                    }
                    if close > i {
                        cut.push((i, close));
                    }
                    i = close;
                } else if RAW_SKIP.iter().any(|r| eq(name, r)) {
                    let Some(close) = end_tag(b, i, name) else {
                        break;
                    };
                    i = close;
                } else if eq(name, b"plaintext") || eq(name, b"frameset") {
                    break;
                }
            }
            _ => i += 1,
        }
    }
    if cut.is_empty() {
        return Cow::Borrowed(html);
    }
    let removed: usize = cut.iter().map(|(s, e)| e - s).sum();
    let mut out = String::with_capacity(html.len() - removed);
    let mut from = 0;
    for (s, e) in cut {
        // Cuts start after a `>` and end before a `<`: both are char boundaries.
        out.push_str(&html[from..s]);
        from = e;
    }
    out.push_str(&html[from..]);
    Cow::Owned(out)
}

/// Raw-text and RCDATA elements left as they are but skipped whole, so that
/// markup-looking text inside them is not taken for tags (`noscript` is raw
/// text because html5ever parses with scripting enabled).
const RAW_SKIP: &[&[u8]] = &[
    b"textarea",
    b"title",
    b"noscript",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
];

/// HTML start tags that end foreign content (the tree builder pops out of
/// `<svg>` / `<math>`): past one, this scan no longer knows the state.
fn breaks_out_of_foreign(name: &[u8]) -> bool {
    const BREAKOUT: &[&[u8]] = &[
        b"b",
        b"big",
        b"blockquote",
        b"body",
        b"br",
        b"center",
        b"code",
        b"dd",
        b"div",
        b"dl",
        b"dt",
        b"em",
        b"embed",
        b"h1",
        b"h2",
        b"h3",
        b"h4",
        b"h5",
        b"h6",
        b"head",
        b"hr",
        b"i",
        b"img",
        b"li",
        b"listing",
        b"menu",
        b"meta",
        b"nobr",
        b"ol",
        b"p",
        b"pre",
        b"ruby",
        b"s",
        b"small",
        b"span",
        b"strong",
        b"strike",
        b"sub",
        b"sup",
        b"table",
        b"tt",
        b"u",
        b"ul",
        b"var",
        b"font",
    ];
    BREAKOUT.iter().any(|t| eq(name, t))
}

fn eq(name: &[u8], lower: &[u8]) -> bool {
    name.eq_ignore_ascii_case(lower)
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// The tag name starting at `from` (a letter) and the index just after it.
fn tag_name(b: &[u8], from: usize) -> (&[u8], usize) {
    let len = b[from..]
        .iter()
        .position(|&c| is_space(c) || c == b'/' || c == b'>')
        .unwrap_or(b.len() - from);
    (&b[from..from + len], from + len)
}

/// Index just past the `>` closing a tag whose name ends at `from`, walking
/// the attribute states (a quoted value may hold `>`; a quote inside a name
/// or an unquoted value is just a character). `None` at end of input.
fn tag_end(b: &[u8], mut j: usize) -> Option<usize> {
    loop {
        while j < b.len() && (is_space(b[j]) || b[j] == b'/') {
            j += 1;
        }
        match b.get(j)? {
            b'>' => return Some(j + 1),
            _ => {
                // Attribute name: its first character may be `=`.
                j += 1;
                while j < b.len() && !is_space(b[j]) && !matches!(b[j], b'/' | b'>' | b'=') {
                    j += 1;
                }
                while j < b.len() && is_space(b[j]) {
                    j += 1;
                }
                if b.get(j) != Some(&b'=') {
                    continue;
                }
                j += 1;
                while j < b.len() && is_space(b[j]) {
                    j += 1;
                }
                match *b.get(j)? {
                    q @ (b'"' | b'\'') => j += 1 + memchr(q, &b[j + 1..])? + 1,
                    b'>' => return Some(j + 1),
                    _ => {
                        while j < b.len() && !is_space(b[j]) && b[j] != b'>' {
                            j += 1;
                        }
                    }
                }
            }
        }
    }
}

/// Start of the end tag `</name` (any case, followed by space, `/` or `>`)
/// at or after `from`: where a raw-text body ends.
fn end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut k = from;
    loop {
        k += memmem::find(&b[k..], b"</")?;
        let after = k + 2 + name.len();
        if b.len() >= after
            && b[k + 2..after].eq_ignore_ascii_case(name)
            && b.get(after)
                .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
        {
            return Some(k);
        }
        k += 2;
    }
}

/// Index just past a `<!...` construct starting at `i`: a comment (with the
/// tokenizer's early ends `<!-->`, `<!--->` and `--!>`), a CDATA section in
/// foreign content, else a bogus comment or doctype ending at the first `>`.
fn markup_declaration_end(b: &[u8], i: usize, foreign: bool) -> Option<usize> {
    let rest = &b[i..];
    if rest.starts_with(b"<!--") {
        let j = i + 4;
        if b.get(j) == Some(&b'>') {
            return Some(j + 1);
        }
        if b[j..].starts_with(b"->") {
            return Some(j + 2);
        }
        let mut k = j;
        loop {
            k += memmem::find(&b[k..], b"--")?;
            if b.get(k + 2) == Some(&b'>') {
                return Some(k + 3);
            }
            if b[k + 2..].starts_with(b"!>") {
                return Some(k + 4);
            }
            k += 1;
        }
    }
    if foreign && rest.starts_with(b"<![CDATA[") {
        return Some(i + memmem::find(rest, b"]]>")? + 3);
    }
    Some(i + memchr(b'>', rest)? + 1)
}

#[cfg(test)]
mod tests {
    use super::{empty_raw_text, worth_emptying};

    #[test]
    fn empties_only_where_bodies_dominate() {
        let text = "<p>".to_owned() + &"x".repeat(300) + "</p>";
        let script = "<script>".to_owned() + &"y".repeat(100) + "</script>";
        assert!(!worth_emptying(&(text.clone() + &script)));
        assert!(worth_emptying(&(text + &script.repeat(2))));
        assert!(!worth_emptying("<script>never closed"));
    }

    #[test]
    fn empties_script_and_style_bodies_only() {
        let html =
            "<html><head><style>p{color:red}</style><script type=\"x\">var a = '<p>';</script>\
                    </head><body><p>12 €</p><SCRIPT>1</SCRIPT ></body></html>";
        assert_eq!(
            empty_raw_text(html),
            "<html><head><style></style><script type=\"x\"></script></head>\
             <body><p>12 €</p><SCRIPT></SCRIPT ></body></html>"
        );
    }

    #[test]
    fn leaves_lookalikes_alone() {
        for html in [
            // In an attribute value, a comment, a textarea, a title.
            "<div data-x='<script>a</script>'>1</div>",
            "<!-- <script>a</script> -->",
            "<textarea><script>a</script></textarea>",
            "<title><style>x</style></title>",
            // Not the element: a longer name, and a missing end tag.
            "<scripts>a</scripts>",
            "<script>never closed",
            // Foreign content and the escaped script states.
            "<svg><style>text{}</style></svg>",
            "<script><!--<script>a</script>b--></script>",
        ] {
            assert_eq!(empty_raw_text(html), html, "{html}");
        }
    }

    #[test]
    fn resumes_after_foreign_content_and_early_comment_ends() {
        let html = "<svg><svg></svg><style>x</style></svg><!--><script>a</script>";
        assert_eq!(
            empty_raw_text(html),
            "<svg><svg></svg><style>x</style></svg><!--><script></script>"
        );
    }

    #[test]
    fn stops_where_foreign_content_is_left_by_an_html_tag() {
        let html = "<svg><p>t</p><script>a</script>";
        assert_eq!(empty_raw_text(html), html);
    }
}
