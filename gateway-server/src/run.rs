//! `run`: the whole server from one call in `main`, configured by the operator (flags,
//! `GATEWAY_*` environment variables, a `--config` TOML file), like uWSGI or gunicorn.

use crate::builder::ServerBuilder;
use crate::config::{Action, Config, ConfigError, Options};
use crate::listeners::Spec;
use crate::Server;
use gateway_core::Application;

/// Serves `app` as the operator configured it: parses the command line, the environment and
/// the config file, binds every listener (each printed with its protocol), and serves until
/// SIGTERM or Ctrl-C.
///
/// `--help`, `--check-config` and `--print-config` print and exit with status 0; a bad
/// configuration prints one line naming the option, key or file, and exits with status 2.
/// A start-up failure (a port in use, an unreadable certificate) is the returned error.
///
/// ```no_run
/// use gateway_core::{Environ, StartResponse};
///
/// fn application(_environ: &Environ, start_response: StartResponse) -> &'static str {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     "Hello"
/// }
///
/// fn main() -> gateway_server::Result<()> {
///     // cargo run -- --http 127.0.0.1:8000 --socket unix:/run/app.sock --chmod-socket 666
///     gateway_server::run(application)
/// }
/// ```
pub fn run(app: impl Application) -> crate::Result<()> {
    run_with(
        |command| command,
        |_: NoOptions, _: &Serving| Ok::<_, crate::Error>(app),
    )
}

/// Options a program adds to [`run`]'s command line: none.
#[derive(clap::Args)]
struct NoOptions {}

/// What [`run_with`]'s `make` is told about the server it makes the application for.
#[derive(Debug)]
pub struct Serving {
    threads: usize,
    workers: usize,
}

impl Serving {
    /// `--threads`: how many applications may run at once (a program that runs its
    /// application on threads of its own, like `gateway-python`, sizes them by it).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// `--workers`: 0 when this process serves alone, else how many worker processes serve
    /// the same sockets (this is one of them), as WSGI's `wsgi.multiprocess` wants to know.
    pub fn workers(&self) -> usize {
        self.workers
    }
}

/// [`run`] for a program with options of its own, like `gateway-python`'s `--module`: the
/// options `X` join the same command line, `GATEWAY_*` environment variables and config
/// file as the server's, and `command` may rename the command or change an option's default
/// (`gateway-python` defaults `--threads` to a few interpreter threads).
///
/// `make` builds the application from `X` once the configuration is read and valid, only in
/// the process that serves, before the I/O threads start and before any listener is bound:
/// an `Err` (an application that fails to import) is returned at once, so nothing is ever
/// served without an application.
pub fn run_with<X, A, E>(
    command: impl FnOnce(clap::Command) -> clap::Command,
    make: impl FnOnce(X, &Serving) -> Result<A, E>,
) -> crate::Result<()>
where
    X: clap::Args + clap::FromArgMatches,
    A: Application,
    E: Into<crate::Error>,
{
    let augment = |cli: clap::Command| command(X::augment_args(cli));
    let (config, action, matches) =
        match Config::load_with(std::env::args_os(), std::env::vars_os(), augment) {
            Ok(loaded) => loaded,
            // clap's own exit: 0 after --help / --version, 2 with its message on a bad flag.
            Err(ConfigError::Cli(error)) => error.exit(),
            Err(error) => exit_bad_config(&error),
        };
    let extra = X::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    match action {
        Action::PrintConfig => {
            print!("{}", config.to_toml());
            std::process::exit(0);
        }
        Action::CheckConfig => {
            if let Err(error) = check_files(&config.options) {
                exit_bad_config(&error);
            }
            println!("the configuration is valid");
            std::process::exit(0);
        }
        Action::Serve => {}
    }
    let options = &config.options;
    let is_worker = crate::worker::is_worker();
    let _pidfile = match &options.pidfile {
        Some(path) if !is_worker => Some(crate::pidfile::Pidfile::create(path)?),
        _ => None,
    };
    // The master runs no application code: `make` (a Python import, say) runs only in the
    // processes that serve.
    #[cfg(unix)]
    if options.workers >= 1 && !is_worker {
        return crate::master::serve(options, specs(options).collect());
    }
    let serving = Serving {
        threads: options.threads.0,
        workers: options.workers,
    };
    let app = make(extra, &serving).map_err(Into::into)?;
    let server = builder(options).build(app)?;
    server.serve_forever()?;
    Ok(())
}

/// `--max-requests` plus a random part of `--max-requests-jitter`, or `None` when unset.
fn max_requests(options: &Options) -> Option<u64> {
    use std::hash::{BuildHasher, Hasher};
    let base = options.max_requests;
    let jitter = options.max_requests_jitter;
    // A randomly keyed hasher's output: random enough to spread the workers' retirements.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (base > 0).then(|| base + random % jitter.saturating_add(1))
}

/// Prints `error` on one line and exits with status 2, as for a bad flag.
fn exit_bad_config(error: &dyn std::fmt::Display) -> ! {
    eprintln!("error: {error}");
    std::process::exit(2);
}

/// What `--check-config` checks beyond the syntax: that each certificate and key loads.
fn check_files(options: &Options) -> Result<(), crate::tls::TlsError> {
    for https in &options.https {
        crate::tls::acceptor(&https.cert, &https.key)?;
    }
    Ok(())
}

/// The server the options describe.
fn builder(options: &Options) -> ServerBuilder {
    let mut builder = Server::builder()
        .header_read_timeout(options.header_read_timeout.0)
        .max_head_size(options.max_head_size.0)
        .max_headers(options.max_headers.0)
        .shutdown_grace(options.shutdown_timeout.0)
        .threads(options.threads.0)
        .max_body_size(options.max_body_size.0 as u64)
        .body_read_timeout(options.body_read_timeout.0)
        .min_body_rate(options.min_body_rate.0 as u64)
        .body_buffer_size(options.body_buffer_size.0)
        .send_timeout(options.send_timeout.0)
        .min_send_rate(options.min_send_rate.0 as u64)
        .lingering(options.lingering_time.0, options.lingering_timeout.0)
        .lingering_max_bytes(options.lingering_max_bytes.0)
        .max_queued_requests(options.max_queued_requests.0)
        .threads_per_connection(options.threads_per_connection.0)
        .trust_proxies(options.forwarded_allow_ips.clone());
    if let Some(io_threads) = options.io_threads {
        builder = builder.workers(io_threads.0);
    } else if options.workers >= 1 {
        // The worker processes share the cores: one I/O thread per core in all, not in each
        // (gateway-python, 2 workers on 2 cores: 0.2-0.3 context switches a request instead
        // of 0.8-1.1, and less CPU; see docs/python.md).
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        builder = builder.workers((cores / options.workers).max(1));
    }
    if let Some(mode) = options.chmod_socket {
        builder = builder.chmod_socket(mode.0);
    }
    builder = builder
        .max_connections(options.max_connections.0)
        .batch_scheduling(options.batch_scheduling)
        .access_log(!options.disable_access_log);
    if let Some(limit) = options.harakiri {
        builder = builder.harakiri(limit.0);
    }
    if let (Some(file), false) = (&options.access_log, options.disable_access_log) {
        builder = builder.access_log_file(file);
    }
    if let Some(format) = &options.access_log_format {
        builder = builder.access_log_format(format);
    }
    // With --workers the master serves the stats: a worker reports to it.
    match &options.stats {
        Some(_) if crate::worker::is_worker() => builder = builder.report_stats(),
        Some(stats) => builder = builder.stats(&stats.to_string()),
        None => {}
    }
    // Only a worker retires: a lone server has no master to start its replacement.
    if let Some(requests) = max_requests(options).filter(|_| crate::worker::is_worker()) {
        builder = builder.max_requests(requests);
    }
    for spec in specs(options) {
        builder = builder.listener(spec);
    }
    builder
}

/// The listeners of the options, in the order inherited sockets are matched to them.
fn specs(options: &Options) -> impl Iterator<Item = Spec> + '_ {
    (options.http.iter().map(Spec::http))
        .chain(options.https.iter().map(Spec::https))
        .chain(options.socket.iter().map(Spec::uwsgi))
}
