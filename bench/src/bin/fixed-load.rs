//! A fixed number of keep-alive `GET /` requests, for counting what a server spends per
//! request (instructions under callgrind, context switches, allocations) rather than how
//! many it answers per second: `CONNECTIONS` threads, each sending `REQUESTS` requests one
//! after another on its own connection. Allocates nothing per request. Prints nothing but
//! errors; exits non-zero if a response is not the hello.
//!
//! Run with: cargo run --release -p gateway-bench --bin fixed-load -- PORT CONNECTIONS REQUESTS
//! (see `bench/instructions.sh`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::exit;
use std::time::Duration;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().unwrap_or(0))
        .collect();
    let [port, connections, requests] = args[..] else {
        eprintln!("usage: fixed-load PORT CONNECTIONS REQUESTS_PER_CONNECTION");
        exit(2);
    };
    let threads: Vec<_> = (0..connections)
        .map(|_| std::thread::spawn(move || drive(port as u16, requests)))
        .collect();
    for thread in threads {
        if let Err(error) = thread.join().unwrap() {
            eprintln!("fixed-load: {error}");
            exit(1);
        }
    }
}

/// `count` requests on one connection; every response has the same length (the `Date`
/// header has a fixed width), learnt from the first one.
fn drive(port: u16, count: u64) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let (mut buffer, mut length) = (vec![0u8; 4096], 0);
    for _ in 0..count {
        stream.write_all(REQUEST)?;
        if length == 0 {
            while !buffer[..length].ends_with(gateway_bench::HELLO.as_bytes()) {
                match stream.read(&mut buffer[length..])? {
                    0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                    read => length += read,
                }
            }
        } else {
            stream.read_exact(&mut buffer[..length])?;
        }
    }
    Ok(())
}
