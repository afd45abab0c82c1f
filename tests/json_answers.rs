//! A small JSON API over a real socket, written with the facade and `serde` alone (the
//! `json` feature is on by default): `Status`, `HttpError` with `?`, `app_fn`,
//! `environ.json()` and `start_response.json(..)`.

mod support;

use gateway::serde_json::json;
use gateway::{app_fn, HttpError, Status};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use support::*;

#[derive(Deserialize)]
struct NewNote {
    title: String,
}

#[derive(Serialize, Clone)]
struct Note {
    id: usize,
    title: String,
}

fn notes_api() -> impl gateway::Application {
    let notes = Arc::new(Mutex::new(Vec::<Note>::new()));
    app_fn(move |environ, start_response| {
        let mut notes = notes.lock().unwrap_or_else(|poison| poison.into_inner());
        match (environ.method().as_str(), environ.path_info()) {
            ("POST", "/notes") => {
                let new: NewNote = environ.json()?;
                if new.title.is_empty() {
                    return Err(HttpError::json(
                        Status::UNPROCESSABLE_ENTITY,
                        &json!({"error": "the title is empty"}),
                    ));
                }
                let note = Note {
                    id: notes.len() + 1,
                    title: new.title,
                };
                notes.push(note.clone());
                Ok(start_response.json(Status::CREATED, &note))
            }
            ("GET", "/notes") => Ok(start_response.json(Status::OK, &*notes)),
            ("GET", "/down") => Err(HttpError::new(Status::SERVICE_UNAVAILABLE, "maintenance")),
            (_, path) => Err(HttpError::not_found(format!("no route for {path}"))),
        }
    })
}

fn post_json(server: &TestServer, body: &str) -> Reply {
    let mut request = request("POST", "/notes", body.to_owned());
    request.headers_mut().insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    send(server.addr, request)
}

#[test]
fn a_json_api_answers_201_400_404_415_and_422() {
    let server = TestServer::start(notes_api());
    let created = post_json(&server, r#"{"title": "milk"}"#);
    assert_eq!(created.status, 201);
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(created.text(), r#"{"id":1,"title":"milk"}"#);
    assert_eq!(
        get(server.addr, "/notes").text(),
        r#"[{"id":1,"title":"milk"}]"#
    );

    let broken = post_json(&server, r#"{"title": "#);
    assert_eq!(broken.status, 400);
    assert!(broken
        .text()
        .starts_with(r#"{"error":"the body is not valid JSON: "#));
    assert_eq!(post_json(&server, r#"{"title": 7}"#).status, 422);
    assert_eq!(post_json(&server, r#"{"title": ""}"#).status, 422);
    let form = send(server.addr, request("POST", "/notes", "title=milk"));
    assert_eq!(form.status, 415);
    let missing = get(server.addr, "/nowhere");
    assert_eq!(
        (missing.status, missing.text()),
        (404, "no route for /nowhere".to_owned())
    );
    assert!(
        server.error_lines().is_empty(),
        "4xx answers are not logged"
    );
}

#[test]
fn a_5xx_answer_is_sent_and_logged() {
    let server = TestServer::start(notes_api());
    let down = get(server.addr, "/down");
    assert_eq!((down.status, down.text()), (503, "maintenance".to_owned()));
    server.wait_for_error("the application answered 503 Service Unavailable: maintenance");
}
