//! An in-process test client: calls any [`Application`] without a socket, the way
//! werkzeug's test client does, and gives back what a client would have received.

use crate::application::Application;
use crate::environ::{Environ, EnvironBuilder};
use crate::host::{run, Running, Start};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Calls an application in process.
///
/// The environ is filled like wsgiref's `setup_testing_defaults` (`127.0.0.1`, port 80,
/// `Host: 127.0.0.1`), the application is run by the same sequence a server uses
/// ([`host::run`](crate::host::run)), and what it wrote to `wsgi.errors` comes back with the
/// response.
///
/// ```
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let app = |environ: &Environ, start_response: StartResponse| {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     format!("Hello, {}!", &environ["PATH_INFO"][1..])
/// };
/// let response = TestClient::new(app).get("/Alice");
/// assert_eq!(response.status, 200);
/// assert_eq!(response.text(), "Hello, Alice!");
/// ```
pub struct TestClient<A> {
    app: A,
}

/// A request for [`TestClient::send`].
#[must_use]
pub struct TestRequest {
    environ: EnvironBuilder,
    has_host: bool,
}

/// What a client would have received, plus the `wsgi.errors` lines the request produced.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase when the application gave a non-standard one.
    pub reason: Option<String>,
    /// The headers the application gave (a server adds `Date`, `Server` and framing).
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// The body's length when it was known before sending (sent as `Content-Length`).
    pub content_length: Option<u64>,
    /// Lines written to `wsgi.errors`, including contract violations.
    pub errors: Vec<String>,
    /// Whether the body broke off after sending started (a server closes the connection).
    pub truncated: bool,
}

impl TestResponse {
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of header `name`, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

impl TestRequest {
    /// A request with `method` for `target` (`/path?query`).
    pub fn new(method: &str, target: &str) -> Self {
        Self {
            environ: Environ::builder().method(method).uri(target),
            has_host: false,
        }
    }

    /// Adds a request header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.has_host |= name.eq_ignore_ascii_case("host");
        self.environ = self.environ.header(name, value);
        self
    }

    /// The request body, read through `wsgi.input`; sets `Content-Length`.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        self.environ = self
            .environ
            .header("Content-Length", &body.len().to_string())
            .body(body);
        self
    }
}

impl<A: Application> TestClient<A> {
    /// A client for `app`.
    pub fn new(app: A) -> Self {
        Self { app }
    }

    /// `GET target`.
    pub fn get(&self, target: &str) -> TestResponse {
        self.send(TestRequest::new("GET", target))
    }

    /// `POST target` with `body`.
    pub fn post(&self, target: &str, body: impl Into<Bytes>) -> TestResponse {
        self.send(TestRequest::new("POST", target).body(body))
    }

    /// Sends `request` and collects the whole response.
    pub fn send(&self, request: TestRequest) -> TestResponse {
        let TestRequest {
            mut environ,
            has_host,
        } = request;
        if !has_host {
            environ = environ.header("Host", "127.0.0.1");
        }
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let environ = environ
            .error_sink(Arc::new(move |line: &str| {
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(line.to_owned())
            }))
            .build();
        let mut exchange = match run(&self.app, environ) {
            Running::Ready(exchange) => exchange,
            Running::Pending(pending) => block_on(pending),
        };
        let start = exchange.start();
        let mut truncated = false;
        let Start {
            head,
            first,
            content_length,
            ..
        } = start;
        let mut body = BytesMut::from(&first[..]);
        while let Some(chunk) = exchange.next_chunk() {
            match chunk {
                Ok(chunk) => body.extend_from_slice(&chunk),
                Err(_) => {
                    truncated = true;
                    break;
                }
            }
        }
        drop(exchange);
        let errors = lines.lock().unwrap_or_else(|p| p.into_inner()).clone();
        TestResponse {
            status: head.status,
            reason: head.reason,
            headers: head.headers,
            body: body.freeze(),
            content_length,
            errors,
            truncated,
        }
    }
}

/// Runs a future to completion on this thread: how [`TestClient`] awaits an `async`
/// application, and how a test can await one by hand. Futures that need a tokio runtime
/// (timers, sockets) must be tested through a real server instead.
///
/// ```
/// assert_eq!(gateway_core::testing::block_on(async { 6 * 7 }), 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Body, StartResponse};
    use std::io::Read;

    #[test]
    fn the_environ_is_filled_like_setup_testing_defaults() {
        let client = TestClient::new(|environ: &Environ, start_response: StartResponse| {
            start_response("200 OK", &[]);
            format!(
                "{} {} {}",
                &environ["HTTP_HOST"], &environ["SERVER_NAME"], &environ["SERVER_PORT"]
            )
        });
        assert_eq!(client.get("/").text(), "127.0.0.1 127.0.0.1 80");
    }

    #[test]
    fn a_request_carries_method_query_headers_and_body() {
        let client = TestClient::new(|environ: &Environ, start_response: StartResponse| {
            let mut body = String::new();
            environ.input().read_to_string(&mut body).unwrap();
            start_response(
                "201 Created",
                &[("X-Seen", environ.get("HTTP_X_TOKEN").unwrap_or("-"))],
            );
            format!(
                "{} {} {} {}",
                environ.method(),
                environ.query_string(),
                &environ["CONTENT_LENGTH"],
                body
            )
        });
        let response = client.send(
            TestRequest::new("PUT", "/item?id=7")
                .header("X-Token", "t0k")
                .body("data"),
        );
        assert_eq!(response.status, StatusCode::CREATED);
        assert_eq!(response.header("x-seen"), Some("t0k"));
        assert_eq!(response.text(), "PUT id=7 4 data");
    }

    #[test]
    fn a_broken_contract_answers_500_with_the_reason_in_errors() {
        let client = TestClient::new(|_: &Environ, _: StartResponse| "no start_response");
        let response = client.get("/");
        assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            response.errors[0].contains("never called start_response"),
            "{:?}",
            response.errors
        );
    }

    #[test]
    fn a_body_that_breaks_off_is_marked_truncated() {
        let client = TestClient::new(|_: &Environ, start_response: StartResponse| {
            start_response("200 OK", &[("Content-Length", "10")]);
            Body::from_iter(["short"])
        });
        let response = client.get("/");
        assert!(response.truncated);
        assert_eq!(response.text(), "short");
    }
}
