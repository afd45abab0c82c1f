//! `--harakiri SECS`: a request still running after this long is given up on. It answers 504
//! if nothing was sent yet, else its connection is closed; either way the connection is
//! freed and the route and time are logged.
//!
//! A thread cannot be killed in Rust (nor safely in any language that shares memory), so
//! the thread running a blocking call that harakiri gave up on keeps running it: it is
//! counted as stuck (the `stuck_threads` metric) until the call returns, and what it returns
//! is discarded. The pool counts it as blocked (see `pool.rs`) and starts another thread in
//! its place, so it costs the pool one thread out of `--threads`. A worker of `--workers`
//! with a stuck thread retires (see `worker.rs`): it drains and exits, the master starts a
//! fresh one, and the stuck call ends with the process. An `async` application's future is
//! dropped instead: nothing stays stuck.

use crate::metrics::Metrics;
use gateway_core::host::{log, Level};
use http::{Method, Uri};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::Context;
use std::time::{Duration, Instant};
use tokio::time::Sleep;

const RUNNING: u8 = 0;
const DONE: u8 = 1;
const GIVEN_UP: u8 = 2;

/// One request's blocking call, as harakiri and the thread running it both see it.
#[derive(Clone)]
pub(crate) struct Call {
    state: Arc<AtomicU8>,
    metrics: Arc<Metrics>,
    started: Instant,
}

impl Call {
    /// A call of a request that started at `started`.
    pub(crate) fn new(metrics: Arc<Metrics>, started: Instant) -> Self {
        Self {
            state: Arc::new(AtomicU8::new(RUNNING)),
            metrics,
            started,
        }
    }

    /// Gives up on the call if it is still running (then its thread counts as stuck), and
    /// logs it. False when the call had just returned: its answer stands.
    pub(crate) fn give_up(&self, method: &Method, uri: &Uri, limit: Duration) -> bool {
        let given_up = self
            .state
            .compare_exchange(RUNNING, GIVEN_UP, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if given_up {
            self.metrics.stuck_threads.fetch_add(1, Ordering::Relaxed);
            self.metrics.harakiri.fetch_add(1, Ordering::Relaxed);
            self.metrics.got_stuck.notify_one();
            log(
                Level::Warn,
                format_args!(
                    "harakiri: {method} {} ran longer than {limit:?}; its connection is \
                     freed, its thread is stuck until the call returns",
                    uri.path()
                ),
            );
        }
        given_up
    }

    /// The thread's side: the call returned. A call given up on stops counting as stuck.
    pub(crate) fn returned(&self) {
        let was = self
            .state
            .compare_exchange(RUNNING, DONE, Ordering::SeqCst, Ordering::SeqCst);
        if was == Err(GIVEN_UP) {
            self.metrics.stuck_threads.fetch_sub(1, Ordering::Relaxed);
            log(
                Level::Info,
                format_args!(
                    "harakiri: a stuck call returned after {:?}; its result was discarded",
                    self.started.elapsed()
                ),
            );
        }
    }
}

/// What harakiri needs of a request: its limit, and its route for the log line.
pub(crate) type Limit = (Duration, Method, Uri);

/// `future` (an `async` application's), or `None` when it ran past the limit: then it is
/// dropped, and logged.
pub(crate) async fn limited<F: Future>(
    future: F,
    limit: Option<&Limit>,
    started: Instant,
    metrics: &Metrics,
) -> Option<F::Output> {
    let Some((limit, method, uri)) = limit else {
        return Some(future.await);
    };
    let deadline = tokio::time::Instant::from_std(started + *limit);
    if let Ok(output) = tokio::time::timeout_at(deadline, future).await {
        return Some(output);
    }
    metrics.harakiri.fetch_add(1, Ordering::Relaxed);
    log(
        Level::Warn,
        format_args!(
            "harakiri: {method} {} ran longer than {limit:?}; its future was dropped",
            uri.path()
        ),
    );
    None
}

/// The end of a streamed response's time: when it passes while the body still comes from
/// the thread, the call is given up on and the connection closed.
pub(crate) struct Deadline {
    sleep: Pin<Box<Sleep>>,
    call: Call,
    limit: Limit,
}

impl Deadline {
    /// A deadline at `at` for `call`.
    pub(crate) fn new(at: tokio::time::Instant, call: Call, limit: Limit) -> Self {
        Self {
            sleep: Box::pin(tokio::time::sleep_until(at)),
            call,
            limit,
        }
    }

    /// Whether the deadline passed and the call was given up on (else `cx` is woken then).
    pub(crate) fn poll_passed(&mut self, cx: &mut Context<'_>) -> bool {
        let (limit, method, uri) = &self.limit;
        self.sleep.as_mut().poll(cx).is_ready() && self.call.give_up(method, uri, *limit)
    }
}
