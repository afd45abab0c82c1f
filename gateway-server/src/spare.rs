//! The spare I/O thread, held out of tokio's scheduling while no inline call needs it.
//!
//! Plain `fn` calls run inline on the I/O threads (see `inline.rs`), and the runtime has one
//! I/O thread more than asked for, so that a call that blocks never takes the last one. Left
//! free, that spare is one more tokio worker: tokio wakes it whenever work is queued and no
//! worker looks for some, and on a one-core server the two workers then share the core in
//! turns of a few milliseconds, a connection on the one waiting for the core waiting with it.
//! Raw hyper with 2 workers on one core against 1 (`taskset -c 0`, `wrk -t1 -c64`, 4 rounds
//! each, 2026-11-30): p99 2.5-4.0 ms against 1.5-2.3 ms; the plain `fn` server with its free
//! spare had 3.3-4.8 ms.
//!
//! So the spare is held: a task ([`Spare::hold`]) that blocks whichever worker polls it on a
//! condition variable. tokio counts that worker busy, so it never wakes it, never gives it
//! the sockets to wait on, and queues nothing on it: the others run as if it did not exist.
//! The inline watcher lets it go ([`Spare::release`]) as soon as a call has been running at
//! two of its looks (5 to 10 ms: a call that blocks, or one long on a CPU); the freed worker
//! takes the stalled worker's queue and the sockets, as the spare always did. Once no call
//! is long any more, the watcher holds it again. This is Go's scheduler's move (sysmon hands
//! a processor on when a thread stays in a system call), at the watcher's grain: a call that
//! blocks stalls the other connections of its thread for 5 to 10 ms once, where the free
//! spare took them at once; on more than one core the other workers take them meanwhile.
//!
//! Held again, the spare's task may land on any worker: tasks queued on that worker are taken
//! by the others when their own queues run dry.

use crate::handoff::lock;
use std::sync::{Arc, Condvar, Mutex};
use tokio::runtime::Handle;

/// The spare I/O thread's hold.
pub(crate) struct Spare {
    state: Mutex<State>,
    changed: Condvar,
    runtime: Handle,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// The spare is a worker like the others.
    Free,
    /// A hold is queued or holds a worker.
    Held,
    /// The server stops: no worker is held again.
    Closed,
}

impl Spare {
    /// The hold for the runtime of `runtime`, not yet holding.
    pub(crate) fn new(runtime: Handle) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::Free),
            changed: Condvar::new(),
            runtime,
        })
    }

    /// Holds one worker, unless one is held already or the server stops.
    pub(crate) fn hold(self: &Arc<Self>) {
        {
            let mut state = lock(&self.state);
            if *state != State::Free {
                return;
            }
            *state = State::Held;
        }
        let spare = self.clone();
        drop(self.runtime.spawn(async move { spare.block() }));
    }

    /// Lets the held worker go (or the queued hold end at its first poll).
    pub(crate) fn release(&self) {
        let mut state = lock(&self.state);
        if *state == State::Held {
            *state = State::Free;
            self.changed.notify_all();
        }
    }

    /// Lets the held worker go for good: the runtime is about to shut down.
    pub(crate) fn close(&self) {
        *lock(&self.state) = State::Closed;
        self.changed.notify_all();
    }

    /// Whether a worker is held (or its hold queued).
    pub(crate) fn is_held(&self) -> bool {
        *lock(&self.state) == State::Held
    }

    /// The hold's task: blocks its worker until released.
    fn block(&self) {
        let state = lock(&self.state);
        drop(
            self.changed
                .wait_while(state, |state| *state == State::Held)
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn runtime(workers: usize) -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap()
    }

    /// The threads that ran `tasks` tasks spawned now.
    fn task_threads(runtime: &tokio::runtime::Runtime, tasks: usize) -> Vec<std::thread::ThreadId> {
        let mut threads: Vec<_> = runtime.block_on(async {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    tokio::spawn(async {
                        // Long enough that an idle worker would steal the others.
                        std::thread::sleep(Duration::from_millis(2));
                        std::thread::current().id()
                    })
                })
                .collect();
            let mut threads = Vec::new();
            for handle in handles {
                threads.push(handle.await.unwrap());
            }
            threads
        });
        threads.sort_unstable_by_key(|id| format!("{id:?}"));
        threads.dedup();
        threads
    }

    #[test]
    fn a_held_worker_runs_no_task_until_released() {
        let runtime = runtime(2);
        let spare = Spare::new(runtime.handle().clone());
        spare.hold();
        assert!(spare.is_held());
        // The hold was queued first: a worker is in it before the tasks come.
        assert_eq!(task_threads(&runtime, 40).len(), 1, "one worker left");
        spare.release();
        assert!(!spare.is_held());
        let deadline = Instant::now() + Duration::from_secs(10);
        while task_threads(&runtime, 40).len() < 2 {
            assert!(
                Instant::now() < deadline,
                "the released worker runs tasks again"
            );
        }
    }

    #[test]
    fn a_second_hold_is_a_no_op_and_close_ends_holding() {
        let runtime = runtime(2);
        let spare = Spare::new(runtime.handle().clone());
        spare.hold();
        spare.hold();
        assert_eq!(
            task_threads(&runtime, 40).len(),
            1,
            "one worker held, not two"
        );
        spare.close();
        spare.hold();
        assert!(!spare.is_held());
        // Shutting down waits for every worker: none is held.
        runtime.shutdown_timeout(Duration::from_secs(5));
    }
}
