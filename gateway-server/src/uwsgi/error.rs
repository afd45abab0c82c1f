//! Why a uwsgi packet was refused, in words an operator can act on.

use crate::sniff::Protocol;
use std::fmt;
use std::io;

/// Why a connection on a uwsgi socket was closed without a response.
#[derive(Debug)]
pub(crate) enum UwsgiError {
    /// Another protocol arrived: HTTP, TLS, a PROXY header.
    WrongProtocol(Protocol),
    /// A uwsgi packet of another kind than a WSGI request (`modifier1` is not 0).
    Modifier(u8),
    /// The vars block is larger than the head-size limit.
    Oversized {
        /// Its size in bytes, from the packet header.
        size: usize,
        /// The limit (`--max-head-size`).
        limit: usize,
    },
    /// The connection ended inside the packet.
    Truncated {
        /// Bytes the packet needed.
        expected: usize,
        /// Bytes that arrived.
        got: usize,
    },
    /// A var's length runs past the end of the vars block.
    Malformed,
    /// More `HTTP_*` vars than the header-count limit.
    TooManyHeaders {
        /// The limit (`--max-headers`).
        limit: usize,
    },
    /// A var the request needs is missing or unusable.
    BadVar {
        /// The var's name.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A header var whose name or value cannot be an HTTP header.
    BadHeader {
        /// The var's name, latin-1 decoded.
        key: String,
    },
    /// Reading the socket failed.
    Io(io::Error),
}

impl fmt::Display for UwsgiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongProtocol(Protocol::Http) => f.write_str(
                "this is a uwsgi socket; an HTTP request arrived: point nginx's uwsgi_pass \
                 here, or use --http",
            ),
            Self::WrongProtocol(Protocol::Tls) => f.write_str(
                "this is a uwsgi socket; a TLS handshake arrived: use --https for TLS, or \
                 point nginx's uwsgi_pass here",
            ),
            Self::WrongProtocol(other) => write!(
                f,
                "this is a uwsgi socket; {} arrived: the PROXY protocol is for \
                 --http ADDR,proxy-protocol",
                other.name()
            ),
            Self::Modifier(modifier1) => write!(
                f,
                "a uwsgi packet with modifier1 = {modifier1} arrived; only 0 (a WSGI request, \
                 nginx's default) is served"
            ),
            Self::Oversized { size, limit } => write!(
                f,
                "a uwsgi packet of {size} bytes of vars arrived, over the limit of {limit} \
                 (--max-head-size)"
            ),
            Self::Truncated { expected, got } => write!(
                f,
                "the connection closed after {got} of the {expected} bytes of a uwsgi packet"
            ),
            Self::Malformed => f.write_str(
                "a uwsgi packet's vars are malformed: a length runs past the end of the block",
            ),
            Self::TooManyHeaders { limit } => write!(
                f,
                "a uwsgi packet carries more than {limit} headers (HTTP_* vars; --max-headers)"
            ),
            Self::BadVar { key, problem } => write!(f, "the uwsgi var {key} {problem}"),
            Self::BadHeader { key } => write!(
                f,
                "the uwsgi var {key} is no valid HTTP header (a bad character in its name or \
                 value)"
            ),
            Self::Io(error) => write!(f, "reading a uwsgi packet failed: {error}"),
        }
    }
}

impl std::error::Error for UwsgiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}
