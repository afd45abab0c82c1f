//! The signals the master acts on, read without a runtime: signal-hook's self-pipe, polled
//! between the supervisor's other chores, and signals sent to the workers.

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;
use std::io;

/// What the operator asked of the master.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Asked {
    /// SIGTERM or SIGINT: stop, letting the workers drain.
    Stop(&'static str),
    /// SIGHUP: new workers from the binary on disk, then the old ones drain.
    Reload,
    /// SIGUSR1: the workers reopen their log files.
    ReopenLogs,
}

/// The master's signal handlers.
pub(crate) struct Watched(Signals);

impl Watched {
    /// Installs the handlers (the default action of each, ending the process, is replaced).
    pub(crate) fn install() -> io::Result<Self> {
        Signals::new([SIGTERM, SIGINT, SIGHUP, SIGUSR1]).map(Self)
    }

    /// The signals received since the last call.
    pub(crate) fn pending(&mut self) -> Vec<Asked> {
        self.0
            .pending()
            .filter_map(|signal| match signal {
                SIGTERM => Some(Asked::Stop("SIGTERM")),
                SIGINT => Some(Asked::Stop("SIGINT")),
                SIGHUP => Some(Asked::Reload),
                SIGUSR1 => Some(Asked::ReopenLogs),
                _ => None,
            })
            .collect()
    }
}

/// Sends `signal` to the worker `pid` (one that has exited is not an error: it is reaped
/// next).
pub(crate) fn send(pid: u32, signal: Signal) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(pid), signal);
    }
}
