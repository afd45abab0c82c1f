//! The uwsgi packet as it arrives: a 4-byte header (`modifier1` u8, the vars block's size as
//! a little-endian u16, `modifier2` u8), then the vars block of length-prefixed key/value
//! pairs (`u16 LE` key length, key, `u16 LE` value length, value). The request body follows,
//! `CONTENT_LENGTH` bytes, and is not part of the packet.

use super::error::UwsgiError;
use crate::sniff::{sniff, Protocol};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The size of the packet header.
pub(crate) const HEADER_SIZE: usize = 4;

/// A WSGI request's packet: its vars block (the header is checked and dropped).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Packet {
    /// The vars block, exactly as sent.
    pub(crate) vars: Vec<u8>,
}

/// Checks a packet header and returns the size of the vars block that follows.
pub(crate) fn parse_header(
    header: [u8; HEADER_SIZE],
    max_size: usize,
) -> Result<usize, UwsgiError> {
    let [modifier1, low, high, _modifier2] = header;
    if modifier1 != 0 {
        return Err(match sniff(&header) {
            Protocol::Unknown => UwsgiError::Modifier(modifier1),
            other => UwsgiError::WrongProtocol(other),
        });
    }
    let size = usize::from(u16::from_le_bytes([low, high]));
    if size > max_size {
        return Err(UwsgiError::Oversized {
            size,
            limit: max_size,
        });
    }
    Ok(size)
}

/// Reads one packet from `reader`, its vars block at most `max_size` bytes. `Ok(None)` when
/// the connection closes before the first byte (a health check, a closed idle connection).
/// Reads exactly the packet: the body's first byte stays in `reader`.
pub(crate) async fn read_packet<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_size: usize,
) -> Result<Option<Packet>, UwsgiError> {
    let mut header = [0; HEADER_SIZE];
    let got = read_full(reader, &mut header).await?;
    match got {
        0 => return Ok(None),
        HEADER_SIZE => {}
        _ if sniff(&header[..got]) != Protocol::Unknown => {
            return Err(UwsgiError::WrongProtocol(sniff(&header[..got])))
        }
        _ => {
            return Err(UwsgiError::Truncated {
                expected: HEADER_SIZE,
                got,
            })
        }
    }
    let size = parse_header(header, max_size)?;
    let mut vars = vec![0; size];
    let got = read_full(reader, &mut vars).await?;
    if got < size {
        return Err(UwsgiError::Truncated {
            expected: HEADER_SIZE + size,
            got: HEADER_SIZE + got,
        });
    }
    Ok(Some(Packet { vars }))
}

/// Fills `buf` unless the stream ends first; returns how much arrived.
async fn read_full<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut [u8],
) -> Result<usize, UwsgiError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader
            .read(&mut buf[filled..])
            .await
            .map_err(UwsgiError::Io)?
        {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The key/value pairs of a vars block, in order, repeats included.
pub(crate) struct Vars<'a> {
    rest: &'a [u8],
}

impl<'a> Vars<'a> {
    /// The pairs of `block`.
    pub(crate) fn new(block: &'a [u8]) -> Self {
        Self { rest: block }
    }

    fn take(&mut self) -> Option<&'a [u8]> {
        let (length, rest) = self.rest.split_first_chunk::<2>()?;
        let length = usize::from(u16::from_le_bytes(*length));
        let (item, rest) = rest.split_at_checked(length)?;
        self.rest = rest;
        Some(item)
    }
}

impl<'a> Iterator for Vars<'a> {
    type Item = Result<(&'a [u8], &'a [u8]), UwsgiError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let pair = self.take().and_then(|key| Some((key, self.take()?)));
        if pair.is_none() {
            self.rest = &[]; // one error, then the end
        }
        Some(pair.ok_or(UwsgiError::Malformed))
    }
}

/// A vars block holding `pairs`, as nginx builds it (for tests and tools).
#[cfg(test)]
pub(crate) fn encode(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut block = Vec::new();
    for (key, value) in pairs {
        for item in [key, value] {
            block.extend_from_slice(&(item.len() as u16).to_le_bytes());
            block.extend_from_slice(item);
        }
    }
    let mut packet = vec![0];
    packet.extend_from_slice(&(block.len() as u16).to_le_bytes());
    packet.push(0);
    packet.extend_from_slice(&block);
    packet
}
