//! `urllib.parse.parse_qs` and `parse_qsl`: a query string (or a url-encoded form body) as
//! name/value pairs, with CPython 3.11's rules.

use super::MultiDict;
use crate::Environ;
use std::borrow::Cow;
use std::fmt;

/// The keyword arguments of `parse_qs` / `parse_qsl`, with Python's defaults.
///
/// The text is always decoded as UTF-8 with `errors='replace'` (Python's default
/// `encoding` and `errors`): a `%`-escape that is not UTF-8 becomes U+FFFD.
///
/// ```
/// use gateway_core::forms::{parse_qsl, QueryOptions};
///
/// let options = QueryOptions { keep_blank_values: true, separator: ";".into(), ..Default::default() };
/// let pairs = parse_qsl("a=1;b=", &options).unwrap();
/// assert_eq!(pairs, [("a".into(), "1".into()), ("b".into(), "".into())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryOptions {
    /// Keep fields whose value is blank (`a=` or a bare `a`) as `""`; by default they are
    /// dropped.
    pub keep_blank_values: bool,
    /// Refuse a field without `=` (and an empty field) with [`QueryError::BadField`]; by
    /// default such fields are skipped.
    pub strict_parsing: bool,
    /// Refuse a query with more fields than this ([`QueryError::TooManyFields`]), counted
    /// as Python counts them: one more than the separators.
    pub max_num_fields: Option<usize>,
    /// What separates the fields (`&`); Python allows any non-empty string.
    pub separator: Cow<'static, str>,
}

impl Default for QueryOptions {
    fn default() -> Self {
        Self {
            keep_blank_values: false,
            strict_parsing: false,
            max_num_fields: None,
            separator: Cow::Borrowed("&"),
        }
    }
}

/// Why `parse_qs` / `parse_qsl` refused a query (Python raises `ValueError`).
///
/// ```
/// use gateway_core::forms::{parse_qs, QueryError, QueryOptions};
///
/// let strict = QueryOptions { strict_parsing: true, ..Default::default() };
/// let error = parse_qs("a=1&b", &strict).unwrap_err();
/// assert_eq!(error, QueryError::BadField { field: "b".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// With [`strict_parsing`](QueryOptions::strict_parsing), a field had no `=`.
    BadField {
        /// The field as it was in the query (still encoded).
        field: String,
    },
    /// The query had more fields than [`max_num_fields`](QueryOptions::max_num_fields).
    TooManyFields {
        /// The limit.
        limit: usize,
        /// How many fields the query had.
        found: usize,
    },
    /// The separator was the empty string.
    EmptySeparator,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadField { field } => write!(
                f,
                "bad query field {field:?}: strict parsing wants every field as name=value"
            ),
            Self::TooManyFields { limit, found } => write!(
                f,
                "the query has {found} fields, more than the limit of {limit}"
            ),
            Self::EmptySeparator => {
                f.write_str("the query separator is empty; give one such as \"&\"")
            }
        }
    }
}

impl std::error::Error for QueryError {}

/// `urllib.parse.parse_qsl(qs, ...)`: the fields of `qs` as `(name, value)` pairs, in order.
///
/// Fields are split on the separator, then on the first `=`; `+` is a space and `%XX`
/// escapes are decoded as UTF-8 (U+FFFD for bytes that are not). Blank values are dropped
/// unless [`keep_blank_values`](QueryOptions::keep_blank_values) is set.
///
/// ```
/// use gateway_core::forms::{parse_qsl, QueryOptions};
///
/// // urllib.parse.parse_qsl("q=caf%C3%A9+au+lait&page=2&empty=")
/// let pairs = parse_qsl("q=caf%C3%A9+au+lait&page=2&empty=", &QueryOptions::default()).unwrap();
/// assert_eq!(pairs, [("q".into(), "café au lait".into()), ("page".into(), "2".into())]);
/// ```
pub fn parse_qsl(qs: &str, options: &QueryOptions) -> Result<Vec<(String, String)>, QueryError> {
    let separator = options.separator.as_ref();
    if separator.is_empty() {
        return Err(QueryError::EmptySeparator);
    }
    if let Some(limit) = options.max_num_fields {
        let found = if qs.is_empty() {
            0
        } else {
            1 + qs.matches(separator).count()
        };
        if found > limit {
            return Err(QueryError::TooManyFields { limit, found });
        }
    }
    let mut pairs = Vec::new();
    if qs.is_empty() {
        return Ok(pairs);
    }
    for field in qs.split(separator) {
        if field.is_empty() && !options.strict_parsing {
            continue;
        }
        let (name, value) = match field.split_once('=') {
            Some(pair) => pair,
            None if options.strict_parsing => {
                return Err(QueryError::BadField {
                    field: field.to_owned(),
                })
            }
            None if options.keep_blank_values => (field, ""),
            None => continue,
        };
        if !value.is_empty() || options.keep_blank_values {
            pairs.push((unquote_plus(name), unquote_plus(value)));
        }
    }
    Ok(pairs)
}

/// `urllib.parse.parse_qs(qs, ...)`: the fields of `qs` grouped by name, every value kept.
///
/// ```
/// use gateway_core::forms::{parse_qs, QueryOptions};
///
/// // urllib.parse.parse_qs("a=1&a=2&b=x+y") == {'a': ['1', '2'], 'b': ['x y']}
/// let query = parse_qs("a=1&a=2&b=x+y", &QueryOptions::default()).unwrap();
/// assert_eq!(query.get_all("a"), ["1", "2"]);
/// assert_eq!(query.get("b"), Some("x y"));
/// ```
pub fn parse_qs(qs: &str, options: &QueryOptions) -> Result<MultiDict, QueryError> {
    Ok(parse_qsl(qs, options)?.into_iter().collect())
}

/// `urllib.parse.unquote_plus`: `+` is a space, `%XX` a byte, the bytes UTF-8 with U+FFFD
/// for what is not. (Python decodes each run of ASCII separately; decoding the whole gives
/// the same text, because a literal non-ASCII character is always whole UTF-8.)
fn unquote_plus(text: &str) -> String {
    if !text.contains(['+', '%']) {
        return text.to_owned();
    }
    let spaced = text.replace('+', " ");
    let bytes: Cow<'_, [u8]> = percent_encoding::percent_decode_str(&spaced).into();
    String::from_utf8_lossy(&bytes).into_owned()
}

impl Environ {
    /// `QUERY_STRING` parsed as `parse_qs(environ['QUERY_STRING'])` does with its defaults:
    /// blank values dropped, `+` and `%`-escapes decoded.
    ///
    /// ```
    /// use gateway_core::Environ;
    ///
    /// let environ = Environ::builder().uri("/notes?q=caf%C3%A9&tag=a&tag=b&page=").build();
    /// let query = environ.query();
    /// assert_eq!(query.get("q"), Some("café"));
    /// assert_eq!(query.get_all("tag"), ["a", "b"]);
    /// assert_eq!(query.get("page"), None); // blank: dropped, as parse_qs does
    /// ```
    pub fn query(&self) -> MultiDict {
        // Neither strict nor limited, so nothing can be refused.
        parse_qs(self.query_string(), &QueryOptions::default()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
