use super::*;
use std::io::Write;

fn first_error(sr: &StartResponse) -> Option<ContractError> {
    sr.lock().error.clone()
}

#[test]
fn reads_like_python() {
    let start_response = StartResponse::new();
    start_response("200 OK", &[("Content-Type", "text/html")]);
    let state = start_response.lock();
    let head = state.head.as_ref().unwrap();
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.reason, None);
    assert_eq!(head.headers["content-type"], "text/html");
}

#[test]
fn custom_reasons_are_kept() {
    let (code, reason) = parse_status("299 Fine Thanks").unwrap();
    assert_eq!(
        (code.as_u16(), reason.as_deref()),
        (299, Some("Fine Thanks"))
    );
}

#[test]
fn status_must_be_three_digits_a_space_and_a_reason() {
    for status in [
        "200",
        "OK 200",
        "20 OK",
        "2000 OK",
        "099 Low",
        "200\tOK",
        "200 OK\r\n",
        "200 OK ",
        "200 ☃",
    ] {
        assert!(parse_status(status).is_err(), "{status:?} accepted");
    }
}

#[test]
fn header_names_must_be_tokens() {
    for name in ["Bad Name", "Colon:", "", "Ünï"] {
        let error = parse_head("200 OK", &[(name, "v")]).unwrap_err();
        assert!(
            matches!(error, ContractError::BadHeaderName { .. }),
            "{name:?}"
        );
    }
}

#[test]
fn header_values_refuse_control_characters_but_tab() {
    for value in [
        "a\r\nSet-Cookie: x=1",
        "a\nb",
        "nul\0",
        "bell\x07",
        "snow ☃",
    ] {
        let error = parse_head("200 OK", &[("X-Test", value)]).unwrap_err();
        assert!(
            matches!(error, ContractError::BadHeaderValue { .. }),
            "{value:?}"
        );
    }
    assert!(parse_head("200 OK", &[("X-Test", "tab\tand café")]).is_ok());
}

#[test]
fn common_and_other_values_arrive_as_given() {
    let values = [
        "text/html",
        "text/html; charset=UTF-8",
        "text/htm",
        "no-cache",
    ];
    let pairs: Vec<_> = values.iter().map(|value| ("X-Test", *value)).collect();
    let head = parse_head("200 OK", &pairs).unwrap();
    let got: Vec<_> = head.headers.get_all("x-test").iter().collect();
    assert_eq!(got, values);
}

#[test]
fn hop_by_hop_headers_are_refused() {
    for name in HOP_BY_HOP
        .iter()
        .copied()
        .chain(["Transfer-Encoding", "CONNECTION"])
    {
        let error = parse_head("200 OK", &[(name, "x")]).unwrap_err();
        assert!(
            matches!(error, ContractError::HopByHopHeader { .. }),
            "{name}"
        );
    }
}

#[test]
fn a_second_call_is_an_error() {
    let start_response = StartResponse::new();
    start_response("200 OK", &[]);
    start_response("404 Not Found", &[]);
    assert_eq!(
        first_error(&start_response),
        Some(ContractError::StartResponseTwice)
    );
}

#[test]
fn a_second_call_is_an_error_even_after_a_failed_first() {
    let start_response = StartResponse::new();
    start_response("nope", &[]);
    start_response("200 OK", &[]);
    assert!(matches!(
        first_error(&start_response),
        Some(ContractError::BadStatus { .. })
    ));
    assert!(start_response.lock().head.is_none());
}

#[test]
fn exc_info_replaces_an_unsent_response() {
    let start_response = StartResponse::new();
    start_response("200 OK", &[("Content-Type", "text/html")]);
    start_response
        .with_exc_info(
            "500 Internal Server Error",
            &[("Content-Type", "text/plain")],
            &"boom",
        )
        .unwrap();
    let state = start_response.lock();
    assert_eq!(
        state.head.as_ref().unwrap().status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(state.error, None);
}

#[test]
fn exc_info_after_sending_is_refused() {
    let start_response = StartResponse::new();
    start_response("200 OK", &[]);
    start_response.lock().committed = true;
    let refused = start_response.with_exc_info("500 Internal Server Error", &[], &"late");
    assert_eq!(refused.unwrap_err(), ContractError::HeadersAlreadySent);
}

#[test]
fn write_before_start_response_is_an_error() {
    let start_response = StartResponse::new();
    let mut writer = start_response.writer();
    assert!(writer.write_all(b"early").is_err());
    assert_eq!(
        first_error(&start_response),
        Some(ContractError::WriteBeforeStartResponse)
    );
}

/// Records every call it sees, then passes it on (the trait's defaults).
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Intercept for Recorder {
    fn start_response(&self, outer: &StartResponse, status: &str, headers: &[(&str, &str)]) {
        self.0.lock().unwrap().push(format!("start {status}"));
        outer(status, headers);
    }
    fn with_exc_info(
        &self,
        outer: &StartResponse,
        status: &str,
        headers: &[(&str, &str)],
        error: &dyn fmt::Display,
    ) -> Result<(), ContractError> {
        self.0
            .lock()
            .unwrap()
            .push(format!("exc_info {status} ({error})"));
        outer.with_exc_info(status, headers, error).map(drop)
    }
    fn write(&self, outer: &StartResponse, data: &[u8]) -> io::Result<()> {
        self.0
            .lock()
            .unwrap()
            .push(format!("write {}", String::from_utf8_lossy(data)));
        outer.writer().write_all(data)
    }
}

#[test]
fn an_intercepted_start_response_shows_every_call_to_the_hooks_and_passes_them_on() {
    let outer = StartResponse::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let inner = outer.intercept(Recorder(seen.clone()));
    let mut write = inner("200 OK", &[("Content-Type", "text/plain")]);
    write.write_all(b"early").unwrap();
    inner
        .with_exc_info("500 Internal Server Error", &[], &"oops")
        .unwrap()
        .write_all(b" late")
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "start 200 OK",
            "write early",
            "exc_info 500 Internal Server Error (oops)",
            "write  late"
        ]
    );
    let state = outer.lock();
    assert_eq!(
        state.head.as_ref().unwrap().status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(state.written, [Bytes::from("early"), Bytes::from(" late")]);
    assert_eq!(state.error, None);
}

#[test]
fn a_hook_may_rewrite_or_swallow_a_call() {
    struct Rewrite;
    impl Intercept for Rewrite {
        fn start_response(&self, outer: &StartResponse, _: &str, headers: &[(&str, &str)]) {
            outer("203 Non-Authoritative Information", headers);
        }
        fn write(&self, _: &StartResponse, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
    }
    let outer = StartResponse::new();
    let inner = outer.intercept(Rewrite);
    inner("200 OK", &[]).write_all(b"dropped").unwrap();
    let state = outer.lock();
    assert_eq!(state.head.as_ref().unwrap().status.as_u16(), 203);
    assert!(state.written.is_empty());
}

#[test]
fn interceptions_nest_and_share_the_outermost_response() {
    let outer = StartResponse::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let middle = outer.intercept(Recorder(seen.clone()));
    let inner = middle.intercept(Recorder(seen.clone()));
    inner("204 No Content", &[]);
    assert_eq!(*seen.lock().unwrap(), ["start 204 No Content"; 2]);
    assert!(Arc::ptr_eq(&inner.outermost().inner, &outer.inner));
    assert!(!inner.is_sent());
    outer.lock().committed = true;
    assert!(inner.is_sent() && middle.is_sent());
    assert_eq!(format!("{inner:?}"), "<start_response: sent>");
}

#[test]
fn errors_from_the_outer_start_response_reach_the_application() {
    let outer = StartResponse::new();
    outer("200 OK", &[]);
    outer.lock().committed = true;
    let inner = outer.intercept(Recorder(Arc::default()));
    let refused = inner.with_exc_info("500 Internal Server Error", &[], &"late");
    assert_eq!(refused.unwrap_err(), ContractError::HeadersAlreadySent);
}

#[test]
fn writer_is_the_write_callable_start_response_returns() {
    let start_response = StartResponse::new();
    assert!(start_response.writer().write_all(b"too early").is_err());
    start_response("200 OK", &[]);
    start_response.writer().write_all(b"ok").unwrap();
    assert_eq!(start_response.lock().written, [Bytes::from("ok")]);
}
