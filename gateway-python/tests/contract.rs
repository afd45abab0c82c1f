//! PEP 3333, all of it, checked by Python's own checker: every application here is wrapped
//! in `wsgiref.validate.validator`, whose assertions would turn into a 500 with an
//! `AssertionError` traceback in the log; none may fire.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::*;

const APP: &str = r#"
import sys, threading, time, tempfile
from wsgiref.validate import validator

closes = []
in_flight = [0, 0]   # now, most at once
lock = threading.Lock()

class Counted:
    """A body with close(), to count that it is called exactly once."""
    def __init__(self, chunks):
        self.chunks = iter(chunks)
    def __iter__(self):
        return self
    def __next__(self):
        return next(self.chunks)
    def close(self):
        closes.append(1)

def inner(environ, start_response):
    path = environ['PATH_INFO']
    text = [('Content-Type', 'text/plain')]
    if path == '/echo':
        stream = environ['wsgi.input']
        first = stream.read(3)
        line = stream.readline()
        short = stream.readline(2)
        rest = stream.readlines()
        body = b'|'.join([first, line, short, b''.join(rest)])
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return [body]
    if path == '/lines':
        lines = [line for line in environ['wsgi.input']]
        start_response('200 OK', text)
        return [('%d lines, %d bytes' % (len(lines), sum(map(len, lines)))).encode()]
    if path.startswith('/environ'):
        keys = ['REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'SERVER_PROTOCOL',
                'REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_NAME', 'SERVER_PORT', 'HTTP_X_NAME']
        lines = ['%s=%r' % (k, environ.get(k)) for k in keys]
        lines.append('types=%s' % sorted({type(environ[k]).__name__ for k in environ if not k.startswith('wsgi.')}))
        lines.append('dict=%s' % (type(environ) is dict))
        lines.append('terminated=%r' % environ['wsgi.input_terminated'])
        lines.append('version=%r' % (environ['wsgi.version'],))
        lines.append('path_text=%s' % environ['PATH_INFO'].encode('latin-1').decode('utf-8'))
        start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8')])
        return ['\n'.join(lines).encode('utf-8')]
    if path == '/generator':
        def chunks():
            start_response('201 Created', text)   # during the first iteration
            yield b''                             # the head waits for a non-empty chunk
            yield b''
            for i in range(3):
                yield b'chunk %d;' % i
        return chunks()
    if path == '/stream':
        def chunks():
            for i in range(200):
                yield b'%05d' % i + b'.' * 995
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return chunks()
    if path == '/write':
        write = start_response('200 OK', text)
        write(b'written, ')
        return [b'returned']
    if path == '/exc-info':
        start_response('200 OK', text)
        try:
            raise ValueError('caught by the application')
        except ValueError:
            start_response('503 Service Unavailable', text, sys.exc_info())
        return [b'replaced']
    if path == '/counted':
        start_response('200 OK', text)
        return Counted([b'one ', b'two'])
    if path == '/closes':
        start_response('200 OK', text)
        return [b'%d' % len(closes)]
    if path == '/errors':
        environ['wsgi.errors'].write('a line from wsgi.errors\n')
        environ['wsgi.errors'].flush()
        start_response('200 OK', text)
        return [b'logged']
    if path == '/file':
        f = tempfile.TemporaryFile()
        f.write(b'skipped' + b'F' * 100000)
        f.seek(7)
        start_response('200 OK', [('Content-Type', 'application/octet-stream'), ('Content-Length', '100000')])
        return environ['wsgi.file_wrapper'](f, 8192)
    if path == '/sleep':
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        time.sleep(0.4)
        with lock:
            in_flight[0] -= 1
        start_response('200 OK', text)
        return [b'%d' % in_flight[1]]
    if path == '/reason':
        start_response('299 Quite Fine', text)
        return [b'ok']
    start_response('404 Not Found', text)
    return [b'not found']

application = validator(inner)

def unvalidated(environ, start_response):
    """What the validator would itself refuse: an exception, a body that breaks off."""
    path = environ['PATH_INFO']
    if path == '/read-all':   # read() without a size: the validator allows only read(n)
        data = environ['wsgi.input'].read()
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'%d bytes' % len(data)]
    if path == '/raise':
        raise RuntimeError('boom in the application')
    if path == '/breaks-off':
        def chunks():
            yield b'first part;'
            raise RuntimeError('broke off mid-body')
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return chunks()
    return application(environ, start_response)
"#;

fn server(venv: &std::path::Path) -> Deployed {
    let dir = temp_dir("py-contract");
    write(&dir, "contract_app.py", APP);
    serve(
        venv,
        &[
            "--chdir",
            dir.to_str().unwrap(),
            "--module",
            "contract_app:unvalidated",
            "--threads",
            "4",
            "--max-body-size",
            "8MiB",
        ],
        1,
    )
}

/// Asserts that nothing in `log` says a validator assertion fired.
fn no_assertion(log: &str) {
    assert!(
        !log.contains("AssertionError"),
        "a validator assertion fired:\n{log}"
    );
}

#[test]
fn get_head_post_and_streams_pass_the_validator() {
    let Some(venv) = venv() else { return };
    let server = server(&venv);
    let base = format!("http://{}", server.addr(0));

    // wsgi.input: read(n), readline(), readline(size), readlines(), from a chunked upload.
    let echo = get(
        &format!("{base}/echo"),
        &[
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            "abcdef\nxyz\nline 3\nline 4",
        ],
    );
    assert_eq!(status(&echo), 200, "{echo}");
    assert_eq!(body(&echo), "abc|def\n|xy|z\nline 3\nline 4");
    let lines = get(&format!("{base}/lines"), &["--data-binary", "a\nb\nc"]);
    assert_eq!(body(&lines), "3 lines, 5 bytes");
    let big = vec![b'x'; 3 << 20];
    let path = temp_dir("py-big").join("big");
    std::fs::write(&path, &big).unwrap();
    let all = get(
        &format!("{base}/read-all"),
        &["--data-binary", &format!("@{}", path.display())],
    );
    assert_eq!(body(&all), "3145728 bytes");

    // HEAD: the head GET would have, no body.
    let head = get(&format!("{base}/generator"), &["-I"]);
    assert_eq!(status(&head), 201, "{head}");
    assert_eq!(body(&head), "");

    // start_response during the first iteration, empty chunks before the first real one.
    let generated = get(&format!("{base}/generator"), &[]);
    assert_eq!(status(&generated), 201, "{generated}");
    assert_eq!(body(&generated), "chunk 0;chunk 1;chunk 2;");
    // A streamed generator: 200 KB in 200 chunks, sent chunked.
    let streamed = get(&format!("{base}/stream"), &[]);
    assert!(
        streamed
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{streamed}"
    );
    assert_eq!(body(&streamed).len(), 200_000);
    assert!(body(&streamed).starts_with("00000...") && body(&streamed).contains("00199."));

    // write(), exc_info replacing an unsent head, the reason phrase kept.
    assert_eq!(
        body(&get(&format!("{base}/write"), &[])),
        "written, returned"
    );
    let replaced = get(&format!("{base}/exc-info"), &[]);
    assert_eq!(status(&replaced), 503, "{replaced}");
    assert_eq!(body(&replaced), "replaced");
    assert!(get(&format!("{base}/reason"), &[]).starts_with("HTTP/1.1 299 Quite Fine\r\n"));

    // close() exactly once per response.
    for _ in 0..3 {
        assert_eq!(body(&get(&format!("{base}/counted"), &[])), "one two");
    }
    assert_eq!(body(&get(&format!("{base}/closes"), &[])), "3");

    // wsgi.file_wrapper around a real file: served from its position, 100000 bytes.
    let file = get(&format!("{base}/file"), &[]);
    assert_eq!(
        body(&file).len(),
        100_000,
        "{}",
        &file[..200.min(file.len())]
    );
    assert!(body(&file).bytes().all(|b| b == b'F'));

    // wsgi.errors goes to the log.
    assert_eq!(body(&get(&format!("{base}/errors"), &[])), "logged");
    let log = lines_until(&server, "a line from wsgi.errors");
    no_assertion(&log);
    server.stop();
}

#[test]
fn the_environ_is_a_dict_of_native_strings_with_every_key() {
    let Some(venv) = venv() else { return };
    let server = server(&venv);
    let addr = server.addr(0);
    let page = get(
        &format!("http://{addr}/environ/caf%C3%A9?q=1"),
        &["-0", "-H", "X-Name: n\u{e4}me"],
    );
    let text = body(&page);
    assert!(text.contains("REQUEST_METHOD='GET'"), "{text}");
    assert!(text.contains("SCRIPT_NAME=''"), "{text}");
    // PEP 3333's bytes-as-str: UTF-8 bytes, one code point each.
    assert!(text.contains("PATH_INFO='/environ/cafÃ©'"), "{text}");
    assert!(text.contains("path_text=/environ/café"), "{text}");
    assert!(text.contains("QUERY_STRING='q=1'"), "{text}");
    assert!(text.contains("SERVER_PROTOCOL='HTTP/1.0'"), "{text}");
    assert!(text.contains("REMOTE_ADDR='127.0.0.1'"), "{text}");
    assert!(text.contains("REMOTE_PORT='"), "{text}");
    assert!(
        text.contains(&format!("SERVER_PORT='{}'", addr.port())),
        "{text}"
    );
    assert!(text.contains("HTTP_X_NAME='nÃ¤me'"), "{text}");
    assert!(text.contains("types=['str']"), "{text}");
    assert!(text.contains("dict=True"), "{text}");
    assert!(text.contains("terminated=True"), "{text}");
    assert!(text.contains("version=(1, 0)"), "{text}");
    let http11 = get(&format!("http://{addr}/environ"), &[]);
    assert!(
        body(&http11).contains("SERVER_PROTOCOL='HTTP/1.1'"),
        "{http11}"
    );
    no_assertion(&lines_until_quiet(&server));
    server.stop();
}

#[test]
fn an_exception_answers_500_with_the_traceback_in_the_log() {
    let Some(venv) = venv() else { return };
    let server = server(&venv);
    let addr = server.addr(0);
    let failed = get(&format!("http://{addr}/raise"), &[]);
    assert_eq!(status(&failed), 500, "{failed}");
    let log = lines_until(&server, "RuntimeError: boom in the application");
    assert!(log.contains("Traceback (most recent call last)"), "{log}");
    assert!(log.contains("contract_app.py"), "{log}");

    // An exception after the head went out: the body breaks off (no final chunk), logged.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /breaks-off HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("first part;"), "{response}");
    assert!(
        !response.ends_with("0\r\n\r\n"),
        "a broken body must not look complete: {response}"
    );
    lines_until(&server, "RuntimeError: broke off mid-body");
    server.stop();
}

/// `time.sleep` releases the GIL: with 4 interpreter threads, 4 sleeping requests overlap.
#[test]
fn a_sleeping_request_lets_the_other_threads_run() {
    let Some(venv) = venv() else { return };
    let server = server(&venv);
    let url = format!("http://{}/sleep", server.addr(0));
    let requests: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || body(&get(&url, &[])).to_owned())
        })
        .collect();
    let most: u32 = requests
        .into_iter()
        .map(|r| r.join().unwrap().parse::<u32>().unwrap())
        .max()
        .unwrap();
    assert!(
        most >= 2,
        "requests never overlapped (at most {most} at once)"
    );
    server.stop();
}

/// Whatever the server logged within half a second.
fn lines_until_quiet(server: &Deployed) -> String {
    let mut seen = String::new();
    while let Some(line) = server.next_line(Duration::from_millis(500)) {
        seen.push_str(&line);
        seen.push('\n');
    }
    seen
}
