//! The I/O threads' scheduling policy: Linux's `SCHED_BATCH` by default
//! ([`ServerBuilder::batch_scheduling`](crate::ServerBuilder::batch_scheduling),
//! `--batch-scheduling`).
//!
//! Under the default policy a thread that wakes up may preempt the one running on its core.
//! A busy server's I/O thread wakes for every client read and every answer an application
//! thread hands back, so it took the core from the interpreter thread that was about to
//! answer the next request, over and over: each a context switch that costs microseconds
//! on a virtual machine. A `SCHED_BATCH` thread woken that way waits for the running
//! thread's turn to end and then handles what has piled up; on an idle core it still runs
//! at once. The kernel's own words: "for workloads that want a deterministic scheduling
//! policy without interactivity causing extra preemptions (between the workload's tasks)".
//!
//! Measured on the 2-core VM (kernel 6.18), medians of 5 alternating rounds, wrk -t1 -c64:
//!
//! | server (2026-11-30) | I/O thread policy | req/s | CPU µs/req | I/O thread sleeps/req | p99 |
//! |---|---|---|---|---|---|
//! | gateway-python, 2 workers x 2 threads | normal | 38,872 | 30.0 | 0.161 | 4.9 ms |
//! | gateway-python, 2 workers x 2 threads | batch | 45,825 | 25.9 | 0.063 | 4.7 ms |
//! | granian, 2 workers (same rounds) | - | 33,956 | 44.1 | - | 7.1 ms |
//!
//! Rust applications (`bash bench/run.sh 5 3`, ratios to raw hyper, normal / batch): plain
//! `fn` h1 pinned 1.01/1.01 and 0.90/1.14, unpinned 0.86/1.24 and 0.91/1.15; `async fn` h1
//! pinned 0.82/1.23 and 0.81/1.26, unpinned 0.87/1.22 and 0.89/1.15; h2c `async fn` (4
//! rounds) 0.63/1.60 and 0.71/1.40: within the noise of this machine, or better.

/// Puts the calling thread under `SCHED_BATCH` (a tokio `on_thread_start` hook). Failing
/// is harmless (the thread keeps its policy), and a thread may always move from the default
/// policy to this one, so the result is not checked.
#[allow(unsafe_code)] // the one system call no safe crate wraps (nix and rustix do not)
pub(crate) fn batch() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` is a valid sched_param that outlives the call; pid 0 is the
        // calling thread.
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
    }
}
