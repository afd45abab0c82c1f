//! The server's counters: requests by method and status class, latency, requests in flight,
//! connections, bytes, stuck threads. What `--stats` shows and `/metrics` exports.
//!
//! Counting costs a request a few relaxed atomic additions and no lock or allocation: the
//! label sets are few (8 methods x 5 status classes), so each has its own counter in a
//! fixed array, found by index, instead of prometheus-client's `Family` (a read lock and a
//! hash per lookup). prometheus-client encodes them at scrape time (see `stats/render.rs`).

use crate::stats::{ListenerStats, Snapshot, WorkerStats, LATENCY_BOUNDS_SECONDS};
use http::Method;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The methods counted by name; every other method counts as `OTHER`.
pub(crate) const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER",
];

/// The status classes counted: 1xx to 5xx.
pub(crate) const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The latency histogram's upper bounds, in microseconds (the seconds of
/// [`LATENCY_BOUNDS_SECONDS`]).
const LATENCY_BOUNDS_MICROS: [u64; 12] = [
    1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// The counters of one server (one process).
pub(crate) struct Metrics {
    started: SystemTime,
    requests: [[AtomicU64; CLASSES.len()]; METHODS.len()],
    /// Per bucket of [`LATENCY_BOUNDS_MICROS`], and one for slower requests (not cumulative).
    latency: [AtomicU64; LATENCY_BOUNDS_MICROS.len() + 1],
    latency_sum_micros: AtomicU64,
    in_flight: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    /// Threads running a call that harakiri gave up on.
    pub(crate) stuck_threads: AtomicU64,
    /// Notified when harakiri leaves a thread stuck: a worker then retires (`worker.rs`).
    pub(crate) got_stuck: tokio::sync::Notify,
    /// Requests stopped by harakiri.
    pub(crate) harakiri: AtomicU64,
    /// Set when shutdown begins: `/healthz` answers 503 from then on.
    pub(crate) draining: AtomicBool,
    /// One per listener, in the order they were added.
    pub(crate) listeners: Vec<Arc<Listener>>,
}

/// The counters of one listener.
pub(crate) struct Listener {
    /// `http://127.0.0.1:8000`, `unix:/run/app.sock`...
    pub(crate) address: String,
    /// `http`, `https` or `uwsgi`.
    pub(crate) protocol: &'static str,
    pub(crate) accepted: AtomicU64,
    pub(crate) open: AtomicU64,
}

/// One open connection of a listener; dropping it counts the connection closed.
pub(crate) struct Open(Arc<Listener>);

impl Listener {
    /// Counts a connection accepted and open until the returned guard is dropped.
    pub(crate) fn opened(self: &Arc<Self>) -> Open {
        self.accepted.fetch_add(1, Relaxed);
        self.open.fetch_add(1, Relaxed);
        Open(self.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Relaxed);
    }
}

impl Metrics {
    /// Counters for a server with these listeners (address, protocol).
    pub(crate) fn new(listeners: Vec<(String, &'static str)>) -> Self {
        Self {
            started: SystemTime::now(),
            requests: Default::default(),
            latency: Default::default(),
            latency_sum_micros: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            stuck_threads: AtomicU64::new(0),
            harakiri: AtomicU64::new(0),
            got_stuck: tokio::sync::Notify::new(),
            draining: AtomicBool::new(false),
            listeners: listeners
                .into_iter()
                .map(|(address, protocol)| {
                    Arc::new(Listener {
                        address,
                        protocol,
                        accepted: AtomicU64::new(0),
                        open: AtomicU64::new(0),
                    })
                })
                .collect(),
        }
    }

    /// A request began.
    pub(crate) fn begin(&self) {
        self.in_flight.fetch_add(1, Relaxed);
    }

    /// A request of `method` (an index of [`METHODS`]) ended with `status` after `took`.
    pub(crate) fn end(&self, method: u8, status: u16, took: Duration) {
        self.in_flight.fetch_sub(1, Relaxed);
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[usize::from(method)][class].fetch_add(1, Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = LATENCY_BOUNDS_MICROS
            .iter()
            .position(|&bound| micros <= bound)
            .unwrap_or(LATENCY_BOUNDS_MICROS.len());
        self.latency[bucket].fetch_add(1, Relaxed);
        self.latency_sum_micros.fetch_add(micros, Relaxed);
    }

    /// This process's numbers, as a master would collect them; `pool` is (busy, total)
    /// application threads.
    pub(crate) fn snapshot(&self, pool: (usize, usize)) -> Snapshot {
        let requests: Vec<Vec<u64>> = self
            .requests
            .iter()
            .map(|classes| classes.iter().map(|count| count.load(Relaxed)).collect())
            .collect();
        let class_total = |class: usize| requests.iter().map(|row| row[class]).sum::<u64>();
        let in_flight = self.in_flight.load(Relaxed);
        let stuck = self.stuck_threads.load(Relaxed);
        let worker = WorkerStats {
            pid: std::process::id(),
            requests: requests.iter().flatten().sum(),
            in_flight,
            errors_4xx: class_total(3),
            errors_5xx: class_total(4),
            rss_bytes: rss_bytes("self"),
            // Restarts, exits and the worker_restarts total: a master fills them in.
            restarts: 0,
            last_exit: None,
            stuck_threads: stuck,
            harakiri: self.harakiri.load(Relaxed),
        };
        Snapshot {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started_unix: self
                .started
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |since| since.as_secs()),
            draining: self.draining.load(Relaxed),
            workers: vec![worker],
            listeners: self
                .listeners
                .iter()
                .map(|listener| ListenerStats {
                    address: listener.address.clone(),
                    protocol: listener.protocol.to_owned(),
                    accepted: listener.accepted.load(Relaxed),
                    open: listener.open.load(Relaxed),
                })
                .collect(),
            requests,
            latency_buckets: self
                .latency
                .iter()
                .map(|count| count.load(Relaxed))
                .collect(),
            latency_sum_seconds: self.latency_sum_micros.load(Relaxed) as f64 / 1e6,
            in_flight,
            bytes_in: self.bytes_in.load(Relaxed),
            bytes_out: self.bytes_out.load(Relaxed),
            pool_busy: pool.0 as u64,
            pool_threads: pool.1 as u64,
            stuck_threads: stuck,
            worker_restarts: 0,
            harakiri: self.harakiri.load(Relaxed),
        }
    }
}

/// The index in [`METHODS`] of `method`.
pub(crate) fn method_index(method: &Method) -> u8 {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::PATCH => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

/// The resident memory of `process` (`self` or a pid), from `/proc/PROCESS/status` (0 where
/// there is none).
pub(crate) fn rss_bytes(process: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{process}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

const _: () = assert!(LATENCY_BOUNDS_MICROS.len() == LATENCY_BOUNDS_SECONDS.len());
