//! gateway-python built against a free-threaded Python (`--disable-gil`): the GIL stays
//! off once the application is loaded, and requests answered by interpreter threads that run
//! Python at the same moment each get their own environ and their own response.
//!
//! Built against a Python with the GIL, which is what `.ci/run` builds (CI has no
//! free-threaded Python: there is no binary of one to install; docs/python.md says how to
//! build one and point `PYO3_PYTHON` and `TEST_PYTHON_VENV` at it), the answers are checked
//! the same way, and the test says that it did not check that threads ran at once.

mod support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use support::*;

/// `/probe` answers `Py_GIL_DISABLED|sys._is_gil_enabled()`; any other path spins a little
/// pure Python (so requests overlap on the threads) and answers its path, its `X-Token`
/// header, the interpreter thread's name, and its own response header.
const APP_PY: &str = "import sys, sysconfig, threading\n\
def application(environ, start_response):\n\
\x20   if environ['PATH_INFO'] == '/probe':\n\
\x20       start_response('200 OK', [('Content-Type', 'text/plain')])\n\
\x20       gil = getattr(sys, '_is_gil_enabled', lambda: True)()\n\
\x20       return [('%s|%s' % (sysconfig.get_config_var('Py_GIL_DISABLED'), gil)).encode()]\n\
\x20   n = 0\n\
\x20   for i in range(20000):\n\
\x20       n += i\n\
\x20   token = environ['HTTP_X_TOKEN']\n\
\x20   start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Echo', token)])\n\
\x20   name = threading.current_thread().name\n\
\x20   return [('%s|%s|%s' % (environ['PATH_INFO'], token, name)).encode()]\n";

/// Client threads, and requests each sends (one connection each): more clients than
/// interpreter threads, so every thread has work at once.
const CLIENTS: usize = 8;
const REQUESTS: usize = 25;

#[test]
fn parallel_requests_keep_their_own_environ_and_response_on_any_python() {
    let Some(venv) = venv() else { return };
    let dir = temp_dir("py-freethreaded");
    let app = write(&dir, "parallel.py", APP_PY);
    let server = serve(
        &venv,
        &["--wsgi-file", app.to_str().unwrap(), "--threads", "4"],
        1,
    );
    let addr = server.addr(0);
    let probe = get(&format!("http://{addr}/probe"), &[]);
    assert_eq!(status(&probe), 200, "{probe}");
    let free_threaded = body(&probe).starts_with("1|");
    if free_threaded {
        assert_eq!(body(&probe), "1|False", "the GIL is on again: {probe}");
    } else {
        eprintln!(
            "not checked: threads running at once (gateway-python was built against a Python \
             with the GIL, probe: {}; build it with PYO3_PYTHON naming a free-threaded Python, \
             3.14t and later with pyo3 0.30, docs/python.md)",
            body(&probe)
        );
    }

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| std::thread::spawn(move || ask(addr, client)))
        .collect();
    let mut threads = BTreeSet::new();
    for client in clients {
        threads.extend(client.join().unwrap());
    }
    // With the GIL, one thread may well answer everything: it keeps the GIL while jobs wait.
    assert!(
        !free_threaded || threads.len() >= 2,
        "only {threads:?} of the 4 interpreter threads answered"
    );
    server.stop();
}

/// Sends client `client`'s requests, checks each answer is its own, and returns the names
/// of the interpreter threads that answered.
fn ask(addr: SocketAddr, client: usize) -> BTreeSet<String> {
    let mut threads = BTreeSet::new();
    for request in 0..REQUESTS {
        let path = format!("/c{client}/r{request}");
        let token = format!("t{client}x{request}");
        let answer = deployed::exchange(
            addr,
            format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nX-Token: {token}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        let answer = String::from_utf8(answer).unwrap();
        assert_eq!(status(&answer), 200, "{answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains(&format!("\r\nx-echo: {token}\r\n")),
            "{answer}"
        );
        let fields: Vec<&str> = body(&answer).split('|').collect();
        assert_eq!(fields[..2], [path.as_str(), token.as_str()], "{answer}");
        threads.insert(fields[2].to_owned());
    }
    threads
}
