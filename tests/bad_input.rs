//! End-to-end: malformed, oversized, slow and ambiguous requests get a bounded answer over a
//! raw TCP socket, never reach the application as valid requests, and the server goes on
//! serving other connections.

mod support;

use gateway::{Environ, StartResponse};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// A server whose app counts the requests that reach it and reads their bodies.
fn counting_server() -> (TestServer, Arc<AtomicUsize>) {
    counting_server_with(|builder| builder)
}

fn counting_server_with(
    configure: impl FnOnce(gateway::ServerBuilder) -> gateway::ServerBuilder,
) -> (TestServer, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let server = TestServer::start_with(
        move |environ: &Environ, start_response: StartResponse| {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut body = Vec::new();
            let read = environ.input().read_to_end(&mut body);
            start_response("200 OK", &[]);
            format!(
                "{} read {:?}",
                environ.path_info(),
                read.map_err(|e| e.kind())
            )
        },
        |builder| configure(builder.header_read_timeout(Duration::from_secs(1))),
    );
    (server, seen)
}

fn assert_still_serving(server: &TestServer) {
    let text = raw(
        server.addr,
        b"GET /healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        text.starts_with("HTTP/1.1 200") && text.contains("/healthy"),
        "{text}"
    );
}

/// Sends `request` raw and returns the status of the answer.
fn status_for(server: &TestServer, request: &[u8]) -> u16 {
    status_of(&raw(server.addr, request))
}

#[test]
fn a_silent_client_is_disconnected_after_the_header_timeout() {
    let (server, seen) = counting_server();
    let mut stream = raw_connect(server.addr);
    let started = Instant::now();
    let text = read_until_close(&mut stream);
    assert!(
        started.elapsed() < IO_TIMEOUT,
        "closed by the server, not by the test's timeout"
    );
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn a_client_sending_one_byte_at_a_time_is_disconnected() {
    let (server, seen) = counting_server();
    let mut stream = raw_connect(server.addr);
    let started = Instant::now();
    let mut closed = false;
    for byte in b"GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: "
        .iter()
        .cycle()
        .take(100)
    {
        if stream.write_all(&[*byte]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    if !closed {
        let _ = read_until_close(&mut stream);
    }
    assert!(started.elapsed() < IO_TIMEOUT);
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn a_partial_http2_preface_then_silence_is_disconnected() {
    let (server, seen) = counting_server();
    let mut stream = raw_connect(server.addr);
    stream.write_all(b"PRI * HTTP/2.0\r\n").unwrap();
    let started = Instant::now();
    let _ = read_until_close(&mut stream);
    assert!(
        started.elapsed() < IO_TIMEOUT,
        "closed by the server, not by the test's timeout"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let (server, seen) = counting_server();
    let mut stream = raw_connect(server.addr);
    stream
        .write_all(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let text = read_until_close(&mut stream);
    assert!(started.elapsed() < IO_TIMEOUT, "closed by the server");
    assert!(
        text.starts_with("HTTP/1.1 200") && text.contains("/first"),
        "{text}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn a_request_slower_than_the_header_timeout_is_not_cut_off() {
    let (server, seen) = counting_server();
    let mut stream = raw_connect(server.addr);
    stream
        .write_all(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nab",
        )
        .unwrap();
    // The head is complete: from here the request is in flight, and its body may take
    // longer than the 1 s header timeout.
    std::thread::sleep(Duration::from_millis(2500));
    stream.write_all(b"cde").unwrap();
    let text = read_until_close(&mut stream);
    assert!(
        text.starts_with("HTTP/1.1 200") && text.ends_with("/upload read Ok(5)"),
        "{text}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn two_host_headers_answer_400() {
    let (server, seen) = counting_server();
    assert_eq!(
        status_for(&server, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        400
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn a_request_line_over_the_limit_answers_414() {
    let (server, seen) = counting_server();
    let request = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    assert_eq!(status_for(&server, request.as_bytes()), 414);
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn a_head_over_the_limit_answers_431() {
    let (server, seen) = counting_server();
    let big = "b".repeat(8000);
    let headers: String = (0..20).map(|i| format!("X-Big-{i}: {big}\r\n")).collect();
    let request = format!("GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
    assert_eq!(status_for(&server, request.as_bytes()), 431);
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn too_many_headers_answer_431() {
    let (server, _) = counting_server();
    let headers: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
    let request = format!("GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
    assert_eq!(status_for(&server, request.as_bytes()), 431);
    assert_still_serving(&server);
}

#[test]
fn a_malformed_chunked_body_read_by_the_app_answers_400_and_closes() {
    // No read-ahead, so that the app is the one to find the bad chunk.
    let (server, seen) = counting_server_with(|builder| builder.body_buffer_size(0));
    let mut stream = raw_connect(server.addr);
    stream
        .write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\nnot hex\r\n0\r\n\r\n")
        .unwrap();
    let text = read_until_close(&mut stream);
    assert_eq!(status_of(&text), 400, "{text}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the app was called and saw the read error"
    );
    assert_still_serving(&server);
}

#[test]
fn content_length_with_transfer_encoding_cannot_smuggle_a_request() {
    let (server, seen) = counting_server();
    // Read by Content-Length, the body would hide a second request (`GET /smuggled`);
    // read by Transfer-Encoding (RFC 9112), it is an empty body followed by that request.
    // Either way `/smuggled` must never reach the app, and the connection must close.
    let text = raw(
        server.addr,
        b"POST /front HTTP/1.1\r\nHost: x\r\nContent-Length: 46\r\nTransfer-Encoding: chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert!(!text.contains("/smuggled"), "{text}");
    assert!(seen.load(Ordering::SeqCst) <= 1);
    assert_still_serving(&server);
}

#[test]
fn two_different_content_lengths_answer_400() {
    let (server, seen) = counting_server();
    assert_eq!(
        status_for(
            &server,
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde"
        ),
        400
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn a_signed_content_length_answers_400() {
    let (server, seen) = counting_server();
    assert_eq!(
        status_for(
            &server,
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nabcde"
        ),
        400
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn an_unknown_transfer_coding_answers_400() {
    let (server, seen) = counting_server();
    assert_eq!(
        status_for(
            &server,
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc"
        ),
        400
    );
    assert_eq!(
        status_for(
            &server,
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc"
        ),
        400
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}

#[test]
fn garbage_instead_of_a_request_answers_400() {
    let (server, seen) = counting_server();
    assert_eq!(
        status_for(&server, b"\x16\x03\x01 this is not http\r\n\r\n"),
        400
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_still_serving(&server);
}
