//! Starts a real server on an ephemeral loopback port and talks to it: a hyper client for
//! HTTP/1.1 and HTTP/2, and raw TCP for what a client library would refuse to send.
#![allow(dead_code)] // each test file uses its own part of this module

use bytes::Bytes;
use gateway::{Application, Server, ShutdownHandle};
use http_body_util::{BodyExt, Full};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The body of the server's 500 answer (wsgiref's words).
#[allow(dead_code)]
pub const SERVER_ERROR_BODY: &str = "A server error occurred.  Please contact the administrator.";

/// Every test stops by itself: no read waits longer than this.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A server running on its own thread; dropping it shuts it down and waits for it.
pub struct TestServer {
    pub addr: SocketAddr,
    /// Every line written to `wsgi.errors` (and every contract violation).
    pub errors: Arc<Mutex<Vec<String>>>,
    handle: ShutdownHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub fn start(app: impl Application) -> Self {
        Self::start_with(app, |builder| builder)
    }

    pub fn start_with(
        app: impl Application,
        configure: impl FnOnce(gateway::ServerBuilder) -> gateway::ServerBuilder,
    ) -> Self {
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        let builder = Server::builder()
            .bind("127.0.0.1:0")
            .handle_signals(false)
            .shutdown_grace(Duration::from_secs(5))
            .error_log(Arc::new(move |line: &str| {
                sink.lock().unwrap().push(line.to_owned())
            }));
        let server = configure(builder)
            .build(app)
            .expect("bind an ephemeral loopback port");
        let addr = server.local_addr();
        let handle = server.shutdown_handle();
        let thread = Some(std::thread::spawn(move || server.serve_forever()));
        Self {
            addr,
            errors,
            handle,
            thread,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The lines written to the error log so far.
    pub fn error_lines(&self) -> Vec<String> {
        self.errors.lock().unwrap().clone()
    }

    /// Waits (bounded) until the error log has a line containing `needle`.
    pub fn wait_for_error(&self, needle: &str) -> String {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            if let Some(line) = self.error_lines().into_iter().find(|l| l.contains(needle)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no error line with {needle:?} in {:?}",
                self.error_lines()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Shuts down and returns what `serve_forever` returned.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.handle.shutdown();
        self.thread.take().unwrap().join().expect("server thread")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.handle.shutdown();
            let _ = thread.join();
        }
    }
}

/// A response as the client saw it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    pub version: http::Version,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends `request` over a fresh HTTP/1.1 connection with hyper's client.
pub fn send(addr: SocketAddr, request: http::Request<Full<Bytes>>) -> Reply {
    runtime().block_on(async {
        tokio::time::timeout(IO_TIMEOUT, async {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            collect(sender.send_request(request).await.unwrap()).await
        })
        .await
        .expect("reply within the timeout")
    })
}

/// Sends `requests` one after the other over one HTTP/2 (prior knowledge) connection.
pub fn send_h2(addr: SocketAddr, requests: Vec<http::Request<Full<Bytes>>>) -> Vec<Reply> {
    runtime().block_on(async {
        tokio::time::timeout(IO_TIMEOUT, async {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http2::handshake(
                hyper_util::rt::TokioExecutor::new(),
                hyper_util::rt::TokioIo::new(stream),
            )
            .await
            .unwrap();
            tokio::spawn(conn);
            let mut replies = Vec::new();
            for request in requests {
                replies.push(collect(sender.send_request(request).await.unwrap()).await);
            }
            replies
        })
        .await
        .expect("replies within the timeout")
    })
}

async fn collect(response: http::Response<hyper::body::Incoming>) -> Reply {
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("a complete body").to_bytes();
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
        version: parts.version,
    }
}

/// `GET path` over a fresh HTTP/1.1 connection.
pub fn get(addr: SocketAddr, path: &str) -> Reply {
    send(addr, request("GET", path, ""))
}

/// `GET` of each of `paths`, each on a thread of its own and a fresh connection; each thread
/// sends `tag` to `done` when its reply came (the order in which requests finished).
pub fn get_each(
    addr: SocketAddr,
    paths: impl IntoIterator<Item = String>,
    tag: &'static str,
    done: &std::sync::mpsc::Sender<&'static str>,
) -> Vec<std::thread::JoinHandle<Reply>> {
    paths
        .into_iter()
        .map(|path| {
            let done = done.clone();
            std::thread::spawn(move || {
                let reply = get(addr, &path);
                done.send(tag).unwrap();
                reply
            })
        })
        .collect()
}

/// A request with a `Host` header and `body`.
pub fn request(method: &str, path: &str, body: impl Into<Bytes>) -> http::Request<Full<Bytes>> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "localhost")
        .body(Full::new(body.into()))
        .unwrap()
}

/// Raw TCP: writes `bytes`, then reads until the server closes the connection or
/// `IO_TIMEOUT` passes; returns everything read.
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = raw_connect(addr);
    stream.write_all(bytes).unwrap();
    read_until_close(&mut stream)
}

pub fn raw_connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

pub fn read_until_close(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0; 65536];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(error) => panic!(
                "read failed ({error}) after receiving {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}

/// The status code of the first response in raw `text`.
pub fn status_of(text: &str) -> u16 {
    text.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"))
}
