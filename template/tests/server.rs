//! The application served for real, on a free loopback port.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn serves_the_greeting_over_http() {
    let server = gateway::Server::builder()
        .bind("127.0.0.1:0")
        .handle_signals(false)
        .build({{crate_name}}::app().unwrap())
        .unwrap();
    let addr = server.local_addr();
    let stop = server.shutdown_handle();
    let serving = std::thread::spawn(move || server.serve_forever());

    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
        .write_all(b"GET /hello/Alice HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("<h1>Hello, Alice!</h1>"), "{response}");

    stop.shutdown();
    serving.join().unwrap().unwrap();
}
