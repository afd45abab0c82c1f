//! Feeds hyper's streamed request body into the blocking `wsgi.input`.

use bytes::Bytes;
use gateway_core::host::InputSource;
use http_body::Body as _;
use hyper::body::Incoming;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::runtime::Handle;

/// Set when the request body turned out to be malformed (a bad chunk, a body cut short):
/// the response must then be a 400 and the connection must close.
///
/// The default watches nothing: a request without a body cannot have a malformed one, and
/// most requests have none, so they skip the shared flag's allocation.
#[derive(Clone, Default)]
pub(crate) struct BodyFault(Option<Arc<AtomicBool>>);

impl BodyFault {
    pub(crate) fn is_set(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Acquire))
    }
}

/// The request body, read by blocking on the runtime that owns the connection.
///
/// Reading from a plain `fn` application happens on a blocking-pool thread, where
/// `Handle::block_on` is allowed; an `async` application that reads `wsgi.input`
/// synchronously is on a runtime worker, and `block_in_place` first hands that worker's
/// other tasks to another thread. Polling the body the first time is also what makes hyper
/// send `100 Continue` to a client that asked for it.
pub(crate) struct IncomingSource {
    body: Incoming,
    runtime: Handle,
    fault: Arc<AtomicBool>,
}

impl IncomingSource {
    pub(crate) fn new(body: Incoming, runtime: Handle) -> Self {
        Self {
            body,
            runtime,
            fault: Arc::default(),
        }
    }

    /// The flag this source sets when it finds the body malformed.
    pub(crate) fn fault(&self) -> BodyFault {
        BodyFault(Some(self.fault.clone()))
    }
}

impl InputSource for IncomingSource {
    fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            let body = &mut self.body;
            let runtime = &self.runtime;
            let frame = tokio::task::block_in_place(|| {
                runtime.block_on(poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)))
            });
            match frame {
                None => return Ok(None),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Ok(Some(data));
                    }
                }
                Some(Err(error)) => {
                    self.fault.store(true, Ordering::Release);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("malformed request body: {error}"),
                    ));
                }
            }
        }
    }
}
