//! One request, in one direction: hyper request → [`Environ`] → [`run`] → body → hyper
//! response. This file decides only where the application runs; what running it means is
//! gateway-core's [`run`] and [`Exchange`].

use crate::body::{ResponseBody, Rest};
use crate::connections::Requests;
use crate::input::{BodyFault, IncomingSource};
use crate::pool::Pool;
use gateway_core::host::{run, Connection, Exchange, Input, Running, Start, SERVER_SOFTWARE};
use gateway_core::{Application, Environ};
use http::header::{HeaderValue, CONNECTION, HOST, SERVER};
use http::{Request, Response, StatusCode};
use http_body::Body as _;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};

/// What every request of a server shares.
pub(crate) struct Shared {
    pub(crate) app: Arc<dyn Application>,
    /// Where blocking applications and bodies run.
    pub(crate) pool: Pool,
    /// Run blocking applications on the I/O thread (see `ServerBuilder::run_inline`).
    pub(crate) inline: bool,
    pub(crate) runtime: Handle,
}

/// What the requests of one connection share. A request clones this, never the server-wide
/// [`Shared`]: a reference count that every request of every I/O thread touched would bounce
/// between the cores' caches.
pub(crate) struct PerConnection {
    pub(crate) shared: Arc<Shared>,
    pub(crate) connection: Arc<Connection>,
    pub(crate) requests: Requests,
}

/// Answers one request.
pub(crate) async fn serve(
    request: Request<Incoming>,
    conn: Arc<PerConnection>,
) -> Result<Response<ResponseBody>, Infallible> {
    // Counts the connection busy until the response is sent (see `connections.rs`).
    let busy = conn.requests.begin();
    if let Some(refusal) = refuse_ambiguous(&request) {
        return Ok(refusal);
    }
    let (head, incoming) = request.into_parts();
    let (input, fault) = if incoming.is_end_stream() {
        (Input::empty(), BodyFault::default())
    } else {
        let source = IncomingSource::new(incoming, conn.shared.runtime.clone());
        let fault = source.fault();
        (Input::from_source(source), fault)
    };
    let environ = Environ::new(head, conn.connection.clone(), input);

    let shared = &conn.shared;
    let mut response = if shared.app.blocking() && !shared.inline {
        // A plain `fn` application may block (a database, a file, a sleep): it runs on the
        // application pool, so a slow request never stalls the connections that share its
        // I/O thread. Why a pool of our own and not `spawn_blocking`: see `pool.rs`.
        let (response_tx, response_rx) = oneshot::channel();
        let for_pool = conn.clone();
        shared.pool.spawn(move || {
            let exchange = match run(&*for_pool.shared.app, environ) {
                Running::Ready(exchange) => exchange,
                Running::Pending(pending) => Handle::current().block_on(pending),
            };
            send_from_thread(exchange, &fault, response_tx);
        });
        response_rx.await.unwrap_or_else(|_| server_error())
    } else {
        // An `async` application (or a blocking one told to run inline) is called here, on
        // the I/O thread.
        let exchange = match run(&*shared.app, environ) {
            Running::Ready(exchange) => exchange,
            Running::Pending(pending) => pending.await,
        };
        send_in_place(exchange, fault, &shared.pool).await
    };
    response.body_mut().keep_busy(busy);
    Ok(response)
}

/// Sends a response from the I/O thread; a body that may block is pulled on the application
/// pool instead.
async fn send_in_place(
    mut exchange: Exchange,
    fault: BodyFault,
    pool: &Pool,
) -> Response<ResponseBody> {
    if !exchange.is_in_memory() {
        let (response_tx, response_rx) = oneshot::channel();
        pool.spawn(move || send_from_thread(exchange, &fault, response_tx));
        return response_rx.await.unwrap_or_else(|_| server_error());
    }
    let start = checked(exchange.start(), &fault);
    let rest = if start.complete {
        Rest::Done
    } else {
        Rest::InPlace(Box::new(exchange))
    };
    respond(start, rest)
}

/// Pulls a body that may block, on this blocking thread: the response goes through
/// `response_tx` with its first chunk, the rest through a small channel, so a slow client
/// slows the body.
fn send_from_thread(
    mut exchange: Exchange,
    fault: &BodyFault,
    response_tx: oneshot::Sender<Response<ResponseBody>>,
) {
    let start = checked(exchange.start(), fault);
    if start.complete || fault.is_set() {
        let _ = response_tx.send(respond(start, Rest::Done));
        return;
    }
    let (chunk_tx, chunk_rx) = mpsc::channel(crate::limits::STREAM_BUFFER_CHUNKS);
    if response_tx
        .send(respond(start, Rest::Streamed(chunk_rx)))
        .is_err()
    {
        return;
    }
    while let Some(chunk) = exchange.next_chunk() {
        let failed = chunk.is_err();
        // A send error means the client went away: stop pulling; dropping the exchange
        // drops (closes) the body.
        if chunk_tx.blocking_send(chunk).is_err() || failed {
            break;
        }
    }
}

/// The start of the response, or a 400 that closes the connection when the request body
/// was malformed (whatever the application made of the read error).
fn checked(start: Start, fault: &BodyFault) -> Start {
    if fault.is_set() {
        return closing(Start::plain(
            StatusCode::BAD_REQUEST,
            "malformed request body",
        ));
    }
    start
}

/// The answer when the application's thread went away without one.
fn server_error() -> Response<ResponseBody> {
    respond(
        Start::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            gateway_core::host::SERVER_ERROR_BODY,
        ),
        Rest::Done,
    )
}

/// `start` with `Connection: close`, which makes hyper close the connection after it.
fn closing(mut start: Start) -> Start {
    start
        .head
        .headers
        .insert(CONNECTION, HeaderValue::from_static("close"));
    start
}

/// Turns the start of a response and what follows into hyper's response.
fn respond(start: Start, rest: Rest) -> Response<ResponseBody> {
    let Start {
        mut head, first, ..
    } = start;
    head.headers
        .entry(SERVER)
        .or_insert(HeaderValue::from_static(SERVER_SOFTWARE));
    let first = (!first.is_empty()).then_some(first);
    let mut response = Response::new(ResponseBody::new(first, rest));
    *response.status_mut() = head.status;
    *response.headers_mut() = head.headers;
    if let Some(reason) = head
        .reason
        .and_then(|r| hyper::ext::ReasonPhrase::try_from(r.into_bytes()).ok())
    {
        response.extensions_mut().insert(reason);
    }
    response
}

/// Requests hyper lets through but RFC 9112 says to refuse: more than one `Host` line.
fn refuse_ambiguous(request: &Request<Incoming>) -> Option<Response<ResponseBody>> {
    let headers = request.headers();
    if headers.keys_len() == headers.len() {
        return None; // no header name repeats, Host included
    }
    let hosts = headers.get_all(HOST).iter().count();
    (hosts > 1).then(|| {
        tracing::debug!("refused a request with {hosts} Host headers");
        let refusal = Start::plain(StatusCode::BAD_REQUEST, "more than one Host header");
        respond(closing(refusal), Rest::Done)
    })
}
