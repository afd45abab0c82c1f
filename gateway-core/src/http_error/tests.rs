use super::*;
use crate::{validator, Application, Intercept, IntoBody, Outcome, TestClient};
use std::sync::{Arc, Mutex};

fn answering(error: HttpError) -> impl Application {
    move |_: &Environ, start_response: StartResponse| -> Result<&'static str, HttpError> {
        start_response("200 OK", &[("Content-Type", "text/html")]);
        Err(error.clone())
    }
}

#[test]
fn an_err_http_error_replaces_the_response_with_its_answer() {
    let response = TestClient::new(answering(HttpError::bad_request("no title"))).get("/");
    assert_eq!(response.status, Status::BAD_REQUEST);
    assert_eq!(response.header("content-type"), Some(TEXT));
    assert_eq!(response.text(), "no title");
    assert!(response.errors.is_empty(), "a 4xx is not logged");
}

#[test]
fn a_5xx_answer_is_logged_and_a_4xx_is_not() {
    let unavailable = HttpError::new(Status::SERVICE_UNAVAILABLE, "database down");
    let response = TestClient::new(answering(unavailable)).get("/");
    assert_eq!(response.status, Status::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.errors,
        ["the application answered 503 Service Unavailable: database down"]
    );
}

#[test]
fn any_other_error_stays_a_500() {
    let app = |_: &Environ, start_response: StartResponse| -> Result<String, String> {
        start_response("200 OK", &[]);
        Err("disk full".to_owned())
    };
    let response = TestClient::new(app).get("/");
    assert_eq!(response.status, Status::INTERNAL_SERVER_ERROR);
    assert_eq!(response.errors, ["the application failed: disk full"]);
}

#[test]
fn an_http_error_inside_a_boxed_or_io_error_answers_too() {
    let boxed = |_: &Environ, _: StartResponse| -> Result<String, Box<dyn Error + Send + Sync>> {
        Err(HttpError::forbidden("not yours"))?
    };
    assert_eq!(TestClient::new(boxed).get("/").status, Status::FORBIDDEN);
    let io = |_: &Environ, _: StartResponse| -> std::io::Result<String> {
        Err(std::io::Error::other(HttpError::conflict("taken")))
    };
    assert_eq!(TestClient::new(io).get("/").text(), "taken");
    let other = |_: &Environ, _: StartResponse| -> Result<String, Box<dyn Error + Send + Sync>> {
        Err("plain".into())
    };
    assert_eq!(TestClient::new(other).get("/").status, 500);
}

#[test]
fn it_replaces_even_a_broken_start_response_call() {
    let app = |_: &Environ, start_response: StartResponse| -> Result<(), HttpError> {
        start_response("404", &[]);
        Err(HttpError::not_found("missing"))
    };
    let response = TestClient::new(app).get("/");
    assert_eq!(
        (response.status.as_u16(), response.text()),
        (404, "missing".into())
    );
    assert!(response.errors.is_empty());
}

#[test]
fn its_headers_go_out_and_a_bad_one_is_a_500() {
    let allow = HttpError::new(Status::METHOD_NOT_ALLOWED, "").header("Allow", "GET, HEAD");
    let response = TestClient::new(answering(allow)).get("/");
    assert_eq!(response.status, Status::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
    let bad = HttpError::not_found("x").header("X-Bad", "a\r\nb");
    let response = TestClient::new(answering(bad)).get("/");
    assert_eq!(response.status, 500);
    assert!(
        response.errors[0].contains("X-Bad"),
        "{:?}",
        response.errors
    );
}

/// Records `with_exc_info` calls, then passes them on.
struct Seen(Arc<Mutex<Vec<String>>>);

impl Intercept for Seen {
    fn with_exc_info(
        &self,
        outer: &StartResponse,
        status: &str,
        headers: &[(&str, &str)],
        error: &dyn fmt::Display,
    ) -> Result<(), crate::ContractError> {
        self.0.lock().unwrap().push(format!("{status} ({error})"));
        outer.with_exc_info(status, headers, error).map(drop)
    }
}

#[test]
fn a_middleware_sees_the_answer_as_a_with_exc_info_call() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hooks = seen.clone();
    let inner = answering(HttpError::unprocessable("title too long"));
    let app = move |environ: Environ, start_response: StartResponse| {
        inner.call(environ, start_response.intercept(Seen(hooks.clone())))
    };
    struct Wrap<F>(F);
    impl<F: Fn(Environ, StartResponse) -> Outcome + Send + Sync + 'static> Application for Wrap<F> {
        fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
            (self.0)(environ, start_response)
        }
        fn blocking(&self) -> bool {
            true
        }
    }
    let response = TestClient::new(Wrap(app)).get("/");
    assert_eq!(response.status, Status::UNPROCESSABLE_ENTITY);
    assert_eq!(
        *seen.lock().unwrap(),
        ["422 Unprocessable Entity (422 Unprocessable Entity: title too long)"]
    );
}

#[test]
fn the_validator_lets_the_answer_through() {
    let response = TestClient::new(validator(answering(HttpError::not_found("no")))).get("/");
    assert_eq!(
        (response.status.as_u16(), response.text()),
        (404, "no".into())
    );
    assert!(response.errors.is_empty(), "{:?}", response.errors);
}

/// An application written by hand that returns the answer as a body, unanswered.
struct ByHand;

impl Application for ByHand {
    fn call(&self, _: Environ, _: StartResponse) -> Outcome {
        Outcome::Ready(Err::<(), _>(HttpError::not_found("by hand")).into_body())
    }
    fn blocking(&self) -> bool {
        false
    }
}

#[test]
fn the_server_answers_for_an_application_written_by_hand() {
    let response = TestClient::new(ByHand).get("/");
    assert_eq!(
        (response.status.as_u16(), response.text()),
        (404, "by hand".into())
    );
}

#[test]
fn an_answer_pulled_as_a_body_is_a_failure() {
    let mut body = Body::from(HttpError::not_found("late"));
    let error = body.next().unwrap().unwrap_err();
    assert_eq!(
        error.to_string(),
        "the application failed: 404 Not Found: late (this answer was not given to start_response)"
    );
    assert!(body.next().is_none());
}

#[test]
fn display_is_the_status_and_the_body() {
    assert_eq!(
        HttpError::not_found("no note 7").to_string(),
        "404 Not Found: no note 7"
    );
    assert_eq!(HttpError::new(Status::GONE, "").to_string(), "410 Gone");
    let json = HttpError::with_body(Status::CONFLICT, "application/json", r#"{"error":"taken"}"#);
    assert_eq!(json.to_string(), r#"409 Conflict: {"error":"taken"}"#);
    assert_eq!(
        json.headers().collect::<Vec<_>>(),
        [("Content-Type", "application/json")]
    );
    assert_eq!(
        (json.status(), &json.body()[..]),
        (Status::CONFLICT, &br#"{"error":"taken"}"#[..])
    );
}

#[test]
fn form_and_query_errors_convert_with_their_status() {
    let app = |environ: &Environ, start_response: StartResponse| -> Result<String, HttpError> {
        let strict = crate::forms::QueryOptions {
            strict_parsing: true,
            ..Default::default()
        };
        let query = crate::forms::parse_qs(environ.query_string(), &strict)?;
        let form = environ.form()?;
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        Ok(format!("{:?} {:?}", query.get("q"), form.get("note")))
    };
    let client = TestClient::new(app);
    let form = |target| {
        crate::TestRequest::new("POST", target)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("note=milk")
    };
    assert_eq!(
        client.send(form("/?q=1")).text(),
        r#"Some("1") Some("milk")"#
    );
    let unsupported = client.post("/?q=1", "note=milk");
    assert_eq!(unsupported.status, Status::UNSUPPORTED_MEDIA_TYPE);
    assert!(unsupported.text().starts_with("expected a form"));
    assert_eq!(client.send(form("/?q")).status, Status::BAD_REQUEST);
}
