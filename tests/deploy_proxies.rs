//! Who the client is behind a proxy: forwarded headers believed only from
//! `--forwarded-allow-ips` peers (a spoofing client is ignored), and the PROXY protocol on
//! listeners that ask for it.

mod deployed;

use deployed::exchange;
use gateway::{Environ, Server, ServerBuilder, StartResponse};

fn who(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    format!(
        "{} {}",
        &environ["REMOTE_ADDR"], &environ["wsgi.url_scheme"]
    )
}

/// Serves `who` on the builder's listener, sends `request`, returns the body.
fn ask(builder: ServerBuilder, request: &[u8]) -> String {
    let server = builder.handle_signals(false).build(who).unwrap();
    let addr = server.local_addr();
    let stop = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever());
    let answer = String::from_utf8(exchange(addr, request)).unwrap();
    stop.shutdown();
    thread.join().unwrap().unwrap();
    answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or(&answer)
        .to_owned()
}

const FORWARDED: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
    X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n";

#[test]
fn forwarded_headers_from_a_trusted_proxy_set_remote_addr_and_scheme() {
    let builder = Server::builder().http("127.0.0.1:0");
    let builder = builder.forwarded_allow_ips(["127.0.0.1"]).unwrap();
    assert_eq!(ask(builder, FORWARDED), "203.0.113.9 https");
}

#[test]
fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
    let builder = Server::builder().http("127.0.0.1:0");
    let builder = builder.forwarded_allow_ips(["10.0.0.0/8"]).unwrap();
    assert_eq!(ask(builder, FORWARDED), "127.0.0.1 http");
    assert_eq!(
        ask(Server::builder().http("127.0.0.1:0"), FORWARDED),
        "127.0.0.1 http"
    );
}

#[test]
fn the_proxy_protocol_names_the_client_and_its_absence_closes() {
    let proxied = b"PROXY TCP4 198.51.100.4 192.0.2.1 40000 80\r\n\
        GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let builder = Server::builder().http_proxy_protocol("127.0.0.1:0");
    assert_eq!(ask(builder, proxied), "198.51.100.4 http");
    let builder = Server::builder().http_proxy_protocol("127.0.0.1:0");
    assert_eq!(ask(builder, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "");
}
