//! End-to-end: plain `fn` calls run inline on the I/O threads while that is safe (issue 15),
//! and are handed to the application threads once a call blocks: an HTTP/2 connection's other
//! streams are answered while one stream's call sleeps, and many sleeping calls at once on a
//! fresh server all finish in about one sleep without delaying fast requests.

mod support;

use bytes::Bytes;
use gateway::{Environ, StartResponse};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

/// How long `/sleep` sleeps.
const SLEEP: Duration = Duration::from_millis(1000);

/// Where each call ran (the thread's name, by path), for the tests to see inline calls.
type Threads = Arc<Mutex<Vec<(String, String)>>>;

/// `/sleep...` sleeps [`SLEEP`]; every call answers its path and notes its thread.
fn app() -> (impl gateway::Application, Threads) {
    let threads = Threads::default();
    let noted = threads.clone();
    let app = move |environ: &Environ, start_response: StartResponse| {
        let thread = std::thread::current().name().unwrap_or("").to_owned();
        noted
            .lock()
            .unwrap()
            .push((environ.path_info().to_owned(), thread));
        if environ.path_info().starts_with("/sleep") {
            std::thread::sleep(SLEEP);
        }
        start_response("200 OK", &[]);
        environ.path_info().to_owned()
    };
    (app, threads)
}

/// The threads the calls for `path` ran on.
fn ran_on(threads: &Threads, path: &str) -> Vec<String> {
    let threads = threads.lock().unwrap();
    threads
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, t)| t.clone())
        .collect()
}

/// An I/O thread of the server (tokio's workers are named "gateway"; the application
/// threads "gateway-app").
const IO_THREAD: &str = "gateway";

fn h2_get(path: &str) -> http::Request<()> {
    http::Request::builder()
        .uri(format!("http://localhost{path}"))
        .body(())
        .unwrap()
}

async fn h2_connect(addr: SocketAddr) -> h2::client::SendRequest<Bytes> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, connection) = h2::client::handshake(stream).await.unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// The body of `response`, as text.
async fn text(response: h2::client::ResponseFuture) -> String {
    let mut body = response.await.unwrap().into_body();
    let mut text = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text).unwrap()
}

#[test]
fn an_http2_connections_other_streams_are_answered_while_one_streams_call_sleeps() {
    let (app, threads) = app();
    let server = TestServer::start_with(app, |b| b.workers(2));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let order = runtime.block_on(async {
        tokio::time::timeout(IO_TIMEOUT, async {
            let mut client = h2_connect(server.addr).await;
            // Warm-up: the application has not been seen to block, its calls run inline.
            for _ in 0..200 {
                client = client.ready().await.unwrap();
                let (response, _) = client.send_request(h2_get("/warm"), true).unwrap();
                assert_eq!(text(response).await, "/warm");
            }
            let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
            client = client.ready().await.unwrap();
            let (sleeping, _) = client.send_request(h2_get("/sleep"), true).unwrap();
            let done = done_tx.clone();
            let sleeping = tokio::spawn(async move {
                assert_eq!(text(sleeping).await, "/sleep");
                done.send("sleep").unwrap();
            });
            tokio::time::sleep(Duration::from_millis(100)).await;
            // The same connection's other streams, one after the other.
            for i in 0..20 {
                client = client.ready().await.unwrap();
                let path = format!("/fast{i}");
                let (response, _) = client.send_request(h2_get(&path), true).unwrap();
                assert_eq!(text(response).await, path);
                done_tx.send("fast").unwrap();
            }
            sleeping.await.unwrap();
            drop(done_tx);
            let mut order = Vec::new();
            while let Some(done) = done_rx.recv().await {
                order.push(done);
            }
            order
        })
        .await
        .expect("every stream answered within the timeout")
    });
    assert_eq!(order.len(), 21);
    assert_eq!(
        order.last(),
        Some(&"sleep"),
        "the 20 other streams were answered while the call slept: {order:?}"
    );
    assert!(
        ran_on(&threads, "/warm").iter().all(|t| t == IO_THREAD),
        "the warm-up calls ran inline: {:?}",
        ran_on(&threads, "/warm")
    );
    assert_eq!(
        ran_on(&threads, "/sleep"),
        [IO_THREAD],
        "the sleeping call ran inline (what this test is about)"
    );
}

#[test]
fn many_sleeping_calls_on_a_fresh_server_all_finish_in_about_one_sleep_and_fast_ones_go_first() {
    // More sleepers than I/O threads, at once, before the server has seen a call block.
    const SLEEPERS: usize = 8;
    let (app, threads) = app();
    let server = TestServer::start_with(app, |b| b.workers(2));
    let addr = server.addr;
    let (done_tx, done_rx) = mpsc::channel();
    let started = Instant::now();
    let slow = get_each(
        addr,
        (0..SLEEPERS).map(|i| format!("/sleep{i}")),
        "slow",
        &done_tx,
    );
    std::thread::sleep(Duration::from_millis(100));
    let fast = get_each(addr, (0..50).map(|i| format!("/fast{i}")), "fast", &done_tx);
    for handle in fast {
        assert_eq!(handle.join().unwrap().status, 200);
    }
    for (i, handle) in slow.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap().text(), format!("/sleep{i}"));
    }
    let took = started.elapsed();
    let order: Vec<_> = done_rx.try_iter().collect();
    assert!(
        order[..50].iter().all(|done| *done == "fast"),
        "all 50 fast requests finished before any sleeping one: {order:?}"
    );
    assert!(
        took < SLEEP * 2,
        "{SLEEPERS} sleeping calls took {took:?}: they ran at once"
    );
    let inline = (0..SLEEPERS)
        .flat_map(|i| ran_on(&threads, &format!("/sleep{i}")))
        .filter(|t| t == IO_THREAD)
        .count();
    assert!(
        inline <= 2,
        "at most the I/O threads but one ran a sleeping call: {inline}"
    );
    // The server has seen calls block: the next ones are handed off.
    assert_eq!(get(addr, "/after").status, 200);
    assert_eq!(ran_on(&threads, "/after"), ["gateway-app"]);
}

#[test]
fn on_one_io_thread_a_sleeping_inline_call_leaves_the_spare_to_serve_the_rest() {
    // One I/O thread asked for (a one-core server): the runtime's spare I/O thread serves
    // every other request while the one that was asked for sleeps in an inline call.
    let (app, threads) = app();
    let server = TestServer::start_with(app, |b| b.workers(1));
    let addr = server.addr;
    for _ in 0..20 {
        assert_eq!(get(addr, "/warm").status, 200);
    }
    let (done_tx, done_rx) = mpsc::channel();
    let started = Instant::now();
    let slow = get_each(addr, ["/sleep".to_owned()], "slow", &done_tx);
    std::thread::sleep(Duration::from_millis(100));
    let fast = get_each(addr, (0..50).map(|i| format!("/fast{i}")), "fast", &done_tx);
    for handle in fast {
        assert_eq!(handle.join().unwrap().status, 200);
    }
    let fast_took = started.elapsed();
    for handle in slow {
        assert_eq!(handle.join().unwrap().text(), "/sleep");
    }
    let order: Vec<_> = done_rx.try_iter().collect();
    assert!(
        order[..50].iter().all(|done| *done == "fast"),
        "all 50 fast requests finished before the sleeping one: {order:?}"
    );
    assert!(fast_took < SLEEP, "the fast requests took {fast_took:?}");
    assert_eq!(
        ran_on(&threads, "/sleep"),
        [IO_THREAD],
        "the sleeping call ran inline (what this test is about)"
    );
}

#[test]
fn an_application_that_blocks_on_tokio_fails_once_inline_then_runs_on_the_application_threads() {
    // tokio panics when an I/O thread blocks on it (`Handle::block_on`, the `postgres`
    // crate's client), where an application thread may.
    let server = TestServer::start_with(
        |_: &Environ, start_response: StartResponse| {
            let answer = tokio::runtime::Handle::current().block_on(async { "from tokio" });
            start_response("200 OK", &[]);
            answer
        },
        |b| b.workers(2),
    );
    let first = get(server.addr, "/");
    assert_eq!(
        first.status,
        500,
        "the inline call failed: {}",
        first.text()
    );
    server.wait_for_error("Cannot start a runtime from within a runtime");
    for _ in 0..5 {
        let reply = get(server.addr, "/");
        assert_eq!((reply.status, reply.text().as_str()), (200, "from tokio"));
    }
}
