//! `wsgi.file_wrapper`: a file (any [`Read`]) as a streamed response body, like
//! `wsgiref.util.FileWrapper`.
//!
//! PEP 3333 lets a server offer `environ['wsgi.file_wrapper']` so an application can return
//! a file and the server can send it the fastest way it knows. In gateway the wrapper is
//! [`FileWrapper`]: an iterator of chunks read one block at a time, so a file of any size is
//! streamed without being read into memory. The environ's `wsgi.file_wrapper` key holds
//! [`FileWrapperClass`], the same thing reached the PEP 3333 way.
//!
//! Zero-copy sending (`sendfile(2)`) is not done: the server copies each block through
//! user space, like wsgiref's own `FileWrapper` without a platform fast path, which PEP 3333
//! allows. A server that adds it later can recognise the body without any change to
//! applications.

use crate::body::Body;
use crate::error_log::ErrorLog;
use bytes::Bytes;
use std::fmt;
use std::io::{self, Read};

/// The block size wsgiref's `FileWrapper` reads by: 8 KiB.
pub(crate) const DEFAULT_BLOCK_SIZE: usize = 8192;

/// A reader as an iterator of chunks of at most `block_size` bytes: wsgiref's
/// `FileWrapper(filelike, blksize=8192)`.
///
/// Each chunk is one `read` of the reader, from its current position to its end; nothing is
/// read before the body is pulled, and never more than one block at a time. The reader is
/// dropped (PEP 3333's `close()`) as soon as it is exhausted, or with the wrapper.
///
/// A read error ends the body: it is logged (to the request's error log when given with
/// [`log_errors_to`](Self::log_errors_to), else through `tracing`). Give the response a
/// `Content-Length`, so the server sees the body is short and closes the connection instead
/// of ending the response as if it were complete.
///
/// ```
/// use gateway_core::FileWrapper;
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let app = |_: &Environ, start_response: StartResponse| {
///     let file = std::io::Cursor::new(b"pretend this is a large file".to_vec());
///     start_response("200 OK", &[("Content-Type", "text/plain"), ("Content-Length", "28")]);
///     FileWrapper::with_block_size(file, 8).into_body()
/// };
/// let response = TestClient::new(app).get("/");
/// assert_eq!(response.text(), "pretend this is a large file");
/// ```
pub struct FileWrapper<R> {
    reader: Option<R>,
    block_size: usize,
    log: ErrorLog,
}

impl<R: Read> FileWrapper<R> {
    /// Reads `reader` in blocks of 8,192 bytes (`wsgiref`'s default).
    pub fn new(reader: R) -> Self {
        Self::with_block_size(reader, DEFAULT_BLOCK_SIZE)
    }

    /// Reads `reader` in blocks of `block_size` bytes (at least 1).
    pub fn with_block_size(reader: R, block_size: usize) -> Self {
        Self {
            reader: Some(reader),
            block_size: block_size.max(1),
            log: ErrorLog::default(),
        }
    }

    /// Logs a read error to `log` (the request's error log, from
    /// [`Environ::error_log`](crate::Environ::error_log)) instead of `tracing`.
    pub fn log_errors_to(mut self, log: ErrorLog) -> Self {
        self.log = log;
        self
    }

    /// The block size.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    fn read_block(&mut self) -> Option<Bytes> {
        let reader = self.reader.as_mut()?;
        let mut block = vec![0; self.block_size];
        loop {
            match reader.read(&mut block) {
                Ok(0) => break,
                Ok(n) => {
                    block.truncate(n);
                    return Some(Bytes::from(block));
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    self.log(&error);
                    break;
                }
            }
        }
        self.reader = None;
        None
    }

    fn log(&self, error: &io::Error) {
        let line = format!("file_wrapper: reading the file failed, the body ends here: {error}");
        self.log.line(&line);
    }
}

impl<R: Read + Send + 'static> FileWrapper<R> {
    /// The wrapper as a lazy [`Body`], pulled block by block by the server.
    pub fn into_body(self) -> Body {
        Body::from_iter(self)
    }
}

impl<R: Read> Iterator for FileWrapper<R> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        self.read_block()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.reader {
            Some(_) => (0, None),
            None => (0, Some(0)),
        }
    }
}

impl<R: Read> std::iter::FusedIterator for FileWrapper<R> {}

impl<R> fmt::Debug for FileWrapper<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileWrapper")
            .field("block_size", &self.block_size)
            .field("exhausted", &self.reader.is_none())
            .finish()
    }
}

/// `environ['wsgi.file_wrapper']`: what PEP 3333 calls the file wrapper class, for an
/// application written the PEP 3333 way. Calling it is the same as [`FileWrapper::new`] or
/// [`FileWrapper::with_block_size`].
///
/// ```
/// use gateway_core::FileWrapperClass;
/// # let environ = gateway_core::Environ::builder().build();
/// let file_wrapper = environ.object::<FileWrapperClass>("wsgi.file_wrapper").unwrap();
/// let body = file_wrapper.call(std::io::Cursor::new(b"data"), None).into_body();
/// assert_eq!(format!("{file_wrapper:?}"), "<class 'gateway.FileWrapper'>");
/// # drop(body);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct FileWrapperClass;

impl FileWrapperClass {
    /// `wsgi.file_wrapper(filelike, block_size=None)`.
    pub fn call<R: Read>(&self, filelike: R, block_size: Option<usize>) -> FileWrapper<R> {
        FileWrapper::with_block_size(filelike, block_size.unwrap_or(DEFAULT_BLOCK_SIZE))
    }
}

/// Prints like the Python class: `<class 'gateway.FileWrapper'>`.
impl fmt::Debug for FileWrapperClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<class 'gateway.FileWrapper'>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    /// A reader that counts its reads and how large the buffer it was given was.
    struct Counting {
        data: io::Cursor<Vec<u8>>,
        reads: Arc<AtomicUsize>,
        largest: Arc<AtomicUsize>,
    }

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.largest.fetch_max(buf.len(), Ordering::SeqCst);
            self.data.read(buf)
        }
    }

    #[test]
    fn chunks_are_blocks_of_the_block_size_until_an_empty_read() {
        let chunks: Vec<Bytes> =
            FileWrapper::with_block_size(io::Cursor::new(b"abcdefgh".to_vec()), 3).collect();
        assert_eq!(chunks, ["abc", "def", "gh"]);
    }

    #[test]
    fn the_default_block_size_is_wsgirefs_8192() {
        let data = vec![7u8; 20_000];
        let sizes: Vec<usize> = FileWrapper::new(io::Cursor::new(data))
            .map(|c| c.len())
            .collect();
        assert_eq!(sizes, [8192, 8192, 3616]);
    }

    #[test]
    fn nothing_is_read_before_the_body_is_pulled_and_one_block_per_pull() {
        let reads = Arc::new(AtomicUsize::new(0));
        let largest = Arc::new(AtomicUsize::new(0));
        let reader = Counting {
            data: io::Cursor::new(vec![1; 1 << 20]),
            reads: reads.clone(),
            largest: largest.clone(),
        };
        let mut body = FileWrapper::with_block_size(reader, 4096).into_body();
        assert_eq!(reads.load(Ordering::SeqCst), 0);
        assert_eq!(body.next().unwrap().unwrap().len(), 4096);
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(largest.load(Ordering::SeqCst), 4096);
    }

    #[test]
    fn reading_starts_at_the_current_position() {
        let mut cursor = io::Cursor::new(b"skip:keep".to_vec());
        cursor.set_position(5);
        let chunks: Vec<Bytes> = FileWrapper::new(cursor).collect();
        assert_eq!(chunks, ["keep"]);
    }

    #[test]
    fn a_read_error_is_logged_and_ends_the_body() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += 1;
                match self.0 {
                    1 => {
                        buf[0] = b'x';
                        Ok(1)
                    }
                    2 => Err(io::Error::new(io::ErrorKind::Interrupted, "retry")),
                    _ => Err(io::Error::other("disk on fire")),
                }
            }
        }
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = lines.clone();
        let log = ErrorLog::to_sink(Arc::new(move |line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        }));
        let mut wrapper = FileWrapper::new(Failing(0)).log_errors_to(log);
        assert_eq!(wrapper.next().unwrap(), "x");
        assert_eq!(wrapper.next(), None);
        assert_eq!(wrapper.next(), None);
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("disk on fire"), "{lines:?}");
    }

    #[test]
    fn the_reader_is_dropped_when_exhausted() {
        struct Closed(Arc<AtomicUsize>);
        impl Read for Closed {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Ok(0)
            }
        }
        impl Drop for Closed {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let closes = Arc::new(AtomicUsize::new(0));
        let mut wrapper = FileWrapper::new(Closed(closes.clone()));
        assert_eq!(wrapper.next(), None);
        assert_eq!(closes.load(Ordering::SeqCst), 1);
        assert_eq!(wrapper.size_hint(), (0, Some(0)));
        drop(wrapper);
        assert_eq!(closes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_environ_offers_the_wrapper_class() {
        let environ = crate::Environ::builder().build();
        let class = environ
            .object::<FileWrapperClass>("wsgi.file_wrapper")
            .expect("wsgi.file_wrapper");
        let chunks: Vec<Bytes> = class.call(io::Cursor::new(b"abcd"), Some(2)).collect();
        assert_eq!(chunks, ["ab", "cd"]);
        assert!(
            format!("{environ:?}").contains("'wsgi.file_wrapper': <class 'gateway.FileWrapper'>")
        );
    }
}
