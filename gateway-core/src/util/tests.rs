//! The cases of CPython's `Lib/test/test_wsgiref.py` (`UtilityTests`), one for one.
use super::*;
use crate::environ::ValueRef;

/// A Python dict: an environ with every key removed, then `kw` set.
fn dict(kw: &[(&'static str, &str)]) -> Environ {
    let mut environ = Environ::builder().build();
    let keys: Vec<String> = environ.keys().iter().map(|k| k.to_string()).collect();
    for key in keys {
        environ.remove(&key);
    }
    for &(key, value) in kw {
        environ.insert(key, value);
    }
    environ
}

/// `setup_testing_defaults(kw)` on a dict of `kw`.
fn testing(kw: &[(&'static str, &str)]) -> Environ {
    let mut environ = dict(kw);
    setup_testing_defaults(&mut environ);
    environ
}

#[track_caller]
fn check_shift(sn_in: &str, pi_in: &str, part: Option<&str>, sn_out: &str, pi_out: &str) {
    let mut environ = testing(&[("SCRIPT_NAME", sn_in), ("PATH_INFO", pi_in)]);
    assert_eq!(shift_path_info(&mut environ).as_deref(), part);
    assert_eq!(&environ["PATH_INFO"], pi_out);
    assert_eq!(&environ["SCRIPT_NAME"], sn_out);
}

#[test]
fn simple_shifts() {
    check_shift("", "/", Some(""), "/", "");
    check_shift("", "/x", Some("x"), "/x", "");
    check_shift("/", "", None, "/", "");
    check_shift("/a", "/x/y", Some("x"), "/a/x", "/y");
    check_shift("/a", "/x/", Some("x"), "/a/x", "/");
}

#[test]
fn normalized_shifts() {
    check_shift("/a/b", "/../y", Some(".."), "/a", "/y");
    check_shift("", "/../y", Some(".."), "", "/y");
    check_shift("/a/b", "//y", Some("y"), "/a/b/y", "");
    check_shift("/a/b", "//y/", Some("y"), "/a/b/y", "/");
    check_shift("/a/b", "/./y", Some("y"), "/a/b/y", "");
    check_shift("/a/b", "/./y/", Some("y"), "/a/b/y", "/");
    check_shift("/a/b", "///./..//y/.//", Some(".."), "/a", "/y/");
    check_shift("/a/b", "///", Some(""), "/a/b/", "");
    check_shift("/a/b", "/.//", Some(""), "/a/b/", "");
    check_shift("/a/b", "/x//", Some("x"), "/a/b/x", "/");
    check_shift("/a/b", "/.", None, "/a/b", "");
}

#[test]
fn a_path_info_without_a_slash_is_left_alone() {
    let mut environ = testing(&[("PATH_INFO", "x")]);
    assert_eq!(shift_path_info(&mut environ), None);
    assert_eq!(environ.path_info(), "x");
}

#[test]
fn defaults() {
    let environ = testing(&[]);
    for (key, value) in [
        ("SERVER_NAME", "127.0.0.1"),
        ("SERVER_PORT", "80"),
        ("SERVER_PROTOCOL", "HTTP/1.0"),
        ("HTTP_HOST", "127.0.0.1"),
        ("REQUEST_METHOD", "GET"),
        ("SCRIPT_NAME", ""),
        ("PATH_INFO", "/"),
        ("wsgi.url_scheme", "http"),
    ] {
        assert_eq!(environ.get(key), Some(value), "{key}");
    }
    let shown = |key| format!("{:?}", environ.value(key).unwrap());
    assert_eq!(shown("wsgi.version"), "(1, 0)");
    for key in ["wsgi.run_once", "wsgi.multithread", "wsgi.multiprocess"] {
        assert!(matches!(environ.value(key), Some(ValueRef::Bool(false))));
    }
    assert!(environ.object::<Input>("wsgi.input").is_some());
    assert!(environ.object::<Errors>("wsgi.errors").is_some());
}

#[test]
fn defaults_keep_existing_values() {
    for key in [
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "HTTP_HOST",
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "wsgi.version",
        "wsgi.run_once",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.input",
        "wsgi.errors",
        "wsgi.url_scheme",
    ] {
        let environ = testing(&[(key, "alt")]);
        assert_eq!(environ.get(key), Some("alt"), "{key}");
    }
}

#[test]
fn cross_defaults() {
    let check = |key, value, kw: &[(&'static str, &str)]| {
        assert_eq!(testing(kw).get(key), Some(value), "{key} for {kw:?}");
    };
    check("HTTP_HOST", "foo.bar", &[("SERVER_NAME", "foo.bar")]);
    check("wsgi.url_scheme", "https", &[("HTTPS", "on")]);
    check("wsgi.url_scheme", "https", &[("HTTPS", "1")]);
    check("wsgi.url_scheme", "https", &[("HTTPS", "yes")]);
    check("wsgi.url_scheme", "http", &[("HTTPS", "foo")]);
    check("SERVER_PORT", "80", &[("HTTPS", "foo")]);
    check("SERVER_PORT", "443", &[("HTTPS", "on")]);
}

#[test]
fn guess_scheme_reads_https() {
    assert_eq!(guess_scheme(&dict(&[])), "http");
    assert_eq!(guess_scheme(&dict(&[("HTTPS", "foo")])), "http");
    assert_eq!(guess_scheme(&dict(&[("HTTPS", "on")])), "https");
    assert_eq!(guess_scheme(&dict(&[("HTTPS", "yes")])), "https");
    assert_eq!(guess_scheme(&dict(&[("HTTPS", "1")])), "https");
}

#[track_caller]
fn check_app_uri(uri: &str, kw: &[(&'static str, &str)]) {
    assert_eq!(application_uri(&testing(kw)), uri);
}

#[test]
fn app_uris() {
    check_app_uri("http://127.0.0.1/", &[]);
    check_app_uri("http://127.0.0.1/spam", &[("SCRIPT_NAME", "/spam")]);
    check_app_uri("http://127.0.0.1/sp%E4m", &[("SCRIPT_NAME", "/sp\u{e4}m")]);
    check_app_uri(
        "http://spam.example.com:2071/",
        &[
            ("HTTP_HOST", "spam.example.com:2071"),
            ("SERVER_PORT", "2071"),
        ],
    );
    check_app_uri(
        "http://spam.example.com/",
        &[("SERVER_NAME", "spam.example.com")],
    );
    check_app_uri(
        "http://127.0.0.1/",
        &[
            ("HTTP_HOST", "127.0.0.1"),
            ("SERVER_NAME", "spam.example.com"),
        ],
    );
    check_app_uri("https://127.0.0.1/", &[("HTTPS", "on")]);
    // Python's HTTP_HOST=None: present but false.
    check_app_uri(
        "http://127.0.0.1:8000/",
        &[("SERVER_PORT", "8000"), ("HTTP_HOST", "")],
    );
}

#[track_caller]
fn check_req_uri(uri: &str, query: bool, kw: &[(&'static str, &str)]) {
    assert_eq!(request_uri(&testing(kw), query), uri);
}

#[test]
fn req_uris() {
    check_req_uri("http://127.0.0.1/", true, &[]);
    check_req_uri("http://127.0.0.1/spam", true, &[("SCRIPT_NAME", "/spam")]);
    check_req_uri(
        "http://127.0.0.1/sp%E4m",
        true,
        &[("SCRIPT_NAME", "/sp\u{e4}m")],
    );
    check_req_uri(
        "http://127.0.0.1/spammity/spam",
        true,
        &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/spam")],
    );
    check_req_uri(
        "http://127.0.0.1/spammity/sp%E4m",
        true,
        &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/sp\u{e4}m")],
    );
    check_req_uri(
        "http://127.0.0.1/spammity/spam;ham",
        true,
        &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/spam;ham")],
    );
    check_req_uri(
        "http://127.0.0.1/spammity/spam;cookie=1234,5678",
        true,
        &[
            ("SCRIPT_NAME", "/spammity"),
            ("PATH_INFO", "/spam;cookie=1234,5678"),
        ],
    );
    check_req_uri(
        "http://127.0.0.1/spammity/spam?say=ni",
        true,
        &[
            ("SCRIPT_NAME", "/spammity"),
            ("PATH_INFO", "/spam"),
            ("QUERY_STRING", "say=ni"),
        ],
    );
    check_req_uri(
        "http://127.0.0.1/spammity/spam?s%E4y=ni",
        true,
        &[
            ("SCRIPT_NAME", "/spammity"),
            ("PATH_INFO", "/spam"),
            ("QUERY_STRING", "s%E4y=ni"),
        ],
    );
    check_req_uri(
        "http://127.0.0.1/spammity/spam",
        false,
        &[
            ("SCRIPT_NAME", "/spammity"),
            ("PATH_INFO", "/spam"),
            ("QUERY_STRING", "say=ni"),
        ],
    );
}

#[test]
fn request_uri_rebuilds_the_url_the_client_sent() {
    for (target, url) in [
        ("/caf%C3%A9?x=1", "http://example.com/caf%C3%A9?x=1"),
        ("/caf%E9", "http://example.com/caf%E9"),
        ("/snow%E2%98%83", "http://example.com/snow%E2%98%83"),
        ("/a%20b/c(d)", "http://example.com/a%20b/c%28d%29"),
        ("/", "http://example.com/"),
    ] {
        let environ = Environ::builder()
            .uri(target)
            .header("Host", "example.com")
            .build();
        assert_eq!(request_uri(&environ, true), url, "{target}");
    }
}

#[test]
fn request_uri_under_a_mount_is_the_same_url() {
    let mut environ = Environ::builder()
        .uri("/api/caf%C3%A9/7?q")
        .header("Host", "example.com")
        .build();
    let before = request_uri(&environ, true);
    environ.insert("SCRIPT_NAME", "/api");
    environ.insert("PATH_INFO", "/café/7");
    assert_eq!(request_uri(&environ, true), before);
    assert_eq!(before, "http://example.com/api/caf%C3%A9/7?q");
    assert_eq!(application_uri(&environ), "http://example.com/api");
    environ.insert("SCRIPT_NAME", "/api/café/7");
    environ.insert("PATH_INFO", "");
    assert_eq!(request_uri(&environ, true), before);
}

#[test]
fn request_path_is_utf8_pins() {
    for (target, utf8) in [
        ("/plain", false),
        ("/caf%C3%A9", true),
        ("/caf%E9", false),
        ("/a%20b", false),
        ("/100%", false),
    ] {
        let environ = Environ::builder().uri(target).build();
        assert_eq!(request_path_is_utf8(&environ), utf8, "{target}");
    }
}

#[test]
fn normpath_is_posixpath_normpath() {
    for (path, normal) in [
        ("", "."),
        ("/", "/"),
        ("//", "//"),
        ("///", "/"),
        ("//a/../b", "//b"),
        ("a/./b/../../..", ".."),
        ("/../a", "/a"),
        ("a//b/", "a/b"),
    ] {
        assert_eq!(normpath(path), normal, "{path}");
    }
}
