use super::*;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize, PartialEq)]
struct Note {
    title: String,
    done: bool,
}

fn request(content_type: &str, body: &str) -> Environ {
    let builder = Environ::builder()
        .method("POST")
        .header("Content-Length", &body.len().to_string())
        .body(body.to_owned());
    match content_type {
        "" => builder.build(),
        content_type => builder.header("Content-Type", content_type).build(),
    }
}

/// The status and the `error` sentence of a refusal.
fn refused(environ: &Environ) -> (u16, String) {
    let error = environ.json::<Note>().unwrap_err();
    assert_eq!(
        error.headers().collect::<Vec<_>>(),
        [("Content-Type", JSON)]
    );
    let body: Value = serde_json::from_slice(error.body()).unwrap();
    (
        error.status().code(),
        body["error"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn a_json_body_of_the_right_shape_is_read() {
    let note = request("application/json", r#"{"title": "milk", "done": false}"#)
        .json::<Note>()
        .unwrap();
    assert_eq!(
        note,
        Note {
            title: "milk".into(),
            done: false
        }
    );
}

#[test]
fn any_json_media_type_with_any_parameters_is_json() {
    for content_type in [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/problem+json",
        "application/vnd.api+json ; x=y",
    ] {
        assert!(is_json(content_type), "{content_type}");
    }
    for content_type in [
        "",
        "text/json",
        "application/jsonx",
        "application/x-www-form-urlencoded",
        "json",
    ] {
        assert!(!is_json(content_type), "{content_type}");
    }
}

#[test]
fn another_or_no_content_type_is_415() {
    assert_eq!(
        refused(&request("text/plain", "{}")),
        (
            415,
            r#"expected a JSON body with Content-Type: application/json, not "text/plain""#.into()
        )
    );
    assert_eq!(
        refused(&request("", "{}")),
        (
            415,
            "expected a JSON body with Content-Type: application/json".into()
        )
    );
}

#[test]
fn a_body_over_the_limit_is_413_whether_declared_or_read() {
    let body = r#"{"title": "milk", "done": false}"#;
    let declared = request("application/json", body);
    let error = declared.json_limited::<Note>(10).unwrap_err();
    assert_eq!(error.status(), Status::PAYLOAD_TOO_LARGE);
    assert!(error
        .to_string()
        .ends_with(r#"{"error":"the JSON body is larger than the limit of 10 bytes"}"#));
    // No Content-Length (a chunked body): the excess is found as it is read.
    let chunked = Environ::builder()
        .header("Content-Type", "application/json")
        .body(body)
        .build();
    assert_eq!(
        chunked.json_limited::<Note>(10).unwrap_err().status(),
        Status::PAYLOAD_TOO_LARGE
    );
    assert!(
        chunked.json_limited::<Value>(body.len() as u64).is_err(),
        "the body was read"
    );
    let exact = Environ::builder()
        .header("Content-Type", "application/json")
        .body(body)
        .build();
    assert!(exact.json_limited::<Note>(body.len() as u64).is_ok());
}

#[test]
fn a_body_shorter_than_its_content_length_is_400() {
    let cut = Environ::builder()
        .header("Content-Type", "application/json")
        .header("Content-Length", "100")
        .body("{}")
        .build();
    let error = cut.json::<Value>().unwrap_err();
    assert_eq!(error.status(), Status::BAD_REQUEST);
    assert!(error
        .to_string()
        .contains("the body ended after 2 of the 100 bytes Content-Length announced"));
}

#[test]
fn broken_or_empty_json_is_400() {
    for (body, reason) in [
        ("", "EOF while parsing a value at line 1 column 0"),
        (
            r#"{"title": "milk""#,
            "EOF while parsing an object at line 1 column 16",
        ),
        (r#"{"title": milk}"#, "expected value at line 1 column 11"),
        (
            r#"{"title": "milk", "done": true} x"#,
            "trailing characters at line 1 column 33",
        ),
    ] {
        let (status, message) = refused(&request("application/json", body));
        assert_eq!(
            (status, message),
            (400, format!("the body is not valid JSON: {reason}")),
            "{body:?}"
        );
    }
    let latin1 = Environ::builder()
        .header("Content-Type", "application/json")
        .body(&b"\"\xff\""[..])
        .build();
    assert_eq!(
        latin1.json::<Value>().unwrap_err().status(),
        Status::BAD_REQUEST
    );
}

#[test]
fn json_of_the_wrong_shape_is_422() {
    for (body, reason) in [
        (
            r#"{"title": "milk"}"#,
            "missing field `done` at line 1 column 17",
        ),
        (
            r#"{"title": 7, "done": false}"#,
            "invalid type: integer `7`, expected a string at line 1 column 11",
        ),
        (
            r#"[]"#,
            "invalid length 0, expected struct Note with 2 elements at line 1 column 2",
        ),
    ] {
        let (status, message) = refused(&request("application/json", body));
        assert_eq!(
            (status, message),
            (
                422,
                format!("the JSON does not have the expected shape: {reason}")
            ),
            "{body:?}"
        );
    }
}

#[test]
fn a_json_answer_has_its_status_and_content_type() {
    let start_response = StartResponse::new();
    let body: Vec<_> = start_response
        .json(Status::CREATED, &json!({"id": 1}))
        .map(Result::unwrap)
        .collect();
    assert_eq!(body, [r#"{"id":1}"#]);
    let state = start_response.lock();
    let head = state.head.as_ref().unwrap();
    assert_eq!(head.status.as_u16(), 201);
    assert_eq!(head.headers["content-type"], JSON);
}

#[test]
fn a_value_that_is_not_json_is_a_500() {
    let keys_not_strings: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
    let start_response = StartResponse::new();
    let mut body = start_response.json(Status::OK, &keys_not_strings);
    let error = body.next().unwrap().unwrap_err();
    assert_eq!(
        error.to_string(),
        "the application failed: the JSON answer could not be made: key must be a string"
    );
    assert!(
        !start_response.lock().called,
        "nothing was given to start_response"
    );
    let answer = HttpError::json(Status::NOT_FOUND, &keys_not_strings);
    assert_eq!(answer.status(), Status::INTERNAL_SERVER_ERROR);
}
