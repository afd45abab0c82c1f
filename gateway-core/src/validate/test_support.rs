//! What the validator's unit tests share: a valid application, a way to call one under the
//! validator, and assertions on what it reported.

use super::validator;
use crate::application::Application;
use crate::environ::Environ;
use crate::host::SERVER_ERROR_BODY;
use crate::start_response::StartResponse;
use crate::testing::{TestClient, TestResponse};

/// The `Content-Type` header every valid response in the tests has.
pub(super) const PLAIN: (&str, &str) = ("Content-Type", "text/plain");

/// `GET /` on `app` under the validator.
pub(super) fn get(app: impl Application) -> TestResponse {
    TestClient::new(validator(app)).get("/")
}

/// Asserts the response became the 500 answer and `wsgi.errors` has exactly `message`.
#[track_caller]
pub(super) fn assert_rejected(response: &TestResponse, message: &str) {
    assert_eq!(response.status, 500, "{response:?}");
    assert_eq!(response.text(), SERVER_ERROR_BODY);
    assert_eq!(
        response.errors,
        [format!("validator: {message}")],
        "{response:?}"
    );
}

/// Asserts `wsgi.errors` has a `validator` line containing `needle`.
#[track_caller]
pub(super) fn assert_reported(response: &TestResponse, needle: &str) {
    assert!(
        response
            .errors
            .iter()
            .any(|line| line.starts_with("validator") && line.contains(needle)),
        "no {needle:?} in {:?}",
        response.errors
    );
}

/// An application that breaks no rule.
pub(super) fn ok_app(_: &Environ, start_response: StartResponse) -> &'static str {
    start_response("200 OK", &[PLAIN]);
    "ok"
}
