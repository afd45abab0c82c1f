//! The request body: read ahead on the I/O thread, then fed into the blocking `wsgi.input`,
//! under the body limits (size, timeout, minimum rate).
//!
//! **Read ahead.** Before the application is called, up to `body_buffer` bytes (64 KiB by
//! default) are read asynchronously, without a thread: a slow upload of a small body (a form,
//! a JSON document) holds no application thread while it trickles in, and one that is too slow,
//! too large or malformed is answered (408, 413, 400) without calling the application at all.
//! A larger body is handed over once its first `body_buffer` bytes are in; the application then
//! reads the rest from the network on its own thread, under the same timeout and minimum rate,
//! so a slow uploader holds that thread at most about `body_read_timeout` after its last
//! fast-enough window.

use crate::pace::{Pace, PaceLimit};
use bytes::Bytes;
use gateway_core::host::InputSource;
use http::StatusCode;
use http_body::Body;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::Poll;
use tokio::runtime::Handle;
use tokio::time::{Instant, Sleep};

/// A request body as a listener delivers it: hyper's `Incoming`, or the bytes after a uwsgi
/// packet.
pub(crate) trait RequestBody: Body<Data = Bytes> + Send + Unpin + 'static {}

impl<B: Body<Data = Bytes> + Send + Unpin + 'static> RequestBody for B {}

/// The limits on one request body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyLimits {
    /// The most bytes a body may have.
    pub(crate) max_size: u64,
    pub(crate) pace: PaceLimit,
    /// How much is read ahead before the application is called.
    pub(crate) buffer: usize,
}

/// What went wrong with a request body; the response must then say so and the connection
/// must close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// A bad chunk, a body cut short: 400.
    Malformed,
    /// More than `max_body_size`: 413.
    TooLarge,
    /// Too slow (body read timeout, minimum rate): 408.
    TooSlow,
}

impl BodyError {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Self::Malformed => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooSlow => StatusCode::REQUEST_TIMEOUT,
        }
    }

    pub(crate) fn text(self) -> &'static str {
        match self {
            Self::Malformed => "malformed request body",
            Self::TooLarge => "request body too large",
            Self::TooSlow => "request body too slow",
        }
    }

    fn code(self) -> u8 {
        self as u8 + 1
    }

    fn from_code(code: u8) -> Option<Self> {
        [Self::Malformed, Self::TooLarge, Self::TooSlow]
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }
}

/// What became of a request body the application read from the network: whether it failed,
/// and whether it was read to its end (if not, hyper closes the connection after the
/// response, and the response must say `Connection: close`).
///
/// The default watches nothing: a request without a body (or one read whole ahead) cannot fail
/// later, and most requests are such, so they skip the shared flag's allocation.
#[derive(Clone, Default)]
pub(crate) struct BodyFault(Option<Arc<AtomicU8>>);

/// The bit of [`BodyFault`]'s flag that says the body was read to its end, or need not be:
/// an HTTP/2 stream's unread body does not close the connection.
const FINISHED: u8 = 0x80;

impl BodyFault {
    /// Whether this watches nothing: the body was read whole (or there was none).
    pub(crate) fn is_none(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn get(&self) -> Option<BodyError> {
        BodyError::from_code(self.0.as_ref()?.load(Ordering::Acquire) & !FINISHED)
    }

    /// Whether some of an HTTP/1 body was left unread on the network.
    pub(crate) fn unfinished(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Acquire) & FINISHED == 0)
    }
}

/// A body read ahead: its first chunks, and the rest still on the network (if any).
pub(crate) struct ReadAhead<B> {
    chunks: VecDeque<Bytes>,
    rest: Option<Rest<B>>,
}

struct Rest<B> {
    body: B,
    pace: Pace,
    received: u64,
}

impl<B: RequestBody> ReadAhead<B> {
    /// Reads `body` up to `limits.buffer` bytes or its end, without a thread.
    pub(crate) async fn read(body: B, limits: &BodyLimits) -> Result<Self, BodyError> {
        let mut rest = Rest {
            body,
            pace: Pace::new(limits.pace),
            received: 0,
        };
        let mut chunks = VecDeque::new();
        let mut timer = None;
        while rest.received < limits.buffer as u64 {
            match rest.next(limits, &mut timer).await? {
                Some(chunk) => chunks.push_back(chunk),
                None => return Ok(Self { chunks, rest: None }),
            }
        }
        Ok(Self {
            chunks,
            rest: Some(rest),
        })
    }

    /// The whole body, when it was read to its end in one piece (a small body usually is).
    pub(crate) fn take_whole(&mut self) -> Option<Bytes> {
        if self.rest.is_some() || self.chunks.len() > 1 {
            return None;
        }
        Some(self.chunks.pop_front().unwrap_or_default())
    }
}

impl<B: RequestBody> Rest<B> {
    /// The next piece of data, `None` at the end.
    async fn next(
        &mut self,
        limits: &BodyLimits,
        timer: &mut Option<Pin<Box<Sleep>>>,
    ) -> Result<Option<Bytes>, BodyError> {
        loop {
            let frame = poll_fn(|cx| {
                if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
                    return Poll::Ready(Ok(frame));
                }
                loop {
                    let deadline = self.pace.wait(Instant::now());
                    let timer = match timer {
                        Some(timer) => {
                            timer.as_mut().reset(deadline);
                            timer
                        }
                        None => timer.insert(Box::pin(tokio::time::sleep_until(deadline))),
                    };
                    if timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    if self.pace.expired(Instant::now()) {
                        return Poll::Ready(Err(BodyError::TooSlow));
                    }
                }
            })
            .await?;
            match frame {
                None => return Ok(None),
                Some(Err(_)) => return Err(BodyError::Malformed),
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else {
                        continue; // trailers: not part of wsgi.input
                    };
                    self.received += data.len() as u64;
                    if self.received > limits.max_size {
                        return Err(BodyError::TooLarge);
                    }
                    if !self.pace.moved(data.len(), Instant::now) {
                        return Err(BodyError::TooSlow);
                    }
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// `wsgi.input`'s source: the chunks read ahead, then the rest of the body, read by blocking
/// on the runtime that owns the connection.
///
/// Reading from a plain `fn` application happens on an application thread, where
/// `Handle::block_on` is allowed; an `async` application that reads `wsgi.input`
/// synchronously is on a runtime worker, and `block_in_place` first hands that worker's
/// other tasks to another thread.
pub(crate) struct IncomingSource<B> {
    ahead: ReadAhead<B>,
    limits: BodyLimits,
    timer: Option<Pin<Box<Sleep>>>,
    runtime: Handle,
    fault: Arc<AtomicU8>,
}

impl<B> IncomingSource<B> {
    pub(crate) fn new(ahead: ReadAhead<B>, limits: BodyLimits, runtime: Handle, h2: bool) -> Self {
        let finished = if ahead.rest.is_none() || h2 {
            FINISHED
        } else {
            0
        };
        Self {
            ahead,
            limits,
            timer: None,
            runtime,
            fault: Arc::new(AtomicU8::new(finished)),
        }
    }

    /// The flag this source sets when the body turns out unusable.
    pub(crate) fn fault(&self) -> BodyFault {
        BodyFault(Some(self.fault.clone()))
    }
}

impl<B: RequestBody> InputSource for IncomingSource<B> {
    fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if let Some(chunk) = self.ahead.chunks.pop_front() {
            return Ok(Some(chunk));
        }
        let Some(rest) = self.ahead.rest.as_mut() else {
            return Ok(None);
        };
        let (runtime, limits, timer) = (&self.runtime, &self.limits, &mut self.timer);
        let next = tokio::task::block_in_place(|| runtime.block_on(rest.next(limits, timer)));
        match next {
            Ok(Some(chunk)) => Ok(Some(chunk)),
            Ok(None) => {
                self.ahead.rest = None;
                self.fault.fetch_or(FINISHED, Ordering::Release);
                Ok(None)
            }
            Err(error) => {
                // The rest of the body is abandoned: hyper closes the connection after the
                // response, lingering so that the client still sees it.
                self.ahead.rest = None;
                self.fault.store(error.code(), Ordering::Release);
                let kind = match error {
                    BodyError::TooSlow => io::ErrorKind::TimedOut,
                    _ => io::ErrorKind::InvalidData,
                };
                Err(io::Error::new(kind, error.text()))
            }
        }
    }
}
