//! Scaling out: a real nginx `upstream` of two gateway masters (`--workers 2` each), 64
//! connections of load through nginx, one master reloaded (SIGHUP) and the other stopped
//! (SIGTERM) and started again during the load: no request fails at the client, with the
//! `proxy_next_upstream` settings of docs/deploying.md.

mod deployed;

use deployed::load::Load;
use deployed::nginx::{free_port, Nginx};
use deployed::{have, temp_dir, Deployed};
use std::net::SocketAddr;
use std::time::Duration;

/// The configuration docs/deploying.md shows, on test ports and paths.
fn nginx_conf(dir: &std::path::Path, port: u16, a: SocketAddr, b: SocketAddr) -> String {
    let d = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream gateway {{
        server {a} max_fails=0;
        server {b} max_fails=0;
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        location / {{
            proxy_pass http://gateway;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"#
    )
}

/// A master with two workers on `addr`, ready.
fn start(addr: SocketAddr) -> Deployed {
    let server = Deployed::start(
        &[
            "--http",
            &addr.to_string(),
            "--workers",
            "2",
            "--shutdown-timeout",
            "5s",
        ],
        1,
    );
    server.wait_for_line("workers ready");
    server
}

#[test]
fn a_rolling_reload_behind_nginx_fails_no_request() {
    if !have("nginx") {
        return;
    }
    let dir = temp_dir("nginx-upstream");
    let a: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let b: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let first = start(a);
    let second = start(b);
    let port = free_port();
    let _nginx = Nginx::start(&dir, port, &nginx_conf(&dir, port, a, b));
    let load = Load::start(([127, 0, 0, 1], port).into(), 64, "/sleep?ms=10");
    std::thread::sleep(Duration::from_millis(1000));
    first.signal("HUP");
    first.wait_for_line("reloaded");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(second.stop().code(), Some(0));
    std::thread::sleep(Duration::from_millis(500));
    let second = start(b);
    std::thread::sleep(Duration::from_millis(1000));
    let counts = load.finish();
    println!(
        "through nginx, one master reloaded and the other stopped and restarted, 64 \
         connections: sent {}, failed {} {:?}",
        counts.sent, counts.failed, counts.failures
    );
    assert_eq!(counts.failed, 0, "{:?}", counts.failures);
    assert!(counts.sent > 1000, "{}", counts.sent);
    assert_eq!(first.stop().code(), Some(0));
    assert_eq!(second.stop().code(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}
