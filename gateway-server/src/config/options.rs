//! Every option an operator can set, with its default and unit: the one list that the
//! command line, the `GATEWAY_*` environment variables and the config file share. A new
//! option is a new field here; the environment and the file pick it up by its flag name.

use super::listener::{HttpListener, HttpsListener, ListenAddr};
use super::values::{ByteSize, Count, FileMode, HumanDuration};
use crate::forwarded::ProxyNet;
use crate::limits;
use clap::{ArgAction, Args, Parser};
use std::path::PathBuf;

/// What the command line holds: the options, and what to do with them.
#[derive(Parser, Debug)]
#[command(
    name = "gateway",
    about = "Serves a WSGI-style application over HTTP, HTTPS and the uwsgi protocol.",
    after_help = "Every option is also an environment variable, GATEWAY_ and its name in capitals \
                  with _ for - (GATEWAY_HEADER_READ_TIMEOUT=10s; several listeners separated by \
                  spaces), and a key of the --config file (header-read-timeout = \"10s\"). \
                  Flags win over the environment, which wins over the file."
)]
pub(crate) struct Cli {
    /// A TOML file whose keys are the options' names (threads = 64, http = ["0.0.0.0:8000"]).
    /// Also GATEWAY_CONFIG.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Checks the configuration and exits: 0 when it is valid (like nginx -t).
    #[arg(long)]
    pub(crate) check_config: bool,

    /// Prints the effective configuration as TOML, each value with where it came from, and
    /// exits.
    #[arg(long)]
    pub(crate) print_config: bool,

    #[command(flatten)]
    pub(crate) options: Options,
}

/// The options, as the server uses them.
#[derive(Args, Clone, Debug, PartialEq)]
pub(crate) struct Options {
    /// Serve HTTP/1.0, HTTP/1.1 and h2c on ADDR (IP:PORT, :PORT for 127.0.0.1, or
    /// unix:/path.sock); ",proxy-protocol" when a load balancer sends the PROXY header.
    /// Repeatable. [default: 127.0.0.1:8000 when no listener is given]
    #[arg(long, value_name = "ADDR[,proxy-protocol]", action = ArgAction::Append,
          help_heading = "Listeners")]
    pub(crate) http: Vec<HttpListener>,

    /// Serve HTTPS (ALPN h2 and http/1.1) on ADDR with a PEM certificate chain and its PEM
    /// key. Repeatable.
    #[arg(long, value_name = "ADDR,CERT,KEY", action = ArgAction::Append,
          help_heading = "Listeners")]
    pub(crate) https: Vec<HttpsListener>,

    /// Serve the uwsgi protocol (nginx's uwsgi_pass) on ADDR. Repeatable. Never expose it
    /// to the network: it trusts what the proxy says about the client.
    #[arg(long, value_name = "ADDR", action = ArgAction::Append, help_heading = "Listeners")]
    pub(crate) socket: Vec<ListenAddr>,

    /// Permission bits of the unix socket files, in octal (666 lets nginx's workers, another
    /// user, connect). [default: the umask decides]
    #[arg(long, value_name = "MODE", help_heading = "Listeners")]
    pub(crate) chmod_socket: Option<FileMode>,

    /// Proxies whose X-Forwarded-For, X-Forwarded-Proto and Forwarded headers are believed:
    /// IPs and CIDR networks, comma-separated, or * for anyone.
    #[arg(long, value_name = "IP|CIDR,...", value_delimiter = ',', action = ArgAction::Append,
          default_values = ["127.0.0.1", "::1"], help_heading = "Listeners")]
    pub(crate) forwarded_allow_ips: Vec<ProxyNet>,

    /// Time a connection may stay idle (accepted, or done with its last response) without
    /// sending a complete request head (a duration: 500ms, 30s, 2m).
    #[arg(long, value_name = "DURATION", help_heading = "Limits",
          default_value_t = HumanDuration(limits::HEADER_READ_TIMEOUT))]
    pub(crate) header_read_timeout: HumanDuration,

    /// Largest request head (request line and headers) in bytes, 64KiB / 1MiB (at least
    /// 8KiB); larger answers 431. Also the largest uwsgi vars block.
    #[arg(long, value_name = "BYTES", help_heading = "Limits", value_parser = head_size,
          default_value_t = ByteSize(limits::MAX_HEAD_SIZE))]
    pub(crate) max_head_size: ByteSize,

    /// Most headers in one request (uwsgi: vars in one packet); more answers 431.
    #[arg(long, value_name = "N", help_heading = "Limits",
          default_value_t = Count(limits::MAX_HEADERS))]
    pub(crate) max_headers: Count,

    /// Time shutdown waits for in-flight requests before dropping them (a duration: 500ms,
    /// 30s, 2m).
    #[arg(long, value_name = "DURATION", help_heading = "Limits",
          default_value_t = HumanDuration(limits::SHUTDOWN_GRACE))]
    pub(crate) shutdown_timeout: HumanDuration,

    /// Most blocking (plain fn) applications running at once, in threads (in each worker
    /// with --workers).
    #[arg(long, value_name = "N", help_heading = "Limits",
          default_value_t = Count(limits::MAX_THREADS))]
    pub(crate) threads: Count,

    /// Largest request body in bytes; a larger Content-Length answers 413 before the
    /// application runs, a chunked body that grows past it answers 413 when read.
    #[arg(long, value_name = "BYTES", help_heading = "Limits",
          default_value_t = ByteSize(limits::MAX_BODY_SIZE as usize))]
    pub(crate) max_body_size: ByteSize,

    /// Time the server waits in all for a request body before holding the client to
    /// --min-body-rate (408 when nothing was sent, else the connection closes).
    #[arg(long, value_name = "DURATION", help_heading = "Limits",
          default_value_t = HumanDuration(limits::BODY_READ_TIMEOUT))]
    pub(crate) body_read_timeout: HumanDuration,

    /// Slowest request body accepted after --body-read-timeout, in bytes per second.
    #[arg(long, value_name = "BYTES", help_heading = "Limits",
          default_value_t = ByteSize(limits::MIN_BODY_RATE as usize))]
    pub(crate) min_body_rate: ByteSize,

    /// Request body read before a blocking application is called, without holding a thread.
    #[arg(long, value_name = "BYTES", help_heading = "Limits",
          default_value_t = ByteSize(limits::BODY_BUFFER_SIZE))]
    pub(crate) body_buffer_size: ByteSize,

    /// Time a response may wait in all for a slow client before it is held to
    /// --min-send-rate (then the connection closes).
    #[arg(long, value_name = "DURATION", help_heading = "Limits",
          default_value_t = HumanDuration(limits::SEND_TIMEOUT))]
    pub(crate) send_timeout: HumanDuration,

    /// Slowest client read accepted after --send-timeout, in bytes per second.
    #[arg(long, value_name = "BYTES", help_heading = "Limits",
          default_value_t = ByteSize(limits::MIN_SEND_RATE as usize))]
    pub(crate) min_send_rate: ByteSize,

    /// Lingering close: how long in all to read and discard what a client still sends after
    /// a response whose request body was not read (nginx's lingering_time).
    #[arg(long, value_name = "DURATION", help_heading = "Limits",
          default_value_t = HumanDuration(limits::LINGERING_TIME))]
    pub(crate) lingering_time: HumanDuration,

    /// Lingering close: the longest wait between two reads (nginx's lingering_timeout).
    #[arg(long, value_name = "DURATION", help_heading = "Limits",
          default_value_t = HumanDuration(limits::LINGERING_TIMEOUT))]
    pub(crate) lingering_timeout: HumanDuration,

    /// Lingering close: the most bytes read and discarded.
    #[arg(long, value_name = "BYTES", help_heading = "Limits",
          default_value_t = ByteSize(limits::LINGERING_MAX_BYTES))]
    pub(crate) lingering_max_bytes: ByteSize,

    /// Most requests waiting for an application thread; more answer 503 with Retry-After.
    #[arg(long, value_name = "N", help_heading = "Limits",
          default_value_t = Count(limits::MAX_QUEUED_REQUESTS))]
    pub(crate) max_queued_requests: Count,

    /// Most application threads one HTTP/2 connection holds; its other streams wait.
    #[arg(long, value_name = "N", help_heading = "Limits",
          default_value_t = Count(limits::MAX_THREADS_PER_CONNECTION))]
    pub(crate) threads_per_connection: Count,

    /// Worker processes. 0: serve in this one process, no master (the least overhead, for a
    /// container its orchestrator restarts). N: a master binds the listeners and supervises
    /// N workers that share them: restarts, --max-requests, zero-downtime reload on SIGHUP.
    #[arg(
        long,
        value_name = "N",
        help_heading = "Processes",
        default_value_t = 0
    )]
    pub(crate) workers: usize,

    /// Requests a worker serves before it drains and is replaced, for applications that
    /// leak (0: never; needs --workers).
    #[arg(
        long,
        value_name = "N",
        help_heading = "Processes",
        default_value_t = 0
    )]
    pub(crate) max_requests: u64,

    /// Adds a random 0..=N to each worker's --max-requests, so workers do not all retire at
    /// once.
    #[arg(
        long,
        value_name = "N",
        help_heading = "Processes",
        default_value_t = 0
    )]
    pub(crate) max_requests_jitter: u64,

    /// Writes the pid of the process to signal (the master with --workers) to FILE, removed
    /// at exit.
    #[arg(long, value_name = "FILE", help_heading = "Processes")]
    pub(crate) pidfile: Option<PathBuf>,

    /// Threads doing network I/O (and running async applications); with --workers N, each
    /// worker's default is cores / N (at least 1). [default: one per core]
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub(crate) io_threads: Option<Count>,

    /// Run the I/O threads under Linux's SCHED_BATCH policy: woken by the network or an
    /// application thread, they do not preempt the thread on their core, and handle several
    /// events when they run (more requests per second under load; a thread on an idle core
    /// still runs at once). false: the default policy. No effect on other systems.
    #[arg(long, value_name = "BOOL", help_heading = "Limits", num_args = 0..=1,
          default_value_t = true, default_missing_value = "true", action = ArgAction::Set)]
    pub(crate) batch_scheduling: bool,

    /// Most open client connections; past it accepting pauses (new connections wait in the
    /// listen backlog, none is refused) until one closes. 0: no limit.
    #[arg(long, value_name = "N", help_heading = "Limits",
          default_value_t = Count(limits::MAX_CONNECTIONS))]
    pub(crate) max_connections: Count,

    /// A request still running after this long answers 504 (or its connection closes if the
    /// response had begun); a blocking call's thread is counted stuck until it returns.
    /// [default: no limit]
    #[arg(long, value_name = "DURATION", help_heading = "Limits")]
    pub(crate) harakiri: Option<HumanDuration>,

    /// Write the access log to FILE (appended; reopened on SIGUSR1) instead of stderr.
    #[arg(long, value_name = "FILE", help_heading = "Logging")]
    pub(crate) access_log: Option<PathBuf>,

    /// The access log's line: gunicorn's fields (%(h)s %(r)s %(s)s %(D)s ...), nginx's
    /// ($remote_addr $request $status ...), or json. [default: Combined Log Format and the
    /// duration in microseconds]
    #[arg(long, value_name = "FORMAT", help_heading = "Logging")]
    pub(crate) access_log_format: Option<String>,

    /// No access log.
    #[arg(long, value_name = "BOOL", help_heading = "Logging", num_args = 0..=1,
          default_value_t = false, default_missing_value = "true", action = ArgAction::Set)]
    pub(crate) disable_access_log: bool,

    /// Serve the stats on ADDR (IP:PORT or unix:/path.sock): JSON at /, Prometheus text at
    /// /metrics, /healthz (200 while serving, 503 while draining).
    #[arg(long, value_name = "ADDR", help_heading = "Logging")]
    pub(crate) stats: Option<ListenAddr>,
}

/// The listener when none is given: `make_server`'s default address.
pub(crate) const DEFAULT_LISTENER: (&str, &str) = ("http", "127.0.0.1:8000");

/// The smallest head-size limit: the floor `ServerBuilder::max_head_size` applies.
const MIN_HEAD_SIZE: ByteSize = ByteSize(8192);

/// A head-size limit: a size of at least [`MIN_HEAD_SIZE`].
fn head_size(text: &str) -> Result<ByteSize, String> {
    let size: ByteSize = text.parse()?;
    if size.0 < MIN_HEAD_SIZE.0 {
        return Err(format!("expected at least {MIN_HEAD_SIZE}"));
    }
    Ok(size)
}
