//! The server's limits, each with the reason for its default. The README lists them in one
//! table; [`ServerBuilder`](crate::ServerBuilder) changes them.

use std::time::Duration;

/// How long a connection may stay idle (just accepted, or done with its last response)
/// without completing a request head: the slowloris defence, which also closes idle
/// keep-alive connections. Enforced by `connections.rs`, one timer per server, not hyper's
/// per-request timer.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest request head (request line + headers), in bytes; a larger one answers 431.
/// A request target over hyper's fixed 65,534-byte limit answers 414 first.
pub const MAX_HEAD_SIZE: usize = 128 * 1024;

/// The most headers in one HTTP/1 request; more answers 431. This is hyper's own limit.
pub const MAX_HEADERS: usize = 100;

/// How long shutdown waits for in-flight requests before dropping them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The most threads running blocking (plain `fn`) applications at once; more requests wait
/// for a free thread. The pool keeps one thread per I/O worker and grows toward this only
/// while threads are blocked, then at once by as many threads as requests wait (see
/// `pool.rs`). Same ceiling as tokio's blocking pool.
pub const MAX_THREADS: usize = 512;

/// Chunks buffered between a streaming body and the connection: small, so a slow client
/// slows the application down (backpressure) instead of filling memory.
pub const STREAM_BUFFER_CHUNKS: usize = 2;

/// How long the accept loop pauses after an accept error such as "too many open files",
/// so that the server keeps serving the connections it has instead of spinning.
pub const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(500);

/// The largest request body, in bytes: a larger `Content-Length` answers 413 before the
/// application runs, and a chunked body that grows past it fails `wsgi.input` and answers 413
/// (when nothing was sent yet). The same as nginx's `client_max_body_size` (1m), the front
/// end most deployments put before gateway, so a body nginx lets through by default gateway
/// takes too; axum's `DefaultBodyLimit` is 2 MB.
pub const MAX_BODY_SIZE: u64 = 1024 * 1024;

/// How long a request body may keep the server waiting: once this much waiting for the client
/// has added up, it must have sent at least [`MIN_BODY_RATE`] bytes per second of it, or the
/// request answers 408 (when nothing was sent yet; else the connection closes); then the count
/// starts again. Time the application spends is not counted. nginx's `client_body_timeout` is
/// 60 s between two reads; 30 s matches the header read timeout and gunicorn's `--timeout`.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The slowest request body accepted, in bytes per second, over each [`BODY_READ_TIMEOUT`]:
/// without it a client sending one byte every few seconds would never time out and would hold
/// an application thread forever. 2 KiB/s (16 kbit/s) is below any mobile link still in use;
/// Apache's `mod_reqtimeout` asks for 500 bytes/s.
pub const MIN_BODY_RATE: u64 = 2048;

/// How long sending a response may keep the server waiting (a full socket, or a full HTTP/2
/// stream window), counted as for [`BODY_READ_TIMEOUT`]: a client taking less than
/// [`MIN_SEND_RATE`] bytes per second of that waiting has its connection closed and the
/// application's body dropped. nginx's `send_timeout` is 60 s between two writes.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The slowest reader accepted, in bytes per second, over each [`SEND_TIMEOUT`]: a client
/// reading a large streamed response at 1 KiB/s would otherwise hold its application thread
/// for a day.
pub const MIN_SEND_RATE: u64 = 2048;

/// How much of a request body is read without a thread before the application is called:
/// a slow upload of a form or a JSON document then holds no application thread. A larger body
/// is handed over once this much is in, and the application reads the rest on its thread
/// (under the same timeout and rate). 64 KiB is the default HTTP/2 stream window.
pub const BODY_BUFFER_SIZE: usize = 64 * 1024;

/// The most time a closing connection spends reading and discarding what its client still
/// sends (lingering close: the client then sees the response instead of a connection reset).
/// nginx's `lingering_time`.
pub const LINGERING_TIME: Duration = Duration::from_secs(30);

/// The most wait for the client's next bytes while lingering. nginx's `lingering_timeout`.
pub const LINGERING_TIMEOUT: Duration = Duration::from_secs(5);

/// The most bytes read and discarded while lingering: enough for an upload refused early (a
/// 10 MiB body answered 413) to reach the client's read, bounded so that a fast client cannot
/// keep the server reading.
pub const LINGERING_MAX_BYTES: usize = 16 * 1024 * 1024;

/// The most requests waiting for an application thread when every one is busy; more answer
/// 503 with `Retry-After` at once, instead of a queue (and a wait) without end. Twice
/// [`MAX_THREADS`].
pub const MAX_QUEUED_REQUESTS: usize = 2 * MAX_THREADS;

/// The most application threads one HTTP/2 connection holds at once; its other streams wait
/// for one of these without a thread. A browser rarely has more requests in flight; one
/// client with 200 streams cannot take the whole pool.
pub const MAX_THREADS_PER_CONNECTION: usize = 32;

/// The most open client connections; past it the server stops accepting (the kernel's
/// backlog holds new ones, nothing is refused) until one closes. Below the common
/// `LimitNOFILE` of service managers (65,536) so that the server keeps descriptors for its
/// files, and far above what one process serves well; 0 means no limit.
pub const MAX_CONNECTIONS: usize = 10_000;
