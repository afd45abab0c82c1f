//! `wsgiref.util`: the helpers of Python's reference implementation, with its behaviour.
//!
//! | `wsgiref.util` | here |
//! |---|---|
//! | `request_uri(environ, include_query=True)` | [`request_uri`] |
//! | `application_uri(environ)` | [`application_uri`] |
//! | `shift_path_info(environ)` | [`shift_path_info`] |
//! | `guess_scheme(environ)` | [`guess_scheme`] |
//! | `setup_testing_defaults(environ)` | [`setup_testing_defaults`] |
//! | `is_hop_by_hop(name)` | [`is_hop_by_hop`](crate::is_hop_by_hop) |
//! | `FileWrapper` | [`FileWrapper`](crate::FileWrapper) |
//!
//! # Quoting, and the one difference
//! Python quotes `SCRIPT_NAME` and `PATH_INFO` with `urllib.parse.quote(..., encoding='latin1')`,
//! because PEP 3333 carries the request's bytes in `str` one byte per character. gateway
//! shows path bytes as UTF-8 when they are UTF-8 and as latin-1 only otherwise
//! ([the rule](crate::latin1)), so quoting with latin-1 alone would turn `/caf%C3%A9` into
//! `/caf%E9`. These functions undo the rule the environ applied: when the request's decoded
//! path is UTF-8 with non-ASCII bytes in it, text is quoted as UTF-8; otherwise as latin-1,
//! exactly as Python does (a character above U+00FF, where Python would raise, is quoted as
//! UTF-8). The safe characters are Python's: letters, digits, `_.-~` and `/`, plus `;=,` in
//! `PATH_INFO`.

use crate::environ::Environ;
use crate::input::Input;
use crate::percent::{self, quote_into};
use crate::wsgi_errors::Errors;

/// Python's `html.escape`: `&`, `<`, `>`, `"` and `'` become character references, so text
/// from a request can go into HTML (the note's greeting put the path into HTML raw).
///
/// ```
/// assert_eq!(gateway_core::util::escape_html("<b>Tom & 'Jerry'</b>"), "&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `wsgiref.util.guess_scheme`: `"https"` when the environ's `HTTPS` is `yes`, `on` or `1`,
/// else `"http"`.
///
/// ```
/// use gateway_core::{util::guess_scheme, Environ};
///
/// let mut environ = Environ::builder().build();
/// assert_eq!(guess_scheme(&environ), "http");
/// environ.insert("HTTPS", "on");
/// assert_eq!(guess_scheme(&environ), "https");
/// ```
pub fn guess_scheme(environ: &Environ) -> &'static str {
    match environ.get("HTTPS") {
        Some("yes" | "on" | "1") => "https",
        _ => "http",
    }
}

/// `wsgiref.util.application_uri`: the URL of the application, without `PATH_INFO` and
/// `QUERY_STRING`: `wsgi.url_scheme://` + `HTTP_HOST` (or `SERVER_NAME`, with
/// `:SERVER_PORT` unless it is the scheme's default) + the quoted `SCRIPT_NAME` (or `/`).
///
/// ```
/// use gateway_core::{util::application_uri, Environ};
///
/// let mut environ = Environ::builder().uri("/api/users").header("Host", "example.com").build();
/// environ.insert("SCRIPT_NAME", "/api");
/// environ.insert("PATH_INFO", "/users");
/// assert_eq!(application_uri(&environ), "http://example.com/api");
/// ```
pub fn application_uri(environ: &Environ) -> String {
    let scheme = environ.get("wsgi.url_scheme").unwrap_or("http");
    let mut url = format!("{scheme}://");
    match environ.get("HTTP_HOST").filter(|host| !host.is_empty()) {
        Some(host) => url.push_str(host),
        None => {
            url.push_str(environ.get("SERVER_NAME").unwrap_or(""));
            let port = environ.get("SERVER_PORT").unwrap_or("");
            let default = if scheme == "https" { "443" } else { "80" };
            if port != default {
                url.push(':');
                url.push_str(port);
            }
        }
    }
    let script_name = environ.get("SCRIPT_NAME").filter(|s| !s.is_empty());
    let utf8 = request_path_is_utf8(environ);
    quote_into(&mut url, script_name.unwrap_or("/"), b"/", utf8);
    url
}

/// `wsgiref.util.request_uri`: the full URL of the request, rebuilt from the environ as
/// PEP 3333 says: [`application_uri`], then the quoted `PATH_INFO` (safe: `/;=,`), then
/// `?QUERY_STRING` when `include_query` and it is not empty.
///
/// Under a mount (`SCRIPT_NAME=/api`, `PATH_INFO=/users/7`) this is still the URL the
/// client asked for. As in Python, an encoded `/` (`%2F`) comes back as `/`: `PATH_INFO` no
/// longer tells them apart.
///
/// ```
/// use gateway_core::{util::request_uri, Environ};
///
/// let environ = Environ::builder()
///     .uri("/caf%C3%A9/menu;lang=fr?day=1")
///     .header("Host", "example.com:8080")
///     .build();
/// assert_eq!(request_uri(&environ, true), "http://example.com:8080/caf%C3%A9/menu;lang=fr?day=1");
/// assert_eq!(request_uri(&environ, false), "http://example.com:8080/caf%C3%A9/menu;lang=fr");
/// ```
pub fn request_uri(environ: &Environ, include_query: bool) -> String {
    let mut url = application_uri(environ);
    let mut path_info = String::new();
    let utf8 = request_path_is_utf8(environ);
    quote_into(
        &mut path_info,
        environ.get("PATH_INFO").unwrap_or(""),
        b"/;=,",
        utf8,
    );
    // application_uri ended with the `/` that stands for an empty SCRIPT_NAME: Python drops
    // the first character of the quoted PATH_INFO then, whatever it is.
    if environ.get("SCRIPT_NAME").unwrap_or("").is_empty() {
        let mut chars = path_info.chars();
        chars.next();
        url.push_str(chars.as_str());
    } else {
        url.push_str(&path_info);
    }
    if include_query {
        if let Some(query) = environ.get("QUERY_STRING").filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(query);
        }
    }
    url
}

/// `wsgiref.util.shift_path_info`: moves the first segment of `PATH_INFO` to the end of
/// `SCRIPT_NAME` and returns it; `None` when `PATH_INFO` is empty.
///
/// Python's rules, exactly: empty and `.` segments in the middle of `PATH_INFO` are
/// skipped, `SCRIPT_NAME` is normalised like `posixpath.normpath` (so `..` climbs back up),
/// and when `PATH_INFO` is just `/` it returns `""` and `SCRIPT_NAME` gains a trailing `/`,
/// so `/x` and `/x/` stay distinct. A final `/.` returns `None` and empties `PATH_INFO`.
/// (Where Python would raise `IndexError`, a non-empty `PATH_INFO` without any `/`, this
/// returns `None` and changes nothing.)
///
/// ```
/// use gateway_core::{util::shift_path_info, Environ};
///
/// let mut environ = Environ::builder().uri("/a/x/y").build();
/// environ.insert("SCRIPT_NAME", "/a");
/// environ.insert("PATH_INFO", "/x/y");
/// assert_eq!(shift_path_info(&mut environ).as_deref(), Some("x"));
/// assert_eq!((environ.script_name(), environ.path_info()), ("/a/x", "/y"));
/// ```
pub fn shift_path_info(environ: &mut Environ) -> Option<String> {
    let path_info = environ.get("PATH_INFO").unwrap_or("").to_owned();
    if path_info.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = path_info.split('/').collect();
    if parts.len() < 2 {
        return None;
    }
    let last = parts.len() - 1;
    if last > 1 {
        let middle: Vec<&str> = parts[1..last]
            .iter()
            .copied()
            .filter(|part| !part.is_empty() && *part != ".")
            .collect();
        parts.splice(1..last, middle);
    }
    let name = parts.remove(1).to_owned();

    let script_name = environ.get("SCRIPT_NAME").unwrap_or("");
    let mut script_name = normpath(&format!("{script_name}/{name}"));
    if script_name.ends_with('/') {
        script_name.pop();
    }
    if name.is_empty() && !script_name.ends_with('/') {
        script_name.push('/');
    }
    let path_info = parts.join("/");
    environ.insert("SCRIPT_NAME", script_name);
    environ.insert("PATH_INFO", path_info);
    // A final `/.` is not stripped above; it is normalised away here.
    (name != ".").then_some(name)
}

/// `wsgiref.util.setup_testing_defaults`: gives each key below its default value, only
/// where the key is missing (Python's `setdefault`); nothing present is replaced.
///
/// `SERVER_NAME=127.0.0.1`, `SERVER_PROTOCOL=HTTP/1.0`, `HTTP_HOST` = `SERVER_NAME`,
/// `REQUEST_METHOD=GET`, `SCRIPT_NAME=""` and `PATH_INFO=/` (only when both are missing),
/// `wsgi.version=(1, 0)`, `wsgi.run_once`, `wsgi.multithread` and `wsgi.multiprocess` false,
/// an empty `wsgi.input`, a `wsgi.errors`, `wsgi.url_scheme` = [`guess_scheme`], and
/// `SERVER_PORT` `80` for `http` or `443` for `https`.
///
/// An environ a server built already has nearly all of these; [`Environ::builder`] is the
/// usual way to make one for a test, and this fills what a test removed.
///
/// ```
/// use gateway_core::{util::setup_testing_defaults, Environ};
///
/// let mut environ = Environ::builder().build(); // no Host header: no HTTP_HOST
/// assert_eq!(environ.get("HTTP_HOST"), None);
/// setup_testing_defaults(&mut environ);
/// assert_eq!(environ.get("HTTP_HOST"), Some("127.0.0.1"));
/// ```
pub fn setup_testing_defaults(environ: &mut Environ) {
    setdefault(environ, "SERVER_NAME", "127.0.0.1");
    setdefault(environ, "SERVER_PROTOCOL", "HTTP/1.0");
    let server_name = environ.get("SERVER_NAME").unwrap_or("").to_owned();
    setdefault(environ, "HTTP_HOST", &server_name);
    setdefault(environ, "REQUEST_METHOD", "GET");
    if !environ.contains_key("SCRIPT_NAME") && !environ.contains_key("PATH_INFO") {
        environ.insert("SCRIPT_NAME", "");
        environ.insert("PATH_INFO", "/");
    }
    if !environ.contains_key("wsgi.version") {
        environ.insert_object("wsgi.version", (1u8, 0u8));
    }
    for key in ["wsgi.run_once", "wsgi.multithread", "wsgi.multiprocess"] {
        if !environ.contains_key(key) {
            environ.insert(key, false);
        }
    }
    if !environ.contains_key("wsgi.input") {
        environ.insert_object("wsgi.input", Input::empty());
    }
    if !environ.contains_key("wsgi.errors") {
        environ.insert_object("wsgi.errors", Errors::default());
    }
    let scheme = guess_scheme(environ);
    setdefault(environ, "wsgi.url_scheme", scheme);
    match environ.get("wsgi.url_scheme") {
        Some("http") => setdefault(environ, "SERVER_PORT", "80"),
        Some("https") => setdefault(environ, "SERVER_PORT", "443"),
        _ => {}
    }
}

fn setdefault(environ: &mut Environ, key: &'static str, value: &str) {
    if !environ.contains_key(key) {
        environ.insert(key, value);
    }
}

/// `posixpath.normpath`.
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    // POSIX keeps exactly two leading slashes; one, or three and more, become one.
    let initial = match path.strip_prefix("//") {
        Some(rest) if !rest.starts_with('/') => 2,
        _ if path.starts_with('/') => 1,
        _ => 0,
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        if part != ".." || (initial == 0 && parts.is_empty()) || parts.last() == Some(&"..") {
            parts.push(part);
        } else if !parts.is_empty() {
            parts.pop();
        }
    }
    let normal = "/".repeat(initial) + &parts.join("/");
    if normal.is_empty() {
        ".".to_owned()
    } else {
        normal
    }
}

/// Whether the request's decoded path is UTF-8 with something beyond ASCII in it: then the
/// environ's non-ASCII text stands for UTF-8 bytes, else for latin-1 ones.
fn request_path_is_utf8(environ: &Environ) -> bool {
    let raw = environ.uri().path();
    match percent::decode(raw) {
        None => !raw.is_ascii(),
        Some(decoded) => decoded.bytes.is_none() && !decoded.text.is_ascii(),
    }
}

#[cfg(test)]
mod tests;
