//! What the validator reports: one [`Violation`] per broken rule, written to `wsgi.errors`
//! as one line.

use std::fmt;

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

    /// The line written to `wsgi.errors`: `validator: ` and the sentence, or
    /// `validator warning: ` for a warning.
    pub(super) fn report_line(&self) -> String {
        let kind = if self.is_warning() {
            "validator warning"
        } else {
            "validator"
        };
        format!("{kind}: {self}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violation_is_one_validator_line_and_a_warning_says_so() {
        assert_eq!(
            Violation::BadVersion.report_line(),
            "validator: wsgi.version is not (1, 0)"
        );
        let unknown = Violation::UnknownMethod {
            method: "BREW".into(),
        };
        assert_eq!(
            unknown.report_line(),
            "validator warning: unknown REQUEST_METHOD \"BREW\""
        );
    }
}
