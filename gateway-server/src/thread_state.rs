//! Whether a thread is on a CPU (or waiting for one) rather than asleep: Linux's
//! `/proc/thread-self` names the thread, and the third field of its `stat` file is its
//! state (`R`: running or runnable; `S`, `D`: asleep in the kernel).
//!
//! The pool uses it to tell a call that blocks (a sleep, a database) from one that is only
//! slow because the machine is busy: on 2 cores shared with other work, a pool thread in a
//! microsecond call is often preempted for longer than `STUCK_AFTER` (see `pool.rs`), and
//! counting it as blocked grew the pool to 55 threads (HTTP/1) and 110 (HTTP/2) under the
//! benchmark's load, where one per core was enough.

use std::path::PathBuf;

/// Where the state of one thread can be read.
pub(crate) struct ThreadState {
    stat: PathBuf,
}

impl ThreadState {
    /// The calling thread's, or `None` where `/proc/thread-self` does not exist.
    pub(crate) fn current() -> Option<Self> {
        let task = std::fs::read_link("/proc/thread-self").ok()?;
        Some(Self {
            stat: PathBuf::from("/proc").join(task).join("stat"),
        })
    }

    /// Whether the thread is running or waiting for a CPU (`None`: unknown, e.g. it ended).
    pub(crate) fn is_running(&self) -> Option<bool> {
        let stat = std::fs::read(&self.stat).ok()?;
        // The command name (field 2) is in parentheses and may hold anything: the state is
        // the first field after the last ')'.
        let after = stat.iter().rposition(|&b| b == b')')?;
        let state = stat[after + 1..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())?;
        Some(*state == b'R')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_sleeping_thread_is_not_running_and_a_busy_one_is() {
        let Some(me) = ThreadState::current() else {
            return; // not Linux
        };
        assert_eq!(
            me.is_running(),
            Some(true),
            "this thread reads its own state"
        );
        let (tx, rx) = std::sync::mpsc::channel();
        let sleeper = std::thread::spawn(move || {
            tx.send(ThreadState::current().unwrap()).unwrap();
            std::thread::sleep(Duration::from_millis(500));
        });
        let state = rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(state.is_running(), Some(false));
        sleeper.join().unwrap();
    }
}
