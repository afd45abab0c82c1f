//! PEP 3333's "bytes as str" rule, in Rust terms.
//!
//! Python carries raw request bytes in `str` by mapping each byte to the code point of the
//! same value (ISO-8859-1). A Rust `&str` must be UTF-8, so gateway uses one rule for every
//! byte string it shows as text (the decoded path, header values):
//!
//! * bytes that are valid UTF-8 are shown as they are (`/caf%C3%A9` reads `/café`);
//! * anything else is mapped byte for byte to latin-1 code points, exactly as PEP 3333 does
//!   (`/caf%E9` reads `/café` too, `/%FF` reads `/ÿ`).
//!
//! Nothing is lost and nothing panics; where the distinction matters, the raw bytes are one
//! accessor away ([`Environ::path_info_bytes`](crate::Environ::path_info_bytes)).

use std::borrow::Cow;

/// Shows `bytes` as text: as UTF-8 when they are UTF-8, else mapped byte for byte (latin-1).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Encodes `text` to latin-1 bytes, or `None` when a character is above U+00FF
/// (PEP 3333: such a status or header is a fatal error).
pub fn encode(text: &str) -> Option<Cow<'_, [u8]>> {
    if text.is_ascii() {
        return Some(Cow::Borrowed(text.as_bytes()));
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_kept_as_is() {
        assert_eq!(decode("café".as_bytes()), "café");
        assert!(matches!(decode(b"/plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn non_utf8_bytes_map_to_latin1_code_points() {
        assert_eq!(decode(b"caf\xE9"), "café");
        assert_eq!(decode(b"/\xFF"), "/\u{FF}");
    }

    #[test]
    fn encode_refuses_characters_above_latin1() {
        assert_eq!(encode("café").unwrap().as_ref(), b"caf\xE9");
        assert!(encode("snow ☃").is_none());
    }
}
