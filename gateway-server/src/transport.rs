//! The socket under one connection, with the two things hyper leaves to its I/O: a send
//! timeout, and a lingering close.
//!
//! * **Send timeout.** hyper writes as long as the socket takes bytes; a client that stops
//!   reading (or reads at 1 KiB/s) would hold the connection, its response and the thread that
//!   produces it forever. Writes are paced with [`Pace`]: once the socket is full, the client must
//!   take `send_timeout × min_send_rate` bytes in every `send_timeout`, or the write fails and
//!   hyper drops the connection (and with it the response, whose body is dropped once).
//! * **Lingering close** (nginx's `lingering_close`). Closing a socket whose receive buffer still
//!   holds unread request bytes makes the kernel send a reset, and the client may then lose the
//!   response it was sent (Python's urllib says "Broken pipe", curl exits 55). So a close first
//!   shuts down the write side (the client sees the end of the response), then, when the client
//!   may still be sending (a request body was left unread, or bytes are waiting), reads and
//!   discards what it sends, for at most `linger.time` in all, `linger.timeout` between two
//!   reads and `linger.max_bytes`, and only then closes. Like nginx's heuristic, an idle
//!   keep-alive connection closed at shutdown does not linger.
//!
//! Both cost nothing while the socket keeps up: the timer exists only once a write has had to
//! wait, or the connection closes.

use crate::connections::Requests;
use crate::metrics::Metrics;
use crate::pace::{Pace, PaceLimit};
use crate::socket::Socket;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// How a connection lingers before it closes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LingerLimit {
    /// The most time spent reading and discarding, in all.
    pub(crate) time: Duration,
    /// The most wait for the client's next bytes.
    pub(crate) timeout: Duration,
    /// The most bytes read and discarded.
    pub(crate) max_bytes: usize,
}

/// A connection's socket (see the module documentation).
pub(crate) struct Transport {
    stream: Socket,
    send: Pace,
    /// Armed while a write waits, or while lingering.
    timer: Option<Pin<Box<Sleep>>>,
    linger: LingerLimit,
    lingering: Option<Lingering>,
    /// Says whether a request body was left unread.
    requests: Requests,
    /// Counts the bytes in and out.
    metrics: Arc<Metrics>,
}

struct Lingering {
    until: Instant,
    last_read: Instant,
    discarded: usize,
    /// Whether the client may still be sending: else the first wait ends the lingering.
    expect_more: bool,
}

impl Transport {
    pub(crate) fn new(
        stream: Socket,
        send: PaceLimit,
        linger: LingerLimit,
        requests: Requests,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            stream,
            send: Pace::new(send),
            timer: None,
            linger,
            lingering: None,
            requests,
            metrics,
        }
    }

    /// Arms the timer for `deadline` and polls it: ready once it has passed.
    fn timer_fired(&mut self, deadline: Instant, cx: &mut Context<'_>) -> bool {
        let timer = match &mut self.timer {
            Some(timer) => {
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                timer
            }
            None => self
                .timer
                .insert(Box::pin(tokio::time::sleep_until(deadline))),
        };
        timer.as_mut().poll(cx).is_ready()
    }

    /// A write had to wait: fails it once the client has been too slow for too long.
    fn write_waits(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        loop {
            let deadline = self.send.wait(Instant::now());
            if !self.timer_fired(deadline, cx) {
                return Poll::Pending;
            }
            if self.send.expired(Instant::now()) {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client took the response too slowly (send timeout)",
                )));
            }
        }
    }

    fn wrote(&mut self, written: io::Result<usize>) -> Poll<io::Result<usize>> {
        if let Ok(bytes) = written {
            self.metrics.bytes_out.fetch_add(bytes as u64, Relaxed);
            if !self.send.moved(bytes, Instant::now) {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client took the response too slowly (minimum send rate)",
                )));
            }
        }
        Poll::Ready(written)
    }

    /// Reads and discards until the client closes, or a bound is reached.
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut scratch = [0u8; 16 * 1024];
        loop {
            let Some(lingering) = self.lingering.as_mut() else {
                return Poll::Ready(());
            };
            if lingering.discarded >= self.linger.max_bytes {
                return Poll::Ready(());
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {
                    lingering.discarded += buf.filled().len();
                    lingering.last_read = Instant::now();
                    lingering.expect_more = true;
                }
                Poll::Ready(_) => return Poll::Ready(()), // closed by the client, or failed
                Poll::Pending if !lingering.expect_more => return Poll::Ready(()),
                Poll::Pending => {
                    let deadline = (lingering.last_read + self.linger.timeout).min(lingering.until);
                    if self.timer_fired(deadline, cx) {
                        return Poll::Ready(());
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        let bytes = buf.filled().len() - before;
        if bytes > 0 {
            this.metrics.bytes_in.fetch_add(bytes as u64, Relaxed);
        }
        read
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Ready(written) => this.wrote(written),
            Poll::Pending => this.write_waits(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Ready(written) => this.wrote(written),
            Poll::Pending => this.write_waits(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    /// Half-closes, then lingers (see the module documentation); never fails, as the
    /// connection is over either way.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.lingering.is_none() {
            if ready!(Pin::new(&mut this.stream).poll_shutdown(cx)).is_err() {
                return Poll::Ready(Ok(()));
            }
            let now = Instant::now();
            this.lingering = Some(Lingering {
                until: now + this.linger.time,
                last_read: now,
                discarded: 0,
                expect_more: this.requests.body_left_unread(),
            });
        }
        ready!(this.poll_linger(cx));
        this.lingering = None;
        this.linger.max_bytes = 0; // once is enough, should hyper ask again
        Poll::Ready(Ok(()))
    }
}
