//! A bounded load of GET requests from many client threads, each request on a connection of
//! its own (`Connection: close`), so that every request counts: one that is refused, reset or
//! answered with anything but 200 is a failure.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest a load runs, whatever the test does.
const MAX_RUN: Duration = Duration::from_secs(30);

/// Requests sent and failed, and the first failures' reasons.
#[derive(Debug, Default)]
pub struct Counts {
    pub sent: usize,
    pub failed: usize,
    pub failures: Vec<String>,
    /// The answers' bodies (the deploy example's `/sleep` names its worker's pid).
    pub bodies: Vec<String>,
}

/// Client threads sending requests until stopped.
pub struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<Counts>>,
}

impl Load {
    /// `connections` threads, each sending `GET path` one after another to `addr`.
    pub fn start(addr: SocketAddr, connections: usize, path: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..connections)
            .map(|_| {
                let stop = stop.clone();
                let path = path.to_owned();
                std::thread::spawn(move || {
                    let started = Instant::now();
                    let mut counts = Counts::default();
                    while !stop.load(Ordering::Relaxed) && started.elapsed() < MAX_RUN {
                        counts.add(one(addr, &path));
                    }
                    counts
                })
            })
            .collect();
        Self { stop, threads }
    }

    /// Stops the threads after their request in flight and adds up their counts.
    pub fn finish(self) -> Counts {
        self.stop.store(true, Ordering::Relaxed);
        let mut total = Counts::default();
        for thread in self.threads {
            let counts = thread.join().unwrap();
            total.sent += counts.sent;
            total.failed += counts.failed;
            total.failures.extend(counts.failures);
            total.bodies.extend(counts.bodies);
        }
        total.failures.truncate(5);
        total
    }
}

impl Counts {
    fn add(&mut self, answer: Result<String, String>) {
        self.sent += 1;
        match answer {
            Ok(body) => {
                if !self.bodies.contains(&body) {
                    self.bodies.push(body);
                }
            }
            Err(why) => {
                self.failed += 1;
                self.failures.push(why);
            }
        }
    }
}

/// One request on a new connection: its body if the answer is 200.
pub fn one(addr: SocketAddr, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("read: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    if !answer.starts_with("HTTP/1.1 200") {
        return Err(format!("answer: {:?}", answer.lines().next()));
    }
    Ok(answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .trim()
        .to_owned())
}
