//! Whether a plain `fn` call runs inline on its I/O thread or is handed to the pool: inline
//! while that is safe, handed off once the application is seen to block (the measures and
//! the table are in `pool.rs`).
//!
//! A call runs inline only when all of these hold, checked with two relaxed loads and one
//! atomic addition, no clock and no syscall:
//! - the application has not been seen to block in the last [`BLOCKING_FOR`];
//! - once it starts, at least one I/O thread is still outside an inline call (at most
//!   `I/O threads - 1` at once), so calls that block can never take every I/O thread: the
//!   one left steals the queued tasks of the others and polls the sockets. The runtime gets
//!   one I/O thread more than asked for, so that one core (a pinned server) still has one
//!   thread that may call inline;
//! - harakiri is off (an inline call cannot be given up on) and the request body was read
//!   whole (see `service.rs`).
//!
//! What "seen to block" means: a watcher thread looks at the I/O threads every [`TICK`] while
//! inline calls run (it sleeps otherwise). A thread found in the same call at two looks in a
//! row and asleep (a sleep, a socket, a lock: see `thread_state.rs`), or in it for
//! [`BUSY_STUCK_AFTER`], blocks: from then on every call is handed off, also while the stuck
//! call still runs. The mark lasts [`BLOCKING_FOR`]; when it ends while a pool thread is still
//! blocked in a call, it is renewed; else calls go inline again, and an application that
//! blocks only now and then costs one call on one I/O thread per period. A call that sleeps
//! less than a tick may go unseen: it holds its I/O thread that long, but never the last one.
//!
//! tokio forbids blocking on it from an I/O thread: `Handle::block_on`, a blocking client
//! that runs its own runtime (the `postgres` crate, `reqwest::blocking`) panic there, where
//! on an application thread they work. The first such panic in an inline call (its request
//! answers 500) hands every later call off for good, with a warning in the log.

use crate::handoff::lock;
use crate::pool::{start_watcher, Pool, BUSY_STUCK_AFTER};
use crate::thread_state::ThreadState;
use gateway_core::host::{log, Level};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};
use tokio::runtime::Handle;

/// How often the watcher looks at the inline calls while some run: a call in progress at two
/// looks in a row (5 to 10 ms) and asleep counts as blocking. Short enough that a blocking
/// call is noticed before it holds its thread long, long enough that 200 looks a second cost
/// nothing measurable (a few atomic loads each; `/proc` is read only for a long call).
pub(crate) const TICK: Duration = Duration::from_millis(5);

/// How long an application that was seen to block has its calls handed off. Long against
/// the calls it protects from (one blocking call costs one I/O thread that long at most once
/// per period), short enough that an application that blocked once at start-up (a cache
/// filled, a connection opened) runs inline soon after.
pub(crate) const BLOCKING_FOR: Duration = Duration::from_secs(10);

/// The server's decision of where plain `fn` calls run.
pub(crate) struct Inline {
    /// Inline calls in progress, alone on its cache line: written twice per call.
    running: Padded<AtomicUsize>,
    /// Read on every call, written rarely: its own line, shared by every core's cache.
    flags: Padded<Flags>,
    /// The most inline calls at once: the runtime's I/O threads less one.
    max: usize,
    /// One per I/O thread, claimed on its first inline call.
    slots: Box<[Padded<Slot>]>,
    claimed: AtomicUsize,
    /// The pool, asked whether a call still blocks there when the mark ends.
    pool: Pool,
    /// The runtime of the I/O threads, to wake one of them (see `watch`).
    runtime: Handle,
    watcher: OnceLock<Thread>,
    closed: AtomicBool,
    /// tokio refused to block in a call: calls are handed off for good.
    refused: AtomicBool,
}

struct Flags {
    /// The application was seen to block: calls are handed off.
    blocking: AtomicBool,
    /// The watcher sleeps until the next inline call.
    watcher_asleep: AtomicBool,
}

/// What the watcher knows of one I/O thread.
#[derive(Default)]
struct Slot {
    /// Twice the calls begun on the thread, plus one while one runs.
    calls: AtomicU64,
    state: Mutex<Option<ThreadState>>,
}

#[repr(align(128))]
struct Padded<T>(T);

thread_local! {
    /// This I/O thread's slot: the address of the [`Inline`] it belongs to and the index.
    static SLOT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// tokio refused to block on this thread (see [`note_panic`]).
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// The starts of tokio's panics when a thread that drives its tasks tries to block on it.
const TOKIO_REFUSALS: [&str; 3] = [
    "Cannot start a runtime from within a runtime",
    "Cannot block the current thread from within a runtime",
    "Cannot drop a runtime in a context where blocking is not allowed",
];

/// Called by the panic hook: notes on this thread that tokio refused to block on it.
pub(crate) fn note_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let text = (payload.downcast_ref::<&str>().copied())
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    if text.is_some_and(|text| TOKIO_REFUSALS.iter().any(|r| text.starts_with(r))) {
        REFUSED.set(true);
    }
}

/// An inline call in progress; ends (for the watcher and the count) when dropped.
pub(crate) struct InlineCall<'a> {
    inline: &'a Inline,
    slot: &'a Slot,
    calls: u64,
}

impl Inline {
    /// The decision for a runtime of `io_threads` I/O threads (one of them the spare);
    /// starts the watcher thread.
    pub(crate) fn new(io_threads: usize, pool: Pool, runtime: Handle) -> Arc<Self> {
        let inline = Arc::new(Self {
            running: Padded(AtomicUsize::new(0)),
            flags: Padded(Flags {
                blocking: AtomicBool::new(false),
                watcher_asleep: AtomicBool::new(false),
            }),
            max: io_threads.saturating_sub(1),
            // Room for threads tokio may add (`block_in_place` replaces a worker); a thread
            // without a slot hands its calls off.
            slots: (0..io_threads * 2)
                .map(|_| Padded(Slot::default()))
                .collect(),
            claimed: AtomicUsize::new(0),
            pool,
            runtime,
            watcher: OnceLock::new(),
            closed: AtomicBool::new(false),
            refused: AtomicBool::new(false),
        });
        let watching = inline.clone();
        start_watcher("gateway-inline-watch", &inline.watcher, move || {
            watching.watch()
        });
        inline
    }

    /// An inline call on this I/O thread, if one may run now (else hand the call off).
    #[inline]
    pub(crate) fn enter(&self) -> Option<InlineCall<'_>> {
        if self.flags.0.blocking.load(Ordering::Relaxed) {
            return None;
        }
        let slot = self.slot()?;
        // SeqCst: pairs with the watcher's check before it sleeps (`watch`).
        if self.running.0.fetch_add(1, Ordering::SeqCst) >= self.max {
            self.running.0.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let calls = slot.calls.load(Ordering::Relaxed);
        slot.calls.store(calls + 1, Ordering::Relaxed);
        if self.flags.0.watcher_asleep.load(Ordering::SeqCst) {
            self.wake_watcher();
        }
        Some(InlineCall {
            inline: self,
            slot,
            calls,
        })
    }

    /// Stops the watcher.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Some(watcher) = self.watcher.get() {
            watcher.unpark();
        }
    }

    /// This thread's slot, claimed on its first call.
    #[inline]
    fn slot(&self) -> Option<&Slot> {
        let me = self as *const Self as usize;
        let (owner, index) = SLOT.get();
        if owner == me {
            return Some(&self.slots[index].0);
        }
        let index = self.claimed.fetch_add(1, Ordering::Relaxed);
        let slot = &self.slots.get(index)?.0;
        *lock(&slot.state) = ThreadState::current();
        SLOT.set((me, index));
        Some(slot)
    }

    /// tokio refused to block in an inline call: every later call is handed off.
    #[cold]
    fn refused(&self) {
        self.flags.0.blocking.store(true, Ordering::Relaxed);
        if !self.refused.swap(true, Ordering::Relaxed) {
            log(
                Level::Warn,
                format_args!(
                    "the application blocked on tokio (Handle::block_on, or a blocking client \
                     with a runtime of its own) on an I/O thread, where tokio forbids it: that \
                     request failed, and every call now runs on the application threads \
                     (ServerBuilder::run_inline(false) avoids the failure)"
                ),
            );
        }
    }

    #[cold]
    fn wake_watcher(&self) {
        if self.flags.0.watcher_asleep.swap(false, Ordering::SeqCst) {
            if let Some(watcher) = self.watcher.get() {
                watcher.unpark();
            }
        }
    }

    /// Looks at the inline calls every [`TICK`] while some run; marks the application
    /// blocking, and lifts the mark.
    fn watch(self: Arc<Self>) {
        // Per slot: its `calls` at the last look, and how many looks in a row saw that call.
        let mut seen = vec![(0u64, 0u32); self.slots.len()];
        let mut blocking_until = None;
        let busy_looks = (BUSY_STUCK_AFTER.as_millis() / TICK.as_millis()) as u32;
        while !self.closed.load(Ordering::SeqCst) {
            let now = Instant::now();
            if blocking_until.is_some_and(|until| now >= until) {
                if self.pool.any_stuck() {
                    blocking_until = Some(now + BLOCKING_FOR);
                } else {
                    blocking_until = None;
                    if !self.refused.load(Ordering::Relaxed) {
                        self.flags.0.blocking.store(false, Ordering::Relaxed);
                        tracing::debug!("plain fn calls run inline again");
                    }
                }
            }
            let (mut blocked, mut long) = (false, false);
            for (slot, (last, looks)) in self.slots.iter().zip(seen.iter_mut()) {
                let calls = slot.0.calls.load(Ordering::Acquire);
                if calls % 2 == 0 || calls != *last {
                    (*last, *looks) = (calls, 0);
                    continue;
                }
                *looks += 1;
                long = true;
                let asleep = lock(&slot.0.state)
                    .as_ref()
                    .and_then(ThreadState::is_running)
                    != Some(true);
                blocked |= asleep || *looks >= busy_looks;
            }
            if long {
                // The other I/O threads may all be asleep on their own, none waiting for the
                // sockets' events (tokio has one thread at a time wait for them, and the one
                // in this call took its turn); a task sent from outside wakes one, which then
                // waits for them.
                drop(self.runtime.spawn(async {}));
            }
            if blocked {
                if blocking_until.is_none() {
                    tracing::debug!("a plain fn call blocked an I/O thread: calls are handed off");
                }
                self.flags.0.blocking.store(true, Ordering::Relaxed);
                blocking_until = Some(now + BLOCKING_FOR);
            }
            if self.running.0.load(Ordering::SeqCst) > 0 {
                std::thread::park_timeout(TICK);
                continue;
            }
            // No inline call runs: sleep until one starts (or the mark ends).
            self.flags.0.watcher_asleep.store(true, Ordering::SeqCst);
            if self.running.0.load(Ordering::SeqCst) == 0 {
                match blocking_until {
                    Some(until) => std::thread::park_timeout(until.saturating_duration_since(now)),
                    None => std::thread::park(),
                }
            }
            self.flags.0.watcher_asleep.store(false, Ordering::SeqCst);
            // At most one wake-up per tick, however often calls start.
            std::thread::park_timeout(TICK);
        }
    }
}

impl Drop for InlineCall<'_> {
    #[inline]
    fn drop(&mut self) {
        self.slot.calls.store(self.calls + 2, Ordering::Release);
        self.inline.running.0.fetch_sub(1, Ordering::Release);
        if REFUSED.replace(false) {
            self.inline.refused();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::PoolSize;

    fn inline(io_threads: usize) -> (Arc<Inline>, tokio::runtime::Runtime) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let size = PoolSize {
            core: 1,
            max: 1,
            queue: 1,
        };
        let pool = Pool::new(size, runtime.handle().clone());
        (
            Inline::new(io_threads, pool, runtime.handle().clone()),
            runtime,
        )
    }

    #[test]
    fn at_most_all_io_threads_but_one_call_inline() {
        let (inline, _runtime) = inline(3);
        let first = inline.enter().expect("the first call runs inline");
        let second = inline.enter().expect("so does the second");
        assert!(
            inline.enter().is_none(),
            "the third would take the last thread"
        );
        drop(first);
        assert!(inline.enter().is_some());
        drop(second);
        inline.close();
    }

    #[test]
    fn one_io_thread_never_calls_inline() {
        let (inline, _runtime) = inline(1);
        assert!(inline.enter().is_none());
        inline.close();
    }

    #[test]
    fn a_call_that_sleeps_is_seen_while_it_runs_and_later_calls_are_handed_off() {
        let (inline, _runtime) = inline(4);
        {
            let _call = inline.enter().expect("nothing blocked yet");
            std::thread::sleep(TICK * 8);
            // Seen while it still runs: a call on another thread is handed off now.
            let other = std::thread::scope(|s| s.spawn(|| inline.enter().is_none()).join());
            assert!(other.unwrap(), "handed off while the sleeping call runs");
        }
        assert!(inline.enter().is_none(), "still marked after it returned");
        inline.close();
    }
}
