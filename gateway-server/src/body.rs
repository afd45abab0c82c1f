//! The response body as hyper sends it.

use crate::connections::Busy;
use crate::harakiri::Deadline;
use crate::record::Record;
use bytes::Bytes;
use gateway_core::host::Exchange;
use gateway_core::ContractError;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// A response body: whole, pulled in place from an in-memory application body, or streamed
/// from a blocking thread through a small channel (backpressure).
///
/// An error frame makes hyper close the connection, so a client whose response broke off
/// sees a truncated response, never a silently complete one.
pub(crate) struct ResponseBody {
    /// The first chunk, already pulled to fix the head (none for HEAD and empty bodies).
    first: Option<Bytes>,
    rest: Rest,
    /// Keeps the connection counted busy (no idle timeout) until the body is done.
    busy: Option<Busy>,
    /// The request's record: counts the bytes sent, ends (logs) when the body is dropped.
    record: Option<Record>,
}

// hyper moves the body a few times per response (into its dispatcher's state, out of the
// response's parts): at 128 bytes or less a move is a few register stores, above it a call
// to memcpy (measured: 7 calls per request in hyper's `poll_write` at 152 bytes). The rare
// parts (a failure held back, harakiri's deadline) live in `Rest` for that reason.
const _: () = assert!(std::mem::size_of::<ResponseBody>() <= 128);

/// What follows the first chunk.
pub(crate) enum Rest {
    /// Nothing: the first chunk was the whole body.
    Done,
    /// The rest of an in-memory body, pulled as hyper asks.
    InPlace(Box<Exchange>),
    /// Chunks sent by the thread that pulls the application's body, and harakiri's limit
    /// for them when it is on.
    Streamed(
        mpsc::Receiver<Result<Bytes, ContractError>>,
        Option<Box<Deadline>>,
    ),
    /// An error held back for one poll, so hyper first flushes the bytes it has.
    Failed(Box<ContractError>),
}

impl ResponseBody {
    pub(crate) fn new(first: Option<Bytes>, rest: Rest) -> Self {
        Self {
            first,
            rest,
            busy: None,
            record: None,
        }
    }

    /// Ends `record` with this body.
    pub(crate) fn record(&mut self, record: Record) {
        self.record = Some(record);
    }

    /// Closes the connection if the streamed rest has not come by `deadline`.
    pub(crate) fn deadline(&mut self, deadline: Deadline) {
        if let Rest::Streamed(_, limit) = &mut self.rest {
            *limit = Some(Box::new(deadline));
        }
    }

    /// Holds `busy` until hyper has sent this body (or given up on it).
    pub(crate) fn keep_busy(&mut self, busy: Busy) {
        self.busy = Some(busy);
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = ContractError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ContractError>>> {
        let this = self.get_mut();
        if let Rest::Failed(_) = this.rest {
            let Rest::Failed(failure) = std::mem::replace(&mut this.rest, Rest::Done) else {
                unreachable!("matched above")
            };
            return Poll::Ready(Some(Err(*failure)));
        }
        let next = match (this.first.take(), &mut this.rest) {
            (Some(first), _) => Some(Ok(first)),
            (None, Rest::Done | Rest::Failed(_)) => None,
            (None, Rest::InPlace(exchange)) => exchange.next_chunk(),
            (None, Rest::Streamed(chunks, deadline)) => match chunks.poll_recv(cx) {
                Poll::Ready(next) => next,
                Poll::Pending if deadline.as_mut().is_some_and(|d| d.poll_passed(cx)) => {
                    Some(Err(ContractError::Failed {
                        message: "it ran longer than --harakiri allows".to_owned(),
                    }))
                }
                Poll::Pending => return Poll::Pending,
            },
        };
        match next {
            Some(Err(failure)) => {
                // hyper drops unflushed bytes when a body fails; a pending poll flushes them.
                // (What made the failure, an exchange or a thread's channel, ends here.)
                this.rest = Rest::Failed(Box::new(failure));
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            next => {
                if let (Some(Ok(chunk)), Some(record)) = (&next, &mut this.record) {
                    record.sent += chunk.len() as u64;
                }
                Poll::Ready(next.map(|chunk| chunk.map(Frame::data)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && matches!(self.rest, Rest::Done)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.rest {
            Rest::Done => SizeHint::with_exact(self.first.as_ref().map_or(0, |c| c.len() as u64)),
            _ => SizeHint::default(),
        }
    }
}
