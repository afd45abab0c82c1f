//! Listening sockets handed down instead of bound: by systemd's socket activation, or by the
//! master to its workers, with the same protocol (sd_listen_fds(3)): `LISTEN_FDS` sockets from
//! fd 3 on, `LISTEN_PID` the process they are for (the master leaves it out: it cannot know a
//! worker's pid before the worker runs), `LISTEN_FDNAMES` their names, colon-separated.
//!
//! The sockets are matched to the configured listeners by order: the first fd is the first
//! `--http`, then the `--https`, then the `--socket` listeners, as `--print-config` lists them.
//! The configuration still says what each speaks and whether it is TCP or a unix socket; its
//! address is not bound. A name that is an option's name (`http`, `https`, `socket`) must
//! match the listener at its place, so a unit file that lists sockets in another order is an
//! error rather than HTTP served on the uwsgi port.

use crate::listeners::{Kind, Place, Spec};
use std::io;
use std::net::TcpListener;
#[cfg(unix)]
use std::os::unix::net::UnixListener;

/// The variable that lists the sockets' names.
pub(crate) const LISTEN_FDNAMES: &str = "LISTEN_FDNAMES";

/// The sockets this process was given, if it was given any.
pub(crate) struct Inherited {
    fds: listenfd::ListenFd,
    names: Vec<String>,
}

/// A socket taken over: one of a [`Listener`](crate::listeners)'s kinds.
pub(crate) enum Socket {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(UnixListener),
}

impl Inherited {
    /// The sockets of `LISTEN_FDS` (removing it and `LISTEN_PID` from the environment, so
    /// that a child does not take them for its own), or `None` when there are none for this
    /// process. Call before any thread starts.
    pub(crate) fn from_env() -> Option<Self> {
        let names = std::env::var(LISTEN_FDNAMES).unwrap_or_default();
        let fds = listenfd::ListenFd::from_env();
        if fds.len() == 0 {
            return None;
        }
        let names = names.split(':').map(str::to_owned).collect();
        Some(Self { fds, names })
    }

    /// How many sockets there are.
    pub(crate) fn len(&self) -> usize {
        self.fds.len()
    }

    /// The `index`th socket, for the listener `spec`.
    pub(crate) fn take(&mut self, index: usize, spec: &Spec) -> io::Result<Socket> {
        let name = self.names.get(index).map_or("", String::as_str);
        let expected = option_name(&spec.kind);
        if ["http", "https", "socket"].contains(&name) && name != expected {
            return Err(mismatch(format!(
                "inherited socket {} is named {name:?} but the listener at its place is --{expected}",
                index + 1
            )));
        }
        let taken = match spec
            .place
            .as_ref()
            .map_err(|e| io::Error::new(e.kind(), e.to_string()))?
        {
            Place::Tcp(_) => self.fds.take_tcp_listener(index)?.map(Socket::Tcp),
            #[cfg(unix)]
            Place::Unix(_) => self.fds.take_unix_listener(index)?.map(Socket::Unix),
            #[cfg(not(unix))]
            Place::Unix(_) => None,
        };
        taken.ok_or_else(|| mismatch(format!("inherited socket {} was already taken", index + 1)))
    }
}

/// The option that configures a listener of `kind`.
pub(crate) fn option_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Http { .. } => "http",
        Kind::Https { .. } => "https",
        Kind::Uwsgi => "socket",
    }
}

fn mismatch(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The listeners of `specs`: taken over from inherited sockets when this process was given
/// some, else bound (unix socket files with the mode `chmod`).
pub(crate) fn bind_all(
    specs: Vec<Spec>,
    chmod: Option<u32>,
) -> io::Result<Vec<crate::listeners::Bound>> {
    let Some(mut inherited) = Inherited::from_env() else {
        return specs.into_iter().map(|spec| spec.bind(chmod)).collect();
    };
    if inherited.len() != specs.len() {
        return Err(mismatch(format!(
            "{} listening sockets were inherited (LISTEN_FDS) but the configuration has {} \
             listener(s); give one --http, --https or --socket per socket, in the same order",
            inherited.len(),
            specs.len()
        )));
    }
    specs
        .into_iter()
        .enumerate()
        .map(|(index, spec)| {
            let socket = inherited.take(index, &spec)?;
            spec.adopt(socket)
        })
        .collect()
}
