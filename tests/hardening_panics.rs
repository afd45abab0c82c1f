//! End-to-end: a panic in an application is one line on stderr, with its message, its place
//! and its route, even with `RUST_BACKTRACE=1`; repeats of the same fault are rate-limited;
//! a backtrace comes only when the server is asked for it (issue 12).
//!
//! stderr is the process's own, so the server runs in a child process: this test binary,
//! started again to run only `child_serves_panicking_requests`.

mod support;

use gateway::{wsgi_app, Body, Environ, Server, StartResponse};
use std::process::Command;
use std::time::Duration;
use support::*;

const CHILD: &str = "GATEWAY_TEST_PANICS_CHILD";

/// Runs the child with `mode` and `RUST_BACKTRACE=1`; its stderr.
fn child_stderr(mode: &str) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_serves_panicking_requests", "--nocapture"])
        .env(CHILD, mode)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "the child failed: {stderr}");
    stderr
}

#[test]
fn a_panic_is_one_line_with_its_message_place_and_route() {
    let stderr = child_stderr("quiet");
    let panics: Vec<_> = stderr.lines().filter(|l| l.contains("panicked")).collect();
    // 50 panics at each of three places: one line each (the repeats are rate-limited).
    assert_eq!(panics.len(), 3, "{stderr}");
    assert!(
        panics[0].contains("the application panicked: boom (at tests/hardening_panics.rs:"),
        "{stderr}"
    );
    assert!(panics[0].ends_with(", GET /boom)"), "{stderr}");
    assert!(
        panics[1].contains("the application panicked: mid-body"),
        "{stderr}"
    );
    assert!(panics[1].ends_with(", GET /stream)"), "{stderr}");
    assert!(
        panics[2].contains("the application panicked: async boom"),
        "{stderr}"
    );
    assert!(panics[2].ends_with(", GET /async)"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    assert!(
        !stderr.contains("thread '"),
        "no default hook output: {stderr}"
    );
    println!(
        "100 panics with RUST_BACKTRACE=1: {} lines of stderr:\n{stderr}",
        stderr.lines().count()
    );
}

#[test]
fn a_backtrace_comes_only_when_the_server_asks_for_it() {
    let stderr = child_stderr("backtraces");
    assert!(
        stderr.contains("the application panicked: boom (at "),
        "{stderr}"
    );
    assert!(stderr.contains("backtrace:"), "{stderr}");
    assert_eq!(
        stderr.matches("\nbacktrace:\n").count(),
        3,
        "one per fault: {stderr}"
    );
}

#[wsgi_app]
async fn panicking_async(_environ: &Environ, _start_response: StartResponse) -> String {
    std::future::ready(()).await;
    panic!("async boom");
}

/// Serves `app` with the default error log (stderr) while `requests` run against it.
fn serving(
    app: impl gateway::Application,
    backtraces: bool,
    requests: impl FnOnce(std::net::SocketAddr),
) {
    let server = Server::builder()
        .bind("127.0.0.1:0")
        .handle_signals(false)
        .panic_backtraces(backtraces)
        .shutdown_grace(Duration::from_secs(2))
        .build(app)
        .unwrap();
    let addr = server.local_addr();
    let handle = server.shutdown_handle();
    let serving = std::thread::spawn(move || server.serve_forever());
    requests(addr);
    handle.shutdown();
    serving.join().unwrap().unwrap();
}

/// The child: servers with the default error log (stderr); 50 requests that panic in a plain
/// `fn` application, 50 whose body panics mid-way, 50 that panic in an `async fn` one.
#[test]
fn child_serves_panicking_requests() {
    let Ok(mode) = std::env::var(CHILD) else {
        return; // only as the child
    };
    let app = |environ: &Environ, start_response: StartResponse| {
        if environ.path_info() == "/boom" {
            panic!("boom");
        }
        start_response("200 OK", &[]);
        let mut pieces = 0;
        Body::from_iter(std::iter::from_fn(move || {
            pieces += 1;
            if pieces == 2 {
                panic!("mid-body");
            }
            Some(b"piece".to_vec())
        }))
    };
    let backtraces = mode == "backtraces";
    serving(app, backtraces, |addr| {
        for _ in 0..50 {
            assert_eq!(get(addr, "/boom").status, 500);
            let text = raw(
                addr,
                b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            );
            assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        }
    });
    serving(panicking_async, backtraces, |addr| {
        for _ in 0..50 {
            assert_eq!(get(addr, "/async").status, 500);
        }
    });
}
