//! One request, in one direction: hyper request → [`Environ`] → [`run`] → body → hyper
//! response. This file decides only where the application runs; what running it means is
//! gateway-core's [`run`] and [`Exchange`].

use crate::access_log::AccessLog;
use crate::body::{ResponseBody, Rest};
use crate::connections::{Busy, Requests};
use crate::forwarded::TrustedProxies;
use crate::handoff::{hand_off, Answer, Reply};
use crate::harakiri::{self, Call, Deadline};
use crate::inline::{Inline, InlineCall};
use crate::input::{BodyError, BodyFault, BodyLimits, IncomingSource, ReadAhead, RequestBody};
use crate::metrics::Metrics;
use crate::pace::{Pace, PaceLimit};
use crate::panics::{self, InApp, Route};
use crate::pool::Pool;
use crate::record::Record;
use crate::refusals::refuse;
use bytes::Bytes;
use gateway_core::host::{
    run, Connection, Exchange, Input, PendingExchange, Running, Start, SERVER_SOFTWARE,
};
use gateway_core::{Application, ContractError, Environ};
use http::header::{HeaderValue, CONNECTION, RETRY_AFTER, SERVER};
use http::{Request, Response, StatusCode, Version};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::runtime::Handle;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Instant;

/// What every request of a server shares.
pub(crate) struct Shared {
    pub(crate) app: Arc<dyn Application>,
    /// Where blocking applications and bodies run.
    pub(crate) pool: Pool,
    /// Where plain `fn` calls may run inline (see `inline.rs`); `None`: always on the pool.
    pub(crate) inline: Option<Arc<Inline>>,
    pub(crate) runtime: Handle,
    pub(crate) body: BodyLimits,
    /// How slowly a client may take a streamed response before its connection is closed.
    pub(crate) send: PaceLimit,
    /// Whether `CONNECT` requests reach the application.
    pub(crate) allow_connect: bool,
    /// Whether a panic's log line carries a backtrace.
    pub(crate) panic_backtraces: bool,
    /// The peers whose `X-Forwarded-*` / `Forwarded` headers are believed.
    pub(crate) proxies: TrustedProxies,
    /// The counters of `--stats` (see `record.rs`).
    pub(crate) metrics: Arc<Metrics>,
    /// Whether requests are recorded (see `record.rs`): only when something reads the
    /// records (the access log, the stats, a master collecting them, harakiri's clock).
    pub(crate) recorded: bool,
    /// Where each request's line goes, if anywhere.
    pub(crate) access_log: Option<AccessLog>,
    /// How long a request may run (see `harakiri.rs`).
    pub(crate) harakiri: Option<std::time::Duration>,
    /// `--max-requests`: counts requests down to the worker's retirement.
    pub(crate) retire: Option<crate::worker::Retire>,
}

/// What the requests of one connection share. A request clones this, never the server-wide
/// [`Shared`]: a reference count that every request of every I/O thread touched would bounce
/// between the cores' caches.
pub(crate) struct PerConnection {
    pub(crate) shared: Arc<Shared>,
    pub(crate) connection: Arc<Connection>,
    pub(crate) requests: Requests,
    /// Application threads this connection may hold at once: an HTTP/2 client opening 200
    /// streams gets this many, and its other streams wait without a thread.
    pub(crate) app_threads: Semaphore,
    /// Whether the client came over TLS (`HTTPS=on` in the environ).
    pub(crate) https: bool,
    /// The trusted proxy this connection comes from, if it does: its requests' forwarding
    /// headers are looked at (see `forwarded.rs`); everyone else's cost nothing.
    pub(crate) proxy: Option<SocketAddr>,
}

/// Environ keys a listener adds to its request (the uwsgi vars that have no place in the
/// head), carried as a request extension: hyper's requests have none, and looking for it in
/// an empty extension map costs a branch.
#[derive(Clone)]
pub(crate) struct Extras(pub(crate) Vec<(String, String)>);

/// Answers one request; its record (access log, metrics) ends with its response body.
///
/// What can be done at once is done here, before hyper stores the future: the future itself
/// is a small enum of what is left to wait for ([`Waiting`]), not an `async fn`. hyper keeps
/// it in a box made with every connection (HTTP/1, so it is part of each idle connection's
/// memory) or moves it into a task per stream (HTTP/2), and as an `async fn` it was 3,096
/// bytes (the locals of every branch, its arguments twice): memcpy was 12% of the
/// instructions of a plain `fn` hello (HTTP/1) and 20% over HTTP/2 (callgrind). The rare
/// ways (a request body to read first, an HTTP/2 stream's wait for a thread, harakiri's
/// clock) are boxed futures.
pub(crate) fn serve<B: RequestBody>(
    request: Request<B>,
    conn: Arc<PerConnection>,
) -> impl Future<Output = Result<Response<ResponseBody>, Infallible>> + Send + 'static {
    let mut record = conn.shared.recorded.then(|| Record::begin(&request, &conn));
    let waiting = answer(request, conn, &mut record);
    Serving { record, waiting }
}

/// A request's response on its way, and its record (see [`serve`]).
struct Serving<F: Send + 'static> {
    /// `None` when requests are not recorded, or a boxed way took it (it finishes it itself).
    record: Option<Record>,
    waiting: Waiting<F>,
}

impl<F: FnOnce(Reply<'_>) + Send + 'static> Future for Serving<F> {
    type Output = Result<Response<ResponseBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut response = ready!(Pin::new(&mut this.waiting).poll(cx));
        if let Some(mut record) = this.record.take() {
            record.status(response.status().as_u16());
            response.body_mut().record(record);
        }
        Poll::Ready(Ok(response))
    }
}

/// What a request waits for after [`answer`]. `F` is the job a plain `fn` application's call
/// is (a closure: the type is inferred).
// A ready response (264 bytes) is the big variant; boxing it would cost an allocation for
// every response of an `async` application, to save bytes hyper holds only while it waits.
#[allow(clippy::large_enum_variant)]
enum Waiting<F: Send + 'static> {
    /// Nothing: a refusal, or a response made at once on the I/O thread.
    Now(Option<Response<ResponseBody>>),
    /// A plain `fn` application's call on the application pool.
    Thread(Answer<F>, Option<Busy>),
    /// An `async` application's pending call, polled here on the I/O thread.
    App(PendingCall),
    /// A plain `fn` application's call on an HTTP/2 stream, made at the first poll.
    Stream(Option<(Environ, Answering)>),
    /// One of the rare ways.
    Boxed(Pin<Box<dyn Future<Output = Response<ResponseBody>> + Send>>),
}

/// An `async` application's call that is pending, and what its response needs.
struct PendingCall {
    running: InApp<PendingExchange>,
    answering: Answering,
}

/// What the response of a request needs besides its exchange.
struct Answering {
    conn: Arc<PerConnection>,
    fault: BodyFault,
    /// harakiri's limit, what its log line names and when its clock started (the request's
    /// head), when it is on (boxed: 128 bytes that every request's future would carry, and
    /// move, for a setting that is off by default).
    harakiri: Option<Box<(harakiri::Limit, std::time::Instant)>>,
    /// The HTTP/2 stream's application thread, held while a body that may block is pulled.
    slot: Option<ThreadSlot>,
    /// Counts the connection busy until the response is sent (see `connections.rs`).
    busy: Option<Busy>,
}

impl<F: FnOnce(Reply<'_>) + Send + 'static> Future for Waiting<F> {
    type Output = Response<ResponseBody>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match this {
                Waiting::Now(response) => {
                    return Poll::Ready(response.take().expect("polled once"));
                }
                Waiting::Thread(answer, busy) => {
                    let response = ready!(Pin::new(answer).poll(cx));
                    return Poll::Ready(kept_busy(response.unwrap_or_else(server_error), busy));
                }
                Waiting::App(call) => {
                    // The call returned: its response is sent from here, or its body pulled
                    // on the pool (the next turn of the loop waits for that).
                    let (exchange, route) = ready!(Pin::new(&mut call.running).poll(cx));
                    let Waiting::App(call) = std::mem::replace(this, Waiting::Now(None)) else {
                        unreachable!("matched above")
                    };
                    *this = send_in_place(exchange, route, call.answering);
                }
                Waiting::Stream(call) => {
                    let (environ, answering) = call.take().expect("polled once");
                    *this = stream_call(environ, answering);
                }
                Waiting::Boxed(future) => return future.as_mut().poll(cx),
            }
        }
    }
}

/// The response with the connection counted busy until it is sent (see `connections.rs`).
fn kept_busy(
    mut response: Response<ResponseBody>,
    busy: &mut Option<Busy>,
) -> Response<ResponseBody> {
    if let Some(busy) = busy.take() {
        response.body_mut().keep_busy(busy);
    }
    response
}

/// Does what can be done at once: refusals, the environ, the call of an application run on
/// the I/O thread or the hand-off of a plain `fn` one.
fn answer<B: RequestBody>(
    request: Request<B>,
    conn: Arc<PerConnection>,
    record: &mut Option<Record>,
) -> Waiting<impl FnOnce(Reply<'_>) + Send + 'static> {
    // Counts the connection busy until the response is sent (see `connections.rs`).
    let busy = conn.requests.begin();
    let shared = &conn.shared;
    if let Some(retire) = &shared.retire {
        retire.count();
    }
    if let Some(refusal) = refuse(&request, shared) {
        if !request.body().is_end_stream() {
            left_unread(&conn, request.version());
        }
        return Waiting::Now(Some(refusal));
    }
    let (head, incoming) = request.into_parts();
    if incoming.is_end_stream() {
        return dispatch(
            head,
            Input::empty(),
            BodyFault::default(),
            conn,
            record.as_mut(),
            busy,
        );
    }
    let record = record.take();
    Waiting::Boxed(Box::pin(after_body(head, incoming, conn, record, busy)))
}

/// The way of a request with a body: read ahead first (see `input.rs`), then called.
async fn after_body<B: RequestBody>(
    head: http::request::Parts,
    incoming: B,
    conn: Arc<PerConnection>,
    mut record: Option<Record>,
    busy: Busy,
) -> Response<ResponseBody> {
    let h2 = head.version == Version::HTTP_2;
    let mut response = match read_body(incoming, &conn.shared, h2).await {
        Ok((input, fault)) => dispatch(head, input, fault, conn, record.as_mut(), busy).await,
        Err(error) => {
            left_unread(&conn, head.version);
            refusal(error.status(), error.text())
        }
    };
    if let Some(mut record) = record {
        record.status(response.status().as_u16());
        response.body_mut().record(record);
    }
    response
}

/// Makes the environ and calls the application: an `async` one here, on the I/O thread; a
/// plain `fn` one inline or on the pool ([`inline_call`], [`pool_call`]; over HTTP/2 in the
/// stream's own task, [`stream_call`]).
fn dispatch(
    head: http::request::Parts,
    input: Input,
    fault: BodyFault,
    conn: Arc<PerConnection>,
    record: Option<&mut Record>,
    busy: Busy,
) -> Waiting<impl FnOnce(Reply<'_>) + Send + 'static> {
    let shared = &conn.shared;
    let h2 = head.version == Version::HTTP_2;
    let mut head = head;
    let extras = head.extensions.remove::<Extras>();
    let connection = match conn.proxy {
        Some(proxy) => forwarded(&conn, proxy, &head.headers),
        None => conn.connection.clone(),
    };
    let started = record.map(|record| {
        record.client(&connection);
        record.started
    });
    // What harakiri logs (reference counts, paid only when it is on). A request is recorded
    // whenever harakiri is on: its clock starts when the head came.
    let harakiri = shared.harakiri.map(|limit| {
        let started = started.unwrap_or_else(std::time::Instant::now);
        Box::new(((limit, head.method.clone(), head.uri.clone()), started))
    });
    let mut environ = Environ::new(head, connection, input);
    if conn.https {
        environ.insert("HTTPS", "on");
    }
    for (key, value) in extras.into_iter().flat_map(|extras| extras.0) {
        environ.insert(key, value);
    }
    let blocking = shared.app.blocking();
    let answering = Answering {
        conn,
        fault,
        harakiri,
        slot: None,
        busy: Some(busy),
    };
    if !blocking {
        let (running, route) = call_here(environ, &answering.conn.shared, None);
        return answered_here(running, route, answering);
    }
    if h2 {
        // hyper calls this in the connection's task: the call waits for the stream's own
        // task (the future's first poll), so a call that blocks stalls no other stream.
        return Waiting::Stream(Some((environ, answering)));
    }
    match inline_call(environ, answering) {
        Ok(answered) => answered,
        Err((environ, answering)) => pool_call(environ, answering),
    }
}

/// A plain `fn` application's call on an HTTP/2 stream, in the stream's task. Every call
/// holds one of the connection's thread slots (a body it returns may be pulled on a thread
/// with it). With a slot free at once, the call is made inline while that is safe, as an
/// `async` application's first poll is made at once; else it goes to the pool after a
/// pause.
fn stream_call<F: Send + 'static>(environ: Environ, mut answering: Answering) -> Waiting<F> {
    answering.slot = ThreadSlot::try_acquire(&answering.conn);
    let (environ, mut answering) = match answering.slot {
        Some(_) => match inline_call(environ, answering) {
            Ok(answered) => return answered,
            Err(parts) => parts,
        },
        None => (environ, answering),
    };
    Waiting::Boxed(Box::pin(async move {
        // One poll's pause before taking a thread: hyper looks for the stream's RST_STREAM
        // only when this future is pending, and an attacker's reset comes in the same
        // packet as its request (a paced rapid reset): a reset stream never holds a thread.
        tokio::task::yield_now().await;
        if answering.slot.is_none() {
            answering.slot = Some(ThreadSlot::acquire(&answering.conn).await);
        }
        pool_call(environ, answering).await
    }))
}

/// A plain `fn` application's call inline on this I/O thread, when that is safe (see
/// `inline.rs`); else the environ and the rest, given back for the pool.
fn inline_call<F: Send + 'static>(
    environ: Environ,
    answering: Answering,
) -> Result<Waiting<F>, (Environ, Answering)> {
    let shared = &answering.conn.shared;
    // Inline only with the body in memory: reading the rest from the network blocks. (A
    // temporary: the call it may hold ends with the `match`.)
    match (shared.inline.as_ref())
        .filter(|_| answering.fault.is_none())
        .and_then(|inline| inline.enter())
    {
        Some(_) if answering.conn.requests.is_closed() => {
            return Ok(Waiting::Now(Some(server_error())));
        }
        // Nothing above woke a task in this poll: none waits in this thread's LIFO slot
        // (which no other thread may take) while the call runs.
        call @ Some(_) => {
            let (running, route) = call_here(environ, shared, call);
            return Ok(answered_here(running, route, answering));
        }
        None => {}
    }
    Err((environ, answering))
}

/// A plain `fn` application's call on the application pool.
fn pool_call(
    environ: Environ,
    answering: Answering,
) -> Waiting<impl FnOnce(Reply<'_>) + Send + 'static> {
    // A plain `fn` application that may block (a database, a file, a sleep) runs on the
    // application pool, so a slow request never stalls the connections that share its I/O
    // thread. Why a pool of our own and not `spawn_blocking`: see `pool.rs`.
    let Answering {
        conn,
        fault,
        harakiri,
        slot,
        mut busy,
    } = answering;
    let call = (harakiri.as_ref()).map(|h| Call::new(conn.shared.metrics.clone(), h.1));
    let Some(answer) = to_pool(environ, fault, &conn, call.clone(), slot) else {
        return Waiting::Now(Some(overloaded()));
    };
    match harakiri.zip(call) {
        None => Waiting::Thread(answer, busy),
        Some((harakiri, call)) => Waiting::Boxed(Box::pin(async move {
            let (limit, started) = *harakiri;
            match within(answer, call, limit, started).await {
                Some(response) => kept_busy(response, &mut busy),
                None => timed_out(),
            }
        })),
    }
}

/// Calls the application on this I/O thread; `call` (an inline call of a plain `fn`) ends
/// when it returns.
fn call_here(
    environ: Environ,
    shared: &Shared,
    call: Option<InlineCall<'_>>,
) -> (Running, Option<Route>) {
    let route = Route::new(environ.method(), environ.uri(), shared.panic_backtraces);
    let mut route = Some(route);
    let running = panics::enter(&mut route, || run(&*shared.app, environ));
    drop(call);
    (running, route)
}

/// What follows a call made on this I/O thread: its response at once, or once its pending
/// future (an `async` application's) is done, within harakiri's limit when it is on.
fn answered_here<F: Send + 'static>(
    running: Running,
    route: Option<Route>,
    mut answering: Answering,
) -> Waiting<F> {
    let pending = match running {
        Running::Ready(exchange) => return send_in_place(exchange, route, answering),
        Running::Pending(pending) => pending,
    };
    let running = panics::around(route, pending);
    let Some(limit) = answering.harakiri.take() else {
        return Waiting::App(PendingCall { running, answering });
    };
    Waiting::Boxed(Box::pin(async move {
        let metrics = &answering.conn.shared.metrics;
        let limited = harakiri::limited(running, Some(&limit.0), limit.1, metrics);
        let Some((exchange, route)) = limited.await else {
            return timed_out();
        };
        // No plain `fn` job can be in what this gives.
        let sending: Waiting<fn(Reply<'_>)> = send_in_place(exchange, route, answering);
        sending.await
    }))
}

/// Hands a plain `fn` application's call to the application pool; its answer, or `None`
/// when the pool's queue is full.
// Inlined, as `hand_off` is: the closure is built where the allocation is filled from.
#[inline(always)]
fn to_pool(
    environ: Environ,
    fault: BodyFault,
    conn: &Arc<PerConnection>,
    called: Option<Call>,
    slot: Option<ThreadSlot>,
) -> Option<Answer<impl FnOnce(Reply<'_>) + Send + 'static>> {
    let for_pool = conn.clone();
    let backtraces = conn.shared.panic_backtraces;
    let (job, answer) = hand_off(move |reply: Reply<'_>| {
        let _slot = slot;
        let _returned = called.map(Returned);
        if reply.is_closed() || for_pool.requests.is_closed() {
            return; // the client is gone (connection closed, stream reset): never call the app
        }
        // The route is made here, on the pool thread: it never travels with the job.
        let route = Route::new(environ.method(), environ.uri(), backtraces);
        route.enter(|| {
            let exchange = match run(&*for_pool.shared.app, environ) {
                Running::Ready(exchange) => exchange,
                Running::Pending(pending) => Handle::current().block_on(pending),
            };
            send_from_thread(exchange, &fault, reply, &for_pool);
        });
        panics::flush_unclaimed();
    });
    conn.shared.pool.spawn(job).ok()?;
    Some(answer)
}

/// The response of a blocking call, if it starts within harakiri's limit (else the call is
/// given up on); a streamed body gets the rest of the time.
async fn within(
    mut answer: impl Future<Output = Option<Response<ResponseBody>>> + Unpin,
    call: Call,
    (limit, method, uri): harakiri::Limit,
    started: std::time::Instant,
) -> Option<Response<ResponseBody>> {
    let deadline = tokio::time::Instant::from_std(started + limit);
    let mut response = match tokio::time::timeout_at(deadline, &mut answer).await {
        Ok(response) => response.unwrap_or_else(server_error),
        Err(_) if call.give_up(&method, &uri, limit) => return None,
        Err(_) => answer.await.unwrap_or_else(server_error),
    };
    let deadline = Deadline::new(deadline, call, (limit, method, uri));
    response.body_mut().deadline(deadline);
    Some(response)
}

/// Tells harakiri that the call returned, when the job ends (or unwinds).
struct Returned(Call);

impl Drop for Returned {
    fn drop(&mut self) {
        self.0.returned();
    }
}

/// The connection facts of a request from a trusted proxy: the client and scheme its
/// forwarding headers name (a new `Connection` only when they name one).
fn forwarded(
    conn: &PerConnection,
    proxy: SocketAddr,
    headers: &http::HeaderMap,
) -> Arc<Connection> {
    let said = conn.shared.proxies.resolve(proxy.ip(), headers);
    if said.client.is_none() && said.https.is_none() {
        return conn.connection.clone();
    }
    let mut connection = Connection::clone(&conn.connection);
    if let Some((ip, port)) = said.client {
        connection = connection.with_remote(ip, port);
    }
    if let Some(https) = said.https {
        connection = connection.with_https(https);
    }
    Arc::new(connection)
}

/// Reads the body ahead (see `input.rs`) and makes `wsgi.input` of it.
async fn read_body<B: RequestBody>(
    incoming: B,
    shared: &Shared,
    h2: bool,
) -> Result<(Input, BodyFault), BodyError> {
    let mut ahead = ReadAhead::read(incoming, &shared.body).await?;
    if let Some(whole) = ahead.take_whole() {
        return Ok((Input::from_bytes(whole), BodyFault::default()));
    }
    let source = IncomingSource::new(ahead, shared.body, shared.runtime.clone(), h2);
    let fault = source.fault();
    Ok((Input::from_source(source), fault))
}

/// One of the application threads an HTTP/2 connection may hold; given back when dropped.
struct ThreadSlot(Arc<PerConnection>);

impl ThreadSlot {
    /// A slot if one is free now.
    fn try_acquire(conn: &Arc<PerConnection>) -> Option<Self> {
        let permit = conn.app_threads.try_acquire().ok()?;
        permit.forget();
        Some(Self(conn.clone()))
    }

    async fn acquire(conn: &Arc<PerConnection>) -> Self {
        if let Ok(permit) = conn.app_threads.acquire().await {
            permit.forget();
        }
        Self(conn.clone())
    }
}

impl Drop for ThreadSlot {
    fn drop(&mut self) {
        self.0.app_threads.add_permits(1);
    }
}

/// Sends a response from the I/O thread; a body that may block is pulled on the application
/// pool instead (boxed: a streamed body made on the I/O thread is the rare case).
fn send_in_place<F: Send + 'static>(
    mut exchange: Exchange,
    route: Option<Route>,
    answering: Answering,
) -> Waiting<F> {
    let Answering {
        conn,
        fault,
        slot,
        mut busy,
        ..
    } = answering;
    if !exchange.is_in_memory() {
        panics::flush_unclaimed();
        let for_pool = conn.clone();
        let (job, answer) = hand_off(move |reply: Reply<'_>| {
            let _slot = slot;
            let mut route = route;
            panics::enter(&mut route, || {
                send_from_thread(exchange, &fault, reply, &for_pool)
            });
            panics::flush_unclaimed();
        });
        if conn.shared.pool.spawn(job).is_err() {
            return Waiting::Now(Some(overloaded()));
        }
        return Waiting::Boxed(Box::pin(async move {
            kept_busy(answer.await.unwrap_or_else(server_error), &mut busy)
        }));
    }
    let start = checked(exchange.start(), &fault, &conn);
    let rest = if start.complete {
        Rest::Done
    } else {
        Rest::InPlace(Box::new(exchange))
    };
    let response = kept_busy(respond(start, rest), &mut busy);
    panics::flush_unclaimed();
    Waiting::Now(Some(response))
}

/// Pulls a body that may block, on this blocking thread: the response goes through
/// `reply` with its first chunk, the rest through a small channel, so a slow client
/// slows the body. A client slower than the send timeout and minimum rate allow has its
/// connection closed; the body is dropped (closed) once, when the exchange is.
fn send_from_thread(
    mut exchange: Exchange,
    fault: &BodyFault,
    reply: Reply<'_>,
    conn: &PerConnection,
) {
    if reply.is_closed() {
        return; // the client left while the application ran
    }
    let start = checked(exchange.start(), fault, conn);
    if start.complete || fault.get().is_some() {
        reply.send(respond(start, Rest::Done));
        return;
    }
    let (chunk_tx, chunk_rx) = mpsc::channel(crate::limits::STREAM_BUFFER_CHUNKS);
    if !reply.send(respond(start, Rest::Streamed(chunk_rx, None))) {
        return;
    }
    let mut pace = Pace::new(conn.shared.send);
    while let Some(chunk) = exchange.next_chunk() {
        let failed = chunk.is_err();
        let length = chunk.as_ref().map_or(0, Bytes::len);
        let sent = match chunk_tx.try_send(chunk) {
            Ok(()) if pace.moved(length, Instant::now) => Sent::Yes,
            Ok(()) => Sent::TooSlow,
            Err(TrySendError::Closed(_)) => Sent::ClientGone,
            Err(TrySendError::Full(chunk)) => send_paced(&chunk_tx, chunk, &mut pace),
        };
        match sent {
            Sent::Yes if !failed => {}
            // The client went away, or the body failed: stop pulling; dropping the exchange
            // drops (closes) the body.
            Sent::Yes | Sent::ClientGone => break,
            Sent::TooSlow => {
                tracing::debug!("closed a connection whose client took its response too slowly");
                conn.requests.close_connection();
                break;
            }
        }
    }
}

enum Sent {
    Yes,
    ClientGone,
    TooSlow,
}

/// Waits until the connection takes `chunk`, within the send timeout and minimum rate.
fn send_paced(
    chunk_tx: &mpsc::Sender<Result<Bytes, ContractError>>,
    chunk: Result<Bytes, ContractError>,
    pace: &mut Pace,
) -> Sent {
    let length = chunk.as_ref().map_or(0, Bytes::len);
    Handle::current().block_on(async {
        loop {
            let deadline = pace.wait(Instant::now());
            match tokio::time::timeout_at(deadline, chunk_tx.reserve()).await {
                Ok(Ok(permit)) => {
                    permit.send(chunk);
                    return if pace.moved(length, Instant::now) {
                        Sent::Yes
                    } else {
                        Sent::TooSlow
                    };
                }
                Ok(Err(_)) => return Sent::ClientGone,
                Err(_) if pace.expired(Instant::now()) => return Sent::TooSlow,
                Err(_) => {}
            }
        }
    })
}

/// The start of the response, or a refusal that closes the connection when the request body
/// failed (whatever the application made of the read error): 400, 408 or 413. When the body
/// was left unread, hyper closes the connection after the response: the response says so
/// (hyper says it too, unless it notices the unread body only after the head went out).
fn checked(start: Start, fault: &BodyFault, conn: &PerConnection) -> Start {
    let unfinished = fault.unfinished();
    if unfinished {
        conn.requests.leave_body_unread();
    }
    match fault.get() {
        Some(error) => closing(Start::plain(error.status(), error.text())),
        None if unfinished => closing(start),
        None => start,
    }
}

/// Notes an HTTP/1 request body left unread (see [`Requests::leave_body_unread`]); an HTTP/2
/// stream's is the stream's business, not the connection's.
fn left_unread(conn: &PerConnection, version: Version) {
    if version != Version::HTTP_2 {
        conn.requests.leave_body_unread();
    }
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

/// The answer when harakiri gave up on a request before anything was sent.
fn timed_out() -> Response<ResponseBody> {
    refusal(
        StatusCode::GATEWAY_TIMEOUT,
        "the application took too long to answer",
    )
}

/// The answer when every application thread is busy and the queue for them is full.
fn overloaded() -> Response<ResponseBody> {
    let mut start = Start::plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is busy; try again in a moment",
    );
    start
        .head
        .headers
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    respond(start, Rest::Done)
}

/// A plain refusal that closes the connection.
pub(crate) fn refusal(status: StatusCode, text: &'static str) -> Response<ResponseBody> {
    respond(closing(Start::plain(status, text)), Rest::Done)
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
