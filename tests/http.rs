//! End-to-end: the HTTP side of the contract, over real sockets.

mod support;

#[allow(dead_code)]
#[path = "../examples/hello.rs"]
mod hello;

use gateway::{Body, Environ, StartResponse};
use std::io::{Read, Write};
use support::*;

#[test]
fn hello_greets_the_web_at_the_root() {
    let server = TestServer::start(hello::application);
    let reply = get(server.addr, "/");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert_eq!(reply.text(), "<h1>Hello, Web!</h1>");
}

#[test]
fn hello_greets_the_name_in_the_path() {
    let server = TestServer::start(hello::application);
    assert_eq!(get(server.addr, "/Alice").text(), "<h1>Hello, Alice!</h1>");
}

#[test]
fn hello_escapes_html_in_the_name() {
    let server = TestServer::start(hello::application);
    // What a browser sends for `/<script>`; PATH_INFO is decoded back to `/<script>`.
    assert_eq!(
        get(server.addr, "/%3Cscript%3E").text(),
        "<h1>Hello, &lt;script&gt;!</h1>"
    );
}

/// Answers with every environ key as `KEY=value` lines, and the body it read.
fn environ_dump(environ: &Environ, start_response: StartResponse) -> String {
    let mut body = String::new();
    environ.input().read_to_string(&mut body).unwrap();
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    let mut dump: String = environ
        .iter()
        .map(|(key, value)| format!("{key}={}\n", value_text(value)))
        .collect();
    dump.push_str(&format!("body={body}\n"));
    dump
}

fn value_text(value: gateway::ValueRef<'_>) -> String {
    match value.as_str() {
        Some(text) => text.to_owned(),
        None => format!("{value:?}"),
    }
}

fn lines(text: &str) -> std::collections::HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn every_environ_key_reaches_the_application() {
    let server = TestServer::start(environ_dump);
    let request = http::Request::builder()
        .method("POST")
        .uri("/some/path?a=1&b=two")
        .header("Host", "example.test:8123")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("User-Agent", "gateway-tests")
        .header("X-Repeated", "one")
        .header("X-Repeated", "two")
        .header("Cookie", "a=1")
        .header("Cookie", "b=2")
        .body(http_body_util::Full::new(bytes::Bytes::from("x=1&y=2")))
        .unwrap();
    let reply = send(server.addr, request);
    let env = lines(&reply.text());
    let expect = [
        ("REQUEST_METHOD", "POST"),
        ("SCRIPT_NAME", ""),
        ("PATH_INFO", "/some/path"),
        ("QUERY_STRING", "a=1&b=two"),
        ("CONTENT_TYPE", "application/x-www-form-urlencoded"),
        ("CONTENT_LENGTH", "7"),
        ("SERVER_NAME", "example.test"),
        ("SERVER_PORT", "8123"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("REMOTE_ADDR", "127.0.0.1"),
        ("HTTP_HOST", "example.test:8123"),
        ("HTTP_USER_AGENT", "gateway-tests"),
        ("HTTP_X_REPEATED", "one,two"),
        ("HTTP_COOKIE", "a=1; b=2"),
        ("wsgi.version", "(1, 0)"),
        ("wsgi.url_scheme", "http"),
        ("wsgi.input", "<wsgi.input>"),
        ("wsgi.errors", "<wsgi.errors>"),
        ("wsgi.multithread", "True"),
        ("wsgi.multiprocess", "False"),
        ("wsgi.run_once", "False"),
        ("wsgi.input_terminated", "True"),
        ("body", "x=1&y=2"),
    ];
    for (key, value) in expect {
        assert_eq!(
            env.get(key).map(String::as_str),
            Some(value),
            "{key} in {env:?}"
        );
    }
    assert!(env["REMOTE_PORT"].parse::<u16>().unwrap() > 0);
    assert!(env["SERVER_SOFTWARE"].starts_with("gateway/"));
    assert!(!env.contains_key("HTTP_CONTENT_TYPE") && !env.contains_key("HTTP_CONTENT_LENGTH"));
}

#[test]
fn a_non_utf8_path_reaches_the_application_without_loss() {
    let server = TestServer::start(|environ: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[]);
        format!("{}|{:?}", environ.path_info(), environ.path_info_bytes())
    });
    assert_eq!(
        get(server.addr, "/caf%E9").text(),
        "/café|[47, 99, 97, 102, 233]"
    );
    assert_eq!(get(server.addr, "/%FF").text(), "/\u{FF}|[47, 255]");
    assert_eq!(
        get(server.addr, "/caf%C3%A9").text(),
        "/café|[47, 99, 97, 102, 195, 169]"
    );
}

fn echo(environ: &Environ, start_response: StartResponse) -> Vec<u8> {
    let mut body = Vec::new();
    environ.input().read_to_end(&mut body).unwrap();
    start_response("200 OK", &[("Content-Type", "application/octet-stream")]);
    body
}

#[test]
fn a_chunked_request_body_reads_to_its_end() {
    let server = TestServer::start(echo);
    let text = raw(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("\r\n\r\nhello, world"), "{text}");
}

#[test]
fn expect_100_continue_is_answered_when_the_app_reads_its_input() {
    let server = TestServer::start(echo);
    let mut stream = raw_connect(server.addr);
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut interim = [0; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"ping").unwrap();
    let rest = read_until_close(&mut stream);
    assert!(
        rest.starts_with("HTTP/1.1 200") && rest.ends_with("ping"),
        "{rest}"
    );
}

#[test]
fn head_sends_the_headers_only() {
    let server = TestServer::start(|_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        "twelve bytes"
    });
    let text = raw(
        server.addr,
        b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("content-length: 12"),
        "{text}"
    );
    assert!(
        text.ends_with("\r\n\r\n"),
        "a HEAD response has no body: {text}"
    );
}

#[test]
fn date_and_server_headers_are_added() {
    let server = TestServer::start(hello::application);
    let reply = get(server.addr, "/");
    assert!(reply.header("date").is_some());
    assert!(reply.header("server").unwrap().starts_with("gateway/"));
}

#[test]
fn one_chunk_gets_a_content_length_and_many_go_out_chunked() {
    let server = TestServer::start(|environ: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[]);
        if environ.path_info() == "/one" {
            Body::from_iter(["only"])
        } else {
            Body::from_iter(["first ", "second"])
        }
    });
    let one = raw(
        server.addr,
        b"GET /one HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        one.to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
            || one.contains("\r\n\r\nonly"),
        "{one}"
    );
    let many = raw(
        server.addr,
        b"GET /many HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        many.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{many}"
    );
    assert!(
        many.ends_with("6\r\nfirst \r\n6\r\nsecond\r\n0\r\n\r\n"),
        "{many}"
    );
    let vec_of_one = TestServer::start(hello::application);
    assert_eq!(
        get(vec_of_one.addr, "/").header("content-length"),
        Some("20")
    );
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = TestServer::start(hello::application);
    let mut stream = raw_connect(server.addr);
    for name in ["Ann", "Bob"] {
        write!(stream, "GET /{name} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let expected = format!("<h1>Hello, {name}!</h1>");
        let mut received = Vec::new();
        let mut buffer = [0; 1024];
        while !String::from_utf8_lossy(&received).ends_with(&expected) {
            let n = stream.read(&mut buffer).unwrap();
            assert!(
                n > 0,
                "connection closed after {:?}",
                String::from_utf8_lossy(&received)
            );
            received.extend_from_slice(&buffer[..n]);
        }
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = TestServer::start(hello::application);
    let text = raw(
        server.addr,
        b"GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\nGET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let first = text.find("Hello, first!").expect("first answered");
    let second = text.find("Hello, second!").expect("second answered");
    let third = text.find("Hello, third!").expect("third answered");
    assert!(first < second && second < third, "{text}");
}

#[test]
fn http_1_0_is_served_and_reported() {
    let server = TestServer::start(environ_dump);
    let text = raw(server.addr, b"GET /old HTTP/1.0\r\n\r\n");
    assert!(text.starts_with("HTTP/1.0 200"), "{text}");
    assert!(text.contains("SERVER_PROTOCOL=HTTP/1.0\n"), "{text}");
}

#[test]
fn http_2_with_prior_knowledge_on_the_same_port() {
    let server = TestServer::start(environ_dump);
    let replies = send_h2(
        server.addr,
        vec![
            request("GET", "http://localhost/a", ""),
            request("POST", "http://localhost/b", "data"),
        ],
    );
    assert_eq!(replies.len(), 2);
    for reply in &replies {
        assert_eq!(reply.version, http::Version::HTTP_2);
        assert_eq!(reply.status, 200);
    }
    let second = lines(&replies[1].text());
    assert_eq!(second["SERVER_PROTOCOL"], "HTTP/2");
    assert_eq!(second["PATH_INFO"], "/b");
    assert_eq!(second["body"], "data");
    assert_eq!(second["HTTP_HOST"], "localhost");
}
