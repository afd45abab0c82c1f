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
//! | `FileWrapper` | [`file_wrapper`](crate::file_wrapper) |
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
use crate::errors::Errors;
use crate::input::Input;
use percent_encoding::percent_decode_str;

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
        environ.insert_object("wsgi.errors", Errors::new(None));
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
    if !raw.contains('%') {
        return !raw.is_ascii();
    }
    let bytes: Vec<u8> = percent_decode_str(raw).collect();
    !bytes.is_ascii() && std::str::from_utf8(&bytes).is_ok()
}

/// `urllib.parse.quote(text, safe)`: letters, digits, `_.-~` and `safe` stay, every other
/// byte becomes `%XX`; characters become bytes as latin-1, or as UTF-8 when `utf8` is set or
/// the character is above U+00FF.
fn quote_into(out: &mut String, text: &str, safe: &[u8], utf8: bool) {
    let mut push = |byte: u8| {
        if byte.is_ascii_alphanumeric() || b"_.-~".contains(&byte) || safe.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    };
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(byte) if !utf8 || byte.is_ascii() => push(byte),
            _ => c.encode_utf8(&mut [0; 4]).bytes().for_each(&mut push),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The cases of CPython's `Lib/test/test_wsgiref.py` (`UtilityTests`), one for one.
    use super::*;
    use crate::environ::ValueRef;

    /// A Python dict: an environ with every key removed, then `kw` set.
    fn dict(kw: &[(&'static str, &str)]) -> Environ {
        let mut environ = Environ::builder().build();
        let keys: Vec<String> = environ.keys().iter().map(|k| k.to_string()).collect();
        for key in keys {
            environ.remove(&key);
        }
        for &(key, value) in kw {
            environ.insert(key, value);
        }
        environ
    }

    /// `setup_testing_defaults(kw)` on a dict of `kw`.
    fn testing(kw: &[(&'static str, &str)]) -> Environ {
        let mut environ = dict(kw);
        setup_testing_defaults(&mut environ);
        environ
    }

    #[track_caller]
    fn check_shift(sn_in: &str, pi_in: &str, part: Option<&str>, sn_out: &str, pi_out: &str) {
        let mut environ = testing(&[("SCRIPT_NAME", sn_in), ("PATH_INFO", pi_in)]);
        assert_eq!(shift_path_info(&mut environ).as_deref(), part);
        assert_eq!(&environ["PATH_INFO"], pi_out);
        assert_eq!(&environ["SCRIPT_NAME"], sn_out);
    }

    #[test]
    fn simple_shifts() {
        check_shift("", "/", Some(""), "/", "");
        check_shift("", "/x", Some("x"), "/x", "");
        check_shift("/", "", None, "/", "");
        check_shift("/a", "/x/y", Some("x"), "/a/x", "/y");
        check_shift("/a", "/x/", Some("x"), "/a/x", "/");
    }

    #[test]
    fn normalized_shifts() {
        check_shift("/a/b", "/../y", Some(".."), "/a", "/y");
        check_shift("", "/../y", Some(".."), "", "/y");
        check_shift("/a/b", "//y", Some("y"), "/a/b/y", "");
        check_shift("/a/b", "//y/", Some("y"), "/a/b/y", "/");
        check_shift("/a/b", "/./y", Some("y"), "/a/b/y", "");
        check_shift("/a/b", "/./y/", Some("y"), "/a/b/y", "/");
        check_shift("/a/b", "///./..//y/.//", Some(".."), "/a", "/y/");
        check_shift("/a/b", "///", Some(""), "/a/b/", "");
        check_shift("/a/b", "/.//", Some(""), "/a/b/", "");
        check_shift("/a/b", "/x//", Some("x"), "/a/b/x", "/");
        check_shift("/a/b", "/.", None, "/a/b", "");
    }

    #[test]
    fn a_path_info_without_a_slash_is_left_alone() {
        let mut environ = testing(&[("PATH_INFO", "x")]);
        assert_eq!(shift_path_info(&mut environ), None);
        assert_eq!(environ.path_info(), "x");
    }

    #[test]
    fn defaults() {
        let environ = testing(&[]);
        for (key, value) in [
            ("SERVER_NAME", "127.0.0.1"),
            ("SERVER_PORT", "80"),
            ("SERVER_PROTOCOL", "HTTP/1.0"),
            ("HTTP_HOST", "127.0.0.1"),
            ("REQUEST_METHOD", "GET"),
            ("SCRIPT_NAME", ""),
            ("PATH_INFO", "/"),
            ("wsgi.url_scheme", "http"),
        ] {
            assert_eq!(environ.get(key), Some(value), "{key}");
        }
        let shown = |key| format!("{:?}", environ.value(key).unwrap());
        assert_eq!(shown("wsgi.version"), "(1, 0)");
        for key in ["wsgi.run_once", "wsgi.multithread", "wsgi.multiprocess"] {
            assert!(matches!(environ.value(key), Some(ValueRef::Bool(false))));
        }
        assert!(environ.object::<Input>("wsgi.input").is_some());
        assert!(environ.object::<Errors>("wsgi.errors").is_some());
    }

    #[test]
    fn defaults_keep_existing_values() {
        for key in [
            "SERVER_NAME",
            "SERVER_PORT",
            "SERVER_PROTOCOL",
            "HTTP_HOST",
            "REQUEST_METHOD",
            "SCRIPT_NAME",
            "PATH_INFO",
            "wsgi.version",
            "wsgi.run_once",
            "wsgi.multithread",
            "wsgi.multiprocess",
            "wsgi.input",
            "wsgi.errors",
            "wsgi.url_scheme",
        ] {
            let environ = testing(&[(key, "alt")]);
            assert_eq!(environ.get(key), Some("alt"), "{key}");
        }
    }

    #[test]
    fn cross_defaults() {
        let check = |key, value, kw: &[(&'static str, &str)]| {
            assert_eq!(testing(kw).get(key), Some(value), "{key} for {kw:?}");
        };
        check("HTTP_HOST", "foo.bar", &[("SERVER_NAME", "foo.bar")]);
        check("wsgi.url_scheme", "https", &[("HTTPS", "on")]);
        check("wsgi.url_scheme", "https", &[("HTTPS", "1")]);
        check("wsgi.url_scheme", "https", &[("HTTPS", "yes")]);
        check("wsgi.url_scheme", "http", &[("HTTPS", "foo")]);
        check("SERVER_PORT", "80", &[("HTTPS", "foo")]);
        check("SERVER_PORT", "443", &[("HTTPS", "on")]);
    }

    #[test]
    fn guess_scheme_reads_https() {
        assert_eq!(guess_scheme(&dict(&[])), "http");
        assert_eq!(guess_scheme(&dict(&[("HTTPS", "foo")])), "http");
        assert_eq!(guess_scheme(&dict(&[("HTTPS", "on")])), "https");
        assert_eq!(guess_scheme(&dict(&[("HTTPS", "yes")])), "https");
        assert_eq!(guess_scheme(&dict(&[("HTTPS", "1")])), "https");
    }

    #[track_caller]
    fn check_app_uri(uri: &str, kw: &[(&'static str, &str)]) {
        assert_eq!(application_uri(&testing(kw)), uri);
    }

    #[test]
    fn app_uris() {
        check_app_uri("http://127.0.0.1/", &[]);
        check_app_uri("http://127.0.0.1/spam", &[("SCRIPT_NAME", "/spam")]);
        check_app_uri("http://127.0.0.1/sp%E4m", &[("SCRIPT_NAME", "/sp\u{e4}m")]);
        check_app_uri(
            "http://spam.example.com:2071/",
            &[
                ("HTTP_HOST", "spam.example.com:2071"),
                ("SERVER_PORT", "2071"),
            ],
        );
        check_app_uri(
            "http://spam.example.com/",
            &[("SERVER_NAME", "spam.example.com")],
        );
        check_app_uri(
            "http://127.0.0.1/",
            &[
                ("HTTP_HOST", "127.0.0.1"),
                ("SERVER_NAME", "spam.example.com"),
            ],
        );
        check_app_uri("https://127.0.0.1/", &[("HTTPS", "on")]);
        // Python's HTTP_HOST=None: present but false.
        check_app_uri(
            "http://127.0.0.1:8000/",
            &[("SERVER_PORT", "8000"), ("HTTP_HOST", "")],
        );
    }

    #[track_caller]
    fn check_req_uri(uri: &str, query: bool, kw: &[(&'static str, &str)]) {
        assert_eq!(request_uri(&testing(kw), query), uri);
    }

    #[test]
    fn req_uris() {
        check_req_uri("http://127.0.0.1/", true, &[]);
        check_req_uri("http://127.0.0.1/spam", true, &[("SCRIPT_NAME", "/spam")]);
        check_req_uri(
            "http://127.0.0.1/sp%E4m",
            true,
            &[("SCRIPT_NAME", "/sp\u{e4}m")],
        );
        check_req_uri(
            "http://127.0.0.1/spammity/spam",
            true,
            &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/spam")],
        );
        check_req_uri(
            "http://127.0.0.1/spammity/sp%E4m",
            true,
            &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/sp\u{e4}m")],
        );
        check_req_uri(
            "http://127.0.0.1/spammity/spam;ham",
            true,
            &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/spam;ham")],
        );
        check_req_uri(
            "http://127.0.0.1/spammity/spam;cookie=1234,5678",
            true,
            &[
                ("SCRIPT_NAME", "/spammity"),
                ("PATH_INFO", "/spam;cookie=1234,5678"),
            ],
        );
        check_req_uri(
            "http://127.0.0.1/spammity/spam?say=ni",
            true,
            &[
                ("SCRIPT_NAME", "/spammity"),
                ("PATH_INFO", "/spam"),
                ("QUERY_STRING", "say=ni"),
            ],
        );
        check_req_uri(
            "http://127.0.0.1/spammity/spam?s%E4y=ni",
            true,
            &[
                ("SCRIPT_NAME", "/spammity"),
                ("PATH_INFO", "/spam"),
                ("QUERY_STRING", "s%E4y=ni"),
            ],
        );
        check_req_uri(
            "http://127.0.0.1/spammity/spam",
            false,
            &[
                ("SCRIPT_NAME", "/spammity"),
                ("PATH_INFO", "/spam"),
                ("QUERY_STRING", "say=ni"),
            ],
        );
    }

    #[test]
    fn request_uri_rebuilds_the_url_the_client_sent() {
        for (target, url) in [
            ("/caf%C3%A9?x=1", "http://example.com/caf%C3%A9?x=1"),
            ("/caf%E9", "http://example.com/caf%E9"),
            ("/snow%E2%98%83", "http://example.com/snow%E2%98%83"),
            ("/a%20b/c(d)", "http://example.com/a%20b/c%28d%29"),
            ("/", "http://example.com/"),
        ] {
            let environ = Environ::builder()
                .uri(target)
                .header("Host", "example.com")
                .build();
            assert_eq!(request_uri(&environ, true), url, "{target}");
        }
    }

    #[test]
    fn request_uri_under_a_mount_is_the_same_url() {
        let mut environ = Environ::builder()
            .uri("/api/caf%C3%A9/7?q")
            .header("Host", "example.com")
            .build();
        let before = request_uri(&environ, true);
        environ.insert("SCRIPT_NAME", "/api");
        environ.insert("PATH_INFO", "/café/7");
        assert_eq!(request_uri(&environ, true), before);
        assert_eq!(before, "http://example.com/api/caf%C3%A9/7?q");
        assert_eq!(application_uri(&environ), "http://example.com/api");
        environ.insert("SCRIPT_NAME", "/api/café/7");
        environ.insert("PATH_INFO", "");
        assert_eq!(request_uri(&environ, true), before);
    }

    #[test]
    fn quote_into_pins() {
        let quote = |text: &str, safe: &[u8], utf8: bool| {
            let mut out = String::from(">");
            quote_into(&mut out, text, safe, utf8);
            out
        };
        assert_eq!(quote("/café", b"/", false), ">/caf%E9");
        assert_eq!(quote("/café", b"/", true), ">/caf%C3%A9");
        assert_eq!(quote("☃", b"/", false), ">%E2%98%83");
        assert_eq!(quote("a b;c=d,e/f", b"/;=,", false), ">a%20b;c=d,e/f");
        assert_eq!(quote("a b;c", b"/", false), ">a%20b%3Bc");
        assert_eq!(quote("~_.-%?#\0", b"", true), ">~_.-%25%3F%23%00");
    }

    #[test]
    fn request_path_is_utf8_pins() {
        for (target, utf8) in [
            ("/plain", false),
            ("/caf%C3%A9", true),
            ("/caf%E9", false),
            ("/a%20b", false),
            ("/100%", false),
        ] {
            let environ = Environ::builder().uri(target).build();
            assert_eq!(request_path_is_utf8(&environ), utf8, "{target}");
        }
    }

    #[test]
    fn normpath_is_posixpath_normpath() {
        for (path, normal) in [
            ("", "."),
            ("/", "/"),
            ("//", "//"),
            ("///", "/"),
            ("//a/../b", "//b"),
            ("a/./b/../../..", ".."),
            ("/../a", "/a"),
            ("a//b/", "a/b"),
        ] {
            assert_eq!(normpath(path), normal, "{path}");
        }
    }
}
