//! `wsgiref.validate` for gateway: middleware that checks both sides of the contract.
//!
//! Wrap an application in [`Validator`] (or call [`validator`], as in Python) while you
//! develop or test it: every request's environ is checked on its way in (the server's and
//! any outer middleware's side), and everything the application does with `start_response`,
//! `write()` and its body is checked on the way out. Each broken rule is reported as one
//! line in `wsgi.errors`, starting with `validator:` (the [`Violation`] it is, as a
//! sentence). Two checks are only warnings, as in wsgiref: they start with
//! `validator warning:` and change nothing else.
//!
//! # A violation answers 500, when it still can
//! wsgiref's validator raises `AssertionError`, so the server answers 500 if nothing was
//! sent yet. This one does the same without an exception: when a rule is broken before the
//! response's head is sent, the response is replaced by the server's plain 500 (its body is
//! [`SERVER_ERROR_BODY`]) and the application's body is dropped. A broken environ answers
//! 500 without calling the application. A rule broken after the head went out (a body longer
//! or shorter than its `Content-Length`, a late `start_response`) is reported, and the server
//! deals with the response as it would without the validator (it never sends more than
//! `Content-Length`, and closes the connection when the body is short). An application body
//! that fails (an `Err`, a panic) is handled as without the validator: a 500 before the head
//! went out, a closed connection after; in the second case an `Err` reaches the server as a
//! panic (a [`Body`] built from an iterator cannot carry an error), so the log line reads
//! `the application panicked: ...`.
//!
//! ```
//! use gateway_core::validate::validator;
//! use gateway_core::{Environ, StartResponse, TestClient};
//!
//! let app = |_: &Environ, start_response: StartResponse| {
//!     start_response("200 OK", &[]); // no Content-Type
//!     "hello"
//! };
//! let response = TestClient::new(validator(app)).get("/");
//! assert_eq!(response.status, 500);
//! assert_eq!(
//!     response.errors,
//!     ["validator: no Content-Type header in a \"200 OK\" response; every response but 204 \
//!       and 304 needs one"]
//! );
//! ```
//!
//! # The checks
//! Every check of `wsgiref.validate` that Rust's types do not already make impossible, plus
//! the ones it lacks. See [`Violation`] for each message.
//!
//! | side | check | wsgiref |
//! |---|---|---|
//! | environ | `REQUEST_METHOD`, `SERVER_NAME`, `SERVER_PORT`, `wsgi.version`, `wsgi.url_scheme`, `wsgi.input`, `wsgi.errors`, `wsgi.multithread`, `wsgi.multiprocess`, `wsgi.run_once` present | yes |
//! | environ | no `HTTP_CONTENT_TYPE` / `HTTP_CONTENT_LENGTH` | yes |
//! | environ | every key without a `.` holds text | yes |
//! | environ | `wsgi.version` is `(1, 0)`; `wsgi.url_scheme` is `http` or `https`; `wsgi.input` and `wsgi.errors` are the streams; the three `wsgi.*` flags are flags | yes |
//! | environ | `REQUEST_METHOD` a method token, `SERVER_NAME` not empty, `SERVER_PORT` a port number | added |
//! | environ | `SCRIPT_NAME` empty or starting with `/`, never `/`; `PATH_INFO` empty or starting with `/`; one of them present | yes |
//! | environ | `CONTENT_LENGTH` empty or a number | yes |
//! | environ (warning) | `QUERY_STRING` missing; `REQUEST_METHOD` not one of `GET HEAD POST OPTIONS PATCH PUT DELETE TRACE` | yes |
//! | status | three digits, at least 100, a space, no control characters, latin-1 | yes (wsgiref only warns about the space) |
//! | headers | no `Status` header; names `^[a-zA-Z][a-zA-Z0-9_-]*$` not ending in `-` or `_`; values with no control character (tab included) and latin-1 | yes (latin-1 added) |
//! | headers | no hop-by-hop header; `Content-Length` a number | added |
//! | headers | `Content-Type` present, except for 204 and 304, where it is forbidden | yes |
//! | calls | `start_response` not called again without error information; not replaced (`with_exc_info`) after the headers were sent, or after `write()` produced data (which sends them under PEP 3333) | added |
//! | calls | `write()` not before `start_response`, nor from inside the body's iteration | added |
//! | body | no chunk (an empty one included) before `start_response`; `start_response` called at all | yes |
//! | body | not longer nor shorter than its `Content-Length` (a `HEAD` body may be empty); none for 204 and 304 | added |
//! | server | the head is sent only after the first non-empty chunk | added |
//! | server | the body is not pulled again after it ended | yes (as "read after closed") |
//!
//! What Rust rules out, and wsgiref checks at run time: the argument counts and keyword
//! arguments of the application and `start_response`, `environ` being a `dict`, a status or
//! header that is not a `str`, a body that is not an iterable of `bytes`, the signatures of
//! `wsgi.input`'s and `wsgi.errors`' methods, calling `close()` on them, and a body that is
//! never closed (dropping is closing, exactly once).

use crate::application::{Application, Outcome};
use crate::body::Body;
use crate::contract_error::ContractError;
use crate::environ::{Environ, ValueRef};
use crate::error_log::ErrorLog;
use crate::host::SERVER_ERROR_BODY;
use crate::latin1;
use crate::start_response::{is_hop_by_hop, Intercept, StartResponse};
use bytes::Bytes;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

/// Checks every request and response of the application it wraps against PEP 3333, like
/// Python's `wsgiref.validate.validator`; see [the module docs](self) for what it checks and
/// what a violation does.
///
/// ```
/// use gateway_core::validate::Validator;
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let app = |_: &Environ, start_response: StartResponse| {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     "fine"
/// };
/// let response = TestClient::new(Validator::new(app)).get("/");
/// assert_eq!((response.status.as_u16(), response.text()), (200, "fine".to_owned()));
/// assert!(response.errors.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Validator<A> {
    app: A,
}

/// Wraps `app` in a [`Validator`]: `wsgiref.validate.validator(app)`.
pub fn validator<A: Application>(app: A) -> Validator<A> {
    Validator::new(app)
}

impl<A: Application> Validator<A> {
    /// Checks `app`.
    pub fn new(app: A) -> Self {
        Self { app }
    }
}

impl<A: Application> Application for Validator<A> {
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        let check = Arc::new(Check {
            errors: environ.error_log(),
            is_head: environ.get("REQUEST_METHOD") == Some("HEAD"),
            outer: start_response,
            state: Mutex::default(),
        });
        let (problems, warnings) = check_environ(&environ);
        for warning in warnings {
            check.report(warning);
        }
        if !problems.is_empty() {
            for problem in problems {
                check.report(problem);
            }
            return Outcome::Ready(Checked::wrap(check, None));
        }
        let inner = check.outer.intercept(Hooks(check.clone()));
        self.app
            .call(environ, inner)
            .map(move |body| Checked::wrap(check, Some(body)))
    }

    fn blocking(&self) -> bool {
        self.app.blocking()
    }
}

/// One broken rule, as the validator reports it in `wsgi.errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    // --- the environ (the server's side, or an outer middleware's) ---
    /// A key PEP 3333 requires is missing.
    MissingKey {
        /// The key.
        key: &'static str,
    },
    /// A key without a `.` (a CGI key) holds something other than text.
    NotText {
        /// The key.
        key: String,
    },
    /// `HTTP_CONTENT_TYPE` or `HTTP_CONTENT_LENGTH` is present.
    ContentHeaderAsHttp {
        /// The key.
        key: &'static str,
    },
    /// `wsgi.version` is not `(1, 0)`.
    BadVersion,
    /// `wsgi.url_scheme` is neither `http` nor `https`.
    BadUrlScheme {
        /// The value.
        value: String,
    },
    /// `wsgi.input` or `wsgi.errors` is not the server's stream.
    NotAStream {
        /// The key.
        key: &'static str,
    },
    /// `wsgi.multithread`, `wsgi.multiprocess` or `wsgi.run_once` is not a flag.
    NotAFlag {
        /// The key.
        key: &'static str,
    },
    /// `REQUEST_METHOD` or `SERVER_NAME` is empty.
    EmptyKey {
        /// The key.
        key: &'static str,
    },
    /// `REQUEST_METHOD` is not an HTTP method token.
    BadMethod {
        /// The value.
        value: String,
    },
    /// `SERVER_PORT` is not a port number.
    BadServerPort {
        /// The value.
        value: String,
    },
    /// `SCRIPT_NAME` is not empty and does not start with `/`.
    BadScriptName {
        /// The value.
        value: String,
    },
    /// `SCRIPT_NAME` is `/`.
    ScriptNameIsSlash,
    /// `PATH_INFO` is not empty and does not start with `/`.
    BadPathInfo {
        /// The value.
        value: String,
    },
    /// Both `SCRIPT_NAME` and `PATH_INFO` are missing or empty, `PATH_INFO` missing.
    NoPathInfo,
    /// `CONTENT_LENGTH` is neither empty nor a number.
    BadRequestContentLength {
        /// The value.
        value: String,
    },
    /// (Warning) `QUERY_STRING` is missing.
    NoQueryString,
    /// (Warning) `REQUEST_METHOD` is not one of the methods wsgiref knows.
    UnknownMethod {
        /// The method.
        method: String,
    },
    /// The server sent the head before the body produced a non-empty chunk.
    HeadersSentEarly,
    /// The server pulled the body again after it had ended.
    PulledAfterEnd,

    // --- the application's side ---
    /// The status line is not `NNN Reason`.
    BadStatus {
        /// The status as given.
        status: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A header named `Status`.
    StatusHeader,
    /// A header name that wsgiref refuses.
    BadHeaderName {
        /// The name.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A header value with a control character or a character above U+00FF.
    BadHeaderValue {
        /// The header's name.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A hop-by-hop header (`Connection`, `Transfer-Encoding`, ...).
    HopByHopHeader {
        /// The name.
        name: String,
    },
    /// No `Content-Type` in a response that has content.
    MissingContentType {
        /// The status.
        status: String,
    },
    /// A `Content-Type` in a 204 or 304 response.
    ContentTypeWithoutContent {
        /// The status.
        status: String,
    },
    /// `Content-Length` is not a number.
    BadContentLength {
        /// The value.
        value: String,
    },
    /// `start_response` called again without error information.
    StartResponseTwice,
    /// `with_exc_info` called after the head was sent.
    ExcInfoAfterSent,
    /// `with_exc_info` called after `write()` produced data.
    ExcInfoAfterWrite,
    /// `write()` called before `start_response`.
    WriteBeforeStartResponse,
    /// `write()` called while the server was pulling the body.
    WriteDuringIteration,
    /// The body produced a chunk before `start_response` was called.
    ChunkBeforeStartResponse,
    /// The body ended and `start_response` was never called.
    NoStartResponse,
    /// The body is longer than its `Content-Length`.
    BodyLongerThanContentLength {
        /// The declared length.
        declared: u64,
        /// The bytes produced so far.
        produced: u64,
    },
    /// The body is shorter than its `Content-Length`.
    BodyShorterThanContentLength {
        /// The declared length.
        declared: u64,
        /// The bytes the body had.
        produced: u64,
    },
    /// A 204 or 304 response whose body produced data.
    BodyNotAllowed {
        /// The status.
        status: String,
    },
}

impl Violation {
    /// Whether this is one of the two checks wsgiref only warns about (`QUERY_STRING`
    /// missing, an unknown method): reported, but the response goes on.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Violation::NoQueryString | Violation::UnknownMethod { .. }
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Violation::*;
        match self {
            MissingKey { key } => write!(f, "the environ has no {key} key; PEP 3333 requires it"),
            NotText { key } => write!(
                f,
                "environ[{key:?}] is not text; every key without a \".\" holds a string"
            ),
            ContentHeaderAsHttp { key } => write!(
                f,
                "the environ should not have the key {key} (use {} instead)",
                &key[5..]
            ),
            BadVersion => f.write_str("wsgi.version is not (1, 0)"),
            BadUrlScheme { value } => write!(
                f,
                "wsgi.url_scheme is {value:?}; it must be \"http\" or \"https\""
            ),
            NotAStream { key } => write!(f, "environ[{key:?}] is not the server's stream"),
            NotAFlag { key } => write!(f, "environ[{key:?}] is not a flag (true or false)"),
            EmptyKey { key } => write!(f, "{key} is empty; it is required and never empty"),
            BadMethod { value } => write!(f, "REQUEST_METHOD {value:?} is not an HTTP method"),
            BadServerPort { value } => write!(f, "SERVER_PORT {value:?} is not a port number"),
            BadScriptName { value } => write!(f, "SCRIPT_NAME doesn't start with /: {value:?}"),
            ScriptNameIsSlash => f.write_str(
                "SCRIPT_NAME cannot be \"/\"; it should instead be \"\", and PATH_INFO should \
                 be \"/\"",
            ),
            BadPathInfo { value } => write!(f, "PATH_INFO doesn't start with /: {value:?}"),
            NoPathInfo => f.write_str(
                "one of SCRIPT_NAME or PATH_INFO is required (PATH_INFO should at least be \
                 \"/\" if SCRIPT_NAME is empty)",
            ),
            BadRequestContentLength { value } => {
                write!(f, "CONTENT_LENGTH {value:?} is not a number of bytes")
            }
            NoQueryString => f.write_str(
                "QUERY_STRING is not in the environ; applications that parse it are more \
                 likely to fail",
            ),
            UnknownMethod { method } => write!(f, "unknown REQUEST_METHOD {method:?}"),
            HeadersSentEarly => f.write_str(
                "the server sent the headers before the body produced a non-empty chunk; \
                 PEP 3333 sends them with the first non-empty chunk (or at the end of an \
                 empty body), so start_response can still be replaced until then",
            ),
            PulledAfterEnd => f.write_str(
                "the server pulled the body again after it had ended; an ended (closed) body \
                 must not be iterated",
            ),
            BadStatus { status, problem } => {
                write!(
                    f,
                    "invalid status {status:?}: {problem}; write it as \"200 OK\""
                )
            }
            StatusHeader => f.write_str(
                "the Status header cannot be used; the status is start_response's first \
                 argument",
            ),
            BadHeaderName { name, problem } => {
                write!(f, "invalid header name {name:?}: {problem}")
            }
            BadHeaderValue { name, problem } => {
                write!(f, "invalid value for header {name:?}: {problem}")
            }
            HopByHopHeader { name } => write!(
                f,
                "hop-by-hop header {name:?} is not allowed from an application; the server \
                 manages the connection"
            ),
            MissingContentType { status } => write!(
                f,
                "no Content-Type header in a {status:?} response; every response but 204 and \
                 304 needs one"
            ),
            ContentTypeWithoutContent { status } => write!(
                f,
                "Content-Type header in a {status:?} response, which must not have content"
            ),
            BadContentLength { value } => write!(
                f,
                "invalid Content-Length {value:?}: it must be a number of bytes"
            ),
            StartResponseTwice => f.write_str(
                "start_response called a second time without error information; only \
                 start_response.with_exc_info may replace a response, and only before it \
                 was sent",
            ),
            ExcInfoAfterSent => f.write_str(
                "start_response.with_exc_info called after the headers were sent; the \
                 response cannot be replaced",
            ),
            ExcInfoAfterWrite => f.write_str(
                "start_response.with_exc_info called after write() produced data; under PEP \
                 3333 the first write() sends the headers, so the response can no longer be \
                 replaced",
            ),
            WriteBeforeStartResponse => f.write_str("write() called before start_response"),
            WriteDuringIteration => f.write_str(
                "write() called while the server was pulling the body; return the data from \
                 the body instead",
            ),
            ChunkBeforeStartResponse => f.write_str(
                "the body produced a chunk before start_response was called; call it before \
                 returning the body or in the body's first iteration",
            ),
            NoStartResponse => f.write_str("the application never called start_response"),
            BodyLongerThanContentLength { declared, produced } => write!(
                f,
                "the body is longer than its Content-Length: {produced} bytes so far, \
                 {declared} declared"
            ),
            BodyShorterThanContentLength { declared, produced } => write!(
                f,
                "the body had {produced} bytes but Content-Length said {declared}"
            ),
            BodyNotAllowed { status } => {
                write!(f, "a {status:?} response must not have a body")
            }
        }
    }
}

impl std::error::Error for Violation {}

/// The methods wsgiref's validator knows; others get a warning.
const KNOWN_METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "OPTIONS", "PATCH", "PUT", "DELETE", "TRACE",
];

/// The keys wsgiref requires, plus `wsgi.url_scheme` (which it reads without a default).
const REQUIRED_KEYS: [&str; 10] = [
    "REQUEST_METHOD",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.version",
    "wsgi.url_scheme",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
];

/// The server's side: the errors and the warnings, in the order wsgiref checks them.
fn check_environ(environ: &Environ) -> (Vec<Violation>, Vec<Violation>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for key in REQUIRED_KEYS {
        if !environ.contains_key(key) {
            problems.push(Violation::MissingKey { key });
        }
    }
    for key in ["HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"] {
        if environ.contains_key(key) {
            problems.push(Violation::ContentHeaderAsHttp { key });
        }
    }
    if !environ.contains_key("QUERY_STRING") {
        warnings.push(Violation::NoQueryString);
    }
    for (key, value) in environ.iter() {
        if !key.contains('.') && !matches!(value, ValueRef::Str(_)) {
            problems.push(Violation::NotText {
                key: key.into_owned(),
            });
        }
    }
    match environ.value("wsgi.version") {
        None | Some(ValueRef::Version(1, 0)) => {}
        Some(_) => problems.push(Violation::BadVersion),
    }
    match environ.value("wsgi.url_scheme") {
        None | Some(ValueRef::Str("http" | "https")) => {}
        Some(ValueRef::Str(text)) => problems.push(Violation::BadUrlScheme {
            value: text.to_owned(),
        }),
        Some(other) => problems.push(Violation::BadUrlScheme {
            value: format!("{other:?}"),
        }),
    }
    if !matches!(environ.value("wsgi.input"), None | Some(ValueRef::Input(_))) {
        problems.push(Violation::NotAStream { key: "wsgi.input" });
    }
    if !matches!(
        environ.value("wsgi.errors"),
        None | Some(ValueRef::Errors(_))
    ) {
        problems.push(Violation::NotAStream { key: "wsgi.errors" });
    }
    for key in ["wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"] {
        if !matches!(environ.value(key), None | Some(ValueRef::Bool(_))) {
            problems.push(Violation::NotAFlag { key });
        }
    }
    if let Some(method) = environ.get("REQUEST_METHOD") {
        if method.is_empty() {
            problems.push(Violation::EmptyKey {
                key: "REQUEST_METHOD",
            });
        } else if !method.bytes().all(is_token_byte) {
            problems.push(Violation::BadMethod {
                value: method.to_owned(),
            });
        } else if !KNOWN_METHODS.contains(&method) {
            warnings.push(Violation::UnknownMethod {
                method: method.to_owned(),
            });
        }
    }
    if environ.get("SERVER_NAME") == Some("") {
        problems.push(Violation::EmptyKey { key: "SERVER_NAME" });
    }
    if let Some(port) = environ.get("SERVER_PORT") {
        if !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err() {
            problems.push(Violation::BadServerPort {
                value: port.to_owned(),
            });
        }
    }
    let script_name = environ.get("SCRIPT_NAME").unwrap_or("");
    if !script_name.is_empty() && !script_name.starts_with('/') {
        problems.push(Violation::BadScriptName {
            value: script_name.to_owned(),
        });
    }
    if let Some(path_info) = environ.get("PATH_INFO") {
        if !path_info.is_empty() && !path_info.starts_with('/') {
            problems.push(Violation::BadPathInfo {
                value: path_info.to_owned(),
            });
        }
    }
    if let Some(length) = environ.get("CONTENT_LENGTH") {
        if !length.is_empty() && parse_length(length).is_none() {
            problems.push(Violation::BadRequestContentLength {
                value: length.to_owned(),
            });
        }
    }
    if script_name.is_empty() && !environ.contains_key("PATH_INFO") {
        problems.push(Violation::NoPathInfo);
    }
    if script_name == "/" {
        problems.push(Violation::ScriptNameIsSlash);
    }
    (problems, warnings)
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A `Content-Length`: digits only.
fn parse_length(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// What a valid status and headers tell the rest of the checks.
#[derive(Default)]
struct HeadFacts {
    code: Option<u16>,
    content_length: Option<u64>,
}

/// The application's status and headers: every problem, and what was learnt from them.
fn check_head(status: &str, headers: &[(&str, &str)]) -> (Vec<Violation>, HeadFacts) {
    let mut problems = Vec::new();
    let mut facts = HeadFacts::default();
    match check_status(status) {
        Ok(code) => facts.code = Some(code),
        Err(problem) => problems.push(Violation::BadStatus {
            status: status.to_owned(),
            problem,
        }),
    }
    let mut content_type = false;
    for &(name, value) in headers {
        if name.eq_ignore_ascii_case("status") {
            problems.push(Violation::StatusHeader);
        } else if let Err(problem) = check_header_name(name) {
            problems.push(Violation::BadHeaderName {
                name: name.to_owned(),
                problem,
            });
        } else if is_hop_by_hop(name) {
            problems.push(Violation::HopByHopHeader {
                name: name.to_owned(),
            });
        }
        if let Err(problem) = check_header_value(value) {
            problems.push(Violation::BadHeaderValue {
                name: name.to_owned(),
                problem,
            });
        }
        if name.eq_ignore_ascii_case("content-type") {
            content_type = true;
        }
        if name.eq_ignore_ascii_case("content-length") {
            match parse_length(value.trim()) {
                Some(length) => facts.content_length = Some(length),
                None => problems.push(Violation::BadContentLength {
                    value: value.to_owned(),
                }),
            }
        }
    }
    if let Some(code) = facts.code {
        let no_content = matches!(code, 204 | 304);
        if content_type && no_content {
            problems.push(Violation::ContentTypeWithoutContent {
                status: status.to_owned(),
            });
        } else if !content_type && !no_content {
            problems.push(Violation::MissingContentType {
                status: status.to_owned(),
            });
        }
    }
    (problems, facts)
}

/// wsgiref's `check_status` (and its warning, an error here), plus the rules of P-40/P-57.
fn check_status(status: &str) -> Result<u16, &'static str> {
    let code = status.split_whitespace().next().unwrap_or("");
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the status code must be three digits");
    }
    let code: u16 = code
        .parse()
        .map_err(|_| "the status code must be three digits")?;
    if code < 100 {
        return Err("the status code must be at least 100");
    }
    if status.len() < 4 || status.as_bytes()[3] != b' ' {
        return Err("it must be a three-digit code, a single space and a reason phrase");
    }
    if status.chars().any(char::is_control) {
        return Err("it must not contain control characters");
    }
    if status.len() > 4 && status.ends_with(char::is_whitespace) {
        return Err("it must not end with whitespace");
    }
    if latin1::encode(status).is_none() {
        return Err("it must not contain characters above U+00FF");
    }
    Ok(code)
}

/// wsgiref's header name rules: `^[a-zA-Z][a-zA-Z0-9\-_]*$`, not ending in `-` or `_`.
fn check_header_name(name: &str) -> Result<(), &'static str> {
    if name.contains(':') || name.contains('\n') {
        return Err("header names may not contain ':' or '\\n'");
    }
    let mut bytes = name.bytes();
    let first_is_letter = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    if !first_is_letter || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err("a name is a letter followed by letters, digits, '-' and '_'");
    }
    if name.ends_with('-') || name.ends_with('_') {
        return Err("names may not end in '-' or '_'");
    }
    Ok(())
}

/// wsgiref refuses `\000`-`\037` (tab included); DEL and characters above U+00FF are refused
/// by HTTP and PEP 3333.
fn check_header_value(value: &str) -> Result<(), &'static str> {
    if value.chars().any(|c| c < ' ' || c == '\x7f') {
        return Err("it must not contain control characters (tab included, as in wsgiref)");
    }
    if latin1::encode(value).is_none() {
        return Err("it must not contain characters above U+00FF");
    }
    Ok(())
}

/// One request under the validator: what it has seen, shared by the hooks on
/// `start_response` and the wrapper around the body.
struct Check {
    outer: StartResponse,
    errors: ErrorLog,
    is_head: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `start_response` was called (with or without error information).
    started: bool,
    /// The status line and code last given.
    status: String,
    code: Option<u16>,
    content_length: Option<u64>,
    /// Data from `write()`, handed to the server through the body, in order.
    written: VecDeque<Bytes>,
    /// `write()` produced data (PEP 3333: the headers are sent then).
    wrote: bool,
    /// The server is inside the application body's `next`.
    iterating: bool,
    /// Bytes handed to the server.
    produced: u64,
    /// A non-empty chunk was handed to the server: the head is out.
    data_out: bool,
    /// The response was replaced by the 500 answer.
    replaced: bool,
    /// The 500 answer's body was handed out.
    error_body_given: bool,
    /// The body returned its end.
    ended: bool,
    /// `HeadersSentEarly` was reported.
    early_reported: bool,
}

impl Check {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes `violation` to `wsgi.errors` and, for an error while the response can still be
    /// replaced, replaces it with the 500 answer.
    fn report(&self, violation: Violation) {
        let kind = if violation.is_warning() {
            "validator warning"
        } else {
            "validator"
        };
        self.errors.line(&format!("{kind}: {violation}"));
        if !violation.is_warning() {
            self.replace(&violation);
        }
    }

    /// Replaces the response with the 500 answer, unless its head may already be out.
    fn replace(&self, reason: &dyn fmt::Display) {
        {
            let mut state = self.lock();
            if state.replaced || state.data_out || self.outer.is_sent() {
                return;
            }
            state.replaced = true;
            state.written.clear();
        }
        let replaced = self.outer.with_exc_info(
            "500 Internal Server Error",
            &[("Content-Type", "text/plain")],
            reason,
        );
        if replaced.is_err() {
            self.lock().replaced = false;
        }
    }

    fn report_all(&self, violations: Vec<Violation>) {
        for violation in violations {
            self.report(violation);
        }
    }
}

/// The validator's hooks on the application's `start_response` and `write()`.
struct Hooks(Arc<Check>);

impl Hooks {
    /// Checks a status and headers; records what they say; passes them on when they are
    /// valid and the response was not replaced. Returns whether they were valid.
    fn head(&self, status: &str, headers: &[(&str, &str)]) -> bool {
        let (problems, facts) = check_head(status, headers);
        let replaced = {
            let mut state = self.0.lock();
            state.started = true;
            state.status = status.to_owned();
            state.code = facts.code;
            state.content_length = facts.content_length;
            state.replaced
        };
        let valid = problems.is_empty();
        self.0.report_all(problems);
        valid && !replaced
    }
}

impl Intercept for Hooks {
    fn start_response(&self, outer: &StartResponse, status: &str, headers: &[(&str, &str)]) {
        if self.0.lock().started {
            self.0.report(Violation::StartResponseTwice);
            return;
        }
        if self.head(status, headers) {
            outer(status, headers);
        }
    }

    fn with_exc_info(
        &self,
        outer: &StartResponse,
        status: &str,
        headers: &[(&str, &str)],
        error: &dyn fmt::Display,
    ) -> Result<(), ContractError> {
        let (data_out, wrote) = {
            let state = self.0.lock();
            (state.data_out, state.wrote)
        };
        if data_out || outer.is_sent() {
            self.0.report(Violation::ExcInfoAfterSent);
            return Err(ContractError::HeadersAlreadySent);
        }
        if wrote {
            self.0.report(Violation::ExcInfoAfterWrite);
            return Err(ContractError::HeadersAlreadySent);
        }
        if self.head(status, headers) {
            outer.with_exc_info(status, headers, error)?;
        }
        Ok(())
    }

    fn write(&self, _outer: &StartResponse, data: &[u8]) -> io::Result<()> {
        let (started, iterating) = {
            let state = self.0.lock();
            (state.started, state.iterating)
        };
        if !started {
            self.0.report(Violation::WriteBeforeStartResponse);
            return Err(io::Error::other(ContractError::WriteBeforeStartResponse));
        }
        if iterating {
            self.0.report(Violation::WriteDuringIteration);
        }
        let mut state = self.0.lock();
        if !state.replaced && !data.is_empty() {
            // Kept here and handed out through the body, so a 500 can still replace it.
            state.written.push_back(Bytes::copy_from_slice(data));
            state.wrote = true;
        }
        Ok(())
    }
}

/// The body as the server sees it under the validator.
struct Checked {
    check: Arc<Check>,
    body: Option<Body>,
}

impl Checked {
    fn wrap(check: Arc<Check>, body: Option<Body>) -> Body {
        Body::from_iter(Checked { check, body })
    }

    /// The end of the application's body: the checks that need all of it.
    fn end_of_body(&mut self) {
        self.body = None;
        let (started, shortfall) = {
            let state = self.check.lock();
            let exempt = self.check.is_head || matches!(state.code, Some(204 | 304));
            let shortfall = state
                .content_length
                .filter(|&declared| !exempt && state.produced < declared)
                .map(|declared| (declared, state.produced));
            (state.started, shortfall)
        };
        if !started {
            self.check.report(Violation::NoStartResponse);
        } else if let Some((declared, produced)) = shortfall {
            self.check
                .report(Violation::BodyShorterThanContentLength { declared, produced });
        }
    }

    /// The checks on one chunk about to be handed to the server.
    fn check_chunk(&self, chunk: &Bytes, from_body: bool) {
        let mut problems = Vec::new();
        {
            let mut state = self.check.lock();
            if from_body && !state.started {
                problems.push(Violation::ChunkBeforeStartResponse);
            }
            let before = state.produced;
            state.produced += chunk.len() as u64;
            if let Some(declared) = state.content_length {
                if before <= declared && state.produced > declared {
                    problems.push(Violation::BodyLongerThanContentLength {
                        declared,
                        produced: state.produced,
                    });
                }
            }
            if !chunk.is_empty() && before == 0 && matches!(state.code, Some(204 | 304)) {
                problems.push(Violation::BodyNotAllowed {
                    status: state.status.clone(),
                });
            }
        }
        self.check.report_all(problems);
    }

    /// The application's body failed with `error`: a 500 if nothing was sent, else the
    /// failure goes on to the server, which closes the connection.
    fn failed(&mut self, error: ContractError) {
        self.body = None;
        let data_out = self.check.lock().data_out;
        if data_out || self.check.outer.is_sent() {
            // `Body::from_iter` cannot carry an error: unwind, which the server turns into
            // the same failure (logged, connection closed).
            std::panic::resume_unwind(Box::new(error.to_string()));
        }
        self.check.errors.line(&error.to_string());
        self.check.replace(&error);
    }

    /// Hands out `chunk` (marking the head as sent when it is not empty), or the 500 answer
    /// if the checks replaced the response.
    fn hand_out(&mut self, chunk: Bytes) -> Option<Bytes> {
        let mut state = self.check.lock();
        if state.replaced {
            return None;
        }
        if !chunk.is_empty() {
            state.data_out = true;
        }
        Some(chunk)
    }

    fn pull(&mut self) -> Option<Bytes> {
        loop {
            {
                let mut state = self.check.lock();
                if state.replaced {
                    let given = std::mem::replace(&mut state.error_body_given, true);
                    drop(state);
                    self.body = None;
                    return (!given).then_some(Bytes::from_static(SERVER_ERROR_BODY.as_bytes()));
                }
                if let Some(chunk) = state.written.pop_front() {
                    drop(state);
                    self.check_chunk(&chunk, false);
                    match self.hand_out(chunk) {
                        Some(chunk) => return Some(chunk),
                        None => continue,
                    }
                }
                state.iterating = true;
            }
            let pulled = self.body.as_mut().map(Iterator::next);
            self.check.lock().iterating = false;
            let pulled = pulled?;
            match pulled {
                None => self.end_of_body(),
                Some(Err(error)) => self.failed(error),
                Some(Ok(chunk)) => {
                    self.check_chunk(&chunk, true);
                    if self
                        .body
                        .as_ref()
                        .is_some_and(|body| body.size_hint().1 == Some(0))
                    {
                        self.end_of_body();
                    }
                    if let Some(chunk) = self.hand_out(chunk) {
                        return Some(chunk);
                    }
                }
            }
        }
    }
}

impl Iterator for Checked {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let (ended, early) = {
            let mut state = self.check.lock();
            let early = !state.data_out
                && !state.early_reported
                && !state.replaced
                && self.check.outer.is_sent();
            state.early_reported |= early;
            (state.ended, early)
        };
        if ended {
            self.check.report(Violation::PulledAfterEnd);
            return None;
        }
        if early {
            self.check.report(Violation::HeadersSentEarly);
        }
        let chunk = self.pull();
        if chunk.is_none() {
            self.check.lock().ended = true;
        }
        chunk
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let state = self.check.lock();
        if state.ended {
            return (0, Some(0));
        }
        if state.replaced {
            let left = usize::from(!state.error_body_given);
            return (left, Some(left));
        }
        let written = state.written.len();
        match &self.body {
            None => (written, Some(written)),
            Some(body) => {
                let (low, high) = body.size_hint();
                (
                    low.saturating_add(written),
                    high.and_then(|h| h.checked_add(written)),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestClient, TestRequest, TestResponse};
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PLAIN: (&str, &str) = ("Content-Type", "text/plain");

    fn get(app: impl Application) -> TestResponse {
        TestClient::new(validator(app)).get("/")
    }

    /// Asserts the response became the 500 answer and `wsgi.errors` has exactly `message`.
    #[track_caller]
    fn assert_rejected(response: &TestResponse, message: &str) {
        assert_eq!(response.status, 500, "{response:?}");
        assert_eq!(response.text(), SERVER_ERROR_BODY);
        assert_eq!(
            response.errors,
            [format!("validator: {message}")],
            "{response:?}"
        );
    }

    #[track_caller]
    fn assert_reported(response: &TestResponse, needle: &str) {
        assert!(
            response
                .errors
                .iter()
                .any(|line| line.starts_with("validator") && line.contains(needle)),
            "no {needle:?} in {:?}",
            response.errors
        );
    }

    fn ok_app(_: &Environ, start_response: StartResponse) -> &'static str {
        start_response("200 OK", &[PLAIN]);
        "ok"
    }

    /// A middleware outside the validator that breaks the environ the way `tamper` says.
    struct Tamper<F>(F);

    impl<F: Fn(&mut Environ) + Send + Sync + 'static> Application for Tamper<F> {
        fn call(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
            (self.0)(&mut environ);
            validator(ok_app).call(environ, start_response)
        }
    }

    fn with_environ(tamper: impl Fn(&mut Environ) + Send + Sync + 'static) -> TestResponse {
        TestClient::new(Tamper(tamper)).get("/")
    }

    // --- a valid application passes through unchanged ---

    #[test]
    fn a_valid_application_is_not_changed() {
        let response = TestClient::new(validator(|_: &Environ, sr: StartResponse| {
            sr("201 Created", &[PLAIN, ("X-Id", "7")]);
            Body::from_iter(["a", "", "b"])
        }))
        .get("/");
        assert_eq!(response.status, 201);
        assert_eq!(response.header("x-id"), Some("7"));
        assert_eq!(response.text(), "ab");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[test]
    fn a_valid_application_keeps_its_content_length_and_write_order() {
        let response = get(|_: &Environ, sr: StartResponse| {
            let mut write = sr("200 OK", &[PLAIN, ("Content-Length", "11")]);
            write.write_all(b"written ").unwrap();
            "and"
        });
        assert_eq!(response.text(), "written and");
        assert_eq!(response.content_length, Some(11));
        assert!(
            !response.truncated && response.errors.is_empty(),
            "{response:?}"
        );
    }

    #[test]
    fn start_response_in_the_first_iteration_is_allowed() {
        let response = get(|_: &Environ, sr: StartResponse| {
            Body::from_iter(std::iter::once_with(move || {
                sr("200 OK", &[PLAIN]);
                "lazy"
            }))
        });
        assert_eq!(
            (response.status.as_u16(), response.text()),
            (200, "lazy".into())
        );
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[test]
    fn exc_info_may_replace_an_unsent_response() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            sr.with_exc_info("503 Service Unavailable", &[PLAIN], &"db down")
                .unwrap();
            "later"
        });
        assert_eq!(response.status, 503);
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[test]
    fn head_responses_may_have_an_empty_body_with_a_content_length() {
        let response = TestClient::new(validator(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "100")]);
            Body::empty()
        }))
        .send(TestRequest::new("HEAD", "/"));
        assert!(
            response.errors.iter().all(|l| !l.starts_with("validator")),
            "{:?}",
            response.errors
        );
        assert_eq!(response.status, 200);
    }

    // --- the environ ---

    #[test]
    fn required_environ_keys_must_be_present() {
        for key in REQUIRED_KEYS {
            let response = with_environ(move |environ| environ.remove(key));
            assert_rejected(
                &response,
                &format!("the environ has no {key} key; PEP 3333 requires it"),
            );
        }
    }

    #[test]
    fn http_content_type_and_length_must_not_be_in_the_environ() {
        let response = with_environ(|environ| environ.insert("HTTP_CONTENT_TYPE", "text/plain"));
        assert_rejected(
            &response,
            "the environ should not have the key HTTP_CONTENT_TYPE (use CONTENT_TYPE instead)",
        );
    }

    #[test]
    fn cgi_keys_must_hold_text() {
        let response = with_environ(|environ| environ.insert("REMOTE_USER", true));
        assert_rejected(
            &response,
            "environ[\"REMOTE_USER\"] is not text; every key without a \".\" holds a string",
        );
    }

    #[test]
    fn wsgi_version_must_be_1_0() {
        let response = with_environ(|environ| environ.insert("wsgi.version", "1.0"));
        assert_rejected(&response, "wsgi.version is not (1, 0)");
    }

    #[test]
    fn url_scheme_must_be_http_or_https() {
        let response = with_environ(|environ| environ.insert("wsgi.url_scheme", "ftp"));
        assert_rejected(
            &response,
            "wsgi.url_scheme is \"ftp\"; it must be \"http\" or \"https\"",
        );
        let response = with_environ(|environ| environ.insert("wsgi.url_scheme", "https"));
        assert_eq!(response.status, 200);
    }

    #[test]
    fn input_and_errors_must_be_the_streams() {
        let response = with_environ(|environ| environ.insert("wsgi.input", "body"));
        assert_rejected(
            &response,
            "environ[\"wsgi.input\"] is not the server's stream",
        );
        let response = with_environ(|environ| environ.insert("wsgi.errors", "stderr"));
        assert_rejected(
            &response,
            "environ[\"wsgi.errors\"] is not the server's stream",
        );
    }

    #[test]
    fn the_wsgi_flags_must_be_flags() {
        let response = with_environ(|environ| environ.insert("wsgi.run_once", "no"));
        assert_rejected(
            &response,
            "environ[\"wsgi.run_once\"] is not a flag (true or false)",
        );
    }

    #[test]
    fn request_method_and_server_name_must_not_be_empty() {
        let response = with_environ(|environ| environ.insert("SERVER_NAME", ""));
        assert_rejected(
            &response,
            "SERVER_NAME is empty; it is required and never empty",
        );
        let response = with_environ(|environ| environ.insert("REQUEST_METHOD", ""));
        assert_rejected(
            &response,
            "REQUEST_METHOD is empty; it is required and never empty",
        );
    }

    #[test]
    fn request_method_must_be_a_token() {
        let response = with_environ(|environ| environ.insert("REQUEST_METHOD", "GET /"));
        assert_rejected(&response, "REQUEST_METHOD \"GET /\" is not an HTTP method");
    }

    #[test]
    fn server_port_must_be_a_port_number() {
        for port in ["http", "-1", "65536", ""] {
            let response = with_environ(move |environ| environ.insert("SERVER_PORT", port));
            assert_rejected(
                &response,
                &format!("SERVER_PORT {port:?} is not a port number"),
            );
        }
    }

    #[test]
    fn script_name_must_start_with_a_slash_and_not_be_one() {
        let response = with_environ(|environ| environ.insert("SCRIPT_NAME", "app"));
        assert_rejected(&response, "SCRIPT_NAME doesn't start with /: \"app\"");
        let response = with_environ(|environ| environ.insert("SCRIPT_NAME", "/"));
        assert_rejected(
            &response,
            "SCRIPT_NAME cannot be \"/\"; it should instead be \"\", and PATH_INFO should be \"/\"",
        );
        let response = with_environ(|environ| environ.insert("SCRIPT_NAME", "/app"));
        assert_eq!(response.status, 200);
    }

    #[test]
    fn path_info_must_start_with_a_slash() {
        let response = with_environ(|environ| environ.insert("PATH_INFO", "x"));
        assert_rejected(&response, "PATH_INFO doesn't start with /: \"x\"");
        let response = with_environ(|environ| {
            environ.insert("SCRIPT_NAME", "/app");
            environ.insert("PATH_INFO", "");
        });
        assert_eq!(response.status, 200);
    }

    #[test]
    fn path_info_is_required_when_script_name_is_empty() {
        let response = with_environ(|environ| environ.remove("PATH_INFO"));
        assert_rejected(
            &response,
            "one of SCRIPT_NAME or PATH_INFO is required (PATH_INFO should at least be \"/\" \
             if SCRIPT_NAME is empty)",
        );
    }

    #[test]
    fn request_content_length_must_be_a_number() {
        let response = with_environ(|environ| environ.insert("CONTENT_LENGTH", "-5"));
        assert_rejected(&response, "CONTENT_LENGTH \"-5\" is not a number of bytes");
    }

    #[test]
    fn a_missing_query_string_and_an_unknown_method_are_warnings() {
        let response = with_environ(|environ| {
            environ.remove("QUERY_STRING");
            environ.insert("REQUEST_METHOD", "BREW");
        });
        assert_eq!(response.status, 200);
        assert_eq!(
            response.errors,
            [
                "validator warning: QUERY_STRING is not in the environ; applications that \
                 parse it are more likely to fail",
                "validator warning: unknown REQUEST_METHOD \"BREW\"",
            ]
        );
    }

    #[test]
    fn a_broken_environ_answers_500_without_calling_the_application() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let app = validator(move |_: &Environ, sr: StartResponse| {
            counted.fetch_add(1, Ordering::SeqCst);
            sr("200 OK", &[PLAIN]);
            "called"
        });
        struct Break<A>(A);
        impl<A: Application> Application for Break<A> {
            fn call(&self, mut environ: Environ, sr: StartResponse) -> Outcome {
                environ.insert("wsgi.url_scheme", "gopher");
                self.0.call(environ, sr)
            }
        }
        let response = TestClient::new(Break(app)).get("/");
        assert_eq!(response.status, 500);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    // --- the status and headers ---

    #[test]
    fn the_status_must_be_three_digits_a_space_and_a_reason() {
        for (status, problem) in [
            ("OK", "the status code must be three digits"),
            ("2000 OK", "the status code must be three digits"),
            ("099 Low", "the status code must be at least 100"),
            (
                "200",
                "it must be a three-digit code, a single space and a reason phrase",
            ),
            (
                "200\tOK",
                "it must be a three-digit code, a single space and a reason phrase",
            ),
            ("200 OK\r\n", "it must not contain control characters"),
            ("200 OK ", "it must not end with whitespace"),
            ("200 ☃", "it must not contain characters above U+00FF"),
        ] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr(status, &[PLAIN]);
                "x"
            });
            assert_rejected(
                &response,
                &format!("invalid status {status:?}: {problem}; write it as \"200 OK\""),
            );
        }
    }

    #[test]
    fn a_status_header_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Status", "404")]);
            "x"
        });
        assert_rejected(
            &response,
            "the Status header cannot be used; the status is start_response's first argument",
        );
    }

    #[test]
    fn header_names_follow_wsgirefs_rules() {
        for (name, problem) in [
            (
                "X-Dotted.Name",
                "a name is a letter followed by letters, digits, '-' and '_'",
            ),
            (
                "1X",
                "a name is a letter followed by letters, digits, '-' and '_'",
            ),
            ("X:Y", "header names may not contain ':' or '\\n'"),
            ("X-", "names may not end in '-' or '_'"),
            ("X_", "names may not end in '-' or '_'"),
        ] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr("200 OK", &[PLAIN, (name, "v")]);
                "x"
            });
            assert_rejected(
                &response,
                &format!("invalid header name {name:?}: {problem}"),
            );
        }
    }

    #[test]
    fn header_values_refuse_control_characters_including_tab() {
        for value in ["a\r\nSet-Cookie: x=1", "tab\there", "del\x7f"] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr("200 OK", &[PLAIN, ("X-Value", value)]);
                "x"
            });
            assert_rejected(
                &response,
                "invalid value for header \"X-Value\": it must not contain control characters \
                 (tab included, as in wsgiref)",
            );
        }
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("X-Value", "snow ☃")]);
            "x"
        });
        assert_rejected(
            &response,
            "invalid value for header \"X-Value\": it must not contain characters above U+00FF",
        );
    }

    #[test]
    fn hop_by_hop_headers_are_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Connection", "close")]);
            "x"
        });
        assert_rejected(
            &response,
            "hop-by-hop header \"Connection\" is not allowed from an application; the server \
             manages the connection",
        );
    }

    #[test]
    fn content_type_is_required_except_for_204_and_304() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[]);
            "x"
        });
        assert_rejected(
            &response,
            "no Content-Type header in a \"200 OK\" response; every response but 204 and 304 \
             needs one",
        );
        for status in ["204 No Content", "304 Not Modified"] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr(status, &[]);
                ""
            });
            assert_eq!(response.status.as_str(), &status[..3]);
            assert!(response.errors.is_empty(), "{:?}", response.errors);
        }
    }

    #[test]
    fn content_type_is_forbidden_for_204_and_304() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("204 No Content", &[PLAIN]);
            ""
        });
        assert_rejected(
            &response,
            "Content-Type header in a \"204 No Content\" response, which must not have content",
        );
    }

    #[test]
    fn response_content_length_must_be_a_number() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "ten")]);
            "x"
        });
        assert_rejected(
            &response,
            "invalid Content-Length \"ten\": it must be a number of bytes",
        );
    }

    // --- start_response and write() ---

    #[test]
    fn a_second_start_response_without_error_information_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            sr("404 Not Found", &[PLAIN]);
            "x"
        });
        assert_rejected(
            &response,
            "start_response called a second time without error information; only \
             start_response.with_exc_info may replace a response, and only before it was sent",
        );
    }

    #[test]
    fn exc_info_after_the_headers_were_sent_is_refused() {
        let refused = Arc::new(Mutex::new(None));
        let seen = refused.clone();
        let response = get(move |_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            let seen = seen.clone();
            Body::from_iter(
                ["first", "second"]
                    .into_iter()
                    .enumerate()
                    .map(move |(i, c)| {
                        if i == 1 {
                            *seen.lock().unwrap() = Some(sr.with_exc_info(
                                "500 Internal Server Error",
                                &[PLAIN],
                                &"late",
                            ));
                        }
                        c
                    }),
            )
        });
        assert_eq!(response.status, 200);
        assert!(matches!(
            refused.lock().unwrap().as_ref().unwrap(),
            Err(ContractError::HeadersAlreadySent)
        ));
        assert_reported(
            &response,
            "with_exc_info called after the headers were sent",
        );
    }

    #[test]
    fn exc_info_after_write_produced_data_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            let mut write = sr("200 OK", &[PLAIN]);
            write.write_all(b"partial").unwrap();
            let refused = sr.with_exc_info("500 Internal Server Error", &[PLAIN], &"oops");
            assert_eq!(refused.unwrap_err(), ContractError::HeadersAlreadySent);
            ""
        });
        assert_rejected(
            &response,
            "start_response.with_exc_info called after write() produced data; under PEP 3333 \
             the first write() sends the headers, so the response can no longer be replaced",
        );
    }

    #[test]
    fn write_before_start_response_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            assert!(sr.writer().write_all(b"early").is_err());
            sr("200 OK", &[PLAIN]);
            "x"
        });
        assert_rejected(&response, "write() called before start_response");
    }

    #[test]
    fn write_from_inside_the_body_is_reported() {
        let response = get(|_: &Environ, sr: StartResponse| {
            let mut write = sr("200 OK", &[PLAIN]);
            Body::from_iter(std::iter::once_with(move || {
                write.write_all(b"sneaky").unwrap();
                "x"
            }))
        });
        assert_rejected(
            &response,
            "write() called while the server was pulling the body; return the data from the \
             body instead",
        );
    }

    // --- the body ---

    #[test]
    fn a_chunk_before_start_response_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            Body::from_iter(
                ["early", "late"]
                    .into_iter()
                    .enumerate()
                    .map(move |(i, c)| {
                        if i == 1 {
                            sr("200 OK", &[PLAIN]);
                        }
                        c
                    }),
            )
        });
        assert_rejected(
            &response,
            "the body produced a chunk before start_response was called; call it before \
             returning the body or in the body's first iteration",
        );
    }

    #[test]
    fn never_calling_start_response_is_refused() {
        let response = get(|_: &Environ, _: StartResponse| ());
        assert_rejected(&response, "the application never called start_response");
    }

    #[test]
    fn a_body_longer_than_its_content_length_is_refused_before_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "3")]);
            "too long"
        });
        assert_rejected(
            &response,
            "the body is longer than its Content-Length: 8 bytes so far, 3 declared",
        );
    }

    #[test]
    fn a_body_longer_than_its_content_length_is_reported_after_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "5")]);
            Body::from_iter(["abc", "defgh"])
        });
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), "abcde");
        assert_reported(
            &response,
            "the body is longer than its Content-Length: 8 bytes so far, 5 declared",
        );
    }

    #[test]
    fn a_body_shorter_than_its_content_length_is_refused_before_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "10")]);
            "short"
        });
        assert_rejected(&response, "the body had 5 bytes but Content-Length said 10");
    }

    #[test]
    fn a_body_shorter_than_its_content_length_is_reported_after_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "10")]);
            Body::from_iter(["abc", "de"])
        });
        assert!(response.truncated);
        assert_reported(&response, "the body had 5 bytes but Content-Length said 10");
    }

    #[test]
    fn a_204_or_304_must_not_have_a_body() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("304 Not Modified", &[]);
            "content"
        });
        assert_rejected(
            &response,
            "a \"304 Not Modified\" response must not have a body",
        );
    }

    #[test]
    fn a_failed_body_still_answers_500() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            Err::<String, _>("database down")
        });
        assert_eq!(response.status, 500);
        assert_eq!(response.errors, ["the application failed: database down"]);
    }

    #[test]
    fn a_body_that_fails_after_sending_still_breaks_off() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            Body::from_iter(["a", "b"].into_iter().enumerate().map(|(i, c)| {
                if i == 1 {
                    panic!("mid-stream");
                }
                c
            }))
        });
        assert_eq!(response.status, 200);
        assert!(response.truncated);
        assert_eq!(response.errors, ["the application panicked: mid-stream"]);
    }

    // --- the server's side of the body ---

    fn call_directly(
        app: impl Application,
        start_response: &StartResponse,
    ) -> (Body, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let environ = Environ::builder()
            .error_sink(Arc::new(move |line: &str| {
                sink.lock().unwrap().push(line.to_owned())
            }))
            .build();
        match validator(app).call(environ, start_response.clone()) {
            Outcome::Ready(body) => (body, lines),
            Outcome::Pending(_) => unreachable!("a plain application"),
        }
    }

    #[test]
    fn pulling_the_body_after_its_end_is_reported() {
        let start_response = StartResponse::new();
        let (mut body, lines) = call_directly(ok_app, &start_response);
        assert_eq!(body.next().unwrap().unwrap(), "ok");
        assert!(body.next().is_none());
        assert!(body.next().is_none());
        assert_eq!(
            *lines.lock().unwrap(),
            [
                "validator: the server pulled the body again after it had ended; an ended \
              (closed) body must not be iterated"
            ]
        );
    }

    #[test]
    fn a_server_that_sends_the_head_before_the_first_chunk_is_reported() {
        let start_response = StartResponse::new();
        let (mut body, lines) = call_directly(ok_app, &start_response);
        start_response.outermost().lock().committed = true; // what granian does (R-10)
        assert_eq!(body.next().unwrap().unwrap(), "ok");
        assert_eq!(lines.lock().unwrap().len(), 1);
        assert!(lines.lock().unwrap()[0].starts_with(
            "validator: the server sent the headers before the body produced a non-empty chunk"
        ));
    }

    #[test]
    fn the_application_body_is_dropped_once_when_replaced() {
        struct Counted(Arc<AtomicUsize>);
        impl Iterator for Counted {
            type Item = &'static str;
            fn next(&mut self) -> Option<&'static str> {
                Some("forever")
            }
        }
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let counted = drops.clone();
        let response = get(move |_: &Environ, sr: StartResponse| {
            sr("200 OK", &[]);
            Body::from_iter(Counted(counted.clone()))
        });
        assert_eq!(response.status, 500);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
