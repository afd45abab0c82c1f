//! What the first bytes of a connection look like, so that a listener that receives another
//! protocol than its own says so in words (uWSGI logs "invalid request block size: 21573"
//! for an HTTP request on its uwsgi socket; gateway names the mistake).

/// The protocol the first bytes of a connection belong to, as far as they tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// An HTTP/1 request line (`GET `, `POST`, ...) or the HTTP/2 preface (`PRI `).
    Http,
    /// A TLS record carrying a handshake (a ClientHello).
    Tls,
    /// A PROXY protocol header, text (`PROXY `) or binary.
    Proxy,
    /// None of these.
    Unknown,
}

impl Protocol {
    /// The protocol's name as an operator knows it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Http => "an HTTP request",
            Self::Tls => "a TLS handshake",
            Self::Proxy => "a PROXY protocol header",
            Self::Unknown => "bytes of an unknown protocol",
        }
    }
}

/// Classifies the first four (or more) bytes of a connection.
pub(crate) fn sniff(first: &[u8]) -> Protocol {
    // `PROXY ` (v1) or the start of the v2 signature `\r\n\r\n\0\r\nQUIT\n`.
    if first.starts_with(b"PROX") || first.starts_with(b"\r\n\r\n") {
        return Protocol::Proxy;
    }
    match first {
        // A TLS record: type 22 (handshake), version 3.x.
        [0x16, 0x03, ..] => Protocol::Tls,
        // A method in capitals (RFC 9110 allows any token; these are what clients send).
        [first, rest @ ..]
            if first.is_ascii_uppercase()
                && !rest.is_empty()
                && rest
                    .iter()
                    .take(3)
                    .all(|b| b.is_ascii_uppercase() || *b == b' ') =>
        {
            Protocol::Http
        }
        _ => Protocol::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_request_lines_and_the_h2_preface_are_http() {
        for start in [
            &b"GET /"[..],
            b"POST",
            b"HEAD",
            b"PUT ",
            b"DELETE",
            b"OPTIONS",
            b"PRI ",
        ] {
            assert_eq!(sniff(start), Protocol::Http, "{start:?}");
        }
    }

    #[test]
    fn tls_and_proxy_headers_are_told_apart() {
        assert_eq!(sniff(&[0x16, 0x03, 0x01, 0x02, 0x00]), Protocol::Tls);
        assert_eq!(sniff(b"PROXY TCP4 "), Protocol::Proxy);
        assert_eq!(sniff(b"\r\n\r\n\0\r\nQUIT\n"), Protocol::Proxy);
    }

    #[test]
    fn a_uwsgi_header_and_garbage_are_unknown() {
        assert_eq!(sniff(&[0, 0x20, 0x01, 0]), Protocol::Unknown);
        assert_eq!(sniff(b"get /"), Protocol::Unknown);
        assert_eq!(sniff(b""), Protocol::Unknown);
        assert_eq!(sniff(b"G"), Protocol::Unknown);
    }
}
