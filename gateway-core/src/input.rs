//! `wsgi.input`: the request body as a blocking reader.

use bytes::{Buf, Bytes};
use std::fmt;
use std::io::{self, BufRead, Read};
use std::sync::{Mutex, MutexGuard};

/// Where the body's bytes come from: a server feeds `wsgi.input` through this.
///
/// `next_chunk` blocks until the next piece of the body is there, returns `Ok(None)` at the
/// end of the body, and an error (for example [`io::ErrorKind::InvalidData`] for a malformed
/// chunked body) when the body cannot be read.
pub trait InputSource: Send {
    /// The next piece of the body, `None` at its end.
    fn next_chunk(&mut self) -> io::Result<Option<Bytes>>;
}

/// `wsgi.input`: the request body, read with [`std::io::Read`] and [`std::io::BufRead`].
///
/// The body streams in as the application reads it; EOF comes at the end of the body
/// (`wsgi.input_terminated` is true), so chunked request bodies can be read to the end
/// without looking at `CONTENT_LENGTH`. [`Environ::input`](crate::Environ::input) hands out
/// the reader:
///
/// ```
/// use std::io::{BufRead, Read};
/// # let environ = gateway_core::Environ::builder().body("line one\nline two\n").build();
/// let mut first = String::new();
/// environ.input().read_line(&mut first).unwrap();        // readline()
/// let mut rest = Vec::new();
/// environ.input().read_to_end(&mut rest).unwrap();       // read()
/// assert_eq!((first.as_str(), rest.as_slice()), ("line one\n", &b"line two\n"[..]));
/// ```
pub struct Input {
    state: Mutex<State>,
}

struct State {
    buffer: Bytes,
    source: Option<Box<dyn InputSource>>,
}

/// A locked handle on [`Input`]: implements [`Read`] and [`BufRead`].
pub struct InputReader<'a> {
    state: MutexGuard<'a, State>,
}

impl Input {
    /// A body with nothing in it.
    pub fn empty() -> Self {
        Self::from_bytes(Bytes::new())
    }

    /// A body held in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            state: Mutex::new(State {
                buffer: bytes.into(),
                source: None,
            }),
        }
    }

    /// A body that streams from `source`.
    pub fn from_source(source: impl InputSource + 'static) -> Self {
        Self {
            state: Mutex::new(State {
                buffer: Bytes::new(),
                source: Some(Box::new(source)),
            }),
        }
    }

    /// Locks the stream for reading.
    pub fn lock(&self) -> InputReader<'_> {
        InputReader {
            state: self
                .state
                .lock()
                .unwrap_or_else(|poison| poison.into_inner()),
        }
    }
}

impl Read for InputReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for InputReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let state = &mut *self.state;
        while state.buffer.is_empty() {
            let Some(source) = state.source.as_mut() else {
                break;
            };
            match source.next_chunk()? {
                Some(chunk) => state.buffer = chunk,
                None => state.source = None,
            }
        }
        Ok(&state.buffer)
    }

    fn consume(&mut self, amount: usize) {
        self.state.buffer.advance(amount);
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<wsgi.input>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    struct Pieces(VecDeque<io::Result<Option<Bytes>>>);

    impl InputSource for Pieces {
        fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
            self.0.pop_front().unwrap_or(Ok(None))
        }
    }

    fn streamed(pieces: &[&'static str]) -> Input {
        let mut queue: VecDeque<_> = pieces.iter().map(|p| Ok(Some(Bytes::from(*p)))).collect();
        queue.push_back(Ok(None));
        Input::from_source(Pieces(queue))
    }

    #[test]
    fn read_to_end_joins_every_chunk() {
        let input = streamed(&["ab", "", "cd", "e"]);
        let mut all = String::new();
        input.lock().read_to_string(&mut all).unwrap();
        assert_eq!(all, "abcde");
    }

    #[test]
    fn read_n_returns_at_most_n_bytes_then_eof() {
        let input = streamed(&["abcdef"]);
        let mut two = [0; 2];
        assert_eq!(input.lock().read(&mut two).unwrap(), 2);
        assert_eq!(&two, b"ab");
        let mut rest = Vec::new();
        input.lock().read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"cdef");
        assert_eq!(input.lock().read(&mut two).unwrap(), 0);
    }

    #[test]
    fn lines_span_chunk_boundaries() {
        let input = streamed(&["first li", "ne\nsecond\n", "third"]);
        let lines: Vec<String> = input.lock().lines().map(Result::unwrap).collect();
        assert_eq!(lines, ["first line", "second", "third"]);
    }

    #[test]
    fn a_source_error_reaches_the_reader() {
        let queue = VecDeque::from([
            Ok(Some(Bytes::from("ok"))),
            Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk size")),
        ]);
        let input = Input::from_source(Pieces(queue));
        let mut all = Vec::new();
        let error = input.lock().read_to_end(&mut all).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
