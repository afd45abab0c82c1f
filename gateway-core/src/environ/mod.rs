//! `environ`: the request as PEP 3333's dict of CGI and `wsgi.*` keys.

use crate::error_log::{ErrorLog, ErrorSink};
use crate::header_maps;
use crate::host::Connection;
use crate::input::{Input, InputReader};
use crate::latin1;
use crate::python_repr::write_str_repr;
use crate::wsgi_errors::Errors;
use http::header::{self, HeaderMap, HeaderName};
use http::{Method, Uri, Version};
use std::any::Any;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Index;
use std::sync::Arc;

/// `SERVER_SOFTWARE`, and the `Server` header the server adds.
pub const SERVER_SOFTWARE: &str = concat!("gateway/", env!("CARGO_PKG_VERSION"));

/// The path after percent-decoding, kept only when decoding changed it.
enum DecodedPath {
    /// The path had no `%`: `PATH_INFO` is the request target's path as sent.
    AsSent,
    /// `text` is what the app reads; `bytes` is set when `text` is not the bytes themselves.
    Decoded {
        text: String,
        bytes: Option<Vec<u8>>,
    },
}

/// The CGI keys every environ has, in the order the dict lists them.
const CGI_KEYS: [&str; 13] = [
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "SERVER_SOFTWARE",
    "GATEWAY_INTERFACE",
    "REMOTE_ADDR",
    "REMOTE_PORT",
];

/// The `wsgi.*` keys every environ has.
const WSGI_KEYS: [&str; 9] = [
    "wsgi.version",
    "wsgi.url_scheme",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
    "wsgi.file_wrapper",
    "wsgi.input_terminated",
];

/// The request, as PEP 3333's `environ` dict.
///
/// Read any key by its CGI name, `environ["PATH_INFO"]` (panics when the key is missing,
/// like Python's `KeyError`) or `environ.get("HTTP_USER_AGENT")`, or through the typed
/// accessors ([`method`](Self::method), [`path_info`](Self::path_info),
/// [`input`](Self::input), ...). Middleware adds and overwrites keys with
/// [`insert`](Self::insert); [`iter`](Self::iter) lists every key, and `{:?}` prints the
/// environ the way Python prints the dict.
///
/// # Keys
/// `REQUEST_METHOD`, `SCRIPT_NAME`, `PATH_INFO`, `QUERY_STRING`, `CONTENT_TYPE`,
/// `CONTENT_LENGTH`, `SERVER_NAME`, `SERVER_PORT`, `SERVER_PROTOCOL` (`HTTP/1.0`, `HTTP/1.1` or
/// `HTTP/2`), `SERVER_SOFTWARE`, `GATEWAY_INTERFACE`, `REMOTE_ADDR`, `REMOTE_PORT`, one `HTTP_*`
/// per request header, and `wsgi.version`, `wsgi.url_scheme`, `wsgi.input`, `wsgi.errors`,
/// `wsgi.multithread`, `wsgi.multiprocess`, `wsgi.run_once`, `wsgi.file_wrapper`
/// ([`FileWrapperClass`](crate::FileWrapperClass)), `wsgi.input_terminated`.
/// `SCRIPT_NAME`, `QUERY_STRING`, `CONTENT_TYPE` and `CONTENT_LENGTH` are always present,
/// empty when the request has none.
///
/// * Repeated headers are joined with `,` (`Cookie` with `; `). `Content-Type` and
///   `Content-Length` appear only as `CONTENT_TYPE`/`CONTENT_LENGTH`. A header whose name holds
///   `_` has no `HTTP_*` key (as with nginx and gunicorn), so `X_User` cannot pose as `X-User`.
/// * `PATH_INFO` is percent-decoded. Bytes that are not UTF-8 are shown by the
///   [latin-1 rule](crate::latin1), so `/%FF` is `"/ÿ"`, and
///   [`path_info_bytes`](Self::path_info_bytes) gives the exact bytes. Header values follow the
///   same rule.
///
/// # Cost
/// Nothing is copied to build it: keys are looked up in the request head when asked for.
/// Only a percent-encoded path, a repeated header, or a header that is not UTF-8 costs an
/// allocation.
pub struct Environ(Option<Box<Fields>>);

/// What an [`Environ`] holds, behind one box: an environ is moved several times on its way
/// to the application (into the call, into a thread's job or an `async` app's future), and
/// 8 bytes move as a register where 432 bytes were a call to memcpy each time (callgrind:
/// -260 instructions per request for a plain `fn`, -330 for an `async fn`). The box of a
/// dropped environ is kept for the thread's next one ([`SPARE`]), so the box costs no
/// allocation per request either. (`None` only while it is dropped.)
struct Fields {
    head: http::request::Parts,
    connection: Arc<Connection>,
    path: DecodedPath,
    merged_headers: Vec<(HeaderName, String)>,
    extras: Vec<(Cow<'static, str>, Option<Value>)>,
    input: Input,
    errors: Errors,
}

thread_local! {
    /// The box of the last environ dropped on this thread, emptied of the request (see
    /// [`Fields`]): most environs are made and dropped on the same I/O thread.
    static SPARE: Cell<Option<Box<Fields>>> = const { Cell::new(None) };
}

impl Environ {
    /// The environ of a request whose head is `head`, arriving on `connection`, whose body
    /// is read from `input`.
    pub fn new(head: http::request::Parts, connection: Arc<Connection>, input: Input) -> Self {
        let path = decode_path(head.uri.path());
        let merged_headers = merge_headers(&head.headers);
        let errors = Errors::new(connection.error_log().clone());
        // (`try_with`: an environ may be made or dropped while the thread's locals go.)
        let mut spare = SPARE.try_with(Cell::take).ok().flatten();
        // The spare's (emptied) list keeps its capacity: a router's `wsgiorg.routing_args`
        // then costs no allocation for the list.
        let extras = spare
            .as_mut()
            .map(|spare| std::mem::take(&mut spare.extras))
            .unwrap_or_default();
        let fields = Fields {
            head,
            connection,
            path,
            merged_headers,
            extras,
            input,
            errors,
        };
        let boxed = match spare {
            Some(mut spare) => {
                *spare = fields;
                spare
            }
            None => Box::new(fields),
        };
        Self(Some(boxed))
    }

    fn fields(&self) -> &Fields {
        self.0
            .as_deref()
            .expect("an environ is emptied only when dropped")
    }

    fn fields_mut(&mut self) -> &mut Fields {
        self.0
            .as_deref_mut()
            .expect("an environ is emptied only when dropped")
    }

    /// Builds an environ by hand, for tests and examples; fields left out get the defaults of
    /// wsgiref's `setup_testing_defaults` (`GET /`, `127.0.0.1`, `HTTP/1.1`, empty body).
    pub fn builder() -> EnvironBuilder {
        EnvironBuilder::default()
    }

    /// The text of `key`, or `None` when the key is missing or its value is not text.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.value(key)?.as_str()
    }

    /// The value of `key`, whatever its kind.
    pub fn value(&self, key: &str) -> Option<ValueRef<'_>> {
        if let Some((_, extra)) = self.fields().extras.iter().find(|(name, _)| name == key) {
            return extra.as_ref().map(Value::as_value_ref);
        }
        self.base_value(key)
    }

    /// The value a middleware stored under `key` with [`insert_object`](Self::insert_object),
    /// if it has type `T`.
    pub fn object<T: Extension>(&self, key: &str) -> Option<&T> {
        match self.value(key)? {
            ValueRef::Object(object) => (object as &dyn Any).downcast_ref(),
            _ => None,
        }
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    /// Sets `key` to `value`, replacing what the server or an earlier middleware put there.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        self.set(key.into(), Some(value.into()));
    }

    /// Stores any value under `key` (PEP 3333: server and middleware extensions are named
    /// `prefix.name`, for example `wsgiorg.routing_args`).
    pub fn insert_object(&mut self, key: impl Into<Cow<'static, str>>, value: impl Extension) {
        self.set(key.into(), Some(Value::Object(Arc::new(value))));
    }

    /// Sets `key` to an object already shared (no allocation for it).
    pub(crate) fn insert_shared(&mut self, key: &'static str, value: Arc<dyn Extension>) {
        self.set(Cow::Borrowed(key), Some(Value::Object(value)));
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.set(Cow::Owned(key.to_owned()), None);
    }

    fn set(&mut self, key: Cow<'static, str>, value: Option<Value>) {
        match self
            .fields_mut()
            .extras
            .iter_mut()
            .find(|(name, _)| *name == key)
        {
            Some(slot) => slot.1 = value,
            None => self.fields_mut().extras.push((key, value)),
        }
    }

    /// The keys set with [`insert`](Self::insert) or [`insert_object`](Self::insert_object)
    /// (with their value) or removed with [`remove`](Self::remove) (`None`), in the order
    /// first touched: for a host that builds its own dict from the typed accessors and
    /// applies these over it, instead of looking every key up through [`iter`](Self::iter).
    pub fn inserted(&self) -> impl Iterator<Item = (&str, Option<ValueRef<'_>>)> + '_ {
        self.fields()
            .extras
            .iter()
            .map(|(key, value)| (&**key, value.as_ref().map(Value::as_value_ref)))
    }

    /// Every key with its value, in the order the dict lists them.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, ValueRef<'_>)> + '_ {
        self.keys().into_iter().filter_map(move |key| {
            let value = self.value(&key)?;
            Some((key, value))
        })
    }

    /// Every key, in the order the dict lists them.
    pub fn keys(&self) -> Vec<Cow<'_, str>> {
        let mut keys: Vec<Cow<'_, str>> = CGI_KEYS.iter().map(|k| Cow::Borrowed(*k)).collect();
        if !self.fields().head.headers.contains_key(header::HOST)
            && self.fields().head.uri.authority().is_some()
        {
            keys.push(Cow::Borrowed("HTTP_HOST"));
        }
        keys.extend(
            self.fields()
                .head
                .headers
                .keys()
                .filter_map(cgi_header_key)
                .map(Cow::Owned),
        );
        keys.extend(WSGI_KEYS.iter().map(|k| Cow::Borrowed(*k)));
        for (name, _) in &self.fields().extras {
            if !keys.iter().any(|key| key == name) {
                keys.push(Cow::Borrowed(name));
            }
        }
        keys.retain(|key| self.contains_key(key));
        keys
    }

    fn base_value(&self, key: &str) -> Option<ValueRef<'_>> {
        let text = match key {
            "REQUEST_METHOD" => self.fields().head.method.as_str(),
            "SCRIPT_NAME" => "",
            "PATH_INFO" => match &self.fields().path {
                DecodedPath::AsSent => self.fields().head.uri.path(),
                DecodedPath::Decoded { text, .. } => text,
            },
            "QUERY_STRING" => self.fields().head.uri.query().unwrap_or(""),
            "CONTENT_TYPE" => self.header_text(&header::CONTENT_TYPE).unwrap_or(""),
            "CONTENT_LENGTH" => self.header_text(&header::CONTENT_LENGTH).unwrap_or(""),
            "SERVER_NAME" => self.server_name(),
            "SERVER_PORT" => self.server_port(),
            "SERVER_PROTOCOL" => self.server_protocol(),
            "SERVER_SOFTWARE" => SERVER_SOFTWARE,
            "GATEWAY_INTERFACE" => "CGI/1.1",
            "REMOTE_ADDR" if self.fields().connection.remote_addr.is_some() => {
                &self.fields().connection.remote_ip
            }
            "REMOTE_PORT" if self.fields().connection.remote_addr.is_some() => {
                &self.fields().connection.remote_port
            }
            "wsgi.url_scheme" => self.fields().connection.url_scheme,
            "wsgi.version" => return Some(ValueRef::Version(1, 0)),
            "wsgi.input" => return Some(ValueRef::Input(&self.fields().input)),
            "wsgi.errors" => return Some(ValueRef::Errors(&self.fields().errors)),
            "wsgi.multithread" => {
                return Some(ValueRef::Bool(self.fields().connection.multithread))
            }
            "wsgi.multiprocess" | "wsgi.run_once" => return Some(ValueRef::Bool(false)),
            "wsgi.input_terminated" => return Some(ValueRef::Bool(true)),
            "wsgi.file_wrapper" => return Some(ValueRef::Object(&crate::FileWrapperClass)),
            "HTTP_HOST" => self.host()?,
            _ => self.cgi_header(key.strip_prefix("HTTP_")?)?,
        };
        Some(ValueRef::Str(text))
    }

    /// The text of the header named `cgi_name` (`USER_AGENT` for `User-Agent`).
    fn cgi_header(&self, cgi_name: &str) -> Option<&str> {
        let name = self.fields().head.headers.keys().find(|name| {
            cgi_header_matches(name, cgi_name)
                && *name != header::CONTENT_TYPE
                && *name != header::CONTENT_LENGTH
        })?;
        self.header_text(name)
    }

    fn header_text(&self, name: &HeaderName) -> Option<&str> {
        if let Some((_, text)) = self
            .fields()
            .merged_headers
            .iter()
            .find(|(merged, _)| merged == name)
        {
            return Some(text);
        }
        self.fields().head.headers.get(name)?.to_str().ok()
    }

    fn host(&self) -> Option<&str> {
        self.header_text(&header::HOST)
            .or_else(|| self.fields().head.uri.authority().map(|a| a.as_str()))
    }

    fn server_name(&self) -> &str {
        match self.host() {
            Some(host) => split_host(host).0,
            None => &self.fields().connection.server_name,
        }
    }

    fn server_port(&self) -> &str {
        match self.host().map(split_host) {
            Some((_, Some(port))) if port.parse::<u16>().is_ok() => port,
            Some((_, Some(_))) => &self.fields().connection.server_port, // `Host: x:abc` is no port
            Some((_, None)) if self.fields().connection.url_scheme == "https" => "443",
            Some((_, None)) => "80",
            None => &self.fields().connection.server_port,
        }
    }

    /// `REQUEST_METHOD`.
    pub fn method(&self) -> &Method {
        &self.fields().head.method
    }

    /// The request target as the client sent it.
    pub fn uri(&self) -> &Uri {
        &self.fields().head.uri
    }

    /// The HTTP version the client spoke.
    pub fn version(&self) -> Version {
        self.fields().head.version
    }

    /// `SERVER_PROTOCOL`: `HTTP/1.0`, `HTTP/1.1`, `HTTP/2` (or `HTTP/0.9`, `HTTP/3`).
    pub fn server_protocol(&self) -> &'static str {
        match self.fields().head.version {
            Version::HTTP_09 => "HTTP/0.9",
            Version::HTTP_10 => "HTTP/1.0",
            Version::HTTP_2 => "HTTP/2",
            Version::HTTP_3 => "HTTP/3",
            _ => "HTTP/1.1",
        }
    }

    /// The request headers, as received.
    pub fn headers(&self) -> &HeaderMap {
        &self.fields().head.headers
    }

    /// `PATH_INFO`: the percent-decoded path (see [the type's docs](Self) for non-UTF-8 bytes).
    pub fn path_info(&self) -> &str {
        self.get("PATH_INFO").unwrap_or("")
    }

    /// The exact bytes of `PATH_INFO` after percent-decoding, whether or not they are UTF-8.
    /// When middleware has replaced `PATH_INFO`, these are the bytes of its new text.
    pub fn path_info_bytes(&self) -> &[u8] {
        let replaced = self
            .fields()
            .extras
            .iter()
            .any(|(name, _)| name == "PATH_INFO");
        match &self.fields().path {
            DecodedPath::Decoded {
                bytes: Some(bytes), ..
            } if !replaced => bytes,
            _ => self.path_info().as_bytes(),
        }
    }

    /// `SCRIPT_NAME`: the part of the path that led to this application (`""` at the root).
    pub fn script_name(&self) -> &str {
        self.get("SCRIPT_NAME").unwrap_or("")
    }

    /// `QUERY_STRING`: the text after `?`, as sent (not decoded).
    pub fn query_string(&self) -> &str {
        self.get("QUERY_STRING").unwrap_or("")
    }

    /// `CONTENT_TYPE`, when the request has one.
    pub fn content_type(&self) -> Option<&str> {
        self.get("CONTENT_TYPE").filter(|text| !text.is_empty())
    }

    /// `CONTENT_LENGTH` as a number, when the request has a valid one.
    pub fn content_length(&self) -> Option<u64> {
        self.get("CONTENT_LENGTH")?.parse().ok()
    }

    /// The client's address (`REMOTE_ADDR` and `REMOTE_PORT`).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.fields().connection.remote_addr
    }

    /// The server's side of the connection.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.fields().connection.local_addr
    }

    /// `wsgi.url_scheme`: `http` or `https`.
    pub fn url_scheme(&self) -> &str {
        self.get("wsgi.url_scheme").unwrap_or("http")
    }

    /// `wsgi.input`: the request body, as a [`Read`](std::io::Read) + [`BufRead`](std::io::BufRead).
    pub fn input(&self) -> InputReader<'_> {
        self.fields().input.lock()
    }

    /// `wsgi.errors`: a [`Write`](std::io::Write) into the server's error log.
    pub fn errors(&self) -> &Errors {
        &self.fields().errors
    }

    /// The server's error log, where `wsgi.errors` writes: for whoever logs after the
    /// environ was handed on (a middleware's body, the response being sent).
    pub fn error_log(&self) -> ErrorLog {
        self.fields().connection.error_log().clone()
    }
}

impl Drop for Environ {
    fn drop(&mut self) {
        let Some(mut fields) = self.0.take() else {
            return;
        };
        // The request's header map becomes the map of a later response on this thread.
        header_maps::give_back(std::mem::take(&mut fields.head.headers));
        // What could hold memory of the request's (the request target shares hyper's read
        // buffer, the body its bytes) goes now; the rest is small and goes with the next
        // environ made on this thread.
        fields.head.uri = Uri::default();
        fields.head.extensions.clear();
        fields.input = Input::empty();
        fields.path = DecodedPath::AsSent;
        fields.merged_headers.clear();
        fields.extras.clear();
        let _ = SPARE.try_with(|spare| spare.set(Some(fields)));
    }
}

impl Index<&str> for Environ {
    type Output = str;

    /// The text of `key`; panics when the key is missing or not text (Python's `KeyError`).
    fn index(&self, key: &str) -> &str {
        match self.get(key) {
            Some(text) => text,
            None => panic!("environ has no text key {key:?}"),
        }
    }
}

/// Prints the environ as Python prints the dict: `{'REQUEST_METHOD': 'GET', ...}`, with
/// credentials hidden ([`redact`](crate::redact)).
impl fmt::Debug for Environ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redaction = crate::redact::current();
        f.write_str("{")?;
        for (i, (key, value)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_str_repr(f, &key)?;
            if redaction.hides(&key) {
                f.write_str(": '<redacted>'")?;
            } else {
                write!(f, ": {value:?}")?;
            }
        }
        f.write_str("}")
    }
}

/// Builds an [`Environ`] by hand; see [`Environ::builder`].
#[derive(Default)]
pub struct EnvironBuilder {
    request: http::request::Builder,
    remote: Option<SocketAddr>,
    body: Option<bytes::Bytes>,
    error_sink: Option<ErrorSink>,
}

impl EnvironBuilder {
    /// `REQUEST_METHOD` (default `GET`).
    pub fn method(mut self, method: &str) -> Self {
        self.request = self.request.method(method);
        self
    }

    /// The request target, `/path?query` (default `/`).
    pub fn uri(mut self, uri: &str) -> Self {
        self.request = self.request.uri(uri);
        self
    }

    /// Adds a request header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// The HTTP version (default HTTP/1.1).
    pub fn version(mut self, version: Version) -> Self {
        self.request = self.request.version(version);
        self
    }

    /// The client's address (default none: no `REMOTE_ADDR`).
    pub fn remote_addr(mut self, remote: SocketAddr) -> Self {
        self.remote = Some(remote);
        self
    }

    /// The request body, read through `wsgi.input`.
    pub fn body(mut self, body: impl Into<bytes::Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Where `wsgi.errors` lines go (default: `tracing`).
    pub fn error_sink(mut self, sink: ErrorSink) -> Self {
        self.error_sink = Some(sink);
        self
    }

    /// The environ; panics on an invalid method, URI or header (this is for tests).
    pub fn build(self) -> Environ {
        let (head, ()) = self
            .request
            .body(())
            .expect("a valid request for Environ::builder")
            .into_parts();
        let local = SocketAddr::from(([127, 0, 0, 1], 80));
        let mut connection = Connection::new(Some(local), self.remote);
        if let Some(sink) = self.error_sink {
            connection = connection.with_error_log(ErrorLog::to_sink(sink));
        }
        let connection = Arc::new(connection);
        let input = self.body.map_or_else(Input::empty, Input::from_bytes);
        Environ::new(head, connection, input)
    }
}

fn decode_path(raw: &str) -> DecodedPath {
    match crate::percent::decode(raw) {
        None => DecodedPath::AsSent,
        Some(crate::percent::Decoded { text, bytes }) => DecodedPath::Decoded { text, bytes },
    }
}

/// The text of every header that cannot be read in place: repeated ones (joined) and ones
/// whose value is not UTF-8 (latin-1 rule).
fn merge_headers(headers: &HeaderMap) -> Vec<(HeaderName, String)> {
    let mut merged = Vec::new();
    if headers.keys_len() == headers.len() {
        // No name repeats (the common case): only values that are not UTF-8 need text.
        for (name, value) in headers {
            if value.to_str().is_err() {
                merged.push((name.clone(), latin1::decode(value.as_bytes()).into_owned()));
            }
        }
        return merged;
    }
    for name in headers.keys() {
        let mut values = headers.get_all(name).iter();
        let first = values.next().expect("a header name has a value");
        let mut next = values.next();
        if next.is_none() && first.to_str().is_ok() {
            continue;
        }
        let separator = if name == header::COOKIE { "; " } else { "," };
        let mut text = latin1::decode(first.as_bytes()).into_owned();
        while let Some(value) = next {
            text.push_str(separator);
            text.push_str(&latin1::decode(value.as_bytes()));
            next = values.next();
        }
        merged.push((name.clone(), text));
    }
    merged
}

/// Whether the lowercase header `name` is the one CGI calls `cgi_name` (`USER_AGENT`).
fn cgi_header_matches(name: &HeaderName, cgi_name: &str) -> bool {
    let name = name.as_str().as_bytes();
    name.len() == cgi_name.len()
        && name.iter().zip(cgi_name.bytes()).all(|(&n, c)| match n {
            b'-' => c == b'_',
            b'_' => false,
            n => n.to_ascii_uppercase() == c,
        })
}

/// The `HTTP_*` key of a header, or `None` for headers that have no such key.
fn cgi_header_key(name: &HeaderName) -> Option<String> {
    let text = name.as_str();
    if *name == header::CONTENT_TYPE || *name == header::CONTENT_LENGTH || text.contains('_') {
        return None;
    }
    Some(format!(
        "HTTP_{}",
        text.to_ascii_uppercase().replace('-', "_")
    ))
}

/// Splits `host[:port]` (brackets kept for IPv6 literals).
fn split_host(host: &str) -> (&str, Option<&str>) {
    match host.rfind(':') {
        Some(colon) if !host[colon..].contains(']') => (&host[..colon], Some(&host[colon + 1..])),
        _ => (host, None),
    }
}

#[cfg(test)]
mod tests;
mod value;

pub use value::{Extension, Value, ValueRef};
