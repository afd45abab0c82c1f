//! Running an application for one request, in one place (wsgiref's `BaseHandler.run`): the
//! server and [`TestClient`](crate::TestClient) both call [`run`], and differ only in the
//! thread they call it on and how they wait for an `async` application.

use crate::application::{Application, BodyFuture, Outcome};
use crate::body::Body;
use crate::contract_error::ContractError;
use crate::environ::Environ;
use crate::error_log::ErrorLog;
use crate::host::Exchange;
use crate::start_response::StartResponse;
use http::Method;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Calls `app` with `environ` and a fresh `start_response`, on this thread, and gives the
/// [`Exchange`] that sends its answer: a panic becomes a 500, an
/// [`HttpError`](crate::HttpError) answers, a HEAD request sends the head only, and contract
/// errors go to the connection's error log.
///
/// ```
/// use gateway_core::host::{run, Running};
/// use gateway_core::{Environ, StartResponse};
///
/// let app = |_: &Environ, start_response: StartResponse| {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     "Hello"
/// };
/// let Running::Ready(mut exchange) = run(&app, Environ::builder().build()) else {
///     unreachable!("a plain closure answers at once")
/// };
/// let start = exchange.start();
/// assert_eq!((start.head.status.as_u16(), &start.first[..]), (200, &b"Hello"[..]));
/// ```
pub fn run<A: Application + ?Sized>(app: &A, environ: Environ) -> Running {
    let respond = Respond {
        start_response: StartResponse::new(),
        log: environ.error_log(),
        headers_only: environ.method() == Method::HEAD,
    };
    // The environ goes straight from the caller into the call: it is the request's largest
    // value, and every move is a copy.
    let called = catch_unwind(AssertUnwindSafe(|| {
        app.call(environ, respond.start_response.clone())
    }));
    match called.unwrap_or_else(|panic| Outcome::Ready(failed(panic))) {
        Outcome::Ready(body) => Running::Ready(respond.exchange(body)),
        Outcome::Pending(future) => Running::Pending(PendingExchange {
            future,
            respond: Some(respond),
        }),
    }
}

/// What [`run`] gives: the exchange, or (for an `async` application) a future of it.
pub enum Running {
    /// The application has returned its body.
    Ready(Exchange),
    /// The application is `async`: await this (or block on it) for the exchange.
    Pending(PendingExchange),
}

/// The exchange of an `async` application, once its future is done. A panic while it is
/// polled becomes a 500 instead of unwinding into the runtime.
pub struct PendingExchange {
    future: BodyFuture,
    respond: Option<Respond>,
}

/// What the exchange needs besides the body.
struct Respond {
    /// The outermost `start_response`: where the application's head and `write()` data are.
    start_response: StartResponse,
    log: ErrorLog,
    headers_only: bool,
}

impl Respond {
    fn exchange(self, body: Body) -> Exchange {
        // An `Err(HttpError)` of a hand-written application that did not give its answer to
        // its own `start_response`: give it to the server's.
        let body = body.answer_with_log(&self.start_response, || self.log.clone());
        Exchange::new(self.start_response, body, self.log, self.headers_only)
    }
}

impl Future for PendingExchange {
    type Output = Exchange;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Exchange> {
        let body = match catch_unwind(AssertUnwindSafe(|| self.future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(body)) => body,
            Err(panic) => failed(panic),
        };
        let respond = self
            .respond
            .take()
            .expect("PendingExchange polled after it was ready");
        Poll::Ready(respond.exchange(body))
    }
}

/// The body of an application that panicked.
fn failed(panic: Box<dyn std::any::Any + Send>) -> Body {
    Body::from(ContractError::from_panic(panic))
}
