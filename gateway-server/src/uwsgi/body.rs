//! The request body after a uwsgi packet: exactly `CONTENT_LENGTH` bytes of the stream, as an
//! `http_body::Body`, so that it goes into `wsgi.input` by the same read-ahead and limits as
//! an HTTP body.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// The largest piece read at once.
const READ_SIZE: u64 = 64 * 1024;

/// `CONTENT_LENGTH` bytes of `reader`.
pub(crate) struct UwsgiBody<R> {
    reader: R,
    remaining: u64,
}

impl<R> UwsgiBody<R> {
    pub(crate) fn new(reader: R, length: u64) -> Self {
        Self {
            reader,
            remaining: length,
        }
    }
}

impl<R: AsyncRead + Unpin> Body for UwsgiBody<R> {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        // The length is at most READ_SIZE, so the cast cannot truncate.
        let mut chunk = vec![0; this.remaining.min(READ_SIZE) as usize];
        let mut buf = ReadBuf::new(&mut chunk);
        match Pin::new(&mut this.reader).poll_read(cx, &mut buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => Poll::Ready(Some(Err(error))),
            Poll::Ready(Ok(())) if buf.filled().is_empty() => Poll::Ready(Some(Err(
                io::Error::new(io::ErrorKind::UnexpectedEof, "the body ended early"),
            ))),
            Poll::Ready(Ok(())) => {
                let read = buf.filled().len();
                chunk.truncate(read);
                this.remaining -= read as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
