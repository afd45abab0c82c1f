//! Expected parts come from CPython 3.11.7's `cgi.FieldStorage(fp=io.BytesIO(body),
//! environ={'REQUEST_METHOD': 'POST', 'CONTENT_TYPE': 'multipart/form-data;
//! boundary=XyZ', 'CONTENT_LENGTH': str(len(body))})`, listed as
//! `[(f.name, f.filename, f.type, f.value) for f in fs.list]`, some from its own
//! `Lib/test/test_cgi.py`.

use super::*;
use crate::Environ;
use http::StatusCode;

fn form_of(body: &'static [u8]) -> Result<Form, FormError> {
    form_with_boundary("XyZ", body, &FormOptions::default())
}

fn form_with_boundary(
    boundary: &str,
    body: &'static [u8],
    options: &FormOptions,
) -> Result<Form, FormError> {
    Environ::builder()
        .method("POST")
        .header(
            "Content-Type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Content-Length", &body.len().to_string())
        .body(body)
        .build()
        .form_with(options)
}

fn fields(form: &Form) -> Vec<(&str, &str)> {
    form.fields()
        .iter()
        .flat_map(|(name, values)| values.iter().map(move |value| (name, value.as_str())))
        .collect()
}

fn file(name: &str, filename: &str, content_type: &str, data: &'static [u8]) -> FormFile {
    FormFile {
        name: name.into(),
        filename: filename.into(),
        content_type: content_type.into(),
        data: Bytes::from_static(data),
    }
}

#[test]
fn fields_and_files() {
    // [('title', None, 'text/plain', 'Hello'),
    //  ('upload', 'a.txt', 'text/plain', b'line1\r\nline2\r\n')]
    let form = form_of(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n\
          --XyZ\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n\
          Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n\r\n--XyZ--\r\n",
    )
    .unwrap();
    assert_eq!(fields(&form), [("title", "Hello")]);
    assert_eq!(
        form.files(),
        [file("upload", "a.txt", "text/plain", b"line1\r\nline2\r\n")]
    );
    assert_eq!(
        form.file("upload").map(|f| &f.data[..]),
        Some(&b"line1\r\nline2\r\n"[..])
    );
}

#[test]
fn cpython_test_fieldstorage_multipart() {
    // test_cgi.py's POSTDATA (LF line ends), with and without leading whitespace:
    // id '1234', title '', file 'test.txt' b'Testing 123.\n', submit ' Add '
    const POSTDATA: &[u8] = b"-----------------------------721837373350705526688164684\n\
Content-Disposition: form-data; name=\"id\"\n\n1234\n\
-----------------------------721837373350705526688164684\n\
Content-Disposition: form-data; name=\"title\"\n\n\n\
-----------------------------721837373350705526688164684\n\
Content-Disposition: form-data; name=\"file\"; filename=\"test.txt\"\n\
Content-Type: text/plain\n\nTesting 123.\n\n\
-----------------------------721837373350705526688164684\n\
Content-Disposition: form-data; name=\"submit\"\n\n Add \n\
-----------------------------721837373350705526688164684--\n";
    const LEADING: &[u8] = b"\r\n-----------------------------721837373350705526688164684\n\
Content-Disposition: form-data; name=\"id\"\n\n1234\n\
-----------------------------721837373350705526688164684--\n";
    let boundary = "---------------------------721837373350705526688164684";
    let form = form_with_boundary(boundary, POSTDATA, &FormOptions::default()).unwrap();
    assert_eq!(
        fields(&form),
        [("id", "1234"), ("title", ""), ("submit", " Add ")]
    );
    assert_eq!(
        form.files(),
        [file("file", "test.txt", "text/plain", b"Testing 123.\n")]
    );
    let form = form_with_boundary(boundary, LEADING, &FormOptions::default()).unwrap();
    assert_eq!(fields(&form), [("id", "1234")]);
}

#[test]
fn empty_fields_and_repeated_names_are_kept() {
    // [('a', None, 'text/plain', ''), ('b', None, 'text/plain', 'x')], even with
    // keep_blank_values=False; repeated names: [('t', ..., '1'), ('t', ..., '2')]
    let form = form_of(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n\
          --XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nx\r\n\
          --XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\ny\r\n--XyZ--",
    )
    .unwrap();
    assert_eq!(fields(&form), [("a", ""), ("b", "x"), ("b", "y")]);
}

#[test]
fn a_file_input_left_empty_is_a_file_with_an_empty_name() {
    // [('f', '', 'application/octet-stream', b'')]
    let form = form_of(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\
          Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n",
    )
    .unwrap();
    assert_eq!(
        form.files(),
        [file("f", "", "application/octet-stream", b"")]
    );
}

#[test]
fn a_part_without_content_type_is_text_plain_and_bytes_stay_bytes() {
    // [('f', 'x.bin', 'text/plain', b'\x00\xff')]
    let form = form_of(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n\
          \x00\xff\r\n--XyZ--\r\n",
    )
    .unwrap();
    assert_eq!(
        form.files(),
        [file("f", "x.bin", "text/plain", b"\x00\xff")]
    );
}

#[test]
fn text_is_utf8_with_replacement_characters() {
    // [('t', None, 'text/plain', 'caf\ufffd')];
    // utf-8 names: [('café', 'résumé.pdf', 'application/pdf', b'%PDF')]
    let form = form_of(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\ncaf\xe9\r\n\
          --XyZ\r\nContent-Disposition: form-data; name=\"caf\xc3\xa9\"; \
          filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\
          %PDF\r\n--XyZ--\r\n",
    )
    .unwrap();
    assert_eq!(fields(&form), [("t", "caf\u{FFFD}")]);
    assert_eq!(
        form.files(),
        [file("café", "résumé.pdf", "application/pdf", b"%PDF")]
    );
}

#[test]
fn preamble_epilogue_padding_and_header_case() {
    // each gives [('t', None, 'text/plain', 'v')]
    let bodies: [&'static [u8]; 3] = [
        b"This is the preamble.\r\n--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n\
          v\r\n--XyZ--\r\nepilogue here\r\n",
        b"--XyZ  \r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nv\r\n--XyZ--\r\n",
        b"--XyZ\r\ncontent-disposition: form-data; name=\"t\"\r\n\
          CONTENT-TYPE: text/plain; charset=utf-8\r\n\r\nv\r\n--XyZ--\r\n",
    ];
    for body in bodies {
        assert_eq!(fields(&form_of(body).unwrap()), [("t", "v")]);
    }
}

#[test]
fn folded_headers_and_mixed_line_ends() {
    // folded: [('folded', None, 'text/plain', 'v')];
    // mixed: [('a', None, 'text/plain', 'one'), ('b', None, 'text/plain', 'two')]
    let folded =
        b"--XyZ\r\nContent-Disposition: form-data;\r\n name=\"folded\"\r\n\r\nv\r\n--XyZ--\r\n";
    assert_eq!(fields(&form_of(folded).unwrap()), [("folded", "v")]);
    let mixed = b"--XyZ\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n\
          --XyZ\r\nContent-Disposition: form-data; name=\"b\"\n\ntwo\n--XyZ--";
    assert_eq!(
        fields(&form_of(mixed).unwrap()),
        [("a", "one"), ("b", "two")]
    );
}

#[test]
fn the_boundary_inside_data_is_data() {
    // [('t', None, 'text/plain', 'a--XyZ b\r\n--XyZx')]
    let form = form_of(
        b"--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\na--XyZ b\r\n--XyZx\r\n--XyZ--\r\n",
    )
    .unwrap();
    assert_eq!(fields(&form), [("t", "a--XyZ b\r\n--XyZx")]);
}

#[test]
fn a_quoted_boundary_and_an_empty_form() {
    // boundary="a b": [('t', None, 'text/plain', 'v')]; b'--XyZ--\r\n': []
    let options = FormOptions::default();
    let body = b"--a b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nv\r\n--a b--\r\n";
    let form = form_with_boundary("\"a b\"", body, &options).unwrap();
    assert_eq!(fields(&form), [("t", "v")]);
    assert_eq!(form_of(b"--XyZ--\r\n").unwrap(), Form::default());
}

fn problem(result: Result<Form, FormError>) -> String {
    match result {
        Err(error @ FormError::Malformed { .. }) => {
            assert_eq!(error.status(), StatusCode::BAD_REQUEST);
            error.to_string()
        }
        other => panic!("expected a malformed body, got {other:?}"),
    }
}

#[test]
fn a_body_cut_short_is_refused_where_cgi_would_guess() {
    // cgi returns [('t', None, 'text/plain', 'v')] for a body without its close delimiter;
    // an upload cut short must not pass for a whole one.
    let cut = b"--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nv\r\n";
    assert_eq!(
        problem(form_of(cut)),
        "the form body is malformed: the body ends before its closing boundary"
    );
    let in_head = b"--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n";
    assert!(problem(form_of(in_head)).ends_with("the body ends inside a part's headers"));
}

#[test]
fn a_part_without_a_name_is_refused() {
    // cgi gives it the name None; a form field needs one
    let body = b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--\r\n";
    assert!(problem(form_of(body)).contains("a part has no name"));
    let no_headers = b"--XyZ\r\n\r\nv\r\n--XyZ--\r\n";
    assert!(problem(form_of(no_headers)).contains("a part has no name"));
}

#[test]
fn a_body_without_its_boundary_or_with_a_bad_boundary_is_refused() {
    assert!(problem(form_of(b"just text")).contains("does not hold the boundary \"XyZ\""));
    let options = FormOptions::default();
    assert!(problem(form_with_boundary("ends-in-space ", b"", &options)).contains("boundary"));
    let none = Environ::builder()
        .header("Content-Type", "multipart/form-data")
        .build()
        .form();
    assert_eq!(
        problem(none),
        "the form body is malformed: CONTENT_TYPE gives no boundary"
    );
}

#[test]
fn a_header_line_without_colon_is_refused() {
    let body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\nnonsense\r\n\r\nv\r\n--XyZ--";
    let text = problem(form_of(body));
    assert!(text.contains("\"nonsense\" has no colon"), "{text}");
}

#[test]
fn part_headers_are_bounded() {
    let mut body = b"--XyZ\r\nX-Long: ".to_vec();
    body.extend(std::iter::repeat_n(b'a', MAX_PART_HEAD_BYTES));
    body.extend_from_slice(b"\r\n\r\nv\r\n--XyZ--\r\n");
    let body: &'static [u8] = body.leak();
    assert!(problem(form_of(body)).contains("longer than 8192 bytes"));
}

#[test]
fn parts_count_against_max_fields() {
    let options = FormOptions {
        max_fields: 1,
        ..Default::default()
    };
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
          --XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n2\r\n--XyZ--";
    let error = form_with_boundary("XyZ", body, &options).unwrap_err();
    assert!(matches!(error, FormError::TooManyFields { limit: 1 }));
    assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
