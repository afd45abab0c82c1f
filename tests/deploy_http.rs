//! `gateway::run` (examples/deploy.rs) as an operator runs it: several listeners at once,
//! the configuration actions and their exit statuses, shutdown by SIGTERM.

mod deployed;

use deployed::{exchange, nginx_vars, run_to_end, uwsgi_packet, Deployed};

fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    String::from_utf8(exchange(addr, request.as_bytes())).unwrap()
}

#[test]
fn run_serves_every_http_listener_and_a_uwsgi_socket_at_once_and_stops_on_sigterm() {
    let server = Deployed::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--http",
            ":0",
            "--socket",
            "127.0.0.1:0",
        ],
        3,
    );
    assert!(
        server.listening[0].starts_with("http://127.0.0.1:"),
        "{:?}",
        server.listening
    );
    assert!(server.listening[0].ends_with("(HTTP/1.1, h2c)"));
    assert!(server.listening[2].starts_with("uwsgi://127.0.0.1:"));
    for index in 0..2 {
        let answer = get(server.addr(index), "/Alice");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("<h1>Hello, Alice!</h1>"), "{answer}");
    }
    let packet = uwsgi_packet(&nginx_vars("GET", "/Bob", ""), b"");
    let answer = String::from_utf8(exchange(server.addr(2), &packet)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("content-length: 20\r\n"), "{answer}");
    assert!(!answer.to_ascii_lowercase().contains("chunked"), "{answer}");
    assert!(answer.ends_with("<h1>Hello, Bob!</h1>"), "{answer}");
    assert!(server.stop().success());
}

#[test]
fn help_lists_the_options_and_exits_0() {
    let output = run_to_end(&["--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--http",
        "--https",
        "--socket",
        "--chmod-socket",
        "--max-head-size",
    ] {
        assert!(help.contains(option), "{help}");
    }
}

#[test]
fn check_config_and_print_config_exit_0() {
    let output = run_to_end(&["--check-config", "--socket", ":9000"], &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let output = run_to_end(&["--print-config"], &[("GATEWAY_THREADS", "7")]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let toml = String::from_utf8_lossy(&output.stdout);
    assert!(toml.contains("threads = 7"), "{toml}");
}

#[test]
fn a_bad_configuration_is_one_line_naming_the_key_and_exit_status_2() {
    let output = run_to_end(&[], &[("GATEWAY_THRADS", "7")]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("GATEWAY_THRADS"), "{stderr}");
    let output = run_to_end(
        &["--check-config", "--https", ":0,/nonexistent/c.pem,/k.pem"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/c.pem"));
}

#[test]
fn a_port_in_use_is_a_start_up_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = run_to_end(&["--http", &addr], &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("already in use"));
}

#[test]
fn the_deploying_chapter_lists_every_option_that_help_shows() {
    let help = String::from_utf8(run_to_end(&["--help"], &[]).stdout).unwrap();
    let chapter = include_str!("../docs/deploying.md");
    let table = &chapter[chapter.find("## Every option").unwrap()..];
    let options = help
        .split_whitespace()
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|option| *option != "--help");
    for option in options {
        assert!(
            table.contains(&format!("| `{option}")),
            "{option} is missing from the table"
        );
    }
}

/// The scheduling policy of each I/O thread ("gateway") of `pid`: field 41 of its stat.
#[cfg(target_os = "linux")]
fn io_thread_policies(pid: u32) -> Vec<String> {
    let mut policies = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let task = task.unwrap().path();
        if std::fs::read_to_string(task.join("comm")).unwrap().trim() != "gateway" {
            continue;
        }
        let stat = std::fs::read_to_string(task.join("stat")).unwrap();
        // The fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
        policies.push(fields[41 - 3].to_owned());
    }
    policies
}

#[cfg(target_os = "linux")]
#[test]
fn io_threads_run_under_sched_batch_unless_told_otherwise() {
    const SCHED_OTHER: &str = "0";
    const SCHED_BATCH: &str = "3";
    for (args, expected) in [
        (
            &["--http", "127.0.0.1:0", "--io-threads", "2"][..],
            SCHED_BATCH,
        ),
        (
            &[
                "--http",
                "127.0.0.1:0",
                "--io-threads",
                "2",
                "--batch-scheduling",
                "false",
            ][..],
            SCHED_OTHER,
        ),
    ] {
        let server = Deployed::start(args, 1);
        assert!(get(server.addr(0), "/").starts_with("HTTP/1.1 200 OK\r\n"));
        // Each thread sets its policy as it starts, which may be after the first answer:
        // look again for up to 5 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let policies = loop {
            let policies = io_thread_policies(server.pid());
            let settled = policies.len() >= 2 && policies.iter().all(|policy| policy == expected);
            if settled || std::time::Instant::now() > deadline {
                break policies;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(policies.len() >= 2, "{args:?}: {policies:?}");
        assert!(
            policies.iter().all(|policy| policy == expected),
            "{args:?}: {policies:?}"
        );
        assert!(server.stop().success());
    }
}
