//! Reading the `Cookie` header the way `http.cookies.SimpleCookie.load` reads it.

use crate::Environ;
use std::fmt;
use std::ops::Range;

/// The cookies a request sent: `http.cookies.SimpleCookie(environ['HTTP_COOKIE'])`, each
/// name with its value (the morsel's `.value`).
///
/// Parsing follows CPython 3.11's `SimpleCookie.load` exactly, leniency and all:
/// - pairs are separated by `;` or by whitespace; a value may be double-quoted, with `\"`,
///   `\\` and octal `\012` escapes; `expires`-style dates may hold a comma and spaces;
/// - parsing stops quietly at the first text it cannot read (`a=1;;b=2` gives only `a`);
/// - a pair that is invalid as a whole makes Python ignore the *entire* header: a bare
///   name (`a=1; b; c=3`), or an attribute such as `Path` or `Max-Age` before any cookie
///   or, except for `Secure`/`HttpOnly`, without a value; then there are no cookies;
/// - where Python raises `CookieError` halfway (a name with `@`, `/`, `,`, `(`, `=` ...;
///   a `$Name` that is not a cookie attribute), the cookies read before it are kept, as a
///   Python program that catches the error sees them;
/// - a repeated name keeps its first position and its last value;
/// - attributes (`$Path`, `Secure`, ...) describe the cookie before them and are dropped.
///
/// ```
/// use gateway_core::forms::Cookies;
///
/// // SimpleCookie('theme=dark; session="a b\\"c"; lang=en')
/// let cookies = Cookies::parse(r#"theme=dark; session="a b\"c"; lang=en"#);
/// assert_eq!(cookies.get("session"), Some("a b\"c"));
/// assert_eq!(cookies.get("lang"), Some("en"));
/// assert_eq!(cookies.len(), 3);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cookies {
    pairs: Vec<(String, String)>,
}

impl Cookies {
    /// `SimpleCookie().load(header)`: the cookies in a `Cookie` header's value.
    pub fn parse(header: &str) -> Self {
        let mut cookies = Self::default();
        let Some(items) = scan(header) else {
            return cookies; // Python rejects the whole header
        };
        for item in items {
            match item {
                Item::Attribute(name) if is_reserved(name) => {}
                Item::Attribute(_) => break, // Morsel: "Invalid attribute"
                Item::Cookie { name, .. } if !is_legal_name(name) => break, // "Illegal key"
                Item::Cookie { name, value } => cookies.set(name, unquote(value)),
            }
        }
        cookies
    }

    /// The value of the cookie `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every cookie as `(name, value)`, in the order the names first appeared.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// How many cookies there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn set(&mut self, name: &str, value: String) {
        match self.pairs.iter_mut().find(|(key, _)| key == name) {
            Some(slot) => slot.1 = value,
            None => self.pairs.push((name.to_owned(), value)),
        }
    }
}

impl fmt::Debug for Cookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Environ {
    /// The request's cookies: `SimpleCookie(environ.get('HTTP_COOKIE', ''))`, read as
    /// [`Cookies::parse`] reads them (several `Cookie` headers arrive joined with `; `).
    ///
    /// ```
    /// use gateway_core::Environ;
    ///
    /// let environ = Environ::builder().header("Cookie", "session=abc123; theme=dark").build();
    /// assert_eq!(environ.cookies().get("session"), Some("abc123"));
    /// ```
    pub fn cookies(&self) -> Cookies {
        Cookies::parse(self.get("HTTP_COOKIE").unwrap_or(""))
    }
}

/// What `__parse_string` collects before it applies anything.
enum Item<'a> {
    /// An attribute of the cookie before it (`Path=/`, `Secure`, `$Domain=x`).
    Attribute(&'a str),
    /// A cookie, its value still as sent.
    Cookie { name: &'a str, value: &'a str },
}

/// The first pass of `BaseCookie.__parse_string`: every match of `_CookiePattern`, or
/// `None` when Python rejects the header as a whole.
fn scan(text: &str) -> Option<Vec<Item<'_>>> {
    let mut items = Vec::new();
    let mut cookie_seen = false;
    let mut at = 0;
    while at < text.len() {
        let Some(found) = match_pattern(text.as_bytes(), at) else {
            break;
        };
        at = found.end;
        let name = &text[found.key];
        let value = found.value.map(|range| &text[range]);
        if let Some(attribute) = name.strip_prefix('$') {
            // `$Version` before any cookie speaks of the whole header: ignored.
            if cookie_seen {
                items.push(Item::Attribute(attribute));
            }
        } else if is_reserved(name) {
            let lower = name.to_ascii_lowercase();
            let flag = lower == "secure" || lower == "httponly";
            if !cookie_seen || (value.is_none() && !flag) {
                return None;
            }
            items.push(Item::Attribute(name));
        } else if let Some(value) = value {
            items.push(Item::Cookie { name, value });
            cookie_seen = true;
        } else {
            return None; // a bare name
        }
    }
    Some(items)
}

/// `Morsel._reserved`: names that are attributes, not cookies (in any case).
pub(super) fn is_reserved(name: &str) -> bool {
    const RESERVED: [&str; 9] = [
        "expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version",
        "samesite",
    ];
    RESERVED
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name))
}

/// `_is_legal_key`: one or more of `_LegalChars`.
pub(super) fn is_legal_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_legal_char)
}

/// `_LegalChars`: letters, digits and ``!#$%&'*+-.^_`|~:``.
pub(super) fn is_legal_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:".contains(&byte)
}

/// One match of `_CookiePattern`.
struct Found {
    key: Range<usize>,
    value: Option<Range<usize>>,
    end: usize,
}

/// `_CookiePattern.match(text, at)`, by hand. The pattern is
/// `\s* (?P<key>[K]+?) (\s*=\s*(?P<val>"quoted"|date|[V]*))? \s*(\s+|;|$)`; a backtracking
/// engine tries the key shortest first, and for each key the value before no value. Most
/// of its backtracking can never succeed, which leaves the few tries below (and a match
/// always takes the whole run of key characters, so a header is read in linear time).
fn match_pattern(text: &[u8], at: usize) -> Option<Found> {
    let start = skip_space(text, at);
    let run_end = start
        + text[start..]
            .iter()
            .take_while(|b| is_key_char(**b))
            .count();
    // Key characters are value characters: a value starting in the key's run ends here.
    let values_end = run_end
        + text[run_end..]
            .iter()
            .take_while(|b| is_value_char(**b))
            .count();
    for key_end in start + 1..=run_end {
        let key = start..key_end;
        let after_key = skip_space(text, key_end);
        if text.get(after_key) == Some(&b'=') {
            let value_start = skip_space(text, after_key + 1);
            if let Some((value, end)) = match_value(text, value_start, values_end) {
                return Some(Found {
                    key,
                    value: Some(value),
                    end,
                });
            }
            // `\s*` after `=` gives back a space: an empty value ending there.
            if value_start > after_key + 1 {
                let value = value_start - 1..value_start - 1;
                let end = match_end(text, value_start - 1)?;
                return Some(Found {
                    key,
                    value: Some(value),
                    end,
                });
            }
        }
        if let Some(end) = match_end(text, key_end) {
            return Some(Found {
                key,
                value: None,
                end,
            });
        }
    }
    None
}

/// The `val` group at `at` followed by the end of the pair: a quoted string, else an
/// `expires` date, else a run of value characters (which ends at `values_end` when it
/// starts before it).
fn match_value(text: &[u8], at: usize, values_end: usize) -> Option<(Range<usize>, usize)> {
    let plain = if at <= values_end {
        values_end
    } else {
        at + text[at..].iter().take_while(|b| is_value_char(**b)).count()
    };
    let dated = [11, 10, 9]
        .into_iter()
        .filter_map(|run| date_end(text, at, run));
    quoted_end(text, at)
        .into_iter()
        .chain(dated)
        .chain([plain])
        .find_map(|value_end| Some((at..value_end, match_end(text, value_end)?)))
}

/// `"(?:[^\\"]|\\.)*"`: where a double-quoted string that starts at `at` ends.
fn quoted_end(text: &[u8], at: usize) -> Option<usize> {
    if text.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        match *text.get(i)? {
            b'"' => return Some(i + 1),
            // `.` matches anything but a newline.
            b'\\' if text.get(i + 1).is_some_and(|next| *next != b'\n') => i += 2,
            b'\\' => return None,
            _ => i += 1,
        }
    }
}

/// `\w{3},\s[\w\d\s-]{run}\s[\d:]{8}\sGMT` at `at`: an `expires` date such as
/// `Wed, 09 Jun 2021 10:18:14 GMT`.
fn date_end(text: &[u8], at: usize, run: usize) -> Option<usize> {
    let mut end = at;
    let mut next = |count: usize, test: fn(u8) -> bool| {
        let fits = text
            .get(end..end + count)
            .is_some_and(|bytes| bytes.iter().all(|b| test(*b)));
        end += count;
        fits
    };
    let fits = next(3, is_word)
        && next(1, |b| b == b',')
        && next(1, is_space)
        && next(run, |b| is_word(b) || is_space(b) || b == b'-')
        && next(1, is_space)
        && next(8, |b| b.is_ascii_digit() || b == b':')
        && next(1, is_space)
        && next(1, |b| b == b'G')
        && next(1, |b| b == b'M')
        && next(1, |b| b == b'T');
    fits.then_some(end)
}

/// `\s*(\s+|;|$)`: where the pair that stops at `at` ends, if it may stop there.
fn match_end(text: &[u8], at: usize) -> Option<usize> {
    let after = skip_space(text, at);
    match text.get(after) {
        Some(b';') => Some(after + 1),
        None => Some(after),
        Some(_) if after > at => Some(after),
        Some(_) => None,
    }
}

/// `\s` under `re.ASCII`.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// `\w` under `re.ASCII`.
fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn skip_space(text: &[u8], at: usize) -> usize {
    at + text[at..].iter().take_while(|b| is_space(**b)).count()
}

/// `_LegalKeyChars`: `\w` and ``!#%&'~_`><@,:/$*+-.^|)(?}{=``.
fn is_key_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"_!#%&'~`><@,:/$*+-.^|)(?}{=".contains(&byte)
}

/// `_LegalValueChars`: the key characters and `[]`.
fn is_value_char(byte: u8) -> bool {
    is_key_char(byte) || byte == b'[' || byte == b']'
}

/// `http.cookies._unquote`: a double-quoted value loses its quotes, `\ooo` (octal, first
/// digit 0-3) is that character and `\x` is `x`; anything else is as sent.
fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let ahead = chars.as_str().as_bytes();
        let octal = ahead.len() >= 3
            && matches!(ahead[0], b'0'..=b'3')
            && ahead[1..3].iter().all(|b| matches!(b, b'0'..=b'7'));
        if octal {
            let code = ahead[..3]
                .iter()
                .fold(0, |code, b| code * 8 + u32::from(b - b'0'));
            out.extend(char::from_u32(code));
            chars.nth(2);
            continue;
        }
        match chars.clone().next() {
            Some(next) if next != '\n' => {
                out.push(next);
                chars.next();
            }
            _ => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests;
