//! How slow a transfer may be: a timeout with a minimum rate, for request bodies (reading) and
//! responses (sending) alike.
//!
//! Only the time a transfer spends waiting for the client counts (a read with no data yet, a
//! write into a full socket or channel): a client that keeps up never starts the clock, and the
//! time the application spends producing or consuming is never held against the client (a
//! stream of events a minute apart never times out). Once `timeout` of waiting has added up,
//! the bytes moved meanwhile must come to at least `min_rate` per second of that waiting (and
//! to one byte at least), or the transfer is too slow; then the count starts again. So a
//! client that stalls is dropped after `timeout` (nginx's `client_body_timeout` /
//! `send_timeout`), and one that trickles (1 byte/s) after `timeout` too, where a timeout
//! between two reads alone would never fire (Apache's `mod_reqtimeout` adds its `MinRate` for
//! that reason).

use std::time::Duration;
use tokio::time::Instant;

/// A timeout and the minimum rate that goes with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PaceLimit {
    pub(crate) timeout: Duration,
    /// Bytes per second of waiting, over each `timeout` of waiting.
    pub(crate) min_rate: u64,
}

/// The state of one transfer under a [`PaceLimit`].
#[derive(Debug)]
pub(crate) struct Pace {
    limit: PaceLimit,
    /// Waiting added up since the count began, and bytes moved meanwhile.
    waited: Duration,
    moved: u64,
    /// When the current wait began, while the transfer waits.
    waiting_since: Option<Instant>,
}

impl Pace {
    pub(crate) fn new(limit: PaceLimit) -> Self {
        Self {
            limit,
            waited: Duration::ZERO,
            moved: 0,
            waiting_since: None,
        }
    }

    /// The transfer has to wait: gives the moment [`expired`](Self::expired) must be asked,
    /// when this wait has used up what is left of `timeout`.
    pub(crate) fn wait(&mut self, now: Instant) -> Instant {
        let since = *self.waiting_since.get_or_insert(now);
        since + self.limit.timeout.saturating_sub(self.waited)
    }

    /// `bytes` moved (after a wait or not); false when that closed a count in which too little
    /// moved. The clock (`now`) is read only after a wait: a transfer that keeps up pays no
    /// clock read per write.
    pub(crate) fn moved(&mut self, bytes: usize, now: impl FnOnce() -> Instant) -> bool {
        self.moved += bytes as u64;
        if self.waiting_since.is_none() {
            return true; // no waiting added, so no count can close
        }
        self.add_waiting(now());
        self.waiting_since = None;
        self.judge()
    }

    /// The moment [`wait`](Self::wait) gave has come while the transfer still waits: true
    /// when it is too slow.
    pub(crate) fn expired(&mut self, now: Instant) -> bool {
        self.add_waiting(now);
        self.waiting_since = Some(now);
        !self.judge()
    }

    fn add_waiting(&mut self, now: Instant) {
        if let Some(since) = self.waiting_since {
            self.waited += now.saturating_duration_since(since);
        }
    }

    /// Once `timeout` of waiting has added up: whether enough moved, and a new count.
    fn judge(&mut self) -> bool {
        if self.waited < self.limit.timeout {
            return true;
        }
        let needed = (self.limit.min_rate as f64 * self.waited.as_secs_f64()) as u64;
        let fast_enough = self.moved > 0 && self.moved >= needed;
        self.waited = Duration::ZERO;
        self.moved = 0;
        fast_enough
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: PaceLimit = PaceLimit {
        timeout: Duration::from_secs(10),
        min_rate: 100,
    };

    fn at(start: Instant, seconds: u64) -> Instant {
        start + Duration::from_secs(seconds)
    }

    #[test]
    fn a_transfer_that_never_waits_is_never_too_slow() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        for second in 0..100 {
            assert!(pace.moved(1, || at(start, second)));
        }
    }

    #[test]
    fn a_stalled_transfer_is_too_slow_once_the_timeout_has_passed() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        let deadline = pace.wait(start);
        assert_eq!(deadline, at(start, 10));
        assert_eq!(pace.wait(at(start, 5)), deadline, "the same wait");
        assert!(pace.expired(deadline));
    }

    #[test]
    fn a_trickle_below_the_minimum_rate_is_too_slow() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        for second in 0..9 {
            pace.wait(at(start, second));
            assert!(pace.moved(1, || at(start, second + 1)));
        }
        pace.wait(at(start, 9));
        assert!(
            !pace.moved(1, || at(start, 10)),
            "10 bytes in 10 s of waiting"
        );
    }

    #[test]
    fn enough_bytes_for_the_waiting_pass_and_the_count_starts_again() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        pace.wait(start);
        assert!(pace.moved(1000, || at(start, 3)));
        let deadline = pace.wait(at(start, 3));
        assert_eq!(deadline, at(start, 10), "7 s of the 10 left");
        assert!(!pace.expired(deadline), "1000 bytes in 10 s of waiting");
        assert_eq!(pace.wait(at(start, 10)), at(start, 20), "a new count");
        assert!(pace.expired(at(start, 20)), "nothing moved in the second");
    }

    #[test]
    fn time_the_application_spends_is_not_waiting() {
        let mut pace = Pace::new(LIMIT);
        let start = Instant::now();
        pace.wait(start);
        assert!(pace.moved(10, || at(start, 1)));
        // An idle application for a minute, then a write that does not wait.
        assert!(pace.moved(10, || at(start, 61)));
        assert_eq!(
            pace.wait(at(start, 61)),
            at(start, 70),
            "1 s of waiting so far"
        );
    }
}
