//! End-to-end: requests RFC 9112 (and nginx) refuse are refused before the application runs
//! (issue 12): HTTP/1.1 without `Host`, `chunked` applied twice, `CONNECT` unless the
//! application opts in.

mod support;

use gateway::{Environ, StartResponse};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::*;

fn counting(
    configure: impl FnOnce(gateway::ServerBuilder) -> gateway::ServerBuilder,
) -> (TestServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = TestServer::start_with(
        move |environ: &Environ, start_response: StartResponse| {
            counter.fetch_add(1, Ordering::SeqCst);
            start_response("200 OK", &[]);
            format!("{} {}", environ.method(), environ.path_info())
        },
        configure,
    );
    (server, calls)
}

#[test]
fn http_1_1_without_host_is_400_and_http_1_0_without_host_is_served() {
    let (server, calls) = counting(|b| b);
    let text = raw(server.addr, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status_of(&text), 400, "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let text = raw(server.addr, b"GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(status_of(&text), 200, "{text}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn chunked_applied_twice_is_400() {
    let (server, calls) = counting(|b| b);
    for codings in [
        "Transfer-Encoding: chunked, chunked",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
    ] {
        let request =
            format!("POST / HTTP/1.1\r\nHost: x\r\n{codings}\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        let text = raw(server.addr, request.as_bytes());
        assert_eq!(status_of(&text), 400, "{codings}: {text}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn connect_is_405_unless_the_application_asks_for_it() {
    let request = b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
    let (server, calls) = counting(|b| b);
    let text = raw(server.addr, request);
    assert_eq!(status_of(&text), 405, "{text}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    let (server, calls) = counting(|b| b.allow_connect(true));
    let mut stream = raw_connect(server.addr);
    std::io::Write::write_all(&mut stream, request).unwrap();
    let mut head = [0; 12];
    std::io::Read::read_exact(&mut stream, &mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "the application answered");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
