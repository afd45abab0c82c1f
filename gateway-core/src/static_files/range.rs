//! Byte ranges: the `Range` header (RFC 9110 section 14), one range at most.

/// What a `Range` header asks for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Range {
    /// No usable range: the whole file.
    Whole,
    /// Bytes `first..=last`.
    Bytes { first: u64, last: u64 },
    /// A range that starts past the end.
    Unsatisfiable,
}

/// Parses a single `bytes=` range against a file of `size` bytes.
pub(super) fn parse_range(header: &str, size: u64) -> Range {
    let header = header.trim();
    let Some(spec) = header
        .get(..6)
        .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
        .map(|_| header[6..].trim())
    else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Range::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-N`: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || size == 0 {
                Range::Unsatisfiable
            } else {
                Range::Bytes {
                    first: size.saturating_sub(suffix),
                    last: size - 1,
                }
            }
        }
        (false, Some(first), last) if last.is_some() || last_is_empty(spec) => {
            if last.is_some_and(|last| last < first) {
                Range::Whole
            } else if first >= size {
                Range::Unsatisfiable
            } else {
                Range::Bytes {
                    first,
                    last: last.map_or(size - 1, |last| last.min(size - 1)),
                }
            }
        }
        _ => Range::Whole,
    }
}

/// Whether `first-` has nothing after the dash.
fn last_is_empty(spec: &str) -> bool {
    spec.split_once('-')
        .is_some_and(|(_, last)| last.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_range_reads_rfc_9110_byte_ranges() {
        assert_eq!(
            parse_range("bytes=0-0", 10),
            Range::Bytes { first: 0, last: 0 }
        );
        assert_eq!(
            parse_range("bytes=5-", 10),
            Range::Bytes { first: 5, last: 9 }
        );
        assert_eq!(
            parse_range("bytes=-20", 10),
            Range::Bytes { first: 0, last: 9 }
        );
        assert_eq!(
            parse_range("Bytes=1-2", 10),
            Range::Bytes { first: 1, last: 2 }
        );
        assert_eq!(parse_range("bytes=10-", 10), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=-", 10), Range::Whole);
        assert_eq!(parse_range("bytes=1-2-3", 10), Range::Whole);
        assert_eq!(parse_range("bytes=+1-2", 10), Range::Whole);
    }
}
