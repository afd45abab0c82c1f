//! `wsgi.input` and `wsgi.errors` as Python file objects over the request's Rust streams.

use gateway_core::Environ;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use std::io::{BufRead, Read, Write};
use std::sync::Arc;

/// `wsgi.input`: the request body, streamed as the application reads it. A read that has
/// to wait for the client waits with the GIL released, so other requests' Python runs.
#[pyclass(frozen, module = "gateway")]
pub(crate) struct WsgiInput {
    environ: Arc<Environ>,
}

impl WsgiInput {
    pub(crate) fn new(environ: Arc<Environ>) -> Self {
        Self { environ }
    }

    /// Reads with the GIL released.
    fn with_reader<T: Send>(
        &self,
        py: Python<'_>,
        read: impl FnOnce(&mut gateway_core::InputReader<'_>) -> std::io::Result<T> + Send,
    ) -> PyResult<T> {
        py.detach(|| read(&mut self.environ.input()))
            .map_err(|error| PyOSError::new_err(format!("reading the request body: {error}")))
    }

    fn line<'py>(&self, py: Python<'py>, size: Option<isize>) -> PyResult<Vec<u8>> {
        let limit = limit(size);
        self.with_reader(py, |reader| {
            let mut line = Vec::new();
            reader.take(limit).read_until(b'\n', &mut line)?;
            Ok(line)
        })
    }
}

/// A Python size argument as a byte limit: none or negative means all.
fn limit(size: Option<isize>) -> u64 {
    match size {
        Some(size) if size >= 0 => size as u64,
        _ => u64::MAX,
    }
}

#[pymethods]
impl WsgiInput {
    /// `read(size=-1)`: `size` bytes, fewer only at the end of the body; all without one.
    #[pyo3(signature = (size = None))]
    fn read<'py>(&self, py: Python<'py>, size: Option<isize>) -> PyResult<Bound<'py, PyBytes>> {
        let limit = limit(size);
        let data = self.with_reader(py, |reader| {
            let mut data = Vec::new();
            reader.take(limit).read_to_end(&mut data)?;
            Ok(data)
        })?;
        Ok(PyBytes::new(py, &data))
    }

    /// `readline(size=-1)`: up to and including the next `\n`, at most `size` bytes.
    #[pyo3(signature = (size = None))]
    fn readline<'py>(&self, py: Python<'py>, size: Option<isize>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.line(py, size)?))
    }

    /// `readlines(hint=-1)`: the lines, stopping once `hint` bytes were read.
    #[pyo3(signature = (hint = None))]
    fn readlines<'py>(&self, py: Python<'py>, hint: Option<isize>) -> PyResult<Bound<'py, PyList>> {
        let hint = limit(hint);
        let lines = PyList::empty(py);
        let mut total = 0u64;
        loop {
            let line = self.line(py, None)?;
            if line.is_empty() {
                break;
            }
            total += line.len() as u64;
            lines.append(PyBytes::new(py, &line))?;
            if total >= hint {
                break;
            }
        }
        Ok(lines)
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let line = self.line(py, None)?;
        Ok((!line.is_empty()).then(|| PyBytes::new(py, &line)))
    }

    fn readable(&self) -> bool {
        true
    }

    fn close(&self) {}
}

/// `wsgi.errors`: a text stream whose lines go to the server's error log.
#[pyclass(frozen, module = "gateway")]
pub(crate) struct WsgiErrors {
    environ: Arc<Environ>,
}

impl WsgiErrors {
    pub(crate) fn new(environ: Arc<Environ>) -> Self {
        Self { environ }
    }
}

#[pymethods]
impl WsgiErrors {
    /// Writes `text`; each whole line goes to the log.
    fn write(&self, text: &str) -> PyResult<usize> {
        (&mut self.environ.errors())
            .write_all(text.as_bytes())
            .map_err(|error| PyOSError::new_err(error.to_string()))?;
        Ok(text.chars().count())
    }

    fn writelines(&self, lines: &Bound<'_, PyAny>) -> PyResult<()> {
        for line in lines.try_iter()? {
            self.write(line?.extract::<&str>()?)?;
        }
        Ok(())
    }

    fn flush(&self) -> PyResult<()> {
        (&mut self.environ.errors())
            .flush()
            .map_err(|error| PyOSError::new_err(error.to_string()))
    }

    fn writable(&self) -> bool {
        true
    }
}
