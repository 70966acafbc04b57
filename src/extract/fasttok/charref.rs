//! Character references and newlines in fasttok's text and attribute values,
//! decoded as html5ever decodes them (its own named-entity table, the
//! spec's numeric replacements); anything else gives up.

use std::borrow::Cow;

use memchr::memchr3;

use super::{give_up, Unsupported};

/// Which character references a piece of text decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refs {
    None,
    Data,
    /// As in data, except the historical rule for named references without `;`.
    Attribute,
}

/// Normalises `\r\n` and `\r` to `\n` and decodes character references;
/// NUL gives up. `at` is `s`'s offset in the input, for [`Unsupported`].
pub(super) fn decode(s: &str, at: usize, refs: Refs) -> Result<Cow<'_, str>, Unsupported> {
    let b = s.as_bytes();
    let amp = if refs == Refs::None { b'\r' } else { b'&' };
    let Some(first) = memchr3(amp, b'\r', b'\0', b) else {
        return Ok(Cow::Borrowed(s));
    };
    let mut out = String::with_capacity(s.len());
    let (mut done, mut next) = (0, first);
    loop {
        out.push_str(&s[done..next]);
        match b[next] {
            b'\0' => return give_up(at + next, "NUL"),
            b'\r' => {
                out.push('\n');
                done = next + 1;
                if b.get(done) == Some(&b'\n') {
                    done += 1;
                }
            }
            _ => {
                let rest = &s[next + 1..];
                let (used, chars) = char_ref(rest, refs == Refs::Attribute);
                match chars {
                    Some((c1, c2)) => {
                        out.push(c1);
                        out.extend(c2);
                    }
                    None => out.push('&'),
                }
                done = next + 1 + used;
            }
        }
        match memchr3(amp, b'\r', b'\0', &b[done..]) {
            Some(k) => next = done + k,
            None => {
                out.push_str(&s[done..]);
                return Ok(Cow::Owned(out));
            }
        }
    }
}

/// Named references common enough to look up without the table (each
/// with its `;`, so no legacy or attribute rule applies).
const COMMON: [(&[u8], char); 5] = [
    (b"amp;", '&'),
    (b"quot;", '"'),
    (b"nbsp;", '\u{a0}'),
    (b"lt;", '<'),
    (b"gt;", '>'),
];

/// The longest named reference html5ever's table holds (`CounterClockwiseContourIntegral;`).
const LONGEST_NAME: usize = 32;

/// A character reference after `&`: bytes consumed and the characters, or
/// `(0, None)` when the `&` stays literal (html5ever then re-reads the rest).
fn char_ref(rest: &str, in_attribute: bool) -> (usize, Option<(char, Option<char>)>) {
    let b = rest.as_bytes();
    if b.first() == Some(&b'#') {
        return numeric_ref(b);
    }
    // The references pages are full of (`&amp;` in every other URL),
    // without hashing the name into the entity table.
    for (name, c) in COMMON {
        if b.starts_with(name) {
            return (name.len(), Some((c, None)));
        }
    }
    let run = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    if run == 0 {
        return (0, None);
    }
    let semicolon = b.get(run) == Some(&b';');
    // Longest first: the name plus `;` if present, then each shorter prefix
    // (legacy names such as `amp`, `not` match without the `;`).
    let longest = (run + usize::from(semicolon)).min(LONGEST_NAME);
    for len in (1..=longest).rev() {
        let Some(&(c1, c2)) = html5ever::data::NAMED_ENTITIES.get(&rest[..len]) else {
            continue;
        };
        if c1 == 0 {
            continue; // a prefix of a longer name, not a name
        }
        if b[len - 1] != b';' && in_attribute {
            // Historical rule: `&not=1` or `&copyx` in an attribute stays literal.
            if b.get(len)
                .is_some_and(|&c| c == b'=' || c.is_ascii_alphanumeric())
            {
                return (0, None);
            }
        }
        let (Some(c1), c2) = (char::from_u32(c1), char::from_u32(c2).filter(|_| c2 != 0)) else {
            return (0, None);
        };
        return (len, Some((c1, c2)));
    }
    (0, None)
}

/// `#` then decimal digits, or `#x`/`#X` then hex digits, then an optional `;`;
/// mapped as html5ever's tokenizer maps them (the spec's replacement table).
fn numeric_ref(b: &[u8]) -> (usize, Option<(char, Option<char>)>) {
    let hex = matches!(b.get(1), Some(b'x' | b'X'));
    let (base, mut i) = if hex { (16, 2) } else { (10, 1) };
    let digits_start = i;
    let (mut n, mut too_big) = (0u32, false);
    while let Some(d) = b.get(i).and_then(|&c| char::from(c).to_digit(base)) {
        n = n.saturating_mul(base).saturating_add(d);
        too_big |= n > 0x10FFFF;
        i += 1;
    }
    if i == digits_start {
        return (0, None);
    }
    if b.get(i) == Some(&b';') {
        i += 1;
    }
    let c = match n {
        _ if too_big => '\u{fffd}',
        0 | 0xD800..=0xDFFF => '\u{fffd}',
        0x80..=0x9F => html5ever::data::C1_REPLACEMENTS[(n - 0x80) as usize]
            .or_else(|| char::from_u32(n))
            .unwrap_or('\u{fffd}'),
        _ => char::from_u32(n).unwrap_or('\u{fffd}'),
    };
    (i, Some((c, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_decode_as_html5ever_decodes_them() {
        let cases = [
            ("a&amp;b", "a&b"),
            ("&middot;", "\u{b7}"),
            ("&notin; &notit; &not", "\u{2209} \u{ac}it; \u{ac}"),
            ("x?a=1&ved=2ahUKEwjx&b", "x?a=1&ved=2ahUKEwjx&b"),
            ("&CounterClockwiseContourIntegral;", "\u{2233}"),
            ("&#x41;&#65;&#0;", "AA\u{fffd}"),
        ];
        for (input, want) in cases {
            let got = decode(input, 0, Refs::Data).map(|c| c.into_owned());
            assert_eq!(got.as_deref(), Ok(want), "{input}");
        }
        let attr = decode("&not=1&copyx&amp;", 0, Refs::Attribute).map(|c| c.into_owned());
        assert_eq!(attr.as_deref(), Ok("&not=1&copyx&"));
    }
}
