//! `wsgi.file_wrapper`: wraps a file-like object as the response body. When it wraps a real
//! file, the server sends the file itself (gateway-core's [`FileWrapper`], read in blocks
//! on the server's threads, never through Python); otherwise it is iterated like any body.

use gateway_core::{Body, FileWrapper};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::io::{Seek, SeekFrom};

/// wsgiref's block size.
const DEFAULT_BLOCK_SIZE: usize = 8192;

/// `environ['wsgi.file_wrapper'](filelike, block_size=8192)`.
#[pyclass(frozen, module = "gateway", name = "FileWrapper")]
pub(crate) struct FileWrapperType {
    filelike: Py<PyAny>,
    block_size: usize,
}

#[pymethods]
impl FileWrapperType {
    #[new]
    #[pyo3(signature = (filelike, block_size = DEFAULT_BLOCK_SIZE))]
    fn new(filelike: Py<PyAny>, block_size: usize) -> Self {
        Self {
            filelike,
            block_size: block_size.max(1),
        }
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The next block, read through Python (a file-like object that is not a file).
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let block = self
            .filelike
            .bind(py)
            .call_method1(intern!(py, "read"), (self.block_size,))?;
        let block = block.cast_into::<PyBytes>()?;
        Ok((!block.as_bytes().is_empty()).then_some(block))
    }

    /// Closes the wrapped object, if it can be closed.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if let Some(close) = self.filelike.bind(py).getattr_opt(intern!(py, "close"))? {
            close.call0()?;
        }
        Ok(())
    }
}

impl FileWrapperType {
    /// The server's own body over the same file from its current position, when the
    /// wrapped object is a real file (it has a working `fileno()`); `None` otherwise.
    ///
    /// The file is opened again through `/proc/self/fd` (its own file position, no unsafe
    /// descriptor juggling); the Python object stays open until the response is done, when
    /// its `close()` is called.
    pub(crate) fn native_body(
        &self,
        py: Python<'_>,
    ) -> Option<
        impl Iterator<Item = Result<bytes::Bytes, gateway_core::ContractError>> + Send + use<>,
    > {
        let filelike = self.filelike.bind(py);
        let fd: i32 = filelike
            .call_method0(intern!(py, "fileno"))
            .ok()?
            .extract()
            .ok()?;
        let position: u64 = filelike
            .call_method0(intern!(py, "tell"))
            .ok()?
            .extract()
            .ok()?;
        let mut file = std::fs::File::open(format!("/proc/self/fd/{fd}")).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        file.seek(SeekFrom::Start(position)).ok()?;
        let body: Body =
            FileWrapper::with_block_size(file, self.block_size.max(64 * 1024)).into_body();
        Some(body)
    }
}
