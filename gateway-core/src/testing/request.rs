//! `TestRequest`: a request for the test client, built up with headers, a body and cookies.

use crate::environ::{Environ, EnvironBuilder};
use bytes::Bytes;

/// A request for [`TestClient::send`](crate::TestClient::send): a method and a target, then
/// headers, a body, cookies, or a JSON body (the `json` feature).
///
/// ```
/// use gateway_core::{app_fn, TestClient, TestRequest};
///
/// let app = app_fn(|environ, start_response| {
///     start_response("200 OK", &[]);
///     format!("{} {}", environ.get("HTTP_COOKIE").unwrap_or(""), &environ["HTTP_ACCEPT"])
/// });
/// let request = TestRequest::new("GET", "/")
///     .header("Accept", "text/plain")
///     .cookie("session", "s3cr3t")
///     .cookie("theme", "dark");
/// assert_eq!(TestClient::new(app).send(request).text(), "session=s3cr3t; theme=dark text/plain");
/// ```
#[must_use]
pub struct TestRequest {
    pub(super) environ: EnvironBuilder,
    pub(super) has_host: bool,
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

    /// Sends cookie `name` with `value`, as a browser does: all of them in `HTTP_COOKIE`,
    /// joined with `; `. Both are sent as given (quote or escape them yourself).
    pub fn cookie(self, name: &str, value: &str) -> Self {
        self.header("Cookie", &format!("{name}={value}"))
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

    /// `value` as a JSON body, with `Content-Type: application/json` (the `json` feature).
    ///
    /// # Panics
    /// When `value` cannot be serialized (a map whose keys are not strings, a `Serialize`
    /// impl that fails): a test that builds such a request is wrong.
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        let json = serde_json::to_vec(value)
            .unwrap_or_else(|error| panic!("TestRequest::json: the value is not JSON: {error}"));
        self.header("Content-Type", "application/json").body(json)
    }
}
