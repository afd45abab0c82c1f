//! `--py-autoreload`: editing the application's file restarts the server with the new code.

mod support;

use support::*;

#[test]
fn an_edited_module_is_served_after_the_restart() {
    let dir = temp_dir("py-autoreload");
    let page = |text: &str| {
        format!(
            "def application(environ, start_response):\n    \
             start_response('200 OK', [('Content-Type', 'text/plain')])\n    \
             return [b'{text}']\n"
        )
    };
    let app = write(&dir, "live.py", &page("first version"));
    let server = Deployed::start_program(
        program(),
        &[
            "--http",
            "127.0.0.1:0",
            "--wsgi-file",
            app.to_str().unwrap(),
            "--py-autoreload",
        ],
        1,
    );
    assert_eq!(
        body(&get(&format!("http://{}/", server.addr(0)), &[])),
        "first version"
    );
    // Past the watcher's first look (it polls every second), and a later modification time.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    write(&dir, "live.py", &page("second version"));
    lines_until(&server, "changed: restarting");
    let listening = server.wait_for_line("listening on ");
    let rest = &listening[listening.find("://").unwrap() + 3..];
    let addr = &rest[..rest.find(' ').unwrap()];
    assert_eq!(
        body(&get(&format!("http://{addr}/"), &[])),
        "second version"
    );
    server.stop();
}
