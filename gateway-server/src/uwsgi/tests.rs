use super::error::UwsgiError;
use super::packet::{encode, parse_header, read_packet, Packet, Vars};
use super::request::{Limits, Request};
use gateway_core::host::Input;
use gateway_core::Environ;
use http::{Method, Version};
use std::sync::Arc;

const LIMITS: Limits = Limits {
    max_size: 128 * 1024,
    max_headers: 100,
};

/// What nginx 1.22 sent for `curl 'http://127.0.0.1:18090/hello/w%C3%B6rld?a=1&b=2'` with two
/// `X-Custom` headers, through Debian's `uwsgi_params` (shared/reference/feasibility.md).
const NGINX_GET: &[(&[u8], &[u8])] = &[
    (b"QUERY_STRING", b"a=1&b=2"),
    (b"REQUEST_METHOD", b"GET"),
    (b"CONTENT_TYPE", b""),
    (b"CONTENT_LENGTH", b""),
    (b"REQUEST_URI", b"/hello/w%C3%B6rld?a=1&b=2"),
    (b"PATH_INFO", b"/hello/w\xC3\xB6rld"),
    (b"DOCUMENT_ROOT", b"/usr/share/nginx/html"),
    (b"SERVER_PROTOCOL", b"HTTP/1.1"),
    (b"REQUEST_SCHEME", b"http"),
    (b"REMOTE_ADDR", b"127.0.0.1"),
    (b"REMOTE_PORT", b"54172"),
    (b"SERVER_PORT", b"18090"),
    (b"SERVER_NAME", b""),
    (b"HTTP_HOST", b"127.0.0.1"),
    (b"HTTP_USER_AGENT", b"curl/7.88.1"),
    (b"HTTP_ACCEPT", b"*/*"),
    (b"HTTP_X_CUSTOM", b"foo"),
    (b"HTTP_X_CUSTOM", b"bar"),
];

fn vars_of(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    encode(pairs)[4..].to_vec()
}

fn parse(pairs: &[(&[u8], &[u8])]) -> Result<Request, UwsgiError> {
    Request::parse(&vars_of(pairs), LIMITS)
}

fn with(extra: &[(&'static [u8], &'static [u8])]) -> Vec<(&'static [u8], &'static [u8])> {
    let mut pairs = vec![(&b"REQUEST_METHOD"[..], &b"GET"[..]), (b"PATH_INFO", b"/")];
    pairs.extend_from_slice(extra);
    pairs
}

/// The environ an application sees for `pairs` on a uwsgi socket at 127.0.0.1:9000, built
/// the way the accept loop will: the head, the connection facts, then the extras.
fn environ(pairs: &[(&[u8], &[u8])]) -> Environ {
    let request = parse(pairs).unwrap();
    let connection = request.connection(Some("127.0.0.1:9000".parse().unwrap()));
    let mut environ = Environ::new(request.head, Arc::new(connection), Input::empty());
    for (key, value) in request.extras {
        environ.insert(key, value);
    }
    environ
}

fn error(pairs: &[(&[u8], &[u8])]) -> String {
    parse(pairs).unwrap_err().to_string()
}

#[test]
fn nginx_get_becomes_the_head_and_environ_uwsgi_would_give() {
    let request = parse(NGINX_GET).unwrap();
    assert_eq!(request.head.method, Method::GET);
    assert_eq!(request.head.uri, "/hello/w%C3%B6rld?a=1&b=2");
    assert_eq!(request.head.version, Version::HTTP_11);
    assert_eq!(request.content_length, 0);
    assert_eq!(request.remote, Some("127.0.0.1:54172".parse().unwrap()));
    let environ = environ(NGINX_GET);
    for (key, value) in [
        ("REQUEST_METHOD", "GET"),
        ("SCRIPT_NAME", ""),
        ("PATH_INFO", "/hello/wörld"),
        ("QUERY_STRING", "a=1&b=2"),
        ("CONTENT_TYPE", ""),
        ("CONTENT_LENGTH", ""),
        ("SERVER_NAME", "127.0.0.1"),
        ("SERVER_PORT", "80"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REMOTE_ADDR", "127.0.0.1"),
        ("REMOTE_PORT", "54172"),
        ("HTTP_HOST", "127.0.0.1"),
        ("HTTP_USER_AGENT", "curl/7.88.1"),
        ("REQUEST_URI", "/hello/w%C3%B6rld?a=1&b=2"),
        ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
        ("REQUEST_SCHEME", "http"),
        ("wsgi.url_scheme", "http"),
    ] {
        assert_eq!(environ.get(key), Some(value), "{key}");
    }
}

#[test]
fn repeated_header_vars_are_joined_like_repeated_headers() {
    let environ = environ(&with(&[
        (b"HTTP_X_CUSTOM", b"foo"),
        (b"HTTP_X_CUSTOM", b"bar"),
        (b"HTTP_COOKIE", b"a=1"),
        (b"HTTP_COOKIE", b"b=2"),
    ]));
    assert_eq!(environ.get("HTTP_X_CUSTOM"), Some("foo,bar"));
    assert_eq!(environ.get("HTTP_COOKIE"), Some("a=1; b=2"));
}

#[test]
fn a_repeated_var_takes_the_last_value_like_a_later_uwsgi_param() {
    let request = parse(&with(&[(b"REQUEST_METHOD", b"POST")])).unwrap();
    assert_eq!(request.head.method, Method::POST);
}

#[test]
fn an_empty_content_length_is_no_body_and_a_number_is_the_body_length() {
    let request = parse(&with(&[(b"CONTENT_LENGTH", b"")])).unwrap();
    assert_eq!(request.content_length, 0);
    assert!(request.head.headers.get("content-length").is_none());
    let pairs = with(&[
        (b"CONTENT_LENGTH", b"7"),
        (b"CONTENT_TYPE", b"application/x-www-form-urlencoded"),
    ]);
    assert_eq!(parse(&pairs).unwrap().content_length, 7);
    let environ = environ(&pairs);
    assert_eq!(environ.get("CONTENT_LENGTH"), Some("7"));
    assert_eq!(
        environ.get("CONTENT_TYPE"),
        Some("application/x-www-form-urlencoded")
    );
}

#[test]
fn nginx_duplicates_of_content_type_and_length_and_its_transfer_encoding_are_dropped() {
    let pairs = with(&[
        (b"CONTENT_TYPE", b"text/plain"),
        (b"CONTENT_LENGTH", b"10"),
        (b"HTTP_CONTENT_TYPE", b"text/plain"),
        (b"HTTP_CONTENT_LENGTH", b"10"),
        (b"HTTP_TRANSFER_ENCODING", b"chunked"),
    ]);
    let environ = environ(&pairs);
    assert_eq!(environ.get("CONTENT_LENGTH"), Some("10"));
    for key in [
        "HTTP_CONTENT_TYPE",
        "HTTP_CONTENT_LENGTH",
        "HTTP_TRANSFER_ENCODING",
    ] {
        assert!(!environ.contains_key(key), "{key}");
    }
    assert_eq!(parse(&pairs).unwrap().head.headers.len(), 2);
}

#[test]
fn conflicting_content_lengths_and_bad_numbers_are_refused() {
    let message = error(&with(&[
        (b"CONTENT_LENGTH", b"5"),
        (b"CONTENT_LENGTH", b"6"),
    ]));
    assert_eq!(
        message,
        "the uwsgi var CONTENT_LENGTH is sent twice with different values"
    );
    for bad in [&b"-1"[..], b"+5", b"ten", b"99999999999999999999"] {
        let message = error(&with(&[(b"CONTENT_LENGTH", bad)]));
        assert_eq!(
            message,
            "the uwsgi var CONTENT_LENGTH is not a number of bytes"
        );
    }
    assert_eq!(
        parse(&with(&[
            (b"CONTENT_LENGTH", b"5"),
            (b"CONTENT_LENGTH", b"5")
        ]))
        .unwrap()
        .content_length,
        5
    );
}

#[test]
fn https_uwsgi_scheme_and_request_scheme_set_the_url_scheme() {
    for (pairs, scheme) in [
        (with(&[(b"HTTPS", b"on")]), "https"),
        (with(&[(b"HTTPS", b"1")]), "https"),
        (with(&[(b"REQUEST_SCHEME", b"https")]), "https"),
        (with(&[(b"REQUEST_SCHEME", b"http")]), "http"),
        (
            with(&[(b"HTTPS", b"on"), (b"UWSGI_SCHEME", b"http")]),
            "http",
        ),
        (with(&[]), "http"),
    ] {
        assert_eq!(
            environ(&pairs).get("wsgi.url_scheme"),
            Some(scheme),
            "{pairs:?}"
        );
    }
    let environ = environ(&with(&[(b"HTTPS", b"on"), (b"HTTP_HOST", b"example.com")]));
    assert_eq!(environ.get("HTTPS"), Some("on"));
    assert_eq!(environ.get("SERVER_PORT"), Some("443"));
}

#[test]
fn an_empty_server_name_falls_back_to_host_then_to_the_socket() {
    let pairs = with(&[(b"SERVER_NAME", b""), (b"SERVER_PORT", b"8080")]);
    let environ = environ(&pairs);
    assert_eq!(environ.get("SERVER_NAME"), Some("127.0.0.1"));
    assert_eq!(environ.get("SERVER_PORT"), Some("8080"));
    let named = with(&[(b"SERVER_NAME", b"shop.example"), (b"SERVER_PORT", b"8080")]);
    assert_eq!(
        super::tests::environ(&named).get("SERVER_NAME"),
        Some("shop.example")
    );
    let hosted = with(&[(b"SERVER_NAME", b""), (b"HTTP_HOST", b"other.example:9999")]);
    let environ = super::tests::environ(&hosted);
    assert_eq!(environ.get("SERVER_NAME"), Some("other.example"));
    assert_eq!(environ.get("SERVER_PORT"), Some("9999"));
}

#[test]
fn script_name_set_by_uwsgi_param_is_split_off_path_info() {
    let pairs = [
        (&b"REQUEST_METHOD"[..], &b"GET"[..]),
        (b"PATH_INFO", b"/app/users/7"),
        (b"SCRIPT_NAME", b"/app"),
    ];
    let environ = environ(&pairs);
    assert_eq!(environ.get("SCRIPT_NAME"), Some("/app"));
    assert_eq!(environ.get("PATH_INFO"), Some("/users/7"));
    assert_eq!(environ.uri().path(), "/app/users/7");
    assert_eq!(
        gateway_core::util::request_uri(&environ, true),
        "http://127.0.0.1:9000/app/users/7"
    );

    let root = [
        (&b"REQUEST_METHOD"[..], &b"GET"[..]),
        (b"PATH_INFO", b"/app"),
        (b"SCRIPT_NAME", b"/app/"),
    ];
    let environ = super::tests::environ(&root);
    assert_eq!(environ.get("SCRIPT_NAME"), Some("/app"));
    assert_eq!(environ.get("PATH_INFO"), Some(""));

    // `/application` is not under `/app`; a PATH_INFO the operator rewrote stays as it is.
    let other = [
        (&b"REQUEST_METHOD"[..], &b"GET"[..]),
        (b"PATH_INFO", b"/application"),
        (b"SCRIPT_NAME", b"/app"),
    ];
    assert_eq!(
        super::tests::environ(&other).get("PATH_INFO"),
        Some("/application")
    );
}

#[test]
fn bytes_that_are_not_utf8_follow_the_latin1_rule() {
    let environ = environ(&[
        (b"REQUEST_METHOD", b"GET"),
        (b"PATH_INFO", b"/caf\xE9"),
        (b"HTTP_X_NAME", b"\xFF"),
        (b"X_OPERATOR_PARAM", b"\xE9t\xE9"),
    ]);
    assert_eq!(environ.get("PATH_INFO"), Some("/café"));
    assert_eq!(environ.path_info_bytes(), b"/caf\xE9");
    assert_eq!(environ.get("HTTP_X_NAME"), Some("ÿ"));
    assert_eq!(environ.get("X_OPERATOR_PARAM"), Some("été"));
}

#[test]
fn the_decoded_path_is_escaped_again_so_it_decodes_to_itself() {
    let environ = environ(&[
        (b"REQUEST_METHOD", b"GET"),
        (b"PATH_INFO", b"/100% sure?#yes"),
        (b"QUERY_STRING", b"q=a b&r=%20"),
    ]);
    assert_eq!(environ.get("PATH_INFO"), Some("/100% sure?#yes"));
    assert_eq!(environ.get("QUERY_STRING"), Some("q=a%20b&r=%20"));
}

#[test]
fn request_uri_gives_the_path_when_path_info_is_missing() {
    let request = parse(&[
        (b"REQUEST_METHOD", b"GET"),
        (b"REQUEST_URI", b"/raw%20path?x=1"),
        (b"QUERY_STRING", b"x=1"),
    ])
    .unwrap();
    assert_eq!(request.head.uri, "/raw%20path?x=1");
    let bare = parse(&[(b"REQUEST_METHOD", b"OPTIONS")]).unwrap();
    assert_eq!(bare.head.uri, "/");
}

#[test]
fn server_protocol_gives_the_version() {
    for (protocol, version) in [
        (&b"HTTP/1.0"[..], Version::HTTP_10),
        (b"HTTP/1.1", Version::HTTP_11),
        (b"HTTP/2.0", Version::HTTP_2),
    ] {
        let request = parse(&with(&[(b"SERVER_PROTOCOL", protocol)])).unwrap();
        assert_eq!(request.head.version, version);
    }
    let message = error(&with(&[(b"SERVER_PROTOCOL", b"SPDY/3")]));
    assert_eq!(message, "the uwsgi var SERVER_PROTOCOL is no HTTP version");
}

#[test]
fn a_unix_socket_client_address_is_shown_as_text() {
    let environ = environ(&with(&[(b"REMOTE_ADDR", b"unix:")]));
    assert_eq!(environ.get("REMOTE_ADDR"), Some("unix:"));
    assert_eq!(environ.remote_addr(), None);
}

#[test]
fn server_keys_and_dotted_keys_cannot_be_set_by_the_packet() {
    let environ = environ(&with(&[
        (b"wsgi.url_scheme", b"https"),
        (b"GATEWAY_INTERFACE", b"CGI/9"),
        (b"SERVER_SOFTWARE", b"evil"),
    ]));
    assert_eq!(environ.get("wsgi.url_scheme"), Some("http"));
    assert_eq!(environ.get("GATEWAY_INTERFACE"), Some("CGI/1.1"));
    assert_ne!(environ.get("SERVER_SOFTWARE"), Some("evil"));
}

#[test]
fn missing_or_bad_vars_say_which_var() {
    assert_eq!(
        error(&[(b"PATH_INFO", b"/")]),
        "the uwsgi var REQUEST_METHOD is missing"
    );
    assert_eq!(
        error(&[(b"REQUEST_METHOD", b"G T")]),
        "the uwsgi var REQUEST_METHOD is no HTTP method"
    );
    assert_eq!(
        error(&with(&[(b"HTTP_X_BAD", b"a\r\nb")])),
        "the uwsgi var HTTP_X_BAD is no valid HTTP header (a bad character in its name or value)"
    );
    assert!(error(&with(&[(b"HTTP_BAD NAME", b"x")])).contains("HTTP_BAD NAME"));
}

#[test]
fn header_vars_are_held_to_the_header_count_limit() {
    let names: Vec<Vec<u8>> = (0..4).map(|i| format!("HTTP_X_{i}").into_bytes()).collect();
    let mut pairs = with(&[]);
    let pairs: Vec<(&[u8], &[u8])> = {
        pairs.extend(names.iter().map(|name| (name.as_slice(), &b"v"[..])));
        pairs
    };
    let tight = Limits {
        max_headers: 3,
        ..LIMITS
    };
    let message = Request::parse(&vars_of(&pairs), tight)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "a uwsgi packet carries more than 3 headers (HTTP_* vars; --max-headers)"
    );
    let enough = Limits {
        max_headers: 4,
        ..LIMITS
    };
    assert!(Request::parse(&vars_of(&pairs), enough).is_ok());
}

#[test]
fn a_length_past_the_end_of_the_block_is_malformed() {
    let mut block = vars_of(&with(&[]));
    block.extend_from_slice(&[9, 0, b'x']);
    assert!(matches!(
        Request::parse(&block, LIMITS),
        Err(UwsgiError::Malformed)
    ));
    let pairs: Vec<_> = Vars::new(&[3, 0, b'k']).collect();
    assert!(matches!(pairs.as_slice(), [Err(UwsgiError::Malformed)]));
}

#[test]
fn the_header_accepts_only_wsgi_requests_within_the_size_limit() {
    assert_eq!(parse_header([0, 0x10, 0x01, 0], 1024).unwrap(), 0x110);
    assert_eq!(
        parse_header(*b"GET ", 1024).unwrap_err().to_string(),
        "this is a uwsgi socket; an HTTP request arrived: point nginx's uwsgi_pass here, or use \
         --http"
    );
    assert_eq!(
        parse_header([5, 0, 0, 0], 1024).unwrap_err().to_string(),
        "a uwsgi packet with modifier1 = 5 arrived; only 0 (a WSGI request, nginx's default) is \
         served"
    );
    assert_eq!(
        parse_header([0, 0xFF, 0xFF, 0], 8192)
            .unwrap_err()
            .to_string(),
        "a uwsgi packet of 65535 bytes of vars arrived, over the limit of 8192 (--max-head-size)"
    );
    assert!(parse_header([0x16, 3, 1, 0], 8192)
        .unwrap_err()
        .to_string()
        .contains("a TLS handshake arrived: use --https"));
    assert!(parse_header(*b"PROX", 8192)
        .unwrap_err()
        .to_string()
        .contains("a PROXY protocol header arrived"));
}

fn read(bytes: &[u8], max_size: usize) -> (Result<Option<Packet>, UwsgiError>, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut reader = bytes;
    let result = runtime.block_on(read_packet(&mut reader, max_size));
    (result, reader.len())
}

#[test]
fn reading_takes_exactly_the_packet_and_leaves_the_body() {
    let mut bytes = encode(&with(&[(b"CONTENT_LENGTH", b"5")]));
    let packet_size = bytes.len();
    bytes.extend_from_slice(b"hello");
    let (packet, left) = read(&bytes, LIMITS.max_size);
    assert_eq!(packet.unwrap().unwrap().vars, bytes[4..packet_size]);
    assert_eq!(left, 5, "the body is still to be read");
}

#[test]
fn reading_a_closed_connection_is_no_request() {
    assert!(read(b"", 1024).0.unwrap().is_none());
}

#[test]
fn reading_truncated_packets_says_how_much_arrived() {
    let message = read(&[0, 1], 1024).0.unwrap_err().to_string();
    assert_eq!(
        message,
        "the connection closed after 2 of the 4 bytes of a uwsgi packet"
    );
    let message = read(&[0, 100, 0, 0, 1, 2, 3], 1024)
        .0
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "the connection closed after 7 of the 104 bytes of a uwsgi packet"
    );
    let message = read(b"GE", 1024).0.unwrap_err().to_string();
    assert!(message.contains("an HTTP request arrived"), "{message}");
}

#[test]
fn reading_an_http_request_names_the_mistake() {
    let (result, _) = read(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 65535);
    assert!(matches!(
        result,
        Err(UwsgiError::WrongProtocol(crate::sniff::Protocol::Http))
    ));
}

/// A small deterministic generator (xorshift), so a failure repeats.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_truncated_and_mutated_bytes_never_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let valid = encode(NGINX_GET);
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let limits = Limits {
        max_size: 4096,
        max_headers: 8,
    };
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..20_000 {
        let mut bytes = match round % 3 {
            // Pure noise, sometimes with a valid header so the vars parser sees it.
            0 => {
                let mut bytes: Vec<u8> =
                    (0..noise.below(300)).map(|_| noise.next() as u8).collect();
                if bytes.len() > 4 && noise.below(2) == 0 {
                    let size = (bytes.len() - 4) as u16;
                    bytes[..4].copy_from_slice(&[0, size as u8, (size >> 8) as u8, 0]);
                }
                bytes
            }
            // A valid packet cut short.
            1 => valid[..noise.below(valid.len())].to_vec(),
            // A valid packet with a few bytes changed.
            _ => {
                let mut bytes = valid.clone();
                for _ in 0..1 + noise.below(4) {
                    let at = noise.below(bytes.len());
                    bytes[at] = noise.next() as u8;
                }
                bytes
            }
        };
        let mut reader = bytes.as_slice();
        match runtime.block_on(read_packet(&mut reader, limits.max_size)) {
            Ok(Some(packet)) => match Request::parse(&packet.vars, limits) {
                Ok(request) => {
                    let _ = request.connection(None);
                    parsed += 1;
                }
                Err(error) => {
                    assert!(!error.to_string().is_empty());
                    refused += 1;
                }
            },
            Ok(None) => {}
            Err(error) => {
                assert!(!error.to_string().is_empty());
                refused += 1;
            }
        }
        bytes.clear();
    }
    assert!(
        parsed > 100 && refused > 100,
        "parsed {parsed}, refused {refused}"
    );
}
