//! A `Set-Cookie` header built the way `http.cookies.SimpleCookie` writes one, refused
//! (never mangled into a header injection) when a part cannot be written safely.

use super::cookies::{is_legal_char, is_legal_name, is_reserved};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The `SameSite` attribute: whether the browser sends the cookie with requests that
/// other sites start.
///
/// ```
/// use gateway_core::forms::{SameSite, SetCookie};
///
/// let (_, value) = SetCookie::new("csrf", "t0k").same_site(SameSite::Strict).header().unwrap();
/// assert_eq!(value, "csrf=t0k; SameSite=Strict");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Only with requests from this site.
    Strict,
    /// Also when the user follows a link from another site (the browsers' default).
    Lax,
    /// With every request; browsers accept it only on a `Secure` cookie.
    None,
}

impl SameSite {
    fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}

/// A `Set-Cookie` header: `SimpleCookie()[name] = value`, its attributes, then
/// `.OutputString()`, as the pair to hand to `start_response`.
///
/// The text is Python's, attribute order included (`Domain`, `expires`, `HttpOnly`,
/// `Max-Age`, `Path`, `SameSite`, `Secure`). A value made only of letters, digits and
/// ``!#$%&'*+-.^_`|~:`` goes out as it is; any other value is double-quoted with `\"`, `\\`
/// and octal escapes (`"a b\073c"` for `a b;c`), which [`Cookies`](super::Cookies) reads
/// back to the same text. [`header`](Self::header) refuses, with a [`CookieError`], what
/// Python would refuse (an illegal or reserved name) and what it would let through into a
/// broken header (a character above U+00FF in the value, a `;` or control character in
/// `Path` or `Domain`), and `SameSite=None` without `Secure`, which browsers drop.
///
/// ```
/// use gateway_core::forms::{SameSite, SetCookie};
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let app = |_: &Environ, start_response: StartResponse| -> Result<&'static str, gateway_core::forms::CookieError> {
///     let (name, value) = SetCookie::new("session", "abc123")
///         .path("/")
///         .max_age(3600)
///         .http_only(true)
///         .same_site(SameSite::Lax)
///         .header()?;
///     start_response("200 OK", &[("Content-Type", "text/plain"), (name, &value)]);
///     Ok("signed in")
/// };
/// let response = TestClient::new(app).get("/");
/// assert_eq!(
///     response.header("set-cookie"),
///     Some("session=abc123; HttpOnly; Max-Age=3600; Path=/; SameSite=Lax")
/// );
/// ```
///
/// To delete a cookie, send it again, empty, with `max_age(0)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct SetCookie {
    name: String,
    value: String,
    path: String,
    domain: String,
    max_age: Option<i64>,
    expires: Option<SystemTime>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
}

impl SetCookie {
    /// The cookie `name` with `value`, no attribute yet.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            path: String::new(),
            domain: String::new(),
            max_age: None,
            expires: None,
            secure: false,
            http_only: false,
            same_site: None,
        }
    }

    /// `Path`: the URL path under which the browser sends the cookie back (empty: none).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// `Domain`: the hosts the browser sends the cookie to (empty: only this host).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// `Max-Age`: seconds until the cookie expires; zero or less deletes it now.
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// `expires`: when the cookie expires, written as an HTTP date
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`); a time before 1970 is written as 1970.
    pub fn expires(mut self, when: SystemTime) -> Self {
        self.expires = Some(when);
        self
    }

    /// `Secure`: send the cookie over HTTPS only.
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// `HttpOnly`: keep the cookie away from the page's JavaScript.
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// `SameSite`: see [`SameSite`].
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = Some(same_site);
        self
    }

    /// `("Set-Cookie", value)`, or why the cookie cannot be sent.
    pub fn header(&self) -> Result<(&'static str, String), CookieError> {
        let name = &self.name;
        if is_reserved(name) {
            return Err(CookieError::ReservedName { name: name.clone() });
        }
        if !is_legal_name(name) {
            return Err(CookieError::IllegalName { name: name.clone() });
        }
        if let Some(character) = self.value.chars().find(|c| u32::from(*c) > 0xFF) {
            return Err(CookieError::ValueOutsideLatin1 {
                name: name.clone(),
                character,
            });
        }
        if self.same_site == Some(SameSite::None) && !self.secure {
            return Err(CookieError::SameSiteNoneWithoutSecure { name: name.clone() });
        }
        let mut out = format!("{name}={}", quote(&self.value));
        // Python writes the attributes sorted by their lower-case names, skipping empty ones.
        self.attribute(&mut out, "Domain", &self.domain)?;
        if let Some(when) = self.expires {
            out.push_str("; expires=");
            out.push_str(&httpdate::fmt_http_date(within_http_dates(when)));
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if let Some(seconds) = self.max_age {
            out.push_str(&format!("; Max-Age={seconds}"));
        }
        self.attribute(&mut out, "Path", &self.path)?;
        if let Some(same_site) = self.same_site {
            out.push_str("; SameSite=");
            out.push_str(same_site.as_str());
        }
        if self.secure {
            out.push_str("; Secure");
        }
        Ok(("Set-Cookie", out))
    }

    /// Appends `; Name=value` unless `value` is empty, refusing what would end the
    /// attribute early or break the header.
    fn attribute(
        &self,
        out: &mut String,
        name: &'static str,
        value: &str,
    ) -> Result<(), CookieError> {
        if value.is_empty() {
            return Ok(());
        }
        if value
            .bytes()
            .any(|b| b == b';' || !(0x20..0x7F).contains(&b))
        {
            return Err(CookieError::InvalidAttribute {
                cookie: self.name.clone(),
                attribute: name,
                value: value.to_owned(),
            });
        }
        out.push_str("; ");
        out.push_str(name);
        out.push('=');
        out.push_str(value);
        Ok(())
    }
}

/// `http.cookies._quote`: a legal value as it is; anything else in double quotes, with `"`
/// and `\` escaped by a backslash and other characters outside the unescaped set (control
/// characters, `;`, `,`, latin-1 above ASCII) as a backslash and three octal digits.
fn quote(value: &str) -> String {
    if is_legal_name(value) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' ' | '(' | ')' | '/' | '<' | '=' | '>' | '?' | '@' | '[' | ']' | '{' | '}' => {
                out.push(c)
            }
            _ if c.is_ascii() && is_legal_char(c as u8) => out.push(c),
            _ if u32::from(c) <= 0xFF => out.push_str(&format!("\\{:03o}", u32::from(c))),
            _ => out.push(c), // refused before quoting
        }
    }
    out.push('"');
    out
}

/// `httpdate` writes years 1970 to 9999; a cookie's expiry outside them means "already
/// gone" or "never", which the nearest end says as well.
fn within_http_dates(when: SystemTime) -> SystemTime {
    const LAST: Duration = Duration::from_secs(253_402_300_799); // 9999-12-31 23:59:59
    match when.duration_since(UNIX_EPOCH) {
        Ok(since) if since > LAST => UNIX_EPOCH + LAST,
        Ok(_) => when,
        Err(_) => UNIX_EPOCH,
    }
}

/// Why a [`SetCookie`] cannot be sent.
///
/// ```
/// use gateway_core::forms::{CookieError, SetCookie};
///
/// let error = SetCookie::new("user name", "x").header().unwrap_err();
/// assert_eq!(error, CookieError::IllegalName { name: "user name".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieError {
    /// The name is empty or holds a character outside letters, digits and
    /// ``!#$%&'*+-.^_`|~:`` (Python: `Illegal key`).
    IllegalName {
        /// The name as given.
        name: String,
    },
    /// The name is one of the attribute names, such as `Path` or `expires` (Python:
    /// `Attempt to set a reserved key`).
    ReservedName {
        /// The name as given.
        name: String,
    },
    /// The value holds a character above U+00FF, which a header cannot carry.
    ValueOutsideLatin1 {
        /// The cookie's name.
        name: String,
        /// The first such character.
        character: char,
    },
    /// `Path` or `Domain` holds a `;`, a control character or a character outside ASCII.
    InvalidAttribute {
        /// The cookie's name.
        cookie: String,
        /// `Path` or `Domain`.
        attribute: &'static str,
        /// The attribute's value as given.
        value: String,
    },
    /// `SameSite=None` on a cookie that is not `Secure`.
    SameSiteNoneWithoutSecure {
        /// The cookie's name.
        name: String,
    },
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IllegalName { name } => write!(
                f,
                "illegal cookie name {name:?}: a name is one or more letters, digits and \
                 !#$%&'*+-.^_`|~:"
            ),
            Self::ReservedName { name } => write!(
                f,
                "cookie name {name:?} is reserved: it is the name of a cookie attribute"
            ),
            Self::ValueOutsideLatin1 { name, character } => write!(
                f,
                "the value of cookie {name:?} holds {character:?}, which a header cannot \
                 carry; percent-encode the value first"
            ),
            Self::InvalidAttribute {
                cookie,
                attribute,
                value,
            } => write!(
                f,
                "invalid {attribute} {value:?} for cookie {cookie:?}: it must be printable \
                 ASCII without ';'"
            ),
            Self::SameSiteNoneWithoutSecure { name } => write!(
                f,
                "cookie {name:?} has SameSite=None without Secure, which browsers refuse; \
                 add .secure(true)"
            ),
        }
    }
}

impl std::error::Error for CookieError {}

#[cfg(test)]
mod tests;
