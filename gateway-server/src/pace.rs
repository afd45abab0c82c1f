//! How slow a transfer may be: a timeout with a minimum rate, for request bodies (reading) and
//! responses (sending) alike.
//!
//! A transfer is only watched while it waits (a read with no data yet, a write into a full
//! socket or channel): a fast client never starts the clock. The first wait opens a window of
//! `timeout`; when the window ends, the transfer must have moved at least `timeout × min_rate`
//! bytes in it (and at least one byte), or it is too slow. A window that passes the test closes,
//! and the next wait opens a new one; so does a transfer that goes on without waiting (the
//! client keeps up: time the application spent producing or reading is not held against the
//! client, so a stream of events a minute apart never times out). So a client that stalls is
//! dropped after `timeout` (nginx's
//! `client_body_timeout` / `send_timeout`), and one that trickles (1 byte/s) after `timeout`
//! too, where a timeout between two reads alone would never fire (Apache's `mod_reqtimeout`
//! adds its `MinRate` for that reason).

use std::time::Duration;
use tokio::time::Instant;

/// A timeout and the minimum rate that goes with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PaceLimit {
    pub(crate) timeout: Duration,
    /// Bytes per second, sustained over a window of `timeout`.
    pub(crate) min_rate: u64,
}

/// The state of one transfer under a [`PaceLimit`].
#[derive(Debug)]
pub(crate) struct Pace {
    limit: PaceLimit,
    window: Option<Window>,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    moved: u64,
}

impl Pace {
    pub(crate) fn new(limit: PaceLimit) -> Self {
        Self {
            limit,
            window: None,
        }
    }

    /// The transfer has to wait: opens a window if none is open, and gives its end, when
    /// [`expired`](Self::expired) must be asked.
    pub(crate) fn wait(&mut self, now: Instant) -> Instant {
        let window = self.window.get_or_insert(Window {
            started: now,
            moved: 0,
        });
        window.started + self.limit.timeout
    }

    /// The transfer went on without waiting: the client keeps up, whatever the window held
    /// (time the application spent producing or consuming is not the client's).
    pub(crate) fn kept_up(&mut self) {
        self.window = None;
    }

    /// `bytes` moved after a wait; false when that ended a window in which too little moved.
    pub(crate) fn moved(&mut self, bytes: usize, now: Instant) -> bool {
        let Some(window) = self.window.as_mut() else {
            return true;
        };
        window.moved += bytes as u64;
        if now < window.started + self.limit.timeout {
            return true;
        }
        let fast_enough = self.fast_enough();
        self.window = None;
        fast_enough
    }

    /// The window's end has come while the transfer still waits: true when it is too slow;
    /// else a new window starts now.
    pub(crate) fn expired(&mut self, now: Instant) -> bool {
        if self
            .window
            .as_ref()
            .is_some_and(|window| now < window.started + self.limit.timeout)
        {
            return false;
        }
        if !self.fast_enough() {
            return true;
        }
        self.window = Some(Window {
            started: now,
            moved: 0,
        });
        false
    }

    fn fast_enough(&self) -> bool {
        let moved = self.window.as_ref().map_or(0, |window| window.moved);
        let needed = (self.limit.min_rate as f64 * self.limit.timeout.as_secs_f64()) as u64;
        moved > 0 && moved >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: PaceLimit = PaceLimit {
        timeout: Duration::from_secs(10),
        min_rate: 100,
    };

    #[test]
    fn a_transfer_that_never_waits_is_never_too_slow() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        for second in 0..100 {
            assert!(pace.moved(1, start + Duration::from_secs(second)));
        }
    }

    #[test]
    fn a_transfer_that_goes_on_without_waiting_closes_the_window() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        pace.wait(start);
        assert!(pace.moved(10, start + Duration::from_secs(1)));
        pace.kept_up(); // then an idle application for a minute: not the client's fault
        let next = pace.wait(start + Duration::from_secs(60));
        assert_eq!(next, start + Duration::from_secs(70));
    }

    #[test]
    fn a_stalled_transfer_is_too_slow_when_the_window_ends() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        let deadline = pace.wait(start);
        assert_eq!(deadline, start + LIMIT.timeout);
        assert!(!pace.expired(start + Duration::from_secs(5)), "not yet");
        assert!(pace.expired(deadline));
    }

    #[test]
    fn a_trickle_below_the_minimum_rate_is_too_slow() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        pace.wait(start);
        for second in 1..10 {
            assert!(pace.moved(1, start + Duration::from_secs(second)));
            pace.wait(start + Duration::from_secs(second));
        }
        assert!(
            !pace.moved(1, start + Duration::from_secs(10)),
            "10 bytes in 10 s"
        );
    }

    #[test]
    fn a_window_at_the_minimum_rate_passes_and_the_next_one_starts_fresh() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        pace.wait(start);
        assert!(pace.moved(1000, start + Duration::from_secs(3)));
        assert!(
            !pace.expired(start + Duration::from_secs(10)),
            "1000 bytes in 10 s"
        );
        let next = pace.wait(start + Duration::from_secs(11));
        assert_eq!(
            next,
            start + Duration::from_secs(20),
            "the new window began at 10 s"
        );
        assert!(pace.expired(next), "nothing moved in the second window");
    }
}
