//! The master's end of its workers' `NOTIFY_SOCKET`: one unix datagram socket in a directory
//! of its own, read between the supervisor's other chores. Each datagram is a worker's
//! sd_notify message (`READY=1`, `STOPPING=1`, with `MAINPID=` naming the worker), or its
//! numbers for `--stats` (`STATS=` and one line of JSON).

use crate::notify::MAX_DATAGRAM;
use crate::stats::Snapshot;
use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::Duration;

/// The master's socket; dropping it removes its directory.
pub(crate) struct Channel {
    socket: UnixDatagram,
    dir: PathBuf,
}

/// What a worker said.
#[derive(Debug, PartialEq)]
pub(crate) enum Said {
    /// `READY=1`: it serves.
    Ready,
    /// `STOPPING=1`: it stops accepting and drains (for `--max-requests`, or asked to).
    Stopping,
    /// `STATS=`: its numbers now.
    Stats(Box<Snapshot>),
}

/// One message: who sent it, and what it says.
#[derive(Debug, PartialEq)]
pub(crate) struct Message {
    /// The worker's pid (its `MAINPID=`).
    pub(crate) pid: u32,
    /// What it said.
    pub(crate) said: Said,
}

impl Channel {
    /// A socket at a fresh path under the system's temporary directory, in a directory only
    /// this user can enter.
    pub(crate) fn open() -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = std::env::temp_dir().join(format!("gateway-master-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let socket = UnixDatagram::bind(dir.join("notify"))?;
        Ok(Self { socket, dir })
    }

    /// Where the workers send (their `NOTIFY_SOCKET`).
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.join("notify")
    }

    /// The messages that arrive within `wait` (those already there at once).
    pub(crate) fn receive(&self, wait: Duration) -> Vec<Message> {
        let mut messages = Vec::new();
        let mut buffer = vec![0; MAX_DATAGRAM];
        let _ = self.socket.set_read_timeout(Some(wait));
        while let Ok(n) = self.socket.recv(&mut buffer) {
            messages.extend(parse(&buffer[..n]));
            // The rest without waiting.
            let _ = self.socket.set_nonblocking(true);
        }
        let _ = self.socket.set_nonblocking(false);
        messages
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The messages in one datagram (`READY=1\nMAINPID=42\n`): none when it names no pid.
fn parse(datagram: &[u8]) -> Vec<Message> {
    let text = String::from_utf8_lossy(datagram);
    let mut pid = None;
    let mut said = Vec::new();
    for line in text.lines() {
        match line.split_once('=') {
            Some(("MAINPID", value)) => pid = value.parse().ok(),
            Some(("READY", "1")) => said.push(Said::Ready),
            Some(("STOPPING", "1")) => said.push(Said::Stopping),
            Some(("STATS", json)) => match serde_json::from_str(json) {
                Ok(snapshot) => said.push(Said::Stats(Box::new(snapshot))),
                Err(error) => tracing::debug!("a worker's STATS= does not parse: {error}"),
            },
            _ => {}
        }
    }
    match pid {
        Some(pid) => said.into_iter().map(|said| Message { pid, said }).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_s_notifications_arrive_with_its_pid() {
        let channel = Channel::open().unwrap();
        use std::os::unix::fs::FileTypeExt;
        let kind = std::fs::metadata(channel.path()).unwrap().file_type();
        assert!(kind.is_socket());
        let target = channel.path().into_os_string();
        crate::notify::send_to(&target, b"READY=1\nMAINPID=42\n").unwrap();
        crate::notify::send_to(&target, b"STOPPING=1\nMAINPID=43\n").unwrap();
        crate::notify::send_to(&target, b"READY=1\n").unwrap();
        let stats = Snapshot {
            bytes_in: 5,
            ..Snapshot::default()
        };
        let json = serde_json::to_string(&stats).unwrap();
        let datagram = format!("STATS={json}\nMAINPID=44\n");
        crate::notify::send_to(&target, datagram.as_bytes()).unwrap();
        let messages = channel.receive(Duration::from_secs(5));
        assert_eq!(
            messages,
            [
                Message {
                    pid: 42,
                    said: Said::Ready
                },
                Message {
                    pid: 43,
                    said: Said::Stopping
                },
                Message {
                    pid: 44,
                    said: Said::Stats(Box::new(stats))
                },
            ]
        );
        let dir = channel.dir.clone();
        drop(channel);
        assert!(!dir.exists());
    }
}
