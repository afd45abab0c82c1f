//! A uwsgi vars block turned into what the rest of the server builds an
//! [`Environ`](gateway_core::Environ) from: the request head as `http::request::Parts`, the
//! facts nginx knows about the connection, and the vars that have no place in either.
//!
//! nginx's quirks, handled here: a header sent twice is two vars (nginx before 1.23), kept as
//! two header lines and joined by the environ like any repeated header; `CONTENT_LENGTH` is
//! empty when there is no body; `HTTP_CONTENT_TYPE` / `HTTP_CONTENT_LENGTH` repeat the
//! CGI vars and are dropped; `HTTP_TRANSFER_ENCODING: chunked` survives nginx's de-chunking
//! and is dropped (the body is exactly `CONTENT_LENGTH` bytes); `SERVER_NAME` may be empty;
//! `SCRIPT_NAME` set by `uwsgi_param` is split off `PATH_INFO`. Bytes that are not UTF-8
//! follow gateway's latin-1 rule.

use super::error::UwsgiError;
use super::packet::Vars;
use gateway_core::host::Connection;
use gateway_core::latin1;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, Method, Request as HttpRequest, Uri, Version};
use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::net::{IpAddr, SocketAddr};

/// Bytes of a decoded `PATH_INFO` that must be escaped again to form a request target: all
/// but RFC 3986's unreserved characters, sub-delims, `:`, `@` and `/`. `%` itself is escaped,
/// so a decoded `%` stays a `%`.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/');

/// Bytes of a raw `QUERY_STRING` that a request target cannot hold as they are; `%` is kept,
/// the query is still encoded.
const QUERY: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// The limits a packet is parsed under: the HTTP head's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// The largest vars block (`--max-head-size`).
    pub(crate) max_size: usize,
    /// The most `HTTP_*` vars (`--max-headers`).
    pub(crate) max_headers: usize,
}

/// One request from nginx.
#[derive(Debug)]
pub(crate) struct Request {
    /// Method, target (`PATH_INFO` re-escaped, `?QUERY_STRING`), version and headers.
    pub(crate) head: http::request::Parts,
    /// The body's length: `CONTENT_LENGTH`, 0 when empty.
    pub(crate) content_length: u64,
    /// The client (`REMOTE_ADDR`, `REMOTE_PORT`), when `REMOTE_ADDR` is an IP address.
    pub(crate) remote: Option<SocketAddr>,
    /// `SERVER_NAME` as nginx sent it, unless empty (for requests without `Host`).
    pub(crate) server_name: Option<String>,
    /// `SERVER_PORT` as nginx sent it, unless empty.
    pub(crate) server_port: Option<String>,
    /// Whether the client used TLS: `UWSGI_SCHEME`, else `HTTPS` = `on`/`1`, else
    /// `REQUEST_SCHEME`.
    pub(crate) https: bool,
    /// Vars the environ shows as they are (`SCRIPT_NAME` and the rest of `PATH_INFO`,
    /// `REQUEST_URI`, `DOCUMENT_ROOT`, `HTTPS`, any `uwsgi_param` of the operator's), as
    /// uWSGI does.
    pub(crate) extras: Vec<(String, String)>,
}

impl Request {
    /// Parses a vars block.
    pub(crate) fn parse(block: &[u8], limits: Limits) -> Result<Self, UwsgiError> {
        let mut vars = Known::default();
        let mut headers = HeaderMap::new();
        let mut extras = Vec::new();
        let mut name = Vec::new();
        for var in Vars::new(block) {
            let (key, value) = var?;
            if let Some(header) = key.strip_prefix(b"HTTP_") {
                if matches!(
                    header,
                    b"CONTENT_TYPE" | b"CONTENT_LENGTH" | b"TRANSFER_ENCODING"
                ) {
                    continue;
                }
                if headers.len() == limits.max_headers {
                    return Err(UwsgiError::TooManyHeaders {
                        limit: limits.max_headers,
                    });
                }
                name.clear();
                name.extend(header.iter().map(|&b| match b {
                    b'_' => b'-',
                    b => b.to_ascii_lowercase(),
                }));
                let bad = || UwsgiError::BadHeader {
                    key: latin1::decode(key).into_owned(),
                };
                let header = HeaderName::from_bytes(&name).map_err(|_| bad())?;
                headers.append(header, HeaderValue::from_bytes(value).map_err(|_| bad())?);
            } else if vars.take(key, value)? && !computed_by_environ(key) {
                extras.push((
                    latin1::decode(key).into_owned(),
                    latin1::decode(value).into_owned(),
                ));
            }
        }
        vars.into_request(headers, extras)
    }

    /// The connection facts for the environ: the client nginx served, nginx's server name
    /// and port, the scheme. `local` is this socket's address (`None` for a unix socket).
    pub(crate) fn connection(&self, local: Option<SocketAddr>) -> Connection {
        let mut connection = Connection::new(local, self.remote).with_https(self.https);
        if let Some(name) = &self.server_name {
            connection = connection.with_server_name(name.clone());
        }
        if let Some(port) = &self.server_port {
            connection = connection.with_server_port(port.clone());
        }
        connection
    }
}

/// The vars that become the head or the connection facts, as they arrive.
#[derive(Default)]
struct Known<'a> {
    method: Option<&'a [u8]>,
    path_info: Option<&'a [u8]>,
    request_uri: Option<&'a [u8]>,
    query: Option<&'a [u8]>,
    protocol: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
    content_length: Option<&'a [u8]>,
    script_name: Option<&'a [u8]>,
    remote_addr: Option<&'a [u8]>,
    remote_port: Option<&'a [u8]>,
    server_name: Option<&'a [u8]>,
    server_port: Option<&'a [u8]>,
    uwsgi_scheme: Option<&'a [u8]>,
    https: Option<&'a [u8]>,
    request_scheme: Option<&'a [u8]>,
}

impl<'a> Known<'a> {
    /// Records `key` if the head or the facts need it (a repeat replaces the earlier value,
    /// as a later `uwsgi_param` does). Returns whether the environ should also show the var
    /// as it is (uWSGI shows every var).
    fn take(&mut self, key: &[u8], value: &'a [u8]) -> Result<bool, UwsgiError> {
        let (slot, shown) = match key {
            b"REQUEST_METHOD" => (&mut self.method, false),
            b"PATH_INFO" => (&mut self.path_info, false),
            b"QUERY_STRING" => (&mut self.query, false),
            b"SERVER_PROTOCOL" => (&mut self.protocol, false),
            b"CONTENT_TYPE" => (&mut self.content_type, false),
            b"CONTENT_LENGTH" => {
                // Two different lengths would leave the body's end in doubt.
                if self.content_length.is_some_and(|earlier| earlier != value) {
                    return Err(bad_var(
                        "CONTENT_LENGTH",
                        "is sent twice with different values",
                    ));
                }
                (&mut self.content_length, false)
            }
            b"SCRIPT_NAME" => (&mut self.script_name, false),
            b"REMOTE_PORT" => (&mut self.remote_port, false),
            b"SERVER_NAME" => (&mut self.server_name, false),
            b"SERVER_PORT" => (&mut self.server_port, false),
            b"UWSGI_SCHEME" => (&mut self.uwsgi_scheme, false),
            b"REQUEST_URI" => (&mut self.request_uri, true),
            b"HTTPS" => (&mut self.https, true),
            b"REQUEST_SCHEME" => (&mut self.request_scheme, true),
            // nginx on a unix socket sends `unix:`: no address, so shown as text.
            b"REMOTE_ADDR" => (&mut self.remote_addr, parse_ip(value).is_none()),
            _ => return Ok(true),
        };
        *slot = Some(value);
        Ok(shown)
    }

    fn into_request(
        self,
        mut headers: HeaderMap,
        mut extras: Vec<(String, String)>,
    ) -> Result<Request, UwsgiError> {
        let method = self
            .method
            .ok_or_else(|| bad_var("REQUEST_METHOD", "is missing"))?;
        let method = Method::from_bytes(method)
            .map_err(|_| bad_var("REQUEST_METHOD", "is no HTTP method"))?;
        let version = match self.protocol.unwrap_or(b"HTTP/1.1") {
            b"HTTP/1.1" => Version::HTTP_11,
            b"HTTP/1.0" => Version::HTTP_10,
            b"HTTP/2.0" | b"HTTP/2" => Version::HTTP_2,
            b"HTTP/3.0" | b"HTTP/3" => Version::HTTP_3,
            b"HTTP/0.9" => Version::HTTP_09,
            _ => return Err(bad_var("SERVER_PROTOCOL", "is no HTTP version")),
        };
        let content_length = match self.content_length.map(<[u8]>::trim_ascii) {
            None | Some(b"") => 0,
            Some(digits) => {
                let length = std::str::from_utf8(digits)
                    .ok()
                    .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|d| d.parse::<u64>().ok())
                    .ok_or_else(|| bad_var("CONTENT_LENGTH", "is not a number of bytes"))?;
                headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
                length
            }
        };
        if let Some(content_type) = self.content_type.filter(|t| !t.is_empty()) {
            let value = HeaderValue::from_bytes(content_type)
                .map_err(|_| bad_var("CONTENT_TYPE", "holds a control character"))?;
            headers.insert(CONTENT_TYPE, value);
        }
        let uri = self.target(&mut extras)?;
        let https = match (self.uwsgi_scheme, self.https, self.request_scheme) {
            (Some(scheme), _, _) => scheme.eq_ignore_ascii_case(b"https"),
            (None, Some(https), _) if !https.is_empty() => {
                https.eq_ignore_ascii_case(b"on") || https == b"1"
            }
            (None, _, Some(scheme)) => scheme.eq_ignore_ascii_case(b"https"),
            _ => false,
        };
        let remote = self.remote_addr.and_then(parse_ip).map(|ip| {
            let port = self.remote_port.and_then(|p| std::str::from_utf8(p).ok());
            SocketAddr::new(ip, port.and_then(|p| p.parse().ok()).unwrap_or(0))
        });
        let text = |value: &[u8]| latin1::decode(value).into_owned();
        let server_name = self.server_name.filter(|name| !name.is_empty()).map(text);
        let server_port = self.server_port.filter(|port| !port.is_empty()).map(text);
        let (mut head, ()) = HttpRequest::new(()).into_parts();
        head.method = method;
        head.uri = uri;
        head.version = version;
        head.headers = headers;
        Ok(Request {
            head,
            content_length,
            remote,
            server_name,
            server_port,
            https,
            extras,
        })
    }

    /// The request target: `PATH_INFO` (nginx's decoded and normalised path) escaped again,
    /// or `REQUEST_URI`'s path when there is no `PATH_INFO`; then `?QUERY_STRING`. A
    /// `SCRIPT_NAME` that starts `PATH_INFO` is split off into the extras.
    fn target(&self, extras: &mut Vec<(String, String)>) -> Result<Uri, UwsgiError> {
        let mut target = match (self.path_info, self.request_uri) {
            (Some(path), _) => percent_encode(path, PATH).to_string(),
            (None, Some(uri)) => {
                let path = uri.split(|&b| b == b'?').next().unwrap_or_default();
                percent_encode(path, QUERY).to_string()
            }
            (None, None) => String::new(),
        };
        if !target.starts_with('/') {
            target.insert(0, '/');
        }
        if let Some(script_name) = self.script_name.filter(|s| !s.is_empty()) {
            let script_name = script_name.strip_suffix(b"/").unwrap_or(script_name);
            let path = self.path_info.unwrap_or_default();
            let rest = match path.strip_prefix(script_name) {
                Some(rest) if rest.is_empty() || rest.starts_with(b"/") => rest,
                _ => path, // PATH_INFO already rewritten by the operator
            };
            extras.push((
                "SCRIPT_NAME".into(),
                latin1::decode(script_name).into_owned(),
            ));
            extras.push(("PATH_INFO".into(), latin1::decode(rest).into_owned()));
        }
        if let Some(query) = self.query.filter(|q| !q.is_empty()) {
            target.push('?');
            target.extend(percent_encode(query, QUERY));
        }
        Uri::try_from(target).map_err(|_| bad_var("PATH_INFO", "cannot form a request target"))
    }
}

/// Keys the environ computes itself and a packet must not replace: `wsgi.*` and other dotted
/// keys are the server's and the middleware's, not nginx's.
fn computed_by_environ(key: &[u8]) -> bool {
    key.contains(&b'.') || matches!(key, b"GATEWAY_INTERFACE" | b"SERVER_SOFTWARE")
}

fn parse_ip(value: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(value).ok()?.parse().ok()
}

fn bad_var(key: &'static str, problem: &str) -> UwsgiError {
    UwsgiError::BadVar {
        key,
        problem: problem.to_owned(),
    }
}
