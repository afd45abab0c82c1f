//! The thread that writes the access log, so an I/O thread never waits for a disk.
//!
//! An I/O thread hands its entry over a bounded lock-free channel and goes on; when the
//! channel is full (the disk cannot keep up) the line is dropped and counted, and the count
//! is logged, rather than stalling every connection of the thread. The writer formats lines
//! into a buffer and flushes it when the channel runs dry, at least once a second, and at
//! exit.

use super::format::{Format, Line};
use super::{Entry, Target};
use crate::limits::{ACCESS_LOG_FLUSH_INTERVAL, ACCESS_LOG_QUEUE};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use gateway_core::host::{log, Level};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Bumped by [`reopen`]; each writer reopens its file when it sees a new value.
static REOPEN: AtomicU64 = AtomicU64::new(0);

/// See [`super::reopen`].
pub(super) fn reopen() {
    REOPEN.fetch_add(1, Ordering::SeqCst);
}

enum Message {
    Line(Box<Entry>),
    /// Flush, then answer.
    Flush(Sender<()>),
}

/// The sending side, held by the server.
pub(super) struct Writer {
    lines: Sender<Message>,
    dropped: Arc<AtomicU64>,
}

impl Writer {
    /// Opens `target` and starts the writer thread.
    pub(super) fn start(target: Target, format: Format) -> io::Result<Self> {
        let out = Out::open(&target)?;
        let (lines, queue) = crossbeam_channel::bounded(ACCESS_LOG_QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counted = dropped.clone();
        std::thread::Builder::new()
            .name("gateway-access-log".into())
            .spawn(move || write_lines(&queue, out, &target, &format, &counted))?;
        Ok(Self { lines, dropped })
    }

    /// Queues a line, or drops and counts it when the queue is full.
    pub(super) fn send(&self, entry: Box<Entry>) {
        if self.lines.try_send(Message::Line(entry)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes out what is queued and buffered, waiting at most a second.
    pub(super) fn flush(&self) {
        let (done, wait) = crossbeam_channel::bounded(1);
        if self.lines.send_timeout(Message::Flush(done), Duration::from_secs(1)).is_ok() {
            let _ = wait.recv_timeout(Duration::from_secs(1));
        }
    }
}

/// Where the thread writes.
enum Out {
    Stderr(BufWriter<io::Stderr>),
    File(BufWriter<File>),
}

impl Out {
    fn open(target: &Target) -> io::Result<Self> {
        Ok(match target {
            Target::Stderr => Self::Stderr(BufWriter::new(io::stderr())),
            Target::File(path) => {
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|error| {
                        io::Error::new(
                            error.kind(),
                            format!("cannot open the access log {}: {error}", path.display()),
                        )
                    })?;
                Self::File(BufWriter::new(file))
            }
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Self::Stderr(out) => out,
            Self::File(out) => out,
        }
    }
}

fn write_lines(
    queue: &Receiver<Message>,
    mut out: Out,
    target: &Target,
    format: &Format,
    dropped: &AtomicU64,
) {
    let mut generation = REOPEN.load(Ordering::SeqCst);
    let mut reported = 0;
    loop {
        let message = match queue.try_recv() {
            Ok(message) => Ok(message),
            // The queue ran dry: write out what is buffered before waiting.
            Err(_) => {
                let _ = out.writer().flush();
                queue.recv_timeout(ACCESS_LOG_FLUSH_INTERVAL)
            }
        };
        match message {
            Ok(Message::Line(entry)) => {
                let _ = writeln!(out.writer(), "{}", Line(format, &entry));
            }
            Ok(Message::Flush(done)) => {
                let _ = out.writer().flush();
                let _ = done.send(());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                let _ = out.writer().flush();
                return;
            }
        }
        let now = dropped.load(Ordering::Relaxed);
        if now != reported {
            log(
                Level::Warn,
                format_args!(
                    "the access log could not keep up: {} lines dropped",
                    now - reported
                ),
            );
            reported = now;
        }
        let asked = REOPEN.load(Ordering::SeqCst);
        if asked != generation {
            generation = asked;
            let _ = out.writer().flush();
            match Out::open(target) {
                Ok(reopened) => out = reopened,
                Err(error) => log(Level::Error, format_args!("{error}; still writing to the old file")),
            }
        }
    }
}
