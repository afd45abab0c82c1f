//! Requests hyper lets through but the server refuses before the application sees them.
//!
//! | request | answer | why |
//! |---|---|---|
//! | `Content-Length` above `max_body_size` | 413 | nginx's `client_max_body_size`: refused before a byte is read |
//! | HTTP/1.1 without `Host` | 400 | RFC 9112 §3.2: "MUST respond with a 400" |
//! | more than one `Host` line | 400 | RFC 9112 §3.2, the same sentence |
//! | `chunked` applied twice (`Transfer-Encoding: chunked, chunked`) | 400 | RFC 9112 §6.1: never more than once; a proxy may frame it otherwise (smuggling) |
//! | `CONNECT`, unless `allow_connect(true)` | 405 | a WSGI application has no tunnel to give; its 200 would go out as an empty answer |
//!
//! Every refusal closes the connection (with `Connection: close`). The checks cost a method
//! comparison and a look for `Host` per request; the others look at the headers only when
//! the request has a body, or a header name repeats.

use crate::body::ResponseBody;
use crate::input::RequestBody;
use crate::service::{refusal, Shared};
use http::header::{HOST, TRANSFER_ENCODING};
use http::{Method, Request, Response, StatusCode, Version};

/// The refusal for `request`, if the server refuses it.
pub(crate) fn refuse(
    request: &Request<impl RequestBody>,
    shared: &Shared,
) -> Option<Response<ResponseBody>> {
    let headers = request.headers();
    // A scan of the few names of a request (`Host` most often first) costs less than the
    // hash lookup of `contains_key`.
    if request.version() == Version::HTTP_11 && !headers.keys().any(|name| name == HOST) {
        return Some(refused(
            StatusCode::BAD_REQUEST,
            "an HTTP/1.1 request needs a Host header",
        ));
    }
    if headers.keys_len() != headers.len() && headers.get_all(HOST).iter().count() > 1 {
        return Some(refused(
            StatusCode::BAD_REQUEST,
            "more than one Host header",
        ));
    }
    if request.method() == Method::CONNECT && !shared.allow_connect {
        return Some(refused(
            StatusCode::METHOD_NOT_ALLOWED,
            "CONNECT is not served here",
        ));
    }
    let body = request.body();
    if body.is_end_stream() {
        return None;
    }
    let size = body.size_hint();
    if size.lower() > shared.body.max_size {
        return Some(refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large",
        ));
    }
    if size.exact().is_none() && chunked_twice(request) {
        return Some(refused(
            StatusCode::BAD_REQUEST,
            "chunked transfer coding applied twice",
        ));
    }
    None
}

fn refused(status: StatusCode, text: &'static str) -> Response<ResponseBody> {
    tracing::debug!("refused a request: {text}");
    refusal(status, text)
}

/// Whether `chunked` appears more than once among the transfer codings.
fn chunked_twice<B>(request: &Request<B>) -> bool {
    let codings = request
        .headers()
        .get_all(TRANSFER_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
        .filter(|coding| coding.trim_ascii().eq_ignore_ascii_case(b"chunked"));
    codings.count() > 1
}
