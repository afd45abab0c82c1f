//! The application's side, first part: the status and headers it gives `start_response`
//! (the response's head).

use super::digits::parse_digits;
use super::violation::Violation;
use crate::latin1;
use crate::start_response::is_hop_by_hop;

/// What a valid status and headers tell the rest of the checks.
#[derive(Default)]
pub(super) struct HeadFacts {
    /// The status code, when the status is valid.
    pub(super) code: Option<u16>,
    /// The `Content-Length`, when there is a valid one.
    pub(super) content_length: Option<u64>,
}

/// The application's status and headers: every problem, and what was learnt from them.
pub(super) fn check_head(status: &str, headers: &[(&str, &str)]) -> (Vec<Violation>, HeadFacts) {
    let mut problems = Vec::new();
    let mut facts = HeadFacts::default();
    match check_status(status) {
        Ok(code) => facts.code = Some(code),
        Err(problem) => problems.push(Violation::BadStatus {
            status: status.to_owned(),
            problem,
        }),
    }
    let mut content_type = false;
    for &(name, value) in headers {
        if name.eq_ignore_ascii_case("status") {
            problems.push(Violation::StatusHeader);
        } else if let Err(problem) = check_header_name(name) {
            problems.push(Violation::BadHeaderName {
                name: name.to_owned(),
                problem,
            });
        } else if is_hop_by_hop(name) {
            problems.push(Violation::HopByHopHeader {
                name: name.to_owned(),
            });
        }
        if let Err(problem) = check_header_value(value) {
            problems.push(Violation::BadHeaderValue {
                name: name.to_owned(),
                problem,
            });
        }
        if name.eq_ignore_ascii_case("content-type") {
            content_type = true;
        }
        if name.eq_ignore_ascii_case("content-length") {
            match parse_digits(value.trim()) {
                Some(length) => facts.content_length = Some(length),
                None => problems.push(Violation::BadContentLength {
                    value: value.to_owned(),
                }),
            }
        }
    }
    if let Some(code) = facts.code {
        let no_content = forbids_content(code);
        if content_type && no_content {
            problems.push(Violation::ContentTypeWithoutContent {
                status: status.to_owned(),
            });
        } else if !content_type && !no_content {
            problems.push(Violation::MissingContentType {
                status: status.to_owned(),
            });
        }
    }
    (problems, facts)
}

/// wsgiref's `check_status` (and its warning, an error here), plus the rules of P-40/P-57.
fn check_status(status: &str) -> Result<u16, &'static str> {
    let code = status.split_whitespace().next().unwrap_or("");
    let Some(code) = parse_digits(code)
        .filter(|_| code.len() == 3)
        .and_then(|n| u16::try_from(n).ok())
    else {
        return Err("the status code must be three digits");
    };
    if code < 100 {
        return Err("the status code must be at least 100");
    }
    if status.len() < 4 || status.as_bytes()[3] != b' ' {
        return Err("it must be a three-digit code, a single space and a reason phrase");
    }
    if status.chars().any(char::is_control) {
        return Err("it must not contain control characters");
    }
    if status.len() > 4 && status.ends_with(char::is_whitespace) {
        return Err("it must not end with whitespace");
    }
    if latin1::encode(status).is_none() {
        return Err("it must not contain characters above U+00FF");
    }
    Ok(code)
}

/// wsgiref's header name rules: `^[a-zA-Z][a-zA-Z0-9\-_]*$`, not ending in `-` or `_`.
fn check_header_name(name: &str) -> Result<(), &'static str> {
    if name.contains(':') || name.contains('\n') {
        return Err("header names may not contain ':' or '\\n'");
    }
    let mut bytes = name.bytes();
    let first_is_letter = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    if !first_is_letter || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err("a name is a letter followed by letters, digits, '-' and '_'");
    }
    if name.ends_with('-') || name.ends_with('_') {
        return Err("names may not end in '-' or '_'");
    }
    Ok(())
}

/// wsgiref refuses `\000`-`\037` (tab included); DEL and characters above U+00FF are refused
/// by HTTP and PEP 3333.
fn check_header_value(value: &str) -> Result<(), &'static str> {
    if value.chars().any(|c| c < ' ' || c == '\x7f') {
        return Err("it must not contain control characters (tab included, as in wsgiref)");
    }
    if latin1::encode(value).is_none() {
        return Err("it must not contain characters above U+00FF");
    }
    Ok(())
}

/// Whether a response with status `code` has no content (204 and 304): no body, no
/// `Content-Type`.
pub(super) fn forbids_content(code: u16) -> bool {
    matches!(code, 204 | 304)
}

#[cfg(test)]
mod tests {
    use crate::environ::Environ;
    use crate::start_response::StartResponse;
    use crate::validate::test_support::{assert_rejected, get, PLAIN};

    #[test]
    fn the_status_must_be_three_digits_a_space_and_a_reason() {
        for (status, problem) in [
            ("OK", "the status code must be three digits"),
            ("2000 OK", "the status code must be three digits"),
            ("099 Low", "the status code must be at least 100"),
            (
                "200",
                "it must be a three-digit code, a single space and a reason phrase",
            ),
            (
                "200\tOK",
                "it must be a three-digit code, a single space and a reason phrase",
            ),
            ("200 OK\r\n", "it must not contain control characters"),
            ("200 OK ", "it must not end with whitespace"),
            ("200 ☃", "it must not contain characters above U+00FF"),
        ] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr(status, &[PLAIN]);
                "x"
            });
            assert_rejected(
                &response,
                &format!("invalid status {status:?}: {problem}; write it as \"200 OK\""),
            );
        }
    }

    #[test]
    fn a_status_header_is_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Status", "404")]);
            "x"
        });
        assert_rejected(
            &response,
            "the Status header cannot be used; the status is start_response's first argument",
        );
    }

    #[test]
    fn header_names_follow_wsgirefs_rules() {
        for (name, problem) in [
            (
                "X-Dotted.Name",
                "a name is a letter followed by letters, digits, '-' and '_'",
            ),
            (
                "1X",
                "a name is a letter followed by letters, digits, '-' and '_'",
            ),
            ("X:Y", "header names may not contain ':' or '\\n'"),
            ("X-", "names may not end in '-' or '_'"),
            ("X_", "names may not end in '-' or '_'"),
        ] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr("200 OK", &[PLAIN, (name, "v")]);
                "x"
            });
            assert_rejected(
                &response,
                &format!("invalid header name {name:?}: {problem}"),
            );
        }
    }

    #[test]
    fn header_values_refuse_control_characters_including_tab() {
        for value in ["a\r\nSet-Cookie: x=1", "tab\there", "del\x7f"] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr("200 OK", &[PLAIN, ("X-Value", value)]);
                "x"
            });
            assert_rejected(
                &response,
                "invalid value for header \"X-Value\": it must not contain control characters \
                 (tab included, as in wsgiref)",
            );
        }
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("X-Value", "snow ☃")]);
            "x"
        });
        assert_rejected(
            &response,
            "invalid value for header \"X-Value\": it must not contain characters above U+00FF",
        );
    }

    #[test]
    fn hop_by_hop_headers_are_refused() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Connection", "close")]);
            "x"
        });
        assert_rejected(
            &response,
            "hop-by-hop header \"Connection\" is not allowed from an application; the server \
             manages the connection",
        );
    }

    #[test]
    fn content_type_is_required_except_for_204_and_304() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[]);
            "x"
        });
        assert_rejected(
            &response,
            "no Content-Type header in a \"200 OK\" response; every response but 204 and 304 \
             needs one",
        );
        for status in ["204 No Content", "304 Not Modified"] {
            let response = get(move |_: &Environ, sr: StartResponse| {
                sr(status, &[]);
                ""
            });
            assert_eq!(response.status.as_str(), &status[..3]);
            assert!(response.errors.is_empty(), "{:?}", response.errors);
        }
    }

    #[test]
    fn content_type_is_forbidden_for_204_and_304() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("204 No Content", &[PLAIN]);
            ""
        });
        assert_rejected(
            &response,
            "Content-Type header in a \"204 No Content\" response, which must not have content",
        );
    }

    #[test]
    fn response_content_length_must_be_a_number() {
        let response = get(|_: &Environ, sr: StartResponse| {
            sr("200 OK", &[PLAIN, ("Content-Length", "ten")]);
            "x"
        });
        assert_rejected(
            &response,
            "invalid Content-Length \"ten\": it must be a number of bytes",
        );
    }
}
