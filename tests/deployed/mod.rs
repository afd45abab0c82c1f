//! Runs `examples/deploy.rs` as an operator would: a child process with flags, its listeners
//! read from its start-up lines, stopped by PID with SIGTERM when the guard is dropped.
#![allow(dead_code)] // each test file uses a part

pub mod load;
pub mod nginx;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long start-up may take.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The deploy example's binary, built if `cargo test` was asked for one test file only.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_owned();
    let binary = profile_dir.join("examples").join("deploy");
    if !binary.exists() {
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--quiet", "--example", "deploy"]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        assert!(
            build.status().unwrap().success(),
            "building examples/deploy failed"
        );
    }
    binary
}

/// Runs the binary to its end (for --check-config, --print-config, bad configurations).
pub fn run_to_end(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(binary());
    command.args(args).env_clear();
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + START_TIMEOUT;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the binary did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A running deploy binary.
pub struct Deployed {
    child: Child,
    /// Its `listening on ...` lines, in order.
    pub listening: Vec<String>,
    lines: mpsc::Receiver<String>,
}

impl Deployed {
    /// Starts the binary with `args` and waits for `listeners` start-up lines.
    pub fn start(args: &[&str], listeners: usize) -> Self {
        Self::start_binary(&binary(), args, listeners)
    }

    /// Like [`start`](Self::start), with another copy of the binary.
    pub fn start_binary(binary: &std::path::Path, args: &[&str], listeners: usize) -> Self {
        let mut command = Command::new(binary);
        command
            .args(args)
            .env_remove("GATEWAY_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = spawn_fresh(&mut command);
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut deployed = Self {
            child,
            listening: Vec::new(),
            lines,
        };
        while deployed.listening.len() < listeners {
            let line = deployed
                .next_line(START_TIMEOUT)
                .expect("no start-up line in time");
            if let Some(at) = line.find("listening on ") {
                deployed
                    .listening
                    .push(line[at + "listening on ".len()..].to_owned());
            }
        }
        deployed
    }

    /// The next stderr line, if one comes within `timeout`.
    pub fn next_line(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Waits for a stderr line containing `needle`.
    pub fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(line) = self.next_line(deadline.saturating_duration_since(Instant::now())) {
            if line.contains(needle) {
                return line;
            }
        }
        panic!("no log line containing {needle:?}");
    }

    /// The TCP address of the `index`th listener (`http://127.0.0.1:PORT (...)`).
    pub fn addr(&self, index: usize) -> SocketAddr {
        let line = &self.listening[index];
        let rest = &line[line.find("://").unwrap() + 3..];
        rest[..rest.find(' ').unwrap()].parse().unwrap()
    }

    /// The server's pid (the master's with --workers).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`HUP`, `USR1`, ...) to the server.
    pub fn signal(&self, signal: &str) {
        signal_pid(self.child.id(), signal);
    }

    /// Collects the stderr lines that come within `wait`.
    pub fn lines_for(&self, wait: Duration) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut lines = Vec::new();
        while let Some(line) = self.next_line(deadline.saturating_duration_since(Instant::now())) {
            lines.push(line);
        }
        lines
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.terminate()
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        signal_pid(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.terminate();
        }
    }
}

/// Spawns `command`, whose binary may have just been written: while another thread of the
/// test forks, the writer's descriptor lives on in the child until it execs, and the kernel
/// refuses to run the file ("text file busy") for that moment.
pub fn spawn_fresh(command: &mut Command) -> Child {
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(error) if error.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            spawned => return spawned.unwrap(),
        }
    }
}

/// Sends `signal` (`TERM`, `KILL`, `HUP`, ...) to the process `pid`.
pub fn signal_pid(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// A uwsgi packet for a request: `vars` as (key, value) pairs, then `body`.
pub fn uwsgi_packet(vars: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut block = Vec::new();
    for (key, value) in vars {
        for part in [key.as_bytes(), value.as_bytes()] {
            block.extend_from_slice(&u16::try_from(part.len()).unwrap().to_le_bytes());
            block.extend_from_slice(part);
        }
    }
    let mut packet = vec![0];
    packet.extend_from_slice(&u16::try_from(block.len()).unwrap().to_le_bytes());
    packet.push(0);
    packet.extend_from_slice(&block);
    packet.extend_from_slice(body);
    packet
}

/// Sends `bytes` to `addr` and reads until the server closes (bounded).
pub fn exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    talk(addr, bytes, false)
}

/// Like [`exchange`], then says the client is done sending, as a truncated packet's sender
/// would (an HTTP server may close at once on a half-closed connection: not for HTTP).
pub fn exchange_half_closed(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    talk(addr, bytes, true)
}

fn talk(addr: SocketAddr, bytes: &[u8], half_close: bool) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    if half_close {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

/// The vars nginx sends for `GET path?query` (see /etc/nginx/uwsgi_params).
pub fn nginx_vars<'a>(method: &'a str, path: &'a str, query: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("QUERY_STRING", query),
        ("REQUEST_METHOD", method),
        ("CONTENT_TYPE", ""),
        ("CONTENT_LENGTH", ""),
        ("REQUEST_URI", path),
        ("PATH_INFO", path),
        ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REQUEST_SCHEME", "http"),
        ("REMOTE_ADDR", "192.0.2.7"),
        ("REMOTE_PORT", "51000"),
        ("SERVER_PORT", "80"),
        ("SERVER_NAME", "example.org"),
        ("HTTP_HOST", "example.org"),
    ]
}

/// Whether `tool` is on this machine; without it a test says it skipped, except under
/// `CI=true`, where it fails.
pub fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is missing, and CI=true: install it (.ci/run does)"
        );
        eprintln!("skipped: {tool} is not installed");
    }
    found
}

/// A fresh directory of this test's own under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("gateway-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs curl with `args` (bounded by --max-time) and returns its stdout.
pub fn curl(args: &[&str]) -> String {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
