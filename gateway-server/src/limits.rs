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
/// while threads are blocked (see `pool.rs`). Same ceiling as tokio's blocking pool.
pub const MAX_THREADS: usize = 512;

/// Chunks buffered between a streaming body and the connection: small, so a slow client
/// slows the application down (backpressure) instead of filling memory.
pub const STREAM_BUFFER_CHUNKS: usize = 2;

/// How long the accept loop pauses after an accept error such as "too many open files",
/// so that the server keeps serving the connections it has instead of spinning.
pub const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(500);
