//! The thread that writes the access log, so an I/O thread never waits for a disk.
//!
//! An I/O thread hands its entry over a bounded lock-free channel and goes on; when the
//! channel is full (the disk cannot keep up) the line is dropped and counted, and the count
//! is logged, rather than stalling every connection of the thread. The writer formats lines
//! into a buffer and writes it out when it holds 32 KiB, at least once a second, and at
//! exit: one `write` for many lines. It looks at the queue every 50 ms rather than waiting
//! on it, so that no request pays for waking it.

use super::format::{Format, Renderer};
use super::{Entry, Target};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use gateway_core::host::{log, Level};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lines waiting for the writer thread; when the disk cannot keep up, further lines are
/// dropped and counted (a log line says how many) instead of stalling requests. About a
/// second of lines at a high request rate.
const ACCESS_LOG_QUEUE: usize = 16 * 1024;

/// The longest a line stays in the writer's buffer: `tail -f` sees a request within this.
const ACCESS_LOG_FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// How long the writer sleeps between two looks at the queue: the queue holds far more
/// lines than come in this time.
const ACCESS_LOG_POLL: Duration = Duration::from_millis(50);

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
        if self
            .lines
            .send_timeout(Message::Flush(done), Duration::from_secs(1))
            .is_ok()
        {
            let _ = wait.recv_timeout(Duration::from_secs(1));
        }
    }
}

/// Bytes of lines gathered before they are written.
const BUFFER: usize = 32 * 1024;

/// Where the thread writes.
enum Out {
    Stderr(io::Stderr),
    File(File),
}

impl Out {
    fn open(target: &Target) -> io::Result<Self> {
        Ok(match target {
            Target::Stderr => Self::Stderr(io::stderr()),
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
                Self::File(file)
            }
        })
    }

    /// Writes out `lines` and empties it.
    fn write(&mut self, lines: &mut Vec<u8>) {
        if lines.is_empty() {
            return;
        }
        let _ = match self {
            Self::Stderr(out) => out.write_all(lines),
            Self::File(out) => out.write_all(lines),
        };
        lines.clear();
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
    let mut renderer = Renderer::default();
    let mut lines = Vec::with_capacity(BUFFER + 1024);
    let mut last_write = Instant::now();
    loop {
        // Take what is queued, then sleep: a writer blocked on the queue would have every
        // request's sender wake it (a system call on the I/O thread per line).
        renderer.tick();
        let closed = loop {
            match queue.try_recv() {
                Ok(Message::Line(entry)) => {
                    renderer.render(format, &entry, &mut lines);
                    if lines.len() >= BUFFER {
                        out.write(&mut lines);
                        last_write = Instant::now();
                    }
                }
                Ok(Message::Flush(done)) => {
                    out.write(&mut lines);
                    let _ = done.send(());
                }
                Err(TryRecvError::Empty) => break false,
                Err(TryRecvError::Disconnected) => break true,
            }
        };
        if closed {
            out.write(&mut lines);
            return;
        }
        if last_write.elapsed() >= ACCESS_LOG_FLUSH_INTERVAL - ACCESS_LOG_POLL {
            out.write(&mut lines);
            last_write = Instant::now();
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
            out.write(&mut lines);
            match Out::open(target) {
                Ok(reopened) => out = reopened,
                Err(error) => log(
                    Level::Error,
                    format_args!("{error}; still writing to the old file"),
                ),
            }
        }
        std::thread::sleep(ACCESS_LOG_POLL);
    }
}
