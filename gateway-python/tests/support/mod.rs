//! What the gateway-python tests share: the virtualenv `.ci/run` makes (pysnooper, Django,
//! Flask), the binary started as an operator would (the workspace's `tests/deployed`
//! helpers: stderr lines read, stopped by PID with SIGTERM), and curl.
#![allow(dead_code)] // each test file uses a part

#[path = "../../../tests/deployed/mod.rs"]
pub mod deployed;

#[allow(unused_imports)] // each test file uses a part
pub use deployed::{curl, have, temp_dir, Deployed};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The note's `hello.py`, byte for byte.
pub const HELLO_PY: &str = r#"import pysnooper

@pysnooper.snoop(max_variable_length=None)
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/html')])
    body = '<h1>Hello, %s!<h1>' % (environ['PATH_INFO'][1:] or 'Web')
    return [body.encode('utf-8')]
"#;

/// The virtualenv with the tests' packages (`TEST_PYTHON_VENV`, which `.ci/run` sets; not
/// `GATEWAY_*`: that prefix is the options' and an unknown one is refused),
/// or `None` with a "skipped" line; under `CI=true` its absence fails the test.
pub fn venv() -> Option<PathBuf> {
    let venv = std::env::var_os("TEST_PYTHON_VENV")
        .map(PathBuf::from)
        .filter(|dir| dir.join("bin").join("python").exists());
    if venv.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "TEST_PYTHON_VENV names no virtualenv, and CI=true: .ci/run makes one"
        );
        eprintln!(
            "skipped: TEST_PYTHON_VENV is not set to a virtualenv with pysnooper, Django and Flask"
        );
    }
    venv
}

/// The gateway-python binary, its environment cleared of what would change its options.
pub fn program() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gateway-python"));
    command
        .env_remove("GATEWAY_CONFIG")
        .env_remove("VIRTUAL_ENV");
    command
}

/// gateway-python serving on one HTTP port (and whatever else `args` add).
pub fn serve(venv: &std::path::Path, args: &[&str], listeners: usize) -> Deployed {
    let mut all = vec![
        "--http",
        "127.0.0.1:0",
        "--virtualenv",
        venv.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    Deployed::start_program(program(), &all, listeners)
}

/// Runs gateway-python to its end (a bad application, `--help`).
pub fn run_to_end(args: &[&str]) -> Output {
    let mut child = program()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("gateway-python did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The stderr lines `server` printed since the last call, gathered until `needle` shows up
/// (or 10 s pass).
pub fn lines_until(server: &Deployed, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some(line) = server.next_line(deadline.saturating_duration_since(Instant::now())) {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(needle) {
            return seen;
        }
    }
    panic!("no log line containing {needle:?} in:\n{seen}");
}

/// `curl -i` of `url`: the status line, headers and body, with `extra` arguments.
pub fn get(url: &str, extra: &[&str]) -> String {
    let mut args = vec!["-i"];
    args.extend_from_slice(extra);
    args.push(url);
    curl(&args)
}

/// A `curl -i` output without the `100 Continue` interim response curl prints for uploads.
fn final_response(response: &str) -> &str {
    response
        .strip_prefix("HTTP/1.1 100 Continue\r\n\r\n")
        .unwrap_or(response)
}

/// The status code of a `curl -i` output.
pub fn status(response: &str) -> u16 {
    final_response(response)
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"))
}

/// The body of a `curl -i` output.
pub fn body(response: &str) -> &str {
    final_response(response)
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
}

/// Writes `text` to `dir/name`.
pub fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
