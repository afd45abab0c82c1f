//! What a serving process does besides serving, alone or as a worker of the master: it tells
//! systemd (or the master) when it is ready and when it stops (`notify.rs`), reopens log
//! files on SIGUSR1, retires after `--max-requests` or (a worker) when harakiri left a thread
//! stuck, and, as a worker, stops when its master is gone.

use crate::listeners::Bound;
use crate::{logs, notify};
use gateway_core::host::{log, Level};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Notify;

/// The variable the master sets in a worker's environment (its slot number): it marks the
/// process as a worker, whose listeners are inherited and whose master may go away.
pub(crate) const WORKER_VAR: &str = "WSGI_GATEWAY_WORKER";

/// Whether this process is a worker started by the master.
pub(crate) fn is_worker() -> bool {
    std::env::var_os(WORKER_VAR).is_some()
}

/// The start-up line of a listener: `listening on ...`, or `worker PID serves ...` in a worker
/// (the master said `listening on` once for all).
pub(crate) fn announce(bound: &Bound) {
    if is_worker() {
        let pid = std::process::id();
        log(Level::Info, format_args!("worker {pid} serves {bound}"));
    } else {
        log(Level::Info, format_args!("listening on {bound}"));
    }
}

/// Serves (the accept tasks run meanwhile) until `stop` resolves or the process retires by
/// itself; tells systemd or the master `READY=1` first and `STOPPING=1` last, and stops the
/// task handling SIGUSR1 and SIGHUP (from [`watch_signals`]) at the end.
pub(crate) async fn serve_until(
    stop: impl Future<Output = ()>,
    signals: Option<tokio::task::JoinHandle<()>>,
    retire: Option<&Retire>,
    stuck: &Notify,
) {
    notify::ready();
    tokio::select! {
        () = stop => {}
        reason = retire_when(retire, stuck) => log(Level::Info, format_args!("{reason}")),
    }
    notify::stopping();
    if let Some(signals) = signals {
        signals.abort();
    }
}

/// `--max-requests`: counts the requests down to zero, then asks the server to stop.
///
/// One atomic decrement per request, only when the option is set: the counter is shared by
/// the I/O threads, so its cache line moves between cores, which costs less than the
/// request around it.
pub(crate) struct Retire {
    left: AtomicU64,
    reached: Notify,
}

impl Retire {
    /// Stops after `requests` requests.
    pub(crate) fn after(requests: u64) -> Self {
        Self {
            left: AtomicU64::new(requests.max(1)),
            reached: Notify::new(),
        }
    }

    /// Counts one request.
    pub(crate) fn count(&self) {
        if self.left.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.reached.notify_one();
        }
    }
}

/// Resolves with the reason when this process should stop by itself: its `--max-requests`
/// are served, or (a worker) harakiri left a thread stuck (`stuck` is notified), or its
/// master is gone, checked every second.
async fn retire_when(retire: Option<&Retire>, stuck: &Notify) -> &'static str {
    let served = async {
        match retire {
            Some(retire) => retire.reached.notified().await,
            None => std::future::pending().await,
        }
    };
    // A lone server keeps its stuck thread: nothing would replace it.
    let stuck = async {
        if is_worker() {
            stuck.notified().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = served => "served --max-requests requests: retiring",
        () = stuck => "harakiri left a thread stuck: retiring (the master starts a fresh worker)",
        () = orphaned() => "the master is gone: stopping",
    }
}

/// Resolves when this worker's parent, the master, has exited (never for a lone server).
async fn orphaned() {
    if !is_worker() {
        return std::future::pending().await;
    }
    let master = std::os::unix::process::parent_id();
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        every.tick().await;
        if std::os::unix::process::parent_id() != master {
            return;
        }
    }
}

/// Handles SIGUSR1 (reopen the log files) and SIGHUP (a lone server cannot reload: it says
/// so and goes on; with `--workers` the master reloads), from this call until the task is
/// aborted.
pub(crate) fn watch_signals() -> Option<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut usr1 = signal(SignalKind::user_defined1()).ok()?;
    let mut hup = signal(SignalKind::hangup()).ok()?;
    Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(()) = usr1.recv() => logs::reopen_all(),
                // A worker's master reloads; a worker only sees a HUP sent to the group.
                Some(()) = hup.recv() => if !is_worker() {
                    log(
                        Level::Warn,
                        format_args!("SIGHUP ignored: a reload needs --workers 1 or more (a master)"),
                    );
                },
                else => return,
            }
        }
    }))
}
