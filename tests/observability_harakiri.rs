//! `--harakiri`: a request running too long answers 504 (or, once its response began, its
//! connection closes) while other requests are served; the thread still running the call
//! is counted as stuck until the call returns.

mod support;

use gateway::{Body, Environ, Server, StartResponse};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use support::get;

/// The harakiri limit of these tests.
const LIMIT: Duration = Duration::from_millis(700);

/// A body whose first chunk comes at once and the second after three seconds.
struct Stalls(u8);

impl Iterator for Stalls {
    type Item = &'static str;

    fn next(&mut self) -> Option<&'static str> {
        self.0 += 1;
        match self.0 {
            1 => Some("first chunk;"),
            2 => {
                std::thread::sleep(Duration::from_secs(3));
                Some("too late")
            }
            _ => None,
        }
    }
}

fn app(environ: &Environ, start_response: StartResponse) -> Body {
    match &environ["PATH_INFO"][..] {
        "/sleep" => {
            std::thread::sleep(Duration::from_secs(3));
            start_response("200 OK", &[]);
            Body::from_iter(["late"])
        }
        "/stream" => {
            start_response("200 OK", &[]);
            Body::from_iter(Stalls(0))
        }
        _ => {
            start_response("200 OK", &[]);
            Body::from_iter(["fast"])
        }
    }
}

fn start() -> (
    gateway::ShutdownHandle,
    std::thread::JoinHandle<()>,
    SocketAddr,
    SocketAddr,
) {
    let server = Server::builder()
        .bind("127.0.0.1:0")
        .stats("127.0.0.1:0")
        .harakiri(LIMIT)
        .handle_signals(false)
        .shutdown_grace(Duration::from_secs(1))
        .build(app)
        .unwrap();
    let (addr, stats) = (server.local_addr(), server.stats_addr().unwrap());
    let handle = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever().unwrap());
    (handle, thread, addr, stats)
}

/// The stats document's `stuck_threads`.
fn stuck_threads(stats: SocketAddr) -> u64 {
    let mut stream = TcpStream::connect(stats).unwrap();
    stream.set_read_timeout(Some(support::IO_TIMEOUT)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let document: serde_json::Value =
        serde_json::from_str(text.split_once("\r\n\r\n").unwrap().1).unwrap();
    document["stuck_threads"].as_u64().unwrap()
}

#[test]
fn a_sleeping_call_answers_504_after_the_limit_while_others_are_served() {
    let (handle, thread, addr, stats) = start();
    let started = Instant::now();
    let sleeping = std::thread::spawn(move || get(addr, "/sleep"));
    for _ in 0..3 {
        assert_eq!(get(addr, "/").text(), "fast");
    }
    let reply = sleeping.join().unwrap();
    let took = started.elapsed();
    assert_eq!(reply.status, 504);
    assert!(
        took >= LIMIT && took < Duration::from_millis(2500),
        "{took:?}"
    );
    assert_eq!(stuck_threads(stats), 1, "the thread still sleeps");
    assert_eq!(
        get(addr, "/").text(),
        "fast",
        "the pool replaced the stuck thread"
    );
    // The call returns at 3 s: its result is discarded, and it is no longer stuck.
    let deadline = Instant::now() + support::IO_TIMEOUT;
    while stuck_threads(stats) != 0 {
        assert!(
            Instant::now() < deadline,
            "the stuck count never went back to 0"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    handle.shutdown();
    thread.join().unwrap();
}

#[test]
fn a_stream_that_stalls_after_its_first_chunk_has_its_connection_closed() {
    let (handle, thread, addr, stats) = start();
    let started = Instant::now();
    let mut stream = support::raw_connect(addr);
    stream
        .write_all(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let text = support::read_until_close(&mut stream);
    let took = started.elapsed();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("first chunk;") && !text.contains("too late"),
        "{text}"
    );
    assert!(
        took < Duration::from_millis(2500),
        "closed after {took:?}, not at the limit"
    );
    assert_eq!(stuck_threads(stats), 1);
    handle.shutdown();
    thread.join().unwrap();
}

#[gateway::wsgi_app]
async fn sleeps_async(_environ: &Environ, start_response: StartResponse) -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    start_response("200 OK", &[]);
    "late"
}

#[test]
fn an_async_application_past_the_limit_is_dropped_and_answers_504() {
    let server = Server::builder()
        .bind("127.0.0.1:0")
        .harakiri(LIMIT)
        .handle_signals(false)
        .shutdown_grace(Duration::from_secs(1))
        .build(sleeps_async)
        .unwrap();
    let addr = server.local_addr();
    let handle = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever().unwrap());
    let started = Instant::now();
    assert_eq!(get(addr, "/").status, 504);
    assert!(started.elapsed() < Duration::from_millis(2500));
    handle.shutdown();
    thread.join().unwrap();
}
