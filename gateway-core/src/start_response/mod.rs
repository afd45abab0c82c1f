//! `start_response`: how the application gives its status and headers.

use crate::contract_error::ContractError;
use crate::header_maps;
use crate::latin1;
use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::StatusCode;
use std::fmt;
use std::io;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

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
type StartResponseFn = dyn Fn(&str, &[(&str, &str)]) -> Writer + Send + Sync;

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
///
/// A middleware that needs to see or change what the application it wraps gives
/// `start_response` (and `write()`) hands that application an
/// [`intercept`](Self::intercept)ed one instead.
#[derive(Clone)]
pub struct StartResponse {
    inner: Arc<Inner<StartResponseFn>>,
}

/// A response's state and the callable that records into it, in one allocation: one is made
/// for every request.
struct Inner<F: ?Sized> {
    shared: Shared,
    call: F,
}

/// The response as `start_response` and `write()` left it, shared with the server.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Set for a `start_response` made by [`StartResponse::intercept`]: its calls go to the
    /// hooks, not to `state`.
    interposed: Option<Interposed>,
}

/// A middleware's hooks and the `start_response` it was given.
struct Interposed {
    outer: StartResponse,
    hooks: Box<dyn Intercept>,
}

/// What a middleware does with the `start_response` and `write()` calls of the application
/// it wraps; see [`StartResponse::intercept`].
///
/// Each method receives the call and `outer`, the `start_response` the middleware itself was
/// given. The defaults pass the call on unchanged, so a middleware overrides only what it
/// inspects or rewrites. A hook may also keep a call for later or drop it.
///
/// ```
/// use gateway_core::{Intercept, StartResponse};
///
/// /// Counts the bytes the application writes with the legacy `write()`.
/// struct CountWrites(std::sync::atomic::AtomicUsize);
///
/// impl Intercept for CountWrites {
///     fn write(&self, outer: &StartResponse, data: &[u8]) -> std::io::Result<()> {
///         self.0.fetch_add(data.len(), std::sync::atomic::Ordering::Relaxed);
///         std::io::Write::write_all(&mut outer.writer(), data)
///     }
/// }
/// ```
pub trait Intercept: Send + Sync + 'static {
    /// The application called `start_response(status, headers)`. The default calls
    /// `outer(status, headers)`.
    fn start_response(&self, outer: &StartResponse, status: &str, headers: &[(&str, &str)]) {
        outer(status, headers);
    }

    /// The application called [`with_exc_info`](StartResponse::with_exc_info); an `Err` is
    /// what the application's call returns. The default passes the call on to `outer`.
    fn with_exc_info(
        &self,
        outer: &StartResponse,
        status: &str,
        headers: &[(&str, &str)],
        error: &dyn fmt::Display,
    ) -> Result<(), ContractError> {
        outer.with_exc_info(status, headers, error).map(drop)
    }

    /// The application wrote `data` with the legacy `write()`; an `Err` is what its
    /// `write` returns. The default writes `data` through `outer`'s
    /// [`writer`](StartResponse::writer).
    fn write(&self, outer: &StartResponse, data: &[u8]) -> io::Result<()> {
        io::Write::write_all(&mut outer.writer(), data)
    }
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
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn start(&self, status: &str, headers: &[(&str, &str)]) {
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
        Self::with_shared(Shared::default())
    }

    /// A `start_response` over `shared`, whose call records into it (or goes to its hooks).
    fn with_shared(shared: Shared) -> Self {
        /// `Arc::new_cyclic` with the closure's type known, so that the closure can hold a
        /// type-erased handle to the allocation it lives in.
        fn cyclic<F>(
            shared: Shared,
            make_call: impl FnOnce(Weak<Inner<StartResponseFn>>) -> F,
        ) -> Arc<Inner<StartResponseFn>>
        where
            F: Fn(&str, &[(&str, &str)]) -> Writer + Send + Sync + 'static,
        {
            Arc::new_cyclic(|me: &Weak<Inner<F>>| Inner {
                shared,
                call: make_call(me.clone()),
            })
        }
        let inner = cyclic(shared, |me| {
            move |status: &str, headers: &[(&str, &str)]| {
                // Called through a `StartResponse`'s `Deref`, so the allocation is alive.
                let this = StartResponse {
                    inner: me.upgrade().expect("start_response called while alive"),
                };
                match &this.inner.shared.interposed {
                    Some(interposed) => {
                        interposed
                            .hooks
                            .start_response(&interposed.outer, status, headers)
                    }
                    None => this.inner.shared.start(status, headers),
                }
                Writer { owner: this }
            }
        });
        Self { inner }
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
        if let Some(interposed) = &self.inner.shared.interposed {
            interposed
                .hooks
                .with_exc_info(&interposed.outer, status, headers, error)?;
            return Ok(self.writer());
        }
        let mut state = self.lock();
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
        Ok(self.writer())
    }

    /// A `start_response` for the application a middleware wraps: the application's calls
    /// (plain, [`with_exc_info`](Self::with_exc_info), and `write()` on the [`Writer`] it
    /// gets back) go to `hooks`, each with `self` as the `outer` to pass them on to.
    ///
    /// The result behaves like any `start_response`: it is called the same way, its clones
    /// share the hooks, and [`is_sent`](Self::is_sent) tells whether the server has sent the
    /// response (the outermost `start_response`'s head). Interceptions nest: a middleware
    /// inside another intercepts the `start_response` it was given.
    ///
    /// ```
    /// use gateway_core::{Application, Environ, Intercept, Outcome, StartResponse, TestClient};
    ///
    /// /// Adds `X-Frame-Options: DENY` to every response of the wrapped application.
    /// struct NoFraming<A>(A);
    ///
    /// /// The hooks: only plain calls are rewritten here; `with_exc_info` and `write()` pass
    /// /// through unchanged (the trait's defaults).
    /// struct AddHeader;
    ///
    /// impl Intercept for AddHeader {
    ///     fn start_response(&self, outer: &StartResponse, status: &str, headers: &[(&str, &str)]) {
    ///         let mut headers = headers.to_vec();
    ///         headers.push(("X-Frame-Options", "DENY"));
    ///         outer(status, &headers);
    ///     }
    /// }
    ///
    /// impl<A: Application> Application for NoFraming<A> {
    ///     fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
    ///         self.0.call(environ, start_response.intercept(AddHeader))
    ///     }
    ///     fn blocking(&self) -> bool {
    ///         self.0.blocking()
    ///     }
    /// }
    ///
    /// let app = NoFraming(|_: &Environ, start_response: StartResponse| {
    ///     start_response("200 OK", &[("Content-Type", "text/plain")]);
    ///     "framed? no"
    /// });
    /// let response = TestClient::new(app).get("/");
    /// assert_eq!(response.header("x-frame-options"), Some("DENY"));
    /// assert_eq!(response.text(), "framed? no");
    /// ```
    pub fn intercept(&self, hooks: impl Intercept) -> StartResponse {
        Self::with_shared(Shared {
            state: Mutex::default(),
            interposed: Some(Interposed {
                outer: self.clone(),
                hooks: Box::new(hooks),
            }),
        })
    }

    /// The legacy `write()` callable of this response, the one `start_response` returns,
    /// for a middleware that passes on an application's writes (see [`Intercept::write`]).
    /// Writing through it before `start_response` was called is an error, as in Python.
    pub fn writer(&self) -> Writer {
        Writer {
            owner: self.clone(),
        }
    }

    /// Whether the server has sent the status and headers, after which the response can no
    /// longer be replaced (even [`with_exc_info`](Self::with_exc_info) fails).
    pub fn is_sent(&self) -> bool {
        self.outermost().lock().committed
    }

    /// The response the server reads: for an intercepted `start_response`, the outermost one.
    pub(crate) fn outermost(&self) -> &StartResponse {
        match &self.inner.shared.interposed {
            Some(interposed) => interposed.outer.outermost(),
            None => self,
        }
    }

    /// This `start_response`'s own state (not the outermost one's).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.shared.lock()
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
        &self.inner.call
    }
}

impl fmt::Debug for StartResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.outermost().lock();
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
    owner: StartResponse,
}

impl io::Write for Writer {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(interposed) = &self.owner.inner.shared.interposed {
            interposed.hooks.write(&interposed.outer, data)?;
            return Ok(data.len());
        }
        let mut state = self.owner.lock();
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
pub(crate) fn parse_head(
    status: &str,
    headers: &[(&str, &str)],
) -> Result<ResponseHead, ContractError> {
    let (status, reason) = parse_status(status)?;
    // Room for the two headers a server usually adds (Content-Length, Server).
    let mut map = header_maps::take(headers.len() + 2);
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
        let header_value = header_value(value).ok_or_else(|| ContractError::BadHeaderValue {
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

/// Header values so common that a response gets a static copy of them: `HeaderValue` from
/// any other text copies it into an allocation of its own, once per response.
const COMMON_VALUES: [&str; 12] = [
    "text/html",
    "text/html; charset=utf-8",
    "text/plain",
    "text/plain; charset=utf-8",
    "application/json",
    "application/octet-stream",
    "text/css",
    "text/javascript",
    "no-cache",
    "no-store",
    "nosniff",
    "bytes",
];

/// `value` as a header value: latin-1 text without control characters other than tab.
fn header_value(value: &str) -> Option<HeaderValue> {
    if let Some(common) = COMMON_VALUES.iter().find(|common| **common == value) {
        return Some(HeaderValue::from_static(common));
    }
    latin1::encode(value).and_then(|bytes| HeaderValue::from_bytes(&bytes).ok())
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
    let reason = &status[4..];
    // Printable ASCII (the usual reason) passes all three checks below at once.
    if !reason.bytes().all(|b| matches!(b, b' '..=b'~')) {
        if reason.chars().any(char::is_control) {
            return Err(bad("it must not contain control characters"));
        }
        if reason.chars().any(|c| u32::from(c) > 0xFF) {
            return Err(bad("it must not contain characters above U+00FF"));
        }
    }
    if reason.ends_with(char::is_whitespace) {
        return Err(bad("it must not end with whitespace"));
    }
    let code =
        StatusCode::from_bytes(&bytes[..3]).map_err(|_| bad("the code must be at least 100"))?;
    let standard = code.canonical_reason() == Some(reason);
    Ok((code, (!standard).then(|| reason.to_owned())))
}

#[cfg(test)]
mod tests;
