//! Tag-name lists for `tree_build`, from the HTML tree-construction rules
//! (WHATWG "parsing HTML documents": special elements, scopes, implied end
//! tags), kept apart so the builder reads as its rules.

/// Formatting elements: the full algorithm reopens them after an implied
/// close and restructures them when misnested (the adoption agency).
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Tags the spec's "in head" mode keeps in the head.
const HEAD_ONLY: &[&str] = &[
    "base", "basefont", "bgsound", "link", "meta", "noframes", "script", "style", "template",
    "title", "noscript",
];

/// Start tags that close an open `<p>` (in button scope).
#[rustfmt::skip]
const CLOSES_P: &[&str] = &[
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl",
    "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu", "nav", "ol",
    "p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
    "listing", "form", "plaintext", "hr", "xmp", "li", "dd", "dt",
];

/// End tags matched "in scope" (they close whatever is open inside them).
#[rustfmt::skip]
const BLOCK_END: &[&str] = &[
    "address", "article", "aside", "blockquote", "button", "center", "details", "dialog", "dir",
    "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "listing",
    "main", "menu", "nav", "ol", "pre", "search", "section", "summary", "ul", "form", "li", "dd",
    "dt", "applet", "marquee", "object", "table", "tbody", "thead", "tfoot", "tr", "td", "th",
    "caption", "colgroup", "select", "template",
];

/// Elements an "any other" end tag may not close past.
#[rustfmt::skip]
const SPECIAL: &[&str] = &[
    "address", "applet", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote",
    "body", "br", "button", "caption", "center", "col", "colgroup", "dd", "details", "dir", "div",
    "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset",
    "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img",
    "input", "keygen", "li", "link", "listing", "main", "marquee", "menu", "meta", "nav",
    "noembed", "noframes", "noscript", "object", "ol", "p", "param", "plaintext", "pre", "script",
    "search", "section", "select", "source", "style", "summary", "table", "tbody", "td",
    "template", "textarea", "tfoot", "th", "thead", "title", "tr", "track", "ul", "wbr", "xmp",
];

/// HTML start tags that end foreign (`svg` / `math`) content.
#[rustfmt::skip]
const BREAKOUT: &[&str] = &[
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
    "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu",
    "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub",
    "sup", "table", "tt", "u", "ul", "var",
];

/// What a table holds itself; anything else placed in it is moved before it.
const TABLE_OWN: &[&str] = &[
    "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup", "col", "script",
    "style", "template", "input", "form",
];

/// Where scopes end: the spec's default scope boundaries (html5ever 0.40
/// counts `select` among them).
#[rustfmt::skip]
const SCOPE: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "select", "template",
    "mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject",
];

/// Elements that put a marker on the list of active formatting elements:
/// formatting elements opened before them are not reopened inside them.
const MARKER: &[&str] = &[
    "applet", "caption", "marquee", "object", "template", "td", "th",
];

/// Start tags the "in body" rules insert without first reopening the
/// formatting elements closed implicitly ("reconstruct the active formatting
/// elements"); every other tag reopens them.
#[rustfmt::skip]
const NO_RECONSTRUCT: &[&str] = &[
    "html", "head", "body", "frameset", "base", "basefont", "bgsound", "link", "meta", "noframes",
    "script", "style", "template", "title", "address", "article", "aside", "blockquote", "center",
    "details", "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer",
    "header", "hgroup", "main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "listing", "form", "li", "dd", "dt", "plaintext",
    "table", "param", "source", "track", "hr", "textarea", "iframe", "noembed", "noscript", "rb",
    "rtc", "rp", "rt", "caption", "col", "colgroup", "frame", "tbody", "td", "tfoot", "th",
    "thead", "tr",
];

/// Elements whose content the tokenizer reads as raw text or RCDATA (with
/// scripting on, as `scraper` parses): text inside them is not body text.
const RAW_TEXT: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
];

/// End tags whose rules do more than close the current node when it has
/// their name (the form pointer, `</br>`, the implied `<html>` / `<head>` /
/// `<body>`): `tree_build`'s fast path for end tags leaves them out.
const END_RULES: &[&str] = &["form", "body", "html", "br", "head"];

/// `<h1>`–`<h6>`.
const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Where content placed at the current node is fostered out of a table.
const TABLE_CONTEXT: &[&str] = &["table", "tbody", "thead", "tfoot", "tr"];

/// Where the spec's table scope ends.
const TABLE_BOUNDARY: &[&str] = &["html", "table", "template"];

/// Foreign elements whose children are HTML again (integration points).
#[rustfmt::skip]
const INTEGRATION: &[&str] = &[
    "mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc", "title",
];

/// Which of the lists above a tag name is on, one bit per list: the builder
/// asks these questions for every token and every open element, so each
/// name is looked up once ([`kind`]) instead of compared with each list.
pub(super) mod is {
    pub const P: u32 = 1 << 13;
    pub const SELECT: u32 = 1 << 14;
    pub const MARKER: u32 = 1 << 15;
    pub const NO_RECONSTRUCT: u32 = 1 << 16;
    pub const RAW_TEXT: u32 = 1 << 17;
    pub const COLGROUP: u32 = 1 << 18;
    pub const CELL: u32 = 1 << 19;
    pub const END_RULES: u32 = 1 << 20;
    pub const FOREIGN_ROOT: u32 = 1 << 21;
    pub const SKIP_LF: u32 = 1 << 22;
    pub const FORMATTING: u32 = 1;
    pub const VOID: u32 = 1 << 1;
    pub const HEAD_ONLY: u32 = 1 << 2;
    pub const CLOSES_P: u32 = 1 << 3;
    pub const BLOCK_END: u32 = 1 << 4;
    pub const SPECIAL: u32 = 1 << 5;
    pub const BREAKOUT: u32 = 1 << 6;
    pub const TABLE_OWN: u32 = 1 << 7;
    pub const SCOPE: u32 = 1 << 8;
    pub const HEADING: u32 = 1 << 9;
    pub const INTEGRATION: u32 = 1 << 10;
    pub const TABLE_CONTEXT: u32 = 1 << 11;
    pub const TABLE_BOUNDARY: u32 = 1 << 12;
}

const LISTS: &[(&[&str], u32)] = &[
    (FORMATTING, is::FORMATTING),
    (VOID, is::VOID),
    (HEAD_ONLY, is::HEAD_ONLY),
    (CLOSES_P, is::CLOSES_P),
    (BLOCK_END, is::BLOCK_END),
    (SPECIAL, is::SPECIAL),
    (BREAKOUT, is::BREAKOUT),
    (TABLE_OWN, is::TABLE_OWN),
    (SCOPE, is::SCOPE),
    (HEADINGS, is::HEADING),
    (INTEGRATION, is::INTEGRATION),
    (TABLE_CONTEXT, is::TABLE_CONTEXT),
    (TABLE_BOUNDARY, is::TABLE_BOUNDARY),
    (&["p"], is::P),
    (&["select"], is::SELECT),
    (MARKER, is::MARKER),
    (NO_RECONSTRUCT, is::NO_RECONSTRUCT),
    (RAW_TEXT, is::RAW_TEXT),
    (&["colgroup"], is::COLGROUP),
    (&["td", "th", "caption"], is::CELL),
    (END_RULES, is::END_RULES),
    (&["svg", "math"], is::FOREIGN_ROOT),
    // The tree builder drops a newline right after these start tags.
    (&["textarea", "pre", "listing"], is::SKIP_LF),
];

/// Names of up to eight bytes, packed into a `u64`, in an open-addressed
/// table; longer names (a handful) in a list.
struct Kinds {
    keys: [u64; SLOTS],
    kinds: [u32; SLOTS],
    long: Vec<(&'static str, u32)>,
}

const SLOTS: usize = 512;

static KINDS: std::sync::LazyLock<Kinds> = std::sync::LazyLock::new(|| {
    let mut t = Kinds {
        keys: [0; SLOTS],
        kinds: [0; SLOTS],
        long: Vec::new(),
    };
    for &(names, bit) in LISTS {
        for &name in names {
            if name.len() > 8 {
                match t.long.iter_mut().find(|(n, _)| *n == name) {
                    Some(e) => e.1 |= bit,
                    None => t.long.push((name, bit)),
                }
                continue;
            }
            let key = pack(name.as_bytes());
            let mut i = slot(key);
            while t.keys[i] != 0 && t.keys[i] != key {
                i = (i + 1) % SLOTS;
            }
            t.keys[i] = key;
            t.kinds[i] |= bit;
        }
    }
    t
});

fn pack(b: &[u8]) -> u64 {
    // A shift per byte: a variable-length copy into an array calls memcpy,
    // which cost more than the lookup around it.
    b.iter()
        .enumerate()
        .fold(0, |k, (i, &c)| k | u64::from(c) << (8 * i))
}

fn slot(key: u64) -> usize {
    // Fibonacci hashing: the top 9 bits of the product.
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55) as usize
}

/// The [`is`] bits of a lower-case tag name (0 for a name on no list).
pub(super) fn kind(name: &str) -> u32 {
    let t = &*KINDS;
    let b = name.as_bytes();
    if b.len() > 8 {
        return t.long.iter().find(|(n, _)| *n == name).map_or(0, |e| e.1);
    }
    let key = pack(b);
    let mut i = slot(key);
    loop {
        match t.keys[i] {
            k if k == key => return t.kinds[i],
            0 => return 0,
            _ => i = (i + 1) % SLOTS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_is_the_lists_a_name_is_on() {
        let mut names: Vec<&str> = LISTS.iter().flat_map(|(l, _)| l.iter().copied()).collect();
        names.extend([
            "span",
            "x-widget",
            "",
            "abcdefgh",
            "abcdefghi",
            "annotation",
        ]);
        for name in names {
            let want = LISTS
                .iter()
                .filter(|(l, _)| l.contains(&name))
                .fold(0, |k, (_, bit)| k | bit);
            assert_eq!(kind(name), want, "{name}");
        }
    }
}
