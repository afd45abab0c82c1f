//! Expected fields come from CPython 3.11.7's `cgi.FieldStorage(fp=io.BytesIO(body),
//! environ={'REQUEST_METHOD': 'POST', 'CONTENT_TYPE': ..., 'CONTENT_LENGTH': ...},
//! keep_blank_values=...)`, listed as `[(f.name, f.value) for f in fs.list]`.

use super::*;

const URLENCODED: &str = "application/x-www-form-urlencoded";

fn request(content_type: &str, body: &'static [u8]) -> Environ {
    Environ::builder()
        .method("POST")
        .header("Content-Type", content_type)
        .header("Content-Length", &body.len().to_string())
        .body(body)
        .build()
}

fn fields(form: &Form) -> Vec<(&str, &str)> {
    form.fields()
        .iter()
        .flat_map(|(name, values)| values.iter().map(move |value| (name, value.as_str())))
        .collect()
}

#[test]
fn urlencoded_fields_are_read_as_cgi_read_them() {
    // [('title', 'Hello world'), ('tag', 'a'), ('tag', 'b'), ('empty', ''), ('café', '\ufffd')]
    let body = b"title=Hello+world&tag=a&tag=b&empty=&caf%C3%A9=%E9";
    let form = request(URLENCODED, body).form().unwrap();
    let expected = [
        ("title", "Hello world"),
        ("tag", "a"),
        ("tag", "b"),
        ("empty", ""),
        ("café", "\u{FFFD}"),
    ];
    assert_eq!(fields(&form), expected);
    assert!(form.files().is_empty());
}

#[test]
fn blank_values_can_be_dropped_as_cgi_does_by_default() {
    // keep_blank_values=False: the same without ('empty', '')
    let options = FormOptions {
        keep_blank_values: false,
        ..Default::default()
    };
    let body = b"title=Hello+world&empty=";
    let form = request(URLENCODED, body).form_with(&options).unwrap();
    assert_eq!(fields(&form), [("title", "Hello world")]);
}

#[test]
fn a_body_that_is_not_utf8_reads_with_replacement_characters() {
    // body 'name=caf\xe9&x=\xff' -> [('name', 'caf\ufffd'), ('x', '\ufffd')]
    let form = request(URLENCODED, b"name=caf\xe9&x=\xff").form().unwrap();
    assert_eq!(fields(&form), [("name", "caf\u{FFFD}"), ("x", "\u{FFFD}")]);
}

#[test]
fn only_content_length_bytes_are_read() {
    // CONTENT_LENGTH 3 of 'a=1&b=2' -> [('a', '1')]
    let environ = Environ::builder()
        .method("POST")
        .header("Content-Type", URLENCODED)
        .header("Content-Length", "3")
        .body("a=1&b=2")
        .build();
    assert_eq!(fields(&environ.form().unwrap()), [("a", "1")]);
}

#[test]
fn a_body_without_length_is_read_to_its_end() {
    let environ = Environ::builder()
        .method("POST")
        .header(
            "Content-Type",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
        )
        .body("a=1&b=2")
        .build();
    assert_eq!(fields(&environ.form().unwrap()), [("a", "1"), ("b", "2")]);
}

#[test]
fn too_many_fields_is_413() {
    // max_num_fields=2: 'a=1&b=2&c=3' raises ValueError, 'a=1&b=2' does not
    let options = FormOptions {
        max_fields: 2,
        ..Default::default()
    };
    let error = request(URLENCODED, b"a=1&b=2&c=3")
        .form_with(&options)
        .unwrap_err();
    assert!(matches!(error, FormError::TooManyFields { limit: 2 }));
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(request(URLENCODED, b"a=1&b=2").form_with(&options).is_ok());
}

#[test]
fn a_declared_length_over_the_limit_is_413_before_reading() {
    let options = FormOptions {
        max_bytes: 4,
        ..Default::default()
    };
    let error = request(URLENCODED, b"a=12345")
        .form_with(&options)
        .unwrap_err();
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        error.to_string(),
        "the form body is larger than the limit of 4 bytes"
    );
}

#[test]
fn a_body_without_length_over_the_limit_is_413() {
    let options = FormOptions {
        max_bytes: 4,
        ..Default::default()
    };
    let environ = Environ::builder()
        .method("POST")
        .header("Content-Type", URLENCODED)
        .body("a=12345")
        .build();
    let error = environ.form_with(&options).unwrap_err();
    assert!(matches!(error, FormError::TooLarge { limit: 4 }));
    let exactly = Environ::builder()
        .header("Content-Type", URLENCODED)
        .body("a=12")
        .build();
    assert!(exactly.form_with(&options).is_ok());
}

#[test]
fn a_body_shorter_than_its_length_is_400() {
    let environ = Environ::builder()
        .method("POST")
        .header("Content-Type", URLENCODED)
        .header("Content-Length", "10")
        .body("a=1")
        .build();
    let error = environ.form().unwrap_err();
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error.to_string(),
        "the body ended after 3 of the 10 bytes CONTENT_LENGTH announced"
    );
}

#[test]
fn another_media_type_is_415() {
    for content_type in ["application/json", "text/plain"] {
        let error = request(content_type, b"{}").form().unwrap_err();
        assert_eq!(
            error.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
    let error = Environ::builder()
        .method("POST")
        .build()
        .form()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "expected a form (application/x-www-form-urlencoded or multipart/form-data), but \
         CONTENT_TYPE is \"\""
    );
}

#[test]
fn a_charset_other_than_utf8_is_415() {
    let content_type = "application/x-www-form-urlencoded; charset=ISO-8859-1";
    let error = request(content_type, b"a=%E9").form().unwrap_err();
    assert!(matches!(&error, FormError::UnsupportedCharset { charset } if charset == "ISO-8859-1"));
    assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let ascii = "application/x-www-form-urlencoded; charset=us-ascii";
    assert!(request(ascii, b"a=1").form().is_ok());
}

#[test]
fn an_unreadable_body_is_400_and_keeps_its_cause() {
    use crate::host::{Connection, Input, InputSource};
    use std::error::Error as _;
    struct Broken;
    impl InputSource for Broken {
        fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
            Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))
        }
    }
    let (head, ()) = http::Request::post("/")
        .header("Content-Type", URLENCODED)
        .body(())
        .unwrap()
        .into_parts();
    let connection = std::sync::Arc::new(Connection::new(None, None));
    let environ = Environ::new(head, connection, Input::from_source(Broken));
    let error = environ.form().unwrap_err();
    assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error.to_string(),
        "the form body could not be read: bad chunk size"
    );
    assert!(error.source().is_some());
}
