//! `TestResponse`: what a client would have received from the test client.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

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

    /// Every `Set-Cookie` header, as text, in order: `session=abc; Path=/; HttpOnly`.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect()
    }

    /// The value the response sets for cookie `name` (the last `Set-Cookie` of that name
    /// wins, as in a browser), as sent, without its attributes.
    ///
    /// ```
    /// use gateway_core::{app_fn, TestClient};
    ///
    /// let app = app_fn(|_, start_response| {
    ///     start_response("200 OK", &[("Set-Cookie", "session=abc; Path=/; HttpOnly")]);
    ///     "logged in"
    /// });
    /// let response = TestClient::new(app).get("/login");
    /// assert_eq!(response.cookie("session"), Some("abc"));
    /// assert_eq!(response.set_cookies(), ["session=abc; Path=/; HttpOnly"]);
    /// ```
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies().into_iter().rev().find_map(|line| {
            let pair = line.split(';').next().unwrap_or_default();
            let (key, value) = pair.split_once('=')?;
            (key.trim() == name).then(|| value.trim())
        })
    }

    /// The body, read as JSON into a `T` (the `json` feature).
    #[cfg(feature = "json")]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}
