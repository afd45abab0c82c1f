//! End-to-end: an application that breaks the contract gets a clear answer, the reason goes
//! to `wsgi.errors`, and the server goes on serving.

mod support;

use gateway::{Body, Environ, StartResponse};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// Serves `app` at `/` and a healthy greeting at `/ok`; asserts `/` answers `status` with
/// `reason` in the error log, and that the server still answers `/ok` afterwards.
fn assert_fails_with(
    status: u16,
    reason: &str,
    app: impl Fn(&Environ, StartResponse) -> Body + Send + Sync + 'static,
) {
    let server = TestServer::start(move |environ: &Environ, start_response: StartResponse| {
        if environ.path_info() == "/ok" {
            start_response("200 OK", &[]);
            Body::from_iter(["still serving"])
        } else {
            app(environ, start_response)
        }
    });
    let reply = get(server.addr, "/");
    assert_eq!(reply.status, status, "{}", reply.text());
    if status == 500 {
        assert_eq!(reply.text(), support::SERVER_ERROR_BODY);
    }
    server.wait_for_error(reason);
    assert_eq!(get(server.addr, "/ok").text(), "still serving");
}

#[test]
fn a_panic_answers_500() {
    assert_fails_with(500, "the application panicked: boom", |_, _| panic!("boom"));
}

#[test]
fn a_panic_in_the_body_before_anything_was_sent_answers_500() {
    assert_fails_with(500, "panicked: lazy boom", |_, start_response| {
        start_response("200 OK", &[]);
        Body::from_iter(std::iter::once_with(|| -> Vec<u8> { panic!("lazy boom") }))
    });
}

#[test]
fn never_calling_start_response_answers_500() {
    assert_fails_with(500, "never called start_response", |_, _| {
        Body::from_iter(["forgot"])
    });
}

#[test]
fn a_bad_status_answers_500() {
    assert_fails_with(500, "invalid status \"OK\"", |_, start_response| {
        start_response("OK", &[]);
        Body::empty()
    });
}

#[test]
fn cr_lf_in_a_header_value_answers_500() {
    assert_fails_with(
        500,
        "invalid value for header \"X-Injected\"",
        |_, start_response| {
            start_response("200 OK", &[("X-Injected", "a\r\nSet-Cookie: evil=1")]);
            Body::empty()
        },
    );
}

#[test]
fn a_hop_by_hop_header_answers_500() {
    assert_fails_with(
        500,
        "hop-by-hop header \"Connection\"",
        |_, start_response| {
            start_response("200 OK", &[("Connection", "close")]);
            Body::empty()
        },
    );
}

#[test]
fn a_second_start_response_answers_500() {
    assert_fails_with(500, "start_response called twice", |_, start_response| {
        start_response("200 OK", &[]);
        start_response("404 Not Found", &[]);
        Body::empty()
    });
}

#[test]
fn an_err_result_answers_500() {
    let server = TestServer::start(
        |_: &Environ, start_response: StartResponse| -> Result<String, String> {
            start_response("200 OK", &[]);
            Err("database unreachable".into())
        },
    );
    assert_eq!(get(server.addr, "/").status, 500);
    server.wait_for_error("the application failed: database unreachable");
}

#[test]
fn exc_info_replaces_the_response_before_it_is_sent() {
    let server = TestServer::start(|_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Type", "text/html")]);
        let _ = start_response.with_exc_info(
            "503 Service Unavailable",
            &[("Retry-After", "5")],
            &"backend down",
        );
        "try later"
    });
    let reply = get(server.addr, "/");
    assert_eq!(
        (reply.status, reply.header("retry-after")),
        (503, Some("5"))
    );
    assert_eq!(reply.text(), "try later");
}

#[test]
fn too_many_bytes_for_content_length_are_cut_at_content_length() {
    let server = TestServer::start(|_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Length", "5")]);
        Body::from_iter(["abc", "defgh"])
    });
    let text = raw(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(text.ends_with("\r\n\r\nabcde"), "{text}");
    server.wait_for_error("more than its Content-Length of 5");
}

#[test]
fn too_few_bytes_for_content_length_close_the_connection() {
    let server = TestServer::start(|_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Length", "10")]);
        Body::from_iter(["abc", "d"])
    });
    let mut stream = raw_connect(server.addr);
    std::io::Write::write_all(&mut stream, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    // Keep-alive was asked for: only a closed connection ends this read.
    let text = read_until_close(&mut stream);
    assert!(text.ends_with("\r\n\r\nabcd"), "{text}");
    server.wait_for_error("the body had 4 bytes but Content-Length said 10");
}

#[test]
fn a_panic_after_the_body_started_truncates_the_response() {
    let server = TestServer::start(|_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[]);
        let mut pulled = 0;
        Body::from_iter(std::iter::from_fn(move || {
            pulled += 1;
            match pulled {
                1 => Some(b"partial".to_vec()),
                _ => panic!("mid-body"),
            }
        }))
    });
    let text = raw(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("partial"), "{text}");
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "a broken body must not look complete: {text}"
    );
    server.wait_for_error("panicked: mid-body");
}

/// A body that never ends and counts how often it was dropped.
struct Endless(Arc<AtomicUsize>);

impl Iterator for Endless {
    type Item = Vec<u8>;
    fn next(&mut self) -> Option<Vec<u8>> {
        Some(vec![b'x'; 64 * 1024])
    }
}

impl Drop for Endless {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_client_leaving_mid_response_drops_the_body_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = drops.clone();
    let server = TestServer::start(move |_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[]);
        Body::from_iter(Endless(counter.clone()))
    });
    let mut stream = raw_connect(server.addr);
    std::io::Write::write_all(&mut stream, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut some = [0; 4096];
    std::io::Read::read_exact(&mut stream, &mut some).unwrap();
    drop(stream);
    let deadline = Instant::now() + IO_TIMEOUT;
    while drops.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the body was never dropped");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let mut again = raw_connect(server.addr);
    std::io::Write::write_all(&mut again, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut status = [0; 12];
    std::io::Read::read_exact(&mut again, &mut status).unwrap();
    assert_eq!(&status, b"HTTP/1.1 200", "the server goes on serving");
}
