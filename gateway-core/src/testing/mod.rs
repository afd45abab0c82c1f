//! An in-process test client: calls any [`Application`] without a socket, the way
//! werkzeug's test client does, and gives back what a client would have received.

mod request;
mod response;

pub use request::TestRequest;
pub use response::TestResponse;

use crate::application::Application;
use crate::host::{run, Running, Start};
use bytes::{Bytes, BytesMut};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Calls an application in process: [`get`](Self::get), [`head`](Self::head),
/// [`post`](Self::post), [`put`](Self::put), [`patch`](Self::patch),
/// [`delete`](Self::delete), [`options`](Self::options), any other method with
/// [`request`](Self::request), and a [`TestRequest`] with headers, a body, cookies or JSON
/// with [`send`](Self::send).
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

impl<A: Application> TestClient<A> {
    /// A client for `app`.
    pub fn new(app: A) -> Self {
        Self { app }
    }

    /// `GET target`.
    pub fn get(&self, target: &str) -> TestResponse {
        self.request("GET", target)
    }

    /// `HEAD target`: the head only, as a server sends it.
    pub fn head(&self, target: &str) -> TestResponse {
        self.request("HEAD", target)
    }

    /// `POST target` with `body`.
    pub fn post(&self, target: &str, body: impl Into<Bytes>) -> TestResponse {
        self.send(TestRequest::new("POST", target).body(body))
    }

    /// `PUT target` with `body`.
    pub fn put(&self, target: &str, body: impl Into<Bytes>) -> TestResponse {
        self.send(TestRequest::new("PUT", target).body(body))
    }

    /// `PATCH target` with `body`.
    pub fn patch(&self, target: &str, body: impl Into<Bytes>) -> TestResponse {
        self.send(TestRequest::new("PATCH", target).body(body))
    }

    /// `DELETE target`.
    pub fn delete(&self, target: &str) -> TestResponse {
        self.request("DELETE", target)
    }

    /// `OPTIONS target`.
    pub fn options(&self, target: &str) -> TestResponse {
        self.request("OPTIONS", target)
    }

    /// A request with any `method` for `target`, without a body. For headers, a body or
    /// cookies, build a [`TestRequest`] and [`send`](Self::send) it.
    pub fn request(&self, method: &str, target: &str) -> TestResponse {
        self.send(TestRequest::new(method, target))
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
mod tests;
