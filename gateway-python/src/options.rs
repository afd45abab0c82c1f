//! The options `gateway-python` adds to the server's: which application, and the Python it
//! runs in. Like every server option, each is also a `GATEWAY_*` variable and a config-file
//! key (`module = "mysite.wsgi:application"`).

use clap::Args;
use std::path::PathBuf;

/// Interpreter threads when `--threads` is not given. Python runs one thread at a time (the
/// GIL), so more threads only help while requests wait in I/O (`time.sleep`, a database):
/// a second keeps one slow request from stalling the others; `--workers` scales past one
/// GIL. Measured with `bench/python.sh`-style runs (hello app, 2 workers, one I/O thread
/// each, 2 cores, 2026-11-30, a machine busy with other builds): context switches per
/// request 0.36-0.54 with 1 thread, 0.20-0.85 with 2, 0.73-1.22 with 4, and on a quiet
/// machine (2026-11-29) 2 threads answered the most requests (39.0k/s against 37.9k with
/// 1 and 35.6k with 4). Each thread past the first is another to hand the GIL to.
/// On a free-threaded Python the threads run Python in parallel, and 2 is also this
/// machine's core count: the default stays (docs/python.md, "Free-threaded Python").
pub(crate) const DEFAULT_THREADS: &str = "2";

/// The Python options.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Python")]
pub(crate) struct PythonOptions {
    /// Load the WSGI application from this file: its `application` callable (like uWSGI's
    /// --wsgi-file).
    #[arg(long, value_name = "PATH")]
    pub(crate) wsgi_file: Option<PathBuf>,

    /// Import the WSGI application from module MOD, callable CALLABLE (default
    /// `application`): mysite.wsgi:application.
    #[arg(long, value_name = "MOD[:CALLABLE]")]
    pub(crate) module: Option<String>,

    /// Change to DIR before loading the application (it goes first on sys.path).
    #[arg(long, value_name = "DIR")]
    pub(crate) chdir: Option<PathBuf>,

    /// The virtualenv whose packages the application imports. [default: $VIRTUAL_ENV]
    #[arg(long, value_name = "DIR")]
    pub(crate) virtualenv: Option<PathBuf>,

    /// Add DIR to sys.path, before the application's own directory. Repeatable.
    #[arg(long, value_name = "DIR", action = clap::ArgAction::Append)]
    pub(crate) pythonpath: Vec<PathBuf>,

    /// Set the environment variable KEY to VALUE before Python starts
    /// (DJANGO_SETTINGS_MODULE=mysite.settings). Repeatable.
    #[arg(long, value_name = "KEY=VALUE", action = clap::ArgAction::Append,
          value_parser = key_value)]
    pub(crate) env: Vec<(String, String)>,

    /// Serve the files of DIR under the URL prefix /static (collectstatic's STATIC_ROOT),
    /// without calling Python. Repeatable.
    #[arg(long, value_name = "/PREFIX=DIR", action = clap::ArgAction::Append,
          value_parser = static_map)]
    pub(crate) static_map: Vec<(String, PathBuf)>,

    /// Development: restart when a file of a loaded module changes.
    // A value of its own (`--py-autoreload=true` too): the config layers hand every option
    // back to clap as `--name=value`, and GATEWAY_PY_AUTORELOAD=1 must work.
    #[arg(long, num_args = 0..=1, default_value = "false", default_missing_value = "true",
          value_name = "BOOL", value_parser = clap::builder::BoolishValueParser::new(),
          action = clap::ArgAction::Set)]
    pub(crate) py_autoreload: bool,
}

/// Renames the command and gives `--threads` the meaning and default it has here.
pub(crate) fn command(command: clap::Command) -> clap::Command {
    command
        .name("gateway-python")
        .bin_name("gateway-python")
        .about("Serves a Python WSGI application over HTTP, HTTPS and the uwsgi protocol.")
        .mut_arg("threads", |arg| {
            arg.default_value(DEFAULT_THREADS).help(
                "Python interpreter threads of this process: requests run at once, in Python.",
            )
        })
}

/// `KEY=VALUE`.
fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err("expected KEY=VALUE".to_owned()),
    }
}

/// `/prefix=dir`.
fn static_map(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((prefix, dir)) if prefix.starts_with('/') && !dir.is_empty() => {
            Ok((prefix.to_owned(), PathBuf::from(dir)))
        }
        _ => Err("expected /PREFIX=DIR (/static=/srv/app/static)".to_owned()),
    }
}
