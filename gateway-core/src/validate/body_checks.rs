//! The application's body as the server pulls it through the validator: the checks on each
//! chunk and on the end, the data `write()` produced, the 500 answer that replaces a broken
//! response, and the server's own side (the head sent too early, a body pulled after its
//! end).

use super::head_checks::forbids_content;
use super::request_check::RequestCheck;
use super::violation::Violation;
use crate::body::Body;
use crate::contract_error::ContractError;
use crate::host::SERVER_ERROR_BODY;
use bytes::Bytes;
use std::sync::Arc;

/// The body as the server sees it under the validator.
pub(super) struct CheckedBody {
    check: Arc<RequestCheck>,
    body: Option<Body>,
}

impl CheckedBody {
    /// The body the server gets: the application's `body` (none when the environ was
    /// refused) under `check`.
    pub(super) fn wrap(check: Arc<RequestCheck>, body: Option<Body>) -> Body {
        Body::from_iter(CheckedBody { check, body })
    }

    /// The end of the application's body: the checks that need all of it.
    fn end_of_body(&mut self) {
        self.body = None;
        let (started, shortfall) = {
            let state = self.check.lock();
            let exempt = self.check.is_head || state.code.is_some_and(forbids_content);
            let shortfall = state
                .content_length
                .filter(|&declared| !exempt && state.produced < declared)
                .map(|declared| (declared, state.produced));
            (state.started, shortfall)
        };
        if !started {
            self.check.report(Violation::NoStartResponse);
        } else if let Some((declared, produced)) = shortfall {
            self.check
                .report(Violation::BodyShorterThanContentLength { declared, produced });
        }
    }

    /// The checks on one chunk about to be handed to the server.
    fn check_chunk(&self, chunk: &Bytes, from_body: bool) {
        let mut problems = Vec::new();
        {
            let mut state = self.check.lock();
            if from_body && !state.started {
                problems.push(Violation::ChunkBeforeStartResponse);
            }
            let before = state.produced;
            state.produced += chunk.len() as u64;
            if let Some(declared) = state.content_length {
                if before <= declared && state.produced > declared {
                    problems.push(Violation::BodyLongerThanContentLength {
                        declared,
                        produced: state.produced,
                    });
                }
            }
            if !chunk.is_empty() && before == 0 && state.code.is_some_and(forbids_content) {
                problems.push(Violation::BodyNotAllowed {
                    status: state.status.clone(),
                });
            }
        }
        self.check.report_all(problems);
    }

    /// The application's body failed with `error`: a 500 if nothing was sent, else the
    /// failure goes on to the server, which closes the connection.
    fn failed(&mut self, error: ContractError) {
        self.body = None;
        let head_out = {
            let state = self.check.lock();
            self.check.head_out(&state)
        };
        if head_out {
            // `Body::from_iter` cannot carry an error: unwind, which the server turns into
            // the same failure (logged, connection closed).
            std::panic::resume_unwind(Box::new(error.to_string()));
        }
        self.check.errors.line(&error.to_string());
        self.check.replace(&error);
    }

    /// Hands out `chunk` (marking the head as sent when it is not empty), or the 500 answer
    /// if the checks replaced the response.
    fn hand_out(&mut self, chunk: Bytes) -> Option<Bytes> {
        let mut state = self.check.lock();
        if state.replaced {
            return None;
        }
        if !chunk.is_empty() {
            state.data_out = true;
        }
        Some(chunk)
    }

    /// The next chunk for the server, checked: `write()`'s data first, then the application's
    /// body; once the response was replaced, the 500 answer's body, once.
    fn pull(&mut self) -> Option<Bytes> {
        loop {
            {
                let mut state = self.check.lock();
                if state.replaced {
                    let given = std::mem::replace(&mut state.error_body_given, true);
                    drop(state);
                    self.body = None;
                    return (!given).then_some(Bytes::from_static(SERVER_ERROR_BODY.as_bytes()));
                }
                if let Some(chunk) = state.written.pop_front() {
                    drop(state);
                    self.check_chunk(&chunk, false);
                    match self.hand_out(chunk) {
                        Some(chunk) => return Some(chunk),
                        None => continue,
                    }
                }
                state.iterating = true;
            }
            let pulled = self.body.as_mut().map(Iterator::next);
            self.check.lock().iterating = false;
            let pulled = pulled?;
            match pulled {
                None => self.end_of_body(),
                Some(Err(error)) => self.failed(error),
                Some(Ok(chunk)) => {
                    self.check_chunk(&chunk, true);
                    if self
                        .body
                        .as_ref()
                        .is_some_and(|body| body.size_hint().1 == Some(0))
                    {
                        self.end_of_body();
                    }
                    if let Some(chunk) = self.hand_out(chunk) {
                        return Some(chunk);
                    }
                }
            }
        }
    }
}

impl Iterator for CheckedBody {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let (ended, early) = {
            let mut state = self.check.lock();
            let early = !state.data_out
                && !state.early_reported
                && !state.replaced
                && self.check.outer.is_sent();
            state.early_reported |= early;
            (state.ended, early)
        };
        if ended {
            self.check.report(Violation::PulledAfterEnd);
            return None;
        }
        if early {
            self.check.report(Violation::HeadersSentEarly);
        }
        let chunk = self.pull();
        if chunk.is_none() {
            self.check.lock().ended = true;
        }
        chunk
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let state = self.check.lock();
        if state.ended {
            return (0, Some(0));
        }
        if state.replaced {
            let left = usize::from(!state.error_body_given);
            return (left, Some(left));
        }
        let written = state.written.len();
        match &self.body {
            None => (written, Some(written)),
            Some(body) => {
                let (low, high) = body.size_hint();
                (
                    low.saturating_add(written),
                    high.and_then(|h| h.checked_add(written)),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::application::{Application, Outcome};
    use crate::body::Body;
    use crate::environ::Environ;
    use crate::start_response::StartResponse;
    use crate::validate::test_support::{assert_rejected, assert_reported, get, ok_app, PLAIN};
    use crate::validate::validator;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    // --- the body ---

    #[test]
    fn a_chunk_before_start_response_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            Body::from_iter(
                ["early", "late"]
                    .into_iter()
                    .enumerate()
                    .map(move |(i, c)| {
                        if i == 1 {
                            sr("200 OK", &[PLAIN]);
                        }
                        c
                    }),
            )
        });
        assert_rejected(
            &response,
            "the body produced a chunk before start_response was called; call it before \
             returning the body or in the body's first iteration",
        );
    }

    #[test]
    fn never_calling_start_response_is_refused() {
        let response = get(|_: &Environ, _: StartResponse| ());
        assert_rejected(&response, "the application never called start_response");
    }

    #[test]
    fn a_body_longer_than_its_content_length_is_refused_before_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "3")]);
            "too long"
        });
        assert_rejected(
            &response,
            "the body is longer than its Content-Length: 8 bytes so far, 3 declared",
        );
    }

    #[test]
    fn a_body_longer_than_its_content_length_is_reported_after_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "5")]);
            Body::from_iter(["abc", "defgh"])
        });
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), "abcde");
        assert_reported(
            &response,
            "the body is longer than its Content-Length: 8 bytes so far, 5 declared",
        );
    }

    #[test]
    fn a_body_shorter_than_its_content_length_is_refused_before_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "10")]);
            "short"
        });
        assert_rejected(&response, "the body had 5 bytes but Content-Length said 10");
    }

    #[test]
    fn a_body_shorter_than_its_content_length_is_reported_after_sending() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "10")]);
            Body::from_iter(["abc", "de"])
        });
        assert!(response.truncated);
        assert_reported(&response, "the body had 5 bytes but Content-Length said 10");
    }

    #[test]
    fn a_204_or_304_must_not_have_a_body() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("304 Not Modified", &[]);
            "content"
        });
        assert_rejected(
            &response,
            "a \"304 Not Modified\" response must not have a body",
        );
    }

    #[test]
    fn a_failed_body_still_answers_500() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            Err::<String, _>("database down")
        });
        assert_eq!(response.status, 500);
        assert_eq!(response.errors, ["the application failed: database down"]);
    }

    #[test]
    fn a_body_that_fails_after_sending_still_breaks_off() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            Body::from_iter(["a", "b"].into_iter().enumerate().map(|(i, c)| {
                if i == 1 {
                    panic!("mid-stream");
                }
                c
            }))
        });
        assert_eq!(response.status, 200);
        assert!(response.truncated);
        assert_eq!(response.errors, ["the application panicked: mid-stream"]);
    }

    // --- the server's side of the body ---

    fn call_directly(
        app: impl Application,
        start_response: &StartResponse,
    ) -> (Body, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let environ = Environ::builder()
            .error_sink(Arc::new(move |line: &str| {
                sink.lock().unwrap().push(line.to_owned())
            }))
            .build();
        match validator(app).call(environ, start_response.clone()) {
            Outcome::Ready(body) => (body, lines),
            Outcome::Pending(_) => unreachable!("a plain application"),
        }
    }

    #[test]
    fn pulling_the_body_after_its_end_is_reported() {
        let start_response = StartResponse::new();
        let (mut body, lines) = call_directly(ok_app, &start_response);
        assert_eq!(body.next().unwrap().unwrap(), "ok");
        assert!(body.next().is_none());
        assert!(body.next().is_none());
        assert_eq!(
            *lines.lock().unwrap(),
            [
                "validator: the server pulled the body again after it had ended; an ended \
              (closed) body must not be iterated"
            ]
        );
    }

    #[test]
    fn a_server_that_sends_the_head_before_the_first_chunk_is_reported() {
        let start_response = StartResponse::new();
        let (mut body, lines) = call_directly(ok_app, &start_response);
        start_response.outermost().lock().committed = true; // what granian does
        assert_eq!(body.next().unwrap().unwrap(), "ok");
        assert_eq!(lines.lock().unwrap().len(), 1);
        assert!(lines.lock().unwrap()[0].starts_with(
            "validator: the server sent the headers before the body produced a non-empty chunk"
        ));
    }

    #[test]
    fn the_application_body_is_dropped_once_when_replaced() {
        struct Counted(Arc<AtomicUsize>);
        impl Iterator for Counted {
            type Item = &'static str;
            fn next(&mut self) -> Option<&'static str> {
                Some("forever")
            }
        }
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let counted = drops.clone();
        let response = get(move |_: &Environ, sr: StartResponse| {
            sr("200 OK", &[]);
            Body::from_iter(Counted(counted.clone()))
        });
        assert_eq!(response.status, 500);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
