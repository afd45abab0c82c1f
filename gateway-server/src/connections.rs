//! The open connections of a server: closing idle ones (the header read timeout, a slowloris
//! defence) and closing all of them gracefully at shutdown.
//!
//! A connection with no request in flight must complete its next request head within the
//! timeout of going idle (being accepted, or finishing its last response), or it is closed.
//! That covers a client that connects and sends nothing, one that trickles a head a byte at a
//! time, a stalled HTTP/2 preface, and keep-alive connections left idle.
//!
//! Why not what hyper and hyper-util offer (measured on the hello app, 2 cores, wrk -c64):
//!
//! * hyper's `http1().header_read_timeout` arms a fresh timer for every request head: a boxed
//!   `Sleep`, and a timer-wheel insertion and removal under the wheel's lock, ~1,100
//!   instructions per request by callgrind;
//! * hyper-util's `GracefulShutdown`, or a per-connection `select!` over the connection, a
//!   stop signal and an idle timer, polls those extra futures on every wake of every
//!   connection: with the `select!`, throughput stayed ~12% below raw hyper; without it the
//!   same server matched raw hyper.
//!
//! So a connection here costs, per request, a few atomic counter updates, and per wake one
//! atomic load. One sweeper task per server looks at the counters a few times per timeout
//! period and flags connections that have been idle too long; shutdown flags all of them.
//! A flagged connection is woken and, on its next poll, closes (idle) or shuts down
//! gracefully (shutdown).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// The open connections of one server.
#[derive(Clone, Default)]
pub(crate) struct Connections(Arc<Registry>);

#[derive(Default)]
struct Registry {
    open: Mutex<Open>,
    /// Notified when the last open connection closes.
    all_closed: Notify,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    connections: HashMap<u64, Tracked>,
}

/// What the sweeper knows of one connection.
struct Tracked {
    watch: Arc<Watch>,
    /// The request counters as the sweeper last saw them (their sum), and when that changed.
    seen: u64,
    active_at: Instant,
}

/// What a connection and the server tell each other.
struct Watch {
    /// Requests begun, and finished (answered or abandoned).
    begun: AtomicU64,
    finished: AtomicU64,
    /// [`KEEP_OPEN`], [`FINISH`], [`FINISH_NOW`] or [`CLOSE`]: what the server asks of the
    /// connection.
    ask: AtomicU8,
    /// Where to wake the connection when `ask` changes.
    waker: Mutex<Option<Waker>>,
    /// Whether a request body was left unread on this connection: its close lingers.
    unread: AtomicBool,
}

const KEEP_OPEN: u8 = 0;
/// Shut down gracefully: finish the request in flight, then close; a connection that has
/// not sent its first request yet is served that one first (see [`FIRST_REQUEST_WAIT`]).
const FINISH: u8 = 1;
/// Shut down gracefully now, even a connection still waiting for its first request.
const FINISH_NOW: u8 = 2;
/// Idle too long, or too slow: close now.
const CLOSE: u8 = 3;

/// How long a shutdown waits for the first request of connections just accepted. A client
/// sends its request right after connecting: closing the connection in between (hyper closes
/// a connection with no request in flight at once) would reset a request the client has
/// sent, which another process sharing the listening socket (a worker of `--workers`) would
/// have answered. Connections that send nothing in that time are closed. Two seconds: with
/// half a second, a loaded test client on 2 cores (64 threads) now and then sent its request
/// later than that after its connect, and lost it.
const FIRST_REQUEST_WAIT: Duration = Duration::from_secs(2);

/// A connection's entry among the open ones; dropping it marks the connection closed.
pub(crate) struct Entry {
    registry: Arc<Registry>,
    id: u64,
    watch: Arc<Watch>,
}

/// Counts the requests of one connection (what its service holds).
#[derive(Clone)]
pub(crate) struct Requests(Arc<Watch>);

/// A request in flight; dropping it (when its response is done or abandoned) counts it as
/// finished.
pub(crate) struct Busy(Arc<Watch>);

/// Why [`Entry::serve`] stopped a connection before it ended by itself: idle too long, or
/// closed by [`Requests::close_connection`].
#[derive(Debug)]
pub(crate) struct Closed;

impl Connections {
    /// Registers a newly accepted connection.
    pub(crate) fn open(&self) -> Entry {
        let watch = Arc::new(Watch {
            begun: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            ask: AtomicU8::new(KEEP_OPEN),
            waker: Mutex::new(None),
            unread: AtomicBool::new(false),
        });
        let mut open = self.0.lock();
        let id = open.next_id;
        open.next_id += 1;
        open.connections.insert(
            id,
            Tracked {
                watch: watch.clone(),
                seen: 0,
                active_at: Instant::now(),
            },
        );
        Entry {
            registry: self.0.clone(),
            id,
            watch,
        }
    }

    /// Closes connections idle for `timeout`, forever: run it as a task and abort it when
    /// the server stops. It looks a few times per `timeout`, so a connection is closed
    /// between `timeout` and `timeout` plus a quarter of it (at most a second) after going
    /// idle.
    pub(crate) async fn close_idle(self, timeout: Duration) {
        let every = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let now = ticks.tick().await;
            let mut open = self.0.lock();
            for tracked in open.connections.values_mut() {
                // Finished first: a request that ends in between is still counted in flight.
                let finished = tracked.watch.finished.load(Ordering::Acquire);
                let begun = tracked.watch.begun.load(Ordering::Acquire);
                let seen = begun.wrapping_add(finished);
                if begun != finished || seen != tracked.seen {
                    tracked.seen = seen;
                    tracked.active_at = now;
                } else if now.duration_since(tracked.active_at) >= timeout {
                    tracked.watch.ask(CLOSE);
                }
            }
        }
    }

    /// Asks every open connection to finish and waits until they have all closed.
    pub(crate) async fn shutdown(&self) {
        let first = self.finish_all(FINISH);
        if tokio::time::timeout(FIRST_REQUEST_WAIT, first)
            .await
            .is_err()
        {
            self.finish_all(FINISH_NOW).await;
        }
    }

    /// Asks every open connection to do `what` and waits until they have all closed.
    async fn finish_all(&self, what: u8) {
        loop {
            // Listen before looking, so that a close in between is not missed.
            let all_closed = self.0.all_closed.notified();
            tokio::pin!(all_closed);
            all_closed.as_mut().enable();
            {
                let open = self.0.lock();
                if open.connections.is_empty() {
                    return;
                }
                for tracked in open.connections.values() {
                    tracked.watch.ask(what);
                }
            }
            all_closed.await;
        }
    }
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Open> {
        self.open
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Watch {
    /// Asks the connection to do `what` (never less than it was already asked), and wakes it.
    fn ask(&self, what: u8) {
        if self.ask.fetch_max(what, Ordering::AcqRel) < what {
            let waker = self
                .waker
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .clone();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Keeps `waker` as the one to wake.
    fn remember(&self, waker: &Waker) {
        *self
            .waker
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(waker.clone());
    }
}

impl Requests {
    /// Counts a request in until the returned guard is dropped.
    pub(crate) fn begin(&self) -> Busy {
        self.0.begun.fetch_add(1, Ordering::AcqRel);
        Busy(self.0.clone())
    }

    /// Closes the connection now, whatever is in flight on it (a client too slow to take
    /// its response).
    pub(crate) fn close_connection(&self) {
        self.0.ask(CLOSE);
    }

    /// Whether the connection is closed, or asked to close now: its queued requests have no
    /// one to answer to.
    pub(crate) fn is_closed(&self) -> bool {
        self.0.ask.load(Ordering::Acquire) == CLOSE
    }

    /// Notes that a request body was left unread: the client may still be sending it, so the
    /// connection's close lingers (see `transport.rs`).
    pub(crate) fn leave_body_unread(&self) {
        self.0.unread.store(true, Ordering::Relaxed);
    }

    /// Whether [`leave_body_unread`](Self::leave_body_unread) was called.
    pub(crate) fn body_left_unread(&self) -> bool {
        self.0.unread.load(Ordering::Relaxed)
    }
}

impl Entry {
    /// The request counter of this connection.
    pub(crate) fn requests(&self) -> Requests {
        Requests(self.watch.clone())
    }

    /// Drives `connection` to its end, unless it stays idle too long or is closed by
    /// [`Requests::close_connection`] (then `Err`); at shutdown `finish` tells it to finish
    /// gracefully.
    pub(crate) fn serve<C: Future, F: FnMut(Pin<&mut C>)>(
        self,
        connection: C,
        finish: F,
    ) -> Serve<C, F> {
        Serve {
            connection,
            entry: self,
            finish,
            finishing: false,
            remembered: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// A connection driven by its [`Entry`] (see [`Entry::serve`]). A future of our own, not
    /// an `async fn`: that kept the connection (1.7 KB of hyper's state) twice in every
    /// connection's task, as its argument and as its pinned local.
    pub(crate) struct Serve<C, F> {
        #[pin]
        connection: C,
        entry: Entry,
        finish: F,
        finishing: bool,
        remembered: Option<Waker>,
    }
}

impl<C: Future, F: FnMut(Pin<&mut C>)> Future for Serve<C, F> {
    type Output = Result<C::Output, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let watch = &this.entry.watch;
        // A task's waker rarely changes: the lock is taken about once per connection.
        if !this
            .remembered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            watch.remember(cx.waker());
            *this.remembered = Some(cx.waker().clone());
        }
        let ask = watch.ask.load(Ordering::Acquire);
        if ask == CLOSE {
            return Poll::Ready(Err(Closed));
        }
        let first_begun = || watch.begun.load(Ordering::Acquire) > 0;
        if !*this.finishing && (ask == FINISH_NOW || (ask == FINISH && first_begun())) {
            *this.finishing = true;
            (this.finish)(this.connection.as_mut());
        }
        let polled = this.connection.as_mut().poll(cx).map(Ok);
        if polled.is_pending() && !*this.finishing && ask == FINISH && first_begun() {
            // Its first request was just read: finish after it.
            *this.finishing = true;
            (this.finish)(this.connection.as_mut());
            cx.waker().wake_by_ref();
        }
        polled
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.watch.ask.store(CLOSE, Ordering::Release);
        let mut open = self.registry.lock();
        open.connections.remove(&self.id);
        if open.connections.is_empty() {
            self.registry.all_closed.notify_waiters();
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection that never ends by itself and records a graceful shutdown.
    struct Endless {
        finishing: bool,
    }

    impl Future for Endless {
        type Output = &'static str;
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<&'static str> {
            if self.finishing {
                Poll::Ready("finished")
            } else {
                Poll::Pending
            }
        }
    }

    fn serve(entry: Entry) -> impl Future<Output = Result<&'static str, Closed>> {
        entry.serve(Endless { finishing: false }, |mut endless| {
            endless.finishing = true;
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_idle_for_the_timeout_is_closed() {
        let connections = Connections::default();
        tokio::spawn(connections.clone().close_idle(Duration::from_secs(30)));
        let started = Instant::now();
        let served = serve(connections.open()).await;
        assert!(served.is_err());
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(30) && waited <= Duration::from_secs(32),
            "{waited:?}"
        );
        assert!(connections.0.lock().connections.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_or_finishing_keep_a_connection_open() {
        let connections = Connections::default();
        tokio::spawn(connections.clone().close_idle(Duration::from_secs(30)));
        let started = Instant::now();
        let entry = connections.open();
        let busy = entry.requests().begin();
        let serving = tokio::spawn(serve(entry));
        tokio::time::sleep(Duration::from_secs(100)).await;
        assert!(!serving.is_finished(), "a request is in flight");
        drop(busy);
        assert!(serving.await.unwrap().is_err(), "idle after its request");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(130) && waited <= Duration::from_secs(132),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_finishes_every_connection_gracefully_and_waits_for_them() {
        let connections = Connections::default();
        let first = tokio::spawn(serve(connections.open()));
        let second = tokio::spawn(serve(connections.open()));
        tokio::task::yield_now().await;
        tokio::time::timeout(Duration::from_secs(5), connections.shutdown())
            .await
            .expect("shutdown returns once both connections closed");
        assert_eq!(first.await.unwrap().unwrap(), "finished");
        assert_eq!(second.await.unwrap().unwrap(), "finished");
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_with_nothing_open_returns_at_once() {
        tokio::time::timeout(Duration::from_secs(5), Connections::default().shutdown())
            .await
            .expect("nothing to wait for");
    }
}
