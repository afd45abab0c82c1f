//! One request, in one direction: hyper request → [`Environ`] → application → body → hyper
//! response.

use crate::body::{Chunks, ResponseBody};
use crate::connections::Requests;
use crate::input::{BodyFault, IncomingSource};
use crate::pool::Pool;
use bytes::Bytes;
use gateway_core::{
    Application, Body, Connection, ContractError, Environ, Errors, Exchange, Input, Outcome,
    ResponseHead, Start, StartResponse, SERVER_SOFTWARE,
};
use http::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, SERVER};
use http::{Method, Request, Response, StatusCode};
use http_body::Body as _;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
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
    let is_head = request.method() == Method::HEAD;
    let (head, incoming) = request.into_parts();
    let (input, fault) = if incoming.is_end_stream() {
        (Input::empty(), BodyFault::default())
    } else {
        let source = IncomingSource::new(incoming, conn.shared.runtime.clone());
        let fault = source.fault();
        (Input::from_source(source), fault)
    };
    let environ = Environ::new(head, conn.connection.clone(), input);
    let start_response = StartResponse::new();
    let sending = Sending {
        slot: start_response.clone(),
        errors: conn.connection.errors(),
        fault,
        is_head,
    };

    let shared = &conn.shared;
    let (start, rest) = if shared.app.blocking() && !shared.inline {
        // A plain `fn` application may block (a database, a file, a sleep): it runs on the
        // application pool, so a slow request never stalls the connections that share its
        // I/O thread. Why a pool of our own and not `spawn_blocking`: see `pool.rs`.
        let (head_tx, head_rx) = oneshot::channel();
        let for_pool = conn.clone();
        shared.pool.spawn(move || {
            sending.run_blocking(&*for_pool.shared.app, environ, start_response, head_tx)
        });
        match head_rx.await {
            Ok(started) => started,
            Err(_) => (Exchange::server_error(), Rest::Done),
        }
    } else {
        // An `async` application (or a blocking one told to run inline) is called here, on
        // the I/O thread.
        let body = match call(&*shared.app, environ, start_response) {
            Outcome::Ready(body) => body,
            Outcome::Pending(future) => CatchUnwind(future).await,
        };
        sending.send_in_place(body, &shared.pool).await
    };
    let mut response = respond(start, rest, is_head);
    response.body_mut().keep_busy(busy);
    Ok(response)
}

/// What follows the first chunk of a response.
enum Rest {
    Done,
    InPlace(Box<Exchange>),
    Streamed(mpsc::Receiver<Result<Bytes, ContractError>>),
}

/// How to send a body once the application has given it.
struct Sending {
    slot: StartResponse,
    errors: Errors,
    fault: BodyFault,
    is_head: bool,
}

/// Calls the application on this thread; a panic becomes a failed body. The environ goes
/// straight from the caller into the call: it is the request's largest value, and every
/// move is a copy.
fn call(app: &dyn Application, environ: Environ, start_response: StartResponse) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| app.call(environ, start_response)))
        .unwrap_or_else(|panic| Outcome::Ready(Body::from(ContractError::from_panic(panic))))
}

impl Sending {
    /// Calls the application on this (pool) thread, then pulls its body here too.
    fn run_blocking(
        self,
        app: &dyn Application,
        environ: Environ,
        start_response: StartResponse,
        head_tx: oneshot::Sender<(Start, Rest)>,
    ) {
        let body = match call(app, environ, start_response) {
            Outcome::Ready(body) => body,
            Outcome::Pending(future) => Handle::current().block_on(CatchUnwind(future)),
        };
        let (exchange, fault) = self.exchange(body);
        send_from_thread(exchange, &fault, head_tx);
    }

    /// Sends `body` from the I/O thread; a body that may block is pulled on the application
    /// pool instead.
    async fn send_in_place(self, body: Body, pool: &Pool) -> (Start, Rest) {
        let (mut exchange, fault) = self.exchange(body);
        if !exchange.is_in_memory() {
            let (head_tx, head_rx) = oneshot::channel();
            pool.spawn(move || send_from_thread(exchange, &fault, head_tx));
            return head_rx
                .await
                .unwrap_or((Exchange::server_error(), Rest::Done));
        }
        let start = started(exchange.start(), &fault);
        let rest = if start.complete {
            Rest::Done
        } else {
            Rest::InPlace(Box::new(exchange))
        };
        (start, rest)
    }

    /// The exchange that sends `body` (head only for a HEAD request), and the request
    /// body's fault flag.
    fn exchange(self, body: Body) -> (Exchange, BodyFault) {
        let exchange = Exchange::new(&self.slot, body, self.errors);
        let exchange = if self.is_head {
            exchange.headers_only()
        } else {
            exchange
        };
        (exchange, self.fault)
    }
}

/// Pulls a body that may block, on this blocking thread: the start of the response goes
/// through `head_tx`, the rest through a small channel, so a slow client slows the body.
fn send_from_thread(
    mut exchange: Exchange,
    fault: &BodyFault,
    head_tx: oneshot::Sender<(Start, Rest)>,
) {
    let start = started(exchange.start(), fault);
    if start.complete || fault.is_set() {
        let _ = head_tx.send((start, Rest::Done));
        return;
    }
    let (chunk_tx, chunk_rx) = mpsc::channel(crate::limits::STREAM_BUFFER_CHUNKS);
    if head_tx.send((start, Rest::Streamed(chunk_rx))).is_err() {
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

/// The start of the response, or the error answer: 400 when the request body was malformed
/// (whatever the application made of the read error), else 500.
fn started(start: Result<Start, ContractError>, fault: &BodyFault) -> Start {
    if fault.is_set() {
        return bad_request("malformed request body");
    }
    start.unwrap_or_else(|_| Exchange::server_error())
}

/// Turns the start of a response and what follows into hyper's response.
fn respond(start: Start, rest: Rest, is_head: bool) -> Response<ResponseBody> {
    let Start {
        head:
            ResponseHead {
                status,
                reason,
                mut headers,
            },
        first,
        content_length,
        ..
    } = start;
    if is_head && !headers.contains_key(CONTENT_LENGTH) {
        // A HEAD response has no body to size, so say the length the GET body would have.
        if let Some(length) = content_length {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
    }
    headers
        .entry(SERVER)
        .or_insert(HeaderValue::from_static(SERVER_SOFTWARE));
    let first = (!first.is_empty()).then_some(first);
    let body = match (is_head, rest) {
        (true, _) | (false, Rest::Done) => Chunks::Full(if is_head { None } else { first }),
        (false, Rest::InPlace(exchange)) => Chunks::InPlace(first, exchange),
        (false, Rest::Streamed(chunks)) => Chunks::Streamed(first, chunks),
    };
    let mut response = Response::new(ResponseBody::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    if let Some(reason) =
        reason.and_then(|r| hyper::ext::ReasonPhrase::try_from(r.into_bytes()).ok())
    {
        response.extensions_mut().insert(reason);
    }
    response
}

/// A 400 answer that closes the connection.
fn bad_request(reason: &'static str) -> Start {
    let mut head = ResponseHead {
        status: StatusCode::BAD_REQUEST,
        ..Default::default()
    };
    head.headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    head.headers
        .insert(CONNECTION, HeaderValue::from_static("close"));
    Start {
        head,
        first: Bytes::from_static(reason.as_bytes()),
        complete: true,
        content_length: Some(reason.len() as u64),
    }
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
        respond(bad_request("more than one Host header"), Rest::Done, false)
    })
}

/// A future whose panic becomes a failed body instead of unwinding into the runtime.
struct CatchUnwind(gateway_core::BodyFuture);

impl Future for CatchUnwind {
    type Output = Body;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Body> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(polled) => polled,
            Err(panic) => Poll::Ready(Body::from(ContractError::from_panic(panic))),
        }
    }
}
