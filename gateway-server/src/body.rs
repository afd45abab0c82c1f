//! The response body as hyper sends it.

use crate::connections::Busy;
use bytes::Bytes;
use gateway_core::{ContractError, Exchange};
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
    chunks: Chunks,
    /// An error held back for one poll, so hyper first flushes the bytes it has.
    failure: Option<ContractError>,
    /// Keeps the connection counted busy (no idle timeout) until the body is done.
    busy: Option<Busy>,
}

pub(crate) enum Chunks {
    /// The whole body (or nothing, for HEAD and errors).
    Full(Option<Bytes>),
    /// The first chunk, then the rest of an in-memory body, pulled as hyper asks.
    InPlace(Option<Bytes>, Box<Exchange>),
    /// The first chunk, then chunks sent by the thread that pulls the application's body.
    Streamed(Option<Bytes>, mpsc::Receiver<Result<Bytes, ContractError>>),
}

impl From<Chunks> for ResponseBody {
    fn from(chunks: Chunks) -> Self {
        Self {
            chunks,
            failure: None,
            busy: None,
        }
    }
}

impl ResponseBody {
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
        if let Some(failure) = this.failure.take() {
            return Poll::Ready(Some(Err(failure)));
        }
        let next = match &mut this.chunks {
            Chunks::Full(chunk) => chunk.take().map(Ok),
            Chunks::InPlace(first, exchange) => {
                first.take().map(Ok).or_else(|| exchange.next_chunk())
            }
            Chunks::Streamed(first, chunks) => match first.take() {
                Some(chunk) => Some(Ok(chunk)),
                None => match chunks.poll_recv(cx) {
                    Poll::Ready(next) => next,
                    Poll::Pending => return Poll::Pending,
                },
            },
        };
        match next {
            Some(Err(failure)) => {
                // hyper drops unflushed bytes when a body fails; a pending poll flushes them.
                this.failure = Some(failure);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            next => Poll::Ready(next.map(|chunk| chunk.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.chunks, Chunks::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.chunks {
            Chunks::Full(chunk) => {
                SizeHint::with_exact(chunk.as_ref().map_or(0, |c| c.len() as u64))
            }
            _ => SizeHint::default(),
        }
    }
}
