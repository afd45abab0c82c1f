//! One connection on a uwsgi socket: read the packet, serve its request on the one request
//! path (`service::serve`), write the answer with this protocol's framing, close.

use super::body::UwsgiBody;
use super::packet::read_packet;
use super::request::{Limits, Request};
use super::response::write_head;
use crate::accept::Serving;
use crate::connections::Entry;
use crate::service::{serve, Extras};
use crate::transport::Transport;
use gateway_core::host::{log, Level, ResponseHead};
use http::{Method, StatusCode};
use http_body::Body as _;
use std::net::SocketAddr;
use std::pin::Pin;
use tokio::io::AsyncWriteExt;

/// Serves the one request of a uwsgi connection; a connection idle or stalled longer than
/// the header read timeout is closed like an HTTP one.
pub(crate) async fn serve_connection(
    serving: &Serving,
    entry: Entry,
    transport: Transport,
    local: Option<SocketAddr>,
) {
    let limits = Limits {
        max_size: serving.max_head_size,
        max_headers: serving.max_headers,
    };
    let (mut reader, mut writer) = tokio::io::split(transport);
    let requests = entry.requests();
    let work = async move {
        let request = match read_packet(&mut reader, limits.max_size).await {
            Ok(Some(packet)) => Request::parse(&packet.vars, limits),
            Ok(None) => return, // closed before a packet: a health check
            Err(error) => Err(error),
        };
        let request = match request {
            Ok(request) => request,
            Err(error) => {
                log(
                    Level::Warn,
                    format_args!("closed a uwsgi connection: {error}"),
                );
                return;
            }
        };
        let connection = request.connection(local);
        let conn = serving.per_connection(requests, connection, request.https, None);
        let method = request.head.method.clone();
        let mut head = request.head;
        head.extensions.insert(Extras(request.extras));
        let body = UwsgiBody::new(reader, request.content_length);
        let response = match serve(http::Request::from_parts(head, body), conn).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (parts, mut body) = response.into_parts();
        let head = ResponseHead {
            status: parts.status,
            reason: parts
                .extensions
                .get::<hyper::ext::ReasonPhrase>()
                .map(|reason| String::from_utf8_lossy(reason.as_bytes()).into_owned()),
            headers: parts.headers,
        };
        let mut out = Vec::with_capacity(256);
        write_head(&head, body.size_hint().exact(), &mut out);
        let bodyless = method == Method::HEAD
            || head.status.is_informational()
            || head.status == StatusCode::NO_CONTENT
            || head.status == StatusCode::NOT_MODIFIED;
        if writer.write_all(&out).await.is_err() {
            return;
        }
        while let Some(frame) = if bodyless {
            None
        } else {
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        } {
            let Ok(frame) = frame else {
                return; // the body failed: close, so nginx sees a truncated response
            };
            if let Ok(data) = frame.into_data() {
                if writer.write_all(&data).await.is_err() {
                    return;
                }
            }
        }
        // Shut down the write side, then linger (see `transport.rs`): nginx sees the end.
        let _ = writer.shutdown().await;
    };
    // Nothing to finish gracefully at shutdown: the one request runs to its end.
    if entry.serve(work, |_| {}).await.is_err() {
        tracing::debug!("closed a uwsgi connection: no packet in time, or too slow");
    }
}
