//! The server's side of the contract (or an outer middleware's): the environ, checked before
//! the application is called.

use super::digits::parse_digits;
use super::violation::Violation;
use crate::environ::{Environ, ValueRef};

/// The methods wsgiref's validator knows; others get a warning.
const KNOWN_METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "OPTIONS", "PATCH", "PUT", "DELETE", "TRACE",
];

/// The keys wsgiref requires, plus `wsgi.url_scheme` (which it reads without a default).
const REQUIRED_KEYS: [&str; 10] = [
    "REQUEST_METHOD",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.version",
    "wsgi.url_scheme",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
];

/// The server's side: the errors and the warnings, in the order wsgiref checks them.
pub(super) fn check_environ(environ: &Environ) -> (Vec<Violation>, Vec<Violation>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for key in REQUIRED_KEYS {
        if !environ.contains_key(key) {
            problems.push(Violation::MissingKey { key });
        }
    }
    for key in ["HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"] {
        if environ.contains_key(key) {
            problems.push(Violation::ContentHeaderAsHttp { key });
        }
    }
    if !environ.contains_key("QUERY_STRING") {
        warnings.push(Violation::NoQueryString);
    }
    for (key, value) in environ.iter() {
        if !key.contains('.') && !matches!(value, ValueRef::Str(_)) {
            problems.push(Violation::NotText {
                key: key.into_owned(),
            });
        }
    }
    match environ.value("wsgi.version") {
        None | Some(ValueRef::Version(1, 0)) => {}
        Some(_) => problems.push(Violation::BadVersion),
    }
    match environ.value("wsgi.url_scheme") {
        None | Some(ValueRef::Str("http" | "https")) => {}
        Some(ValueRef::Str(text)) => problems.push(Violation::BadUrlScheme {
            value: text.to_owned(),
        }),
        Some(other) => problems.push(Violation::BadUrlScheme {
            value: format!("{other:?}"),
        }),
    }
    if !matches!(environ.value("wsgi.input"), None | Some(ValueRef::Input(_))) {
        problems.push(Violation::NotAStream { key: "wsgi.input" });
    }
    if !matches!(
        environ.value("wsgi.errors"),
        None | Some(ValueRef::Errors(_))
    ) {
        problems.push(Violation::NotAStream { key: "wsgi.errors" });
    }
    for key in ["wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"] {
        if !matches!(environ.value(key), None | Some(ValueRef::Bool(_))) {
            problems.push(Violation::NotAFlag { key });
        }
    }
    if let Some(method) = environ.get("REQUEST_METHOD") {
        if method.is_empty() {
            problems.push(Violation::EmptyKey {
                key: "REQUEST_METHOD",
            });
        } else if !method.bytes().all(is_token_byte) {
            problems.push(Violation::BadMethod {
                value: method.to_owned(),
            });
        } else if !KNOWN_METHODS.contains(&method) {
            warnings.push(Violation::UnknownMethod {
                method: method.to_owned(),
            });
        }
    }
    if environ.get("SERVER_NAME") == Some("") {
        problems.push(Violation::EmptyKey { key: "SERVER_NAME" });
    }
    if let Some(port) = environ.get("SERVER_PORT") {
        if parse_digits(port)
            .and_then(|n| u16::try_from(n).ok())
            .is_none()
        {
            problems.push(Violation::BadServerPort {
                value: port.to_owned(),
            });
        }
    }
    let script_name = environ.get("SCRIPT_NAME").unwrap_or("");
    if !script_name.is_empty() && !script_name.starts_with('/') {
        problems.push(Violation::BadScriptName {
            value: script_name.to_owned(),
        });
    }
    if let Some(path_info) = environ.get("PATH_INFO") {
        if !path_info.is_empty() && !path_info.starts_with('/') {
            problems.push(Violation::BadPathInfo {
                value: path_info.to_owned(),
            });
        }
    }
    if let Some(length) = environ.get("CONTENT_LENGTH") {
        if !length.is_empty() && parse_digits(length).is_none() {
            problems.push(Violation::BadRequestContentLength {
                value: length.to_owned(),
            });
        }
    }
    if script_name.is_empty() && !environ.contains_key("PATH_INFO") {
        problems.push(Violation::NoPathInfo);
    }
    if script_name == "/" {
        problems.push(Violation::ScriptNameIsSlash);
    }
    (problems, warnings)
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::{Application, Outcome};
    use crate::start_response::StartResponse;
    use crate::testing::{TestClient, TestResponse};
    use crate::validate::test_support::{assert_rejected, ok_app};
    use crate::validate::validator;

    /// A middleware outside the validator that breaks the environ the way `tamper` says.
    struct Tamper<F>(F);

    impl<F: Fn(&mut Environ) + Send + Sync + 'static> Application for Tamper<F> {
        fn call(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
            (self.0)(&mut environ);
            validator(ok_app).call(environ, start_response)
        }

        fn blocking(&self) -> bool {
            true
        }
    }

    fn with_environ(tamper: impl Fn(&mut Environ) + Send + Sync + 'static) -> TestResponse {
        TestClient::new(Tamper(tamper)).get("/")
    }

    #[test]
    fn required_environ_keys_must_be_present() {
        for key in REQUIRED_KEYS {
            let response = with_environ(move |environ| environ.remove(key));
            assert_rejected(
                &response,
                &format!("the environ has no {key} key; PEP 3333 requires it"),
            );
        }
    }

    #[test]
    fn http_content_type_and_length_must_not_be_in_the_environ() {
        let response = with_environ(|environ| environ.insert("HTTP_CONTENT_TYPE", "text/plain"));
        assert_rejected(
            &response,
            "the environ should not have the key HTTP_CONTENT_TYPE (use CONTENT_TYPE instead)",
        );
    }

    #[test]
    fn cgi_keys_must_hold_text() {
        let response = with_environ(|environ| environ.insert("REMOTE_USER", true));
        assert_rejected(
            &response,
            "environ[\"REMOTE_USER\"] is not text; every key without a \".\" holds a string",
        );
    }

    #[test]
    fn wsgi_version_must_be_1_0() {
        let response = with_environ(|environ| environ.insert("wsgi.version", "1.0"));
        assert_rejected(&response, "wsgi.version is not (1, 0)");
    }

    #[test]
    fn url_scheme_must_be_http_or_https() {
        let response = with_environ(|environ| environ.insert("wsgi.url_scheme", "ftp"));
        assert_rejected(
            &response,
            "wsgi.url_scheme is \"ftp\"; it must be \"http\" or \"https\"",
        );
        let response = with_environ(|environ| environ.insert("wsgi.url_scheme", "https"));
        assert_eq!(response.status, 200);
    }

    #[test]
    fn input_and_errors_must_be_the_streams() {
        let response = with_environ(|environ| environ.insert("wsgi.input", "body"));
        assert_rejected(
            &response,
            "environ[\"wsgi.input\"] is not the server's stream",
        );
        let response = with_environ(|environ| environ.insert("wsgi.errors", "stderr"));
        assert_rejected(
            &response,
            "environ[\"wsgi.errors\"] is not the server's stream",
        );
    }

    #[test]
    fn the_wsgi_flags_must_be_flags() {
        let response = with_environ(|environ| environ.insert("wsgi.run_once", "no"));
        assert_rejected(
            &response,
            "environ[\"wsgi.run_once\"] is not a flag (true or false)",
        );
    }

    #[test]
    fn request_method_and_server_name_must_not_be_empty() {
        let response = with_environ(|environ| environ.insert("SERVER_NAME", ""));
        assert_rejected(
            &response,
            "SERVER_NAME is empty; it is required and never empty",
        );
        let response = with_environ(|environ| environ.insert("REQUEST_METHOD", ""));
        assert_rejected(
            &response,
            "REQUEST_METHOD is empty; it is required and never empty",
        );
    }

    #[test]
    fn request_method_must_be_a_token() {
        let response = with_environ(|environ| environ.insert("REQUEST_METHOD", "GET /"));
        assert_rejected(&response, "REQUEST_METHOD \"GET /\" is not an HTTP method");
    }

    #[test]
    fn server_port_must_be_a_port_number() {
        for port in ["http", "-1", "65536", ""] {
            let response = with_environ(move |environ| environ.insert("SERVER_PORT", port));
            assert_rejected(
                &response,
                &format!("SERVER_PORT {port:?} is not a port number"),
            );
        }
    }

    #[test]
    fn script_name_must_start_with_a_slash_and_not_be_one() {
        let response = with_environ(|environ| environ.insert("SCRIPT_NAME", "app"));
        assert_rejected(&response, "SCRIPT_NAME doesn't start with /: \"app\"");
        let response = with_environ(|environ| environ.insert("SCRIPT_NAME", "/"));
        assert_rejected(
            &response,
            "SCRIPT_NAME cannot be \"/\"; it should instead be \"\", and PATH_INFO should be \"/\"",
        );
        let response = with_environ(|environ| environ.insert("SCRIPT_NAME", "/app"));
        assert_eq!(response.status, 200);
    }

    #[test]
    fn path_info_must_start_with_a_slash() {
        let response = with_environ(|environ| environ.insert("PATH_INFO", "x"));
        assert_rejected(&response, "PATH_INFO doesn't start with /: \"x\"");
        let response = with_environ(|environ| {
            environ.insert("SCRIPT_NAME", "/app");
            environ.insert("PATH_INFO", "");
        });
        assert_eq!(response.status, 200);
    }

    #[test]
    fn path_info_is_required_when_script_name_is_empty() {
        let response = with_environ(|environ| environ.remove("PATH_INFO"));
        assert_rejected(
            &response,
            "one of SCRIPT_NAME or PATH_INFO is required (PATH_INFO should at least be \"/\" \
             if SCRIPT_NAME is empty)",
        );
    }

    #[test]
    fn request_content_length_must_be_a_number() {
        let response = with_environ(|environ| environ.insert("CONTENT_LENGTH", "-5"));
        assert_rejected(&response, "CONTENT_LENGTH \"-5\" is not a number of bytes");
    }

    #[test]
    fn a_missing_query_string_and_an_unknown_method_are_warnings() {
        let response = with_environ(|environ| {
            environ.remove("QUERY_STRING");
            environ.insert("REQUEST_METHOD", "BREW");
        });
        assert_eq!(response.status, 200);
        assert_eq!(
            response.errors,
            [
                "validator warning: QUERY_STRING is not in the environ; applications that \
                 parse it are more likely to fail",
                "validator warning: unknown REQUEST_METHOD \"BREW\"",
            ]
        );
    }
}
