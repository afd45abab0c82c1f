//! gateway-python under `--workers 2`: two processes serve the application, each knows it is
//! one of several (`wsgi.multiprocess`), and an application that fails to import stops the
//! whole start-up once instead of being restarted forever.

mod support;

use std::collections::BTreeSet;
use support::*;

/// Answers `pid|wsgi.multiprocess|wsgi.multithread`.
const PID_PY: &str = "import os\n\
def application(environ, start_response):\n\
\x20   start_response('200 OK', [('Content-Type', 'text/plain')])\n\
\x20   flags = (os.getpid(), environ['wsgi.multiprocess'], environ['wsgi.multithread'])\n\
\x20   return [('%s|%s|%s' % flags).encode()]\n";

/// Requests, each on a new connection, until two worker PIDs answered: the workers accept
/// from the same inherited socket, so which one takes a connection is the kernel's choice.
const TRIES: usize = 200;

#[test]
fn two_workers_serve_the_application_and_say_wsgi_multiprocess() {
    let Some(venv) = venv() else { return };
    let dir = temp_dir("py-workers");
    let app = write(&dir, "pid.py", PID_PY);
    let server = serve(
        &venv,
        &["--wsgi-file", app.to_str().unwrap(), "--workers", "2"],
        1,
    );
    let url = format!("http://{}/", server.addr(0));
    let mut pids = BTreeSet::new();
    for _ in 0..TRIES {
        let page = get(&url, &[]);
        assert_eq!(status(&page), 200, "{page}");
        let answer: Vec<&str> = body(&page).split('|').collect();
        assert_eq!(answer[1..], ["True", "True"], "{page}");
        let pid: u32 = answer[0].parse().unwrap();
        assert_ne!(pid, server.pid(), "the master ran the application");
        pids.insert(pid);
        if pids.len() == 2 {
            break;
        }
    }
    assert_eq!(pids.len(), 2, "only {pids:?} answered {TRIES} connections");
    server.stop();
}

#[test]
fn without_workers_wsgi_multiprocess_is_false() {
    let Some(venv) = venv() else { return };
    let dir = temp_dir("py-one-process");
    let app = write(&dir, "pid.py", PID_PY);
    let server = serve(&venv, &["--wsgi-file", app.to_str().unwrap()], 1);
    let page = get(&format!("http://{}/", server.addr(0)), &[]);
    assert_eq!(
        body(&page),
        format!("{}|False|True", server.pid()),
        "{page}"
    );
    server.stop();
}

/// A broken application under `--workers`: its traceback, a non-zero exit of the master, and
/// no worker started again after the failure. Both workers import at once, so the traceback
/// may show twice (once per worker, never more); the master's error is one line.
#[test]
fn an_application_that_fails_to_import_under_workers_stops_the_master() {
    let dir = temp_dir("py-workers-broken");
    let broken = write(
        &dir,
        "broken.py",
        "def helper():\n    raise RuntimeError('the database is not configured')\n\nhelper()\n",
    );
    let output = run_to_end(&[
        "--http",
        "127.0.0.1:0",
        "--workers",
        "2",
        "--wsgi-file",
        broken.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("Traceback (most recent call last)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("RuntimeError: the database is not configured"),
        "{stderr}"
    );
    let tracebacks = stderr.matches("Traceback (most recent call last)").count();
    assert!(
        tracebacks <= 2,
        "restarted: {tracebacks} tracebacks\n{stderr}"
    );
    assert_eq!(
        stderr
            .matches("before it was ready; see its error above")
            .count(),
        1,
        "{stderr}"
    );
}
