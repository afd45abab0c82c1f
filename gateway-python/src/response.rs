//! Calling the application and turning what it returns into the response body, on an
//! interpreter thread.
//!
//! * An exact `list` or `tuple` of bytes (nearly every application; Django's responses are
//!   iterables with `close()`, though): copied into an in-memory body, which the I/O thread
//!   sends at once. A `list` has no `close()`, so none is looked up (a failed attribute
//!   lookup raises and clears an `AttributeError`: measured 0.5 µs a call).
//! * `wsgi.file_wrapper` around a real file: the server's own file body reads it, without
//!   Python.
//! * Anything else (a generator, Django's `HttpResponse`): iterated here up to the first
//!   non-empty chunk (so `start_response` may be called during the first iteration, and an
//!   exception before anything is sent is still a 500), then streamed through a small
//!   channel: the thread waits, without the GIL, while the client is slower than the
//!   generator, and the whole output is never held in memory.
//!
//! `close()` is called exactly once, whatever happened, on an interpreter thread.

use crate::app::Loaded;
use crate::file_wrapper::FileWrapperType;
use crate::interpreter::traceback;
use crate::start_response::StartResponse;
use crate::threads::Interpreters;
use bytes::Bytes;
use crossbeam_channel::TrySendError;
use gateway_core::{Body, ContractError, Environ, IntoBody, StartResponse as RustStartResponse};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Chunks a generator may be ahead of the client: small, so a slow client slows the
/// generator down instead of filling memory (as the server's own streaming bodies).
const STREAM_CHUNKS: usize = 4;

/// Where the body goes: to the I/O thread awaiting it.
type Reply = oneshot::Sender<Body>;

/// Calls the application with `environ` and `start_response`, and answers `reply` with the
/// body.
pub(crate) fn call(
    py: Python<'_>,
    loaded: &Loaded,
    environ: Environ,
    start_response: RustStartResponse,
    reply: Reply,
) {
    let environ = Arc::new(environ);
    let called = loaded.environ.dict(py, &environ).and_then(|dict| {
        let start_response = Bound::new(py, StartResponse::new(start_response))?;
        loaded.app.bind(py).call1((dict, start_response))
    });
    match called {
        Ok(result) => answer(py, result, &loaded.threads, reply),
        Err(error) => {
            let _ = reply.send(failed(py, &error));
        }
    }
}

/// The body of an application that raised: a 500, with the traceback in the log.
fn failed(py: Python<'_>, error: &PyErr) -> Body {
    Body::from(raised(py, error))
}

fn raised(py: Python<'_>, error: &PyErr) -> ContractError {
    ContractError::Failed {
        message: format!("Python raised:\n{}", traceback(py, error).trim_end()),
    }
}

fn answer(py: Python<'_>, result: Bound<'_, PyAny>, threads: &Interpreters, reply: Reply) {
    if let Ok(list) = result.cast_exact::<PyList>() {
        let _ = reply.send(in_memory(list.iter()));
        return;
    }
    if let Ok(tuple) = result.cast_exact::<PyTuple>() {
        let _ = reply.send(in_memory(tuple.iter()));
        return;
    }
    if let Ok(wrapper) = result.cast::<FileWrapperType>() {
        if let Some(body) = wrapper.get().native_body(py) {
            let closing = Closing {
                body,
                _close: CloseLater {
                    result: Some(result.unbind()),
                    threads: threads.clone(),
                },
            };
            let _ = reply.send(Body::from_results(closing));
            return;
        }
    }
    let close = match result.getattr_opt(intern!(py, "close")) {
        Ok(close) => close,
        Err(error) => {
            let _ = reply.send(failed(py, &error));
            return;
        }
    };
    stream(py, &result, reply);
    if let Some(close) = close {
        if let Err(error) = close.call0() {
            gateway_core::host::log(
                gateway_core::host::Level::Error,
                format_args!("the response's close() raised:\n{}", traceback(py, &error)),
            );
        }
    }
}

/// The chunks of a list or tuple, copied out of Python.
fn in_memory<'py>(items: impl Iterator<Item = Bound<'py, PyAny>>) -> Body {
    let mut chunks = Vec::new();
    for item in items {
        match chunk(&item) {
            Ok(bytes) => chunks.push(bytes),
            Err(error) => return Body::from(error),
        }
    }
    chunks.into_body()
}

/// One item of the body, which PEP 3333 says must be `bytes`.
fn chunk(item: &Bound<'_, PyAny>) -> Result<Bytes, ContractError> {
    match item.cast::<PyBytes>() {
        Ok(bytes) => Ok(Bytes::copy_from_slice(bytes.as_bytes())),
        Err(_) => Err(ContractError::Failed {
            message: format!(
                "the response body must yield bytes, not {}",
                item.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ),
        }),
    }
}

/// Iterates `result` up to its first non-empty chunk, answers, then streams the rest.
fn stream(py: Python<'_>, result: &Bound<'_, PyAny>, reply: Reply) {
    let mut items = match result.try_iter() {
        Ok(items) => items,
        Err(error) => {
            let _ = reply.send(failed(py, &error));
            return;
        }
    };
    let first = loop {
        match items.next() {
            None => {
                let _ = reply.send(Body::empty());
                return;
            }
            Some(Err(error)) => {
                let _ = reply.send(failed(py, &error));
                return;
            }
            Some(Ok(item)) => match chunk(&item) {
                Ok(bytes) if bytes.is_empty() => continue,
                Ok(bytes) => break bytes,
                Err(error) => {
                    let _ = reply.send(Body::from(error));
                    return;
                }
            },
        }
    };
    let (chunks, rest) = crossbeam_channel::bounded(STREAM_CHUNKS);
    let body = std::iter::once(Ok(first)).chain(rest);
    if reply.send(Body::from_results(body)).is_err() {
        return; // the client is gone
    }
    for item in items {
        let next = match item {
            Ok(item) => chunk(&item),
            Err(error) => Err(raised(py, &error)),
        };
        let stop = next.is_err();
        if matches!(&next, Ok(bytes) if bytes.is_empty()) {
            continue;
        }
        let sent = match chunks.try_send(next) {
            Ok(()) => true,
            Err(TrySendError::Full(next)) => py.detach(|| chunks.send(next).is_ok()),
            Err(TrySendError::Disconnected(_)) => false,
        };
        if stop || !sent {
            return; // dropping `chunks` ends the body; an error ends it as failed
        }
    }
}

/// A body the server reads without Python, and the response object to close after it.
struct Closing<I> {
    body: I,
    _close: CloseLater,
}

impl<I: Iterator> Iterator for Closing<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        self.body.next()
    }
}

/// A response object whose `close()` is called, on an interpreter thread, once the server
/// is done with the body it gave (a file it sends without Python).
struct CloseLater {
    result: Option<Py<PyAny>>,
    threads: Interpreters,
}

impl Drop for CloseLater {
    fn drop(&mut self) {
        let Some(result) = self.result.take() else {
            return;
        };
        self.threads.run(Box::new(move |py| {
            if let Err(error) = result.bind(py).call_method0(intern!(py, "close")) {
                gateway_core::host::log(
                    gateway_core::host::Level::Error,
                    format_args!("the response's close() raised:\n{}", traceback(py, &error)),
                );
            }
        }));
    }
}
