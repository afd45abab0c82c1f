//! End-to-end, HTTP/2 (issue 12): streams that stall or never send their body hold no thread
//! for long, a paced rapid reset does not make the application run for the reset streams, and
//! HTTP/2 takes the same header-size limit as HTTP/1. The attacks use the `h2` crate directly,
//! for control over windows and RST_STREAM.

mod support;

use bytes::Bytes;
use gateway::{Body, Environ, IntoBody, StartResponse};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// What the application saw: calls, and bodies dropped.
#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    dropped: AtomicUsize,
}

struct Counted(Arc<Seen>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// `/big` streams 100 MiB, `/slow` sleeps 2 s, `/upload` reads its body; `/health` answers.
fn app() -> (impl gateway::Application, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let counter = seen.clone();
    let app = move |environ: &Environ, start_response: StartResponse| {
        if environ.path_info() != "/health" {
            counter.calls.fetch_add(1, Ordering::SeqCst);
        }
        start_response("200 OK", &[("Content-Type", "application/octet-stream")]);
        match environ.path_info() {
            "/big" => {
                let guard = Counted(counter.clone());
                Body::from_iter((0..1600).map(move |_| {
                    let _ = &guard;
                    vec![b'd'; 64 * 1024]
                }))
            }
            "/slow" => {
                std::thread::sleep(Duration::from_secs(2));
                "slept".into_body()
            }
            "/upload" => {
                let mut body = Vec::new();
                let read = environ.input().read_to_end(&mut body);
                format!("read {:?}", read.map_err(|e| e.kind())).into_body()
            }
            _ => "ok".into_body(),
        }
    };
    (app, seen)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn h2_connect(
    addr: SocketAddr,
    configure: impl FnOnce(&mut h2::client::Builder),
) -> h2::client::SendRequest<Bytes> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut builder = h2::client::Builder::new();
    configure(&mut builder);
    let (client, connection) = builder.handshake(stream).await.unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

fn h2_request(method: &str, path: &str) -> http::Request<()> {
    http::Request::builder()
        .method(method)
        .uri(format!("http://localhost{path}"))
        .body(())
        .unwrap()
}

/// A separate HTTP/1.1 client's request; how long it took.
fn health(addr: SocketAddr) -> Duration {
    let started = Instant::now();
    let reply = get(addr, "/health");
    assert_eq!((reply.status, reply.text().as_str()), (200, "ok"));
    started.elapsed()
}

fn wait_until(what: impl Fn() -> bool) {
    let deadline = Instant::now() + IO_TIMEOUT;
    while !what() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn two_hundred_stalled_streams_hold_a_few_threads_until_the_send_timeout() {
    let (app, seen) = app();
    let server = TestServer::start_with(app, |b| {
        b.send_timeout(Duration::from_secs(1))
            .min_send_rate(64 * 1024)
    });
    let runtime = runtime();
    let started = Instant::now();
    let responses = runtime.block_on(async {
        // A window of 0: the server may send headers, never data.
        let mut client = h2_connect(server.addr, |b| {
            b.initial_window_size(0);
        })
        .await;
        let mut responses = Vec::new();
        for _ in 0..200 {
            client = client.ready().await.unwrap();
            let (response, _) = client
                .send_request(h2_request("GET", "/big"), true)
                .unwrap();
            responses.push(response);
        }
        responses
    });
    std::thread::sleep(Duration::from_millis(300));
    let calls = seen.calls.load(Ordering::SeqCst);
    assert!(
        calls <= 32,
        "one connection holds at most 32 threads: {calls}"
    );
    let slowest = (0..5).map(|_| health(server.addr)).max().unwrap();
    // The send timeout closes the connection; every body that was started is dropped once.
    wait_until(|| seen.dropped.load(Ordering::SeqCst) == seen.calls.load(Ordering::SeqCst));
    let calls = seen.calls.load(Ordering::SeqCst);
    assert!(
        calls <= 32,
        "no stream of the closed connection ran after it: {calls}"
    );
    assert_eq!(seen.dropped.load(Ordering::SeqCst), calls);
    assert!(health(server.addr) < Duration::from_secs(2));
    drop(responses);
    println!(
        "200 stalled streams: {calls} application calls, bodies dropped after {:?}; slowest health {slowest:?}",
        started.elapsed()
    );
}

#[test]
fn streams_that_never_send_their_body_hold_no_thread_and_answer_408() {
    let (app, seen) = app();
    let server = TestServer::start_with(app, |b| {
        b.body_read_timeout(Duration::from_secs(1)).threads(8)
    });
    let runtime = runtime();
    let started = Instant::now();
    let attack = runtime.spawn({
        let addr = server.addr;
        async move {
            let mut statuses = Vec::new();
            let mut streams = Vec::new();
            let mut pending = Vec::new();
            for _ in 0..3 {
                let mut client = h2_connect(addr, |_| {}).await;
                for _ in 0..200 {
                    client = client.ready().await.unwrap();
                    let (response, stream) = client
                        .send_request(h2_request("POST", "/upload"), false)
                        .unwrap();
                    streams.push(stream); // kept open, never written
                    pending.push(response);
                }
            }
            for response in pending {
                statuses.push(response.await.map(|r| r.status().as_u16()).unwrap_or(0));
            }
            drop(streams);
            statuses
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    // Eight application threads, 600 streams waiting for their bodies: none holds a thread.
    let slowest = (0..10).map(|_| health(server.addr)).max().unwrap();
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    let statuses = runtime.block_on(attack).unwrap();
    assert_eq!(statuses.len(), 600);
    assert!(statuses.iter().all(|&s| s == 408), "{statuses:?}");
    assert_eq!(seen.calls.load(Ordering::SeqCst), 0, "the app never ran");
    println!(
        "600 body-less streams answered 408 after {:?}; slowest health {slowest:?}",
        started.elapsed()
    );
}

#[test]
fn a_paced_rapid_reset_of_20000_streams_calls_the_app_only_for_open_streams() {
    let (app, seen) = app();
    let server = TestServer::start(app);
    let runtime = runtime();
    let started = Instant::now();
    let (sent, connections) = runtime.block_on(async {
        let (mut sent, mut connections) = (0, 0);
        // When the server answers GOAWAY (h2's own limit on resets waiting to be accepted),
        // the attacker connects again, until 20,000 streams were opened and reset.
        while sent < 20_000 {
            let mut client = h2_connect(server.addr, |_| {}).await;
            connections += 1;
            'connection: while sent < 20_000 {
                // Five HEADERS + RST_STREAM pairs per write, 1 ms apart.
                for _ in 0..5 {
                    let Ok(ready) = client.ready().await else {
                        break 'connection;
                    };
                    client = ready;
                    let Ok((_, mut stream)) = client.send_request(h2_request("GET", "/slow"), true)
                    else {
                        break 'connection;
                    };
                    stream.send_reset(h2::Reason::CANCEL);
                    sent += 1;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        (sent, connections)
    });
    let attack = started.elapsed();
    let after = health(server.addr);
    let calls = seen.calls.load(Ordering::SeqCst);
    // A call whose stream was reset before a thread took it never runs: only the few streams
    // still open then (their reset came in a later packet) reached the application, never one
    // call per stream (before: 18,536 calls for 18,435 streams).
    assert!(calls < sent / 100, "{calls} calls for {sent} reset streams");
    assert!(
        after < Duration::from_secs(3),
        "served right after the attack: {after:?}"
    );
    println!(
        "paced rapid reset: {sent} streams over {connections} connections in {attack:?}, \
         {calls} application calls; a request right after took {after:?}"
    );
}

#[test]
fn http2_takes_the_same_header_size_as_http1() {
    let server = TestServer::start(|_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[]);
        "ok"
    });
    let big = "v".repeat(20_000);
    let with_header = || {
        let mut request = request("GET", "/", "");
        request
            .headers_mut()
            .insert("x-big", http::HeaderValue::from_str(&big).unwrap());
        request
    };
    assert_eq!(send(server.addr, with_header()).status, 200);
    let replies = send_h2(server.addr, vec![with_header()]);
    assert_eq!(replies[0].status, 200);
}

#[test]
fn an_http2_body_growing_past_max_body_size_is_413_whoever_reads_it() {
    for buffer in [0, 64 * 1024] {
        let (app, _) = app();
        let server = TestServer::start_with(app, move |b| {
            b.max_body_size(100_000).body_buffer_size(buffer)
        });
        let status = runtime().block_on(async {
            let mut client = h2_connect(server.addr, |_| {}).await;
            client = client.ready().await.unwrap();
            let (response, mut body) = client
                .send_request(h2_request("POST", "/upload"), false)
                .unwrap();
            for _ in 0..10 {
                body.reserve_capacity(50_000);
                let _ = body.send_data(Bytes::from(vec![b'u'; 50_000]), false);
            }
            let _ = body.send_data(Bytes::new(), true);
            response.await.unwrap().status().as_u16()
        });
        assert_eq!(status, 413, "read ahead: {buffer} bytes");
    }
}
