//! The environ as Python sees it: a real `dict` of native `str` values (PEP 3333).
//!
//! Built straight from the request head, not through [`Environ::iter`]: that lists every
//! key (a `String` per header) and looks each one up by name, which is the right shape for a
//! Rust middleware but cost more than the Python application itself here. The keys are
//! Python strings made once ([`intern!`]): a key made per request and interned would be
//! added to, and removed again from, Python's table of interned strings on every request.
//! And each dict starts as a copy of a [`Template`]. (Callgrind, one worker, hello app:
//! 72,000 instructions a request before, 41,500 with the keys made once, see
//! docs/python.md.)

use crate::file_wrapper::FileWrapperType;
use crate::streams::{WsgiErrors, WsgiInput};
use gateway_core::host::SERVER_SOFTWARE;
use gateway_core::http::header::{self, HeaderName};
use gateway_core::http::Method;
use gateway_core::{Environ, ValueRef};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::{intern, IntoPyObjectExt};
use std::sync::Arc;

/// The keys every environ has, with the values that never change and placeholders for the
/// others: each request's dict starts as a copy of it (`dict.copy()` copies the key table
/// at once; building it key by key grew it four times, 8 -> 16 -> 32 -> 64 slots), and
/// setting a key it has already is a lookup, not an insertion. It has 22 keys, which makes
/// its table 64 slots: room for 20 more (the `HTTP_*` keys) without growing.
pub(crate) struct Template(Py<PyDict>);

impl Template {
    /// The template of a process; `multiprocess` is `wsgi.multiprocess`: true under
    /// `--workers`, where other processes serve the same application.
    pub(crate) fn new(py: Python<'_>, multiprocess: bool) -> PyResult<Self> {
        let dict = PyDict::new(py);
        for key in [
            intern!(py, "REQUEST_METHOD"),
            intern!(py, "PATH_INFO"),
            intern!(py, "QUERY_STRING"),
            intern!(py, "CONTENT_TYPE"),
            intern!(py, "CONTENT_LENGTH"),
            intern!(py, "SERVER_NAME"),
            intern!(py, "SERVER_PORT"),
            intern!(py, "SERVER_PROTOCOL"),
            intern!(py, "REMOTE_ADDR"),
            intern!(py, "REMOTE_PORT"),
            intern!(py, "wsgi.url_scheme"),
            intern!(py, "wsgi.input"),
            intern!(py, "wsgi.errors"),
        ] {
            dict.set_item(key, intern!(py, ""))?;
        }
        dict.set_item(intern!(py, "SCRIPT_NAME"), intern!(py, ""))?;
        dict.set_item(intern!(py, "SERVER_SOFTWARE"), intern!(py, SERVER_SOFTWARE))?;
        dict.set_item(intern!(py, "GATEWAY_INTERFACE"), intern!(py, "CGI/1.1"))?;
        dict.set_item(intern!(py, "wsgi.version"), PyTuple::new(py, [1u8, 0])?)?;
        // Every interpreter thread may run this application at once.
        dict.set_item(intern!(py, "wsgi.multithread"), true)?;
        dict.set_item(intern!(py, "wsgi.multiprocess"), multiprocess)?;
        dict.set_item(intern!(py, "wsgi.run_once"), false)?;
        dict.set_item(
            intern!(py, "wsgi.file_wrapper"),
            py.get_type::<FileWrapperType>(),
        )?;
        dict.set_item(intern!(py, "wsgi.input_terminated"), true)?;
        Ok(Self(dict.unbind()))
    }

    /// Builds the request's `environ` dict. Text values are PEP 3333's "bytes as str": each
    /// byte of the decoded path or of a header is one code point (latin-1), so
    /// `environ['PATH_INFO']` of `/caf%C3%A9` is `'/cafÃ©'`, and `.encode('latin-1').decode()`
    /// gives the text back, as every WSGI framework expects.
    pub(crate) fn dict<'py>(
        &self,
        py: Python<'py>,
        environ: &Arc<Environ>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let dict = self.0.bind(py).copy()?;
        let headers = environ.headers();
        let text = |key: &str| environ.get(key).map(|text| server_text(py, text));
        dict.set_item(intern!(py, "REQUEST_METHOD"), method(py, environ.method()))?;
        dict.set_item(
            intern!(py, "PATH_INFO"),
            latin1(py, environ.path_info_bytes()),
        )?;
        dict.set_item(
            intern!(py, "QUERY_STRING"),
            server_text(py, environ.uri().query().unwrap_or("")),
        )?;
        dict.set_item(
            intern!(py, "CONTENT_TYPE"),
            header(py, environ, &header::CONTENT_TYPE),
        )?;
        dict.set_item(
            intern!(py, "CONTENT_LENGTH"),
            header(py, environ, &header::CONTENT_LENGTH),
        )?;
        // The environ always has these two, and the last two with a client address.
        for (key, name) in [
            (intern!(py, "SERVER_NAME"), "SERVER_NAME"),
            (intern!(py, "SERVER_PORT"), "SERVER_PORT"),
            (intern!(py, "REMOTE_ADDR"), "REMOTE_ADDR"),
            (intern!(py, "REMOTE_PORT"), "REMOTE_PORT"),
        ] {
            match text(name) {
                Some(value) => dict.set_item(key, value)?,
                None => dict.del_item(key)?,
            }
        }
        dict.set_item(
            intern!(py, "SERVER_PROTOCOL"),
            protocol(py, environ.server_protocol()),
        )?;
        let scheme = match environ.url_scheme() {
            "http" => intern!(py, "http").clone(),
            "https" => intern!(py, "https").clone(),
            other => server_text(py, other),
        };
        dict.set_item(intern!(py, "wsgi.url_scheme"), scheme)?;
        if !headers.contains_key(header::HOST) {
            // HTTP/2's `:authority` (or an absolute request target) stands for `Host`.
            if let Some(host) = text("HTTP_HOST") {
                dict.set_item(intern!(py, "HTTP_HOST"), host)?;
            }
        }
        let mut key = String::with_capacity(64);
        for name in headers.keys() {
            let made = match common_key(py, name) {
                Some(made) => made.clone(),
                None => match cgi_key(&mut key, name) {
                    Some(key) => PyString::new(py, key),
                    None => continue,
                },
            };
            dict.set_item(made, header(py, environ, name))?;
        }
        dict.set_item(
            intern!(py, "wsgi.input"),
            Bound::new(py, WsgiInput::new(environ.clone()))?,
        )?;
        dict.set_item(
            intern!(py, "wsgi.errors"),
            Bound::new(py, WsgiErrors::new(environ.clone()))?,
        )?;
        // What the server or a middleware set or removed (HTTPS, uwsgi variables) overrides.
        for (key, value) in environ.inserted() {
            let value = match value {
                Some(ValueRef::Str(text)) => server_text(py, text).into_any(),
                Some(ValueRef::Bool(flag)) => flag.into_bound_py_any(py)?,
                // Another host's Rust object (a middleware's): Python cannot use it.
                Some(_) => continue,
                None => {
                    if dict.contains(key)? {
                        dict.del_item(key)?;
                    }
                    continue;
                }
            };
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }
}

/// `REQUEST_METHOD`: the usual ones made once.
fn method<'py>(py: Python<'py>, method: &Method) -> Bound<'py, PyString> {
    let made = match *method {
        Method::GET => intern!(py, "GET"),
        Method::POST => intern!(py, "POST"),
        Method::HEAD => intern!(py, "HEAD"),
        Method::PUT => intern!(py, "PUT"),
        Method::DELETE => intern!(py, "DELETE"),
        Method::OPTIONS => intern!(py, "OPTIONS"),
        Method::PATCH => intern!(py, "PATCH"),
        _ => return PyString::new(py, method.as_str()),
    };
    made.clone()
}

/// `SERVER_PROTOCOL`: HTTP/1.1, HTTP/1.0 and HTTP/2 made once.
fn protocol<'py>(py: Python<'py>, protocol: &str) -> Bound<'py, PyString> {
    let made = match protocol {
        "HTTP/1.1" => intern!(py, "HTTP/1.1"),
        "HTTP/1.0" => intern!(py, "HTTP/1.0"),
        "HTTP/2" => intern!(py, "HTTP/2"),
        other => return PyString::new(py, other),
    };
    made.clone()
}

/// The `HTTP_*` key of the headers nearly every request has, made once: a key made per request
/// is an allocation, a copy and a hash each time (interned ones keep their hash).
fn common_key<'py>(py: Python<'py>, name: &HeaderName) -> Option<&'py Bound<'py, PyString>> {
    Some(match *name {
        header::HOST => intern!(py, "HTTP_HOST"),
        header::USER_AGENT => intern!(py, "HTTP_USER_AGENT"),
        header::ACCEPT => intern!(py, "HTTP_ACCEPT"),
        header::ACCEPT_ENCODING => intern!(py, "HTTP_ACCEPT_ENCODING"),
        header::ACCEPT_LANGUAGE => intern!(py, "HTTP_ACCEPT_LANGUAGE"),
        header::CONNECTION => intern!(py, "HTTP_CONNECTION"),
        header::COOKIE => intern!(py, "HTTP_COOKIE"),
        header::REFERER => intern!(py, "HTTP_REFERER"),
        header::CACHE_CONTROL => intern!(py, "HTTP_CACHE_CONTROL"),
        header::ORIGIN => intern!(py, "HTTP_ORIGIN"),
        header::IF_NONE_MATCH => intern!(py, "HTTP_IF_NONE_MATCH"),
        header::IF_MODIFIED_SINCE => intern!(py, "HTTP_IF_MODIFIED_SINCE"),
        header::AUTHORIZATION => intern!(py, "HTTP_AUTHORIZATION"),
        _ => return None,
    })
}

/// The `HTTP_*` key of header `name` written into `key` (`HTTP_USER_AGENT`), or `None` for
/// the headers that have none: `Content-Type` and `Content-Length` (their own keys), and a
/// name holding `_`, which could pose as one spelt with `-` (as nginx and gunicorn do).
fn cgi_key<'k>(key: &'k mut String, name: &HeaderName) -> Option<&'k str> {
    let text = name.as_str();
    if name == header::CONTENT_TYPE || name == header::CONTENT_LENGTH || text.contains('_') {
        return None;
    }
    key.clear();
    key.push_str("HTTP_");
    key.extend(text.chars().map(|c| match c {
        '-' => '_',
        c => c.to_ascii_uppercase(),
    }));
    Some(key)
}

/// The value of header `name`, `""` when the request has none: its bytes, one code point
/// each; repeated headers joined with `,` (`Cookie` with `; `), as [`Environ`] joins them.
fn header<'py>(py: Python<'py>, environ: &Environ, name: &HeaderName) -> Bound<'py, PyString> {
    let mut values = environ.headers().get_all(name).iter();
    let Some(first) = values.next() else {
        return intern!(py, "").clone();
    };
    let Some(second) = values.next() else {
        return latin1(py, first.as_bytes());
    };
    let separator: &[u8] = if name == header::COOKIE { b"; " } else { b"," };
    let mut joined = first.as_bytes().to_vec();
    for value in std::iter::once(second).chain(values) {
        joined.extend_from_slice(separator);
        joined.extend_from_slice(value.as_bytes());
    }
    latin1(py, &joined)
}

/// `bytes` as PEP 3333's native string: each byte one code point (ASCII, nearly every value,
/// as it is).
fn latin1<'py>(py: Python<'py>, bytes: &[u8]) -> Bound<'py, PyString> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => PyString::new(py, text),
        _ => {
            let text: String = bytes.iter().map(|&byte| char::from(byte)).collect();
            PyString::new(py, &text)
        }
    }
}

/// Text the server made (`SERVER_NAME` from the Host header, a uwsgi variable): its UTF-8
/// bytes, as the latin-1 rule shows them.
fn server_text<'py>(py: Python<'py>, text: &str) -> Bound<'py, PyString> {
    latin1(py, text.as_bytes())
}
