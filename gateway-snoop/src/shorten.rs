//! pysnooper's `get_shortish_repr`: a value on one line, shortened in the middle.

/// `value` without line breaks, and at most `max` characters with `...` in the middle
/// (`None`, or `0`, keeps it whole).
pub(crate) fn shorten(value: String, max: Option<usize>) -> String {
    let value = if value.contains(['\r', '\n']) {
        value.replace(['\r', '\n'], "")
    } else {
        value
    };
    match max {
        Some(max) if max > 0 => truncate(value, max),
        _ => value,
    }
}

/// pysnooper's `truncate`: the first and last characters, `...` between, `max` in all.
fn truncate(value: String, max: usize) -> String {
    let length = value.chars().count();
    if length <= max {
        return value;
    }
    let left = max.saturating_sub(3) / 2;
    let right = max.saturating_sub(3) - left;
    let mut short: String = value.chars().take(left).collect();
    short.push_str("...");
    short.extend(value.chars().skip(length - right));
    short
}

#[cfg(test)]
mod tests {
    use super::{shorten, truncate};

    #[test]
    fn snoop_shortens_long_values_in_the_middle_like_pysnooper() {
        let long: String = ('a'..='z').cycle().take(120).collect();
        let short = truncate(long.clone(), 100);
        assert_eq!(short.chars().count(), 100);
        assert_eq!(&short[..48], &long[..48]);
        assert_eq!(&short[48..51], "...");
        assert_eq!(&short[51..], &long[120 - 49..]);
        assert_eq!(truncate("abc".to_owned(), 3), "abc");
        assert_eq!(truncate("héllo wörld".to_owned(), 7), "hé...ld");
    }

    #[test]
    fn snoop_values_lose_their_line_breaks_and_none_keeps_them_whole() {
        assert_eq!(shorten("a\r\nb".to_owned(), Some(100)), "ab");
        assert_eq!(shorten("abcdefgh".to_owned(), None), "abcdefgh");
        assert_eq!(shorten("abcdefgh".to_owned(), Some(0)), "abcdefgh");
        assert_eq!(shorten("abcdefgh".to_owned(), Some(5)), "a...h");
    }
}
