use super::*;
use std::io::Read;

fn request(uri: &str) -> EnvironBuilder {
    Environ::builder().uri(uri)
}

#[test]
fn every_pep_3333_key_is_present() {
    let environ = request("/x?a=1")
        .remote_addr("10.1.2.3:4567".parse().unwrap())
        .build();
    for key in CGI_KEYS.iter().chain(WSGI_KEYS.iter()) {
        assert!(environ.contains_key(key), "{key} missing");
    }
    assert_eq!(environ["REMOTE_ADDR"], *"10.1.2.3");
    assert_eq!(environ["REMOTE_PORT"], *"4567");
    assert_eq!(environ["QUERY_STRING"], *"a=1");
    assert_eq!(environ["SERVER_PROTOCOL"], *"HTTP/1.1");
}

#[test]
fn path_info_is_percent_decoded() {
    let environ = request("/caf%C3%A9/a%20b").build();
    assert_eq!(environ.path_info(), "/café/a b");
    assert_eq!(environ.path_info_bytes(), "/café/a b".as_bytes());
}

#[test]
fn non_utf8_path_bytes_are_kept_and_shown_as_latin1() {
    let environ = request("/caf%E9").build();
    assert_eq!(environ.path_info(), "/café");
    assert_eq!(environ.path_info_bytes(), b"/caf\xE9");
    let environ = request("/%FF").build();
    assert_eq!(&environ["PATH_INFO"], "/\u{FF}");
    assert_eq!(environ.path_info_bytes(), b"/\xFF");
}

#[test]
fn headers_become_http_keys() {
    let environ = request("/")
        .header("User-Agent", "test/1")
        .header("X-Many", "a")
        .header("X-Many", "b")
        .header("Cookie", "a=1")
        .header("Cookie", "b=2")
        .build();
    assert_eq!(environ.get("HTTP_USER_AGENT"), Some("test/1"));
    assert_eq!(environ.get("HTTP_X_MANY"), Some("a,b"));
    assert_eq!(environ.get("HTTP_COOKIE"), Some("a=1; b=2"));
}

#[test]
fn content_headers_are_not_duplicated_as_http_keys() {
    let environ = request("/")
        .header("Content-Type", "text/plain")
        .header("Content-Length", "3")
        .build();
    assert_eq!(environ.get("CONTENT_TYPE"), Some("text/plain"));
    assert_eq!(environ.content_length(), Some(3));
    assert_eq!(environ.get("HTTP_CONTENT_TYPE"), None);
    assert_eq!(environ.get("HTTP_CONTENT_LENGTH"), None);
    assert!(environ
        .keys()
        .iter()
        .all(|k| !k.starts_with("HTTP_CONTENT")));
}

#[test]
fn underscore_headers_cannot_pose_as_dash_headers() {
    let environ = request("/").header("X_User", "mallory").build();
    assert_eq!(environ.get("HTTP_X_USER"), None);
    assert!(!environ.keys().iter().any(|k| k == "HTTP_X_USER"));
}

#[test]
fn non_utf8_header_values_use_the_latin1_rule() {
    let head = http::Request::builder()
        .header("X-Name", http::HeaderValue::from_bytes(b"caf\xE9").unwrap())
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let environ = Environ::new(head, Arc::new(Connection::new(None, None)), Input::empty());
    assert_eq!(environ.get("HTTP_X_NAME"), Some("café"));
}

#[test]
fn server_name_and_port_come_from_host() {
    let environ = request("/").header("Host", "example.com:8080").build();
    assert_eq!(
        (&environ["SERVER_NAME"], &environ["SERVER_PORT"]),
        ("example.com", "8080")
    );
    let environ = request("/").header("Host", "example.com:abc").build();
    assert_eq!(
        &environ["SERVER_PORT"], "80",
        "a Host port that is not a number is ignored"
    );
    let environ = request("/").header("Host", "[::1]").build();
    assert_eq!(
        (&environ["SERVER_NAME"], &environ["SERVER_PORT"]),
        ("[::1]", "80")
    );
    let environ = request("/").build();
    assert_eq!(
        (&environ["SERVER_NAME"], &environ["SERVER_PORT"]),
        ("127.0.0.1", "80")
    );
}

#[test]
fn middleware_can_insert_overwrite_and_remove_keys() {
    let mut environ = request("/app/x").build();
    environ.insert("SCRIPT_NAME", "/app");
    environ.insert("PATH_INFO", "/x");
    environ.insert("myapp.user", "alice");
    environ.insert_object("myapp.ids", vec![1, 2]);
    environ.remove("QUERY_STRING");
    assert_eq!((environ.script_name(), environ.path_info()), ("/app", "/x"));
    assert_eq!(environ.get("myapp.user"), Some("alice"));
    assert_eq!(environ.object::<Vec<i32>>("myapp.ids"), Some(&vec![1, 2]));
    assert!(!environ.contains_key("QUERY_STRING"));
    let keys = environ.keys();
    assert_eq!(keys.iter().filter(|k| *k == "PATH_INFO").count(), 1);
    assert!(keys.iter().any(|k| k == "myapp.user"));
}

#[test]
fn inserted_lists_what_was_set_or_removed_in_order() {
    let mut environ = request("/app/x").build();
    assert_eq!(environ.inserted().count(), 0);
    environ.insert("HTTPS", "on");
    environ.insert("wsgi.run_once", true);
    environ.remove("QUERY_STRING");
    environ.insert("HTTPS", "off");
    let inserted: Vec<(&str, Option<String>)> = environ
        .inserted()
        .map(|(key, value)| (key, value.map(|value| format!("{value:?}"))))
        .collect();
    assert_eq!(
        inserted,
        [
            ("HTTPS", Some("'off'".to_owned())),
            ("wsgi.run_once", Some("True".to_owned())),
            ("QUERY_STRING", None),
        ]
    );
}

#[test]
fn debug_prints_like_the_python_dict() {
    let environ = request("/it's").build();
    let text = format!("{environ:?}");
    // Python quotes a string holding `'` (and no `"`) with `"`.
    assert!(
        text.starts_with("{'REQUEST_METHOD': 'GET', 'SCRIPT_NAME': '', 'PATH_INFO': \"/it's\""),
        "{text}"
    );
    assert!(text.contains("'wsgi.version': (1, 0)"));
    assert!(text.contains("'wsgi.input': <wsgi.input>"));
    assert!(text.contains("'wsgi.run_once': False"));
    assert!(text.ends_with("'wsgi.input_terminated': True}"));
}

#[test]
fn input_reads_the_body() {
    let environ = request("/").body("payload").build();
    let mut body = String::new();
    environ.input().read_to_string(&mut body).unwrap();
    assert_eq!(body, "payload");
}

#[test]
#[should_panic(expected = "environ has no text key \"HTTP_MISSING\"")]
fn indexing_a_missing_key_panics_like_key_error() {
    let _ = &request("/").build()["HTTP_MISSING"];
}
