//! `wsgiref.headers.Headers`: a toolbox over a response's header list.

use crate::python_repr::write_str_repr;
use std::fmt;

/// `wsgiref.headers.Headers`: the list of `(name, value)` pairs an application hands to
/// `start_response`, with the dict-like helpers of Python's class.
///
/// Names are matched case-insensitively; order and duplicates are kept (`len` counts
/// duplicates). A name holding a control character (`\x00`–`\x1F`, `\x7F`) or a value
/// holding one other than tab is refused with a [`HeaderError`], where Python raises
/// `ValueError`. `Display` is Python's `str()`: each header as `Name: value\r\n`, then a blank
/// line.
///
/// | Python | here |
/// |---|---|
/// | `Headers(list)` | [`Headers::new`], [`Headers::from_pairs`] |
/// | `len(h)` | [`len`](Self::len) |
/// | `h[name]`, `h.get(name)` | [`get`](Self::get) |
/// | `name in h` | [`contains`](Self::contains) |
/// | `h.get_all(name)` | [`get_all`](Self::get_all) |
/// | `h[name] = value` | [`set`](Self::set) |
/// | `del h[name]` | [`remove`](Self::remove) |
/// | `h.setdefault(name, value)` | [`setdefault`](Self::setdefault) |
/// | `h.add_header(name, value, **params)` | [`add_header`](Self::add_header) |
/// | `h.keys()`, `h.values()`, `h.items()` | [`keys`](Self::keys), [`values`](Self::values), [`items`](Self::items) |
/// | `str(h)`, `bytes(h)` | `to_string()`, [`to_bytes`](Self::to_bytes) |
///
/// ```
/// use gateway_core::Headers;
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let app = |_: &Environ, start_response: StartResponse| {
///     let mut headers = Headers::new();
///     headers.set("Content-Type", "text/plain").unwrap();
///     headers
///         .add_header("Content-Disposition", Some("attachment"), &[("filename", Some("bud.gif"))])
///         .unwrap();
///     assert_eq!(headers.get("content-type"), Some("text/plain"));
///     start_response("200 OK", &headers.as_pairs());
///     "GIF89a"
/// };
/// let response = TestClient::new(app).get("/");
/// assert_eq!(
///     response.header("content-disposition"),
///     Some("attachment; filename=\"bud.gif\"")
/// );
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    headers: Vec<(String, String)>,
}

/// A header name or value that [`Headers`] refuses: it holds a control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    text: String,
    is_name: bool,
}

impl HeaderError {
    /// The refused name or value.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether it was a header name (else a value or a parameter).
    pub fn is_name(&self) -> bool {
        self.is_name
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.is_name {
            "the header name"
        } else {
            "the header value"
        };
        write!(
            f,
            "{what} {:?} holds a control character, which headers do not allow",
            self.text
        )
    }
}

impl std::error::Error for HeaderError {}

fn check_name(name: &str) -> Result<&str, HeaderError> {
    // Python's `[\x00-\x1F\x7F]`.
    if name.chars().any(|c| c <= '\x1F' || c == '\x7F') {
        return Err(HeaderError {
            text: name.to_owned(),
            is_name: true,
        });
    }
    Ok(name)
}

fn check_value(value: &str) -> Result<&str, HeaderError> {
    // Python's `[\x00-\x08\x0A-\x1F\x7F]`: tab is allowed in a value.
    if value
        .chars()
        .any(|c| (c <= '\x1F' && c != '\t') || c == '\x7F')
    {
        return Err(HeaderError {
            text: value.to_owned(),
            is_name: false,
        });
    }
    Ok(value)
}

/// Python's `str.lower()` comparison.
fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || (!(a.is_ascii() && b.is_ascii())
            && a.chars()
                .flat_map(char::to_lowercase)
                .eq(b.chars().flat_map(char::to_lowercase)))
}

/// `_formatparam(param, value, quote=1)`: `param="value"` with `\` and `"` escaped, or the
/// bare `param` for a missing or empty value. (`add_header` always asks for quotes, so
/// Python's `tspecials` test never comes into play.)
fn format_param(param: &str, value: Option<&str>) -> String {
    match value {
        Some(value) if !value.is_empty() => {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            format!("{param}=\"{escaped}\"")
        }
        _ => param.to_owned(),
    }
}

impl Headers {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The headers `pairs`, checked as Python's constructor checks them.
    pub fn from_pairs<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> Result<Self, HeaderError>
    where
        N: Into<String>,
        V: Into<String>,
    {
        let mut headers = Vec::new();
        for (name, value) in pairs {
            let (name, value) = (name.into(), value.into());
            check_name(&name)?;
            check_value(&value)?;
            headers.push((name, value));
        }
        Ok(Self { headers })
    }

    /// The number of headers, duplicates included.
    pub fn len(&self) -> usize {
        self.headers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }

    /// The value of the first header called `name` (any case); Python's `h[name]`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| same_name(key, name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether there is a header called `name` (any case).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every value of the headers called `name` (any case), in order; empty if none.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(key, _)| same_name(key, name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Replaces every header called `name` with one `name: value`, added at the end;
    /// Python's `h[name] = value`.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), HeaderError> {
        check_name(name)?;
        check_value(value)?;
        self.remove(name);
        self.headers.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    /// Removes every header called `name` (any case); nothing happens when there is none.
    /// Python's `del h[name]`.
    pub fn remove(&mut self, name: &str) {
        self.headers.retain(|(key, _)| !same_name(key, name));
    }

    /// The value of the first header called `name`; when there is none, adds `name: value`
    /// and returns `value`.
    pub fn setdefault(&mut self, name: &str, value: &str) -> Result<&str, HeaderError> {
        match self
            .headers
            .iter()
            .position(|(key, _)| same_name(key, name))
        {
            Some(index) => Ok(&self.headers[index].1),
            None => {
                check_name(name)?;
                check_value(value)?;
                self.headers.push((name.to_owned(), value.to_owned()));
                Ok(&self.headers[self.headers.len() - 1].1)
            }
        }
    }

    /// Python's `add_header(name, value, **params)`: adds `name` with `value` (if any)
    /// followed by `; param="value"` for each parameter, `_` in parameter names becoming
    /// `-`; a parameter whose value is `None` (or empty) is added bare.
    ///
    /// ```
    /// use gateway_core::Headers;
    ///
    /// let mut headers = Headers::new();
    /// headers.add_header("foo", Some("bar"), &[("baz", Some("spam"))]).unwrap();
    /// headers.add_header("Foo", Some("bar"), &[("cheese", None)]).unwrap();
    /// headers.add_header("Set-Cookie", Some("id=1"), &[("max_age", Some("60")), ("HttpOnly", None)]).unwrap();
    /// assert_eq!(headers.get_all("foo"), ["bar; baz=\"spam\"", "bar; cheese"]);
    /// assert_eq!(headers.get("set-cookie"), Some("id=1; max-age=\"60\"; HttpOnly"));
    /// ```
    pub fn add_header(
        &mut self,
        name: &str,
        value: Option<&str>,
        params: &[(&str, Option<&str>)],
    ) -> Result<(), HeaderError> {
        let mut parts = Vec::with_capacity(params.len() + 1);
        if let Some(value) = value {
            parts.push(check_value(value)?.to_owned());
        }
        for &(param, param_value) in params {
            let param = check_name(param)?.replace('_', "-");
            if let Some(param_value) = param_value {
                check_value(param_value)?;
            }
            parts.push(format_param(&param, param_value));
        }
        check_name(name)?;
        self.headers.push((name.to_owned(), parts.join("; ")));
        Ok(())
    }

    /// Every name, in order, duplicates included.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.headers.iter().map(|(name, _)| name.as_str())
    }

    /// Every value, in order, duplicates included.
    pub fn values(&self) -> impl Iterator<Item = &str> + '_ {
        self.headers.iter().map(|(_, value)| value.as_str())
    }

    /// Every `(name, value)` pair, in order.
    pub fn items(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The pairs as `start_response` takes them: `start_response("200 OK", &headers.as_pairs())`.
    pub fn as_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect()
    }

    /// The pairs.
    pub fn into_inner(self) -> Vec<(String, String)> {
        self.headers
    }

    /// Python's `bytes(h)`: the `Display` text in latin-1, or `None` when a character is
    /// above U+00FF (Python raises `UnicodeEncodeError`).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        crate::latin1::encode(&self.to_string()).map(|bytes| bytes.into_owned())
    }
}

impl TryFrom<Vec<(String, String)>> for Headers {
    type Error = HeaderError;

    fn try_from(pairs: Vec<(String, String)>) -> Result<Self, HeaderError> {
        Self::from_pairs(pairs)
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a (String, String);
    type IntoIter = std::slice::Iter<'a, (String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.headers.iter()
    }
}

/// Python's `str(h)`: `Name: value\r\n` per header, then `\r\n`.
impl fmt::Display for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.headers {
            write!(f, "{name}: {value}\r\n")?;
        }
        f.write_str("\r\n")
    }
}

/// Python's `repr(h)`: `Headers([('Name', 'value')])`.
impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Headers([")?;
        for (i, (name, value)) in self.headers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str("(")?;
            write_str_repr(f, name)?;
            f.write_str(", ")?;
            write_str_repr(f, value)?;
            f.write_str(")")?;
        }
        f.write_str("])")
    }
}

#[cfg(test)]
mod tests {
    //! The cases of CPython's `Lib/test/test_wsgiref.py` (`HeaderTests`), one for one.
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Headers {
        Headers::from_pairs(list.iter().copied()).unwrap()
    }

    #[test]
    fn mapping_interface() {
        let test = [("x", "y")];
        assert_eq!(Headers::new().len(), 0);
        assert_eq!(pairs(&[]).len(), 0);
        assert_eq!(pairs(&test).len(), 1);
        assert_eq!(pairs(&test).keys().collect::<Vec<_>>(), ["x"]);
        assert_eq!(pairs(&test).values().collect::<Vec<_>>(), ["y"]);
        assert_eq!(
            pairs(&test).items(),
            [("x".to_owned(), "y".to_owned())].as_slice()
        );

        let mut h = Headers::new();
        h.remove("foo"); // no error

        h.set("Foo", "bar").unwrap();
        for name in ["foo", "Foo", "FOO"] {
            assert!(h.contains(name));
            assert!(h.get(name).is_some());
            assert!(!h.get_all(name).is_empty());
        }
        assert!(!h.contains("bar") && h.get("bar").is_none() && h.get_all("bar").is_empty());

        assert_eq!(h.get("foo"), Some("bar"));
        h.set("foo", "baz").unwrap();
        assert_eq!(h.get("FOO"), Some("baz"));
        assert_eq!(h.get_all("foo"), ["baz"]);

        assert_eq!(h.get("foo").unwrap_or("whee"), "baz");
        assert_eq!(h.get("zoo").unwrap_or("whee"), "whee");
        assert_eq!(h.setdefault("foo", "whee").unwrap(), "baz");
        assert_eq!(h.setdefault("zoo", "whee").unwrap(), "whee");
        assert_eq!(h.get("foo"), Some("baz"));
        assert_eq!(h.get("zoo"), Some("whee"));
    }

    #[test]
    fn extras() {
        let mut h = Headers::new();
        assert_eq!(h.to_string(), "\r\n");

        h.add_header("foo", Some("bar"), &[("baz", Some("spam"))])
            .unwrap();
        assert_eq!(h.get("foo"), Some("bar; baz=\"spam\""));
        assert_eq!(h.to_string(), "foo: bar; baz=\"spam\"\r\n\r\n");

        h.add_header("Foo", Some("bar"), &[("cheese", None)])
            .unwrap();
        assert_eq!(h.get_all("foo"), ["bar; baz=\"spam\"", "bar; cheese"]);
        assert_eq!(
            h.to_string(),
            "foo: bar; baz=\"spam\"\r\nFoo: bar; cheese\r\n\r\n"
        );
    }

    #[test]
    fn raises_control_characters() {
        let mut h = Headers::new();
        for c0 in (0u8..0x20).map(char::from).chain(['\x7F']) {
            let name = format!("key{c0}");
            let value = format!("val{c0}");
            let param = format!("param{c0}");
            assert!(h.set(&name, "val").is_err());
            let value_ok = c0 == '\t';
            assert_eq!(h.set("key", &value).is_ok(), value_ok, "{c0:?}");
            assert!(h
                .add_header(&name, Some("val"), &[("param", Some("param"))])
                .is_err());
            assert_eq!(
                h.add_header("key", Some(&value), &[("param", Some("param"))])
                    .is_ok(),
                value_ok
            );
            assert!(h.add_header("key", Some("val"), &[(&param, None)]).is_err());
            assert!(h.setdefault(&name, "v").is_err());
            assert!(Headers::from_pairs([(name.as_str(), "v")]).is_err());
        }
    }

    #[test]
    fn add_header_quotes_and_dashes_like_python() {
        let mut h = Headers::new();
        h.add_header(
            "Content-Disposition",
            Some("attachment"),
            &[("file_name", Some("a \"b\" \\c")), ("empty", Some(""))],
        )
        .unwrap();
        h.add_header("X-Flag", None, &[("only", None)]).unwrap();
        assert_eq!(
            h.items(),
            [
                (
                    "Content-Disposition".to_owned(),
                    "attachment; file-name=\"a \\\"b\\\" \\\\c\"; empty".to_owned()
                ),
                ("X-Flag".to_owned(), "only".to_owned())
            ]
            .as_slice()
        );
    }

    #[test]
    fn set_moves_the_header_to_the_end_and_remove_takes_every_copy() {
        let mut h = pairs(&[("A", "1"), ("b", "2"), ("a", "3")]);
        assert_eq!(h.len(), 3);
        h.set("B", "4").unwrap();
        assert_eq!(h.keys().collect::<Vec<_>>(), ["A", "a", "B"]);
        h.remove("a");
        assert_eq!(h.as_pairs(), [("B", "4")]);
    }

    #[test]
    fn debug_and_bytes_are_python_repr_and_bytes() {
        let h = pairs(&[("X-Name", "café"), ("X-It", "it's")]);
        assert_eq!(
            format!("{h:?}"),
            "Headers([('X-Name', 'café'), ('X-It', \"it's\")])"
        );
        assert_eq!(
            h.to_bytes().unwrap(),
            b"X-Name: caf\xE9\r\nX-It: it's\r\n\r\n"
        );
        assert_eq!(pairs(&[("X", "☃")]).to_bytes(), None);
    }
}
