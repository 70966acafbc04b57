//! Charset decoding of a fetched body, as browsers do it: BOM, then the
//! header's charset, then a `<meta>` prescan, then UTF-8 with a windows-1252
//! fallback. Pure and synchronous: it runs wherever the page is parsed.

use encoding_rs::Encoding;

/// Decodes a body: a BOM wins, then the header's charset, then a
/// `<meta charset>` in the first bytes, then UTF-8 — falling back to
/// windows-1252 (what browsers assume) when undeclared bytes are not UTF-8.
/// Invalid bytes become U+FFFD; the flag reports it.
pub fn decode_html(body: &[u8], header_charset: Option<&str>) -> (String, &'static Encoding, bool) {
    let declared = header_charset
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .or_else(|| meta_charset(body));
    let encoding = match declared {
        Some(enc) => enc,
        None if std::str::from_utf8(body).is_ok() => encoding_rs::UTF_8,
        None => encoding_rs::WINDOWS_1252,
    };
    // `decode` sniffs the BOM itself and lets it override the declaration.
    let (text, used, lossy) = encoding.decode(body);
    (text.into_owned(), used, lossy)
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
    hay.windows(needle.len()).position(|w| w == needle)
}
