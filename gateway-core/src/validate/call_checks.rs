//! The application's side, second part: its calls to `start_response`, `with_exc_info` and
//! `write()`, seen through the validator's [`Intercept`] hooks.

use super::head_checks::check_head;
use super::request_check::RequestCheck;
use super::violation::Violation;
use crate::contract_error::ContractError;
use crate::start_response::{Intercept, StartResponse};
use bytes::Bytes;
use std::fmt;
use std::io;
use std::sync::Arc;

/// The validator's hooks on the application's `start_response` and `write()`.
pub(super) struct Hooks(pub(super) Arc<RequestCheck>);

impl Hooks {
    /// Checks a status and headers; records what they say; passes them on when they are
    /// valid and the response was not replaced. Returns whether they were valid.
    fn head(&self, status: &str, headers: &[(&str, &str)]) -> bool {
        let (problems, facts) = check_head(status, headers);
        let replaced = {
            let mut state = self.0.lock();
            state.started = true;
            state.status = status.to_owned();
            state.code = facts.code;
            state.content_length = facts.content_length;
            state.replaced
        };
        let valid = problems.is_empty();
        self.0.report_all(problems);
        valid && !replaced
    }
}

impl Intercept for Hooks {
    fn start_response(&self, outer: &StartResponse, status: &str, headers: &[(&str, &str)]) {
        if self.0.lock().started {
            self.0.report(Violation::StartResponseTwice);
            return;
        }
        if self.head(status, headers) {
            outer(status, headers);
        }
    }

    fn with_exc_info(
        &self,
        outer: &StartResponse,
        status: &str,
        headers: &[(&str, &str)],
        error: &dyn fmt::Display,
    ) -> Result<(), ContractError> {
        let (head_out, wrote) = {
            let state = self.0.lock();
            (self.0.head_out(&state), state.wrote)
        };
        if head_out {
            self.0.report(Violation::ExcInfoAfterSent);
            return Err(ContractError::HeadersAlreadySent);
        }
        if wrote {
            self.0.report(Violation::ExcInfoAfterWrite);
            return Err(ContractError::HeadersAlreadySent);
        }
        if self.head(status, headers) {
            outer.with_exc_info(status, headers, error)?;
        }
        Ok(())
    }

    fn write(&self, _outer: &StartResponse, data: &[u8]) -> io::Result<()> {
        let (started, iterating) = {
            let state = self.0.lock();
            (state.started, state.iterating)
        };
        if !started {
            self.0.report(Violation::WriteBeforeStartResponse);
            return Err(io::Error::other(ContractError::WriteBeforeStartResponse));
        }
        if iterating {
            self.0.report(Violation::WriteDuringIteration);
        }
        let mut state = self.0.lock();
        if !state.replaced && !data.is_empty() {
            // Kept here and handed out through the body, so a 500 can still replace it.
            state.written.push_back(Bytes::copy_from_slice(data));
            state.wrote = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::body::Body;
    use crate::contract_error::ContractError;
    use crate::environ::Environ;
    use crate::start_response::StartResponse;
    use crate::validate::test_support::{assert_rejected, assert_reported, get, PLAIN};
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_second_start_response_without_error_information_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            sr("404 Not Found", &[PLAIN]);
            "x"
        });
        assert_rejected(
            &response,
            "start_response called a second time without error information; only \
             start_response.with_exc_info may replace a response, and only before it was sent",
        );
    }

    #[test]
    fn exc_info_after_the_headers_were_sent_is_refused() {
        let refused = Arc::new(Mutex::new(None));
        let seen = refused.clone();
        let response = get(move |_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN]);
            let seen = seen.clone();
            Body::from_iter(
                ["first", "second"]
                    .into_iter()
                    .enumerate()
                    .map(move |(i, c)| {
                        if i == 1 {
                            *seen.lock().unwrap() = Some(sr.with_exc_info(
                                "500 Internal Server Error",
                                &[PLAIN],
                                &"late",
                            ));
                        }
                        c
                    }),
            )
        });
        assert_eq!(response.status, 200);
        assert!(matches!(
            refused.lock().unwrap().as_ref().unwrap(),
            Err(ContractError::HeadersAlreadySent)
        ));
        assert_reported(
            &response,
            "with_exc_info called after the headers were sent",
        );
    }

    #[test]
    fn exc_info_after_write_produced_data_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            let mut write = sr("200 OK", &[PLAIN]);
            write.write_all(b"partial").unwrap();
            let refused = sr.with_exc_info("500 Internal Server Error", &[PLAIN], &"oops");
            assert_eq!(refused.unwrap_err(), ContractError::HeadersAlreadySent);
            ""
        });
        assert_rejected(
            &response,
            "start_response.with_exc_info called after write() produced data; under PEP 3333 \
             the first write() sends the headers, so the response can no longer be replaced",
        );
    }

    #[test]
    fn write_before_start_response_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            assert!(sr.writer().write_all(b"early").is_err());
            sr("200 OK", &[PLAIN]);
            "x"
        });
        assert_rejected(&response, "write() called before start_response");
    }

    #[test]
    fn write_from_inside_the_body_is_reported() {
        let response = get(|_: &Environ, sr: StartResponse| {
            let mut write = sr("200 OK", &[PLAIN]);
            Body::from_iter(std::iter::once_with(move || {
                write.write_all(b"sneaky").unwrap();
                "x"
            }))
        });
        assert_rejected(
            &response,
            "write() called while the server was pulling the body; return the data from the \
             body instead",
        );
    }
}
