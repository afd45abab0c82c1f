//! The environ as Python sees it: a real `dict` of native `str` values (PEP 3333).

use crate::file_wrapper::FileWrapperType;
use crate::streams::{WsgiErrors, WsgiInput};
use gateway_core::{Environ, ValueRef};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::{intern, IntoPyObjectExt};
use std::sync::Arc;

/// Builds the request's `environ` dict. Text values are PEP 3333's "bytes as str": each byte
/// of the decoded path or of a header is one code point (latin-1), so `environ['PATH_INFO']`
/// of `/caf%C3%A9` is `'/cafÃ©'`, and `.encode('latin-1').decode()` gives the text back, as
/// every WSGI framework expects. `multiprocess` is `wsgi.multiprocess`: true under
/// `--workers`, where other processes serve the same application.
pub(crate) fn dict<'py>(
    py: Python<'py>,
    environ: &Arc<Environ>,
    multiprocess: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in environ.iter() {
        let value = match value {
            ValueRef::Str(text) => native_str(py, environ, &key, text)?.into_any(),
            ValueRef::Bool(flag) => flag.into_bound_py_any(py)?,
            ValueRef::Version(major, minor) => PyTuple::new(py, [major, minor])?.into_any(),
            ValueRef::Input(_) => Bound::new(py, WsgiInput::new(environ.clone()))?.into_any(),
            ValueRef::Errors(_) => Bound::new(py, WsgiErrors::new(environ.clone()))?.into_any(),
            ValueRef::Object(_) if key == "wsgi.file_wrapper" => {
                py.get_type::<FileWrapperType>().into_any()
            }
            // Another host's Rust object (a middleware's): Python cannot use it.
            ValueRef::Object(_) => continue,
        };
        dict.set_item(PyString::intern(py, &key), value)?;
    }
    // Every interpreter thread may run this application at once.
    dict.set_item(intern!(py, "wsgi.multithread"), true)?;
    if multiprocess {
        dict.set_item(intern!(py, "wsgi.multiprocess"), true)?;
    }
    Ok(dict)
}

/// `text` as PEP 3333's native string: ASCII as it is (nearly every value); otherwise the
/// raw bytes, one code point each.
fn native_str<'py>(
    py: Python<'py>,
    environ: &Environ,
    key: &str,
    text: &str,
) -> PyResult<Bound<'py, PyString>> {
    if text.is_ascii() {
        return Ok(PyString::new(py, text));
    }
    // gateway's Rust environ shows UTF-8 bytes as their characters: take the raw bytes.
    let raw: Vec<u8> = if key == "PATH_INFO" {
        environ.path_info_bytes().to_vec()
    } else if let Some(name) = key.strip_prefix("HTTP_") {
        let name = name.replace('_', "-").to_ascii_lowercase();
        let separator: &[u8] = if name == "cookie" { b"; " } else { b", " };
        let values: Vec<&[u8]> = environ
            .headers()
            .get_all(name.as_str())
            .iter()
            .map(|value| value.as_bytes())
            .collect();
        values.join(separator)
    } else {
        // Text the server made (SERVER_NAME from the Host header goes through here too):
        // its UTF-8 bytes, as the latin-1 rule would have shown them.
        text.as_bytes().to_vec()
    };
    let latin1: String = raw.iter().map(|&byte| char::from(byte)).collect();
    Ok(PyString::new(py, &latin1))
}
