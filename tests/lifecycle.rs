//! End-to-end: starting, blocking, shutting down.

mod support;

use gateway::{Environ, StartResponse};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::*;

#[test]
fn graceful_shutdown_finishes_the_request_in_flight() {
    let (started_tx, started_rx) = mpsc::channel();
    let started_tx = std::sync::Mutex::new(started_tx);
    let server = TestServer::start(move |_: &Environ, start_response: StartResponse| {
        started_tx.lock().unwrap().send(()).unwrap();
        std::thread::sleep(Duration::from_millis(500));
        start_response("200 OK", &[]);
        "finished"
    });
    let addr = server.addr;
    let client = std::thread::spawn(move || get(addr, "/"));
    started_rx
        .recv_timeout(IO_TIMEOUT)
        .expect("the request reached the app");
    let stopped = server.stop();
    assert!(stopped.is_ok(), "{stopped:?}");
    let reply = client.join().unwrap();
    assert_eq!((reply.status, reply.text().as_str()), (200, "finished"));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "no longer accepting"
    );
}

#[test]
fn a_blocking_app_does_not_delay_other_requests() {
    let server = TestServer::start(|environ: &Environ, start_response: StartResponse| {
        if environ.path_info() == "/slow" {
            std::thread::sleep(Duration::from_secs(1));
        }
        start_response("200 OK", &[]);
        environ.path_info().to_owned()
    });
    let addr = server.addr;
    let (done_tx, done_rx) = mpsc::channel();
    let slow = get_each(addr, ["/slow".to_owned()], "slow", &done_tx);
    std::thread::sleep(Duration::from_millis(50));
    let fast = get_each(
        addr,
        (0..100).map(|i| format!("/fast{i}")),
        "fast",
        &done_tx,
    );
    for handle in fast {
        assert_eq!(handle.join().unwrap().status, 200);
    }
    for handle in slow {
        assert_eq!(handle.join().unwrap().text(), "/slow");
    }
    let order: Vec<_> = done_rx.try_iter().collect();
    assert_eq!(order.len(), 101);
    assert_eq!(
        order.last(),
        Some(&"slow"),
        "all 100 fast requests finished before the slow one"
    );
}

#[test]
fn as_many_blocking_calls_as_io_threads_do_not_delay_other_requests() {
    // Every I/O thread could be the one a sleeping call lands on: with as many sleepers as
    // I/O threads, a call run on its I/O thread would leave none for the fast requests.
    const IO_THREADS: usize = 2;
    let server = TestServer::start_with(
        |environ: &Environ, start_response: StartResponse| {
            if environ.path_info().starts_with("/slow") {
                std::thread::sleep(Duration::from_secs(1));
            }
            start_response("200 OK", &[]);
            environ.path_info().to_owned()
        },
        |builder| builder.workers(IO_THREADS),
    );
    let addr = server.addr;
    let (done_tx, done_rx) = mpsc::channel();
    let slow = get_each(
        addr,
        (0..IO_THREADS).map(|i| format!("/slow{i}")),
        "slow",
        &done_tx,
    );
    std::thread::sleep(Duration::from_millis(100));
    let fast = get_each(
        addr,
        (0..100).map(|i| format!("/fast{i}")),
        "fast",
        &done_tx,
    );
    for handle in fast {
        assert_eq!(handle.join().unwrap().status, 200);
    }
    for (i, handle) in slow.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap().text(), format!("/slow{i}"));
    }
    let order: Vec<_> = done_rx.try_iter().collect();
    assert_eq!(order.len(), 100 + IO_THREADS);
    assert!(
        order[..100].iter().all(|done| *done == "fast"),
        "all 100 fast requests finished before any slow one: {order:?}"
    );
}

#[test]
fn a_port_in_use_is_one_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let app = |_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[]);
        ""
    };
    let error = gateway::make_server("127.0.0.1", port, app)
        .err()
        .expect("the port is taken");
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    let printed = format!("{:?}", gateway::Error::from(error));
    assert_eq!(printed, format!("address 127.0.0.1:{port} is already in use; stop the program using port {port} or choose another port (--port N or PORT=N)"));
}

/// The `hello` example, built by `cargo test` next to this test binary.
fn hello_example() -> Command {
    example("hello")
}

/// An example built by `cargo test` next to this test binary, with its output piped.
fn example(name: &str) -> Command {
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let example = deps
        .parent()
        .unwrap()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        example.exists(),
        "{} missing: cargo test builds examples",
        example.display()
    );
    let mut command = Command::new(example);
    command
        .env_remove("PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn the_example_reports_a_port_in_use_on_one_line_and_exits_non_zero() {
    let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let output = hello_example()
        .args(["--port", &port.to_string()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port} is already in use")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn the_example_serves_then_exits_0_on_sigterm() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = hello_example()
        .env("PORT", port.to_string())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert_eq!(line, format!("serving port {port}...\n"));
    let reply = get(format!("127.0.0.1:{port}").parse().unwrap(), "/Alice");
    assert_eq!(reply.text(), "<h1>Hello, Alice!</h1>");
    // The shell's builtin `kill`: present wherever `sh` is, unlike a `kill` binary.
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + IO_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the example did not exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let _ = std::io::stdout().flush();
}

#[test]
fn without_a_subscriber_a_500s_reason_is_on_stderr() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = example("validate")
        .env("PORT", port.to_string())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (line_tx, line_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let Ok(line) = line else { break };
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let listening = line_rx.recv_timeout(IO_TIMEOUT).expect("a start-up line");
    assert!(
        listening.contains("info: listening on http://127.0.0.1:"),
        "{listening}"
    );
    assert!(
        !listening.contains('\x1b'),
        "no colour on a pipe: {listening:?}"
    );
    assert_eq!(get(addr, "/mistake").status, 500);
    let reason = line_rx.recv_timeout(IO_TIMEOUT).expect("the 500's reason");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        reason.contains("error: validator:") && reason.contains("Content-Type"),
        "{reason}"
    );
}
