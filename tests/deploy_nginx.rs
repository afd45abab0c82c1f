//! A real nginx in front (Debian's package, 1.22 here): `uwsgi_pass` over TCP and a unix
//! socket, and `proxy_pass` to an `--http` listener with forwarded headers. nginx runs in the
//! foreground as a child with its own prefix, pid and log files in a temporary directory, on
//! a free loopback port, and is killed by PID at the end.

mod deployed;

use deployed::nginx::{free_port, Nginx};
use deployed::{curl, have, temp_dir};
use gateway::{Body, Environ, Server, StartResponse};
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;

const FIVE_MIB: usize = 5 << 20;

/// What the tests look at: the environ, an echo, a streamed body.
fn app(environ: &Environ, start_response: StartResponse) -> Body {
    let path = environ.path_info().to_owned();
    if path.ends_with("/echo") {
        let mut body = Vec::new();
        if environ.input().read_to_end(&mut body).is_err() {
            start_response("400 Bad Request", &[]);
            return Body::from_iter([b"unreadable body".to_vec()]);
        }
        start_response("200 OK", &[("Content-Type", "application/octet-stream")]);
        return Body::from_iter([body]);
    }
    if path.ends_with("/stream") {
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        return Body::from_iter((0..5).map(|i| format!("chunk {i};").into_bytes()));
    }
    if path.ends_with("/big") {
        start_response("200 OK", &[("Content-Type", "application/octet-stream")]);
        return Body::from_iter((0..FIVE_MIB / 65536).map(|_| vec![b'b'; 65536]));
    }
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    let key = |key: &str| environ.get(key).unwrap_or("-").to_owned();
    Body::from_iter([format!(
        "SCRIPT_NAME={} PATH_INFO={} QUERY_STRING={} REMOTE_ADDR={} scheme={} \
         X_MULTI={} COOKIE_LEN={}",
        key("SCRIPT_NAME"),
        key("PATH_INFO"),
        key("QUERY_STRING"),
        key("REMOTE_ADDR"),
        key("wsgi.url_scheme"),
        key("HTTP_X_MULTI"),
        environ.get("HTTP_COOKIE").map_or(0, str::len),
    )
    .into_bytes()])
}

fn start_nginx(dir: &Path, port: u16, uwsgi: SocketAddr, unix: &Path, http: SocketAddr) -> Nginx {
    let d = dir.display();
    let conf = format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    large_client_header_buffers 4 32k;
    client_max_body_size 20m;
    server {{
        listen 127.0.0.1:{port};
        location /app/ {{
            include /etc/nginx/uwsgi_params;
            uwsgi_param SCRIPT_NAME /app;
            uwsgi_pass {uwsgi};
        }}
        location /unix/ {{
            include /etc/nginx/uwsgi_params;
            uwsgi_pass unix:{unix};
        }}
        location /proxy/ {{
            proxy_pass http://{http};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"#,
        unix = unix.display()
    );
    Nginx::start(dir, port, &conf)
}

#[test]
fn through_nginx_uwsgi_pass_unix_socket_and_proxy_pass() {
    if !have("nginx") || !have("curl") {
        return;
    }
    let dir = temp_dir("nginx");
    let unix = dir.join("app.sock");
    let server = Server::builder()
        .uwsgi("127.0.0.1:0")
        .uwsgi(&format!("unix:{}", unix.display()))
        .http("127.0.0.1:0")
        .chmod_socket(0o666)
        .max_body_size(16 << 20)
        .forwarded_allow_ips(["127.0.0.1"])
        .unwrap()
        .handle_signals(false)
        .build(app)
        .unwrap();
    let addrs = server.local_addrs();
    let (uwsgi, http) = (addrs[0].unwrap(), addrs[2].unwrap());
    let stop = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever());
    let port = free_port();
    let nginx = start_nginx(&dir, port, uwsgi, &unix, http);
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");

    // GET with a query string, repeated headers and a cookie over 8 KiB, on each route.
    let cookie = format!("Cookie: big={}", "c".repeat(9000));
    for (path, script_name, path_info) in [
        ("/app/env?a=1&b=%20", "/app", "/env"),
        ("/unix/env?a=1&b=%20", "-", "/unix/env"),
        ("/proxy/env?a=1&b=%20", "", "/proxy/env"),
    ] {
        let page = curl(&[
            "-H",
            "X-Multi: one",
            "-H",
            "X-Multi: two",
            "-H",
            &cookie,
            &url(path),
        ]);
        let want_script = if script_name == "-" { "" } else { script_name };
        assert!(
            page.contains(&format!("SCRIPT_NAME={want_script} ")),
            "{path}: {page}"
        );
        assert!(
            page.contains(&format!("PATH_INFO={path_info} ")),
            "{path}: {page}"
        );
        assert!(page.contains("QUERY_STRING=a=1&b=%20 "), "{path}: {page}");
        assert!(page.contains("REMOTE_ADDR=127.0.0.1 "), "{path}: {page}");
        assert!(page.contains("scheme=http "), "{path}: {page}");
        assert!(page.contains("X_MULTI=one,two "), "{path}: {page}");
        assert!(page.contains("COOKIE_LEN=9004"), "{path}: {page}");
    }
    // The proxy's forwarded headers are believed from nginx (a trusted peer).
    let page = curl(&["-H", "X-Forwarded-Proto: https", &url("/proxy/env")]);
    assert!(
        page.contains("scheme=http "),
        "nginx sets, not passes, the proto: {page}"
    );

    // A POST body, a chunked upload, a 5 MiB upload and download, a streamed response.
    for prefix in ["/app", "/unix", "/proxy"] {
        let echoed = curl(&[
            "--data-binary",
            "name=value",
            &url(&format!("{prefix}/echo")),
        ]);
        assert_eq!(echoed, "name=value", "{prefix}");
        let chunked = curl(&[
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            "in chunks",
            &url(&format!("{prefix}/echo")),
        ]);
        assert_eq!(chunked, "in chunks", "{prefix}");
        let streamed = curl(&[&url(&format!("{prefix}/stream"))]);
        assert_eq!(
            streamed, "chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;",
            "{prefix}"
        );
    }
    let upload = dir.join("upload.bin");
    let data: Vec<u8> = (0..FIVE_MIB).map(|i| (i % 251) as u8).collect();
    std::fs::write(&upload, &data).unwrap();
    let echoed = dir.join("echoed.bin");
    let at_upload = format!("@{}", upload.display());
    curl(&[
        "--data-binary",
        &at_upload,
        "-o",
        echoed.to_str().unwrap(),
        &url("/app/echo"),
    ]);
    let back = std::fs::read(&echoed).unwrap();
    assert!(
        back == data,
        "the 5 MiB upload came back whole: {} bytes, {:?}",
        back.len(),
        String::from_utf8_lossy(&back[..back.len().min(300)])
    );
    let big = curl(&["-o", "-", "-w", "", &url("/unix/big")]);
    assert_eq!(big.len(), FIVE_MIB);

    // HEAD, and keep-alive between the client and nginx.
    let head = curl(&["-I", &url("/app/env")]);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let connects = curl(&[
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{num_connects};",
        &url("/app/env"),
        &url("/unix/env"),
    ]);
    assert_eq!(connects, "1;0;", "the second request reused the connection");

    drop(nginx);
    stop.shutdown();
    thread.join().unwrap().unwrap();
    let mut log = String::new();
    if let Ok(mut file) = std::fs::File::open(dir.join("error.log")) {
        let _ = file.read_to_string(&mut log);
    }
    assert!(!log.contains("upstream prematurely closed"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}
