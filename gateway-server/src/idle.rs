//! The header read timeout (slowloris defence), one lazy timer per connection.
//!
//! A connection with no request in flight must complete its next request head within the
//! timeout of going idle (being accepted, or finishing its last response), or it is closed.
//! That covers a client that connects and sends nothing, one that trickles a head a byte at a
//! time, and keep-alive connections left idle.
//!
//! hyper's own `http1().header_read_timeout` does this with a fresh timer for every request
//! head: a boxed `Sleep`, and a timer-wheel insertion and removal under the wheel's lock.
//! Measured with callgrind on the hello app (`BENCH_WORKERS=1`, wrk -c4): ~1,500
//! instructions per request, a tenth of the whole request. Here a request only counts itself
//! in and out and stamps the time when its response is done; the connection's one timer
//! fires at most once per timeout period and then looks at those stamps.

use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// What the requests of one connection are doing.
pub(crate) struct Activity {
    /// When the connection was accepted; the stamps below count nanoseconds from here.
    opened: Instant,
    in_flight: AtomicUsize,
    idle_since: AtomicU64,
}

/// A request in flight; dropping it (when its response is done or abandoned) marks the
/// connection idle again, unless other requests (HTTP/2) are still in flight.
pub(crate) struct Busy(Arc<Activity>);

impl Activity {
    /// The activity of a connection accepted now.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
        })
    }

    /// Counts a request in until the returned guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    /// Completes once the connection has been idle for `timeout`: no request in flight, and
    /// none finished within `timeout`.
    pub(crate) fn idle_for(self: &Arc<Self>, timeout: Duration) -> impl Future<Output = ()> {
        let activity = self.clone();
        async move {
            let mut deadline = activity.opened + timeout;
            loop {
                tokio::time::sleep_until(deadline).await;
                if activity.in_flight.load(Ordering::Acquire) > 0 {
                    deadline = Instant::now() + timeout;
                    continue;
                }
                let idle_since = activity.opened
                    + Duration::from_nanos(activity.idle_since.load(Ordering::Acquire));
                if idle_since + timeout <= Instant::now() {
                    return;
                }
                deadline = idle_since + timeout;
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let activity = &self.0;
        // Stamp first, so that whoever sees the count reach zero sees the fresh stamp.
        let since_opened = activity.opened.elapsed().as_nanos();
        let since_opened = u64::try_from(since_opened).unwrap_or(u64::MAX);
        activity.idle_since.fetch_max(since_opened, Ordering::AcqRel);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_does_nothing_times_out_after_the_timeout() {
        let activity = Activity::new();
        let started = Instant::now();
        activity.idle_for(Duration::from_secs(30)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_flight_keeps_the_connection_open_and_its_end_restarts_the_clock() {
        let activity = Activity::new();
        let started = Instant::now();
        let busy = activity.begin();
        let idle = tokio::spawn(activity.idle_for(Duration::from_secs(30)));
        tokio::time::sleep(Duration::from_secs(100)).await;
        assert!(!idle.is_finished(), "a request is in flight");
        drop(busy);
        idle.await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(130) && waited <= Duration::from_secs(160),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn every_finished_request_restarts_the_clock() {
        let activity = Activity::new();
        let started = Instant::now();
        let idle = tokio::spawn(activity.idle_for(Duration::from_secs(30)));
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_secs(20)).await;
            drop(activity.begin());
        }
        idle.await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(130));
    }
}
