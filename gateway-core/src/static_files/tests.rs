//! Static files' behaviour, through the test client.

use super::*;
use crate::testing::{TestClient, TestRequest, TestResponse};
use crate::validate::validator;
use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory under the system's temp dir, removed when dropped:
/// `base/secret.txt` outside the served `base/public/`.
struct Site {
    base: PathBuf,
}

impl Site {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "gateway-static-unit-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(base.join("public/css")).unwrap();
        fs::create_dir_all(base.join("public/docs")).unwrap();
        fs::write(base.join("secret.txt"), "TOP SECRET").unwrap();
        fs::write(base.join("public/index.html"), "<h1>home</h1>").unwrap();
        fs::write(base.join("public/css/site.css"), "body{}").unwrap();
        fs::write(base.join("public/docs/index.html"), "<h1>docs</h1>").unwrap();
        fs::write(
            base.join("public/data.bin"),
            (0..=255u8).collect::<Vec<_>>(),
        )
        .unwrap();
        fs::write(base.join("public/empty.txt"), "").unwrap();
        Self { base }
    }

    fn public(&self) -> PathBuf {
        self.base.join("public")
    }

    fn client(&self) -> TestClient<StaticFiles<Fallback>> {
        TestClient::new(
            StaticFiles::new("/static", self.public(), fallback as _).index_file("index.html"),
        )
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

type Fallback = fn(&Environ, StartResponse) -> String;

fn fallback(environ: &Environ, start_response: StartResponse) -> String {
    start_response("404 Not Found", &[("Content-Type", "text/plain")]);
    format!("app: {}", environ.path_info())
}

fn get_with(
    client: &TestClient<impl Application>,
    target: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = TestRequest::new("GET", target);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    client.send(request)
}

#[track_caller]
fn assert_fell_through(response: &TestResponse) {
    assert_eq!(response.status, 404, "{response:?}");
    assert!(response.text().starts_with("app: "), "{response:?}");
    assert!(!response.text().contains("SECRET"));
}

#[test]
fn a_file_is_served_with_its_type_length_and_validators() {
    let site = Site::new();
    let response = site.client().get("/static/css/site.css");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "body{}");
    assert_eq!(
        response.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(response.header("content-length"), Some("6"));
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
    let etag = response.header("etag").unwrap();
    assert!(etag.starts_with("\"6-") && etag.ends_with('"'), "{etag}");
    let modified = response.header("last-modified").unwrap();
    assert!(httpdate::parse_http_date(modified).is_ok(), "{modified}");
    assert!(response.errors.is_empty());
}

#[test]
fn unknown_extensions_are_octet_streams() {
    let site = Site::new();
    let response = site.client().get("/static/data.bin");
    assert_eq!(
        response.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(response.body.len(), 256);
}

#[test]
fn anything_else_falls_through_to_the_application() {
    let site = Site::new();
    let client = site.client();
    assert_eq!(
        client.get("/static/missing.css").text(),
        "app: /static/missing.css"
    );
    assert_eq!(client.get("/other").text(), "app: /other");
    assert_eq!(client.get("/staticfile").text(), "app: /staticfile");
}

#[test]
fn the_response_passes_the_validator() {
    let site = Site::new();
    let client = TestClient::new(validator(
        StaticFiles::new("/static", site.public(), fallback).index_file("index.html"),
    ));
    for (target, headers) in [
        ("/static/css/site.css", vec![]),
        ("/static/data.bin", vec![("Range", "bytes=0-9")]),
        ("/static/data.bin", vec![("Range", "bytes=900-")]),
        ("/static/empty.txt", vec![]),
        ("/static/docs", vec![]),
        ("/static/docs/", vec![]),
    ] {
        let response = get_with(&client, target, &headers);
        assert!(
            response.errors.is_empty(),
            "{target}: {:?}",
            response.errors
        );
    }
    let etag = client
        .get("/static/css/site.css")
        .header("etag")
        .unwrap()
        .to_owned();
    let response = get_with(&client, "/static/css/site.css", &[("If-None-Match", &etag)]);
    assert_eq!(response.status, 304);
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let response = client.send(TestRequest::new("POST", "/static/css/site.css"));
    assert_eq!(response.status, 405);
    assert!(response.errors.is_empty(), "{:?}", response.errors);
}

#[test]
fn if_none_match_answers_304() {
    let site = Site::new();
    let client = site.client();
    let etag = client
        .get("/static/css/site.css")
        .header("etag")
        .unwrap()
        .to_owned();
    for header in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".into(),
    ] {
        let response = get_with(
            &client,
            "/static/css/site.css",
            &[("If-None-Match", &header)],
        );
        assert_eq!(response.status, 304, "{header}");
        assert!(response.body.is_empty());
        assert_eq!(response.header("etag"), Some(etag.as_str()));
        assert_eq!(response.header("content-type"), None);
    }
    let response = get_with(
        &client,
        "/static/css/site.css",
        &[("If-None-Match", "\"other\"")],
    );
    assert_eq!(response.status, 200);
}

#[test]
fn if_modified_since_answers_304_unless_the_file_is_newer() {
    let site = Site::new();
    let client = site.client();
    let modified = client
        .get("/static/css/site.css")
        .header("last-modified")
        .unwrap()
        .to_owned();
    let response = get_with(
        &client,
        "/static/css/site.css",
        &[("If-Modified-Since", &modified)],
    );
    assert_eq!(response.status, 304);
    let long_ago = "Sat, 01 Jan 2000 00:00:00 GMT";
    let response = get_with(
        &client,
        "/static/css/site.css",
        &[("If-Modified-Since", long_ago)],
    );
    assert_eq!(response.status, 200);
    // If-None-Match decides when both are present.
    let response = get_with(
        &client,
        "/static/css/site.css",
        &[
            ("If-Modified-Since", &modified),
            ("If-None-Match", "\"other\""),
        ],
    );
    assert_eq!(response.status, 200);
}

#[test]
fn a_single_range_answers_206() {
    let site = Site::new();
    let client = site.client();
    for (range, first, last) in [
        ("bytes=0-9", 0, 9),
        ("bytes=250-", 250, 255),
        ("bytes=-6", 250, 255),
        ("bytes=100-100000", 100, 255),
        ("BYTES = 3-3", 0, 0),
    ] {
        let response = get_with(&client, "/static/data.bin", &[("Range", range)]);
        if range.starts_with("BYTES =") {
            assert_eq!(response.status, 200, "a malformed Range is ignored");
            continue;
        }
        assert_eq!(response.status, 206, "{range}");
        let expected: Vec<u8> = (first..=last).map(|b| b as u8).collect();
        assert_eq!(response.body, expected, "{range}");
        assert_eq!(
            response.header("content-range"),
            Some(format!("bytes {first}-{last}/256").as_str())
        );
        assert_eq!(
            response.header("content-length"),
            Some((last - first + 1).to_string().as_str())
        );
    }
}

#[test]
fn an_unsatisfiable_range_answers_416() {
    let site = Site::new();
    let client = site.client();
    for range in ["bytes=256-", "bytes=1000-2000", "bytes=-0"] {
        let response = get_with(&client, "/static/data.bin", &[("Range", range)]);
        assert_eq!(response.status, 416, "{range}");
        assert_eq!(response.header("content-range"), Some("bytes */256"));
    }
    let response = get_with(&client, "/static/empty.txt", &[("Range", "bytes=0-")]);
    assert_eq!(response.status, 416);
    assert_eq!(response.header("content-range"), Some("bytes */0"));
}

#[test]
fn several_ranges_and_invalid_ones_get_the_whole_file() {
    let site = Site::new();
    let client = site.client();
    for range in [
        "bytes=0-1,5-6",
        "bytes=9-1",
        "items=0-1",
        "bytes=a-b",
        "bytes=5",
    ] {
        let response = get_with(&client, "/static/data.bin", &[("Range", range)]);
        assert_eq!(response.status, 200, "{range}");
        assert_eq!(response.body.len(), 256);
    }
}

#[test]
fn if_range_with_another_version_gets_the_whole_file() {
    let site = Site::new();
    let client = site.client();
    let etag = client
        .get("/static/data.bin")
        .header("etag")
        .unwrap()
        .to_owned();
    let response = get_with(
        &client,
        "/static/data.bin",
        &[("Range", "bytes=0-0"), ("If-Range", &etag)],
    );
    assert_eq!(response.status, 206);
    let response = get_with(
        &client,
        "/static/data.bin",
        &[("Range", "bytes=0-0"), ("If-Range", "\"old\"")],
    );
    assert_eq!(response.status, 200);
    let response = get_with(
        &client,
        "/static/data.bin",
        &[("Range", "bytes=0-0"), ("If-Range", &format!("W/{etag}"))],
    );
    assert_eq!(
        response.status, 200,
        "a weak validator never matches If-Range"
    );
}

#[test]
fn head_gets_the_headers_of_get() {
    let site = Site::new();
    let client = site.client();
    let get = client.get("/static/data.bin");
    let head =
        client.send(TestRequest::new("HEAD", "/static/data.bin").header("Range", "bytes=0-1"));
    assert_eq!(head.status, 200, "Range applies to GET only");
    for name in ["content-type", "content-length", "etag", "last-modified"] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }
}

#[test]
fn other_methods_on_a_file_answer_405_and_fall_through_elsewhere() {
    let site = Site::new();
    let client = site.client();
    let response = client.post("/static/css/site.css", "x");
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
    let response = client.post("/static/missing", "x");
    assert_fell_through(&response);
}

#[test]
fn a_directory_serves_its_index_file_after_a_redirect_to_the_slash() {
    let site = Site::new();
    let client = site.client();
    let response = client.get("/static/docs?v=1");
    assert_eq!(response.status, 301);
    assert_eq!(response.header("location"), Some("/static/docs/?v=1"));
    let response = client.get("/static/docs/");
    assert_eq!(
        (response.status.as_u16(), response.text()),
        (200, "<h1>docs</h1>".into())
    );
    assert_eq!(client.get("/static/").text(), "<h1>home</h1>");
    assert_eq!(client.get("/static").status, 301);
}

#[test]
fn without_an_index_file_directories_fall_through() {
    let site = Site::new();
    let client = TestClient::new(StaticFiles::new("/static", site.public(), fallback));
    assert_fell_through(&client.get("/static/docs/"));
    assert_fell_through(&client.get("/static/docs"));
}

#[test]
fn a_file_with_a_trailing_slash_falls_through() {
    let site = Site::new();
    assert_fell_through(&site.client().get("/static/css/site.css/"));
}

#[test]
fn the_root_prefix_serves_from_the_root() {
    let site = Site::new();
    let client = TestClient::new(StaticFiles::new("/", site.public(), fallback));
    assert_eq!(client.get("/css/site.css").text(), "body{}");
    assert_fell_through(&client.get("/nothing"));
}

#[test]
fn cache_control_is_sent_when_set() {
    let site = Site::new();
    let client = TestClient::new(
        StaticFiles::new("/static", site.public(), fallback).cache_control("public, max-age=60"),
    );
    assert_eq!(
        client.get("/static/css/site.css").header("cache-control"),
        Some("public, max-age=60")
    );
}

#[test]
fn large_files_stream_in_blocks() {
    let site = Site::new();
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(site.public().join("big.bin"), &big).unwrap();
    let app = StaticFiles::new("/static", site.public(), fallback).block_size(4096);
    let environ = Environ::builder().uri("/static/big.bin").build();
    let Outcome::Ready(mut body) = app.call(environ, StartResponse::new()) else {
        panic!("a ready body");
    };
    assert!(!body.is_in_memory(), "the body is lazy");
    assert_eq!(body.next().unwrap().unwrap().len(), 4096);
    let response = TestClient::new(app).get("/static/big.bin");
    assert_eq!(response.body, big);
}

// --- traversal: never a file outside the directory ---

#[test]
fn dot_dot_segments_never_leave_the_directory() {
    let site = Site::new();
    let client = site.client();
    for target in [
        "/static/../secret.txt",
        "/static/css/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/.%2e/secret.txt",
        "/static/./css/site.css",
    ] {
        assert_fell_through(&client.get(target));
    }
}

#[test]
fn encoded_slashes_and_backslashes_are_refused() {
    let site = Site::new();
    let client = site.client();
    for target in [
        "/static/..%2Fsecret.txt",
        "/static/..%2fsecret.txt",
        "/static/css%2Fsite.css",
        "/static/..%5Csecret.txt",
        "/static/..%5csecret.txt",
    ] {
        assert_fell_through(&client.get(target));
    }
    let mut environ_path = Environ::builder().uri("/static/css/site.css").build();
    environ_path.insert("PATH_INFO", "/static/..\\secret.txt");
    let app = StaticFiles::new("/static", site.public(), fallback);
    let rest = app.relative(&environ_path).unwrap();
    assert!(matches!(app.lookup(&environ_path, rest), Lookup::NotMine));
}

#[test]
fn absolute_paths_stay_inside_the_directory() {
    let site = Site::new();
    let client = site.client();
    let secret = site.base.join("secret.txt");
    let target = format!("/static/{}", secret.display());
    assert_fell_through(&client.get(&target));
    assert_fell_through(&client.get("/static//etc/passwd"));
    assert_eq!(client.get("/static//css//site.css").text(), "body{}");
}

#[test]
fn nul_bytes_are_refused() {
    let site = Site::new();
    let client = site.client();
    assert_fell_through(&client.get("/static/css/site.css%00.txt"));
    assert_fell_through(&client.get("/static/css/site.css%00"));
}

#[test]
fn non_utf8_paths_fall_through() {
    let site = Site::new();
    assert_fell_through(&site.client().get("/static/caf%E9.css"));
}

#[cfg(unix)]
#[test]
fn symlinks_may_not_lead_outside_the_directory() {
    let site = Site::new();
    std::os::unix::fs::symlink(site.base.join("secret.txt"), site.public().join("link.txt"))
        .unwrap();
    std::os::unix::fs::symlink(&site.base, site.public().join("up")).unwrap();
    std::os::unix::fs::symlink(
        site.public().join("css/site.css"),
        site.public().join("inside.css"),
    )
    .unwrap();
    let client = site.client();
    assert_fell_through(&client.get("/static/link.txt"));
    assert_fell_through(&client.get("/static/up/secret.txt"));
    assert_eq!(client.get("/static/inside.css").text(), "body{}");
}

#[cfg(unix)]
#[test]
fn special_files_fall_through() {
    let site = Site::new();
    std::os::unix::fs::symlink("/dev/null", site.public().join("null")).unwrap();
    assert_fell_through(&site.client().get("/static/null"));
    // A FIFO inside the directory: opening it would block until a writer came.
    let fifo = site.public().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|status| status.success()) {
        assert_fell_through(&site.client().get("/static/pipe"));
    }
}
