//! Numbers as the checks accept them (`Content-Length`, `CONTENT_LENGTH`, `SERVER_PORT`, the
//! status code): ASCII digits only, so no sign, no space and no `+` that `str::parse` would
//! let through.

/// `text` as a number, if it is one or more ASCII digits that fit in a `u64`.
pub(super) fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ascii_digits_are_a_number() {
        assert_eq!(parse_digits("0042"), Some(42));
        for text in [
            "",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1.0",
            "١",
            "99999999999999999999",
        ] {
            assert_eq!(parse_digits(text), None, "{text:?}");
        }
    }
}
