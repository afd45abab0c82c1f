//! The PROXY protocol (HAProxy's, v1 text and v2 binary), for a listener behind a load
//! balancer that says who the client is before the client's bytes
//! (`--http ADDR,proxy-protocol`). Every connection on such a listener must start with the
//! header; one that does not is closed, since anyone could otherwise claim any address.
//!
//! Reading takes exactly the header's bytes, so the client's first request byte stays in the
//! stream for hyper. The binary form says its length up front; the text form ends at `\r\n`,
//! so after its shortest possible length it is read a byte at a time (a few dozen small
//! reads once per connection, on these listeners only).

use crate::sniff::{sniff, Protocol};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The binary header's signature.
const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// The longest text header, `\r\n` included (the specification's figure).
const V1_MAX: usize = 107;

/// The shortest text header: `PROXY UNKNOWN\r\n`.
const V1_MIN: usize = 15;

/// What the load balancer said about the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProxyHeader {
    /// The balancer's own connection (a health check: v2 `LOCAL`, v1 `UNKNOWN`, or an address
    /// family without IP addresses): the socket's own addresses stand.
    Local,
    /// A client's connection, relayed.
    Proxied {
        /// The client.
        source: SocketAddr,
        /// The address the client connected to.
        destination: SocketAddr,
    },
}

/// Why a connection's PROXY header was refused.
#[derive(Debug)]
pub(crate) enum ProxyError {
    /// The connection started with something else.
    Missing(Protocol),
    /// The text header has no `\r\n` within 107 bytes.
    TooLong,
    /// The header's content is wrong; the words say how.
    Malformed(&'static str),
    /// The binary header is longer than the head-size limit.
    Oversized {
        /// Its length.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The connection closed before its first byte.
    Closed,
    /// The connection ended inside the header.
    Truncated,
    /// Reading failed.
    Io(io::Error),
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(protocol) => write!(
                f,
                "this listener expects a PROXY protocol header first (,proxy-protocol); {} \
                 arrived instead",
                protocol.name()
            ),
            Self::TooLong => {
                f.write_str("a PROXY protocol v1 header has no line end within its 107 bytes")
            }
            Self::Malformed(problem) => {
                write!(f, "a PROXY protocol header is malformed: {problem}")
            }
            Self::Oversized { size, limit } => write!(
                f,
                "a PROXY protocol v2 header of {size} bytes arrived, over the limit of {limit} \
                 (--max-head-size)"
            ),
            Self::Closed => f.write_str("the connection closed before its PROXY protocol header"),
            Self::Truncated => f.write_str("the connection closed inside a PROXY protocol header"),
            Self::Io(error) => write!(f, "reading a PROXY protocol header failed: {error}"),
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// Reads exactly one PROXY header (v1 or v2) from `reader`; a binary one at most `max_size`
/// bytes long (the head-size limit).
pub(crate) async fn read_header<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_size: usize,
) -> Result<ProxyHeader, ProxyError> {
    let mut buf = Vec::with_capacity(V1_MAX);
    fill(reader, &mut buf, V1_MIN).await?;
    if buf.starts_with(&V2_SIGNATURE) {
        fill(reader, &mut buf, 16).await?;
        let length = 16 + usize::from(u16::from_be_bytes([buf[14], buf[15]]));
        if length > max_size {
            return Err(ProxyError::Oversized {
                size: length,
                limit: max_size,
            });
        }
        fill(reader, &mut buf, length).await?;
        return parse_v2(&buf);
    }
    if !buf.starts_with(b"PROXY ") {
        return Err(ProxyError::Missing(sniff(&buf)));
    }
    // Shortest complete lines: `PROXY TCP4 1.1.1.1 1.1.1.1 1 1\r\n`, `PROXY TCP6 :: :: 1 1\r\n`.
    let shortest = match &buf[6..10] {
        b"TCP4" => 32,
        b"TCP6" => 22,
        _ => V1_MIN,
    };
    fill(reader, &mut buf, shortest).await?;
    while !buf.ends_with(b"\r\n") {
        if buf.len() == V1_MAX {
            return Err(ProxyError::TooLong);
        }
        let next = buf.len() + 1;
        fill(reader, &mut buf, next).await?;
    }
    parse_v1(&buf)
}

/// Reads until `buf` holds `len` bytes, never more.
async fn fill<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    len: usize,
) -> Result<(), ProxyError> {
    let start = buf.len();
    if len <= start {
        return Ok(());
    }
    buf.resize(len, 0);
    let mut filled = start;
    while filled < len {
        match reader.read(&mut buf[filled..]).await {
            Ok(0) => {
                buf.truncate(filled);
                return Err(match sniff(buf) {
                    _ if filled == 0 => ProxyError::Closed,
                    Protocol::Proxy => ProxyError::Truncated,
                    other => ProxyError::Missing(other),
                });
            }
            Ok(n) => filled += n,
            Err(error) => return Err(ProxyError::Io(error)),
        }
    }
    Ok(())
}

/// Parses a text header, `PROXY TCP4 SRC DST SPORT DPORT\r\n` (or `UNKNOWN ...`), given
/// exactly its bytes.
pub(crate) fn parse_v1(line: &[u8]) -> Result<ProxyHeader, ProxyError> {
    let line = line
        .strip_suffix(b"\r\n")
        .and_then(|line| std::str::from_utf8(line).ok())
        .ok_or(ProxyError::Malformed(
            "the v1 line is not ASCII ending in CRLF",
        ))?;
    let mut fields = line.split(' ');
    if fields.next() != Some("PROXY") {
        return Err(ProxyError::Malformed(
            "the v1 line does not start with PROXY",
        ));
    }
    let family = fields.next();
    if family == Some("UNKNOWN") {
        return Ok(ProxyHeader::Local); // the rest of the line is to be ignored
    }
    let (Some(source), Some(destination), Some(source_port), Some(destination_port), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(ProxyError::Malformed(
            "a v1 line has five fields after PROXY",
        ));
    };
    let ip = |text: &str| -> Result<IpAddr, ProxyError> {
        match family {
            Some("TCP4") => text.parse::<Ipv4Addr>().map(IpAddr::V4).ok(),
            Some("TCP6") => text.parse::<Ipv6Addr>().map(IpAddr::V6).ok(),
            _ => {
                return Err(ProxyError::Malformed(
                    "the v1 protocol is not TCP4, TCP6 or UNKNOWN",
                ))
            }
        }
        .ok_or(ProxyError::Malformed(
            "a v1 address does not match its protocol",
        ))
    };
    let port = |text: &str| -> Result<u16, ProxyError> {
        let digits =
            !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit());
        digits
            .then(|| text.parse().ok())
            .flatten()
            .ok_or(ProxyError::Malformed(
                "a v1 port is not a number from 0 to 65535",
            ))
    };
    Ok(ProxyHeader::Proxied {
        source: SocketAddr::new(ip(source)?, port(source_port)?),
        destination: SocketAddr::new(ip(destination)?, port(destination_port)?),
    })
}

/// Parses a binary header given exactly its bytes (the 16-byte fixed part and the
/// length it announces). TLVs after the addresses are skipped.
pub(crate) fn parse_v2(header: &[u8]) -> Result<ProxyHeader, ProxyError> {
    let Some((fixed, block)) = header.split_first_chunk::<16>() else {
        return Err(ProxyError::Truncated);
    };
    if fixed[..12] != V2_SIGNATURE {
        return Err(ProxyError::Malformed("the v2 signature is wrong"));
    }
    let (version, command) = (fixed[12] >> 4, fixed[12] & 0x0F);
    if version != 2 {
        return Err(ProxyError::Malformed("the v2 header's version is not 2"));
    }
    let local = match command {
        0 => true,
        1 => false,
        _ => {
            return Err(ProxyError::Malformed(
                "the v2 command is neither LOCAL nor PROXY",
            ))
        }
    };
    if block.len() != usize::from(u16::from_be_bytes([fixed[14], fixed[15]])) {
        return Err(ProxyError::Malformed(
            "the v2 header's length does not match its bytes",
        ));
    }
    let short = || ProxyError::Malformed("the v2 address block is too short for its family");
    let addresses = match fixed[13] >> 4 {
        1 => {
            let b: &[u8; 12] = block.first_chunk().ok_or_else(short)?;
            let ip = |at: usize| IpAddr::from([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            let port = |at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
            Some((
                SocketAddr::new(ip(0), port(8)),
                SocketAddr::new(ip(4), port(10)),
            ))
        }
        2 => {
            let b: &[u8; 36] = block.first_chunk().ok_or_else(short)?;
            let ip = |at: usize| {
                let mut octets = [0; 16];
                octets.copy_from_slice(&b[at..at + 16]);
                IpAddr::from(octets)
            };
            let port = |at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
            Some((
                SocketAddr::new(ip(0), port(32)),
                SocketAddr::new(ip(16), port(34)),
            ))
        }
        // UNSPEC or UNIX: no IP addresses to tell.
        0 | 3 => None,
        _ => return Err(ProxyError::Malformed("the v2 address family is unknown")),
    };
    Ok(match (local, addresses) {
        (false, Some((source, destination))) => ProxyHeader::Proxied {
            source,
            destination,
        },
        _ => ProxyHeader::Local,
    })
}

#[cfg(test)]
mod tests;
