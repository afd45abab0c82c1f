//! One request as the access log and the metrics see it (when something reads them: see
//! `Shared::recorded`): begun when its head arrives,
//! finished when its response body ends or is dropped (or the request is abandoned before
//! a response). The metrics cost a few atomic additions; the access log's facts are taken
//! only when one is on (reference counts, no copies of the request's bytes).

use crate::access_log::Entry;
use crate::metrics::method_index;
use crate::service::PerConnection;
use gateway_core::host::Connection;
use http::header::{REFERER, USER_AGENT};
use http::Request;
use std::sync::Arc;
use std::time::Instant;

/// The status logged for a request whose client went away before its response.
const CLIENT_GONE: u16 = 499;

/// One request, from its head to the end of its response.
pub(crate) struct Record {
    conn: Arc<PerConnection>,
    pub(crate) started: Instant,
    method: u8,
    status: u16,
    /// Response body bytes handed to the connection.
    pub(crate) sent: u64,
    /// What the access log shows, when there is one.
    entry: Option<Box<Entry>>,
}

impl Record {
    /// A request's record, begun now.
    pub(crate) fn begin<B>(request: &Request<B>, conn: &Arc<PerConnection>) -> Self {
        let shared = &conn.shared;
        shared.metrics.begin();
        let started = Instant::now();
        let entry = shared.access_log.as_ref().map(|_| {
            // One pass over the few headers of a request costs less than two hash lookups.
            let (mut referer, mut user_agent) = (None, None);
            for (name, value) in request.headers() {
                if name == REFERER {
                    referer = Some(value.clone());
                } else if name == USER_AGENT {
                    user_agent = Some(value.clone());
                }
            }
            Box::new(Entry {
                started,
                remote: conn.connection.remote_addr().map(|addr| addr.ip()),
                method: request.method().clone(),
                uri: request.uri().clone(),
                version: request.version(),
                referer,
                user_agent,
                status: 0,
                sent: 0,
                took: Default::default(),
            })
        });
        Self {
            conn: conn.clone(),
            started,
            method: method_index(request.method()),
            status: CLIENT_GONE,
            sent: 0,
            entry,
        }
    }

    /// The client, as `--forwarded-allow-ips` resolved it.
    pub(crate) fn client(&mut self, connection: &Connection) {
        if let Some(entry) = &mut self.entry {
            entry.remote = connection.remote_addr().map(|addr| addr.ip());
        }
    }

    /// The response's status.
    pub(crate) fn status(&mut self, status: u16) {
        self.status = status;
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let took = self.started.elapsed();
        let shared = &self.conn.shared;
        shared.metrics.end(self.method, self.status, took);
        if let (Some(mut entry), Some(log)) = (self.entry.take(), &shared.access_log) {
            entry.status = self.status;
            entry.sent = self.sent;
            entry.took = took;
            log.write(entry);
        }
    }
}
