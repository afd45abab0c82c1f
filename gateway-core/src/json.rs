//! JSON in and out (the `json` feature): reading a JSON request body into a type, answering
//! with a JSON body, and JSON error answers.
//!
//! | | |
//! |---|---|
//! | read the request body | [`environ.json::<T>()`](Environ::json) |
//! | answer with a value | [`start_response.json(Status::CREATED, &value)`](StartResponse::json) |
//! | answer an error with a value | [`HttpError::json(Status::NOT_FOUND, &value)`](HttpError::json) |
//! | build a value by hand | [`serde_json::json!`](crate::serde_json::json) |
//! | test it | [`TestRequest::json`](crate::TestRequest::json), [`TestResponse::json`](crate::TestResponse::json) |
//!
//! ```
//! use gateway_core::serde_json::json;
//! use gateway_core::{app_fn, HttpError, Status, TestClient, TestRequest};
//!
//! #[derive(serde::Deserialize)]
//! struct NewNote {
//!     title: String,
//! }
//!
//! let app = app_fn(|environ, start_response| {
//!     let note: NewNote = environ.json()?;
//!     if note.title.is_empty() {
//!         let error = json!({"error": "empty title"});
//!         return Err(HttpError::json(Status::UNPROCESSABLE_ENTITY, &error));
//!     }
//!     Ok(start_response.json(Status::CREATED, &json!({"id": 1, "title": note.title})))
//! });
//! let client = TestClient::new(app);
//! let created = client.send(TestRequest::new("POST", "/notes").json(&json!({"title": "milk"})));
//! assert_eq!(created.status, Status::CREATED);
//! assert_eq!(created.json::<serde_json::Value>().unwrap()["title"], "milk");
//! let refused = client.send(TestRequest::new("POST", "/notes").json(&json!({"title": 7})));
//! assert_eq!(refused.status, Status::UNPROCESSABLE_ENTITY);
//! ```

use crate::body::{Body, IntoBody};
use crate::environ::Environ;
use crate::http_error::HttpError;
use crate::limited_body::{read_body, BodyError};
use crate::start_response::StartResponse;
use crate::status::Status;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::error::Category;

/// The `Content-Type` of a JSON body.
const JSON: &str = "application/json";

/// The largest request body [`Environ::json`] reads: 2 MiB, as axum's default. A larger body
/// is refused with 413, before it is read when its `Content-Length` says so.
pub const LIMIT: u64 = 2 * 1024 * 1024;

impl Environ {
    /// The request body (`wsgi.input`), read as JSON into a `T`, or the answer that says what
    /// is wrong, as JSON `{"error": "<a sentence>"}`:
    ///
    /// | the request | the answer |
    /// |---|---|
    /// | `Content-Type` missing, or not `application/json` nor `application/<anything>+json` | `415 Unsupported Media Type` |
    /// | a body larger than [`LIMIT`] (by `Content-Length` or as read) | `413 Payload Too Large` |
    /// | a body that cannot be read, is shorter than its `Content-Length`, is empty, or is not JSON (syntax, trailing data, not UTF-8) | `400 Bad Request` |
    /// | JSON of the wrong shape for `T` (a missing field, a string for a number, ...) | `422 Unprocessable Entity` |
    ///
    /// At most `CONTENT_LENGTH` bytes are read (PEP 3333), or the body to its end when it has
    /// no length (one byte past the limit tells it is too large), so call this once.
    ///
    /// ```
    /// use gateway_core::{Environ, Status};
    ///
    /// let environ = Environ::builder()
    ///     .header("Content-Type", "application/json")
    ///     .body(r#"{"title": "milk"}"#)
    ///     .build();
    /// let value: serde_json::Value = environ.json().unwrap();
    /// assert_eq!(value["title"], "milk");
    ///
    /// let form = Environ::builder().header("Content-Type", "text/plain").body("{}").build();
    /// let refused = form.json::<serde_json::Value>().unwrap_err();
    /// assert_eq!(refused.status(), Status::UNSUPPORTED_MEDIA_TYPE);
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        self.json_limited(LIMIT)
    }

    /// [`json`](Self::json) with a limit of `limit` bytes instead of
    /// [`LIMIT`].
    pub fn json_limited<T: DeserializeOwned>(&self, limit: u64) -> Result<T, HttpError> {
        let content_type = self.content_type().unwrap_or("");
        if !is_json(content_type) {
            const EXPECTED: &str = "expected a JSON body with Content-Type: application/json";
            return Err(refusal(
                Status::UNSUPPORTED_MEDIA_TYPE,
                match content_type {
                    "" => EXPECTED.to_owned(),
                    other => format!("{EXPECTED}, not {other:?}"),
                },
            ));
        }
        let body = read_body(self, limit).map_err(|error| match error {
            BodyError::TooLarge { limit } => refusal(
                Status::PAYLOAD_TOO_LARGE,
                format!("the JSON body is larger than the limit of {limit} bytes"),
            ),
            BodyError::Incomplete { expected, received } => refusal(
                Status::BAD_REQUEST,
                format!(
                    "the body ended after {received} of the {expected} bytes Content-Length \
                     announced"
                ),
            ),
            BodyError::Unreadable(error) => refusal(
                Status::BAD_REQUEST,
                format!("the request body could not be read: {error}"),
            ),
        })?;
        serde_json::from_slice(&body).map_err(|error| match error.classify() {
            Category::Data => refusal(
                Status::UNPROCESSABLE_ENTITY,
                format!("the JSON does not have the expected shape: {error}"),
            ),
            Category::Io | Category::Syntax | Category::Eof => refusal(
                Status::BAD_REQUEST,
                format!("the body is not valid JSON: {error}"),
            ),
        })
    }
}

impl StartResponse {
    /// Answers with `value` as JSON: calls `start_response` with `status` and
    /// `Content-Type: application/json`, and returns the body. A value that cannot be
    /// serialized (a map with keys that are not strings, a `Serialize` impl that fails) is a
    /// 500 with the reason in `wsgi.errors`.
    ///
    /// ```
    /// use gateway_core::{app_fn, Status, TestClient};
    ///
    /// let app = app_fn(|_, start_response| start_response.json(Status::OK, &["milk", "eggs"]));
    /// let response = TestClient::new(app).get("/notes");
    /// assert_eq!(response.header("content-type"), Some("application/json"));
    /// assert_eq!(response.text(), r#"["milk","eggs"]"#);
    /// ```
    pub fn json<T: Serialize + ?Sized>(&self, status: Status, value: &T) -> Body {
        match serde_json::to_vec(value) {
            Ok(json) => {
                self(&status, &[("Content-Type", JSON)]);
                json.into_body()
            }
            Err(error) => Body::failed(format!("the JSON answer could not be made: {error}")),
        }
    }
}

impl HttpError {
    /// An answer with `status` and `value` as its JSON body. A value that cannot be
    /// serialized makes it a 500 that says so.
    ///
    /// ```
    /// use gateway_core::serde_json::json;
    /// use gateway_core::{HttpError, Status};
    ///
    /// let missing = HttpError::json(Status::NOT_FOUND, &json!({"error": "no note 7"}));
    /// assert_eq!(missing.to_string(), r#"404 Not Found: {"error":"no note 7"}"#);
    /// ```
    pub fn json<T: Serialize + ?Sized>(status: Status, value: &T) -> HttpError {
        match serde_json::to_vec(value) {
            Ok(json) => HttpError::with_body(status, JSON, json),
            Err(error) => HttpError::new(
                Status::INTERNAL_SERVER_ERROR,
                format!("the JSON answer could not be made: {error}"),
            ),
        }
    }
}

/// The answer to a request `Environ::json` refuses: `{"error": message}`.
fn refusal(status: Status, message: String) -> HttpError {
    HttpError::json(status, &serde_json::json!({ "error": message }))
}

/// Whether `content_type` is JSON: `application/json` or `application/<anything>+json`,
/// in any case, with any parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == JSON || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests;
