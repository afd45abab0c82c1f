//! "Did you mean ...?": the known name closest to a misspelt one.

/// The name in `known` closest to `unknown` by edit distance (`-` and `_` count as the same),
/// if one is close enough to be a likely typo: at most a third of its length away, and at
/// least two edits allowed.
pub(crate) fn closest<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normalize = |name: &str| name.to_ascii_lowercase().replace('_', "-");
    let wanted = normalize(unknown);
    known
        .into_iter()
        .map(|name| (strsim::levenshtein(&wanted, &normalize(name)), name))
        .filter(|(distance, name)| *distance <= (name.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::closest;

    const KEYS: [&str; 4] = ["threads", "header-read-timeout", "max-headers", "socket"];

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
