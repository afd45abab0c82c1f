//! What the master shows of its workers on `--stats`: the latest [`Snapshot`] each live
//! worker sent (`STATS=` on the notify channel, about once a second and once more when it
//! has drained), the counts of the workers gone (kept, so that counters never go down), and
//! what only the master knows: restarts, exits, resident memory, whether it drains.

use crate::metrics::rss_bytes;
use crate::stats::{merge, Snapshot, WorkerStats};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// How long a gone worker's numbers stay apart: its final `STATS=`, sent just before it
/// exited, may be read after its exit was seen.
const LATE_STATS: Duration = Duration::from_secs(2);

/// The board, shared by the supervisor (which writes) and the stats server (which reads).
pub(crate) type Shared = Arc<Mutex<Board>>;

/// The master's view of its workers' numbers.
pub(crate) struct Board {
    started_unix: u64,
    draining: bool,
    /// Workers that died and were restarted.
    restarts: u64,
    /// Per place (a worker and the ones that replace it): restarts and the last exit.
    places: Vec<Place>,
    workers: Vec<Reported>,
    /// The counts of the workers gone, folded together.
    retired: Snapshot,
}

/// A worker's place: `--workers N` gives N, kept by a replacement or a restart.
#[derive(Clone, Default)]
struct Place {
    restarts: u64,
    last_exit: Option<String>,
}

/// A worker and what it last said.
struct Reported {
    pid: u32,
    place: usize,
    latest: Option<Snapshot>,
    /// When its exit was seen.
    gone: Option<Instant>,
}

impl Board {
    /// An empty board, shared.
    pub(crate) fn shared() -> Shared {
        let started_unix = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        Arc::new(Mutex::new(Self {
            started_unix,
            draining: false,
            restarts: 0,
            places: Vec::new(),
            workers: Vec::new(),
            retired: Snapshot {
                started_unix,
                ..Snapshot::default()
            },
        }))
    }

    /// Locks `board` (a panic elsewhere does not stop the stats).
    pub(crate) fn lock(board: &Shared) -> MutexGuard<'_, Self> {
        board.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// A worker started in `place`.
    pub(crate) fn started(&mut self, pid: u32, place: usize) {
        if self.places.len() <= place {
            self.places.resize(place + 1, Place::default());
        }
        self.workers.push(Reported {
            pid,
            place,
            latest: None,
            gone: None,
        });
    }

    /// A worker's `STATS=`; ignored from a pid the board does not know.
    pub(crate) fn reported(&mut self, pid: u32, snapshot: Snapshot) {
        if let Some(worker) = self.workers.iter_mut().find(|w| w.pid == pid) {
            worker.latest = Some(snapshot);
        }
    }

    /// A worker exited with `status`; `died` when the master restarts it (a crash, a kill),
    /// not when it stopped or retired as asked.
    pub(crate) fn exited(&mut self, pid: u32, status: String, died: bool) {
        let Some(worker) = self.workers.iter_mut().find(|w| w.pid == pid) else {
            return;
        };
        worker.gone = Some(Instant::now());
        let place = &mut self.places[worker.place];
        place.last_exit = Some(format!("{pid}: {status}"));
        if died {
            place.restarts += 1;
            self.restarts += 1;
        }
    }

    /// The master drains (SIGTERM): `/healthz` answers 503 from now on.
    pub(crate) fn drain(&mut self) {
        self.draining = true;
    }

    /// What the stats server renders: the master's own numbers, each live worker's latest
    /// with what the master knows of it, and the workers gone.
    pub(crate) fn snapshots(&mut self) -> Vec<Snapshot> {
        self.fold_gone(Instant::now());
        let master = Snapshot {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started_unix: self.started_unix,
            draining: self.draining,
            worker_restarts: self.restarts,
            ..Snapshot::default()
        };
        let mut snapshots = vec![master];
        for worker in &self.workers {
            let mut snapshot = worker.latest.clone().unwrap_or_default();
            if worker.gone.is_some() {
                snapshots.push(counts_only(snapshot));
                continue;
            }
            // A worker drains when it retires: the master's healthz is the master's own.
            snapshot.draining = false;
            if snapshot.workers.is_empty() {
                snapshot.workers.push(WorkerStats::default());
            }
            let place = &self.places[worker.place];
            for row in &mut snapshot.workers {
                row.pid = worker.pid;
                row.restarts = place.restarts;
                row.last_exit.clone_from(&place.last_exit);
                row.rss_bytes = rss_bytes(&worker.pid.to_string());
            }
            snapshots.push(snapshot);
        }
        snapshots.push(self.retired.clone());
        snapshots
    }

    /// Adds the counts of the workers gone for longer than [`LATE_STATS`] to `retired`.
    fn fold_gone(&mut self, now: Instant) {
        let mut index = 0;
        while index < self.workers.len() {
            match self.workers[index].gone {
                Some(gone) if now.duration_since(gone) >= LATE_STATS => {
                    let worker = self.workers.swap_remove(index);
                    let counts = counts_only(worker.latest.unwrap_or_default());
                    self.retired = merge(&[self.retired.clone(), counts]);
                }
                _ => index += 1,
            }
        }
    }
}

/// A gone worker's counters, without its row or its gauges (nothing of it is open now).
fn counts_only(mut snapshot: Snapshot) -> Snapshot {
    snapshot.workers.clear();
    snapshot.draining = false;
    snapshot.in_flight = 0;
    snapshot.pool_busy = 0;
    snapshot.pool_threads = 0;
    snapshot.stuck_threads = 0;
    for listener in &mut snapshot.listeners {
        listener.open = 0;
    }
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pid: u32, requests: u64) -> Snapshot {
        Snapshot {
            started_unix: u64::MAX,
            draining: true,
            workers: vec![WorkerStats {
                pid,
                requests,
                ..WorkerStats::default()
            }],
            requests: vec![vec![0, requests, 0, 0, 0]],
            in_flight: 1,
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_dead_worker_s_counts_stay_and_its_place_counts_the_restart() {
        let board = Board::shared();
        let mut board = Board::lock(&board);
        board.started(10, 0);
        board.started(11, 1);
        board.reported(10, report(10, 5));
        board.reported(11, report(11, 7));
        board.exited(10, "signal: 9 (SIGKILL)".into(), true);
        board.started(12, 0);
        let total = |board: &mut Board| merge(&board.snapshots());
        let seen = total(&mut board);
        assert_eq!(seen.requests, vec![vec![0, 12, 0, 0, 0]]);
        assert_eq!(
            seen.in_flight, 1,
            "the dead worker's request is not in flight"
        );
        assert!(!seen.draining, "a worker's drain is not the master's");
        assert_eq!(seen.worker_restarts, 1);
        let pids: Vec<_> = seen.workers.iter().map(|w| w.pid).collect();
        assert_eq!(pids, [11, 12]);
        assert_eq!(seen.workers[1].restarts, 1);
        assert_eq!(
            seen.workers[1].last_exit.as_deref(),
            Some("10: signal: 9 (SIGKILL)")
        );
        // Later, folded into the retired counts: the totals do not move.
        board.fold_gone(Instant::now() + LATE_STATS);
        assert_eq!(total(&mut board).requests, vec![vec![0, 12, 0, 0, 0]]);
        board.drain();
        assert!(total(&mut board).draining);
    }

    #[test]
    fn a_final_report_read_after_the_exit_still_counts() {
        let board = Board::shared();
        let mut board = Board::lock(&board);
        board.started(20, 0);
        board.reported(20, report(20, 3));
        board.exited(20, "exit status: 0".into(), false);
        board.reported(20, report(20, 4));
        let seen = merge(&board.snapshots());
        assert_eq!(seen.requests, vec![vec![0, 4, 0, 0, 0]]);
        assert_eq!(seen.worker_restarts, 0);
        assert!(seen.workers.is_empty());
    }
}
