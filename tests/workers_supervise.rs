//! `--workers`: a worker killed is restarted and its exit status logged, `--max-requests`
//! recycles workers without failing a request, `--pidfile` names the master. Real processes
//! (the deploy example) and real signals; each test prints its request counts.

mod deployed;

use deployed::load::{one, Load};
use deployed::{signal_pid, temp_dir, Deployed};
use std::time::Duration;

/// The pid in a `worker PID serves ...` line.
fn serving_pid(line: &str) -> u32 {
    let rest = &line[line.find("worker ").unwrap() + "worker ".len()..];
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_killed_worker_is_restarted_with_its_exit_status_logged() {
    let server = Deployed::start(&["--http", "127.0.0.1:0", "--workers", "2"], 1);
    let addr = server.addr(0);
    let victim = serving_pid(&server.wait_for_line("serves"));
    server.wait_for_line("workers ready");
    signal_pid(victim, "KILL");
    let died = server.wait_for_line("died");
    assert!(
        died.contains(&format!("worker {victim} ")) && died.contains("SIGKILL"),
        "{died}"
    );
    let replacement = serving_pid(&server.wait_for_line("serves"));
    assert_ne!(replacement, victim);
    // The service goes on: the survivor and the replacement answer.
    let answers: Vec<_> = (0..100).map(|_| one(addr, "/sleep?ms=0")).collect();
    let failed = answers.iter().filter(|a| a.is_err()).count();
    println!(
        "after kill -9 of a worker: sent {}, failed {failed}",
        answers.len()
    );
    assert_eq!(failed, 0, "{answers:?}");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn max_requests_recycles_workers_without_failing_a_request() {
    let server = Deployed::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--workers",
            "2",
            "--max-requests",
            "100",
            "--max-requests-jitter",
            "20",
        ],
        1,
    );
    let addr = server.addr(0);
    server.wait_for_line("workers ready");
    let load = Load::start(addr, 64, "/sleep?ms=5");
    let mut retired = 0;
    let lines = server.lines_for(Duration::from_millis(2500));
    retired += lines
        .iter()
        .filter(|l| l.contains("retired (exit status: 0)"))
        .count();
    let counts = load.finish();
    println!(
        "--max-requests 100 under 64 connections: sent {}, failed {}, {retired} workers retired",
        counts.sent, counts.failed
    );
    let odd: Vec<_> = lines.iter().filter(|l| !l.contains("info:")).collect();
    assert_eq!(counts.failed, 0, "{:?} {odd:#?}", counts.failures);
    assert!(retired >= 2, "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("died")), "{lines:#?}");
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn the_pidfile_names_the_master_and_is_removed_at_exit() {
    let dir = temp_dir("workers-pidfile");
    let pidfile = dir.join("gateway.pid");
    for workers in ["2", "0"] {
        let server = Deployed::start(
            &[
                "--http",
                "127.0.0.1:0",
                "--workers",
                workers,
                "--pidfile",
                pidfile.to_str().unwrap(),
            ],
            1,
        );
        let written = std::fs::read_to_string(&pidfile).unwrap();
        assert_eq!(written.trim(), server.pid().to_string());
        let status = server.stop();
        assert_eq!(status.code(), Some(0), "--workers {workers}: {status:?}");
        assert!(!pidfile.exists(), "--workers {workers}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn one_process_ignores_sighup_and_reopens_logs_on_sigusr1() {
    let server = Deployed::start(&["--http", "127.0.0.1:0"], 1);
    let addr = server.addr(0);
    server.signal("HUP");
    server.wait_for_line("SIGHUP ignored");
    server.signal("USR1");
    server.wait_for_line("SIGUSR1: reopened");
    assert!(one(addr, "/").is_ok());
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn the_master_passes_sigusr1_on_to_every_worker() {
    let server = Deployed::start(&["--http", "127.0.0.1:0", "--workers", "2"], 1);
    server.wait_for_line("workers ready");
    server.signal("USR1");
    server.wait_for_line("SIGUSR1: reopened");
    server.wait_for_line("SIGUSR1: reopened");
    assert_eq!(server.stop().code(), Some(0));
}
