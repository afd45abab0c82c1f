//! One process's numbers at one moment: a plain serializable struct, so a master can collect
//! its workers' snapshots and [`merge`] them before rendering.

use serde::{Deserialize, Serialize};

/// The latency histogram's upper bounds, in seconds.
pub(crate) const LATENCY_BOUNDS_SECONDS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The numbers of one server process, or of several merged.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    /// The gateway version.
    pub version: String,
    /// When the (earliest) process started, in seconds since the Unix epoch.
    pub started_unix: u64,
    /// Whether shutdown began (`/healthz` answers 503).
    pub draining: bool,
    /// One entry per worker process.
    pub workers: Vec<WorkerStats>,
    /// One entry per listener.
    pub listeners: Vec<ListenerStats>,
    /// Requests answered, by method (rows, see `metrics::METHODS`) and status class
    /// (columns: 1xx to 5xx).
    pub requests: Vec<Vec<u64>>,
    /// Requests per latency bucket (not cumulative; the last one is above every bound).
    pub latency_buckets: Vec<u64>,
    /// The sum of the requests' durations.
    pub latency_sum_seconds: f64,
    /// Requests begun and not yet finished.
    pub in_flight: u64,
    /// Bytes read from clients' connections.
    pub bytes_in: u64,
    /// Bytes written to clients' connections.
    pub bytes_out: u64,
    /// Application threads running a call.
    pub pool_busy: u64,
    /// Application threads.
    pub pool_threads: u64,
    /// Threads still running a call that harakiri gave up on.
    pub stuck_threads: u64,
    /// Worker processes restarted by the master.
    pub worker_restarts: u64,
    /// Requests stopped by harakiri (also per worker; this total outlives the workers).
    #[serde(default)]
    pub harakiri: u64,
}

/// One worker process, as uWSGI's stats server shows it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct WorkerStats {
    /// Its process id.
    pub pid: u32,
    /// Requests answered.
    pub requests: u64,
    /// Requests begun and not yet finished.
    pub in_flight: u64,
    /// Answers with a 4xx status.
    pub errors_4xx: u64,
    /// Answers with a 5xx status.
    pub errors_5xx: u64,
    /// Resident memory, in bytes.
    pub rss_bytes: u64,
    /// Times this worker slot was restarted.
    pub restarts: u64,
    /// How the previous worker of this slot ended, if one did.
    pub last_exit: Option<String>,
    /// Threads still running a call that harakiri gave up on.
    pub stuck_threads: u64,
    /// Requests stopped by harakiri.
    pub harakiri: u64,
}

/// One listener.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListenerStats {
    /// Where it listens.
    pub address: String,
    /// `http`, `https` or `uwsgi`.
    pub protocol: String,
    /// Connections accepted.
    pub accepted: u64,
    /// Connections open now.
    pub open: u64,
}

/// The sum of several processes' snapshots: workers side by side, everything else added up
/// (listeners with the same address are the same shared socket).
pub fn merge(snapshots: &[Snapshot]) -> Snapshot {
    let mut total = Snapshot::default();
    for (index, snapshot) in snapshots.iter().enumerate() {
        if index == 0 {
            total.version = snapshot.version.clone();
            total.started_unix = snapshot.started_unix;
        }
        total.started_unix = total.started_unix.min(snapshot.started_unix);
        total.draining |= snapshot.draining;
        total.workers.extend(snapshot.workers.iter().cloned());
        for listener in &snapshot.listeners {
            match total
                .listeners
                .iter_mut()
                .find(|seen| seen.address == listener.address)
            {
                Some(seen) => {
                    seen.accepted += listener.accepted;
                    seen.open += listener.open;
                }
                None => total.listeners.push(listener.clone()),
            }
        }
        add_grid(&mut total.requests, &snapshot.requests);
        add(&mut total.latency_buckets, &snapshot.latency_buckets);
        total.latency_sum_seconds += snapshot.latency_sum_seconds;
        total.in_flight += snapshot.in_flight;
        total.bytes_in += snapshot.bytes_in;
        total.bytes_out += snapshot.bytes_out;
        total.pool_busy += snapshot.pool_busy;
        total.pool_threads += snapshot.pool_threads;
        total.stuck_threads += snapshot.stuck_threads;
        total.worker_restarts += snapshot.worker_restarts;
        total.harakiri += snapshot.harakiri;
    }
    total
}

fn add_grid(total: &mut Vec<Vec<u64>>, more: &[Vec<u64>]) {
    if total.len() < more.len() {
        total.resize(more.len(), Vec::new());
    }
    for (row, more) in total.iter_mut().zip(more) {
        add(row, more);
    }
}

fn add(total: &mut Vec<u64>, more: &[u64]) {
    if total.len() < more.len() {
        total.resize(more.len(), 0);
    }
    for (sum, value) in total.iter_mut().zip(more) {
        *sum += value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(pid: u32, requests: u64) -> Snapshot {
        Snapshot {
            version: "1".into(),
            started_unix: 100 + u64::from(pid),
            workers: vec![WorkerStats {
                pid,
                requests,
                ..WorkerStats::default()
            }],
            listeners: vec![ListenerStats {
                address: "http://127.0.0.1:8000".into(),
                protocol: "http".into(),
                accepted: requests,
                open: 1,
            }],
            requests: vec![vec![0, requests, 0, 0, 0]],
            latency_buckets: vec![requests, 0],
            bytes_out: 10,
            ..Snapshot::default()
        }
    }

    #[test]
    fn merging_adds_the_counts_and_keeps_each_worker() {
        let total = merge(&[worker(1, 3), worker(2, 4)]);
        assert_eq!(total.workers.len(), 2);
        assert_eq!(total.started_unix, 101);
        assert_eq!(total.listeners.len(), 1, "the same shared socket");
        assert_eq!(
            (total.listeners[0].accepted, total.listeners[0].open),
            (7, 2)
        );
        assert_eq!(total.requests, vec![vec![0, 7, 0, 0, 0]]);
        assert_eq!(total.latency_buckets, vec![7, 0]);
        assert_eq!(total.bytes_out, 20);
    }

    #[test]
    fn a_snapshot_survives_json_as_a_master_would_receive_it() {
        let snapshot = worker(7, 1);
        let text = serde_json::to_string(&snapshot).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&text).unwrap(), snapshot);
    }
}
