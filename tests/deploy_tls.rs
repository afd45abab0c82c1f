//! `--https ADDR,CERT,KEY` with a certificate made here (rcgen) and a real client (curl):
//! HTTP/1.1 and h2 by ALPN, `wsgi.url_scheme` and `HTTPS`; plain HTTP to the TLS port and a
//! handshake that never finishes are closed.

mod deployed;

use deployed::{curl, exchange, have, temp_dir, Deployed};
use gateway::{Environ, Server, StartResponse};
use std::path::PathBuf;

/// A certificate for `localhost` and `127.0.0.1`, and its key, as PEM files.
fn certificate(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    (cert, key)
}

#[test]
fn curl_gets_http_1_1_and_h2_by_alpn_with_https_in_the_environ() {
    if !have("curl") {
        return;
    }
    let dir = temp_dir("tls");
    let (cert, key) = certificate(&dir);
    let app = |environ: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        format!(
            "{} HTTPS={} {}",
            &environ["wsgi.url_scheme"],
            environ.get("HTTPS").unwrap_or("-"),
            &environ["SERVER_PROTOCOL"]
        )
    };
    let server = Server::builder()
        .https("127.0.0.1:0", &cert, &key)
        .handle_signals(false)
        .build(app)
        .unwrap();
    let addr = server.local_addr();
    let stop = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever());
    let url = format!("https://localhost:{}/", addr.port());
    let resolve = format!("localhost:{}:127.0.0.1", addr.port());
    let cacert = cert.to_str().unwrap();
    let h1 = curl(&["--cacert", cacert, "--resolve", &resolve, "--http1.1", &url]);
    assert_eq!(h1, "https HTTPS=on HTTP/1.1");
    let h2 = curl(&[
        "--cacert",
        cacert,
        "--resolve",
        &resolve,
        "--http2",
        "-w",
        " %{http_version}",
        &url,
    ]);
    assert_eq!(h2, "https HTTPS=on HTTP/2 2");
    stop.shutdown();
    thread.join().unwrap().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn plain_http_to_the_tls_port_and_a_stalled_handshake_are_closed() {
    let dir = temp_dir("tls-bad");
    let (cert, key) = certificate(&dir);
    let spec = format!("127.0.0.1:0,{},{}", cert.display(), key.display());
    let server = Deployed::start(&["--https", &spec, "--header-read-timeout", "1s"], 1);
    assert!(server.listening[0].starts_with("https://127.0.0.1:"));
    let answer = exchange(server.addr(0), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    server.wait_for_line("the client spoke plain HTTP");
    // A ClientHello's first bytes, then nothing: closed by the header read timeout.
    let started = std::time::Instant::now();
    let mut stalled = std::net::TcpStream::connect(server.addr(0)).unwrap();
    stalled
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    std::io::Write::write_all(&mut stalled, &[0x16, 0x03, 0x01, 0x02, 0x00]).unwrap();
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stalled, &mut rest);
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    if have("curl") {
        let url = format!("https://localhost:{}/Tess", server.addr(0).port());
        let resolve = format!("localhost:{}:127.0.0.1", server.addr(0).port());
        let page = curl(&[
            "--cacert",
            cert.to_str().unwrap(),
            "--resolve",
            &resolve,
            &url,
        ]);
        assert_eq!(page, "<h1>Hello, Tess!</h1>");
    }
    let _ = std::fs::remove_dir_all(dir);
}
