//! Reopening log files on SIGUSR1 (logrotate's `postrotate` sends it): a registry of
//! reopeners that any log writer of the server (the access log) registers into.

use gateway_core::host::{log, Level};
use std::sync::Mutex;

/// A way to reopen one log file: returns what went wrong, if anything.
type Reopener = Box<dyn Fn() -> std::io::Result<()> + Send>;

static REOPENERS: Mutex<Vec<Reopener>> = Mutex::new(Vec::new());

/// Registers `reopen`, called on every SIGUSR1 (in each worker with `--workers`), as the
/// server's own log files are: for an application that writes a log file of its own.
pub fn on_reopen_logs(reopen: impl Fn() -> std::io::Result<()> + Send + 'static) {
    lock().push(Box::new(reopen));
}

/// Reopens every registered log file; a failure is logged and the others still reopen.
pub(crate) fn reopen_all() {
    let reopeners = lock();
    for reopen in reopeners.iter() {
        if let Err(error) = reopen() {
            log(
                Level::Error,
                format_args!("cannot reopen a log file: {error}"),
            );
        }
    }
    log(
        Level::Info,
        format_args!("SIGUSR1: reopened {} log file(s)", reopeners.len()),
    );
}

fn lock() -> std::sync::MutexGuard<'static, Vec<Reopener>> {
    REOPENERS
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
}
