//! Finding and reading JSON-LD in the raw page text: the script bodies
//! (`type="application/ld+json"`, any case), and a lenient parse that
//! salvages what it can from comments, trailing commas and raw newlines.
//! No DOM: the JSON-LD fast path never parses the HTML.

use serde_json::Value;

/// The text of each JSON-LD script, in document order.
pub(super) fn scripts(html: &str) -> Vec<&str> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = find_ascii_ci(&bytes[from..], b"ld+json") {
        let hit = from + rel;
        from = hit + 7;
        // The match must sit inside an open `<script ...>` tag.
        let Some(lt) = bytes[..hit].iter().rposition(|&b| b == b'<') else {
            continue;
        };
        if bytes[lt..hit].contains(&b'>') || !starts_with_ci(&bytes[lt..], b"<script") {
            continue;
        }
        let Some(gt) = bytes[hit..].iter().position(|&b| b == b'>') else {
            break;
        };
        let body_start = hit + gt + 1;
        let body_end = find_ascii_ci(&bytes[body_start..], b"</script")
            .map_or(bytes.len(), |e| body_start + e);
        // Both ends sit on ASCII bytes, so they are char boundaries.
        if let Some(body) = html.get(body_start..body_end) {
            out.push(body);
        }
        from = body_end;
    }
    out
}

fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// Case-insensitive search. Anchors on the needle's first non-letter byte when
/// it has one (`+` in `ld+json` is rare in HTML), which keeps the scan fast.
pub(super) fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let anchor = needle
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(0);
    let (lo, up) = (
        needle[anchor].to_ascii_lowercase(),
        needle[anchor].to_ascii_uppercase(),
    );
    let mut i = anchor;
    while i < hay.len() {
        // SIMD search, so the speed does not hang on how the compiler
        // happens to vectorise a byte loop in this codegen unit.
        let rel = memchr::memchr2(lo, up, &hay[i..])?;
        let at = i + rel;
        if let Some(start) = at.checked_sub(anchor) {
            if hay.len() - start >= needle.len() && starts_with_ci(&hay[start..], needle) {
                return Some(start);
            }
        }
        i = at + 1;
    }
    None
}

/// Parses one script body; a broken script yields what could be salvaged.
pub(super) fn parse_lenient(body: &str) -> Vec<Value> {
    let trimmed = strip_wrappers(body);
    let values = parse_stream(trimmed);
    if !values.is_empty() {
        return values;
    }
    let fixed = repair(trimmed);
    parse_stream(&fixed)
}

fn strip_wrappers(body: &str) -> &str {
    let mut s = body.trim();
    for prefix in ["//<![CDATA[", "<![CDATA[", "<!--"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
        }
    }
    for suffix in ["//]]>", "]]>", "-->", "//"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end();
        }
    }
    s
}

/// Reads consecutive JSON values (some sites concatenate several objects).
fn parse_stream(s: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for v in serde_json::Deserializer::from_str(s).into_iter::<Value>() {
        match v {
            Ok(v) => out.push(v),
            Err(_) => break,
        }
    }
    out
}

/// Cheap fixes for hand-written JSON: trailing commas, raw control characters
/// inside strings, and `//` or `/* */` comments outside strings.
fn repair(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if in_str {
            match c {
                '\\' => {
                    out.push(c);
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => {
                    in_str = false;
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {}
                c => out.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'/') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for n in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            '}' | ']' => {
                let keep = out.trim_end().len();
                if out[..keep].ends_with(',') {
                    out.truncate(keep - 1);
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_scripts_case_insensitively() {
        let html = r#"<script>var a = "ld+json";</script><SCRIPT type="application/LD+JSON">{"a":1}</SCRIPT><script type='application/ld+json'>[2]</script>"#;
        assert_eq!(scripts(html), vec![r#"{"a":1}"#, "[2]"]);
    }

    #[test]
    fn repairs_trailing_commas_comments_and_newlines() {
        let v = parse_lenient("<!-- {\"a\": [1, 2,], // note\n \"b\": \"x\ny\",} -->");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["b"], "x\ny");
    }

    #[test]
    fn case_insensitive_find() {
        assert_eq!(find_ascii_ci(b"xx LD+Json", b"ld+json"), Some(3));
        assert_eq!(find_ascii_ci(b"+ld+json", b"ld+json"), Some(1));
        assert_eq!(find_ascii_ci(b"ld+jso", b"ld+json"), None);
        assert_eq!(find_ascii_ci(b"a ITEMPROP=x", b"itemprop"), Some(2));
    }
}
