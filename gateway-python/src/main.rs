//! `gateway-python`: serves a Python WSGI application (a `hello.py`, Django, Flask) on the
//! gateway server, with the whole `gateway::run` command line (listeners, limits, config file,
//! `GATEWAY_*` variables) plus the Python options of [`options::PythonOptions`].
//!
//! The interpreter is started on the main thread, before the server's I/O threads exist
//! (pyo3 then releases the GIL for the interpreter threads to take); Python code runs only on
//! the interpreter threads of [`threads`], never on an I/O thread.

mod app;
mod autoreload;
mod environ;
mod file_wrapper;
mod interpreter;
mod options;
mod response;
mod start_response;
mod static_map;
mod streams;
mod threads;

fn main() -> gateway_server::Result<()> {
    gateway_server::run_with(options::command, |options, serving| {
        app::PythonApp::load(options, serving.threads(), serving.workers())
    })
}
