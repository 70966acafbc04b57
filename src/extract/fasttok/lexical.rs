//! `fasttok`'s byte-level helpers: the byte-class table its name scans
//! use, end-tag and case-insensitive searches, and the foreign-content tag
//! rules (split from fasttok.rs for length; moved, not changed).

use super::{is_space, Attr};
use memchr::memmem;

/// Elements inside svg/math whose children the tree builder parses as HTML.
pub(super) fn is_integration_point(name: &str) -> bool {
    matches!(
        name,
        "foreignobject" | "desc" | "title" | "mi" | "mo" | "mn" | "ms" | "mtext" | "annotation-xml"
    )
}

/// Start tags that close foreign content and are processed as HTML.
// One string, not a slice: rustfmt would give each name its own line.
pub(super) const BREAKOUT: &str =
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 \
    h5 h6 head hr i img li listing menu meta nobr ol p pre ruby s small span strong strike sub \
    sup table tt u ul var";

pub(super) fn breaks_out_of_foreign(name: &str, attrs: &[Attr]) -> bool {
    BREAKOUT.split_ascii_whitespace().any(|b| b == name)
        || (name == "font"
            && attrs
                .iter()
                .any(|a| matches!(&*a.name, "color" | "face" | "size")))
}

/// Offset of the appropriate end tag `</name` followed by whitespace, `/`
/// or `>` (name compared ASCII case-insensitively), as raw-text states end.
pub(super) fn find_end_tag(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = memmem::find(&hay[from..], b"</") {
        let at = from + k;
        let n = at + 2;
        if hay.len() > n + name.len()
            && hay[n..n + name.len()].eq_ignore_ascii_case(name)
            && matches!(
                hay[n + name.len()],
                b'/' | b'>' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' '
            )
        {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// First offset of `needle` (lower-case ASCII) in `hay`, ignoring ASCII case.
pub(super) fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Byte classes for [`Tokenizer::name`]: what ends a tag name, an attribute
/// name and a doctype name (`/` belongs to it), and what needs a second look.
pub(super) const TAG_END: u8 = 1;
pub(super) const ATTR_END: u8 = 2;
pub(super) const DOCTYPE_END: u8 = 16;
pub(super) const UPPER: u8 = 4;
pub(super) const NUL: u8 = 8;
pub(super) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if is_space(b) || b == b'>' {
            t[c] = TAG_END | ATTR_END | DOCTYPE_END;
        } else if b == b'/' {
            t[c] = TAG_END | ATTR_END;
        } else if b == b'=' {
            t[c] = ATTR_END;
        } else if b.is_ascii_uppercase() {
            t[c] = UPPER;
        } else if b == 0 {
            t[c] = NUL;
        }
        c += 1;
    }
    t
};
