//! Charset decoding of a fetched body, as browsers do it: BOM, then the
//! header's charset, then a `<meta>` prescan, then UTF-8 with a windows-1252
//! fallback. Pure and synchronous: it runs wherever the page is parsed.

use encoding_rs::Encoding;

/// Decodes a body: a BOM wins, then the header's charset, then a
/// `<meta charset>` in the first bytes, then UTF-8 — falling back to
/// windows-1252 (what browsers assume) when undeclared bytes are not UTF-8.
/// Invalid bytes become U+FFFD; the flag reports it.
pub fn decode_html(body: &[u8], header_charset: Option<&str>) -> (String, &'static Encoding, bool) {
    let encoding = sniff(body, header_charset);
    // `decode` sniffs the BOM itself and lets it override the declaration.
    let (text, used, lossy) = encoding.decode(body);
    (text.into_owned(), used, lossy)
}

/// [`decode_html`] taking the body by value: a body that is already valid
/// text in its charset (UTF-8, or pure ASCII in an ASCII-compatible one, with
/// no BOM) becomes the `String` without a copy. That is almost every page, and
/// the copy was a full pass over the body plus an allocation of its size.
pub fn decode_html_owned(
    body: Vec<u8>,
    header_charset: Option<&str>,
) -> (String, &'static Encoding, bool) {
    let encoding = sniff(&body, header_charset);
    let has_bom = body.starts_with(b"\xEF\xBB\xBF")
        || body.starts_with(b"\xFF\xFE")
        || body.starts_with(b"\xFE\xFF");
    let same_bytes =
        encoding == encoding_rs::UTF_8 || (encoding.is_ascii_compatible() && body.is_ascii());
    if same_bytes && !has_bom {
        match String::from_utf8(body) {
            Ok(text) => return (text, encoding, false),
            Err(e) => return decode_html(e.as_bytes(), header_charset),
        }
    }
    decode_html(&body, header_charset)
}

/// The encoding before BOM sniffing: the header's, then `<meta>`, then UTF-8
/// when the bytes are valid UTF-8, else windows-1252.
fn sniff(body: &[u8], header_charset: Option<&str>) -> &'static Encoding {
    let declared = header_charset
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .or_else(|| meta_charset(body));
    match declared {
        Some(enc) => enc,
        None if std::str::from_utf8(body).is_ok() => encoding_rs::UTF_8,
        None => encoding_rs::WINDOWS_1252,
    }
}

/// Finds `<meta charset=...>` or `<meta http-equiv=content-type content="...charset=...">`
/// in the first 4 KiB, as the HTML prescan does (UTF-16 labels mean UTF-8 there).
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(4096)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(cs) = find(tag, b"charset") {
            let rest = &tag[cs + 7..];
            let rest = rest.trim_ascii_start();
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = rest.trim_ascii_start();
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let len = rest
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || b"-_:.".contains(b)))
                    .unwrap_or(rest.len());
                if let Some(enc) = Encoding::for_label(&rest[..len]) {
                    return Some(
                        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                            encoding_rs::UTF_8
                        } else {
                            enc
                        },
                    );
                }
            }
        }
        from = end;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::{decode_html, decode_html_owned};

    #[test]
    fn valid_text_is_taken_without_a_copy() {
        for (body, charset) in [
            ("<p>Crème 12,50 €</p>".as_bytes(), Some("utf-8")),
            ("<p>Crème 12,50 €</p>".as_bytes(), None),
            (b"<p>12.50 EUR</p>".as_slice(), Some("iso-8859-1")),
        ] {
            let owned = body.to_vec();
            let at = owned.as_ptr();
            let (text, _, lossy) = decode_html_owned(owned, charset);
            assert_eq!(text.as_ptr(), at, "{charset:?}");
            assert_eq!(text.as_bytes(), body);
            assert!(!lossy);
        }
    }

    #[test]
    fn other_bodies_decode_as_decode_html_does() {
        for (body, charset) in [
            (b"<p>Cr\xe8me</p>".as_slice(), Some("iso-8859-1")),
            (b"<p>Cr\xe8me</p>".as_slice(), None),
            (b"<p>Cr\xe8me</p>".as_slice(), Some("utf-8")),
            (b"\xEF\xBB\xBF<p>x</p>".as_slice(), Some("iso-8859-1")),
            (b"\xFF\xFE<\0p\0>\0".as_slice(), None),
        ] {
            let (a, ea, la) = decode_html(body, charset);
            let (b, eb, lb) = decode_html_owned(body.to_vec(), charset);
            assert_eq!((a, ea, la), (b, eb, lb), "{body:?} {charset:?}");
        }
    }
}
