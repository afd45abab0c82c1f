//! The response body: what the application returns, pulled one chunk at a time.

use crate::contract_error::ContractError;
use crate::http_error::HttpError;
use bytes::Bytes;
use std::fmt;

/// One piece of a response body: anything that is bytes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a body chunk",
    note = "a chunk is Vec<u8>, String, &'static str, &'static [u8] or bytes::Bytes"
)]
pub trait IntoChunk {
    /// The chunk as [`Bytes`].
    fn into_chunk(self) -> Bytes;
}

impl IntoChunk for Bytes {
    fn into_chunk(self) -> Bytes {
        self
    }
}
impl IntoChunk for Vec<u8> {
    fn into_chunk(mut self) -> Bytes {
        // `Bytes` takes a vector whose length is its capacity as it is; any other needs a
        // second allocation (a shared header). Shrinking in place is cheaper (measured:
        // one allocation less per `format!`ed chunk).
        self.shrink_to_fit();
        Bytes::from(self)
    }
}
impl IntoChunk for String {
    fn into_chunk(self) -> Bytes {
        self.into_bytes().into_chunk()
    }
}
impl IntoChunk for &'static str {
    fn into_chunk(self) -> Bytes {
        Bytes::from_static(self.as_bytes())
    }
}
impl IntoChunk for &'static [u8] {
    fn into_chunk(self) -> Bytes {
        Bytes::from_static(self)
    }
}
impl IntoChunk for Box<[u8]> {
    fn into_chunk(self) -> Bytes {
        Bytes::from(self)
    }
}

/// The response body: PEP 3333's iterable of bytestrings.
///
/// Build it from whatever the application has ([`IntoBody`]), or from any iterator of chunks
/// with [`Body::from_iter`]; such a body is lazy: each chunk is produced when the server is
/// ready to send it. Dropping the body is PEP 3333's `close()`: the server drops it exactly
/// once, when the response is complete, failed, or the client went away.
pub struct Body {
    kind: Kind,
}

enum Kind {
    Empty,
    Once(Bytes),
    Chunks(std::vec::IntoIter<Bytes>),
    Lazy(Box<dyn Iterator<Item = Bytes> + Send>),
    Fallible(Box<dyn Iterator<Item = Result<Bytes, ContractError>> + Send>),
    Failed(Option<ContractError>),
    /// An application's `Err(HttpError)`: an answer that replaces the response.
    Answer(Box<HttpError>),
}

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Self {
        Self { kind: Kind::Empty }
    }

    /// A lazy body over `chunks`, streamed one chunk at a time, in order.
    #[allow(clippy::should_implement_trait)] // a constructor, not a FromIterator collect
    pub fn from_iter<I>(chunks: I) -> Self
    where
        I: IntoIterator,
        I::Item: IntoChunk + 'static,
        I::IntoIter: Send + 'static,
    {
        Self {
            kind: Kind::Lazy(Box::new(chunks.into_iter().map(IntoChunk::into_chunk))),
        }
    }

    /// A lazy body whose chunks may fail: an `Err` ends the body as [`failed`](Self::failed)
    /// does (a 500 while nothing was sent, else a truncated response). For a host that
    /// pulls another language's iterator (gateway-python), whose exceptions come mid-body.
    pub fn from_results<I>(chunks: I) -> Self
    where
        I: Iterator<Item = Result<Bytes, ContractError>> + Send + 'static,
    {
        Self {
            kind: Kind::Fallible(Box::new(chunks)),
        }
    }

    /// A body that fails when pulled: the response becomes a 500 and `error` goes to
    /// `wsgi.errors`. This is what an `Err` returned by an application turns into, unless
    /// the error is (or holds) an [`HttpError`]: then it is that answer (see
    /// [`answer_through`](Self::answer_through)).
    pub fn failed(error: impl fmt::Display + 'static) -> Self {
        match HttpError::found_in(error) {
            Ok(answer) => Self::from(answer),
            Err(message) => Self::from(ContractError::Failed { message }),
        }
    }

    /// The answer this body is, or the body itself.
    pub(crate) fn into_answer(self) -> Result<HttpError, Body> {
        match self.kind {
            Kind::Answer(answer) => Ok(*answer),
            kind => Err(Self { kind }),
        }
    }

    /// Whether every chunk is already in memory, so pulling it can never block.
    pub fn is_in_memory(&self) -> bool {
        !matches!(self.kind, Kind::Lazy(_) | Kind::Fallible(_))
    }
}

/// A body that fails when pulled with `error` (how a server turns a panic into a 500).
impl From<ContractError> for Body {
    fn from(error: ContractError) -> Self {
        Self {
            kind: Kind::Failed(Some(error)),
        }
    }
}

/// The answer of an application's `Err(HttpError)`: see [`Body::answer_through`].
impl From<HttpError> for Body {
    fn from(answer: HttpError) -> Self {
        Self {
            kind: Kind::Answer(Box::new(answer)),
        }
    }
}

impl Iterator for Body {
    type Item = Result<Bytes, ContractError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.kind {
            Kind::Empty => None,
            Kind::Once(_) => match std::mem::replace(&mut self.kind, Kind::Empty) {
                Kind::Once(chunk) => Some(Ok(chunk)),
                _ => unreachable!("matched Once above"),
            },
            Kind::Chunks(chunks) => chunks.next().map(Ok),
            Kind::Lazy(chunks) => chunks.next().map(Ok),
            Kind::Fallible(chunks) => chunks.next(),
            Kind::Failed(error) => error.take().map(Err),
            // Pulled before anyone gave the answer to `start_response`: too late to answer.
            Kind::Answer(_) => match std::mem::replace(&mut self.kind, Kind::Empty) {
                Kind::Answer(answer) => Some(Err(ContractError::Failed {
                    message: format!("{answer} (this answer was not given to start_response)"),
                })),
                _ => unreachable!("matched Answer above"),
            },
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.kind {
            Kind::Empty => (0, Some(0)),
            Kind::Once(_) => (1, Some(1)),
            Kind::Chunks(chunks) => chunks.size_hint(),
            Kind::Lazy(chunks) => chunks.size_hint(),
            Kind::Fallible(chunks) => chunks.size_hint(),
            Kind::Failed(error) => (error.is_some() as usize, Some(error.is_some() as usize)),
            Kind::Answer(_) => (1, Some(1)),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Empty => "empty",
            Kind::Once(_) => "one chunk",
            Kind::Chunks(_) => "chunks",
            Kind::Lazy(_) | Kind::Fallible(_) => "lazy",
            Kind::Failed(_) => "failed",
            Kind::Answer(_) => "answer",
        };
        write!(f, "Body({kind})")
    }
}

/// What an application may return: everything that can become a [`Body`].
///
/// `Vec<Vec<u8>>` (the note's `[body.encode('utf-8')]`) and any `Vec` of chunks, one chunk
/// (`Vec<u8>`, `String`, `&'static str`, `&'static [u8]`, `Bytes`), `()` for no body, a
/// [`Body`], and `Result<T, E>` of any of these, whose `Err` becomes a 500, or the answer
/// of an [`HttpError`]. For a lazy iterator use [`Body::from_iter`] (`#[wsgi_app]` does
/// that for you).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a WSGI response body",
    note = "return Vec<Vec<u8>>, Vec<u8>, String, &'static str, bytes::Bytes, gateway::Body, or a Result of one; wrap an iterator of chunks in Body::from_iter"
)]
pub trait IntoBody {
    /// The body.
    fn into_body(self) -> Body;
}

impl IntoBody for Body {
    fn into_body(self) -> Body {
        self
    }
}

impl IntoBody for () {
    fn into_body(self) -> Body {
        Body::empty()
    }
}

impl<C: IntoChunk> IntoBody for Vec<C> {
    fn into_body(self) -> Body {
        match self.len() {
            0 => Body::empty(),
            1 => self.into_iter().next().expect("one chunk").into_body(),
            _ => Body {
                kind: Kind::Chunks(
                    self.into_iter()
                        .map(IntoChunk::into_chunk)
                        .collect::<Vec<_>>()
                        .into_iter(),
                ),
            },
        }
    }
}

impl<C: IntoChunk> IntoBody for C {
    fn into_body(self) -> Body {
        Body {
            kind: Kind::Once(self.into_chunk()),
        }
    }
}

/// `E` is `'static` so that an [`HttpError`] can be told apart from other errors: a blanket
/// impl cannot be specialised for it, and a second impl for `Result<T, HttpError>` would
/// overlap this one.
impl<T: IntoBody, E: fmt::Display + 'static> IntoBody for Result<T, E> {
    fn into_body(self) -> Body {
        match self {
            Ok(body) => body.into_body(),
            Err(error) => Body::failed(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(body: Body) -> Vec<Bytes> {
        body.map(Result::unwrap).collect()
    }

    #[test]
    fn every_return_type_becomes_chunks() {
        assert_eq!(
            chunks(vec![b"a".to_vec(), b"b".to_vec()].into_body()),
            ["a", "b"]
        );
        assert_eq!(chunks(b"one".to_vec().into_body()), ["one"]);
        assert_eq!(chunks(String::from("s").into_body()), ["s"]);
        assert_eq!(chunks("static".into_body()), ["static"]);
        assert_eq!(chunks(Bytes::from("bytes").into_body()), ["bytes"]);
        assert!(chunks(().into_body()).is_empty());
        assert!(chunks(Vec::<String>::new().into_body()).is_empty());
    }

    #[test]
    fn a_lazy_body_pulls_one_chunk_at_a_time() {
        let pulled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = pulled.clone();
        let mut body = Body::from_iter((0..3).map(move |i| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            format!("{i}")
        }));
        assert_eq!(pulled.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(body.next().unwrap().unwrap(), "0");
        assert_eq!(pulled.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(!body.is_in_memory());
    }

    #[test]
    fn an_err_result_becomes_a_failed_body() {
        let mut body = Result::<String, _>::Err("database down").into_body();
        let error = body.next().unwrap().unwrap_err();
        assert_eq!(error.to_string(), "the application failed: database down");
        assert!(body.next().is_none());
    }
}
