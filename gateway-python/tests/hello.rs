//! The note's `hello.py`, unchanged, served by gateway-python: the pages, the pysnooper
//! trace in the log, the Python it runs, and what a broken application does.

mod support;

use support::*;

#[test]
fn the_notes_hello_py_answers_and_its_trace_is_in_the_log() {
    let Some(venv) = venv() else { return };
    let dir = temp_dir("py-hello");
    let hello = write(&dir, "hello.py", HELLO_PY);
    let server = serve(&venv, &["--wsgi-file", hello.to_str().unwrap()], 1);
    let base = format!("http://{}", server.addr(0));

    let home = get(&format!("{base}/"), &[]);
    assert_eq!(status(&home), 200, "{home}");
    assert_eq!(body(&home), "<h1>Hello, Web!<h1>");
    assert!(
        home.to_ascii_lowercase()
            .contains("content-type: text/html"),
        "{home}"
    );
    let trace = lines_until(&server, "Elapsed time");
    assert!(trace.contains("Source path:"), "{trace}");
    assert!(
        trace.contains("def application(environ, start_response):"),
        "{trace}"
    );
    assert!(trace.contains("body = '<h1>Hello, Web!<h1>'"), "{trace}");

    let alice = get(&format!("{base}/Alice"), &[]);
    assert_eq!(body(&alice), "<h1>Hello, Alice!<h1>");
    let trace = lines_until(&server, "Elapsed time");
    assert!(trace.contains("'PATH_INFO': '/Alice'"), "{trace}");
    assert!(trace.contains("Return value:.."), "{trace}");
    server.stop();
}

/// The binary runs the Python it was built for (its rpath), and sees the venv's packages.
#[test]
fn it_runs_the_python_it_was_built_for_with_the_venvs_packages() {
    let Some(venv) = venv() else { return };
    let python = venv.join("bin").join("python");
    let expected = std::process::Command::new(&python)
        .args([
            "-c",
            "import sys; print(sys.version.replace('\\n', ' ')); print(sys.base_prefix)",
        ])
        .output()
        .unwrap();
    let expected = String::from_utf8(expected.stdout).unwrap();
    let mut expected = expected.lines();
    let (version, base_prefix) = (expected.next().unwrap(), expected.next().unwrap());

    // The binary's run-time search path names the libpython of that Python.
    if have("readelf") {
        let libdir = std::process::Command::new(&python)
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))",
            ])
            .output()
            .unwrap();
        let libdir = String::from_utf8(libdir.stdout).unwrap();
        let dynamic = std::process::Command::new("readelf")
            .args(["-d", env!("CARGO_BIN_EXE_gateway-python")])
            .output()
            .unwrap();
        let dynamic = String::from_utf8_lossy(&dynamic.stdout);
        let runpath = dynamic
            .lines()
            .find(|line| line.contains("(RUNPATH)") || line.contains("(RPATH)"))
            .unwrap_or_else(|| panic!("no RUNPATH in the binary:\n{dynamic}"));
        assert!(
            runpath.contains(libdir.trim()),
            "{runpath} (LIBDIR {libdir})"
        );
    }

    let dir = temp_dir("py-which");
    // pysnooper is only in the venv: importing it proves the venv's packages are seen.
    let app = write(
        &dir,
        "which.py",
        "import sys, pysnooper\n\
         def application(environ, start_response):\n\
         \x20   start_response('200 OK', [('Content-Type', 'text/plain')])\n\
         \x20   return [('%s|%s|%s' % (sys.prefix, sys.base_prefix, pysnooper.__file__)).encode()]\n",
    );
    let server = serve(&venv, &["--wsgi-file", app.to_str().unwrap()], 1);
    let page = get(&format!("http://{}/", server.addr(0)), &[]);
    let server_says = body(&page).to_owned();
    let parts: Vec<&str> = server_says.split('|').collect();
    let venv_text = venv.to_str().unwrap();
    assert_eq!(parts[0], venv_text, "{server_says}");
    assert_eq!(parts[1], base_prefix, "{server_says}");
    assert!(
        parts[2].starts_with(venv_text),
        "pysnooper from {}",
        parts[2]
    );
    drop(server);

    // The start-up line names the same interpreter.
    let output = run_to_end(&[
        "--http",
        "127.0.0.1:0",
        "--wsgi-file",
        dir.join("missing.py").to_str().unwrap(),
        "--virtualenv",
        venv_text,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("Python {version}")), "{stderr}");
    assert!(
        stderr.contains(&format!("sys.base_prefix {base_prefix}")),
        "{stderr}"
    );
}

/// An application that fails to import: one start-up error with the traceback, a non-zero
/// exit, and no listener ever bound.
#[test]
fn an_application_that_fails_to_import_stops_start_up_with_its_traceback() {
    let dir = temp_dir("py-broken");
    let broken = write(
        &dir,
        "broken.py",
        "import json\n\ndef helper():\n    raise RuntimeError('the database is not configured')\n\nhelper()\n",
    );
    let output = run_to_end(&[
        "--http",
        "127.0.0.1:0",
        "--wsgi-file",
        broken.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("Traceback (most recent call last)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("RuntimeError: the database is not configured"),
        "{stderr}"
    );
    assert!(
        stderr.contains("broken.py\", line 4, in helper"),
        "{stderr}"
    );
    assert!(!stderr.contains("listening on"), "{stderr}");

    let output = run_to_end(&["--http", "127.0.0.1:0", "--module", "no_such_module_here"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("ModuleNotFoundError: No module named 'no_such_module_here'"),
        "{stderr}"
    );

    let output = run_to_end(&["--http", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("--wsgi-file PATH or --module"), "{stderr}");
}
