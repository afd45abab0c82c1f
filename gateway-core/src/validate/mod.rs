//! `wsgiref.validate` for gateway: middleware that checks both sides of the contract.
// One file per side of the contract: the environ (the server's side), the status and
// headers, the calls to `start_response` and `write()`, and the body as the server pulls it;
// `request_check` is what they share about one request, `violation` what they report.
mod body_checks;
mod call_checks;
mod digits;
mod environ_checks;
mod head_checks;
mod request_check;
#[cfg(test)]
mod test_support;
mod violation;

pub use violation::Violation;

use crate::application::{Application, Outcome};
use crate::environ::Environ;
use crate::start_response::StartResponse;
use body_checks::CheckedBody;
use call_checks::Hooks;
use environ_checks::check_environ;
use request_check::RequestCheck;
use std::sync::Arc;

/// `wsgiref.validate` for gateway: middleware that checks both sides of the contract.
///
/// Wrap an application in [`Validator`] (or call [`validator`], as in Python) while you
/// develop or test it: every request's environ is checked on its way in (the server's and
/// any outer middleware's side), and everything the application does with `start_response`,
/// `write()` and its body is checked on the way out. Each broken rule is reported as one
/// line in `wsgi.errors`, starting with `validator:` (the [`Violation`] it is, as a
/// sentence). Two checks are only warnings, as in wsgiref: they start with
/// `validator warning:` and change nothing else.
///
/// # A violation answers 500, when it still can
/// wsgiref's validator raises `AssertionError`, so the server answers 500 if nothing was
/// sent yet. This one does the same without an exception: when a rule is broken before the
/// response's head is sent, the response is replaced by the server's plain 500 (its body is
/// [`SERVER_ERROR_BODY`]) and the application's body is dropped. A broken environ answers
/// 500 without calling the application. A rule broken after the head went out (a body longer
/// or shorter than its `Content-Length`, a late `start_response`) is reported, and the server
/// deals with the response as it would without the validator (it never sends more than
/// `Content-Length`, and closes the connection when the body is short). An application body
/// that fails (an `Err`, a panic) is handled as without the validator: a 500 before the head
/// went out, a closed connection after; in the second case an `Err` reaches the server as a
/// panic (a [`Body`] built from an iterator cannot carry an error), so the log line reads
/// `the application panicked: ...`.
///
/// ```
/// use gateway_core::validator;
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let app = |_: &Environ, start_response: StartResponse| {
///     start_response("200 OK", &[]); // no Content-Type
///     "hello"
/// };
/// let response = TestClient::new(validator(app)).get("/");
/// assert_eq!(response.status, 500);
/// assert_eq!(
///     response.errors,
///     ["validator: no Content-Type header in a \"200 OK\" response; every response but 204 \
///       and 304 needs one"]
/// );
/// ```
///
/// # The checks
/// Every check of `wsgiref.validate` that Rust's types do not already make impossible, plus
/// the ones it lacks. See [`Violation`] for each message.
///
/// | side | check | wsgiref |
/// |---|---|---|
/// | environ | `REQUEST_METHOD`, `SERVER_NAME`, `SERVER_PORT`, `wsgi.version`, `wsgi.url_scheme`, `wsgi.input`, `wsgi.errors`, `wsgi.multithread`, `wsgi.multiprocess`, `wsgi.run_once` present | yes |
/// | environ | no `HTTP_CONTENT_TYPE` / `HTTP_CONTENT_LENGTH` | yes |
/// | environ | every key without a `.` holds text | yes |
/// | environ | `wsgi.version` is `(1, 0)`; `wsgi.url_scheme` is `http` or `https`; `wsgi.input` and `wsgi.errors` are the streams; the three `wsgi.*` flags are flags | yes |
/// | environ | `REQUEST_METHOD` a method token, `SERVER_NAME` not empty, `SERVER_PORT` a port number | added |
/// | environ | `SCRIPT_NAME` empty or starting with `/`, never `/`; `PATH_INFO` empty or starting with `/`; one of them present | yes |
/// | environ | `CONTENT_LENGTH` empty or a number | yes |
/// | environ (warning) | `QUERY_STRING` missing; `REQUEST_METHOD` not one of `GET HEAD POST OPTIONS PATCH PUT DELETE TRACE` | yes |
/// | status | three digits, at least 100, a space, no control characters, latin-1 | yes (wsgiref only warns about the space) |
/// | headers | no `Status` header; names `^[a-zA-Z][a-zA-Z0-9_-]*$` not ending in `-` or `_`; values with no control character (tab included) and latin-1 | yes (latin-1 added) |
/// | headers | no hop-by-hop header; `Content-Length` a number | added |
/// | headers | `Content-Type` present, except for 204 and 304, where it is forbidden | yes |
/// | calls | `start_response` not called again without error information; not replaced (`with_exc_info`) after the headers were sent, or after `write()` produced data (which sends them under PEP 3333) | added |
/// | calls | `write()` not before `start_response`, nor from inside the body's iteration | added |
/// | body | no chunk (an empty one included) before `start_response`; `start_response` called at all | yes |
/// | body | not longer nor shorter than its `Content-Length` (a `HEAD` body may be empty); none for 204 and 304 | added |
/// | server | the head is sent only after the first non-empty chunk | added |
/// | server | the body is not pulled again after it ended | yes (as "read after closed") |
///
/// What Rust rules out, and wsgiref checks at run time: the argument counts and keyword
/// arguments of the application and `start_response`, `environ` being a `dict`, a status or
/// header that is not a `str`, a body that is not an iterable of `bytes`, the signatures of
/// `wsgi.input`'s and `wsgi.errors`' methods, calling `close()` on them, and a body that is
/// never closed (dropping is closing, exactly once).
///
/// [`SERVER_ERROR_BODY`]: crate::host::SERVER_ERROR_BODY
/// [`Body`]: crate::Body
///
/// Checks every request and response of the application it wraps against PEP 3333, like
/// Python's `wsgiref.validate.validator`.
///
/// ```
/// use gateway_core::Validator;
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let app = |_: &Environ, start_response: StartResponse| {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     "fine"
/// };
/// let response = TestClient::new(Validator::new(app)).get("/");
/// assert_eq!((response.status.as_u16(), response.text()), (200, "fine".to_owned()));
/// assert!(response.errors.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Validator<A> {
    app: A,
}

/// Wraps `app` in a [`Validator`]: `wsgiref.validate.validator(app)`.
pub fn validator<A: Application>(app: A) -> Validator<A> {
    Validator::new(app)
}

impl<A: Application> Validator<A> {
    /// Checks `app`.
    pub fn new(app: A) -> Self {
        Self { app }
    }
}

impl<A: Application> Application for Validator<A> {
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        let check = Arc::new(RequestCheck::new(&environ, start_response));
        let (problems, warnings) = check_environ(&environ);
        check.report_all(warnings);
        if !problems.is_empty() {
            check.report_all(problems);
            return Outcome::Ready(CheckedBody::wrap(check, None));
        }
        let inner = check.outer.intercept(Hooks(check.clone()));
        self.app
            .call(environ, inner)
            .map(move |body| CheckedBody::wrap(check, Some(body)))
    }

    fn blocking(&self) -> bool {
        self.app.blocking()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{get, PLAIN};
    use super::*;
    use crate::body::Body;
    use crate::testing::{TestClient, TestRequest};
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // --- a valid application passes through unchanged ---

    #[test]
    fn a_valid_application_is_not_changed() {
        let response = TestClient::new(validator(|_: &Environ, sr: StartResponse| {
            sr("201 Created", &[PLAIN, ("X-Id", "7")]);
            Body::from_iter(["a", "", "b"])
        }))
        .get("/");
        assert_eq!(response.status, 201);
        assert_eq!(response.header("x-id"), Some("7"));
        assert_eq!(response.text(), "ab");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[test]
    fn a_valid_application_keeps_its_content_length_and_write_order() {
        let response = get(|_: &Environ, sr: StartResponse| {
            let mut write = sr("200 OK", &[PLAIN, ("Content-Length", "11")]);
            write.write_all(b"written ").unwrap();
            "and"
        });
        assert_eq!(response.text(), "written and");
        assert_eq!(response.content_length, Some(11));
        assert!(
            !response.truncated && response.errors.is_empty(),
            "{response:?}"
        );
    }

    #[test]
    fn start_response_in_the_first_iteration_is_allowed() {
        let response = get(|_: &Environ, sr: StartResponse| {
            Body::from_iter(std::iter::once_with(move || {
                sr("200 OK", &[PLAIN]);
                "lazy"
            }))
        });
        assert_eq!(
            (response.status.as_u16(), response.text()),
            (200, "lazy".into())
        );
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[test]
    fn exc_info_may_replace_an_unsent_response() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            sr.with_exc_info("503 Service Unavailable", &[PLAIN], &"db down")
                .unwrap();
            "later"
        });
        assert_eq!(response.status, 503);
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[test]
    fn head_responses_may_have_an_empty_body_with_a_content_length() {
        let response = TestClient::new(validator(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "100")]);
            Body::empty()
        }))
        .send(TestRequest::new("HEAD", "/"));
        assert!(
            response.errors.iter().all(|l| !l.starts_with("validator")),
            "{:?}",
            response.errors
        );
        assert_eq!(response.status, 200);
    }

    // --- a broken environ stops the request ---

    #[test]
    fn a_broken_environ_answers_500_without_calling_the_application() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let app = validator(move |_: &Environ, sr: StartResponse| {
            counted.fetch_add(1, Ordering::SeqCst);
            sr("200 OK", &[PLAIN]);
            "called"
        });
        struct Break<A>(A);
        impl<A: Application> Application for Break<A> {
            fn call(&self, mut environ: Environ, sr: StartResponse) -> Outcome {
                environ.insert("wsgi.url_scheme", "gopher");
                self.0.call(environ, sr)
            }

            fn blocking(&self) -> bool {
                self.0.blocking()
            }
        }
        let response = TestClient::new(Break(app)).get("/");
        assert_eq!(response.status, 500);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }
}
