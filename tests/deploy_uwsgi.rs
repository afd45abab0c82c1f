//! The uwsgi socket (`--socket`), with a hand-written uwsgi client: a request with a body,
//! and every wrong shape closing its connection with a log line in words while the server
//! goes on serving.

mod deployed;

use deployed::{exchange, exchange_half_closed, nginx_vars, uwsgi_packet, Deployed};

fn hello_works(server: &Deployed) {
    let packet = uwsgi_packet(&nginx_vars("GET", "/Ann", ""), b"");
    let answer = String::from_utf8(exchange(server.addr(0), &packet)).unwrap();
    assert!(answer.ends_with("<h1>Hello, Ann!</h1>"), "{answer}");
}

#[test]
fn a_post_with_a_body_is_answered_with_content_length_never_chunked() {
    let server = Deployed::start(&["--socket", "127.0.0.1:0"], 1);
    let mut vars = nginx_vars("POST", "/Zoe", "a=1");
    vars.retain(|(key, _)| *key != "CONTENT_LENGTH");
    vars.push(("CONTENT_LENGTH", "5"));
    let answer =
        String::from_utf8(exchange(server.addr(0), &uwsgi_packet(&vars, b"hello"))).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("content-length: 20\r\n"), "{answer}");
    let head = uwsgi_packet(&nginx_vars("HEAD", "/Zoe", ""), b"");
    let answer = String::from_utf8(exchange(server.addr(0), &head)).unwrap();
    assert!(answer.ends_with("\r\n\r\n"), "HEAD has no body: {answer}");
}

#[test]
fn http_on_the_uwsgi_socket_closes_with_a_sentence_that_says_what_to_do() {
    let server = Deployed::start(&["--socket", "127.0.0.1:0"], 1);
    let answer = exchange(server.addr(0), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.is_empty());
    server.wait_for_line("this is a uwsgi socket; an HTTP request arrived: point nginx's uwsgi_pass here, or use --http");
    hello_works(&server);
}

#[test]
fn wrong_modifiers_truncated_oversized_and_garbage_packets_are_closed_and_logged() {
    let server = Deployed::start(&["--socket", "127.0.0.1:0", "--max-head-size", "8KiB"], 1);
    let mut modifier = uwsgi_packet(&nginx_vars("GET", "/", ""), b"");
    modifier[0] = 5;
    assert!(exchange(server.addr(0), &modifier).is_empty());
    server.wait_for_line("modifier1 = 5");
    let whole = uwsgi_packet(&nginx_vars("GET", "/", ""), b"");
    assert!(exchange_half_closed(server.addr(0), &whole[..whole.len() - 3]).is_empty());
    server.wait_for_line("the connection closed after");
    assert!(exchange(server.addr(0), &[0, 0xff, 0xff, 0]).is_empty());
    server.wait_for_line("over the limit of 8192");
    assert!(exchange_half_closed(server.addr(0), &[0, 4, 0, 0, 9, 9, 9, 9]).is_empty());
    server.wait_for_line("malformed");
    hello_works(&server);
}

#[test]
fn a_silent_uwsgi_client_is_closed_after_the_header_read_timeout() {
    let server = Deployed::start(
        &["--socket", "127.0.0.1:0", "--header-read-timeout", "1s"],
        1,
    );
    let started = std::time::Instant::now();
    assert!(exchange(server.addr(0), &[0, 10]).is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    hello_works(&server);
}
