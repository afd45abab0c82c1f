//! The JSON notes API of `examples/json_api.rs`: every route and every error with
//! `TestClient`, and the same API over a real socket.

mod support;

#[allow(dead_code)]
#[path = "../examples/json_api.rs"]
mod json_api;

use gateway::serde_json::{json, Value};
use gateway::{Status, TestClient, TestRequest, TestResponse};
use json_api::{app, Note};
use support::*;

fn client() -> TestClient<gateway::Router> {
    TestClient::new(app().expect("the example's routes build"))
}

fn create(client: &TestClient<gateway::Router>, note: Value) -> TestResponse {
    client.send(TestRequest::new("POST", "/notes").json(&note))
}

fn note(id: u64, title: &str, text: &str) -> Note {
    Note {
        id,
        title: title.to_owned(),
        text: text.to_owned(),
    }
}

/// The error an answer carries: `{"error": "..."}`.
fn error_of(response: &TestResponse) -> String {
    let body: Value = response.json().expect("a JSON error body");
    body["error"]
        .as_str()
        .expect("an error sentence")
        .to_owned()
}

#[test]
fn the_list_starts_empty() {
    let response = client().get("/notes");
    assert_eq!(response.status, Status::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), "[]");
}

#[test]
fn create_answers_201_with_the_note_and_numbers_from_1() {
    let client = client();
    let created = create(&client, json!({"title": "milk", "text": "two litres"}));
    assert_eq!(created.status, Status::CREATED);
    assert_eq!(
        created.json::<Note>().unwrap(),
        note(1, "milk", "two litres")
    );
    let second = create(&client, json!({"title": "eggs"})); // text is optional
    assert_eq!(second.json::<Note>().unwrap(), note(2, "eggs", ""));
    let all: Vec<Note> = client.get("/notes").json().unwrap();
    assert_eq!(all, [note(1, "milk", "two litres"), note(2, "eggs", "")]);
}

#[test]
fn get_answers_the_note() {
    let client = client();
    create(&client, json!({"title": "milk"}));
    create(&client, json!({"title": "eggs"}));
    let response = client.get("/notes/2");
    assert_eq!(response.status, Status::OK);
    assert_eq!(response.json::<Note>().unwrap(), note(2, "eggs", ""));
}

#[test]
fn q_filters_by_title_or_text_ignoring_case() {
    let client = client();
    create(&client, json!({"title": "Milk", "text": "two litres"}));
    create(
        &client,
        json!({"title": "eggs", "text": "and milk for the cake"}),
    );
    create(&client, json!({"title": "bread"}));
    let found: Vec<Note> = client.get("/notes?q=MILK").json().unwrap();
    assert_eq!(found.iter().map(|n| n.id).collect::<Vec<_>>(), [1, 2]);
    let spaced: Vec<Note> = client.get("/notes?q=two+litres").json().unwrap();
    assert_eq!(spaced.iter().map(|n| n.id).collect::<Vec<_>>(), [1]);
    let none: Vec<Note> = client.get("/notes?q=cheese").json().unwrap();
    assert!(none.is_empty());
    let blank: Vec<Note> = client.get("/notes?q=").json().unwrap();
    assert_eq!(
        blank.len(),
        3,
        "a blank q is no filter, as parse_qs drops it"
    );
}

#[test]
fn delete_answers_204_and_the_note_is_gone() {
    let client = client();
    create(&client, json!({"title": "milk"}));
    create(&client, json!({"title": "eggs"}));
    let deleted = client.delete("/notes/1");
    assert_eq!(deleted.status, Status::NO_CONTENT);
    assert!(deleted.body.is_empty());
    assert_eq!(client.get("/notes/1").status, Status::NOT_FOUND);
    assert_eq!(client.delete("/notes/1").status, Status::NOT_FOUND);
    let left: Vec<Note> = client.get("/notes").json().unwrap();
    assert_eq!(left, [note(2, "eggs", "")]);
    let third = create(&client, json!({"title": "bread"}));
    assert_eq!(third.json::<Note>().unwrap().id, 3, "ids are never reused");
}

#[test]
fn a_missing_note_is_a_json_404() {
    let client = client();
    for (target, message) in [("/notes/7", "no note 7"), ("/notes/abc", "no note \"abc\"")] {
        let response = client.get(target);
        assert_eq!(response.status, Status::NOT_FOUND, "{target}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(error_of(&response), message);
    }
}

#[test]
fn a_path_outside_the_api_is_a_json_404() {
    let response = client().get("/nowhere");
    assert_eq!(response.status, Status::NOT_FOUND);
    assert_eq!(error_of(&response), "no route for /nowhere");
}

#[test]
fn a_wrong_method_is_a_405_with_allow() {
    let response = client().put("/notes/1", "{}");
    assert_eq!(response.status, Status::METHOD_NOT_ALLOWED);
    let allow = response.header("allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("DELETE"), "{allow}");
}

#[test]
fn an_empty_title_is_a_422() {
    let response = create(&client(), json!({"title": "  "}));
    assert_eq!(response.status, Status::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&response), "the title is empty");
}

#[test]
fn json_of_the_wrong_shape_is_a_422() {
    let client = client();
    for body in [
        json!({"title": 7}),
        json!({"text": "no title"}),
        json!("milk"),
    ] {
        let response = create(&client, body.clone());
        assert_eq!(response.status, Status::UNPROCESSABLE_ENTITY, "{body}");
        assert!(error_of(&response).starts_with("the JSON does not have the expected shape"));
    }
    assert_eq!(client.get("/notes").text(), "[]", "nothing was created");
}

#[test]
fn a_body_that_is_not_json_is_a_400_and_a_form_a_415() {
    let client = client();
    let broken = client.send(
        TestRequest::new("POST", "/notes")
            .header("Content-Type", "application/json")
            .body(r#"{"title": "#),
    );
    assert_eq!(broken.status, Status::BAD_REQUEST);
    assert!(error_of(&broken).starts_with("the body is not valid JSON"));
    let form = client.send(
        TestRequest::new("POST", "/notes")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("title=milk"),
    );
    assert_eq!(form.status, Status::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn client_mistakes_are_not_logged() {
    let client = client();
    let responses = [
        client.get("/notes/7"),
        client.get("/nowhere"),
        create(&client, json!({"title": ""})),
        client.post("/notes", "not json"),
    ];
    for response in responses {
        assert!(response.status.is_client_error());
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }
}

#[test]
fn the_api_over_a_real_socket() {
    let server = TestServer::start(app().unwrap());
    let mut post = request("POST", "/notes", r#"{"title": "milk"}"#);
    post.headers_mut().insert(
        "content-type",
        http::HeaderValue::from_static("application/json"),
    );
    let created = send(server.addr, post);
    assert_eq!(created.status, 201);
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(created.text(), r#"{"id":1,"title":"milk","text":""}"#);
    assert_eq!(
        get(server.addr, "/notes?q=mil").text(),
        r#"[{"id":1,"title":"milk","text":""}]"#
    );
    let deleted = send(server.addr, request("DELETE", "/notes/1", ""));
    assert_eq!(deleted.status, 204);
    let gone = get(server.addr, "/notes/1");
    assert_eq!(
        (gone.status, gone.text()),
        (404, r#"{"error":"no note 1"}"#.to_owned())
    );
    assert!(
        server.error_lines().is_empty(),
        "{:?}",
        server.error_lines()
    );
}
