//! `start_response`: how the application gives its status and headers.

use crate::error::ContractError;
use crate::latin1;
use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::StatusCode;
use std::fmt;
use std::io;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};

/// The headers PEP 3333 reserves for the server (wsgiref's `is_hop_by_hop`).
pub const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
];

/// Whether `name` is a hop-by-hop header (case-insensitive), as `wsgiref.util.is_hop_by_hop`.
pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|hop| hop.eq_ignore_ascii_case(name))
}

/// The signature of the `start_response` callable.
pub type StartResponseFn = dyn Fn(&str, &[(&str, &str)]) -> Writer + Send + Sync;

/// `start_response`: called as a function, exactly as in Python.
///
/// ```
/// # use gateway_core::{Environ, StartResponse};
/// fn application(_environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     vec![b"Hello".to_vec()]
/// }
/// ```
///
/// The status must be `NNN Reason`; header names must be RFC 9110 tokens; values must hold
/// no control character but tab and nothing above U+00FF; hop-by-hop headers
/// ([`HOP_BY_HOP`]) are refused. A mistake is not a panic: it is recorded, the response
/// becomes a 500, and the reason goes to `wsgi.errors`.
///
/// Calling it twice is an error, unless the second call comes through
/// [`with_exc_info`](Self::with_exc_info) before anything was sent (PEP 3333's `exc_info`).
/// Nothing is sent when it is called: the headers go out with the first non-empty body chunk
/// (or at the end of an empty body), so it may also be called from inside a lazy body, during
/// its first iteration. It returns the legacy `write()` callable as a [`Writer`].
///
/// Clones share one response: a server keeps a clone to read what the application set.
#[derive(Clone)]
pub struct StartResponse {
    call: Arc<StartResponseFn>,
    shared: Arc<Shared>,
}

/// The response as `start_response` and `write()` left it, shared with the server.
#[derive(Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) head: Option<ResponseHead>,
    /// Set once `start_response` was called, even when that call failed.
    pub(crate) called: bool,
    /// The first broken rule; it decides the response.
    pub(crate) error: Option<ContractError>,
    /// Whether the server has sent the head.
    pub(crate) committed: bool,
    /// Data from the legacy `write()`, sent before the returned body.
    pub(crate) written: Vec<Bytes>,
}

/// The status and headers of a response, validated.
#[derive(Debug, Clone, Default)]
pub struct ResponseHead {
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase when it differs from the standard one for `status`.
    pub reason: Option<String>,
    /// The headers, in the order given.
    pub headers: HeaderMap,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub(crate) fn start(&self, status: &str, headers: &[(&str, &str)]) {
        let mut state = self.lock();
        if state.called {
            state.error.get_or_insert(ContractError::StartResponseTwice);
            return;
        }
        state.called = true;
        match parse_head(status, headers) {
            Ok(head) => state.head = Some(head),
            Err(error) => state.error = Some(error),
        }
    }
}

impl StartResponse {
    /// A fresh `start_response` for one request.
    pub fn new() -> Self {
        let shared = Arc::new(Shared::default());
        let for_call = shared.clone();
        let call = Arc::new(move |status: &str, headers: &[(&str, &str)]| {
            for_call.start(status, headers);
            Writer {
                shared: for_call.clone(),
            }
        });
        Self { call, shared }
    }

    /// PEP 3333's `start_response(status, headers, exc_info)`: the application caught
    /// `error` and replaces the status and headers it gave before. Allowed only while nothing
    /// has been sent; afterwards it returns [`ContractError::HeadersAlreadySent`] and the
    /// server closes the connection, so the client sees a truncated response.
    pub fn with_exc_info(
        &self,
        status: &str,
        headers: &[(&str, &str)],
        error: &dyn fmt::Display,
    ) -> Result<Writer, ContractError> {
        let mut state = self.shared.lock();
        if state.committed {
            state.error.get_or_insert(ContractError::HeadersAlreadySent);
            return Err(ContractError::HeadersAlreadySent);
        }
        tracing::debug!("start_response replaced after an error: {error}");
        state.called = true;
        match parse_head(status, headers) {
            Ok(head) => {
                state.head = Some(head);
                state.error = None;
            }
            Err(error) => state.error = Some(error.clone()),
        }
        Ok(Writer {
            shared: self.shared.clone(),
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Default for StartResponse {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for StartResponse {
    type Target = StartResponseFn;

    fn deref(&self) -> &StartResponseFn {
        &*self.call
    }
}

impl fmt::Debug for StartResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        match (&state.head, state.committed) {
            (_, true) => f.write_str("<start_response: sent>"),
            (Some(head), false) => write!(f, "<start_response: {}>", head.status),
            (None, false) => f.write_str("<start_response: not called>"),
        }
    }
}

/// The legacy `write()` callable that `start_response` returns (PEP 3333 discourages it:
/// return the body instead). Written data goes out before the returned body.
pub struct Writer {
    shared: Arc<Shared>,
}

impl io::Write for Writer {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut state = self.shared.lock();
        if !state.called {
            state
                .error
                .get_or_insert(ContractError::WriteBeforeStartResponse);
            return Err(io::Error::other(ContractError::WriteBeforeStartResponse));
        }
        state.written.push(Bytes::copy_from_slice(data));
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<write>")
    }
}

/// Checks a status line and headers as `start_response` receives them.
pub fn parse_head(status: &str, headers: &[(&str, &str)]) -> Result<ResponseHead, ContractError> {
    let (status, reason) = parse_status(status)?;
    // Room for the two headers a server usually adds (Content-Length, Server).
    let mut map = HeaderMap::with_capacity(headers.len() + 2);
    for &(name, value) in headers {
        let header_name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| ContractError::BadHeaderName {
                name: name.to_owned(),
            })?;
        if is_hop_by_hop(name) {
            return Err(ContractError::HopByHopHeader {
                name: name.to_owned(),
            });
        }
        let header_value = latin1::encode(value)
            .and_then(|bytes| HeaderValue::from_bytes(&bytes).ok())
            .ok_or_else(|| ContractError::BadHeaderValue {
                name: name.to_owned(),
            })?;
        map.append(header_name, header_value);
    }
    Ok(ResponseHead {
        status,
        reason,
        headers: map,
    })
}

fn parse_status(status: &str) -> Result<(StatusCode, Option<String>), ContractError> {
    let bad = |problem| ContractError::BadStatus {
        status: status.to_owned(),
        problem,
    };
    let bytes = status.as_bytes();
    if bytes.len() < 4 || !bytes[..3].iter().all(u8::is_ascii_digit) || bytes[3] != b' ' {
        return Err(bad("it must start with a 3-digit code and a space"));
    }
    if status.chars().any(|c| c.is_control()) {
        return Err(bad("it must not contain control characters"));
    }
    if status.ends_with(char::is_whitespace) && status.len() > 4 {
        return Err(bad("it must not end with whitespace"));
    }
    if latin1::encode(status).is_none() {
        return Err(bad("it must not contain characters above U+00FF"));
    }
    let code =
        StatusCode::from_bytes(&bytes[..3]).map_err(|_| bad("the code must be at least 100"))?;
    let reason = &status[4..];
    let standard = code
        .canonical_reason()
        .is_some_and(|standard| standard == reason);
    Ok((code, (!standard).then(|| reason.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn first_error(sr: &StartResponse) -> Option<ContractError> {
        sr.shared.lock().error.clone()
    }

    #[test]
    fn reads_like_python() {
        let start_response = StartResponse::new();
        start_response("200 OK", &[("Content-Type", "text/html")]);
        let state = start_response.shared.lock();
        let head = state.head.as_ref().unwrap();
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(head.reason, None);
        assert_eq!(head.headers["content-type"], "text/html");
    }

    #[test]
    fn custom_reasons_are_kept() {
        let (code, reason) = parse_status("299 Fine Thanks").unwrap();
        assert_eq!(
            (code.as_u16(), reason.as_deref()),
            (299, Some("Fine Thanks"))
        );
    }

    #[test]
    fn status_must_be_three_digits_a_space_and_a_reason() {
        for status in [
            "200",
            "OK 200",
            "20 OK",
            "2000 OK",
            "099 Low",
            "200\tOK",
            "200 OK\r\n",
            "200 OK ",
            "200 ☃",
        ] {
            assert!(parse_status(status).is_err(), "{status:?} accepted");
        }
    }

    #[test]
    fn header_names_must_be_tokens() {
        for name in ["Bad Name", "Colon:", "", "Ünï"] {
            let error = parse_head("200 OK", &[(name, "v")]).unwrap_err();
            assert!(
                matches!(error, ContractError::BadHeaderName { .. }),
                "{name:?}"
            );
        }
    }

    #[test]
    fn header_values_refuse_control_characters_but_tab() {
        for value in [
            "a\r\nSet-Cookie: x=1",
            "a\nb",
            "nul\0",
            "bell\x07",
            "snow ☃",
        ] {
            let error = parse_head("200 OK", &[("X-Test", value)]).unwrap_err();
            assert!(
                matches!(error, ContractError::BadHeaderValue { .. }),
                "{value:?}"
            );
        }
        assert!(parse_head("200 OK", &[("X-Test", "tab\tand café")]).is_ok());
    }

    #[test]
    fn hop_by_hop_headers_are_refused() {
        for name in HOP_BY_HOP
            .iter()
            .copied()
            .chain(["Transfer-Encoding", "CONNECTION"])
        {
            let error = parse_head("200 OK", &[(name, "x")]).unwrap_err();
            assert!(
                matches!(error, ContractError::HopByHopHeader { .. }),
                "{name}"
            );
        }
    }

    #[test]
    fn a_second_call_is_an_error() {
        let start_response = StartResponse::new();
        start_response("200 OK", &[]);
        start_response("404 Not Found", &[]);
        assert_eq!(
            first_error(&start_response),
            Some(ContractError::StartResponseTwice)
        );
    }

    #[test]
    fn a_second_call_is_an_error_even_after_a_failed_first() {
        let start_response = StartResponse::new();
        start_response("nope", &[]);
        start_response("200 OK", &[]);
        assert!(matches!(
            first_error(&start_response),
            Some(ContractError::BadStatus { .. })
        ));
        assert!(start_response.shared.lock().head.is_none());
    }

    #[test]
    fn exc_info_replaces_an_unsent_response() {
        let start_response = StartResponse::new();
        start_response("200 OK", &[("Content-Type", "text/html")]);
        start_response
            .with_exc_info(
                "500 Internal Server Error",
                &[("Content-Type", "text/plain")],
                &"boom",
            )
            .unwrap();
        let state = start_response.shared.lock();
        assert_eq!(
            state.head.as_ref().unwrap().status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(state.error, None);
    }

    #[test]
    fn exc_info_after_sending_is_refused() {
        let start_response = StartResponse::new();
        start_response("200 OK", &[]);
        start_response.shared.lock().committed = true;
        let refused = start_response.with_exc_info("500 Internal Server Error", &[], &"late");
        assert_eq!(refused.unwrap_err(), ContractError::HeadersAlreadySent);
    }

    #[test]
    fn write_before_start_response_is_an_error() {
        let start_response = StartResponse::new();
        let mut writer = Writer {
            shared: start_response.shared.clone(),
        };
        assert!(writer.write_all(b"early").is_err());
        assert_eq!(
            first_error(&start_response),
            Some(ContractError::WriteBeforeStartResponse)
        );
    }
}
