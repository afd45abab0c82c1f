//! systemd's readiness protocol (`Type=notify`, sd_notify(3)): `READY=1` once serving,
//! `RELOADING=1` on a reload, `STOPPING=1` on the way out, as datagrams to the unix socket
//! named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). A worker started by
//! the master sends the same datagrams to the master's socket (see `master/channel.rs`).
//!
//! Every message carries `MAINPID=` with this process's id: systemd takes it as the main
//! process (which it already is), and the master uses it to know which worker spoke.

use std::io;
use std::os::unix::net::UnixDatagram;

/// The variable naming the socket.
pub(crate) const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Tells the service manager (or the master) that this process serves.
pub(crate) fn ready() {
    send("READY=1");
}

/// Tells the service manager that this process stops (drains and exits).
pub(crate) fn stopping() {
    send("STOPPING=1");
}

/// The longest datagram the master reads: a worker's `STATS=` is about 2 KiB; the kernel's
/// default send buffer (`net.core.wmem_default`, about 200 KiB) takes it whole.
pub(crate) const MAX_DATAGRAM: usize = 64 * 1024;

/// Sends this worker's numbers to its master (`--stats` with `--workers`).
pub(crate) fn stats(snapshot: &crate::stats::Snapshot) {
    match serde_json::to_string(snapshot) {
        Ok(json) if json.len() < MAX_DATAGRAM - 64 => send(&format!("STATS={json}")),
        Ok(json) => tracing::debug!("stats of {} bytes not sent: too long", json.len()),
        Err(error) => tracing::debug!("stats not sent: {error}"),
    }
}

/// Tells the service manager that a reload began; `READY=1` ends it.
pub(crate) fn reloading() {
    let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).map_or(0, |t| {
        t.tv_sec() as u64 * 1_000_000 + t.tv_nsec() as u64 / 1000
    });
    send(&format!("RELOADING=1\nMONOTONIC_USEC={now}"));
}

/// Sends `state` when `NOTIFY_SOCKET` is set; a failure is logged, never fatal (the service
/// manager's timeout reports it).
fn send(state: &str) {
    let Some(target) = std::env::var_os(NOTIFY_SOCKET) else {
        return;
    };
    let message = format!("{state}\nMAINPID={}\n", std::process::id());
    if let Err(error) = send_to(&target, message.as_bytes()) {
        tracing::debug!("cannot notify {}: {error}", target.to_string_lossy());
    }
}

/// Sends one datagram to the socket `target` names.
pub(crate) fn send_to(target: &std::ffi::OsStr, message: &[u8]) -> io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    let name = target.as_encoded_bytes();
    if let Some(abstract_name) = name.strip_prefix(b"@") {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(abstract_name)?;
            return socket.send_to_addr(message, &addr).map(drop);
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = abstract_name;
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "abstract socket names need Linux",
            ));
        }
    }
    socket.send_to(message, target).map(drop)
}
