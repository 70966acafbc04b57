//! A hand-written HTML tokenizer for extraction's streaming tree: the same
//! token stream as html5ever's tokenizer driven by html5ever's tree builder
//! (scripting on, as `scraper` parses), for the HTML real pages use, at a
//! fraction of the cost. It gives up ([`Unsupported`]) on anything it does not
//! reproduce exactly, so a caller can fall back to the full parse.
//!
//! `tree_build` places its tokens into extraction's tree; the differential
//! test `tests/it/fasttok.rs` is its referee against html5ever's tokenizer
//! and `examples/parse_cost.rs` measures it. What it leaves to
//! the tree builder's rules it mirrors only as far as the tokenizer sees them:
//! which start tags switch to raw text (never inside `<svg>`/`<math>`, not for
//! most tags inside `<select>`); anything around those rules it cannot follow
//! exactly (HTML breaking out of foreign content, integration points,
//! `<plaintext>`, `<frameset>`) makes it give up.

use std::borrow::Cow;

use memchr::{memchr, memmem};

mod charref;
mod lexical;
mod sink;
use charref::{decode, Refs};
use lexical::*;
use sink::Emit;
pub use sink::Sink;

/// One attribute: name lower-cased, value with character references decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// One token, borrowing from the input where nothing needed decoding. A
/// start tag's attributes are lent for the call (`'t`): the tokenizer
/// collects every tag's into one buffer instead of a vector per tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a, 't> {
    StartTag {
        name: Cow<'a, str>,
        attrs: &'t [Attr<'a>],
        self_closing: bool,
    },
    EndTag {
        name: Cow<'a, str>,
    },
    /// Character data; never empty. Adjacent `Text` tokens can occur (e.g.
    /// around a bare `<`), as html5ever also splits character tokens.
    Text(Cow<'a, str>),
    Comment(Cow<'a, str>),
    Doctype {
        name: Cow<'a, str>,
        public_id: Option<Cow<'a, str>>,
        system_id: Option<Cow<'a, str>>,
    },
}

/// Where and why the tokenizer stopped: the input uses something it does not
/// reproduce exactly, so the caller must use the full parser instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported {
    /// Byte offset into the input.
    pub at: usize,
    pub reason: &'static str,
}

/// How the text after a start tag is tokenized (the tree builder's choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Raw {
    /// Script data: no character references, ends at `</script`.
    Script,
    /// RAWTEXT: no character references.
    Rawtext,
    /// RCDATA: character references decoded.
    Rcdata,
}

/// Tokenizes `html`, calling `emit` for each token in document order. On
/// `Err`, the tokens already emitted are a prefix of html5ever's stream and
/// the rest is unknown: discard them and use the full parser.
pub fn tokenize<'a>(html: &'a str, mut emit: impl FnMut(Token<'a, '_>)) -> Result<(), Unsupported> {
    tokenize_while(html, |t| {
        emit(t);
        true
    })
}

/// Why [`tokenize_while`] stopped when `emit` asked it to.
pub const STOPPED: &str = "stopped by the caller";

/// [`tokenize`], stopping as soon as `emit` returns `false` (with
/// [`STOPPED`] as the reason): a tree builder that meets a construct it does
/// not model need not read the rest of the page.
pub fn tokenize_while<'a>(
    html: &'a str,
    emit: impl FnMut(Token<'a, '_>) -> bool,
) -> Result<(), Unsupported> {
    tokenize_into(html, Emit(emit))
}

/// [`tokenize_while`] into a [`Sink`], stopping as soon as one of its
/// methods returns `false`.
pub fn tokenize_into<'a>(html: &'a str, sink: impl Sink<'a>) -> Result<(), Unsupported> {
    let mut t = Tokenizer {
        s: html,
        b: html.as_bytes(),
        // html5ever's default options discard a leading byte order mark.
        pos: if html.starts_with('\u{feff}') { 3 } else { 0 },
        foreign: Vec::new(),
        in_select: false,
        special: 0,
        attrs: Vec::new(),
        sink,
    };
    t.run()
}

struct Tokenizer<'a, S> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Open `<svg>`/`<math>` subtree, innermost last: inside it no start tag
    /// switches the tokenizer to raw text.
    foreign: Vec<String>,
    /// A `<select>` is open: the tree builder ignores most raw-text tags there.
    in_select: bool,
    /// Where the next `&`, `\r` or NUL at or after the last decoded
    /// piece's start is (the input's length for none); see `decode`.
    special: usize,
    /// The current tag's attributes: one buffer, reused for every tag.
    attrs: Vec<Attr<'a>>,
    sink: S,
}

fn give_up<T>(at: usize, reason: &'static str) -> Result<T, Unsupported> {
    Err(Unsupported { at, reason })
}

/// The tokenizer's whitespace, plus `\r`, which input preprocessing turns into `\n`.
const fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

impl<'a, S: Sink<'a>> Tokenizer<'a, S> {
    /// `s[start..end]` with references and newlines decoded ([`decode`]),
    /// borrowed without a search where the next `&`, `\r` or NUL of the
    /// page lies beyond it: most texts and values hold none, and one search
    /// ahead serves all of them up to the next such byte.
    fn decode(
        &mut self,
        start: usize,
        end: usize,
        refs: Refs,
    ) -> Result<Cow<'a, str>, Unsupported> {
        if self.special < start {
            self.special = memchr::memchr3(b'&', b'\r', b'\0', &self.b[start..])
                .map_or(self.b.len(), |k| start + k);
        }
        if self.special >= end {
            return Ok(Cow::Borrowed(&self.s[start..end]));
        }
        decode(&self.s[start..end], start, refs)
    }

    /// `Err` when the sink asked to stop (`go_on` is what it returned).
    fn went_on(&self, go_on: bool) -> Result<(), Unsupported> {
        if go_on {
            Ok(())
        } else {
            give_up(self.pos, STOPPED)
        }
    }

    fn run(&mut self) -> Result<(), Unsupported> {
        let mut text_start = self.pos;
        let mut from = self.pos;
        while let Some(k) = memchr(b'<', &self.b[from..]) {
            let lt = from + k;
            let next = self.b.get(lt + 1).copied();
            let markup = match next {
                Some(c) if c.is_ascii_alphabetic() => true,
                Some(b'/') => match self.b.get(lt + 2) {
                    Some(c) if c.is_ascii_alphabetic() => true,
                    Some(b'>') => return give_up(lt, "</>"),
                    // `</` then EOF is text; anything else a bogus comment.
                    None => false,
                    Some(_) => true,
                },
                Some(b'!' | b'?') => true,
                // A `<` that opens nothing is text.
                _ => false,
            };
            if !markup {
                from = lt + 1;
                continue;
            }
            self.text(text_start, lt)?;
            self.pos = lt;
            match next {
                Some(b'!') => self.bang()?,
                // `<?` and `</` + non-letter: a bogus comment that keeps the `?`.
                Some(b'?') => self.bogus_comment(lt + 1)?,
                Some(b'/') if !self.b[lt + 2].is_ascii_alphabetic() => {
                    self.bogus_comment(lt + 2)?
                }
                Some(b'/') => self.end_tag()?,
                _ => self.start_tag()?,
            }
            text_start = self.pos;
            from = self.pos;
        }
        self.text(text_start, self.b.len())
    }

    /// Emits `s[start..end]` as data (character references decoded), if any.
    fn text(&mut self, start: usize, end: usize) -> Result<(), Unsupported> {
        if start < end {
            let t = self.decode(start, end, Refs::Data)?;
            let go_on = self.sink.text(t);
            self.went_on(go_on)?;
        }
        Ok(())
    }

    /// A bogus comment: its text runs from `start` to the next `>`.
    fn bogus_comment(&mut self, start: usize) -> Result<(), Unsupported> {
        let Some(k) = memchr(b'>', &self.b[start..]) else {
            return give_up(start, "EOF in bogus comment");
        };
        let c = self.decode(start, start + k, Refs::None)?;
        let go_on = self.sink.comment(c);
        self.went_on(go_on)?;
        self.pos = start + k + 1;
        Ok(())
    }

    /// `<!`: a comment, a doctype, or else a bogus comment (`<![endif]>`);
    /// CDATA depends on the tree builder's current node, so it gives up.
    fn bang(&mut self) -> Result<(), Unsupported> {
        let lt = self.pos;
        let rest = &self.b[lt + 2..];
        if rest.starts_with(b"--") {
            let body = lt + 4;
            let tail = &self.b[body..];
            // `<!-->` and `<!--->` are empty comments closed abruptly.
            for abrupt in [&b">"[..], b"->"] {
                if tail.starts_with(abrupt) {
                    let go_on = self.sink.comment(Cow::Borrowed(""));
                    self.went_on(go_on)?;
                    self.pos = body + abrupt.len();
                    return Ok(());
                }
            }
            let Some(k) = memmem::find(tail, b"-->") else {
                return give_up(lt, "EOF in comment");
            };
            // `--!>` also closes a comment.
            if memmem::find(&tail[..k], b"--!").is_some() {
                return give_up(lt, "--! in comment");
            }
            let c = self.decode(body, body + k, Refs::None)?;
            let go_on = self.sink.comment(c);
            self.went_on(go_on)?;
            self.pos = body + k + 3;
            Ok(())
        } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"doctype") {
            self.doctype()
        } else if rest.starts_with(b"[CDATA[") {
            give_up(lt, "CDATA")
        } else {
            self.bogus_comment(lt + 2)
        }
    }

    /// `<!DOCTYPE name>` with optional quoted public and system identifiers.
    fn doctype(&mut self) -> Result<(), Unsupported> {
        let lt = self.pos;
        let i = lt + 9;
        if !self.b.get(i).copied().is_some_and(is_space) {
            return give_up(lt, "doctype spacing");
        }
        let name_start = self.skip_space(i);
        let (name, mut i) = self.name(name_start, DOCTYPE_END)?;
        if i == name_start || i == self.b.len() {
            return give_up(lt, "doctype name");
        }
        i = self.skip_space(i);
        let (mut public_id, mut system_id) = (None, None);
        let keyword = self.b.get(i..i + 6).unwrap_or_default();
        if keyword.eq_ignore_ascii_case(b"public") {
            let (id, next) = self.quoted_id(i + 6, self.skip_space(i + 6))?;
            public_id = Some(id);
            i = self.skip_space(next);
            if matches!(self.b.get(i), Some(b'"' | b'\'')) {
                let (id, next) = self.quoted_id(next, i)?;
                system_id = Some(id);
                i = self.skip_space(next);
            }
        } else if keyword.eq_ignore_ascii_case(b"system") {
            let (id, next) = self.quoted_id(i + 6, self.skip_space(i + 6))?;
            system_id = Some(id);
            i = self.skip_space(next);
        }
        if self.b.get(i) != Some(&b'>') {
            return give_up(lt, "doctype tail");
        }
        let go_on = self.sink.doctype(name, public_id, system_id);
        self.went_on(go_on)?;
        self.pos = i + 1;
        Ok(())
    }

    /// A doctype identifier: whitespace from `from` (html5ever only reports
    /// its absence, this gives up), then a quoted string at `at`; returns
    /// it and the index after the closing quote.
    fn quoted_id(&self, from: usize, at: usize) -> Result<(Cow<'a, str>, usize), Unsupported> {
        if at == from {
            return give_up(at, "doctype spacing");
        }
        let Some(&q @ (b'"' | b'\'')) = self.b.get(at) else {
            return give_up(at, "doctype identifier");
        };
        let Some(k) = memchr(q, &self.b[at + 1..]) else {
            return give_up(at, "EOF in doctype");
        };
        let id = &self.s[at + 1..at + 1 + k];
        if id.bytes().any(|c| matches!(c, b'>' | b'\r' | b'\0')) {
            return give_up(at, "doctype identifier content");
        }
        Ok((Cow::Borrowed(id), at + 2 + k))
    }

    fn skip_space(&self, mut i: usize) -> usize {
        while i < self.b.len() && is_space(self.b[i]) {
            i += 1;
        }
        i
    }

    /// A tag name from `at`: up to whitespace, `/` or `>`, ASCII lower-cased.
    /// Inlined into its two callers: a call returning the name, its end and
    /// the error through memory cost more than the scan of a short name.
    #[inline(always)]
    fn tag_name(&self, at: usize) -> Result<(Cow<'a, str>, usize), Unsupported> {
        let (name, i) = self.name(at, TAG_END)?;
        if i == self.b.len() {
            return give_up(at, "EOF in tag");
        }
        Ok((name, i))
    }

    /// A tag or attribute name from `at` up to a byte of class `end` (or
    /// EOF), ASCII lower-cased. Inlined where names are read: names are
    /// most of a tag's bytes, and the call and its returned tuple cost more
    /// than the scan of a short name.
    #[inline(always)]
    fn name(&self, at: usize, end: u8) -> Result<(Cow<'a, str>, usize), Unsupported> {
        // Names are short and almost always lower case already: one tight
        // scan to the first byte that ends the name or needs a second look.
        let rest = self.b.get(at..).unwrap_or_default();
        let i = at
            + rest
                .iter()
                .position(|&c| CLASS[usize::from(c)] & (end | UPPER | NUL) != 0)
                .unwrap_or(rest.len());
        if self
            .b
            .get(i)
            .is_none_or(|&c| CLASS[usize::from(c)] & end != 0)
        {
            return Ok((Cow::Borrowed(&self.s[at..i]), i));
        }
        self.folded_name(at, i, end)
    }

    /// The rest of [`Self::name`] from `i`, an upper-case byte or NUL: out
    /// of line, so the common case inlined where names are read stays small.
    #[cold]
    #[inline(never)]
    fn folded_name(
        &self,
        at: usize,
        mut i: usize,
        end: u8,
    ) -> Result<(Cow<'a, str>, usize), Unsupported> {
        while let Some(&c) = self.b.get(i) {
            if CLASS[usize::from(c)] & end != 0 {
                break;
            }
            if c == 0 {
                return give_up(i, "NUL in a name");
            }
            i += 1;
        }
        Ok((Cow::Owned(self.s[at..i].to_ascii_lowercase()), i))
    }

    fn end_tag(&mut self) -> Result<(), Unsupported> {
        let lt = self.pos;
        let (name, i) = self.tag_name(lt + 2)?;
        // Attributes and `/` on an end tag are parse errors the tree builder
        // ignores; they are read past and dropped.
        // Most end tags are `</name>`: no call for the attribute loop.
        let i = if self.b[i] == b'>' {
            i
        } else {
            self.attributes(lt, i)?.1
        };
        if !self.foreign.is_empty() {
            // The tree builder closes the innermost open foreign element of
            // that name; with none, the end tag is HTML's, not followed here.
            let Some(k) = self.foreign.iter().rposition(|open| *open == name) else {
                return give_up(lt, "HTML end tag inside svg/math");
            };
            self.foreign.truncate(k);
        } else if name == "select" {
            self.in_select = false;
        }
        let go_on = self.sink.end_tag(name);
        self.went_on(go_on)?;
        self.pos = i + 1;
        Ok(())
    }

    fn start_tag(&mut self) -> Result<(), Unsupported> {
        let lt = self.pos;
        let (name, i) = self.tag_name(lt + 1)?;
        let (self_closing, i) = if self.b[i] == b'>' {
            self.attrs.clear();
            (false, i)
        } else {
            self.attributes(lt, i)?
        };
        self.pos = i + 1;
        let raw = self.after_start_tag(&name, self_closing, lt)?;
        let go_on = self.sink.start_tag(name.clone(), &self.attrs, self_closing);
        self.went_on(go_on)?;
        if let Some(kind) = raw {
            self.raw_text(&name, kind)?;
        }
        Ok(())
    }

    /// A tag's attributes from `at` (after its name) to its `>`, into
    /// `self.attrs`: the self-closing flag, and the index of the `>`.
    fn attributes(&mut self, lt: usize, mut i: usize) -> Result<(bool, usize), Unsupported> {
        self.attrs.clear();
        loop {
            i = self.skip_space(i);
            match self.b.get(i) {
                None => return give_up(lt, "EOF in tag"),
                Some(b'>') => return Ok((false, i)),
                Some(b'/') if self.b.get(i + 1) == Some(&b'>') => return Ok((true, i + 1)),
                // A `/` not before `>` is a parse error, then ignored.
                Some(b'/') => i += 1,
                Some(b'=') => return give_up(i, "attribute name starting with ="),
                Some(_) => {
                    let (attr, next) = self.attribute(i)?;
                    // A repeated name is dropped: the first one counts.
                    if !self.attrs.iter().any(|a| a.name == attr.name) {
                        self.attrs.push(attr);
                    }
                    i = next;
                }
            }
        }
    }

    /// One attribute at `at` (not whitespace, `/`, `>` or `=`); returns it
    /// and the index after it.
    fn attribute(&mut self, at: usize) -> Result<(Attr<'a>, usize), Unsupported> {
        let (name, i) = self.name(at, ATTR_END)?;
        let j = self.skip_space(i);
        if self.b.get(j) != Some(&b'=') {
            let value = Cow::Borrowed("");
            return Ok((Attr { name, value }, i));
        }
        let v = self.skip_space(j + 1);
        match self.b.get(v) {
            None => give_up(v, "EOF in tag"),
            Some(&q @ (b'"' | b'\'')) => {
                let Some(k) = memchr(q, &self.b[v + 1..]) else {
                    return give_up(v, "EOF in attribute value");
                };
                // No whitespace before the next attribute is only a parse error.
                let end = v + 1 + k;
                let value = self.decode(v + 1, end, Refs::Attribute)?;
                Ok((Attr { name, value }, end + 1))
            }
            // `a=>`: a parse error; the value is empty and `>` ends the tag.
            Some(b'>') => Ok((
                Attr {
                    name,
                    value: Cow::Borrowed(""),
                },
                v,
            )),
            Some(_) => {
                let mut e = v;
                // `"`, `'`, `<`, `=` and `` ` `` here are parse errors, kept in the value.
                while e < self.b.len() && self.b[e] != b'>' && !is_space(self.b[e]) {
                    e += 1;
                }
                let value = self.decode(v, e, Refs::Attribute)?;
                Ok((Attr { name, value }, e))
            }
        }
    }

    /// Follows the tree builder's choice of tokenizer state after a start tag,
    /// and gives up where that choice depends on more than this tracks.
    fn after_start_tag(
        &mut self,
        name: &str,
        self_closing: bool,
        at: usize,
    ) -> Result<Option<Raw>, Unsupported> {
        if let Some(top) = self.foreign.last() {
            if is_integration_point(top) {
                return give_up(at, "start tag in an HTML integration point");
            }
            if breaks_out_of_foreign(name, &self.attrs) {
                return give_up(at, "HTML start tag inside svg/math");
            }
            if !self_closing {
                self.foreign.push(name.to_owned());
            }
            return Ok(None);
        }
        let raw = match name {
            "svg" | "math" if self.in_select => return give_up(at, "svg/math in select"),
            "svg" | "math" => {
                if !self_closing {
                    self.foreign.push(name.to_owned());
                }
                return Ok(None);
            }
            "select" => {
                self.in_select = true;
                return Ok(None);
            }
            "plaintext" | "frameset" => return give_up(at, "plaintext or frameset"),
            "script" => Raw::Script,
            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Raw::Rawtext,
            "title" | "textarea" => Raw::Rcdata,
            _ => return Ok(None),
        };
        // In a select only `<script>` is processed; the rest are ignored (or
        // close the select), so the tokenizer's state depends on more context.
        if self.in_select && raw != Raw::Script {
            return give_up(at, "raw-text tag inside select");
        }
        Ok(Some(raw))
    }

    /// The text of a raw-text element up to its end tag, then that end tag.
    fn raw_text(&mut self, name: &str, kind: Raw) -> Result<(), Unsupported> {
        let start = self.pos;
        let Some(end) = find_end_tag(&self.b[start..], name.as_bytes()) else {
            return give_up(start, "EOF in raw text");
        };
        let end = start + end;
        let content = &self.s[start..end];
        // `<!--` then `<script` inside a script enters the double-escaped
        // states, where `</script>` does not end it.
        if kind == Raw::Script
            && memmem::find(content.as_bytes(), b"<!--").is_some()
            && find_ci(content.as_bytes(), b"<script").is_some()
        {
            return give_up(start, "escaped script");
        }
        if !content.is_empty() {
            let refs = if kind == Raw::Rcdata {
                Refs::Data
            } else {
                Refs::None
            };
            let t = self.decode(start, end, refs)?;
            let go_on = self.sink.text(t);
            self.went_on(go_on)?;
        }
        self.pos = end;
        self.end_tag()
    }
}
