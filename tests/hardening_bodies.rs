//! End-to-end: request bodies that are too large, unread or too slow get their answer, and
//! the client sees it (issue 12: lingering close, body limit, body read timeout, read-ahead).
//! Every client here is a plain socket that sends its whole body before it reads, as Python's
//! urllib does.

mod support;

use gateway::{Environ, StartResponse};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

const TEN_MIB: usize = 10 * 1024 * 1024;

/// Sends `head` and `body` in full, then reads the answer to its end, like urllib: a server
/// that closes with unread bytes makes the write fail ("Broken pipe") or the read fail
/// ("Connection reset") instead.
fn send_all_then_read(addr: SocketAddr, head: &str, body: &[u8]) -> Result<String, String> {
    let mut stream = raw_connect(addr);
    stream
        .set_write_timeout(Some(IO_TIMEOUT))
        .expect("write timeout");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|error| format!("write: {error}"))?;
    let mut received = Vec::new();
    stream
        .read_to_end(&mut received)
        .map_err(|error| format!("read: {error} after {} bytes", received.len()))?;
    Ok(String::from_utf8_lossy(&received).into_owned())
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(body.len() + 1024);
    for piece in body.chunks(64 * 1024) {
        framed.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        framed.extend_from_slice(piece);
        framed.extend_from_slice(b"\r\n");
    }
    framed.extend_from_slice(b"0\r\n\r\n");
    framed
}

/// An app that answers at once without reading the body, counting its calls.
fn not_reading(status: &'static str) -> (impl gateway::Application, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = move |_: &Environ, start_response: StartResponse| {
        counter.fetch_add(1, Ordering::SeqCst);
        start_response(status, &[("Content-Type", "text/plain")]);
        "answered without reading"
    };
    (app, calls)
}

#[test]
fn an_unread_10_mib_upload_still_gets_its_200_content_length_or_chunked() {
    let (app, calls) = not_reading("200 OK");
    let server = TestServer::start_with(app, |b| b.max_body_size(64 * 1024 * 1024));
    let body = vec![b'x'; TEN_MIB];
    let framed = chunked(&body);
    let mut seen = 0;
    for round in 0..6 {
        let (head, body) = if round % 2 == 0 {
            (
                format!("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {TEN_MIB}\r\n\r\n"),
                &body[..],
            )
        } else {
            (
                "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
                &framed[..],
            )
        };
        let text = send_all_then_read(server.addr, &head, body)
            .unwrap_or_else(|error| panic!("round {round}: the client lost the response: {error}"));
        assert_eq!(status_of(&text), 200, "round {round}: {text}");
        assert!(
            text.to_ascii_lowercase().contains("connection: close"),
            "round {round}: {text}"
        );
        assert!(text.ends_with("answered without reading"), "{text}");
        seen += 1;
    }
    assert_eq!((seen, calls.load(Ordering::SeqCst)), (6, 6));
}

#[test]
fn an_upload_answered_413_early_by_the_app_still_gets_its_413() {
    let (app, _) = not_reading("413 Payload Too Large");
    let server = TestServer::start_with(app, |b| b.max_body_size(64 * 1024 * 1024));
    let body = vec![b'x'; TEN_MIB];
    for round in 0..4 {
        let head = format!("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {TEN_MIB}\r\n\r\n");
        let text = send_all_then_read(server.addr, &head, &body)
            .unwrap_or_else(|error| panic!("round {round}: {error}"));
        assert_eq!(status_of(&text), 413, "{text}");
    }
}

#[test]
fn a_content_length_above_max_body_size_is_413_before_the_app_runs_and_the_client_sees_it() {
    let (app, calls) = not_reading("200 OK");
    let server = TestServer::start(app); // default limit: 1 MiB
    let body = vec![b'x'; TEN_MIB];
    for round in 0..4 {
        let head = format!("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {TEN_MIB}\r\n\r\n");
        let text = send_all_then_read(server.addr, &head, &body)
            .unwrap_or_else(|error| panic!("round {round}: {error}"));
        assert_eq!(status_of(&text), 413, "{text}");
        assert!(
            text.to_ascii_lowercase().contains("connection: close"),
            "{text}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the app never ran");
}

/// An app that reads its whole body and says how it went.
fn reading() -> (impl gateway::Application, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = move |environ: &Environ, start_response: StartResponse| {
        counter.fetch_add(1, Ordering::SeqCst);
        let mut body = Vec::new();
        let read = environ.input().read_to_end(&mut body);
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        format!("read {:?}", read.map_err(|e| e.kind()))
    };
    (app, calls)
}

#[test]
fn a_chunked_body_growing_past_max_body_size_is_413() {
    let (app, calls) = reading();
    // No read-ahead: the app's own read finds the body too large.
    let server = TestServer::start_with(app, |b| b.max_body_size(100_000).body_buffer_size(0));
    let framed = chunked(&vec![b'x'; 300_000]);
    let head = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    let text = send_all_then_read(server.addr, head, &framed).expect("the 413 is seen");
    assert_eq!(status_of(&text), 413, "{text}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the app read past the limit"
    );

    // With read-ahead (the default), a body past the limit never reaches the app.
    let (app, calls) = reading();
    let server = TestServer::start_with(app, |b| b.max_body_size(30_000));
    let text = send_all_then_read(server.addr, head, &framed).expect("the 413 is seen");
    assert_eq!(status_of(&text), 413, "{text}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// Writes `prefix`, then one byte per 200 ms (5 bytes/s) until the server closes or `limit`.
fn trickle(addr: SocketAddr, prefix: &str, limit: Duration) -> (String, Duration) {
    let mut stream = raw_connect(addr);
    stream.write_all(prefix.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
        if stream.write_all(b"x").is_err() {
            let _ = stream.read_to_end(&mut received);
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn a_small_body_uploaded_at_5_bytes_a_second_is_408_without_calling_the_app() {
    let (app, calls) = reading();
    let server = TestServer::start_with(app, |b| {
        b.body_read_timeout(Duration::from_secs(1))
            .min_body_rate(100)
            .threads(1)
    });
    let started = Instant::now();
    let slow: Vec<_> = (0..20)
        .map(|_| {
            let addr = server.addr;
            std::thread::spawn(move || {
                trickle(
                    addr,
                    "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
                    Duration::from_secs(8),
                )
            })
        })
        .collect();
    // Twenty slow uploads and one application thread: the uploads hold no thread.
    std::thread::sleep(Duration::from_millis(300));
    let reply = send(server.addr, request("POST", "/fast", "quick"));
    assert_eq!((reply.status, reply.text().as_str()), (200, "read Ok(5)"));
    for upload in slow {
        let (text, took) = upload.join().unwrap();
        assert_eq!(status_of(&text), 408, "{text}");
        assert!(
            took < Duration::from_secs(4),
            "closed within its timeout: {took:?}"
        );
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "only the fast request reached the app"
    );
    println!("20 slow uploads answered 408 in {:?}", started.elapsed());
}

#[test]
fn a_large_body_read_by_the_app_at_5_bytes_a_second_is_408_and_the_thread_comes_back() {
    let (app, calls) = reading();
    let server = TestServer::start_with(app, |b| {
        b.body_read_timeout(Duration::from_secs(1))
            .min_body_rate(100)
            .body_buffer_size(16)
            .fixed_threads(1)
    });
    let head =
        "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789abcdef0123";
    let (text, took) = trickle(server.addr, head, Duration::from_secs(8));
    assert_eq!(status_of(&text), 408, "{text}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the app read past the read-ahead"
    );
    // The only application thread is free again.
    let reply = send(server.addr, request("POST", "/fast", "quick"));
    assert_eq!((reply.status, reply.text().as_str()), (200, "read Ok(5)"));
}

#[test]
fn a_close_with_nothing_left_unread_does_not_linger() {
    // The client reads its `Connection: close` response to the end but keeps its socket
    // open: with nothing unread, the server closes at once and shuts down at once.
    let (app, _) = not_reading("200 OK");
    let server = TestServer::start(app);
    let mut stream = raw_connect(server.addr);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert_eq!(status_of(&response), 200);
    let started = Instant::now();
    server.stop().unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "shutdown took {took:?}");
    drop(stream);
}
