//! `Status`: a response status as a checked value, beside PEP 3333's status strings.

use http::StatusCode;
use std::fmt;
use std::ops::Deref;

/// A response status: a registered code with its reason phrase, as the status line
/// `start_response` takes (`"404 Not Found"`).
///
/// Only the constants exist (`Status::OK`, `Status::NOT_FOUND`,
/// `Status::UNPROCESSABLE_ENTITY`, ... every code the `http` crate names), so a wrong status
/// is a compile error where a string would fail at run time:
///
/// ```compile_fail
/// let teapot = gateway_core::Status::NOT_FUOND; // no such constant
/// ```
///
/// A `Status` is a `&str` wherever one is expected, so it goes to `start_response` as it is,
/// borrowed; the string form keeps working beside it, and a reason phrase of your own
/// (`"299 Fine Thanks"`) still needs it:
///
/// ```
/// use gateway_core::{Environ, StartResponse, Status, TestClient};
///
/// let app = |_: &Environ, start_response: StartResponse| {
///     start_response(&Status::NOT_FOUND, &[("Content-Type", "text/plain")]);
///     "no such page"
/// };
/// let response = TestClient::new(app).get("/missing");
/// assert_eq!(response.status, Status::NOT_FOUND);
/// assert_eq!(Status::NOT_FOUND.code(), 404);
/// assert_eq!(&*Status::NOT_FOUND, "404 Not Found");
/// ```
///
/// `start_response` stays a plain `Fn(&str, ..)`, as PEP 3333's callable takes a string:
/// `&Status` reaches it by deref coercion, so nothing about the string form changes.
///
/// The reason phrases are the ones `http::StatusCode::canonical_reason` gives (the ones the
/// server sends), which differ from Python's `http.HTTPStatus` in five places: 203
/// `Non Authoritative Information`, 413 `Payload Too Large`, 414 `URI Too Long`, 416
/// `Range Not Satisfiable`, 418 `I'm a teapot`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status {
    /// `NNN Reason`: what `start_response` receives.
    line: &'static str,
}

impl Status {
    /// The three-digit code: `404`.
    pub const fn code(self) -> u16 {
        let digits = self.line.as_bytes();
        (digits[0] - b'0') as u16 * 100 + (digits[1] - b'0') as u16 * 10 + (digits[2] - b'0') as u16
    }

    /// The reason phrase: `Not Found`.
    pub fn reason(self) -> &'static str {
        &self.line[4..]
    }

    /// The status line `start_response` takes: `404 Not Found`.
    pub const fn as_str(self) -> &'static str {
        self.line
    }

    /// Whether this is a server error (5xx), which the server logs.
    pub const fn is_server_error(self) -> bool {
        self.code() >= 500
    }
}

/// Declares a constant per registered status and `Status::from_code` over the same list.
macro_rules! statuses {
    ($($code:literal $name:ident $reason:literal;)*) => {
        impl Status {
            $(
                #[doc = concat!("`", $code, " ", $reason, "`")]
                pub const $name: Status = Status { line: concat!($code, " ", $reason) };
            )*

            /// The status for a registered `code`, `None` for any other.
            ///
            /// ```
            /// use gateway_core::Status;
            /// assert_eq!(Status::from_code(422), Some(Status::UNPROCESSABLE_ENTITY));
            /// assert_eq!(Status::from_code(499), None);
            /// ```
            pub const fn from_code(code: u16) -> Option<Status> {
                match code {
                    $($code => Some(Status::$name),)*
                    _ => None,
                }
            }
        }

        #[cfg(test)]
        const ALL: &[Status] = &[$(Status::$name),*];
    };
}

statuses! {
    100 CONTINUE "Continue";
    101 SWITCHING_PROTOCOLS "Switching Protocols";
    102 PROCESSING "Processing";
    103 EARLY_HINTS "Early Hints";
    200 OK "OK";
    201 CREATED "Created";
    202 ACCEPTED "Accepted";
    203 NON_AUTHORITATIVE_INFORMATION "Non Authoritative Information";
    204 NO_CONTENT "No Content";
    205 RESET_CONTENT "Reset Content";
    206 PARTIAL_CONTENT "Partial Content";
    207 MULTI_STATUS "Multi-Status";
    208 ALREADY_REPORTED "Already Reported";
    226 IM_USED "IM Used";
    300 MULTIPLE_CHOICES "Multiple Choices";
    301 MOVED_PERMANENTLY "Moved Permanently";
    302 FOUND "Found";
    303 SEE_OTHER "See Other";
    304 NOT_MODIFIED "Not Modified";
    305 USE_PROXY "Use Proxy";
    307 TEMPORARY_REDIRECT "Temporary Redirect";
    308 PERMANENT_REDIRECT "Permanent Redirect";
    400 BAD_REQUEST "Bad Request";
    401 UNAUTHORIZED "Unauthorized";
    402 PAYMENT_REQUIRED "Payment Required";
    403 FORBIDDEN "Forbidden";
    404 NOT_FOUND "Not Found";
    405 METHOD_NOT_ALLOWED "Method Not Allowed";
    406 NOT_ACCEPTABLE "Not Acceptable";
    407 PROXY_AUTHENTICATION_REQUIRED "Proxy Authentication Required";
    408 REQUEST_TIMEOUT "Request Timeout";
    409 CONFLICT "Conflict";
    410 GONE "Gone";
    411 LENGTH_REQUIRED "Length Required";
    412 PRECONDITION_FAILED "Precondition Failed";
    413 PAYLOAD_TOO_LARGE "Payload Too Large";
    414 URI_TOO_LONG "URI Too Long";
    415 UNSUPPORTED_MEDIA_TYPE "Unsupported Media Type";
    416 RANGE_NOT_SATISFIABLE "Range Not Satisfiable";
    417 EXPECTATION_FAILED "Expectation Failed";
    418 IM_A_TEAPOT "I'm a teapot";
    421 MISDIRECTED_REQUEST "Misdirected Request";
    422 UNPROCESSABLE_ENTITY "Unprocessable Entity";
    423 LOCKED "Locked";
    424 FAILED_DEPENDENCY "Failed Dependency";
    425 TOO_EARLY "Too Early";
    426 UPGRADE_REQUIRED "Upgrade Required";
    428 PRECONDITION_REQUIRED "Precondition Required";
    429 TOO_MANY_REQUESTS "Too Many Requests";
    431 REQUEST_HEADER_FIELDS_TOO_LARGE "Request Header Fields Too Large";
    451 UNAVAILABLE_FOR_LEGAL_REASONS "Unavailable For Legal Reasons";
    500 INTERNAL_SERVER_ERROR "Internal Server Error";
    501 NOT_IMPLEMENTED "Not Implemented";
    502 BAD_GATEWAY "Bad Gateway";
    503 SERVICE_UNAVAILABLE "Service Unavailable";
    504 GATEWAY_TIMEOUT "Gateway Timeout";
    505 HTTP_VERSION_NOT_SUPPORTED "HTTP Version Not Supported";
    506 VARIANT_ALSO_NEGOTIATES "Variant Also Negotiates";
    507 INSUFFICIENT_STORAGE "Insufficient Storage";
    508 LOOP_DETECTED "Loop Detected";
    510 NOT_EXTENDED "Not Extended";
    511 NETWORK_AUTHENTICATION_REQUIRED "Network Authentication Required";
}

impl Deref for Status {
    type Target = str;

    fn deref(&self) -> &str {
        self.line
    }
}

impl AsRef<str> for Status {
    fn as_ref(&self) -> &str {
        self.line
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.line)
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Status({:?})", self.line)
    }
}

impl From<Status> for StatusCode {
    fn from(status: Status) -> StatusCode {
        // Every constant is a registered code, so this never falls back.
        StatusCode::from_u16(status.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl PartialEq<Status> for StatusCode {
    fn eq(&self, status: &Status) -> bool {
        self.as_u16() == status.code()
    }
}

impl PartialEq<StatusCode> for Status {
    fn eq(&self, code: &StatusCode) -> bool {
        code == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Environ, StartResponse, TestClient};

    #[test]
    fn every_constant_is_the_line_the_server_sends() {
        for status in ALL {
            let code = StatusCode::from_u16(status.code()).unwrap();
            assert_eq!(code.canonical_reason(), Some(status.reason()), "{status:?}");
            assert_eq!(
                status.as_str(),
                format!("{} {}", code.as_str(), status.reason())
            );
            assert_eq!(Status::from_code(status.code()), Some(*status));
            assert_eq!(StatusCode::from(*status), code);
        }
        assert_eq!(ALL.len(), 62);
    }

    #[test]
    fn from_code_knows_the_registered_codes_only() {
        let known: Vec<u16> = (0..1000)
            .filter(|&code| Status::from_code(code).is_some())
            .collect();
        let registered: Vec<u16> = (100..1000)
            .filter(|&code| {
                StatusCode::from_u16(code)
                    .unwrap()
                    .canonical_reason()
                    .is_some()
            })
            .collect();
        assert_eq!(known, registered);
    }

    #[test]
    fn a_status_goes_to_start_response_as_a_str() {
        let app = |_: &Environ, start_response: StartResponse| {
            start_response(&Status::UNPROCESSABLE_ENTITY, &[]);
            "x"
        };
        let response = TestClient::new(app).get("/");
        assert_eq!(response.status, Status::UNPROCESSABLE_ENTITY);
        assert_eq!(response.reason, None, "the standard phrase");
    }

    #[test]
    fn parts_and_formats() {
        let status = Status::IM_A_TEAPOT;
        assert_eq!((status.code(), status.reason()), (418, "I'm a teapot"));
        assert_eq!(status.to_string(), "418 I'm a teapot");
        assert_eq!(format!("{status:?}"), "Status(\"418 I'm a teapot\")");
        assert!(Status::BAD_GATEWAY.is_server_error() && !Status::NOT_FOUND.is_server_error());
        assert_eq!(Status::OK.as_ref(), "200 OK");
    }
}
