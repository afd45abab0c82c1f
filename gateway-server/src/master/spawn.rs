//! Starting a worker: the binary re-executed with the master's own arguments, the listening
//! sockets passed as descriptors 3 and up (systemd's `LISTEN_FDS` protocol, see
//! `inherited.rs`), and the master's channel as its `NOTIFY_SOCKET`.
//!
//! Why not SO_REUSEPORT, each worker binding its own socket: unix sockets have no such thing;
//! each worker's socket has its own accept queue, so a worker that stops (a reload, a
//! retirement) resets the connections queued on its socket; and a reload would close
//! sockets. Here the master holds the only listening sockets, from start to exit: a
//! connection waits in the one queue until some worker, old or new, accepts it.
//!
//! Why re-exec and not fork: a fork copies one thread of a process whose other threads may
//! hold locks; a fresh process of the binary on disk is also what makes a reload deploy a
//! new build.

use crate::inherited::LISTEN_FDNAMES;
use crate::notify::NOTIFY_SOCKET;
use crate::worker::WORKER_VAR;
use command_fds::{CommandFdExt, FdMapping};
use std::ffi::OsString;
use std::io;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The first inherited descriptor, after stdin, stdout and stderr.
const FIRST_FD: i32 = 3;

/// What every worker is started with.
pub(crate) struct Spawner {
    /// The binary, as resolved when the master started. Not `current_exe()` at each spawn:
    /// on Linux, once the file is replaced (a rebuild, a deploy) that names the old, deleted
    /// file (`/path/app (deleted)`); the path names whatever is on disk now.
    pub(crate) exe: PathBuf,
    /// The master's arguments, less the program name.
    pub(crate) args: Vec<OsString>,
    /// The listening sockets, in the configuration's order.
    pub(crate) sockets: Vec<OwnedFd>,
    /// Their option names, colon-separated (`LISTEN_FDNAMES`).
    pub(crate) names: String,
    /// The master's channel.
    pub(crate) notify: PathBuf,
}

impl Spawner {
    /// Starts worker number `slot` (its `WSGI_GATEWAY_WORKER`).
    pub(crate) fn spawn(&self, slot: usize) -> io::Result<Child> {
        let mappings = self
            .sockets
            .iter()
            .zip(FIRST_FD..)
            .map(|(fd, child_fd)| {
                Ok(FdMapping {
                    parent_fd: fd.try_clone()?,
                    child_fd,
                })
            })
            .collect::<io::Result<Vec<_>>>()?;
        let mut command = Command::new(&self.exe);
        command
            .args(&self.args)
            .env(WORKER_VAR, slot.to_string())
            .env("LISTEN_FDS", self.sockets.len().to_string())
            .env(LISTEN_FDNAMES, &self.names)
            .env_remove("LISTEN_PID")
            .env(NOTIFY_SOCKET, &self.notify)
            .stdin(Stdio::null());
        command
            .fd_mappings(mappings)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        command.spawn().map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot start a worker from {}: {error}", self.exe.display()),
            )
        })
    }
}
