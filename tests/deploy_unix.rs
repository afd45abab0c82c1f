//! Unix socket listeners (`unix:/path.sock`): HTTP through curl --unix-socket, uwsgi through
//! a hand-written client, `--chmod-socket`, a stale file replaced, a live one refused, and
//! the files removed at exit.

mod deployed;

use deployed::{curl, have, nginx_vars, run_to_end, temp_dir, uwsgi_packet, Deployed};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;

#[test]
fn http_and_uwsgi_on_unix_sockets_with_their_mode_and_removed_at_exit() {
    let dir = temp_dir("unix");
    let http = dir.join("http.sock");
    let uwsgi = dir.join("uwsgi.sock");
    // A stale file left by a crashed run is replaced.
    drop(std::os::unix::net::UnixListener::bind(&uwsgi).unwrap());
    let http_spec = format!("unix:{}", http.display());
    let uwsgi_spec = format!("unix:{}", uwsgi.display());
    let server = Deployed::start(
        &[
            "--http",
            &http_spec,
            "--socket",
            &uwsgi_spec,
            "--chmod-socket",
            "660",
        ],
        2,
    );
    assert_eq!(server.listening[0], format!("{http_spec} (HTTP/1.1, h2c)"));
    assert_eq!(server.listening[1], format!("{uwsgi_spec} (uwsgi)"));
    let mode = std::fs::metadata(&uwsgi).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
    if have("curl") {
        let page = curl(&["--unix-socket", http.to_str().unwrap(), "http://x/Uma"]);
        assert_eq!(page, "<h1>Hello, Uma!</h1>");
    }
    let mut stream = UnixStream::connect(&uwsgi).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(&uwsgi_packet(&nginx_vars("GET", "/Vic", ""), b""))
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.ends_with("<h1>Hello, Vic!</h1>"), "{answer}");
    // A live socket is another server's: refused.
    let output = run_to_end(&["--socket", &uwsgi_spec], &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("in use"));
    assert!(server.stop().success());
    assert!(
        !http.exists() && !uwsgi.exists(),
        "the socket files are removed at exit"
    );
    let _ = std::fs::remove_dir_all(dir);
}
