//! The threads that run blocking (plain `fn`) applications.
//!
//! Measured with `bench/run.sh` on a 2-core machine (wrk -t1 -c64, the hello app, requests/s
//! relative to raw hyper in the same run):
//!
//! | how a plain `fn` application runs | ratio | a blocking call... |
//! |---|---|---|
//! | inline on the I/O thread | ~0.8 | stalls every connection on that thread |
//! | `block_in_place` | ~0.4 | hands the thread's queue away on every call |
//! | `spawn_blocking` (tokio's pool, up to 512 threads) | 0.39-0.48 | is isolated |
//! | `spawn_blocking`, pool capped at 8 / 2 threads | 0.56 / 0.76 | stalls all once 8 / 2 block |
//! | this pool, one mutex-guarded queue | 0.64-0.72 | is isolated |
//! | this pool, lock-free channel (now) | 0.91-0.92 | is isolated |
//!
//! tokio's pool grows to one thread per concurrent request and every handoff then wakes one
//! of dozens of sleeping threads. A pool that keeps about one busy thread per core is fast,
//! but a fixed small pool lets two sleeping requests stall everyone else.
//!
//! So this pool keeps `core` threads (one per I/O worker) and grows only when threads have
//! been inside one call for longer than [`STUCK_AFTER`]: those threads are blocked (a
//! database, a sleep), not busy. When fewer than `core` threads are left unblocked and jobs
//! wait, the pool starts one thread for every waiting job at once, up to its maximum (one
//! thread per check made 64 connections on a 100 ms endpoint level off near 30 threads and a
//! third of the possible rate). Extra threads retire after [`IDLE_RETIREMENT`] without work;
//! a pool whose `core` is its maximum is fixed (gunicorn's `--threads`). Jobs travel through a
//! lock-free bounded channel (a single mutex here was contended on every request): when it is
//! full, [`Pool::spawn`] refuses the job at once and the request is answered 503, instead of a
//! queue that grows without end. The monitor thread that does the growing reads the threads'
//! state from atomics, and sleeps while the pool is idle.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use gateway_core::host::{log, Level};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::Thread;
use std::time::{Duration, Instant};

/// A call running longer than this counts as blocked, and its thread is replaced. Well
/// above a scheduler time slice (a few ms): with 2 cores shared by the load, the I/O threads
/// and this pool, a busy thread is often preempted for 2-4 ms, and at 2 ms the pool grew
/// under plain CPU load (measured: throughput swung between 0.65x and 0.95x run to run).
pub(crate) const STUCK_AFTER: Duration = Duration::from_millis(20);

/// An extra thread (above the core count) with no work for this long exits.
pub(crate) const IDLE_RETIREMENT: Duration = Duration::from_secs(10);

/// A job, or `None`: "exit" (sent on close, one per thread).
type Job = Option<Box<dyn FnOnce() + Send>>;

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
    jobs: Sender<Job>,
    queue: Receiver<Job>,
    /// One per possible thread: 0 while free, 1 while waiting for a job, else 2 + the
    /// nanoseconds since `epoch` at which its current job started.
    slots: Box<[AtomicU64]>,
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
        let handle = std::thread::Builder::new()
            .name("gateway-pool-monitor".into())
            .spawn(move || monitor.watch())
            .expect("start the pool monitor thread");
        let _ = inner.monitor.set(handle.thread().clone());
        Self { inner }
    }

    /// Runs `job` on a pool thread, or refuses it when the queue is full.
    pub(crate) fn spawn(&self, job: impl FnOnce() + Send + 'static) -> Result<(), Full> {
        self.inner
            .jobs
            .try_send(Some(Box::new(job)))
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
        let (working, _) = self.inner.working_and_stuck();
        (working, self.inner.threads.load(Ordering::Relaxed))
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
        loop {
            match self.queue.recv_timeout(IDLE_RETIREMENT) {
                Ok(Some(job)) => {
                    let started = self.epoch.elapsed().as_nanos() as u64;
                    self.slots[slot].store(2 + started, Ordering::Release);
                    job();
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
            let (working, stuck) = self.working_and_stuck();
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
            if waiting > 0 && threads - stuck.min(threads) < self.core {
                // Threads are blocked and jobs wait: one new thread for each of them, now.
                for _ in 0..waiting.min(self.slots.len() - threads.min(self.slots.len())) {
                    self.start_thread();
                }
            }
            std::thread::park_timeout(STUCK_AFTER);
        }
    }

    /// How many threads run a job, and how many of those have run it for [`STUCK_AFTER`].
    fn working_and_stuck(&self) -> (usize, usize) {
        let now = self.epoch.elapsed().as_nanos() as u64;
        let stuck_after = STUCK_AFTER.as_nanos() as u64;
        let (mut working, mut stuck) = (0, 0);
        for slot in self.slots.iter() {
            let state = slot.load(Ordering::Acquire);
            if state > WAITING {
                working += 1;
                stuck += usize::from(now.saturating_sub(state - 2) >= stuck_after);
            }
        }
        (working, stuck)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

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
            pool.spawn(move || done.send(i).unwrap()).unwrap();
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
            pool.spawn(move || {
                let _ = blocked
                    .lock()
                    .unwrap()
                    .recv_timeout(Duration::from_secs(10));
            })
            .unwrap();
        }
        let (done, finished) = mpsc::channel();
        pool.spawn(move || done.send(()).unwrap()).unwrap();
        assert!(
            finished.recv_timeout(Duration::from_secs(5)).is_ok(),
            "the quick job ran beside the blocked ones"
        );
        drop(release);
        pool.close();
    }
}
