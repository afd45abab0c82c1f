//! "Did you mean ...?": the known name closest to a misspelt one.

/// The name in `known` closest to `unknown` by edit distance (`-` and `_` count as the same),
/// if one is close enough to be a likely typo: at most a third of its length away, and at
/// least two edits allowed. Of those, the most similar by Jaro-Winkler wins, which favours a
/// shared start (`header-timeout` is `header-read-timeout`, not `send-timeout`).
pub(crate) fn closest<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normalize = |name: &str| name.to_ascii_lowercase().replace('_', "-");
    let wanted = normalize(unknown);
    known
        .into_iter()
        .filter(|name| strsim::levenshtein(&wanted, &normalize(name)) <= (name.len() / 3).max(2))
        .map(|name| (strsim::jaro_winkler(&wanted, &normalize(name)), name))
        .max_by(|(a, _), (b, _)| a.total_cmp(b))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::closest;

    const KEYS: [&str; 5] = [
        "threads",
        "send-timeout",
        "header-read-timeout",
        "max-headers",
        "socket",
    ];

    #[test]
    fn a_typo_finds_the_key_it_was_meant_to_be() {
        assert_eq!(closest("thread", KEYS), Some("threads"));
        assert_eq!(closest("treads", KEYS), Some("threads"));
        assert_eq!(closest("max_headers", KEYS), Some("max-headers"));
        assert_eq!(closest("header-timeout", KEYS), Some("header-read-timeout"));
        assert_eq!(closest("sockets", KEYS), Some("socket"));
    }

    #[test]
    fn something_unrelated_gets_no_suggestion() {
        assert_eq!(closest("database-url", KEYS), None);
        assert_eq!(closest("x", KEYS), None);
    }
}
