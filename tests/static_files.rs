//! End-to-end: `StaticFiles` over real sockets: headers, conditional and range requests,
//! `HEAD`, large files, the example, and every way of asking for a file outside the directory.

mod support;

#[allow(dead_code)]
#[path = "../examples/static_files.rs"]
mod example;

use gateway::validator;
use gateway::StaticFiles;
use gateway::{Environ, StartResponse};
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::*;

/// `base/secret.txt` beside the served `base/public/`, under the system's temp dir; removed
/// when dropped.
struct Site {
    base: PathBuf,
}

impl Site {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "gateway-static-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(base.join("public/docs")).unwrap();
        fs::write(base.join("secret.txt"), "TOP SECRET").unwrap();
        fs::write(base.join("public/hello.txt"), "hello, file").unwrap();
        fs::write(base.join("public/docs/index.html"), "<h1>docs</h1>").unwrap();
        Self { base }
    }

    fn public(&self) -> PathBuf {
        self.base.join("public")
    }

    fn serve(&self) -> TestServer {
        TestServer::start(
            StaticFiles::new("/static", self.public(), fallback).index_file("index.html"),
        )
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

fn fallback(environ: &Environ, start_response: StartResponse) -> String {
    start_response("404 Not Found", &[("Content-Type", "text/plain")]);
    format!("app: {}", environ.path_info())
}

fn get_with(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = request("GET", path, "");
    for (name, value) in headers {
        request.headers_mut().insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    send(server.addr, request)
}

#[test]
fn a_file_is_served_with_its_headers() {
    let site = Site::new();
    let server = site.serve();
    let reply = get(server.addr, "/static/hello.txt");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "hello, file");
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(reply.header("content-length"), Some("11"));
    assert_eq!(reply.header("accept-ranges"), Some("bytes"));
    assert!(reply.header("etag").is_some() && reply.header("last-modified").is_some());
    assert!(
        server.error_lines().is_empty(),
        "{:?}",
        server.error_lines()
    );
}

#[test]
fn other_paths_fall_through_to_the_application() {
    let site = Site::new();
    let server = site.serve();
    for path in ["/static/nope.txt", "/", "/hello.txt"] {
        let reply = get(server.addr, path);
        assert_eq!((reply.status, reply.text()), (404, format!("app: {path}")));
    }
}

#[test]
fn conditional_requests_answer_304() {
    let site = Site::new();
    let server = site.serve();
    let first = get(server.addr, "/static/hello.txt");
    let etag = first.header("etag").unwrap();
    let modified = first.header("last-modified").unwrap();
    for header in [("If-None-Match", etag), ("If-Modified-Since", modified)] {
        let reply = get_with(&server, "/static/hello.txt", &[header]);
        assert_eq!(reply.status, 304, "{header:?}");
        assert!(reply.body.is_empty());
        assert_eq!(reply.header("etag"), Some(etag));
    }
}

#[test]
fn ranges_answer_206_and_416() {
    let site = Site::new();
    let server = site.serve();
    let reply = get_with(&server, "/static/hello.txt", &[("Range", "bytes=7-")]);
    assert_eq!(reply.status, 206);
    assert_eq!(reply.text(), "file");
    assert_eq!(reply.header("content-range"), Some("bytes 7-10/11"));
    assert_eq!(reply.header("content-length"), Some("4"));
    let reply = get_with(&server, "/static/hello.txt", &[("Range", "bytes=11-")]);
    assert_eq!(reply.status, 416);
    assert_eq!(reply.header("content-range"), Some("bytes */11"));
    let reply = get_with(&server, "/static/hello.txt", &[("Range", "bytes=0-1,3-4")]);
    assert_eq!(
        (reply.status, reply.text()),
        (200, "hello, file".to_owned())
    );
}

#[test]
fn head_sends_the_headers_of_get_and_no_body() {
    let site = Site::new();
    fs::write(site.public().join("big.bin"), vec![b'x'; 1 << 20]).unwrap();
    let server = site.serve();
    let text = raw(
        server.addr,
        b"HEAD /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&text), 200, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("content-length: 1048576\r\n"),
        "{text}"
    );
    assert!(
        text.ends_with("\r\n\r\n"),
        "a HEAD response has no body: {text}"
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        server.error_lines().is_empty(),
        "{:?}",
        server.error_lines()
    );
}

#[test]
fn a_large_file_streams_whole() {
    let site = Site::new();
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
    fs::write(site.public().join("big.bin"), &big).unwrap();
    let server = site.serve();
    let reply = get(server.addr, "/static/big.bin");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-length"), Some("5000000"));
    assert!(reply.body == big, "the body differs from the file");
    let reply = get_with(&server, "/static/big.bin", &[("Range", "bytes=4999990-")]);
    assert_eq!(reply.body, big[4_999_990..]);
}

#[test]
fn a_directory_redirects_to_its_slash_then_serves_its_index() {
    let site = Site::new();
    let server = site.serve();
    let reply = get(server.addr, "/static/docs");
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("location"), Some("/static/docs/"));
    assert_eq!(get(server.addr, "/static/docs/").text(), "<h1>docs</h1>");
}

#[test]
fn other_methods_on_a_file_answer_405() {
    let site = Site::new();
    let server = site.serve();
    let reply = send(server.addr, request("DELETE", "/static/hello.txt", ""));
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
}

#[test]
fn the_responses_pass_the_validator() {
    let site = Site::new();
    let server = TestServer::start(validator(
        StaticFiles::new("/static", site.public(), fallback).index_file("index.html"),
    ));
    get(server.addr, "/static/hello.txt");
    get_with(&server, "/static/hello.txt", &[("Range", "bytes=0-0")]);
    get_with(&server, "/static/hello.txt", &[("Range", "bytes=99-")]);
    get(server.addr, "/static/docs");
    raw(
        server.addr,
        b"HEAD /static/hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        server.error_lines().is_empty(),
        "{:?}",
        server.error_lines()
    );
}

/// Sends `target` raw (no client library normalises it) and asserts nothing from outside the
/// directory came back: the application answered, or the server refused the request.
#[track_caller]
fn assert_not_served(server: &TestServer, target: &str) {
    let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let text = raw(server.addr, request.as_bytes());
    assert!(!text.contains("TOP SECRET"), "{target} leaked: {text}");
    let status = status_of(&text);
    assert!(
        status == 400 || (status == 404 && text.contains("app: ")),
        "{target}: {text}"
    );
}

#[test]
fn dot_dot_never_leaves_the_directory() {
    let site = Site::new();
    let server = site.serve();
    for target in [
        "/static/../secret.txt",
        "/static/docs/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/.%2e/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
    ] {
        assert_not_served(&server, target);
    }
}

#[test]
fn encoded_slashes_and_backslashes_never_leave_the_directory() {
    let site = Site::new();
    let server = site.serve();
    for target in [
        "/static/..%2Fsecret.txt",
        "/static/..%2fsecret.txt",
        "/static/..%5Csecret.txt",
        "/static/..%5csecret.txt",
        "/static/..\\secret.txt",
        "/static/%5C..%5Csecret.txt",
    ] {
        assert_not_served(&server, target);
    }
}

#[test]
fn absolute_paths_never_leave_the_directory() {
    let site = Site::new();
    let server = site.serve();
    let secret = site.base.join("secret.txt");
    let target = format!("/static/{}", secret.display());
    assert_not_served(&server, &target);
    let encoded = secret.display().to_string().replace('/', "%2F");
    assert_not_served(&server, &format!("/static/{encoded}"));
    assert_not_served(&server, "/static//etc/passwd");
}

#[test]
fn nul_bytes_never_reach_the_file_system() {
    let site = Site::new();
    let server = site.serve();
    assert_not_served(&server, "/static/hello.txt%00");
    assert_not_served(&server, "/static/hello.txt%00.png");
}

#[cfg(unix)]
#[test]
fn symlinks_never_leave_the_directory() {
    let site = Site::new();
    std::os::unix::fs::symlink(site.base.join("secret.txt"), site.public().join("link.txt"))
        .unwrap();
    std::os::unix::fs::symlink(&site.base, site.public().join("up")).unwrap();
    let server = site.serve();
    assert_not_served(&server, "/static/link.txt");
    assert_not_served(&server, "/static/up/secret.txt");
    assert_eq!(get(server.addr, "/static/hello.txt").text(), "hello, file");
}

#[test]
fn the_example_serves_its_folder_and_the_app_behind_it() {
    let server = TestServer::start(example::site());
    let index = get(server.addr, "/static/");
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(index.text().contains("style.css"));
    let css = get(server.addr, "/static/style.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.text().contains("font-family"));
    assert!(get(server.addr, "/Alice")
        .text()
        .starts_with("<h1>Hello, Alice!</h1>"));
}
