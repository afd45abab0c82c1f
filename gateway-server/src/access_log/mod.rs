//! The access log: one line per request, through `tracing` (target `gateway::access`) when
//! the program installed a subscriber, else written by a thread of ours to stderr or a file
//! (`--access-log FILE`). Formats: see `format.rs`. [`reopen`] reopens the files after
//! logrotate moved them (SIGUSR1).

mod format;
mod writer;

pub(crate) use format::{Format, DEFAULT_FORMAT};

use format::Renderer;
use http::{HeaderValue, Method, Uri, Version};
use std::cell::RefCell;
use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use writer::Writer;

/// What one line tells of a request.
pub(crate) struct Entry {
    /// When the request's head arrived.
    pub(crate) started: Instant,
    /// The client, after `--forwarded-allow-ips` (none on a unix socket).
    pub(crate) remote: Option<IpAddr>,
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) version: Version,
    pub(crate) referer: Option<HeaderValue>,
    pub(crate) user_agent: Option<HeaderValue>,
    /// The response's status (499 when the client went away before it).
    pub(crate) status: u16,
    /// The response body's bytes handed to the connection.
    pub(crate) sent: u64,
    /// From the head's arrival to the end of the response.
    pub(crate) took: Duration,
}

/// Where lines go when no `tracing` subscriber takes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Target {
    /// Standard error.
    #[default]
    Stderr,
    /// A file, appended to.
    File(PathBuf),
}

/// A server's access log.
pub(crate) struct AccessLog {
    /// Used only for lines that go through `tracing` (the writer thread has its own copy).
    format: Format,
    writer: Writer,
}

impl AccessLog {
    /// Opens `target` (a file is created if needed) and starts the thread that writes to it.
    pub(crate) fn open(format: Format, target: Target) -> io::Result<Self> {
        // SIGUSR1 reopens every log file through `logs.rs`; once is enough for all writers.
        static REGISTERED: std::sync::Once = std::sync::Once::new();
        REGISTERED.call_once(|| {
            crate::logs::on_reopen_logs(|| {
                reopen();
                Ok(())
            })
        });
        Ok(Self {
            writer: Writer::start(target, format.clone())?,
            format,
        })
    }

    /// Logs one request.
    pub(crate) fn write(&self, entry: Box<Entry>) {
        if tracing::dispatcher::has_been_set() {
            thread_local! {
                static LINE: RefCell<(Renderer, Vec<u8>)> = RefCell::default();
            }
            LINE.with_borrow_mut(|(renderer, line)| {
                line.clear();
                renderer.tick();
                renderer.render(&self.format, &entry, line);
                let text = String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(line));
                tracing::info!(target: "gateway::access", "{text}");
            });
        } else {
            self.writer.send(entry);
        }
    }

    /// Writes out what is buffered (at exit), waiting at most a second.
    pub(crate) fn flush(&self) {
        self.writer.flush();
    }
}

/// Reopens every access log file (after logrotate renamed it): lines go to a new file of the
/// same name within a second. SIGUSR1 does it (registered in [`crate::on_reopen_logs`]).
pub fn reopen() {
    writer::reopen();
}
