//! [`ServerBuilder`]: where a server listens, its limits and settings, and `build`, which
//! binds the listeners and builds the runtime.

use crate::access_log::{self, AccessLog, Format, Target};
use crate::forwarded::{ProxyNet, TrustedProxies};
use crate::inline::Inline;
use crate::input::BodyLimits;
use crate::limits;
use crate::listeners::{Bound, Kind, Spec};
use crate::metrics::Metrics;
use crate::pace::PaceLimit;
use crate::panics;
use crate::pool::{Pool, PoolSize};
use crate::server::Server;
use crate::service::Shared;
use crate::transport::LingerLimit;
use crate::worker::Retire;
use gateway_core::{Application, ErrorLog, ErrorSink};
use std::io;
use std::net::ToSocketAddrs;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Where a server listens when nothing says otherwise: this machine only.
pub(crate) const DEFAULT_HOST: &str = "127.0.0.1";

/// The settings a [`ServerBuilder`] collects, kept by the [`Server`] it builds.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_head_size: usize,
    pub(crate) max_headers: usize,
    pub(crate) shutdown_grace: Duration,
    pub(crate) max_threads: usize,
    pub(crate) fixed_threads: bool,
    pub(crate) max_queued: usize,
    pub(crate) threads_per_connection: usize,
    pub(crate) body: BodyLimits,
    pub(crate) send: PaceLimit,
    pub(crate) linger: LingerLimit,
    pub(crate) allow_connect: bool,
    pub(crate) panic_backtraces: bool,
    pub(crate) workers: Option<usize>,
    pub(crate) inline: bool,
    pub(crate) batch_scheduling: bool,
    pub(crate) handle_signals: bool,
    pub(crate) error_log: ErrorLog,
    pub(crate) chmod_socket: Option<u32>,
    pub(crate) forwarded_allow_ips: Vec<ProxyNet>,
    pub(crate) access_log: Option<Target>,
    pub(crate) access_log_format: String,
    pub(crate) harakiri: Option<Duration>,
    pub(crate) max_connections: usize,
    pub(crate) stats: Option<String>,
    pub(crate) max_requests: Option<u64>,
    /// A worker under a master with `--stats`: it reports its numbers to the master.
    pub(crate) report_stats: bool,
}

/// Configures a [`Server`]: where it listens and the limits it enforces (see
/// [`limits`](crate::limits) for the defaults and their reasons).
///
/// ```no_run
/// # use gateway_core::{Environ, StartResponse};
/// # let app = |_: &Environ, sr: StartResponse| { sr("200 OK", &[]); "ok" };
/// let server = gateway_server::Server::builder()
///     .bind("127.0.0.1:0")
///     .header_read_timeout(std::time::Duration::from_secs(5))
///     .build(app)?;
/// println!("listening on {}", server.local_addr());
/// server.serve_forever()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ServerBuilder {
    listeners: Vec<Spec>,
    config: Config,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self {
            listeners: Vec::new(),
            config: Config {
                header_read_timeout: limits::HEADER_READ_TIMEOUT,
                max_head_size: limits::MAX_HEAD_SIZE,
                max_headers: limits::MAX_HEADERS,
                shutdown_grace: limits::SHUTDOWN_GRACE,
                max_threads: limits::MAX_THREADS,
                fixed_threads: false,
                max_queued: limits::MAX_QUEUED_REQUESTS,
                threads_per_connection: limits::MAX_THREADS_PER_CONNECTION,
                body: BodyLimits {
                    max_size: limits::MAX_BODY_SIZE,
                    pace: PaceLimit {
                        timeout: limits::BODY_READ_TIMEOUT,
                        min_rate: limits::MIN_BODY_RATE,
                    },
                    buffer: limits::BODY_BUFFER_SIZE,
                },
                send: PaceLimit {
                    timeout: limits::SEND_TIMEOUT,
                    min_rate: limits::MIN_SEND_RATE,
                },
                linger: LingerLimit {
                    time: limits::LINGERING_TIME,
                    timeout: limits::LINGERING_TIMEOUT,
                    max_bytes: limits::LINGERING_MAX_BYTES,
                },
                allow_connect: false,
                panic_backtraces: false,
                workers: None,
                inline: true,
                batch_scheduling: true,
                handle_signals: true,
                error_log: ErrorLog::default(),
                chmod_socket: None,
                forwarded_allow_ips: Vec::new(),
                access_log: None,
                access_log_format: access_log::DEFAULT_FORMAT.to_owned(),
                harakiri: None,
                max_connections: limits::MAX_CONNECTIONS,
                stats: None,
                max_requests: None,
                report_stats: false,
            },
        }
    }
}

impl ServerBuilder {
    /// Listens for HTTP/1 and h2c on `addr` (the first of its addresses that binds); port 0
    /// picks a free port. Without any listener the server listens on `127.0.0.1:8000`.
    pub fn bind(mut self, addr: impl ToSocketAddrs) -> Self {
        let kind = Kind::Http {
            proxy_protocol: false,
        };
        self.listeners.push(Spec::tcp(addr, kind));
        self
    }

    /// Listens for HTTP/1 and h2c on `addr`: `IP:PORT`, `:PORT` (this machine only) or
    /// `unix:/path.sock` (the `--http` option). A bad address is an error of
    /// [`build`](Self::build).
    pub fn http(mut self, addr: &str) -> Self {
        let kind = Kind::Http {
            proxy_protocol: false,
        };
        self.listeners.push(Spec::parse(addr, kind));
        self
    }

    /// Like [`http`](Self::http), behind a load balancer that starts every connection with a
    /// PROXY protocol header (v1 or v2); a connection without one is closed.
    pub fn http_proxy_protocol(mut self, addr: &str) -> Self {
        let kind = Kind::Http {
            proxy_protocol: true,
        };
        self.listeners.push(Spec::parse(addr, kind));
        self
    }

    /// Listens for HTTPS on `addr` with the PEM certificate chain `cert` and its PEM key
    /// `key`, offering h2 and HTTP/1.1 by ALPN (the `--https` option).
    pub fn https(mut self, addr: &str, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        let kind = Kind::Https {
            cert: cert.as_ref().to_owned(),
            key: key.as_ref().to_owned(),
        };
        self.listeners.push(Spec::parse(addr, kind));
        self
    }

    /// Listens for the uwsgi protocol, nginx's `uwsgi_pass`, on `addr` (the `--socket`
    /// option). Never expose it to the network: it believes what the proxy says.
    pub fn uwsgi(mut self, addr: &str) -> Self {
        self.listeners.push(Spec::parse(addr, Kind::Uwsgi));
        self
    }

    /// The permission bits of unix socket files (`0o666` lets nginx's workers, another user,
    /// connect); default: the umask decides.
    pub fn chmod_socket(mut self, mode: u32) -> Self {
        self.config.chmod_socket = Some(mode & 0o777);
        self
    }

    /// The peers whose `X-Forwarded-For` / `X-Forwarded-Proto` / `Forwarded` headers set
    /// `REMOTE_ADDR` and `wsgi.url_scheme`: IPs or CIDR networks (`10.0.0.0/8`), or `*`.
    /// Default: none for the builder (`gateway::run`'s option defaults to loopback).
    pub fn forwarded_allow_ips<'a>(
        mut self,
        ips: impl IntoIterator<Item = &'a str>,
    ) -> io::Result<Self> {
        for ip in ips {
            let net = ip
                .parse()
                .map_err(|problem: String| io::Error::new(io::ErrorKind::InvalidInput, problem))?;
            self.config.forwarded_allow_ips.push(net);
        }
        Ok(self)
    }

    pub(crate) fn listener(mut self, spec: Spec) -> Self {
        self.listeners.push(spec);
        self
    }

    /// `--max-requests`: stop accepting after `requests` requests, drain and return.
    pub(crate) fn max_requests(mut self, requests: u64) -> Self {
        self.config.max_requests = Some(requests);
        self
    }

    /// `--stats` in a worker: its snapshot goes to the master, which serves the address.
    pub(crate) fn report_stats(mut self) -> Self {
        self.config.report_stats = true;
        self
    }

    pub(crate) fn trust_proxies(mut self, nets: Vec<ProxyNet>) -> Self {
        self.config.forwarded_allow_ips = nets;
        self
    }

    /// The time a connection may stay idle (just accepted, or done with its last response)
    /// without completing a request head; then it is closed. This bounds slow or silent
    /// clients and idle keep-alive connections alike. It is checked a few times per period,
    /// so a connection closes up to a quarter of it (at most a second) later.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// The largest request head in bytes (at least 8192); larger heads answer 431.
    pub fn max_head_size(mut self, bytes: usize) -> Self {
        self.config.max_head_size = bytes.max(8192);
        self
    }

    /// The most headers in one HTTP/1 request; more answers 431.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.config.max_headers = count;
        self
    }

    /// How long shutdown waits for in-flight requests.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// The most blocking applications running at once (uWSGI's `--threads`). The pool keeps
    /// one thread per I/O worker and starts more, up to this, when threads block and requests
    /// wait.
    pub fn threads(mut self, threads: usize) -> Self {
        self.config.max_threads = threads.max(1);
        self.config.fixed_threads = false;
        self
    }

    /// Exactly `threads` application threads, started at once and never retired (gunicorn's
    /// `--threads`), instead of a pool that grows and shrinks. Every call of a plain `fn`
    /// application then runs on them (see [`run_inline`](Self::run_inline)): at most
    /// `threads` calls at once.
    pub fn fixed_threads(mut self, threads: usize) -> Self {
        self.config.max_threads = threads.max(1);
        self.config.fixed_threads = true;
        self
    }

    /// The most requests waiting for an application thread; more answer 503 with
    /// `Retry-After` at once.
    pub fn max_queued_requests(mut self, requests: usize) -> Self {
        self.config.max_queued = requests.max(1);
        self
    }

    /// The most application threads one HTTP/2 connection holds at once; its other streams
    /// wait without a thread.
    pub fn threads_per_connection(mut self, threads: usize) -> Self {
        self.config.threads_per_connection = threads.max(1);
        self
    }

    /// The largest request body in bytes; larger ones answer 413.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.config.body.max_size = bytes;
        self
    }

    /// How long a request body may keep the server waiting, added up (and the span over which
    /// [`min_body_rate`](Self::min_body_rate) is measured); then the request answers 408, or
    /// its connection closes if the response had begun. Time the application spends is not
    /// counted.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.body.pace.timeout = timeout;
        self
    }

    /// The slowest request body accepted, in bytes per second (0: only stalls time out).
    pub fn min_body_rate(mut self, bytes_per_second: u64) -> Self {
        self.config.body.pace.min_rate = bytes_per_second;
        self
    }

    /// How much of a request body is read, without a thread, before the application is
    /// called.
    pub fn body_buffer_size(mut self, bytes: usize) -> Self {
        self.config.body.buffer = bytes;
        self
    }

    /// How long sending a response may keep the server waiting for the client, added up (and
    /// the span over which [`min_send_rate`](Self::min_send_rate) is measured); then the
    /// connection is closed and the application's body dropped.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.config.send.timeout = timeout;
        self
    }

    /// The slowest reader accepted, in bytes per second (0: only stalls time out).
    pub fn min_send_rate(mut self, bytes_per_second: u64) -> Self {
        self.config.send.min_rate = bytes_per_second;
        self
    }

    /// Lingering close: the most time, in all, a closing connection reads and discards what
    /// its client still sends, and the most wait between two reads.
    pub fn lingering(mut self, time: Duration, timeout: Duration) -> Self {
        self.config.linger.time = time;
        self.config.linger.timeout = timeout;
        self
    }

    /// Lingering close: the most bytes read and discarded.
    pub fn lingering_max_bytes(mut self, bytes: usize) -> Self {
        self.config.linger.max_bytes = bytes;
        self
    }

    /// Whether `CONNECT` requests reach the application (default false: they answer 405).
    pub fn allow_connect(mut self, allow: bool) -> Self {
        self.config.allow_connect = allow;
        self
    }

    /// Whether the log line of an application's panic carries a backtrace (default false,
    /// whatever `RUST_BACKTRACE` says: a panic flood would fill the log).
    pub fn panic_backtraces(mut self, backtraces: bool) -> Self {
        self.config.panic_backtraces = backtraces;
        self
    }

    /// The number of I/O threads (default: one per core).
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = Some(workers.max(1));
        self
    }

    /// Whether plain `fn` applications may run on the I/O threads while they do not block
    /// (default true; never while a [`harakiri`](Self::harakiri) limit is set, nor with
    /// [`fixed_threads`](Self::fixed_threads)). A call seen
    /// to block has the next ones handed to the application threads for a while, and an
    /// inline call never takes the last I/O thread: the runtime gets one more than
    /// [`workers`](Self::workers) says. False hands every call to the application threads,
    /// as for an application that calls tokio's `Handle::block_on` (which panics on an I/O
    /// thread).
    pub fn run_inline(mut self, inline: bool) -> Self {
        self.config.inline = inline;
        self
    }

    /// Whether the I/O threads run under Linux's `SCHED_BATCH` scheduling policy (default
    /// true; elsewhere this does nothing). A batch thread woken by the network or by an
    /// application thread's answer does not preempt the thread running on its core: it runs
    /// when that thread's turn ends, and then finds several events to handle at once. That
    /// keeps a busy server's I/O thread and application threads from taking the core from
    /// each other after every request; a thread on an idle core still runs at once
    /// (gateway-python on 2 cores: 18% more requests per second, 14% less CPU a request).
    /// Every thread of the runtime runs under it, also one `block_in_place` adds in place of
    /// a worker; the application pool's threads keep the default policy.
    pub fn batch_scheduling(mut self, batch: bool) -> Self {
        self.config.batch_scheduling = batch;
        self
    }

    /// Whether Ctrl-C and SIGTERM shut the server down (default true; tests turn it off and
    /// use a [`ShutdownHandle`](crate::ShutdownHandle)).
    pub fn handle_signals(mut self, handle: bool) -> Self {
        self.config.handle_signals = handle;
        self
    }

    /// Where `wsgi.errors` lines and contract violations go (default: `tracing` events with
    /// target `wsgi.errors`).
    pub fn error_log(mut self, sink: ErrorSink) -> Self {
        self.config.error_log = ErrorLog::to_sink(sink);
        self
    }

    /// Whether each request is logged, to stderr (default false for a server built here;
    /// `gateway::run` logs unless `--disable-access-log`). Through `tracing` (target
    /// `gateway::access`) when the program installed a subscriber.
    pub fn access_log(mut self, on: bool) -> Self {
        self.config.access_log = on.then_some(Target::Stderr);
        self
    }

    /// Logs each request to `path` (appended; reopened by SIGUSR1, for logrotate).
    pub fn access_log_file(mut self, path: impl AsRef<Path>) -> Self {
        self.config.access_log = Some(Target::File(path.as_ref().to_owned()));
        self
    }

    /// The access log's line format: gunicorn's fields (`%(h)s %(r)s %(s)s`), nginx's
    /// (`$remote_addr $request $status`), or `json`. Default: the Combined Log Format and
    /// the duration in microseconds. An unknown field is an error of [`build`](Self::build).
    pub fn access_log_format(mut self, format: &str) -> Self {
        self.config.access_log_format = format.to_owned();
        self
    }

    /// Gives up on a request still running after `limit`: it answers 504, or its connection
    /// closes if the response had begun. A blocking call's thread cannot be stopped: it is
    /// counted as stuck until it returns, and its result discarded (default: no limit).
    pub fn harakiri(mut self, limit: Duration) -> Self {
        self.config.harakiri = Some(limit);
        self
    }

    /// The most open connections; past it the server stops accepting until one closes
    /// (0: no limit).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.config.max_connections = connections;
        self
    }

    /// Serves the stats on `addr` (`IP:PORT` or `unix:/path.sock`): a JSON document at `/`,
    /// Prometheus text at `/metrics`, and `/healthz` (200 while serving, 503 while draining).
    pub fn stats(mut self, addr: &str) -> Self {
        self.config.stats = Some(addr.to_owned());
        self
    }

    /// Binds every listener (and loads the certificates) and builds the runtime that will
    /// serve `app`.
    pub fn build(self, app: impl Application) -> io::Result<Server> {
        let mut specs = self.listeners;
        if specs.is_empty() {
            let kind = Kind::Http {
                proxy_protocol: false,
            };
            specs.push(Spec::tcp((DEFAULT_HOST, 8000), kind));
        }
        let chmod = self.config.chmod_socket;
        let listeners = crate::inherited::bind_all(specs, chmod)?;
        let stats = (self.config.stats.as_deref())
            .map(|addr| crate::stats::bind(addr, chmod))
            .transpose()?;
        let access_log = match &self.config.access_log {
            Some(target) => {
                let format = Format::parse(&self.config.access_log_format)
                    .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
                Some(AccessLog::open(format, target.clone())?)
            }
            None => None,
        };
        let metrics = Metrics::new(listeners.iter().map(Bound::described).collect());
        let mut config = self.config;
        panics::install();
        config.error_log = panics::error_log(config.error_log);
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        // Plain `fn` calls may run inline (see `inline.rs`): the runtime gets a spare I/O
        // thread, since an inline call may never take the last one. Not beside a fixed pool:
        // its size is the most calls at once the operator allows (gunicorn's `--threads`).
        let inline =
            config.inline && app.blocking() && config.harakiri.is_none() && !config.fixed_threads;
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        runtime.enable_all().thread_name("gateway");
        if config.batch_scheduling {
            runtime.on_thread_start(crate::scheduling::batch);
        }
        if inline {
            runtime.worker_threads(workers + 1);
        } else if let Some(workers) = config.workers {
            runtime.worker_threads(workers);
        }
        let runtime = runtime.build()?;
        let size = PoolSize {
            core: if config.fixed_threads {
                config.max_threads
            } else {
                workers
            },
            max: config.max_threads,
            queue: config.max_queued,
        };
        let pool = Pool::new(size, runtime.handle().clone());
        let shared = Arc::new(Shared {
            app: Arc::new(app),
            inline: inline
                .then(|| Inline::new(workers + 1, pool.clone(), runtime.handle().clone())),
            pool,
            runtime: runtime.handle().clone(),
            body: config.body,
            send: config.send,
            allow_connect: config.allow_connect,
            panic_backtraces: config.panic_backtraces,
            proxies: TrustedProxies::new(config.forwarded_allow_ips.clone()),
            metrics: Arc::new(metrics),
            recorded: access_log.is_some()
                || stats.is_some()
                || config.report_stats
                || config.harakiri.is_some(),
            access_log,
            harakiri: config.harakiri,
            retire: config.max_requests.map(Retire::after),
        });
        let (shutdown, _) = watch::channel(false);
        Ok(Server {
            listeners,
            stats,
            runtime,
            shared,
            config,
            shutdown: Arc::new(shutdown),
        })
    }
}
