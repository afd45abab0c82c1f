//! End-to-end: the validator over real sockets: a correct application goes through
//! unchanged, a broken one answers 500 (or is cut off) with the reason in the error log.

mod support;

#[allow(dead_code)]
#[path = "../examples/validate.rs"]
mod example;

use gateway::validator;
use gateway::{wsgi_app, Body, Environ, StartResponse};
use std::io::Write;
use support::*;

#[test]
fn a_correct_application_goes_through_unchanged() {
    let server = TestServer::start(validator(|_: &Environ, start_response: StartResponse| {
        let mut write = start_response(
            "201 Created",
            &[("Content-Type", "text/plain"), ("X-Check", "1")],
        );
        write.write_all(b"written, ").unwrap();
        Body::from_iter(["streamed ", "", "and done"])
    }));
    let reply = get(server.addr, "/");
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("x-check"), Some("1"));
    assert_eq!(reply.text(), "written, streamed and done");
    assert!(
        server.error_lines().is_empty(),
        "{:?}",
        server.error_lines()
    );
}

#[test]
fn a_missing_content_type_answers_500_and_says_why() {
    let server = TestServer::start(example::checked());
    let reply = get(server.addr, "/mistake");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), support::SERVER_ERROR_BODY);
    server.wait_for_error("validator: no Content-Type header in a \"200 OK\" response");
    assert_eq!(get(server.addr, "/").text(), "Hello, validated Web!");
}

#[test]
fn the_examples_short_body_answers_500() {
    let server = TestServer::start(example::checked());
    let reply = get(server.addr, "/short");
    assert_eq!(reply.status, 500);
    server.wait_for_error("validator: the body had 19 bytes but Content-Length said 100");
}

#[test]
fn a_chunk_before_start_response_answers_500() {
    let server = TestServer::start(validator(|_: &Environ, start_response: StartResponse| {
        Body::from_iter(
            ["early", "late"]
                .into_iter()
                .enumerate()
                .map(move |(i, chunk)| {
                    if i == 1 {
                        start_response("200 OK", &[("Content-Type", "text/plain")]);
                    }
                    chunk
                }),
        )
    }));
    let reply = get(server.addr, "/");
    assert_eq!(reply.status, 500);
    server.wait_for_error("validator: the body produced a chunk before start_response");
}

#[test]
fn a_hop_by_hop_header_answers_500() {
    let server = TestServer::start(validator(|_: &Environ, start_response: StartResponse| {
        start_response(
            "200 OK",
            &[
                ("Content-Type", "text/plain"),
                ("Transfer-Encoding", "chunked"),
            ],
        );
        "x"
    }));
    assert_eq!(get(server.addr, "/").status, 500);
    server.wait_for_error("validator: hop-by-hop header \"Transfer-Encoding\"");
}

#[test]
fn a_body_cut_short_after_sending_is_reported_and_the_connection_closed() {
    let server = TestServer::start(validator(|_: &Environ, start_response: StartResponse| {
        start_response(
            "200 OK",
            &[("Content-Type", "text/plain"), ("Content-Length", "100")],
        );
        Body::from_iter(["first part, ", "then nothing"])
    }));
    let text = raw(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", // keep-alive: only a close ends the read
    );
    assert_eq!(status_of(&text), 200);
    assert!(text.ends_with("first part, then nothing"), "{text}");
    server.wait_for_error("validator: the body had 24 bytes but Content-Length said 100");
}

/// An `async` application: the validator wraps the body once the future gives it.
#[wsgi_app]
async fn late(_environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    "no type".to_owned()
}

#[test]
fn an_async_application_is_checked_too() {
    let server = TestServer::start(validator(late));
    assert_eq!(get(server.addr, "/").status, 500);
    server.wait_for_error("validator: no Content-Type header");
}

#[test]
fn a_broken_environ_from_an_outer_middleware_answers_500() {
    struct DropPathInfo<A>(A);
    impl<A: gateway::Application> gateway::Application for DropPathInfo<A> {
        fn call(&self, mut environ: Environ, start_response: StartResponse) -> gateway::Outcome {
            environ.insert("SCRIPT_NAME", "/");
            self.0.call(environ, start_response)
        }

        fn blocking(&self) -> bool {
            self.0.blocking()
        }
    }
    let server = TestServer::start(DropPathInfo(example::checked()));
    assert_eq!(get(server.addr, "/").status, 500);
    server.wait_for_error("validator: SCRIPT_NAME cannot be \"/\"");
}
