//! The ways an application can break the contract, each with a sentence that says so.

use std::fmt;

/// A broken rule of PEP 3333 on the application's side. The server answers 500 when it
/// can (nothing was sent yet) or closes the connection, and writes this to `wsgi.errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContractError {
    /// The status line is not `NNN Reason`.
    BadStatus {
        /// The status as given.
        status: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A header name is not an RFC 9110 token.
    BadHeaderName {
        /// The name as given.
        name: String,
    },
    /// A header value holds CR, LF, NUL, another control character, or a character
    /// outside latin-1.
    BadHeaderValue {
        /// The header's name.
        name: String,
    },
    /// The application set a hop-by-hop header (PEP 3333 leaves those to the server).
    HopByHopHeader {
        /// The header's name.
        name: String,
    },
    /// `Content-Length` is not a number.
    BadContentLength {
        /// The value as given.
        value: String,
    },
    /// `start_response` was called a second time without error information.
    StartResponseTwice,
    /// `start_response` was called with error information after the headers were sent.
    HeadersAlreadySent,
    /// The application returned (or its body yielded data) without calling `start_response`.
    NoStartResponse,
    /// `write()` was called before `start_response` succeeded.
    WriteBeforeStartResponse,
    /// The body ended before the `Content-Length` the application declared.
    ShortBody {
        /// The declared length.
        declared: u64,
        /// The bytes the body actually had.
        sent: u64,
    },
    /// The application panicked.
    Panicked {
        /// The panic's message.
        message: String,
    },
    /// The application returned an error (`Err` from a `Result` return type).
    Failed {
        /// The error, as displayed.
        message: String,
    },
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadStatus { status, problem } => {
                write!(
                    f,
                    "invalid status {status:?}: {problem}; write it as \"200 OK\""
                )
            }
            Self::BadHeaderName { name } => {
                write!(
                    f,
                    "invalid header name {name:?}: a name is letters, digits and !#$%&'*+-.^_`|~"
                )
            }
            Self::BadHeaderValue { name } => write!(
                f,
                "invalid value for header {name:?}: it must not contain CR, LF, NUL or other \
                 control characters, nor characters above U+00FF"
            ),
            Self::HopByHopHeader { name } => write!(
                f,
                "hop-by-hop header {name:?} is not allowed from an application; the server \
                 manages the connection"
            ),
            Self::BadContentLength { value } => {
                write!(
                    f,
                    "invalid Content-Length {value:?}: it must be a number of bytes"
                )
            }
            Self::StartResponseTwice => f.write_str(
                "start_response called twice; a second call must carry error information \
                 (start_response.with_exc_info) and come before anything was sent",
            ),
            Self::HeadersAlreadySent => f.write_str(
                "start_response called with error information after the headers were sent; \
                 the response cannot be replaced",
            ),
            Self::NoStartResponse => f.write_str(
                "the application never called start_response before its body produced data \
                 or ended",
            ),
            Self::WriteBeforeStartResponse => f.write_str("write() called before start_response"),
            Self::ShortBody { declared, sent } => write!(
                f,
                "the body had {sent} bytes but Content-Length said {declared}; the connection \
                 was closed"
            ),
            Self::Panicked { message } => write!(f, "the application panicked: {message}"),
            Self::Failed { message } => write!(f, "the application failed: {message}"),
        }
    }
}

impl std::error::Error for ContractError {}

impl ContractError {
    /// The error for a panic payload caught with `catch_unwind`.
    pub fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let message = match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(message) => (*message).to_owned(),
                Err(_) => "(a panic with a non-text payload)".to_owned(),
            },
        };
        Self::Panicked { message }
    }
}
