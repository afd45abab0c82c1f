//! The threads that run blocking (plain `fn`) applications.
//!
//! How a plain `fn` application runs is decided here. Measured on a 2-core machine shared
//! with other builds (2026-11-29): instructions per request under callgrind and context
//! switches per request over 8 keep-alive connections x 1000 requests (`bench/instructions.sh`,
//! repeatable under load), and server CPU per request against raw hyper (`bench/run.sh`,
//! medians of per-round ratios; earlier figures are req/s ratios from an older harness):
//!
//! | how a plain `fn` application runs | instr/req | switches/req | CPU/req × hyper | a blocking call... |
//! |---|---|---|---|---|
//! | (raw hyper, the floor) | 9,075 | 0.6 | 1.00 | - |
//! | (`async fn` on the I/O thread) | 14,167 | 0.7 | 1.23-1.29 | stalls its I/O thread |
//! | always inline on the I/O thread (the former forced `run_inline`) | 13,208 | 0.15 | - | stalls every connection on its thread |
//! | `block_in_place` | - | - | (req/s ~0.4) | hands the thread's queue away on every call |
//! | `spawn_blocking` (tokio's pool, up to 512 threads) | - | - | (req/s 0.39-0.48) | is isolated |
//! | this pool, boxed job + oneshot (before) | 17,333 | 2.6 | 1.73-1.76 | is isolated |
//! | this pool, one allocation per hand-off | 16,790 | 2.1-2.7 | see the README | is isolated |
//! | the same, route made on the pool thread, `hand_off` inlined | 16,501 | 1.2-1.5 | - | is isolated |
//! | inline while safe, else this pool (`inline.rs`; busy machine: 17,966 on the pool the same hour) | 14,255 | 0.3 | 1.12 pinned, 1.35 unpinned (busy) | holds one I/O thread, never the last, until seen (5-10 ms); later calls are isolated |
//! | the same, requests recorded only when read (now) | 12,862 | 0.53 (raw hyper 0.20) | - | as above |
//! | (tried, reverted) the spare I/O thread held out of tokio's scheduling until a call runs long | - | - | p99 pinned in A/B rounds 2.1-2.7 ms, 4.0-5.0 free | calls that block a few ms, never seen at two looks, took every active I/O thread; under CPU contention a retiring worker hung in its drain (see bench/README.md) |
//!
//! Under load (wrk, 64 connections) the hand-off is already batched: strace counts 0.03
//! futex calls, 0.07 `sched_yield` and 0.09 `epoll_wait` per request. What it costs is about
//! 3,000-3,600 instructions per request over running inline (queue, wake-ups, moving the
//! request between threads) and the caches of two threads. An earlier note here held that no
//! safe inline fits tokio's multi-thread runtime: a worker blocked in a call keeps the task in
//! its LIFO slot, an HTTP/2 connection's streams wait on it, and with as many blocking calls
//! as I/O threads every connection stalls. `inline.rs` answers each point: the runtime gets a
//! spare I/O thread and an inline call never takes the last one (the rest of a blocked
//! thread's queue is stolen by the others); the only poll that calls inline wakes no other
//! task before the call (the HTTP/2 stream's `yield_now` comes first), so the LIFO slot is
//! empty; an HTTP/2 stream is its own task, so its connection is never behind it; a watcher
//! sees a call that blocks within 5-10 ms, even while it runs, from then on hands calls
//! to this pool, and wakes another I/O thread to wait for the sockets (tokio lets one parked
//! thread do that, and it may be the blocked one's turn). Left: a call that blocks less than
//! a tick is not seen and holds its I/O thread that long; a task the call itself wakes (a
//! tokio channel) waits in that thread's LIFO slot until it returns.
//!
//! tokio's pool grows to one thread per concurrent request and every handoff then wakes one
//! of dozens of sleeping threads. A pool that keeps about one busy thread per core is fast,
//! but a fixed small pool lets two sleeping requests stall everyone else.
//!
//! So this pool keeps `core` threads (one per I/O worker) and grows only when threads have
//! been inside one call for longer than [`STUCK_AFTER`] and are asleep in it (a database, a
//! sleep), or on a CPU in it for [`BUSY_STUCK_AFTER`]. When fewer than `core` threads are left unblocked and jobs
//! wait, the pool starts one thread for every waiting job at once, up to its maximum (one
//! thread per check made 64 connections on a 100 ms endpoint level off near 30 threads and a
//! third of the possible rate). Extra threads retire after [`IDLE_RETIREMENT`] without work;
//! a pool whose `core` is its maximum is fixed (gunicorn's `--threads`). Jobs travel through a
//! lock-free bounded channel (a single mutex here was contended on every request): when it is
//! full, [`Pool::spawn`] refuses the job at once and the request is answered 503, instead of a
//! queue that grows without end. The monitor thread that does the growing reads the threads'
//! state from atomics, and sleeps while the pool is idle.

use crate::handoff::{lock, Job};
use crate::thread_state::ThreadState;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use gateway_core::host::{log, Level};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// A call running longer than this, asleep, counts as blocked, and its thread is replaced. Well
/// above a scheduler time slice (a few ms): with 2 cores shared by the load, the I/O threads
/// and this pool, a busy thread is often preempted for 2-4 ms, and at 2 ms the pool grew
/// under plain CPU load (measured: throughput swung between 0.65x and 0.95x run to run).
pub(crate) const STUCK_AFTER: Duration = Duration::from_millis(20);

/// A call that has run this long on a CPU (not asleep) counts as blocked too: a thread busy
/// for so long holds its place as a sleeping one does. Below it, only a thread the kernel
/// has asleep counts (see `thread_state.rs`): one preempted on a busy machine does not.
pub(crate) const BUSY_STUCK_AFTER: Duration = Duration::from_millis(200);

/// An extra thread (above the core count) with no work for this long exits.
pub(crate) const IDLE_RETIREMENT: Duration = Duration::from_secs(10);

/// A job, or `None`: "exit" (sent on close, one per thread).
type Message = Option<Queued>;

/// A job in the queue; one dropped unrun (the pool closed) is abandoned, so its request
/// answers instead of waiting forever.
struct Queued(Option<Arc<dyn Job>>);

impl Queued {
    fn run(mut self) {
        if let Some(job) = self.0.take() {
            job.run();
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        if let Some(job) = self.0.take() {
            job.abandon();
        }
    }
}

/// How many threads a [`Pool`] has, and how many jobs may wait for one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoolSize {
    /// Threads kept even while idle.
    pub(crate) core: usize,
    /// The most threads.
    pub(crate) max: usize,
    /// The most jobs waiting for a thread.
    pub(crate) queue: usize,
}

/// [`Pool::spawn`]'s refusal: every thread is busy and the queue is full.
#[derive(Debug)]
pub(crate) struct Full;

/// A pool of threads for calls that may block.
#[derive(Clone)]
pub(crate) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: Sender<Message>,
    queue: Receiver<Message>,
    /// One per possible thread: 0 while free, 1 while waiting for a job, else 2 + the
    /// nanoseconds since `epoch` at which its current job started.
    slots: Box<[AtomicU64]>,
    /// Where the monitor reads whether each slot's thread is asleep (set by the thread).
    states: Box<[Mutex<Option<ThreadState>>]>,
    epoch: Instant,
    threads: AtomicUsize,
    core: usize,
    monitor: std::sync::OnceLock<Thread>,
    monitor_asleep: AtomicBool,
    closed: AtomicBool,
    runtime: tokio::runtime::Handle,
}

const FREE: u64 = 0;
const WAITING: u64 = 1;

impl Pool {
    /// A pool of `size.core` threads that may grow to `size.max`; jobs run inside `runtime`'s
    /// context, so applications can use tokio's `Handle::current()`.
    pub(crate) fn new(size: PoolSize, runtime: tokio::runtime::Handle) -> Self {
        let max = size.max.max(1);
        let core = size.core;
        let (jobs, queue) = crossbeam_channel::bounded(size.queue.max(1));
        let inner = Arc::new(Inner {
            jobs,
            queue,
            slots: (0..max).map(|_| AtomicU64::new(FREE)).collect(),
            states: (0..max).map(|_| Mutex::new(None)).collect(),
            epoch: Instant::now(),
            threads: AtomicUsize::new(0),
            core: core.clamp(1, max),
            monitor: std::sync::OnceLock::new(),
            monitor_asleep: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            runtime,
        });
        for _ in 0..inner.core {
            inner.start_thread();
        }
        let monitor = inner.clone();
        start_watcher("gateway-pool-monitor", &inner.monitor, move || {
            monitor.watch()
        });
        Self { inner }
    }

    /// Runs `job` on a pool thread, or refuses it when the queue is full (see `handoff.rs`).
    pub(crate) fn spawn(&self, job: Arc<dyn Job>) -> Result<(), Full> {
        // A refused job is dropped here unrun: its answer says so, the caller answers 503.
        self.inner
            .jobs
            .try_send(Some(Queued(Some(job))))
            .map_err(|_| Full)?;
        if self.inner.monitor_asleep.swap(false, Ordering::SeqCst) {
            if let Some(monitor) = self.inner.monitor.get() {
                monitor.unpark();
            }
        }
        Ok(())
    }

    /// Threads running a job, and threads in all (for the stats).
    pub(crate) fn busy_and_threads(&self) -> (usize, usize) {
        (
            self.inner.working(),
            self.inner.threads.load(Ordering::Relaxed),
        )
    }

    /// Whether a thread is blocked in a call (see `Inner::stuck`).
    pub(crate) fn any_stuck(&self) -> bool {
        self.inner.stuck() > 0
    }

    /// Stops the threads once they finish what they run.
    pub(crate) fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        // Best effort: a thread that finds the queue full of work sees `closed` after it.
        for _ in 0..self.inner.threads.load(Ordering::SeqCst) {
            let _ = self.inner.jobs.try_send(None);
        }
        if let Some(monitor) = self.inner.monitor.get() {
            monitor.unpark();
        }
    }
}

impl Inner {
    fn start_thread(self: &Arc<Self>) {
        let claimed = self.slots.iter().position(|slot| {
            slot.compare_exchange(FREE, WAITING, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        let Some(slot) = claimed else { return };
        self.threads.fetch_add(1, Ordering::SeqCst);
        let inner = self.clone();
        let started = std::thread::Builder::new()
            .name("gateway-app".into())
            .spawn(move || inner.work_loop(slot));
        if started.is_err() {
            self.threads.fetch_sub(1, Ordering::SeqCst);
            self.slots[slot].store(FREE, Ordering::SeqCst);
            log(
                Level::Error,
                format_args!("could not start an application thread; requests wait for a free one"),
            );
        }
    }

    fn work_loop(self: Arc<Self>, slot: usize) {
        let _runtime = self.runtime.enter();
        *lock(&self.states[slot]) = ThreadState::current();
        loop {
            // A job already waiting is taken without reading the clock for a deadline.
            let next = match self.queue.try_recv() {
                Ok(message) => Ok(message),
                Err(_) => self.queue.recv_timeout(IDLE_RETIREMENT),
            };
            match next {
                Ok(Some(job)) => {
                    let started = self.epoch.elapsed().as_nanos() as u64;
                    self.slots[slot].store(2 + started, Ordering::Release);
                    job.run();
                    self.slots[slot].store(WAITING, Ordering::Release);
                }
                Ok(None) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) if self.closed.load(Ordering::SeqCst) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let threads = self.threads.load(Ordering::SeqCst);
                    let retire = threads > self.core
                        && self
                            .threads
                            .compare_exchange(
                                threads,
                                threads - 1,
                                Ordering::SeqCst,
                                Ordering::SeqCst,
                            )
                            .is_ok();
                    if retire {
                        self.slots[slot].store(FREE, Ordering::SeqCst);
                        return;
                    }
                }
            }
        }
        self.threads.fetch_sub(1, Ordering::SeqCst);
        self.slots[slot].store(FREE, Ordering::SeqCst);
    }

    /// While the pool works, replaces threads that are stuck in one call; it checks every
    /// [`STUCK_AFTER`], and sleeps until the next job while the pool is idle.
    fn watch(self: Arc<Self>) {
        while !self.closed.load(Ordering::SeqCst) {
            let working = self.working();
            if working == 0 && self.queue.is_empty() {
                self.monitor_asleep.store(true, Ordering::SeqCst);
                // Checked again after saying so: a job sent in between unparks us.
                if self.queue.is_empty() {
                    std::thread::park();
                }
                self.monitor_asleep.store(false, Ordering::SeqCst);
                continue;
            }
            let threads = self.threads.load(Ordering::SeqCst);
            let waiting = self.queue.len();
            if waiting > 0 && threads - self.stuck().min(threads) < self.core {
                // Threads are blocked and jobs wait: one new thread for each of them, now.
                for _ in 0..waiting.min(self.slots.len() - threads.min(self.slots.len())) {
                    self.start_thread();
                }
            }
            std::thread::park_timeout(STUCK_AFTER);
        }
    }

    /// How many threads run a job.
    fn working(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| slot.load(Ordering::Acquire) > WAITING)
            .count()
    }

    /// How many threads are blocked in a call: in it for [`STUCK_AFTER`] and asleep (or of
    /// unknown state), or in it for [`BUSY_STUCK_AFTER`].
    fn stuck(&self) -> usize {
        let now = self.epoch.elapsed().as_nanos() as u64;
        let (stuck_after, busy_after) = (
            STUCK_AFTER.as_nanos() as u64,
            BUSY_STUCK_AFTER.as_nanos() as u64,
        );
        let mut stuck = 0;
        for (slot, state) in self.slots.iter().zip(self.states.iter()) {
            let started = slot.load(Ordering::Acquire);
            if started <= WAITING {
                continue;
            }
            let running_for = now.saturating_sub(started - 2);
            let blocked = running_for >= busy_after
                || (running_for >= stuck_after
                    && lock(state).as_ref().and_then(ThreadState::is_running) != Some(true));
            stuck += usize::from(blocked);
        }
        stuck
    }
}

/// Starts the thread `name` that watches the threads of the server (the pool's monitor, the
/// inline watcher), and keeps its handle in `handle`, to wake it.
pub(crate) fn start_watcher(
    name: &str,
    handle: &std::sync::OnceLock<Thread>,
    watch: impl FnOnce() + Send + 'static,
) {
    let thread = std::thread::Builder::new()
        .name(name.into())
        .spawn(watch)
        .unwrap_or_else(|error| panic!("start the {name} thread: {error}"));
    let _ = handle.set(thread.thread().clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::{hand_off, Reply};
    use std::sync::mpsc;

    /// `f` as a job nobody waits for the answer of.
    fn job(f: impl FnOnce() + Send + 'static) -> Arc<dyn Job> {
        hand_off(move |_: Reply<'_>| f()).0
    }

    fn pool(core: usize, max: usize) -> (Pool, tokio::runtime::Runtime) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let size = PoolSize {
            core,
            max,
            queue: 1024,
        };
        (Pool::new(size, runtime.handle().clone()), runtime)
    }

    #[test]
    fn runs_every_job() {
        let (pool, _runtime) = pool(2, 4);
        let (done, finished) = mpsc::channel();
        for i in 0..100 {
            let done = done.clone();
            pool.spawn(job(move || done.send(i).unwrap())).unwrap();
        }
        let mut all: Vec<i32> = finished.iter().take(100).collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        pool.close();
    }

    #[test]
    fn blocked_threads_are_replaced_so_waiting_jobs_run() {
        let (pool, _runtime) = pool(1, 8);
        let (release, blocked) = mpsc::channel::<()>();
        let blocked = Arc::new(std::sync::Mutex::new(blocked));
        for _ in 0..3 {
            let blocked = blocked.clone();
            pool.spawn(job(move || {
                let _ = blocked
                    .lock()
                    .unwrap()
                    .recv_timeout(Duration::from_secs(10));
            }))
            .unwrap();
        }
        let (done, finished) = mpsc::channel();
        pool.spawn(job(move || done.send(()).unwrap())).unwrap();
        assert!(
            finished.recv_timeout(Duration::from_secs(5)).is_ok(),
            "the quick job ran beside the blocked ones"
        );
        drop(release);
        pool.close();
    }
}
