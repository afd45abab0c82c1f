//! Every return type `#[wsgi_app]` accepts, run and sent through `host::run` and `Exchange`
//! as a server would, with gateway-core and gateway-macros alone (no facade, no runtime).

use gateway_core::host::{run, Exchange, Running};
use gateway_core::testing::block_on;
use gateway_core::{
    Application, Body, Bytes, ContractError, Environ, HttpError, Outcome, StartResponse,
};
use gateway_macros::wsgi_app;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// What the client would receive.
#[derive(Debug)]
struct Response {
    status: u16,
    content_type: Option<String>,
    content_length: Option<u64>,
    chunks: Vec<Bytes>,
}

impl Response {
    fn text(&self) -> String {
        self.chunks
            .iter()
            .map(|chunk| String::from_utf8_lossy(chunk))
            .collect()
    }
}

fn environ(path: &str) -> Environ {
    Environ::builder().uri(path).build()
}

/// Calls `app` as a server does, awaiting it if it is `async`, and sends the body up to the
/// first chunk; the rest stays in the exchange. A broken contract is the error-log line.
fn call(app: &dyn Application, path: &str) -> (Exchange, Result<Response, String>) {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let environ = Environ::builder()
        .uri(path)
        .error_sink(Arc::new(move |line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        }))
        .build();
    let mut exchange = match run(app, environ) {
        Running::Ready(exchange) => exchange,
        Running::Pending(pending) => block_on(pending),
    };
    let start = exchange.start();
    if let Some(line) = lines.lock().unwrap().first() {
        return (exchange, Err(line.clone()));
    }
    let header = |name| {
        start.head.headers.get(name).map(|value| {
            value
                .to_str()
                .map_or_else(|_| "(not text)".to_owned(), str::to_owned)
        })
    };
    let response = Response {
        status: start.head.status.as_u16(),
        content_type: header("content-type"),
        content_length: start.content_length,
        chunks: Some(start.first.clone())
            .filter(|first| !first.is_empty())
            .into_iter()
            .collect(),
    };
    (exchange, Ok(response))
}

/// The whole response.
fn get(app: &dyn Application, path: &str) -> Result<Response, String> {
    let (mut exchange, response) = call(app, path);
    let mut response = response?;
    while let Some(chunk) = exchange.next_chunk() {
        response
            .chunks
            .push(chunk.map_err(|error| error.to_string())?);
    }
    Ok(response)
}

/// A future that is pending once, so the async applications really suspend.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        context.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yield_now() -> YieldNow {
    YieldNow(false)
}

// ---- chunks in memory: `IntoBody::into_body`

#[wsgi_app]
fn vec_of_vecs(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    vec![
        b"<h1>".to_vec(),
        environ.path_info().as_bytes().to_vec(),
        b"</h1>".to_vec(),
    ]
}

#[wsgi_app]
fn vec_of_bytes(_environ: &Environ, start_response: StartResponse) -> Vec<u8> {
    start_response("200 OK", &[]);
    b"one chunk".to_vec()
}

#[wsgi_app]
fn string(environ: &Environ, start_response: StartResponse) -> String {
    start_response("201 Created", &[("Content-Type", "text/plain")]);
    format!("created {}", environ.path_info())
}

#[wsgi_app]
fn static_str(_environ: &Environ, start_response: StartResponse) -> &'static str {
    start_response("200 OK", &[]);
    "static text"
}

#[wsgi_app]
fn static_bytes(_environ: &Environ, start_response: StartResponse) -> &'static [u8] {
    start_response("200 OK", &[]);
    b"static bytes"
}

#[wsgi_app]
fn bytes(_environ: &Environ, start_response: StartResponse) -> gateway_core::Bytes {
    start_response("200 OK", &[]);
    Bytes::from_static(b"bytes")
}

#[wsgi_app]
fn ready_body(_environ: &Environ, start_response: StartResponse) -> Body {
    start_response("204 No Content", &[]);
    Body::empty()
}

#[wsgi_app]
fn vec_of_strings(_environ: &Environ, start_response: StartResponse) -> Vec<String> {
    start_response("200 OK", &[]);
    vec!["a".to_owned(), "b".to_owned()]
}

#[wsgi_app]
fn vec_of_strs(_environ: &Environ, start_response: StartResponse) -> Vec<&'static str> {
    start_response("200 OK", &[]);
    vec!["c", "d"]
}

#[wsgi_app]
fn vec_of_bytes_chunks(_environ: &Environ, start_response: StartResponse) -> Vec<Bytes> {
    start_response("200 OK", &[]);
    vec![Bytes::from("e"), Bytes::from("f")]
}

#[test]
fn chunks_in_memory_are_sent_as_returned() {
    let response = get(&vec_of_vecs, "/hi").unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type.as_deref(), Some("text/html"));
    assert_eq!(response.chunks, ["<h1>", "/hi", "</h1>"]);

    let response = get(&string, "/thing").unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(response.text(), "created /thing");

    for (app, text) in [
        (&vec_of_bytes as &dyn Application, "one chunk"),
        (&static_str, "static text"),
        (&static_bytes, "static bytes"),
        (&bytes, "bytes"),
        (&vec_of_strings, "ab"),
        (&vec_of_strs, "cd"),
        (&vec_of_bytes_chunks, "ef"),
    ] {
        let response = get(app, "/").unwrap();
        assert_eq!((response.status, response.text()), (200, text.to_owned()));
    }
}

#[test]
fn a_single_chunk_is_sent_with_a_content_length() {
    let response = get(&static_str, "/").unwrap();
    assert_eq!(response.content_length, Some(11));
    let response = get(&vec_of_vecs, "/").unwrap();
    assert_eq!(response.content_length, None);
}

#[test]
fn a_body_is_sent_as_it_is() {
    let response = get(&ready_body, "/").unwrap();
    assert_eq!(response.status, 204);
    assert!(response.chunks.is_empty());
}

#[test]
fn a_plain_function_blocks_and_an_async_one_does_not() {
    assert!(vec_of_vecs.blocking());
    assert!(counted.blocking());
    assert!(!async_string.blocking());
    assert!(!async_counted.blocking());
}

// ---- Result: `Ok` is the body, `Err` a 500

#[wsgi_app]
fn result_ok(environ: &Environ, start_response: StartResponse) -> Result<String, &'static str> {
    start_response("200 OK", &[]);
    Ok(environ.path_info().to_owned())
}

#[wsgi_app]
fn result_err(_environ: &Environ, start_response: StartResponse) -> Result<Vec<Vec<u8>>, String> {
    start_response("200 OK", &[]);
    Err("database down".to_owned())
}

#[wsgi_app]
fn io_result(_environ: &Environ, _start_response: StartResponse) -> std::io::Result<String> {
    Err(std::io::Error::other("disk full"))
}

#[wsgi_app]
fn lazy_ok(
    _environ: &Environ,
    start_response: StartResponse,
) -> Result<impl Iterator<Item = &'static str> + Send, &'static str> {
    start_response("200 OK", &[]);
    Ok(["x", "y"].into_iter())
}

#[wsgi_app]
fn lazy_err(
    _environ: &Environ,
    start_response: StartResponse,
) -> Result<std::vec::IntoIter<String>, &'static str> {
    start_response("200 OK", &[]);
    Err("no rows")
}

fn failed(message: &str) -> String {
    ContractError::Failed {
        message: message.to_owned(),
    }
    .to_string()
}

#[test]
fn ok_is_the_body() {
    assert_eq!(get(&result_ok, "/ok").unwrap().text(), "/ok");
    assert_eq!(get(&lazy_ok, "/").unwrap().chunks, ["x", "y"]);
}

#[test]
fn err_fails_the_response_before_anything_is_sent() {
    assert_eq!(get(&result_err, "/").unwrap_err(), failed("database down"));
    assert_eq!(get(&io_result, "/").unwrap_err(), failed("disk full"));
    assert_eq!(get(&lazy_err, "/").unwrap_err(), failed("no rows"));
    assert_eq!(get(&async_err, "/").unwrap_err(), failed("timed out"));
}

// ---- Result with an `HttpError`: its answer replaces the response, through the
// application's own `start_response` (so a middleware that wraps it sees the answer)

#[wsgi_app]
fn http_error(environ: &Environ, start_response: StartResponse) -> Result<String, HttpError> {
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    Err(HttpError::not_found(format!("no {}", environ.path_info())))
}

#[wsgi_app]
fn lazy_http_error(
    _environ: &Environ,
    _start_response: StartResponse,
) -> Result<std::vec::IntoIter<String>, HttpError> {
    Err(HttpError::unprocessable("bad shape"))
}

#[wsgi_app]
async fn async_http_error(
    _environ: &Environ,
    _start_response: StartResponse,
) -> Result<String, HttpError> {
    yield_now().await;
    Err(HttpError::bad_request("later"))
}

#[test]
fn an_http_error_answers_with_its_status_and_body() {
    let apps: [(Arc<dyn Application>, u16, &str); 3] = [
        (Arc::new(http_error), 404, "no /note"),
        (Arc::new(lazy_http_error), 422, "bad shape"),
        (Arc::new(async_http_error), 400, "later"),
    ];
    for (app, status, text) in apps {
        let response = get(&app, "/note").unwrap();
        assert_eq!((response.status, response.text().as_str()), (status, text));
        let validated = get(&gateway_core::validator(app), "/note").unwrap();
        assert_eq!(validated.status, status, "through the validator");
    }
}

// ---- lazy iterators: `Body::from_iter`, one chunk per pull

static COUNTED_PULLS: AtomicUsize = AtomicUsize::new(0);

#[wsgi_app]
fn counted(_environ: &Environ, start_response: StartResponse) -> impl Iterator<Item = String> {
    start_response("200 OK", &[]);
    (0..3).map(|i| {
        COUNTED_PULLS.fetch_add(1, Ordering::SeqCst);
        format!("chunk {i};")
    })
}

/// A user's own iterator.
struct Countdown(u8);

impl Iterator for Countdown {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        self.0 = self.0.checked_sub(1)?;
        Some(format!("{}", self.0 + 1))
    }
}

#[wsgi_app]
fn countdown(_environ: &Environ, start_response: StartResponse) -> Countdown {
    start_response("200 OK", &[]);
    Countdown(3)
}

#[wsgi_app]
fn vec_into_iter(_environ: &Environ, start_response: StartResponse) -> std::vec::IntoIter<String> {
    start_response("200 OK", &[]);
    vec!["i".to_owned(), "j".to_owned()].into_iter()
}

#[wsgi_app]
fn mapped(
    _environ: &Environ,
    start_response: StartResponse,
) -> std::iter::Map<std::ops::Range<u8>, fn(u8) -> String> {
    start_response("200 OK", &[]);
    (1..3).map(|n| n.to_string())
}

#[wsgi_app]
fn boxed(
    _environ: &Environ,
    start_response: StartResponse,
) -> Box<dyn Iterator<Item = Vec<u8>> + Send> {
    start_response("200 OK", &[]);
    Box::new(std::iter::repeat_n(b"k".to_vec(), 2))
}

/// PEP 3333 lets the first iteration call `start_response`; a lazy body makes that possible.
#[wsgi_app]
fn late_start(
    _environ: &Environ,
    start_response: StartResponse,
) -> impl Iterator<Item = &'static str> {
    std::iter::once_with(move || {
        start_response("202 Accepted", &[]);
        "late"
    })
}

#[test]
fn a_lazy_body_is_pulled_one_chunk_at_a_time() {
    let (mut exchange, response) = call(&counted, "/");
    assert_eq!(response.unwrap().chunks, ["chunk 0;"]);
    assert_eq!(COUNTED_PULLS.load(Ordering::SeqCst), 1);
    assert_eq!(exchange.next_chunk().unwrap().unwrap(), "chunk 1;");
    assert_eq!(COUNTED_PULLS.load(Ordering::SeqCst), 2);
    drop(exchange);
    assert_eq!(COUNTED_PULLS.load(Ordering::SeqCst), 2);
}

#[test]
fn any_iterator_of_chunks_is_a_lazy_body() {
    for (app, chunks) in [
        (&countdown as &dyn Application, &["3", "2", "1"][..]),
        (&vec_into_iter, &["i", "j"]),
        (&mapped, &["1", "2"]),
        (&boxed, &["k", "k"]),
    ] {
        assert_eq!(get(app, "/").unwrap().chunks, chunks);
    }
}

#[test]
fn start_response_may_be_called_from_the_first_chunk() {
    let response = get(&late_start, "/").unwrap();
    assert_eq!((response.status, response.text()), (202, "late".to_owned()));
}

// ---- async fn: `Outcome::Pending`, awaited

#[wsgi_app]
async fn async_string(environ: &Environ, start_response: StartResponse) -> String {
    yield_now().await;
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    format!("awaited {}", environ.path_info())
}

#[wsgi_app]
async fn async_vec(_environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[]);
    yield_now().await;
    vec![b"a".to_vec(), b"sync".to_vec()]
}

#[wsgi_app]
async fn async_err(_environ: &Environ, start_response: StartResponse) -> Result<String, String> {
    start_response("200 OK", &[]);
    yield_now().await;
    Err("timed out".to_owned())
}

static ASYNC_PULLS: AtomicUsize = AtomicUsize::new(0);

#[wsgi_app]
async fn async_counted(
    _environ: &Environ,
    start_response: StartResponse,
) -> impl Iterator<Item = Vec<u8>> + Send {
    yield_now().await;
    start_response("200 OK", &[]);
    (0..2).map(|_| {
        ASYNC_PULLS.fetch_add(1, Ordering::SeqCst);
        b"pulled".to_vec()
    })
}

#[test]
fn an_async_application_is_awaited() {
    let Outcome::Pending(future) = async_string.call(environ("/"), StartResponse::new()) else {
        panic!("an async fn gives a pending outcome");
    };
    drop(future);
    let response = get(&async_string, "/later").unwrap();
    assert_eq!(response.content_type.as_deref(), Some("text/plain"));
    assert_eq!(response.text(), "awaited /later");
    assert_eq!(get(&async_vec, "/").unwrap().chunks, ["a", "sync"]);
}

#[test]
fn an_async_lazy_body_is_pulled_one_chunk_at_a_time() {
    let (mut exchange, response) = call(&async_counted, "/");
    assert_eq!(response.unwrap().chunks, ["pulled"]);
    assert_eq!(ASYNC_PULLS.load(Ordering::SeqCst), 1);
    exchange.next_chunk().unwrap().unwrap();
    assert_eq!(ASYNC_PULLS.load(Ordering::SeqCst), 2);
}
