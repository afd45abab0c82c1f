//! `HttpError`: an error that is an answer, so that `?` in an application can say 400, 404
//! or 422 with a body, where any other error is a 500.

use crate::body::{Body, IntoBody};
use crate::environ::Environ;
use crate::error_log::ErrorLog;
use crate::forms::{FormError, QueryError};
use crate::start_response::StartResponse;
use crate::status::Status;
use bytes::Bytes;
use std::any::Any;
use std::borrow::Cow;
use std::error::Error;
use std::fmt;

/// An error that carries its answer: a status, headers and a body.
///
/// Return it as the `Err` of an application's `Result` (or with `?`) and the response is
/// replaced by it, as PEP 3333 lets an application replace a response that was not sent yet
/// (`start_response(status, headers, exc_info)`): the status and headers go to the
/// application's `start_response` through [`StartResponse::with_exc_info`], so middleware sees
/// them as it sees any call, and the body is sent as it is. Any other `Err` stays a 500 whose
/// reason goes to `wsgi.errors`.
///
/// ```
/// use gateway_core::{Environ, HttpError, StartResponse, Status, TestClient};
///
/// fn note_id(environ: &Environ) -> Result<u32, HttpError> {
///     let id = environ.path_info().trim_start_matches('/');
///     id.parse().map_err(|_| HttpError::bad_request(format!("{id:?} is not a note id")))
/// }
///
/// let app = |environ: &Environ, start_response: StartResponse| -> Result<String, HttpError> {
///     let id = note_id(environ)?;
///     if id != 1 {
///         return Err(HttpError::not_found(format!("no note {id}")));
///     }
///     start_response(&Status::OK, &[("Content-Type", "text/plain")]);
///     Ok("the first note".to_owned())
/// };
/// let client = TestClient::new(app);
/// assert_eq!(client.get("/1").text(), "the first note");
/// let missing = client.get("/7");
/// assert_eq!(missing.status, Status::NOT_FOUND);
/// assert_eq!(missing.text(), "no note 7");
/// assert_eq!(client.get("/x").status, Status::BAD_REQUEST);
/// ```
///
/// The crate's request errors convert ([`FormError`], [`QueryError`]), so `environ.form()?`
/// answers 400, 413 or 415 by itself. Your own error type answers the same way once it
/// converts: implement
/// `From<YourError> for HttpError` and return `Result<T, HttpError>`, so `?` converts it. A
/// `Box<dyn Error + Send + Sync>` (or `Box<dyn Error>`, or an `io::Error`) that holds an
/// `HttpError` answers with it too.
///
/// A 5xx answer writes a line to `wsgi.errors` (the status and the body); a 4xx does not:
/// it is the client's mistake, not the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    status: Status,
    headers: Vec<(Cow<'static, str>, String)>,
    body: Bytes,
}

/// The `Content-Type` of an answer made from a message.
const TEXT: &str = "text/plain; charset=utf-8";

impl HttpError {
    /// An answer with `status` and `message` as its `text/plain` body.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Self::with_body(status, TEXT, message.into())
    }

    /// An answer with `status`, a body and its `Content-Type`.
    pub fn with_body(status: Status, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// `400 Bad Request` with `message`: the request cannot be understood.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Status::BAD_REQUEST, message)
    }

    /// `401 Unauthorized` with `message`: add the `WWW-Authenticate` header the client needs
    /// with [`header`](Self::header).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(Status::UNAUTHORIZED, message)
    }

    /// `403 Forbidden` with `message`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Status::FORBIDDEN, message)
    }

    /// `404 Not Found` with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Status::NOT_FOUND, message)
    }

    /// `409 Conflict` with `message`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(Status::CONFLICT, message)
    }

    /// `422 Unprocessable Entity` with `message`: well-formed, but not what was asked for.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(Status::UNPROCESSABLE_ENTITY, message)
    }

    /// Adds a header to the answer (`Allow` for a 405, `Retry-After` for a 503, ...). It is
    /// checked as `start_response` checks every header: a bad one makes the answer a 500.
    #[must_use]
    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The headers, `Content-Type` first.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_str()))
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The `HttpError` that `error` is or holds (itself, or inside a `Box<dyn Error>` or an
    /// `io::Error`); otherwise `error` as text, for the 500's reason.
    pub(crate) fn found_in<E: fmt::Display + 'static>(error: E) -> Result<HttpError, String> {
        let any: &dyn Any = &error;
        let found = any
            .downcast_ref::<HttpError>()
            .or_else(|| {
                any.downcast_ref::<Box<dyn Error + Send + Sync>>()
                    .and_then(|boxed| boxed.downcast_ref())
            })
            .or_else(|| {
                any.downcast_ref::<Box<dyn Error>>()
                    .and_then(|boxed| boxed.downcast_ref())
            })
            .or_else(|| {
                any.downcast_ref::<std::io::Error>()
                    .and_then(std::io::Error::get_ref)
                    .and_then(|inner| inner.downcast_ref())
            });
        found.cloned().ok_or_else(|| error.to_string())
    }

    /// Gives this answer to `start_response` and returns its body (see
    /// [`Body::answer_through`]).
    fn answer(self, start_response: &StartResponse, log: impl FnOnce() -> ErrorLog) -> Body {
        if self.status.is_server_error() {
            log().line(&format!("the application answered {self}"));
        }
        let headers: Vec<(&str, &str)> = self.headers().collect();
        match start_response.with_exc_info(&self.status, &headers, &self) {
            Ok(_) => self.body.into_body(),
            Err(error) => Body::from(error),
        }
    }
}

impl Body {
    /// Gives the answer of an application's [`HttpError`] to `start_response`, as
    /// [`with_exc_info`](StartResponse::with_exc_info), and returns the answer's body; any
    /// other body is returned as it is.
    ///
    /// `Err(HttpError)` turned [`into_body`](crate::IntoBody::into_body) is such an answer. A
    /// closure application, [`app_fn`](crate::app_fn) and `#[wsgi_app]` call this with the
    /// application's own `start_response`; so does [`host::run`](crate::host::run) with the
    /// server's, for an [`Application`](crate::Application) written by hand. A middleware that
    /// iterates the body of an application it wraps before the answer was given sees a failed
    /// body, so a hand-written application wrapped by one calls this itself:
    ///
    /// ```
    /// use gateway_core::{Application, Environ, HttpError, IntoBody, Outcome, StartResponse};
    ///
    /// struct Missing;
    ///
    /// impl Application for Missing {
    ///     fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
    ///         let answer: Result<String, HttpError> = Err(HttpError::not_found("gone"));
    ///         Outcome::Ready(answer.into_body().answer_through(&environ, &start_response))
    ///     }
    ///     fn blocking(&self) -> bool {
    ///         false
    ///     }
    /// }
    /// let response = gateway_core::TestClient::new(Missing).get("/");
    /// assert_eq!((response.status.as_u16(), response.text()), (404, "gone".to_owned()));
    /// ```
    pub fn answer_through(self, environ: &Environ, start_response: &StartResponse) -> Body {
        self.answer_with_log(start_response, || environ.error_log())
    }

    /// [`answer_through`](Self::answer_through), logging a 5xx to `log`.
    pub(crate) fn answer_with_log(
        self,
        start_response: &StartResponse,
        log: impl FnOnce() -> ErrorLog,
    ) -> Body {
        match self.into_answer() {
            Ok(answer) => answer.answer(start_response, log),
            Err(body) => body,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.status)?;
        if !self.body.is_empty() {
            write!(f, ": {}", String::from_utf8_lossy(&self.body))?;
        }
        Ok(())
    }
}

impl Error for HttpError {}

/// `?` on [`Environ::form`] answers with the status the error calls for (400, 413 or 415)
/// and its sentence.
impl From<FormError> for HttpError {
    fn from(error: FormError) -> Self {
        let status = Status::from_code(error.status().as_u16()).unwrap_or(Status::BAD_REQUEST);
        HttpError::new(status, error.to_string())
    }
}

/// `?` on [`parse_qs`](crate::forms::parse_qs) / [`parse_qsl`](crate::forms::parse_qsl)
/// with strict parsing or a field limit answers 400 with its sentence.
impl From<QueryError> for HttpError {
    fn from(error: QueryError) -> Self {
        HttpError::bad_request(error.to_string())
    }
}

#[cfg(test)]
mod tests;
