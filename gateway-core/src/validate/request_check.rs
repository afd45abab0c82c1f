//! One request under the validator: what the checks have seen so far, shared by the hooks on
//! `start_response` and the wrapper around the body, and what reporting a violation does.

use super::violation::Violation;
use crate::environ::Environ;
use crate::error_log::ErrorLog;
use crate::start_response::StartResponse;
use bytes::Bytes;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

/// One request under the validator.
pub(super) struct RequestCheck {
    /// The `start_response` the validator was given.
    pub(super) outer: StartResponse,
    /// The request's `wsgi.errors`, where violations are reported.
    pub(super) errors: ErrorLog,
    /// A `HEAD` request, whose body may be empty whatever its `Content-Length`.
    pub(super) is_head: bool,
    state: Mutex<State>,
}

/// What the checks have seen of one request.
#[derive(Default)]
pub(super) struct State {
    /// `start_response` was called (with or without error information).
    pub(super) started: bool,
    /// The status line last given.
    pub(super) status: String,
    /// Its code, when the status was valid.
    pub(super) code: Option<u16>,
    /// The `Content-Length` last given, when valid.
    pub(super) content_length: Option<u64>,
    /// Data from `write()`, handed to the server through the body, in order.
    pub(super) written: VecDeque<Bytes>,
    /// `write()` produced data (PEP 3333: the headers are sent then).
    pub(super) wrote: bool,
    /// The server is inside the application body's `next`.
    pub(super) iterating: bool,
    /// Bytes handed to the server.
    pub(super) produced: u64,
    /// A non-empty chunk was handed to the server: the head is out.
    pub(super) data_out: bool,
    /// The response was replaced by the 500 answer.
    pub(super) replaced: bool,
    /// The 500 answer's body was handed out.
    pub(super) error_body_given: bool,
    /// The body returned its end.
    pub(super) ended: bool,
    /// `HeadersSentEarly` was reported.
    pub(super) early_reported: bool,
}

impl RequestCheck {
    /// The check of the request `environ`, whose response goes to `outer`.
    pub(super) fn new(environ: &Environ, outer: StartResponse) -> Self {
        Self {
            errors: environ.error_log(),
            is_head: environ.get("REQUEST_METHOD") == Some("HEAD"),
            outer,
            state: Mutex::default(),
        }
    }

    /// The state; a panic in an application while it was held does not lose it.
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the response's head may be out: a non-empty chunk went to the server, or the
    /// server says it sent the head.
    pub(super) fn head_out(&self, state: &State) -> bool {
        state.data_out || self.outer.is_sent()
    }

    /// Writes `violation` to `wsgi.errors` and, for an error while the response can still be
    /// replaced, replaces it with the 500 answer.
    pub(super) fn report(&self, violation: Violation) {
        self.errors.line(&violation.report_line());
        if !violation.is_warning() {
            self.replace(&violation);
        }
    }

    /// [`report`](Self::report)s each of `violations`, in order.
    pub(super) fn report_all(&self, violations: Vec<Violation>) {
        for violation in violations {
            self.report(violation);
        }
    }

    /// Replaces the response with the 500 answer, unless its head may already be out.
    pub(super) fn replace(&self, reason: &dyn fmt::Display) {
        {
            let mut state = self.lock();
            if state.replaced || self.head_out(&state) {
                return;
            }
            state.replaced = true;
            state.written.clear();
        }
        let replaced = self.outer.with_exc_info(
            "500 Internal Server Error",
            &[("Content-Type", "text/plain")],
            reason,
        );
        if replaced.is_err() {
            self.lock().replaced = false;
        }
    }
}
