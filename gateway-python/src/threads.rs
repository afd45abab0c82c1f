//! The interpreter threads: the only threads that run Python.
//!
//! Requests come from the I/O threads through one channel. A thread waits for a job without
//! the GIL, then takes the GIL and runs jobs for as long as the channel has some, releasing
//! it only when it is empty: under load one thread keeps the GIL and answers
//! request after request without a hand-over. (The prototype on this machine measured this
//! one dedicated thread at 3-4x tokio's `spawn_blocking`, which attaches per call from up to
//! 512 threads that fight over the GIL.) The other threads take the jobs left in the channel
//! while a job waits in I/O with the GIL released (`time.sleep`, a socket): that is what they
//! are for. (A queue that parks idle threads at once, without crossbeam's short spin, and
//! lets a thread take jobs only once it holds the GIL was tried: more context switches with
//! two threads, no less CPU with one; see docs/python.md.) On a free-threaded Python (no GIL)
//! the threads run jobs at the same time, each as soon as it takes one from the channel.

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use pyo3::Python;

/// One request's work, run on an interpreter thread with the GIL held.
pub(crate) type Job = Box<dyn for<'py> FnOnce(Python<'py>) + Send>;

/// The sending end of the interpreter threads' channel.
#[derive(Clone)]
pub(crate) struct Interpreters {
    jobs: Sender<Job>,
}

impl Interpreters {
    /// Starts `count` interpreter threads (at least one). They end when every
    /// `Interpreters` is dropped.
    pub(crate) fn start(count: usize) -> std::io::Result<Self> {
        // Unbounded: requests in flight are already bounded by the server's connection and
        // queue limits, and a refusal here could not be answered better than they are.
        let (jobs, queue) = crossbeam_channel::unbounded();
        for index in 0..count.max(1) {
            let queue: Receiver<Job> = queue.clone();
            std::thread::Builder::new()
                .name(format!("python-{index}"))
                .spawn(move || drain(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `job` on an interpreter thread.
    pub(crate) fn run(&self, job: Job) {
        // Fails only when every thread has ended, which happens only when the channel is
        // dropped: not while `self` exists.
        let _ = self.jobs.send(job);
    }
}

/// An interpreter thread: runs jobs while it has them, waits for the next without the GIL.
/// It stays attached to the interpreter for its whole life and only releases the GIL while
/// it waits: `Python::attach` on a thread without a Python thread state creates one (and its
/// 16 KiB frame stack, an `mmap`) and deletes it again on release (a `munmap`, which makes the
/// kernel flush the other cores' TLBs), and that was paid each time the queue ran empty.
fn drain(queue: &Receiver<Job>) {
    Python::attach(|py| loop {
        let job = match queue.try_recv() {
            Ok(job) => job,
            Err(TryRecvError::Empty) => match py.detach(|| queue.recv()) {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(TryRecvError::Disconnected) => return,
        };
        job(py);
    });
}
