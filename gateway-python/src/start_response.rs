//! `start_response(status, response_headers, exc_info=None)` for Python, over the
//! request's Rust [`StartResponse`], which keeps the head until the first non-empty chunk.

use gateway_core::StartResponse as RustStartResponse;
use pyo3::exceptions::{PyAssertionError, PyOSError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// The `start_response` callable of one request.
#[pyclass(frozen, module = "gateway", name = "start_response")]
pub(crate) struct StartResponse {
    inner: RustStartResponse,
    /// Whether it was called: a second call needs `exc_info` (PEP 3333).
    called: AtomicBool,
}

impl StartResponse {
    pub(crate) fn new(inner: RustStartResponse) -> Self {
        Self {
            inner,
            called: AtomicBool::new(false),
        }
    }
}

#[pymethods]
impl StartResponse {
    /// Records the status and headers (sent with the first non-empty chunk) and returns the
    /// `write()` callable. With `exc_info` it replaces them while nothing was sent, and
    /// re-raises the exception once the head went out.
    #[pyo3(signature = (status, response_headers, exc_info = None))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        status: &Bound<'py, PyAny>,
        response_headers: &Bound<'py, PyAny>,
        exc_info: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.get();
        let exc_info = exc_info.filter(|info| !info.is_none());
        if let Some(info) = exc_info {
            if this.inner.is_sent() {
                // PEP 3333: "re-raise the exception" once the headers are out.
                return Err(PyErr::from_value(info.get_item(1)?));
            }
        } else if this.called.load(Ordering::Relaxed) {
            return Err(second_call());
        }
        let status = status
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("the status must be a str ('200 OK')"))?
            .to_str()?;
        let list = response_headers.cast::<PyList>().map_err(|_| {
            PyTypeError::new_err("the response headers must be a list of (name, value) tuples")
        })?;
        // The names and values are read in place (an ASCII `str` is its own UTF-8): only the
        // two lists are allocated, not a `String` per name and value.
        let mut pairs: Vec<(Bound<'py, PyString>, Bound<'py, PyString>)> =
            Vec::with_capacity(list.len());
        for header in list.iter() {
            let pair = header.cast::<PyTuple>().map_err(|_| {
                PyTypeError::new_err(format!("a response header must be a tuple, not {header}"))
            })?;
            pairs.push(pair.extract()?);
        }
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(pairs.len());
        for (name, value) in &pairs {
            // Django writes `Set-Cookie` values with a leading space: trim, do not refuse.
            headers.push((name.to_str()?, value.to_str()?.trim_matches([' ', '\t'])));
        }
        // Checked again, and set, in one atomic step: on a free-threaded Python two threads
        // of the application may call at once, and only one of them is the first call.
        let first = !this.called.swap(true, Ordering::Relaxed);
        match exc_info {
            None if !first => return Err(second_call()),
            Some(info) => {
                let error = info.get_item(1).map(|e| e.to_string()).unwrap_or_default();
                if let Err(error) = this.inner.with_exc_info(status, &headers, &error) {
                    return Err(PyAssertionError::new_err(error.to_string()));
                }
            }
            None => {
                (this.inner)(status, &headers);
            }
        }
        slf.getattr(intern!(slf.py(), "write"))
    }

    /// PEP 3333's `write(data)`: bytes sent before the returned body.
    fn write(&self, data: &Bound<'_, PyBytes>) -> PyResult<()> {
        self.inner
            .writer()
            .write_all(data.as_bytes())
            .map_err(|error| PyOSError::new_err(error.to_string()))
    }
}

/// A second `start_response` call without `exc_info`, which PEP 3333 forbids.
fn second_call() -> PyErr {
    PyAssertionError::new_err("start_response() called a second time without exc_info")
}
