//! Tag-name lists for `tree_build`, from the HTML tree-construction rules
//! (WHATWG "parsing HTML documents": special elements, scopes, implied end
//! tags), kept apart so the builder reads as its rules.

/// Formatting elements: the full algorithm reopens them after an implied
/// close and restructures them when misnested (the adoption agency).
pub(super) const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

pub(super) const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Tags the spec's "in head" mode keeps in the head.
pub(super) const HEAD_ONLY: &[&str] = &[
    "base", "basefont", "bgsound", "link", "meta", "noframes", "script", "style", "template",
    "title", "noscript",
];

/// Start tags that close an open `<p>` (in button scope).
#[rustfmt::skip]
pub(super) const CLOSES_P: &[&str] = &[
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl",
    "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu", "nav", "ol",
    "p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
    "listing", "form", "plaintext", "hr", "xmp", "li", "dd", "dt",
];

/// End tags matched "in scope" (they close whatever is open inside them).
#[rustfmt::skip]
pub(super) const BLOCK_END: &[&str] = &[
    "address", "article", "aside", "blockquote", "button", "center", "details", "dialog", "dir",
    "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "listing",
    "main", "menu", "nav", "ol", "pre", "search", "section", "summary", "ul", "form", "li", "dd",
    "dt", "applet", "marquee", "object", "table", "tbody", "thead", "tfoot", "tr", "td", "th",
    "caption", "colgroup", "select", "template",
];

/// Elements an "any other" end tag may not close past.
#[rustfmt::skip]
pub(super) const SPECIAL: &[&str] = &[
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
pub(super) const BREAKOUT: &[&str] = &[
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
    "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu",
    "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub",
    "sup", "table", "tt", "u", "ul", "var",
];

/// What a table holds itself; anything else placed in it is moved before it.
pub(super) const TABLE_OWN: &[&str] = &[
    "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup", "col", "script",
    "style", "template", "input", "form",
];

/// Where scopes end: the spec's default scope boundaries.
#[rustfmt::skip]
pub(super) const SCOPE: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "mi", "mo",
    "mn", "ms", "mtext", "annotation-xml", "foreignobject",
];
