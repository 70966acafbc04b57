//! The page's locale for currency resolution: `<html lang>`, else
//! `og:locale`. Read straight from the text and only from the page head
//! (bounded), so it costs next to nothing on pages that need it and nothing
//! on the fast paths, which never call it.

/// Bytes of the page searched for the head's locale signals: heads are a few
/// kilobytes; pages that inline megabytes of CSS before `</head>` lose only
/// this weak signal.
const HEAD_SCAN: usize = 64 * 1024;

/// The page's language tag (`ja`, `es-AR`, `zh_CN`): `<html lang>`, else
/// `og:locale`; `None` when neither is written or the tag is implausible.
pub(super) fn page_locale(html: &str) -> Option<&str> {
    let mut cut = html.len().min(HEAD_SCAN);
    while !html.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &html[..cut];
    let bytes = head.as_bytes();
    let end = find_ascii_ci(bytes, b"</head").unwrap_or(head.len());
    let head = &head[..end];
    html_lang(head)
        .or_else(|| og_locale(head))
        .filter(|t| plausible(t))
}

fn html_lang(head: &str) -> Option<&str> {
    let at = find_ascii_ci(head.as_bytes(), b"<html")?;
    let tag_end = at + head[at..].find('>')?;
    let tag = &head[at..tag_end];
    attr(tag, "lang")
}

fn og_locale(head: &str) -> Option<&str> {
    let at = head
        .find("og:locale\"")
        .or_else(|| head.find("og:locale'"))?;
    let start = head[..at].rfind('<')?;
    let end = at + head[at..].find('>')?;
    attr(&head[start..end], "content")
}

/// The value of attribute `name` in one start tag's text (quoted or bare).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let bytes = tag.as_bytes();
    let mut from = 0;
    while let Some(rel) = find_ascii_ci(&bytes[from..], name.as_bytes()) {
        let at = from + rel;
        from = at + name.len();
        let before_ok = at > 0 && bytes[at - 1].is_ascii_whitespace();
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        return Some(match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &rest[1..];
                &body[..body.find(q).unwrap_or(body.len())]
            }
            _ => {
                let n = rest
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(rest.len());
                &rest[..n]
            }
        });
    }
    None
}

/// Case-insensitive search for an ASCII needle. Deliberately not
/// `jsonld::scan::find_ascii_ci`: sharing that one made LLVM stop specialising it
/// for the JSON-LD fast path, which got measurably slower.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Letters, digits, `-` and `_`, 2 to 35 chars (BCP 47's longest useful form).
fn plausible(tag: &str) -> bool {
    (2..=35).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::page_locale;

    #[test]
    fn html_lang_then_og_locale() {
        assert_eq!(
            page_locale(r#"<!doctype html><html lang="ja"><head>"#),
            Some("ja")
        );
        assert_eq!(
            page_locale("<HTML class=x LANG=es-AR><head></head>"),
            Some("es-AR")
        );
        let og = r#"<html><head><meta property="og:locale" content="zh_CN"></head>"#;
        assert_eq!(page_locale(og), Some("zh_CN"));
        assert_eq!(page_locale(r#"<html data-lang="fr"><head>"#), None);
        let body_only = r#"<html><head></head><body><meta property="og:locale" content="sv_SE">"#;
        assert_eq!(page_locale(body_only), None, "the head only");
        assert_eq!(page_locale(r#"<html lang="{{ locale }}">"#), None);
    }
}
