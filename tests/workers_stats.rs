//! `--stats` with `--workers`: the master serves the address, each worker sends it its
//! numbers; the totals count every worker's requests, a killed worker's restart shows and its
//! counts stay, `/healthz` stays 200 through a reload and turns 503 while the master drains.
//! With `--harakiri`, a worker left with a stuck thread retires and the master replaces it.
//! Real processes (the deploy example) and real signals; each test prints what it measured.

mod deployed;

use deployed::load::{one, Load};
use deployed::{signal_pid, Deployed};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long the workers' reports (one a second) may take to show.
const REPORT_WAIT: Duration = Duration::from_secs(10);

/// A master with `workers` workers and a stats address, and its two addresses.
fn start(workers: &str, extra: &[&str]) -> (Deployed, SocketAddr, SocketAddr) {
    let mut args = vec![
        "--http",
        "127.0.0.1:0",
        "--workers",
        workers,
        "--stats",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let server = Deployed::start(&args, 1);
    let line = server.wait_for_line("stats on ");
    let rest = &line[line.find("://").unwrap() + 3..];
    let stats = rest[..rest.find(' ').unwrap()].parse().unwrap();
    server.wait_for_line("workers ready");
    let addr = server.addr(0);
    (server, addr, stats)
}

/// Status and body of `GET path` on the stats address.
fn get(stats: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(stats).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

/// The stats JSON document.
fn document(stats: SocketAddr) -> serde_json::Value {
    serde_json::from_str(&get(stats, "/").1).unwrap()
}

/// The sum of the `/metrics` samples of `family` (`gateway_http_requests_total{...} 3`).
fn metric(stats: SocketAddr, family: &str) -> u64 {
    let text = get(stats, "/metrics").1;
    text.lines()
        .filter(|line| {
            line.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with(['{', ' ']))
        })
        .map(|line| line.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

/// Polls `check` until it is true, for at most [`REPORT_WAIT`].
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + REPORT_WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "not in time: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_master_counts_every_worker_and_keeps_a_killed_worker_s_counts() {
    let (server, addr, stats) = start("2", &[]);
    const SENT: u64 = 200;
    for _ in 0..SENT {
        one(addr, "/").unwrap();
    }
    eventually("every request in /metrics", || {
        metric(stats, "gateway_http_requests_total") == SENT
    });
    let seen = document(stats);
    let pids: Vec<u64> = (seen["workers"].as_array().unwrap().iter())
        .map(|worker| worker["pid"].as_u64().unwrap())
        .collect();
    let per_worker: Vec<u64> = (seen["workers"].as_array().unwrap().iter())
        .map(|worker| worker["requests"].as_u64().unwrap())
        .collect();
    println!("{SENT} requests: /metrics counts {SENT}, workers {pids:?} served {per_worker:?}");
    assert_eq!(seen["requests"], SENT);
    assert_eq!(pids.len(), 2, "{seen}");
    assert_ne!(pids[0], pids[1]);
    assert!(seen["workers"][0]["rss_bytes"].as_u64().unwrap() > 0);

    let victim = pids[0];
    signal_pid(victim as u32, "KILL");
    server.wait_for_line("died");
    eventually("the restart in the stats", || {
        // The totals never go down while the killed worker's counts move to the retired ones.
        assert_eq!(metric(stats, "gateway_http_requests_total"), SENT);
        let seen = document(stats);
        let workers = seen["workers"].as_array().unwrap().clone();
        metric(stats, "gateway_worker_restarts_total") == 1
            && workers.len() == 2
            && workers.iter().any(|worker| {
                worker["restarts"] == 1
                    && (worker["last_exit"].as_str())
                        .is_some_and(|exit| exit.contains(&victim.to_string()))
            })
    });
    let seen = document(stats);
    let restarted = (seen["workers"].as_array().unwrap().iter())
        .find(|worker| worker["restarts"] == 1)
        .unwrap()
        .clone();
    println!(
        "after kill -9 of {victim}: restarts 1, last exit {}, requests still {SENT}",
        restarted["last_exit"]
    );
    assert!(!seen["workers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["pid"] == victim));
    // Two seconds later the dead worker's counts are folded into the retired ones.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(metric(stats, "gateway_http_requests_total"), SENT);
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn healthz_answers_503_while_the_master_drains() {
    let (server, addr, stats) = start("2", &["--shutdown-timeout", "10s"]);
    assert_eq!(get(stats, "/healthz"), (200, "ok\n".to_owned()));
    // A reload is no drain: new workers serve, the master goes on.
    server.signal("HUP");
    server.wait_for_line("reloaded");
    assert_eq!(get(stats, "/healthz").0, 200);
    let slow = std::thread::spawn(move || one(addr, "/sleep?ms=3000"));
    eventually("the slow request in flight", || {
        document(stats)["in_flight"] == 1
    });
    signal_pid(server.pid(), "TERM");
    let asked = Instant::now();
    eventually("503 while draining", || get(stats, "/healthz").0 == 503);
    println!(
        "/healthz answered 503 {:?} after SIGTERM, the slow request in flight",
        asked.elapsed()
    );
    let answer = slow.join().unwrap();
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(server.stop().code(), Some(0));
}

/// The pid in the deploy example's `/sleep` answer (`slept 0 ms in worker PID`).
fn worker_pid(body: &str) -> u64 {
    body.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_worker_with_a_stuck_thread_is_replaced_without_failing_a_request() {
    let (server, addr, stats) = start("1", &["--harakiri", "1s"]);
    let first = worker_pid(&one(addr, "/sleep?ms=0").unwrap());
    let load = Load::start(addr, 8, "/sleep?ms=5");
    let stuck = one(addr, "/sleep?ms=3000");
    assert!(
        stuck.as_ref().is_err_and(|answer| answer.contains("504")),
        "{stuck:?}"
    );
    let answered = Instant::now();
    server.wait_for_line("harakiri left a thread stuck: retiring");
    server.wait_for_line(&format!("worker {first} retired (exit status: 0)"));
    // The stuck call had 2 s left: the worker exits without waiting for it.
    let retired_after = answered.elapsed();
    let next = worker_pid(&one(addr, "/sleep?ms=0").unwrap());
    assert_ne!(next, first);
    std::thread::sleep(Duration::from_millis(300));
    let counts = load.finish();
    let mut pids: Vec<u64> = counts.bodies.iter().map(|body| worker_pid(body)).collect();
    pids.sort_unstable();
    pids.dedup();
    println!(
        "--harakiri 1s, /sleep?ms=3000: 504; worker {first} retired {retired_after:?} later, \
         {next} serves; load: sent {}, failed {}, served by {pids:?}",
        counts.sent, counts.failed
    );
    assert_eq!(counts.failed, 0, "{:?}", counts.failures);
    eventually("the harakiri in the stats", || {
        metric(stats, "gateway_harakiri_total") == 1
    });
    assert_eq!(metric(stats, "gateway_worker_restarts_total"), 0);
    assert_eq!(server.stop().code(), Some(0));
}
