//! End-to-end: 32 MiB in and 32 MiB out, streamed: the process's peak memory grows far less
//! than the bytes that went through.

mod support;

use gateway::{Body, Environ, StartResponse};
use std::io::{Read, Write};
use support::*;

const SIZE: usize = 32 * 1024 * 1024;
const PIECE: usize = 64 * 1024;

/// Peak resident memory of this process so far (Linux `VmHWM`), in bytes.
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn assert_grew_less_than_half_of_the_transfer(before: Option<usize>) {
    if let (Some(before), Some(after)) = (before, peak_rss()) {
        let grown = after.saturating_sub(before);
        assert!(
            grown < SIZE / 2,
            "peak memory grew by {grown} bytes for a {SIZE}-byte transfer"
        );
    }
}

#[test]
fn a_32_mib_request_body_streams_into_wsgi_input() {
    let app = |environ: &Environ, start_response: StartResponse| {
        let mut total = 0;
        let mut buffer = vec![0; PIECE];
        loop {
            match environ.input().read(&mut buffer).unwrap() {
                0 => break,
                n => total += n,
            }
        }
        start_response("200 OK", &[]);
        total.to_string()
    };
    // Above the default 1 MiB body limit: this server takes 32 MiB.
    let server = TestServer::start_with(app, |b| b.max_body_size(SIZE as u64));
    let before = peak_rss();
    let mut stream = raw_connect(server.addr);
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {SIZE}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let piece = vec![b'u'; PIECE];
    for _ in 0..SIZE / PIECE {
        stream.write_all(&piece).unwrap();
    }
    let text = read_until_close(&mut stream);
    assert!(text.ends_with(&format!("\r\n\r\n{SIZE}")), "{text}");
    assert_grew_less_than_half_of_the_transfer(before);
}

#[test]
fn a_32_mib_response_streams_out() {
    let server = TestServer::start(|_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Length", &SIZE.to_string())]);
        Body::from_iter((0..SIZE / PIECE).map(|_| vec![b'd'; PIECE]))
    });
    let before = peak_rss();
    let mut stream = raw_connect(server.addr);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let mut received = 0;
    let mut buffer = vec![0; PIECE];
    loop {
        match stream.read(&mut buffer).unwrap() {
            0 => break,
            n => {
                assert!(buffer[..n].iter().all(|&b| b == b'd'));
                received += n;
            }
        }
    }
    assert_eq!(received, SIZE);
    assert_grew_less_than_half_of_the_transfer(before);
}
