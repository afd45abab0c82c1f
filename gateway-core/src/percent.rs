//! The percent-encoding of request paths, both ways, in one place: decoding the request
//! target into `PATH_INFO` (PEP 3333), the router's partial decoding of the raw path, the
//! encoded-separator test of static files, and wsgiref's `quote` for rebuilding URLs.
//!
//! An escape is `%` and two hex digits (either case); anything else (`%zz`, a final `%`)
//! stays as it is, as in Python's `unquote`. Decoded bytes are shown as text by
//! [the latin-1 rule](crate::latin1): as UTF-8 when they are UTF-8, else byte for byte.

use crate::latin1;
use percent_encoding::percent_decode_str;
use std::borrow::Cow;

/// A percent-decoded path.
pub(crate) struct Decoded {
    /// The decoded bytes as text, by the latin-1 rule.
    pub(crate) text: String,
    /// The decoded bytes, kept when they are not UTF-8 (then `text` is not their bytes).
    pub(crate) bytes: Option<Vec<u8>>,
}

/// `raw` percent-decoded, or `None` when it holds no `%` (its text is then `raw` itself,
/// and nothing is allocated).
pub(crate) fn decode(raw: &str) -> Option<Decoded> {
    if !raw.contains('%') {
        return None;
    }
    let bytes: Vec<u8> = percent_decode_str(raw).collect();
    Some(match String::from_utf8(bytes) {
        Ok(text) => Decoded { text, bytes: None },
        Err(not_utf8) => {
            let bytes = not_utf8.into_bytes();
            Decoded {
                text: latin1::decode(&bytes).into_owned(),
                bytes: Some(bytes),
            }
        }
    })
}

/// `raw` percent-decoded, as text by the latin-1 rule.
pub(crate) fn decode_text(raw: &str) -> Cow<'_, str> {
    match decode(raw) {
        Some(decoded) => Cow::Owned(decoded.text),
        None => Cow::Borrowed(raw),
    }
}

/// Whether percent-decoding `raw` gives the bytes `text` shows, under the latin-1 rule
/// (its UTF-8 bytes, or for text of latin-1 characters only, one byte per character).
pub(crate) fn decodes_to(raw: &str, text: &str) -> bool {
    let decoded = || percent_decode_str(raw);
    decoded().eq(text.bytes())
        || (!text.is_ascii()
            && text.chars().all(|c| u32::from(c) <= 0xFF)
            && decoded().eq(text.chars().map(|c| u32::from(c) as u8)))
}

/// `raw` with its escapes decoded except `%2F` and `%25` (so an encoded `/` is never a
/// separator and a decoded `%` never starts an escape) and except bytes that are not UTF-8
/// (re-escaped in upper case): the path a router matches its patterns against.
pub(crate) fn decode_for_matching(raw: &str) -> Cow<'_, str> {
    if !raw.contains('%') {
        return Cow::Borrowed(raw);
    }
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut run = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match escaped_byte(bytes, i) {
            Some(byte) if byte != b'/' && byte != b'%' => {
                run.push(byte);
                i += 3;
                continue;
            }
            _ => {}
        }
        flush_run(&mut out, &mut run);
        let next = if escaped_byte(bytes, i).is_some() {
            i + 3
        } else {
            i + raw[i..].chars().next().map_or(1, char::len_utf8)
        };
        out.push_str(&raw[i..next]);
        i = next;
    }
    flush_run(&mut out, &mut run);
    Cow::Owned(out)
}

/// Appends decoded bytes: the UTF-8 parts as text, the rest re-escaped.
fn flush_run(out: &mut String, run: &mut Vec<u8>) {
    for chunk in run.utf8_chunks() {
        out.push_str(chunk.valid());
        for &byte in chunk.invalid() {
            push_escape(out, byte);
        }
    }
    run.clear();
}

/// Whether `raw` holds an escaped `/` or `\` (`%2F`, `%5C`, any case), which would make
/// one path segment look like two once decoded.
pub(crate) fn has_encoded_separator(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    (0..bytes.len()).any(|i| matches!(escaped_byte(bytes, i), Some(b'/' | b'\\')))
}

/// The byte of the escape `%XX` at `i`, if there is one.
fn escaped_byte(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes.get(i) != Some(&b'%') {
        return None;
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let high = hex(*bytes.get(i + 1)?)?;
    let low = hex(*bytes.get(i + 2)?)?;
    Some((high * 16 + low) as u8)
}

/// `text` with each `%` escaped as `%25`: a literal percent sign in a path that is matched
/// as still encoded.
pub(crate) fn escape_percent(text: &str) -> Cow<'_, str> {
    match text.contains('%') {
        true => Cow::Owned(text.replace('%', "%25")),
        false => Cow::Borrowed(text),
    }
}

/// The inverse of [`escape_percent`].
pub(crate) fn unescape_percent(text: &str) -> String {
    text.replace("%25", "%")
}

/// `urllib.parse.quote(text, safe)`: letters, digits, `_.-~` and `safe` stay, every other
/// byte becomes `%XX`; characters become bytes as latin-1, or as UTF-8 when `utf8` is set or
/// the character is above U+00FF.
pub(crate) fn quote_into(out: &mut String, text: &str, safe: &[u8], utf8: bool) {
    let mut push = |byte: u8| {
        if byte.is_ascii_alphanumeric() || b"_.-~".contains(&byte) || safe.contains(&byte) {
            out.push(char::from(byte));
        } else {
            push_escape(out, byte);
        }
    };
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(byte) if !utf8 || byte.is_ascii() => push(byte),
            _ => c.encode_utf8(&mut [0; 4]).bytes().for_each(&mut push),
        }
    }
}

/// Appends `%XX`, in upper case as Python's `quote` writes it.
fn push_escape(out: &mut String, byte: u8) {
    out.push_str(&format!("%{byte:02X}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `decode`'s text and kept bytes.
    fn decoded(raw: &str) -> Option<(String, Option<Vec<u8>>)> {
        decode(raw).map(|decoded| (decoded.text, decoded.bytes))
    }

    #[test]
    fn decode_applies_the_latin1_rule_and_keeps_bytes_that_are_not_utf8() {
        assert_eq!(decoded("/plain"), None);
        assert_eq!(decoded("/100%"), Some(("/100%".into(), None)));
        assert_eq!(decoded("/caf%C3%A9"), Some(("/café".into(), None)));
        assert_eq!(
            decoded("/caf%E9"),
            Some(("/café".into(), Some(b"/caf\xE9".to_vec())))
        );
        assert_eq!(
            decoded("/%FF"),
            Some(("/\u{FF}".into(), Some(b"/\xFF".to_vec())))
        );
    }

    #[test]
    fn decode_text_is_the_environ_rule() {
        assert!(matches!(decode_text("/plain"), Cow::Borrowed("/plain")));
        assert_eq!(decode_text("/caf%C3%A9"), "/café");
        assert_eq!(decode_text("/caf%E9"), "/café");
        assert_eq!(decode_text("/a%2Fb%25"), "/a/b%");
        assert_eq!(decode_text("/100%"), "/100%");
        assert_eq!(decode_text("/%zz%4"), "/%zz%4");
    }

    #[test]
    fn decodes_to_compares_under_the_latin1_rule() {
        assert!(decodes_to("/caf%C3%A9", "/café"));
        assert!(decodes_to("/caf%E9", "/café"));
        assert!(decodes_to("/a%2Fb", "/a/b"));
        assert!(!decodes_to("/a%2Fb", "/a%2Fb"));
        assert!(decodes_to("/100%", "/100%"));
        assert!(decodes_to("/x", "/x"));
        assert!(!decodes_to("/caf%E9", "/cafe"));
        assert!(!decodes_to("/x", "/☃"));
        assert!(decodes_to("/snow%E2%98%83", "/snow☃"));
        // The latin-1 reading of UTF-8 bytes also counts.
        assert!(decodes_to("/caf%C3%A9", "/caf\u{C3}\u{A9}"));
    }

    #[test]
    fn decode_for_matching_keeps_slash_percent_and_non_utf8_escapes() {
        assert_eq!(decode_for_matching("/a%2Fb%25c%41"), "/a%2Fb%25cA");
        assert_eq!(decode_for_matching("/caf%C3%A9/%FF%C3"), "/café/%FF%C3");
        assert_eq!(decode_for_matching("/100%"), "/100%");
        assert_eq!(decode_for_matching("/%zz"), "/%zz");
        assert!(matches!(decode_for_matching("/plain"), Cow::Borrowed(_)));
        assert_eq!(decode_for_matching("/a%2fb"), "/a%2fb");
        assert_eq!(decode_for_matching("/%c3%a9%20x"), "/é x");
        assert_eq!(decode_for_matching("/%e9"), "/%E9");
        assert_eq!(decode_for_matching("/%C3"), "/%C3");
        assert_eq!(decode_for_matching("/%41%"), "/A%");
        assert_eq!(decode_for_matching("/%4"), "/%4");
        assert_eq!(decode_for_matching("/é%41"), "/éA");
    }

    #[test]
    fn has_encoded_separator_finds_slash_and_backslash_escapes() {
        for raw in ["/a%2Fb", "/a%2fb", "/a%5Cb", "/a%5cb", "%2F"] {
            assert!(has_encoded_separator(raw), "{raw}");
        }
        for raw in ["/a/b", "/a%252Fb", "/a%2", "/%2e", "/%5", "/a%2Gb", ""] {
            assert!(!has_encoded_separator(raw), "{raw}");
        }
    }

    #[test]
    fn escape_percent_round_trips() {
        assert!(matches!(escape_percent("/plain"), Cow::Borrowed(_)));
        assert_eq!(escape_percent("/100%/%25"), "/100%25/%2525");
        assert_eq!(unescape_percent("/100%25/%2525"), "/100%/%25");
    }

    #[test]
    fn quote_into_is_pythons_quote() {
        let quote = |text: &str, safe: &[u8], utf8: bool| {
            let mut out = String::from(">");
            quote_into(&mut out, text, safe, utf8);
            out
        };
        assert_eq!(quote("/café", b"/", false), ">/caf%E9");
        assert_eq!(quote("/café", b"/", true), ">/caf%C3%A9");
        assert_eq!(quote("☃", b"/", false), ">%E2%98%83");
        assert_eq!(quote("a b;c=d,e/f", b"/;=,", false), ">a%20b;c=d,e/f");
        assert_eq!(quote("a b;c", b"/", false), ">a%20b%3Bc");
        assert_eq!(quote("~_.-%?#\0", b"", true), ">~_.-%25%3F%23%00");
    }
}
