//! A call handed to the application pool and its response handed back, in one allocation.
//!
//! The pool used to take a boxed closure and answer through a `tokio::sync::oneshot`: two
//! allocations per request of a plain `fn` application (8 per keep-alive request against raw
//! hyper's 5). Here the closure and the slot its response comes back in share one reference
//! counted allocation: the pool holds it as a [`Job`], the I/O task as an [`Answer`] future.

use crate::body::ResponseBody;
use http::Response;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// A job for the pool: run once, or dropped unrun (the pool closed before a thread took it).
pub(crate) trait Job: Send + Sync {
    /// Runs the call on this (pool) thread.
    fn run(&self);
    /// The call will never run: its waiting request answers 500.
    fn abandon(&self);
}

/// The response of a job that runs `F`, awaited by the request that handed it over; dropping
/// it (the client left) tells the job, which then never calls the application.
pub(crate) struct Answer<F: Send + 'static>(Arc<Call<F>>);

/// What a job's closure is given: where its response goes.
pub(crate) struct Reply<'a> {
    state: &'a Mutex<State>,
}

struct Call<F> {
    job: Mutex<Option<F>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    response: Option<Response<ResponseBody>>,
    waker: Option<Waker>,
    /// The job ran (or never will): no response comes after this one.
    done: bool,
    /// The [`Answer`] was dropped: nobody waits for a response.
    gone: bool,
}

/// `job` as a [`Job`] for the pool, and the [`Answer`] to await its response.
// Inlined into its caller, which then builds the (large) closure where the allocation is
// filled from, instead of copying it through this function's frame.
#[inline(always)]
pub(crate) fn hand_off<F>(job: F) -> (Arc<dyn Job>, Answer<F>)
where
    F: FnOnce(Reply<'_>) + Send + 'static,
{
    let call = Arc::new(Call {
        job: Mutex::new(Some(job)),
        state: Mutex::new(State::default()),
    });
    (call.clone(), Answer(call))
}

impl<F: FnOnce(Reply<'_>) + Send + 'static> Job for Call<F> {
    fn run(&self) {
        // Finished also when the job unwinds: its request answers 500 instead of waiting.
        let _finish = Finish(self);
        let job = lock(&self.job).take();
        if let Some(job) = job {
            job(Reply { state: &self.state });
        }
    }

    fn abandon(&self) {
        drop(lock(&self.job).take());
        self.finish();
    }
}

/// Finishes its call when dropped.
struct Finish<'a, F>(&'a Call<F>);

impl<F> Drop for Finish<'_, F> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

impl<F> Call<F> {
    fn finish(&self) {
        let waker = {
            let mut state = lock(&self.state);
            state.done = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Reply<'_> {
    /// Whether nobody waits for the response any more (the client left).
    pub(crate) fn is_closed(&self) -> bool {
        lock(self.state).gone
    }

    /// Hands the response back; false (and the response dropped) if nobody waits for it.
    pub(crate) fn send(self, response: Response<ResponseBody>) -> bool {
        let waker = {
            let mut state = lock(self.state);
            if state.gone {
                return false;
            }
            state.response = Some(response);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }
}

impl<F: Send + 'static> Future for Answer<F> {
    /// `None` when the job ended (or was dropped) without a response.
    type Output = Option<Response<ResponseBody>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = lock(&self.0.state);
        if let Some(response) = state.response.take() {
            return Poll::Ready(Some(response));
        }
        if state.done {
            return Poll::Ready(None);
        }
        match &mut state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            waker => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<F: Send + 'static> Drop for Answer<F> {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        state.gone = true;
        state.waker = None;
    }
}

/// A lock nobody panics while holding (no application code runs under it).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Rest;

    fn response() -> Response<ResponseBody> {
        Response::new(ResponseBody::new(None, Rest::Done))
    }

    #[tokio::test]
    async fn the_response_comes_back() {
        let (job, answer) = hand_off(|reply: Reply<'_>| {
            assert!(!reply.is_closed());
            assert!(reply.send(response()));
        });
        std::thread::spawn(move || job.run());
        assert!(answer.await.is_some());
    }

    #[tokio::test]
    async fn a_job_dropped_unrun_or_without_a_response_ends_the_wait() {
        let (job, answer) = hand_off(|_: Reply<'_>| unreachable!("never runs"));
        job.abandon();
        assert!(answer.await.is_none());
        let (job, answer) = hand_off(|_: Reply<'_>| {});
        job.run();
        assert!(answer.await.is_none());
    }

    #[tokio::test]
    async fn a_job_that_panics_ends_the_wait() {
        let (job, answer) = hand_off(|_: Reply<'_>| panic!("the job fails"));
        let ran = std::thread::spawn(move || job.run()).join();
        assert!(ran.is_err());
        assert!(answer.await.is_none());
    }

    #[test]
    fn a_job_whose_request_left_sees_it() {
        let (job, answer) = hand_off(|reply: Reply<'_>| {
            assert!(reply.is_closed());
            assert!(!reply.send(response()));
        });
        drop(answer);
        job.run();
    }
}
