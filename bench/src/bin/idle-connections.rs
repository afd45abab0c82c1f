//! Opens `COUNT` keep-alive connections to 127.0.0.1:PORT, sends one `GET /` on each and
//! reads its answer, then holds them all open, idle, until its standard input closes (or
//! a line arrives). Prints `ready` once every connection has its answer, so a script can
//! read the server's memory with the connections idle (see `bench/idle.sh`).
//!
//! Run with: cargo run --release -p gateway-bench --bin idle-connections -- PORT COUNT

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::exit;
use std::time::Duration;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().unwrap_or(0))
        .collect();
    let [port, count] = args[..] else {
        eprintln!("usage: idle-connections PORT COUNT");
        exit(2);
    };
    let mut held = Vec::with_capacity(count as usize);
    let mut buffer = vec![0u8; 4096];
    for i in 0..count {
        match answered(port as u16, &mut buffer) {
            Ok(stream) => held.push(stream),
            Err(error) => {
                eprintln!("idle-connections: connection {i}: {error}");
                exit(1);
            }
        }
    }
    println!("ready");
    std::io::stdout().flush().ok();
    let _ = std::io::stdin().lock().read_line(&mut String::new());
    drop(held);
}

/// A connection that has had one answer to `GET /`.
fn answered(port: u16, buffer: &mut [u8]) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.write_all(REQUEST)?;
    let mut read = 0;
    while !buffer[..read].ends_with(gateway_bench::HELLO.as_bytes()) {
        match stream.read(&mut buffer[read..])? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => read += n,
        }
    }
    Ok(stream)
}
