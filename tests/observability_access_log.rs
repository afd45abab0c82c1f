//! The access log, as an operator runs it: `examples/deploy` with `--access-log FILE`, one
//! line per request in the default Combined Log Format (plus microseconds), gunicorn's and
//! nginx's named fields, JSON lines; reopened after logrotate's rename and SIGUSR1.

mod deployed;
mod support;

use deployed::{exchange, nginx_vars, run_to_end, uwsgi_packet, Deployed};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A fresh file path for this test.
fn log_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gateway-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Waits (bounded: the writer flushes at least once a second) for `count` lines in `path`.
fn lines(path: &Path, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if lines.len() >= count {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "{} lines in {path:?}, not {count}",
            lines.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One HTTP/1.1 request, read to its end (the server closes: `Connection: close`).
fn get(addr: SocketAddr, target: &str, extra: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{extra}\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn the_default_line_is_the_combined_log_format_and_microseconds() {
    let path = log_path("default.log");
    let server = Deployed::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--access-log",
            path.to_str().unwrap(),
        ],
        1,
    );
    let answer = get(
        server.addr(0),
        "/bob?x=1",
        "User-Agent: tester/1.0\r\nReferer: http://a/\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let line = &lines(&path, 1)[0];
    // 127.0.0.1 - - [29/Nov/2026:20:00:00 +0000] "GET /bob?x=1 HTTP/1.1" 200 20 "http://a/" "tester/1.0" 153
    let (start, rest) = line.split_once(" [").unwrap();
    assert_eq!(start, "127.0.0.1 - -");
    let (time, rest) = rest.split_once("] ").unwrap();
    assert!(time.ends_with(" +0000") && time.len() == 26, "{time}");
    let (request, rest) = rest.strip_prefix('"').unwrap().split_once("\" ").unwrap();
    assert_eq!(request, "GET /bob?x=1 HTTP/1.1");
    let fields: Vec<&str> = rest.split(' ').collect();
    assert_eq!(fields[0], "200");
    assert_eq!(fields[1], "20", "<h1>Hello, bob!</h1> is 20 bytes");
    assert_eq!(fields[2], "\"http://a/\"");
    assert_eq!(fields[3], "\"tester/1.0\"");
    assert!(fields[4].parse::<u64>().unwrap() > 0);
    server.stop();
}

#[test]
fn gunicorn_and_nginx_fields_name_the_same_facts() {
    let gunicorn_log = log_path("gunicorn.log");
    let nginx_log = log_path("nginx.log");
    let gunicorn = Deployed::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--access-log",
            gunicorn_log.to_str().unwrap(),
            "--access-log-format",
            "%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(a)s|%(M)s|%(l)s%%",
        ],
        1,
    );
    let nginx = Deployed::start(
        &[
            "--http", "127.0.0.1:0", "--access-log", nginx_log.to_str().unwrap(),
            "--access-log-format",
            "$request_method|$request_uri|$server_protocol|$status|$body_bytes_sent|$http_user_agent|$request_time|$remote_addr|$request",
        ],
        1,
    );
    get(gunicorn.addr(0), "/a?b=c", "User-Agent: x\"y\r\n");
    get(nginx.addr(0), "/a?b=c", "User-Agent: x\"y\r\n");
    let line = &lines(&gunicorn_log, 1)[0];
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(
        fields[..8],
        ["GET", "/a", "b=c", "HTTP/1.1", "200", "18", "18", "x\\x22y"],
        "{line}"
    );
    assert!(
        fields[8].parse::<u64>().is_ok() && fields[9] == "-%",
        "{line}"
    );
    let line = &lines(&nginx_log, 1)[0];
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(
        fields[..6],
        ["GET", "/a?b=c", "HTTP/1.1", "200", "18", "x\\x22y"],
        "{line}"
    );
    let seconds = fields[6];
    assert!(
        seconds.contains('.') && seconds.parse::<f64>().is_ok(),
        "{line}"
    );
    assert_eq!(fields[7..], ["127.0.0.1", "GET /a?b=c HTTP/1.1"], "{line}");
    gunicorn.stop();
    nginx.stop();
}

#[test]
fn json_lines_are_each_a_json_object() {
    let path = log_path("json.log");
    let server = Deployed::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--access-log",
            path.to_str().unwrap(),
            "--access-log-format",
            "json",
        ],
        1,
    );
    get(server.addr(0), "/one", "");
    get(server.addr(0), "/two?q=%22", "User-Agent: a\"b\r\n");
    for (line, path) in lines(&path, 2).iter().zip(["/one", "/two?q=%22"]) {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["uri"], path, "{line}");
        assert_eq!(value["status"], 200);
        assert_eq!(value["method"], "GET");
        assert_eq!(value["remote_addr"], "127.0.0.1");
        assert!(value["duration_us"].as_u64().is_some());
        assert!(value["bytes_sent"].as_u64().unwrap() > 0);
    }
    server.stop();
}

#[test]
fn an_unknown_field_is_a_start_up_error_that_names_it() {
    let output = run_to_end(
        &[
            "--http",
            "127.0.0.1:0",
            "--access-log-format",
            "%(h)s %(nope)s",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown field `%(nope)s`"), "{stderr}");
}

#[test]
fn sigusr1_reopens_the_file_after_logrotate_renamed_it() {
    let path = log_path("rotated.log");
    let server = Deployed::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--access-log",
            path.to_str().unwrap(),
        ],
        1,
    );
    get(server.addr(0), "/before", "");
    lines(&path, 1);
    let moved = path.with_extension("log.1");
    std::fs::rename(&path, &moved).unwrap();
    server.signal("USR1");
    // Lines go to the old file until the writer reopens (within a second): retry until one
    // lands in the new file.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() || std::fs::read_to_string(&path).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no line in the reopened file");
        get(server.addr(0), "/after", "");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(std::fs::read_to_string(&moved)
        .unwrap()
        .contains("GET /before "));
    assert!(lines(&path, 1)[0].contains("GET /after "));
    server.stop();
}

#[test]
fn h2_and_uwsgi_requests_are_logged_and_stderr_is_the_default() {
    let server = Deployed::start(&["--http", "127.0.0.1:0", "--socket", "127.0.0.1:0"], 2);
    let replies = support::send_h2(server.addr(0), vec![support::request("GET", "/h2", "")]);
    assert_eq!(replies[0].status, 200);
    let line = server.wait_for_line("\"GET /h2 HTTP/2.0\" 200");
    assert!(line.starts_with("127.0.0.1 - - ["), "{line}");
    let vars = nginx_vars("GET", "/uw", "");
    let mut vars = vars;
    vars.push(("REMOTE_ADDR", "203.0.113.9"));
    let answer = exchange(server.addr(1), &uwsgi_packet(&vars, b""));
    assert!(answer.starts_with(b"HTTP/1.1 200"));
    let line = server.wait_for_line("\"GET /uw HTTP/1.1\" 200");
    assert!(line.starts_with("203.0.113.9 - - ["), "{line}");
    server.stop();
}

#[test]
fn disable_access_log_writes_nothing() {
    let path = log_path("disabled.log");
    let server = Deployed::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--access-log",
            path.to_str().unwrap(),
            "--disable-access-log",
        ],
        1,
    );
    get(server.addr(0), "/", "");
    std::thread::sleep(Duration::from_millis(1200));
    assert!(!path.exists() || std::fs::read_to_string(&path).unwrap().is_empty());
    server.stop();
}

#[test]
fn https_requests_are_logged_with_their_alpn_protocol() {
    if !deployed::have("curl") {
        return;
    }
    let dir = deployed::temp_dir("access-tls");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    let path = log_path("tls.log");
    let https = format!("127.0.0.1:0,{},{}", cert.display(), key.display());
    let server = Deployed::start(
        &["--https", &https, "--access-log", path.to_str().unwrap()],
        1,
    );
    let port = server.addr(0).port();
    let url = format!("https://localhost:{port}/tls");
    let resolve = format!("localhost:{port}:127.0.0.1");
    for version in ["--http1.1", "--http2"] {
        let cacert = cert.to_str().unwrap();
        deployed::curl(&["--cacert", cacert, "--resolve", &resolve, version, &url]);
    }
    let lines = lines(&path, 2);
    assert!(lines[0].contains("\"GET /tls HTTP/1.1\" 200 "), "{lines:?}");
    assert!(lines[1].contains("\"GET /tls HTTP/2.0\" 200 "), "{lines:?}");
    server.stop();
}
