//! Counts heap allocations per request: raw hyper, and gateway with the note's hello
//! application as a plain `fn` and as an `async fn`, each served in this process on
//! 127.0.0.1 and driven by one keep-alive client that itself allocates nothing per request.
//! The counts include everything on the request path: hyper, tokio, gateway and the
//! application (whose `format!` and `vec!` are 2 of them).
//!
//! Run with: cargo run --release -p gateway-bench --bin alloc-count

use gateway_bench::gateway_hello::{async_app, server, sync_app};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The system allocator, counting every allocation (and reallocation).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const WARM_UP: u64 = 2_000;
const MEASURED: u64 = 20_000;
const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// Sends `count` requests on one connection; every response has the same length (the
/// `Date` header has a fixed width), learnt from the first one.
fn drive(stream: &mut TcpStream, count: u64, response_len: &mut usize, buffer: &mut [u8]) {
    for _ in 0..count {
        stream.write_all(REQUEST).unwrap();
        if *response_len == 0 {
            let mut read = 0;
            while !buffer[..read].ends_with(b"<h1>Hello, Web!</h1>") {
                read += stream.read(&mut buffer[read..]).unwrap();
            }
            *response_len = read;
        } else {
            stream.read_exact(&mut buffer[..*response_len]).unwrap();
        }
    }
}

/// Allocations per request against the server at `addr`.
fn measure(addr: SocketAddr) -> f64 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (mut response_len, mut buffer) = (0, vec![0u8; 4096]);
    drive(&mut stream, WARM_UP, &mut response_len, &mut buffer);
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    drive(&mut stream, MEASURED, &mut response_len, &mut buffer);
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    (after - before) as f64 / MEASURED as f64
}

fn gateway(app: impl gateway::Application) -> f64 {
    let server = server(app, 0).unwrap();
    let addr = server.local_addr();
    let stop = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever());
    let count = measure(addr);
    stop.shutdown();
    thread.join().unwrap().unwrap();
    count
}

fn main() {
    let runtime = gateway_bench::runtime();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(gateway_bench::serve_raw_hyper(listener));
    let hyper = measure(addr);
    drop(runtime);
    let sync = gateway(sync_app);
    let asynchronous = gateway(async_app);
    println!(
        "allocations per request ({MEASURED} keep-alive requests, after {WARM_UP} to warm up):"
    );
    println!("  raw hyper            {hyper:6.2}");
    println!(
        "  gateway, fn          {sync:6.2}   ({:+.2} against raw hyper)",
        sync - hyper
    );
    println!(
        "  gateway, async fn    {asynchronous:6.2}   ({:+.2} against raw hyper)",
        asynchronous - hyper
    );
}
