//! Facts about one connection, shared by every request on it.

use crate::error_log::ErrorLog;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// Facts about the connection a request came in on, shared by every request on it.
///
/// A server builds one per accepted connection; the strings are formatted once here rather
/// than once per request.
#[derive(Clone)]
pub struct Connection {
    pub(crate) local_addr: Option<SocketAddr>,
    pub(crate) remote_addr: Option<SocketAddr>,
    pub(crate) remote_ip: String,
    pub(crate) remote_port: String,
    pub(crate) server_name: String,
    pub(crate) server_port: String,
    pub(crate) url_scheme: &'static str,
    pub(crate) multithread: bool,
    pub(crate) error_log: ErrorLog,
}

impl Connection {
    /// A plain-HTTP connection between `local` (the server's side) and `remote` (the client).
    pub fn new(local: Option<SocketAddr>, remote: Option<SocketAddr>) -> Self {
        Self {
            local_addr: local,
            remote_addr: remote,
            remote_ip: remote.map(|a| a.ip().to_string()).unwrap_or_default(),
            remote_port: remote.map(|a| a.port().to_string()).unwrap_or_default(),
            server_name: local.map_or_else(|| "localhost".to_owned(), |a| a.ip().to_string()),
            server_port: local.map_or_else(|| "80".to_owned(), |a| a.port().to_string()),
            url_scheme: "http",
            multithread: true,
            error_log: ErrorLog::default(),
        }
    }

    /// Sets the client (`REMOTE_ADDR`, and `REMOTE_PORT` when known, else empty), as a trusted
    /// proxy or a PROXY protocol header names it.
    pub fn with_remote(mut self, ip: IpAddr, port: Option<u16>) -> Self {
        self.remote_addr = Some(SocketAddr::new(ip, port.unwrap_or(0)));
        self.remote_ip = ip.to_string();
        self.remote_port = port.map(|port| port.to_string()).unwrap_or_default();
        self
    }

    /// Sets `wsgi.url_scheme` to `https` when `https` (a TLS listener, or a proxy that says
    /// the client used TLS); `SERVER_PORT` is then 443 for a `Host` without a port.
    pub fn with_https(mut self, https: bool) -> Self {
        self.url_scheme = if https { "https" } else { "http" };
        self
    }

    /// Sets `SERVER_NAME` for requests without a `Host` header (default: the local address),
    /// for a server behind a proxy that knows the name the client asked for.
    pub fn with_server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = name.into();
        self
    }

    /// Sets `SERVER_PORT` for requests without a `Host` header (default: the local port).
    pub fn with_server_port(mut self, port: impl Into<String>) -> Self {
        self.server_port = port.into();
        self
    }

    /// Sends the lines of every request's `wsgi.errors` (and the contract violations of its
    /// response) to `log`.
    pub fn with_error_log(mut self, log: ErrorLog) -> Self {
        self.error_log = log;
        self
    }

    /// Sets `wsgi.multithread` (true unless the server runs one request at a time).
    pub fn with_multithread(mut self, multithread: bool) -> Self {
        self.multithread = multithread;
        self
    }

    /// Where this connection's requests log.
    pub fn error_log(&self) -> &ErrorLog {
        &self.error_log
    }

    /// The client's address (`REMOTE_ADDR`), when it has one: for an access log.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("local_addr", &self.local_addr)
            .field("remote_addr", &self.remote_addr)
            .field("url_scheme", &self.url_scheme)
            .finish_non_exhaustive()
    }
}
