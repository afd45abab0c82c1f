use super::*;
use crate::{app_fn, Body, Environ, StartResponse, Status};
use http::StatusCode;
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

/// Answers with the method, the body it read, and the `Allow`-style echo of its request.
fn echo() -> TestClient<impl Application> {
    TestClient::new(app_fn(|environ, start_response| {
        let mut body = String::new();
        environ.input().read_to_string(&mut body).unwrap();
        start_response(&Status::OK, &[("Content-Type", "text/plain")]);
        format!("{} {} [{body}]", environ.method(), environ.path_info())
    }))
}

#[test]
fn every_method_has_its_call() {
    let client = echo();
    assert_eq!(client.get("/a").text(), "GET /a []");
    assert_eq!(client.post("/a", "p").text(), "POST /a [p]");
    assert_eq!(client.put("/a", "u").text(), "PUT /a [u]");
    assert_eq!(client.patch("/a", "x").text(), "PATCH /a [x]");
    assert_eq!(client.delete("/a").text(), "DELETE /a []");
    assert_eq!(client.options("/a").text(), "OPTIONS /a []");
    assert_eq!(client.request("PROPFIND", "/a").text(), "PROPFIND /a []");
}

#[test]
fn head_gets_the_head_and_the_length_a_get_would_have() {
    let response = echo().head("/a");
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.is_empty());
    assert_eq!(
        response.header("content-length"),
        Some("10"),
        "of `HEAD /a []`"
    );
}

#[test]
fn cookies_go_out_in_http_cookie_and_come_back_from_set_cookie() {
    let client = TestClient::new(app_fn(|environ, start_response| {
        start_response(
            &Status::OK,
            &[
                ("Set-Cookie", "theme=light; Path=/"),
                ("Set-Cookie", "session=\"a b\"; HttpOnly; Secure"),
                ("Set-Cookie", "theme=dark"),
            ],
        );
        environ.get("HTTP_COOKIE").unwrap_or("").to_owned()
    }));
    let response = client.send(
        TestRequest::new("GET", "/")
            .cookie("a", "1")
            .cookie("b", "2"),
    );
    assert_eq!(response.text(), "a=1; b=2");
    assert_eq!(response.set_cookies().len(), 3);
    assert_eq!(response.cookie("theme"), Some("dark"), "the last one wins");
    assert_eq!(response.cookie("session"), Some("\"a b\""));
    assert_eq!(response.cookie("missing"), None);
}

#[cfg(feature = "json")]
#[test]
fn json_goes_out_with_its_content_type_and_comes_back_typed() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Note {
        id: u32,
        title: String,
    }
    let client = TestClient::new(app_fn(|environ, start_response| {
        let mut note: Note = environ.json()?;
        note.id += 1;
        Ok::<_, crate::HttpError>(start_response.json(Status::CREATED, &note))
    }));
    let sent = Note {
        id: 1,
        title: "milk".into(),
    };
    let response = client.send(TestRequest::new("POST", "/notes").json(&sent));
    assert_eq!(response.status, Status::CREATED);
    let note: Note = response.json().unwrap();
    assert_eq!(note, Note { id: 2, ..sent });
    assert!(echo().get("/").json::<Note>().is_err());
}
