//! `--max-connections`: past the limit the server stops accepting; new connections wait in
//! the listen backlog (never reset) and are served once others close. One log line says
//! so when accepting pauses.

mod deployed;

use deployed::Deployed;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::Duration;

/// Sends one keep-alive request and reads its response (the head and a `Content-Length`
/// body); an error (a reset) is a failure.
fn request(stream: &mut TcpStream) -> Result<String, std::io::Error> {
    stream.write_all(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n")?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let read = stream.read(&mut buf)?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        answer.extend_from_slice(&buf[..read]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .and_then(|length| length.parse().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return Ok(text);
            }
        }
    }
}

#[test]
fn past_the_limit_connections_wait_in_the_backlog_and_are_served_later() {
    let server = Deployed::start(&["--http", "127.0.0.1:0", "--max-connections", "4"], 1);
    let addr = server.addr(0);
    let (served, answers) = mpsc::channel();
    let mut closers = Vec::new();
    for client in 0..8 {
        let served = served.clone();
        let (close, closing) = mpsc::channel::<()>();
        closers.push(close);
        std::thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            let answer = request(&mut stream);
            served
                .send((client, answer.map(|text| text.starts_with("HTTP/1.1 200"))))
                .unwrap();
            // Keep the connection (and its place) until told to close.
            let _ = closing.recv_timeout(Duration::from_secs(20));
        });
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut first = Vec::new();
    for _ in 0..4 {
        let (client, answer) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(answer.unwrap(), "client {client} was not answered 200");
        first.push(client);
    }
    assert!(
        answers.recv_timeout(Duration::from_millis(700)).is_err(),
        "a fifth connection was served while four were open"
    );
    server.wait_for_line("connections open (--max-connections): accepting paused");
    // The first four close one after another: each frees the place of one waiting client,
    // and the server stays at its limit (one episode, one line).
    for client in &first {
        let _ = closers[*client].send(());
        std::thread::sleep(Duration::from_millis(150));
    }
    for _ in 0..4 {
        let (client, answer) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(
            answer.as_ref().is_ok_and(|ok| *ok),
            "waiting client {client} got {answer:?}, not its answer"
        );
        assert!(!first.contains(&client));
    }
    for close in closers {
        let _ = close.send(());
    }
    // Below the limit again: the next connection is accepted with room to spare.
    std::thread::sleep(Duration::from_millis(300));
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert!(request(&mut stream).unwrap().starts_with("HTTP/1.1 200"));
    let mut pauses = 0;
    let mut resumed = false;
    while let Some(line) = server.next_line(Duration::from_millis(500)) {
        pauses += usize::from(line.contains("accepting paused"));
        resumed |= line.contains("accepting resumed");
    }
    assert_eq!(pauses, 0, "the pause was logged more than once");
    assert!(resumed, "no line said accepting resumed");
    server.stop();
}
