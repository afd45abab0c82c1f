//! systemd: socket activation and `Type=notify`, with the environment set as systemd sets it.
//! The test is the service manager: it binds the listening socket, starts the server with it
//! as fd 3 (`LISTEN_FDS=1`, `LISTEN_PID` the server's own pid, `LISTEN_FDNAMES`), and reads
//! the server's notifications on a datagram socket named by `NOTIFY_SOCKET`.

mod deployed;

use command_fds::{CommandFdExt, FdMapping};
use deployed::load::one;
use deployed::{signal_pid, spawn_fresh, temp_dir};
use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The service manager's side of one service.
struct Manager {
    notify: UnixDatagram,
    server: Child,
}

impl Manager {
    /// Starts the deploy example as systemd would, with `listener` as its socket.
    fn start(listener: TcpListener, name: &str, args: &[&str], dir: &std::path::Path) -> Self {
        let notify_path = dir.join("notify");
        let notify = UnixDatagram::bind(&notify_path).unwrap();
        notify
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        // systemd sets LISTEN_PID after fork, to the pid that execs the server: `sh -c` sets
        // it to its own pid and execs the server in place.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("LISTEN_PID=$$ exec \"$0\" \"$@\"")
            .arg(deployed::binary())
            .args(args)
            .env("LISTEN_FDS", "1")
            .env("LISTEN_FDNAMES", name)
            .env("NOTIFY_SOCKET", &notify_path)
            .env_remove("GATEWAY_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
            .fd_mappings(vec![FdMapping {
                parent_fd: OwnedFd::from(listener),
                child_fd: 3,
            }])
            .unwrap();
        Self {
            notify,
            server: spawn_fresh(&mut command),
        }
    }

    /// Waits for a notification containing `state`; returns it.
    fn expect(&self, state: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buffer = [0; 4096];
        while Instant::now() < deadline {
            let n = self
                .notify
                .recv(&mut buffer)
                .expect("a notification in time");
            let message = String::from_utf8_lossy(&buffer[..n]).into_owned();
            if message.lines().any(|line| line == state) {
                return message;
            }
        }
        panic!("no {state} notification");
    }

    /// Waits for the server's exit.
    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.server.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The configured address is never bound: the server serves on the socket it was given.
const UNUSED_ADDR: &str = "127.0.0.1:1";

#[test]
fn socket_activation_and_notify_with_a_master() {
    let dir = temp_dir("systemd-master");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut manager = Manager::start(
        listener,
        "http",
        &["--http", UNUSED_ADDR, "--workers", "2"],
        &dir,
    );
    let ready = manager.expect("READY=1");
    assert!(
        ready.contains(&format!("MAINPID={}", manager.server.id())),
        "{ready}"
    );
    let answers: Vec<_> = (0..20).map(|_| one(addr, "/sleep?ms=0")).collect();
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    signal_pid(manager.server.id(), "HUP");
    let reloading = manager.expect("RELOADING=1");
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    manager.expect("READY=1");
    assert!(one(addr, "/").is_ok());
    signal_pid(manager.server.id(), "TERM");
    manager.expect("STOPPING=1");
    assert_eq!(manager.wait().code(), Some(0));
    println!("systemd with --workers 2: READY=1, served 21 requests on the inherited socket, RELOADING=1 then READY=1 on HUP, STOPPING=1 on TERM");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn socket_activation_and_notify_in_one_process() {
    let dir = temp_dir("systemd-one");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut manager = Manager::start(listener, "http", &["--http", UNUSED_ADDR], &dir);
    manager.expect("READY=1");
    assert!(one(addr, "/").is_ok());
    signal_pid(manager.server.id(), "TERM");
    manager.expect("STOPPING=1");
    assert_eq!(manager.wait().code(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_socket_named_for_another_listener_is_refused() {
    let dir = temp_dir("systemd-misnamed");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut manager = Manager::start(listener, "socket", &["--http", UNUSED_ADDR], &dir);
    let status = manager.wait();
    assert_eq!(status.code(), Some(1));
    let mut error = String::new();
    use std::io::Read;
    let _ = manager
        .server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut error);
    assert!(
        error.contains(
            "inherited socket 1 is named \"socket\" but the listener at its place is --http"
        ),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
