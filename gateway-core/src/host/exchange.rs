//! PEP 3333's sending rules, in one place (wsgiref's `BaseHandler.finish_response`): when the
//! head is final, how many bytes go out, and what a broken rule turns into. A server and the
//! in-process test client both drive a response through [`Exchange`], which
//! [`run`](crate::host::run) builds.

use crate::body::Body;
use crate::contract_error::ContractError;
use crate::error_log::ErrorLog;
use crate::start_response::{ResponseHead, StartResponse};
use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::StatusCode;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The body of the 500 answer (wsgiref's text: the reason goes to `wsgi.errors`, not to the
/// client).
pub const SERVER_ERROR_BODY: &str = "A server error occurred.  Please contact the administrator.";

/// The start of a response: its final head and the first bytes of its body. This is the one
/// shape of a response on its way out; what follows `first` is pulled from the [`Exchange`].
#[derive(Debug)]
pub struct Start {
    /// Status and headers, as the application gave them.
    pub head: ResponseHead,
    /// The first non-empty chunk (empty when the body is empty).
    pub first: Bytes,
    /// Whether `first` is the whole body.
    pub complete: bool,
    /// The body's length when it is known: the application's `Content-Length`, or the length
    /// of a body that is complete. A server sends it as `Content-Length` (hyper does so on
    /// its own for a complete body); otherwise the body goes out chunked.
    pub content_length: Option<u64>,
}

/// One response on its way out, pulled chunk by chunk under PEP 3333's rules:
///
/// * the head is final only at the first non-empty chunk or the end of the body, so
///   `start_response` may still be called during the first iteration;
/// * data from the legacy `write()` goes first;
/// * a body of a single chunk gets a `Content-Length`; the application's own
///   `Content-Length` is honoured: never more bytes than it says, and too few is an error
///   that closes the connection;
/// * a panic, a missing `start_response`, a bad status or header become a [`ContractError`],
///   written to the error log, and a plain 500 answer when nothing was sent yet;
/// * for a HEAD request (and any 204 or 304) only the head goes out.
///
/// The body is dropped (PEP 3333's `close()`) exactly once: when the exchange is dropped or
/// the body is exhausted, whichever comes first.
pub struct Exchange {
    /// The outermost `start_response`: where the head and `write()` data are.
    response: StartResponse,
    body: Option<Body>,
    written: VecDeque<Bytes>,
    declared: Option<u64>,
    sent: u64,
    log: ErrorLog,
    headers_only: bool,
}

impl Exchange {
    /// Prepares to send `body`, for the application that was given `start_response`;
    /// contract errors are written to `log`. With `headers_only` (a HEAD request) only the
    /// head is sent: the body is dropped once the head is final, its length is not held
    /// against `Content-Length`, and the length a GET would have had is given instead.
    pub(crate) fn new(
        start_response: StartResponse,
        body: Body,
        log: ErrorLog,
        headers_only: bool,
    ) -> Self {
        Self {
            response: start_response,
            body: Some(body),
            written: VecDeque::new(),
            declared: None,
            sent: 0,
            log,
            headers_only,
        }
    }

    /// Whether what is left of the body is in memory, so pulling it can never block.
    pub fn is_in_memory(&self) -> bool {
        self.body.as_ref().is_none_or(Body::is_in_memory)
    }

    /// Pulls the body up to its first non-empty chunk (or its end) and fixes the head. When
    /// the application broke a rule, the reason is in the error log and this is the plain
    /// 500 answer.
    pub fn start(&mut self) -> Start {
        self.try_start()
            .unwrap_or_else(|_| Start::plain(StatusCode::INTERNAL_SERVER_ERROR, SERVER_ERROR_BODY))
    }

    fn try_start(&mut self) -> Result<Start, ContractError> {
        let first = loop {
            match self.pull() {
                Ok(Some(chunk)) if chunk.is_empty() => continue,
                Ok(chunk) => break chunk,
                Err(error) => return Err(self.fail(error)),
            }
        };
        let head = match self.commit() {
            Ok(head) => head,
            Err(error) => return Err(self.fail(error)),
        };
        let mut first = first.unwrap_or_default();
        let ended = self.body.is_none() && self.written.is_empty();
        let status = head.status.as_u16();
        if self.headers_only || status == 204 || status == 304 {
            self.drop_body();
            self.written.clear();
            let content_length = self.declared.take().or(ended.then_some(first.len() as u64));
            let mut head = head;
            if let (true, Some(length)) = (self.headers_only, content_length) {
                // A HEAD response has no body to size: say the length a GET would have.
                head.headers
                    .entry(CONTENT_LENGTH)
                    .or_insert_with(|| HeaderValue::from(length));
            }
            return Ok(Start {
                head,
                first: Bytes::new(),
                complete: true,
                content_length,
            });
        }
        let complete = match self.declared {
            Some(declared) => {
                if first.len() as u64 >= declared {
                    self.truncate(&mut first, declared);
                }
                first.len() as u64 == declared
            }
            None => ended,
        };
        self.sent = first.len() as u64;
        if complete {
            self.body = None;
        }
        let content_length = self.declared.or(complete.then_some(self.sent));
        Ok(Start {
            head,
            first,
            complete,
            content_length,
        })
    }

    /// The next non-empty chunk after [`start`](Self::start), `None` at the end.
    pub fn next_chunk(&mut self) -> Option<Result<Bytes, ContractError>> {
        loop {
            match self.pull() {
                Ok(Some(chunk)) if chunk.is_empty() => continue,
                Ok(Some(mut chunk)) => {
                    if let Some(declared) = self.declared {
                        if self.sent + chunk.len() as u64 >= declared {
                            self.truncate(&mut chunk, declared - self.sent);
                            self.body = None;
                        }
                    }
                    self.sent += chunk.len() as u64;
                    return Some(Ok(chunk));
                }
                Ok(None) => {
                    let declared = self.declared?;
                    self.declared = None;
                    let short = ContractError::ShortBody {
                        declared,
                        sent: self.sent,
                    };
                    return (self.sent < declared).then(|| Err(self.fail(short)));
                }
                Err(error) => return Some(Err(self.fail(error))),
            }
        }
    }

    /// Takes the next chunk: written data first, then the body; panics become errors and an
    /// exhausted or failed body is dropped at once.
    fn pull(&mut self) -> Result<Option<Bytes>, ContractError> {
        {
            let mut state = self.response.lock();
            if !state.written.is_empty() {
                self.written.extend(state.written.drain(..));
            }
        }
        if let Some(chunk) = self.written.pop_front() {
            return Ok(Some(chunk));
        }
        let Some(body) = self.body.as_mut() else {
            return Ok(None);
        };
        let pulled = catch_unwind(AssertUnwindSafe(|| body.next()));
        let pulled = pulled.unwrap_or_else(|panic| Some(Err(ContractError::from_panic(panic))));
        match pulled {
            Some(Ok(chunk)) => {
                if self
                    .body
                    .as_ref()
                    .is_some_and(|body| body.size_hint().1 == Some(0))
                {
                    self.drop_body();
                }
                Ok(Some(chunk))
            }
            Some(Err(error)) => {
                self.drop_body();
                Err(error)
            }
            None => {
                self.drop_body();
                Ok(None)
            }
        }
    }

    /// Drops the body (its `close()`); a panic in its `Drop` is logged, not propagated.
    fn drop_body(&mut self) {
        if let Some(body) = self.body.take() {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| drop(body))) {
                self.fail(ContractError::from_panic(panic));
            }
        }
    }

    /// Marks the head as sent and returns it, or the rule the application broke.
    fn commit(&mut self) -> Result<ResponseHead, ContractError> {
        let mut state = self.response.lock();
        if let Some(error) = state.error.clone() {
            return Err(error);
        }
        let head = state.head.take().ok_or(ContractError::NoStartResponse)?;
        if let Some(value) = head.headers.get(CONTENT_LENGTH) {
            let declared = value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse().ok());
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            self.declared = Some(declared.ok_or(ContractError::BadContentLength { value })?);
        }
        state.committed = true;
        Ok(head)
    }

    fn truncate(&mut self, chunk: &mut Bytes, room: u64) {
        if chunk.len() as u64 > room {
            self.log.line(&format!(
                "the application sent more than its Content-Length of {}; the extra bytes were dropped",
                self.declared.unwrap_or_default()
            ));
            chunk.truncate(room as usize);
        }
    }

    fn fail(&mut self, error: ContractError) -> ContractError {
        self.log.line(&error.to_string());
        self.drop_body();
        error
    }
}

impl Start {
    /// A complete `text/plain` answer the server makes itself (an error, a refusal).
    pub fn plain(status: StatusCode, text: &'static str) -> Start {
        let mut head = ResponseHead {
            status,
            ..Default::default()
        };
        head.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        Start {
            head,
            first: Bytes::from_static(text.as_bytes()),
            complete: true,
            content_length: Some(text.len() as u64),
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.drop_body();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::IntoBody;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    struct Logged(Arc<Mutex<Vec<String>>>);

    fn exchange(start_response: &StartResponse, body: Body) -> (Exchange, Logged) {
        sending(start_response, body, false)
    }

    fn sending(sr: &StartResponse, body: Body, headers_only: bool) -> (Exchange, Logged) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let log = ErrorLog::to_sink(Arc::new(move |line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        }));
        let exchange = Exchange::new(sr.clone(), body, log, headers_only);
        (exchange, Logged(lines))
    }

    fn rest(exchange: &mut Exchange) -> Vec<Result<Bytes, ContractError>> {
        std::iter::from_fn(|| exchange.next_chunk()).collect()
    }

    #[test]
    fn a_single_chunk_gets_a_content_length() {
        let sr = StartResponse::new();
        sr("200 OK", &[("Content-Type", "text/html")]);
        let (mut ex, _) = exchange(&sr, vec![b"<h1>Hi</h1>".to_vec()].into_body());
        let start = ex.start();
        assert!(start.complete);
        assert_eq!(start.content_length, Some(11));
        assert_eq!(start.first, "<h1>Hi</h1>");
    }

    #[test]
    fn an_empty_body_sends_its_head_at_the_end() {
        let sr = StartResponse::new();
        sr("204 No Content", &[]);
        let (mut ex, _) = exchange(&sr, ().into_body());
        let start = ex.start();
        assert!(start.complete && start.first.is_empty());
    }

    #[test]
    fn start_response_may_be_called_during_the_first_iteration() {
        let sr = StartResponse::new();
        let late = sr.clone();
        let body = Body::from_iter(std::iter::once_with(move || {
            late("201 Created", &[]);
            b"late".to_vec()
        }));
        let (mut ex, _) = exchange(&sr, body);
        let start = ex.start();
        assert_eq!(
            (start.head.status, start.first),
            (StatusCode::CREATED, Bytes::from("late"))
        );
        assert!(rest(&mut ex).is_empty());
    }

    #[test]
    fn no_start_response_is_an_error_in_wsgi_errors() {
        let sr = StartResponse::new();
        let (mut ex, logged) = exchange(&sr, vec!["body"].into_body());
        assert_eq!(ex.try_start().unwrap_err(), ContractError::NoStartResponse);
        assert!(logged.0.lock().unwrap()[0].contains("never called start_response"));
    }

    #[test]
    fn a_broken_rule_answers_the_plain_500() {
        let sr = StartResponse::new();
        let (mut ex, _) = exchange(&sr, vec!["body"].into_body());
        let start = ex.start();
        assert_eq!(start.head.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(start.first, SERVER_ERROR_BODY);
        assert!(start.complete);
    }

    #[test]
    fn a_head_request_gets_the_length_of_a_whole_body() {
        let sr = StartResponse::new();
        sr("200 OK", &[]);
        let (mut ex, _) = sending(&sr, vec!["12345"].into_body(), true);
        let start = ex.start();
        assert!(start.first.is_empty());
        assert_eq!(start.head.headers[CONTENT_LENGTH], "5");
    }

    #[test]
    fn a_panicking_body_is_an_error_and_is_dropped() {
        let sr = StartResponse::new();
        sr("200 OK", &[]);
        let body = Body::from_iter(std::iter::once_with(|| -> Vec<u8> { panic!("kaboom") }));
        let (mut ex, logged) = exchange(&sr, body);
        let error = ex.try_start().unwrap_err();
        assert_eq!(error.to_string(), "the application panicked: kaboom");
        assert!(ex.body.is_none());
        assert_eq!(logged.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn never_more_bytes_than_content_length() {
        let sr = StartResponse::new();
        sr("200 OK", &[("Content-Length", "5")]);
        let (mut ex, logged) = exchange(&sr, Body::from_iter(["abc", "defgh", "never pulled"]));
        let start = ex.start();
        assert_eq!(start.first, "abc");
        let rest: Vec<_> = rest(&mut ex).into_iter().map(Result::unwrap).collect();
        assert_eq!(rest, ["de"]);
        assert!(logged.0.lock().unwrap()[0].contains("more than its Content-Length"));
    }

    #[test]
    fn too_few_bytes_for_content_length_is_an_error() {
        let sr = StartResponse::new();
        sr("200 OK", &[("Content-Length", "10")]);
        let (mut ex, _) = exchange(&sr, Body::from_iter(["abc"]));
        assert!(!ex.start().complete);
        let rest = rest(&mut ex);
        assert_eq!(
            rest,
            [Err(ContractError::ShortBody {
                declared: 10,
                sent: 3
            })]
        );
    }

    #[test]
    fn a_head_request_sends_the_head_only_and_keeps_the_declared_length() {
        let sr = StartResponse::new();
        sr("200 OK", &[("Content-Length", "10")]);
        let (mut ex, logged) = sending(&sr, ().into_body(), true);
        let start = ex.start();
        assert!(start.complete && start.first.is_empty());
        assert_eq!(start.content_length, Some(10));
        assert_eq!(start.head.headers[CONTENT_LENGTH], "10");
        assert!(ex.next_chunk().is_none());
        assert!(
            logged.0.lock().unwrap().is_empty(),
            "no short-body error for HEAD"
        );
    }

    #[test]
    fn a_304_has_no_body_whatever_its_content_length() {
        let sr = StartResponse::new();
        sr("304 Not Modified", &[("Content-Length", "10")]);
        let (mut ex, logged) = exchange(&sr, ().into_body());
        let start = ex.start();
        assert!(start.complete && start.first.is_empty());
        assert!(logged.0.lock().unwrap().is_empty());
    }

    #[test]
    fn written_data_goes_before_the_body() {
        use std::io::Write;
        let sr = StartResponse::new();
        let mut write = sr("200 OK", &[]);
        write.write_all(b"written ").unwrap();
        let (mut ex, _) = exchange(&sr, vec!["returned"].into_body());
        let start = ex.start();
        assert_eq!(start.first, "written ");
        assert_eq!(
            rest(&mut ex)
                .into_iter()
                .map(Result::unwrap)
                .collect::<Vec<_>>(),
            ["returned"]
        );
    }

    #[test]
    fn the_body_is_dropped_exactly_once_when_the_exchange_is_abandoned() {
        struct Counted(Arc<AtomicUsize>);
        impl Iterator for Counted {
            type Item = Vec<u8>;
            fn next(&mut self) -> Option<Vec<u8>> {
                Some(b"more".to_vec())
            }
        }
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let sr = StartResponse::new();
        sr("200 OK", &[]);
        let (mut ex, _) = exchange(&sr, Body::from_iter(Counted(drops.clone())));
        ex.start();
        ex.next_chunk();
        drop(ex);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
