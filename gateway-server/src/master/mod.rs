//! The master process of `--workers N`: it binds every listener (or takes them from systemd),
//! starts N workers that inherit the sockets, and supervises them. It runs no application
//! code and no runtime: one thread that, every [`TICK`], reads its signals, its workers'
//! notifications and their exits.
//!
//! * SIGTERM / SIGINT: the workers stop accepting and drain up to `--shutdown-timeout`; the
//!   master exits 0 once they are all gone.
//! * SIGHUP: N new workers from the binary on disk; once all are ready the old ones drain. A
//!   new worker that exits before it is ready abandons the reload: the old ones go on.
//! * SIGUSR1: passed on to the workers (they reopen their log files).
//!
//! With `--stats` the master serves the address (from a thread, see `stats::serve_in_thread`):
//! each worker sends it its numbers (`board.rs`).
//!
//! The listening sockets stay open in the master from start to exit.

mod board;
mod channel;
mod signals;
mod spawn;
mod supervise;

use crate::config::Options;
use crate::inherited::{bind_all, option_name};
use crate::listeners::Spec;
use gateway_core::host::{log, Level};
use signals::Asked;
use std::io;
use std::time::Duration;
use supervise::{Failed, Supervisor};

/// How often the master looks at its signals and workers: also the longest a signal waits.
const TICK: Duration = Duration::from_millis(50);

/// Serves `specs` with `options.workers` workers until SIGTERM or SIGINT.
pub(crate) fn serve(options: &Options, specs: Vec<Spec>) -> crate::Result<()> {
    let names = specs
        .iter()
        .map(|spec| option_name(&spec.kind))
        .collect::<Vec<_>>()
        .join(":");
    let mut listeners = bind_all(specs, options.chmod_socket.map(|mode| mode.0))?;
    // Before the start-up lines: a supervisor may signal as soon as it reads them.
    let mut signals = signals::Watched::install()?;
    for bound in &listeners {
        log(Level::Info, format_args!("listening on {bound}"));
    }
    let board = board::Board::shared();
    if let Some(stats) = &options.stats {
        let bound = crate::stats::bind(&stats.to_string(), options.chmod_socket.map(|m| m.0))?;
        let shown = board.clone();
        let source = std::sync::Arc::new(move || board::Board::lock(&shown).snapshots());
        crate::stats::serve_in_thread(bound, source)?;
    }
    let channel = channel::Channel::open()?;
    let spawner = spawn::Spawner {
        exe: std::env::current_exe()?,
        args: std::env::args_os().skip(1).collect(),
        sockets: listeners
            .iter()
            .map(|bound| bound.dup())
            .collect::<io::Result<_>>()?,
        names,
        notify: channel.path(),
    };
    let wanted = options.workers;
    log(
        Level::Info,
        format_args!("master {} starting {wanted} workers", std::process::id()),
    );
    let shutdown_timeout = options.shutdown_timeout.0;
    let mut supervisor =
        Supervisor::start(spawner, wanted, shutdown_timeout, board).map_err(fail)?;
    let result = loop {
        for asked in signals.pending() {
            match asked {
                Asked::Stop(signal) => {
                    supervisor.stop(signal);
                    // New connections are refused at once (a load balancer tries another
                    // server) rather than queued for workers that no longer accept.
                    listeners.clear();
                }
                Asked::Reload => supervisor.reload(),
                Asked::ReopenLogs => supervisor.forward(nix::sys::signal::Signal::SIGUSR1),
            }
        }
        for message in channel.receive(TICK) {
            supervisor.heard(message);
        }
        if let Err(failed) = supervisor.tend() {
            supervisor.stop("start-up failed");
            listeners.clear();
            break Err(fail(failed));
        }
        if supervisor.stopped() {
            log(Level::Info, format_args!("all workers stopped"));
            break Ok(());
        }
    };
    // The others, after a failed start.
    while !supervisor.stopped() {
        let _ = supervisor.tend();
        std::thread::sleep(TICK);
    }
    result
}

fn fail(failed: Failed) -> crate::Error {
    io::Error::other(failed.0).into()
}
