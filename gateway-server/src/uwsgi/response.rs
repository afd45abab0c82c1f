//! The answer on a uwsgi socket: a raw HTTP/1.1 response. Never chunked: nginx does not
//! decode chunked upstream responses and would pass the chunk sizes into the body. The body
//! is sized by `Content-Length` when its length is known, else delimited by closing the
//! connection (nginx uses one connection per uwsgi request anyway).

use gateway_core::host::ResponseHead;
use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use std::io::Write;

/// How the body after the head is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Exactly this many bytes follow.
    Length(u64),
    /// The body ends when the connection closes.
    UntilClose,
}

/// Appends the response head to `out`: the status line with its reason phrase, the
/// application's headers, and `Content-Length` when `content_length` is known (or the
/// application gave one), else `Connection: close`. For HEAD, 204 and 304 no body follows
/// whatever the framing says; the connection is closed after the response in every case.
pub(crate) fn write_head(
    head: &ResponseHead,
    content_length: Option<u64>,
    out: &mut Vec<u8>,
) -> Framing {
    let reason = head
        .reason
        .as_deref()
        .or(head.status.canonical_reason())
        .unwrap_or("Unknown");
    // Writing to a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {} {reason}\r\n", head.status.as_str());
    for (name, value) in &head.headers {
        // The framing is this writer's: the application may not set it (PEP 3333 forbids
        // hop-by-hop headers) and its Content-Length is in `content_length` already.
        if name == TRANSFER_ENCODING || name == CONNECTION || name == CONTENT_LENGTH {
            continue;
        }
        line(out, name.as_str().as_bytes(), value.as_bytes());
    }
    let declared = head
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse().ok());
    let framing = match content_length.or(declared) {
        Some(length) => {
            let _ = write!(out, "content-length: {length}\r\n");
            Framing::Length(length)
        }
        None => {
            line(out, b"connection", b"close");
            Framing::UntilClose
        }
    };
    out.extend_from_slice(b"\r\n");
    framing
}

fn line(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, StatusCode};

    fn head(status: u16, headers: &[(&'static str, &'static str)]) -> ResponseHead {
        let mut head = ResponseHead {
            status: StatusCode::from_u16(status).unwrap(),
            ..ResponseHead::default()
        };
        for (name, value) in headers {
            head.headers.append(*name, HeaderValue::from_static(value));
        }
        head
    }

    fn written(head: &ResponseHead, length: Option<u64>) -> (String, Framing) {
        let mut out = Vec::new();
        let framing = write_head(head, length, &mut out);
        (String::from_utf8(out).unwrap(), framing)
    }

    #[test]
    fn a_response_of_known_length_has_content_length() {
        let (text, framing) = written(&head(200, &[("content-type", "text/html")]), Some(22));
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 22\r\n\r\n"
        );
        assert_eq!(framing, Framing::Length(22));
    }

    #[test]
    fn a_response_of_unknown_length_is_delimited_by_close_never_chunked() {
        let (text, framing) = written(&head(200, &[("transfer-encoding", "chunked")]), None);
        assert_eq!(text, "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
        assert_eq!(framing, Framing::UntilClose);
    }

    #[test]
    fn the_status_line_carries_the_applications_reason_or_the_standard_one() {
        let mut custom = head(404, &[]);
        custom.reason = Some("Nothing Here".into());
        assert!(written(&custom, Some(0))
            .0
            .starts_with("HTTP/1.1 404 Nothing Here\r\n"));
        assert!(written(&head(599, &[]), Some(0))
            .0
            .starts_with("HTTP/1.1 599 Unknown\r\n"));
        let (text, framing) = written(&head(200, &[("content-length", "42")]), None);
        assert_eq!(text, "HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n");
        assert_eq!(framing, Framing::Length(42));
    }

    #[test]
    fn repeated_response_headers_each_get_a_line() {
        let (text, _) = written(
            &head(200, &[("set-cookie", "a=1"), ("set-cookie", "b=2")]),
            Some(0),
        );
        assert!(
            text.contains("set-cookie: a=1\r\nset-cookie: b=2\r\n"),
            "{text}"
        );
    }
}
