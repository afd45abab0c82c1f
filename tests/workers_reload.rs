//! `--workers`: a graceful stop and zero-downtime reloads under load, with real processes
//! (the deploy example) and real signals. Each test prints its request counts.

mod deployed;

use deployed::load::{one, Load};
use deployed::{temp_dir, Deployed};
use std::collections::BTreeSet;
use std::time::Duration;

/// The pids in `lines` of the form `worker PID serves ...`.
fn serving_pids(lines: &[String]) -> BTreeSet<u32> {
    lines
        .iter()
        .filter_map(|line| {
            let rest = &line[line.find("worker ")? + "worker ".len()..];
            let (pid, rest) = rest.split_once(' ')?;
            rest.starts_with("serves").then(|| pid.parse().ok())?
        })
        .collect()
}

/// The pids named by `/sleep` answers (`slept 20 ms in worker PID`).
fn answering_pids(bodies: &[String]) -> BTreeSet<u32> {
    bodies
        .iter()
        .filter_map(|body| body.rsplit(' ').next()?.parse().ok())
        .collect()
}

/// Waits for the line saying all workers are ready, and returns the lines until then.
fn wait_ready(server: &Deployed, needle: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = server
            .next_line(Duration::from_secs(20))
            .unwrap_or_else(|| panic!("no {needle:?} line; saw {lines:#?}"));
        let done = line.contains(needle);
        lines.push(line);
        if done {
            return lines;
        }
    }
}

#[test]
fn sigterm_lets_every_request_in_flight_finish_and_exits_0() {
    let server = Deployed::start(
        &["--http", "127.0.0.1:0", "--workers", "2", "--threads", "64"],
        1,
    );
    let addr = server.addr(0);
    wait_ready(&server, "workers ready");
    // 64 connections, each with one slow request in flight when SIGTERM comes.
    let clients: Vec<_> = (0..64)
        .map(|_| std::thread::spawn(move || one(addr, "/sleep?ms=1500")))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let status = server.stop();
    let answers: Vec<_> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let failed: Vec<_> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    println!(
        "SIGTERM with 64 requests in flight: sent {}, failed {}",
        answers.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn sighup_under_load_replaces_every_worker_and_fails_no_request() {
    let server = Deployed::start(&["--http", "127.0.0.1:0", "--workers", "2"], 1);
    let addr = server.addr(0);
    let first = serving_pids(&wait_ready(&server, "workers ready"));
    assert_eq!(first.len(), 2, "{first:?}");
    let load = Load::start(addr, 64, "/sleep?ms=20");
    std::thread::sleep(Duration::from_millis(700));
    server.signal("HUP");
    let second = serving_pids(&wait_ready(&server, "reloaded"));
    std::thread::sleep(Duration::from_millis(700));
    server.signal("HUP");
    let third = serving_pids(&wait_ready(&server, "reloaded"));
    std::thread::sleep(Duration::from_millis(700));
    let counts = load.finish();
    println!(
        "two SIGHUP reloads under 64 connections: sent {}, failed {} {:?}",
        counts.sent, counts.failed, counts.failures
    );
    assert_eq!(counts.failed, 0, "{:?}", counts.failures);
    assert_eq!(second.len(), 2, "{second:?}");
    assert_eq!(third.len(), 2, "{third:?}");
    assert!(first.is_disjoint(&second) && second.is_disjoint(&third));
    let answered = answering_pids(&counts.bodies);
    assert!(
        answered.iter().any(|pid| third.contains(pid)),
        "{answered:?}"
    );
    assert_eq!(server.stop().code(), Some(0));
}

#[test]
fn a_reload_whose_new_binary_fails_leaves_the_old_workers_serving() {
    let dir = temp_dir("workers-bad-reload");
    let binary = dir.join("deploy");
    std::fs::copy(deployed::binary(), &binary).unwrap();
    let server = Deployed::start_binary(&binary, &["--http", "127.0.0.1:0", "--workers", "2"], 1);
    let addr = server.addr(0);
    let old = serving_pids(&wait_ready(&server, "workers ready"));
    let load = Load::start(addr, 64, "/sleep?ms=20");
    // A broken deploy: the file on disk now exits 1 at once (replaced by a rename, as
    // installers do: a running binary cannot be written).
    let broken = dir.join("broken");
    std::fs::write(&broken, "#!/bin/sh\necho 'broken build' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&broken, &binary).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("HUP");
    let lines = wait_ready(&server, "reload failed");
    let lines = [lines, server.lines_for(Duration::from_millis(700))].concat();
    let counts = load.finish();
    println!(
        "SIGHUP with a broken binary under 64 connections: sent {}, failed {}",
        counts.sent, counts.failed
    );
    assert_eq!(counts.failed, 0, "{:?}", counts.failures);
    let said: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("reload failed"))
        .collect();
    assert_eq!(said.len(), 1, "{lines:#?}");
    assert!(said[0].contains("exit status: 1"), "{said:?}");
    assert!(answering_pids(&counts.bodies).is_subset(&old));
    // A fixed binary reloads.
    std::fs::copy(deployed::binary(), dir.join("fixed")).unwrap();
    std::fs::rename(dir.join("fixed"), &binary).unwrap();
    server.signal("HUP");
    let new = serving_pids(&wait_ready(&server, "reloaded"));
    assert!(new.is_disjoint(&old));
    assert_eq!(server.stop().code(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}
