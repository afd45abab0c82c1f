//! `--stats`: the JSON document, `/metrics` in Prometheus text counting what was sent, and
//! `/healthz` turning 503 while the server drains. In-process servers on loopback port 0.

mod support;

use gateway::{Environ, Server, StartResponse};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use support::get;

fn app(environ: &Environ, start_response: StartResponse) -> &'static str {
    match &environ["PATH_INFO"][..] {
        "/slow" => {
            std::thread::sleep(Duration::from_millis(1500));
            start_response("200 OK", &[]);
            "slow"
        }
        "/missing" => {
            start_response("404 Not Found", &[]);
            "no"
        }
        _ => {
            start_response("200 OK", &[]);
            "hello"
        }
    }
}

/// A server with a stats address, and its two addresses.
fn start() -> (
    gateway::ShutdownHandle,
    std::thread::JoinHandle<()>,
    SocketAddr,
    SocketAddr,
) {
    let server = Server::builder()
        .bind("127.0.0.1:0")
        .stats("127.0.0.1:0")
        .handle_signals(false)
        .shutdown_grace(Duration::from_secs(10))
        .build(app)
        .unwrap();
    let (addr, stats) = (server.local_addr(), server.stats_addr().unwrap());
    let handle = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever().unwrap());
    (handle, thread, addr, stats)
}

/// Status and body of `GET path` on the stats address.
fn stats_get(stats: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(stats).unwrap();
    stream.set_read_timeout(Some(support::IO_TIMEOUT)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (support::status_of(head), body.to_owned())
}

/// Prometheus text exposition, checked line by line: `name{labels} value` with a number.
fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        assert!(
            series.chars().next().unwrap().is_ascii_alphabetic(),
            "{line}"
        );
        assert_eq!(series.contains('{'), series.ends_with('}'), "{line}");
        samples.insert(series.to_owned(), value);
    }
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    samples
}

#[test]
fn metrics_count_each_request_by_method_and_status_class() {
    let (handle, thread, addr, stats) = start();
    for _ in 0..5 {
        assert_eq!(get(addr, "/").status, 200);
    }
    for _ in 0..3 {
        assert_eq!(get(addr, "/missing").status, 404);
    }
    let (status, text) = stats_get(stats, "/metrics");
    assert_eq!(status, 200);
    let samples = parse_prometheus(&text);
    let count = |labels: &str| samples[&format!("gateway_http_requests_total{{{labels}}}")];
    assert_eq!(count(r#"method="GET",status="2xx""#), 5.0);
    assert_eq!(count(r#"method="GET",status="4xx""#), 3.0);
    assert_eq!(count(r#"method="POST",status="2xx""#), 0.0);
    assert_eq!(samples["gateway_http_request_duration_seconds_count"], 8.0);
    assert_eq!(
        samples[r#"gateway_http_request_duration_seconds_bucket{le="+Inf"}"#],
        8.0
    );
    assert!(samples["gateway_received_bytes_total"] > 0.0);
    assert!(samples["gateway_sent_bytes_total"] > 0.0);
    assert!(samples["gateway_pool_threads"] >= 1.0);
    for gauge in [
        "gateway_http_requests_in_flight",
        "gateway_open_connections",
        "gateway_stuck_threads",
    ] {
        assert!(samples.contains_key(gauge), "{gauge} missing");
    }
    assert_eq!(samples["gateway_worker_restarts_total"], 0.0);
    handle.shutdown();
    thread.join().unwrap();
}

#[test]
fn the_stats_document_names_this_process_and_its_listeners() {
    let (handle, thread, addr, stats) = start();
    get(addr, "/");
    get(addr, "/missing");
    let (status, text) = stats_get(stats, "/");
    assert_eq!(status, 200);
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let worker = &document["workers"][0];
    assert_eq!(worker["pid"], std::process::id());
    assert_eq!(worker["requests"], 2);
    assert_eq!(worker["errors_4xx"], 1);
    assert_eq!(worker["errors_5xx"], 0);
    assert!(worker["rss_bytes"].as_u64().unwrap() > 0);
    assert_eq!(worker["restarts"], 0);
    assert_eq!(document["stuck_threads"], 0);
    assert!(document["uptime_seconds"].as_u64().is_some());
    assert_eq!(document["version"], env!("CARGO_PKG_VERSION"));
    let listener = &document["listeners"][0];
    assert_eq!(listener["address"], format!("http://{addr}"));
    assert_eq!(listener["protocol"], "http");
    assert!(listener["accepted"].as_u64().unwrap() >= 2);
    assert_eq!(stats_get(stats, "/nope").0, 404);
    handle.shutdown();
    thread.join().unwrap();
}

#[test]
fn healthz_answers_503_while_a_slow_request_holds_the_drain_open() {
    let (handle, thread, addr, stats) = start();
    assert_eq!(stats_get(stats, "/healthz"), (200, "ok\n".to_owned()));
    let slow = std::thread::spawn(move || get(addr, "/slow"));
    // Let the slow request begin before the drain does.
    let deadline = Instant::now() + support::IO_TIMEOUT;
    loop {
        let document: serde_json::Value = serde_json::from_str(&stats_get(stats, "/").1).unwrap();
        if document["in_flight"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the slow request never began");
        std::thread::sleep(Duration::from_millis(20));
    }
    handle.shutdown();
    let deadline = Instant::now() + support::IO_TIMEOUT;
    while stats_get(stats, "/healthz").0 != 503 {
        assert!(Instant::now() < deadline, "/healthz never said 503");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !slow.is_finished(),
        "the drain was over before /healthz said 503"
    );
    assert_eq!(slow.join().unwrap().status, 200);
    thread.join().unwrap();
}
