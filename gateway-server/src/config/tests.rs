use super::listener::{HttpListener, ListenAddr};
use super::values::{ByteSize, Count, HumanDuration};
use super::*;
use crate::limits;
use clap::CommandFactory;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A config file with `text`, in a directory of its own under the system's temp directory.
struct TempFile(PathBuf);

impl TempFile {
    fn new(text: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "gateway-config-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gateway.toml");
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn arg(&self) -> String {
        format!("--config={}", self.0.display())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

fn load(args: &[&str], env: &[(&str, &str)]) -> Result<(Config, Action), ConfigError> {
    let args = std::iter::once("gateway").chain(args.iter().copied());
    let env = env.iter().map(|(k, v)| (k.into(), v.into()));
    Config::load(args.map(OsString::from), env)
}

fn config(args: &[&str], env: &[(&str, &str)]) -> Config {
    match load(args, env) {
        Ok((config, _)) => config,
        Err(error) => panic!("{error}"),
    }
}

fn error(args: &[&str], env: &[(&str, &str)]) -> String {
    match load(args, env) {
        Ok((config, _)) => panic!("expected an error, got {config:?}"),
        Err(error) => error.to_string(),
    }
}

fn origin_of(config: &Config, key: &str) -> Origin {
    let setting = config.settings.iter().find(|s| s.key == key).unwrap();
    setting.origin.clone()
}

#[test]
fn defaults_are_the_servers_limits_and_one_local_http_listener() {
    let config = config(&[], &[]);
    let options = &config.options;
    assert_eq!(
        options.header_read_timeout,
        HumanDuration(limits::HEADER_READ_TIMEOUT)
    );
    assert_eq!(options.max_head_size, ByteSize(limits::MAX_HEAD_SIZE));
    assert_eq!(options.max_headers, Count(limits::MAX_HEADERS));
    assert_eq!(
        options.shutdown_timeout,
        HumanDuration(limits::SHUTDOWN_GRACE)
    );
    assert_eq!(options.threads, Count(limits::MAX_THREADS));
    assert_eq!(options.io_threads, None);
    assert_eq!(options.chmod_socket, None);
    assert_eq!(
        options.http,
        vec![HttpListener {
            addr: ListenAddr::Tcp("127.0.0.1:8000".parse().unwrap()),
            proxy_protocol: false
        }]
    );
    assert!(options.https.is_empty() && options.socket.is_empty());
    assert_eq!(
        options.forwarded_allow_ips,
        vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()]
    );
    assert!(config.settings.iter().all(|s| s.origin == Origin::Default));
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_file() {
    let file = TempFile::new("threads = 8\nmax-headers = 50\nheader-read-timeout = \"5s\"\n");
    let env = [("GATEWAY_THREADS", "16"), ("GATEWAY_MAX_HEADERS", "60")];
    let all = config(&[&file.arg(), "--threads", "32"], &env);
    assert_eq!(all.options.threads, Count(32));
    assert_eq!(origin_of(&all, "threads"), Origin::Flag);
    assert_eq!(all.options.max_headers, Count(60));
    assert_eq!(
        origin_of(&all, "max-headers"),
        Origin::Env("GATEWAY_MAX_HEADERS".into())
    );
    assert_eq!(all.options.header_read_timeout.0, Duration::from_secs(5));
    assert_eq!(
        origin_of(&all, "header-read-timeout"),
        Origin::File(file.path().to_owned())
    );
    assert_eq!(origin_of(&all, "shutdown-timeout"), Origin::Default);

    let without_flag = config(&[&file.arg()], &env);
    assert_eq!(without_flag.options.threads, Count(16));
    let file_only = config(&[&file.arg()], &[]);
    assert_eq!(file_only.options.threads, Count(8));
}

#[test]
fn the_config_file_can_be_named_by_gateway_config_and_the_flag_wins() {
    let from_env = TempFile::new("threads = 3\n");
    let from_flag = TempFile::new("threads = 4\n");
    let env = [("GATEWAY_CONFIG", from_env.path().to_str().unwrap())];
    assert_eq!(config(&[], &env).options.threads, Count(3));
    assert_eq!(config(&[&from_flag.arg()], &env).options.threads, Count(4));
}

#[test]
fn listeners_repeat_and_any_listener_replaces_the_default() {
    let config = config(
        &[
            "--http",
            "0.0.0.0:8000",
            "--http",
            "unix:/run/a.sock,proxy-protocol",
        ],
        &[("GATEWAY_SOCKET", "127.0.0.1:9000 unix:/run/uwsgi.sock")],
    );
    let options = &config.options;
    assert_eq!(options.http.len(), 2);
    assert!(options.http[1].proxy_protocol);
    assert_eq!(
        options.socket,
        vec![
            ListenAddr::Tcp("127.0.0.1:9000".parse().unwrap()),
            ListenAddr::Unix("/run/uwsgi.sock".into())
        ]
    );
    let only_socket = super::tests::config(&["--socket", ":9000"], &[]);
    assert!(
        only_socket.options.http.is_empty(),
        "no default --http next to --socket"
    );
}

#[test]
fn the_file_takes_lists_or_single_values_for_repeatable_options() {
    let file = TempFile::new(
        "http = [\"127.0.0.1:8000\", \"127.0.0.1:8001\"]\n\
         https = \"127.0.0.1:8443,/etc/cert.pem,/etc/key.pem\"\n\
         forwarded-allow-ips = [\"10.0.0.0/8\", \"127.0.0.1\"]\n\
         chmod-socket = \"666\"\n",
    );
    let options = config(&[&file.arg()], &[]).options;
    assert_eq!(options.http.len(), 2);
    assert_eq!(options.https.len(), 1);
    assert_eq!(options.https[0].key, PathBuf::from("/etc/key.pem"));
    assert_eq!(options.forwarded_allow_ips.len(), 2);
    assert_eq!(options.chmod_socket.map(|mode| mode.0), Some(0o666));
}

#[test]
fn lists_from_the_environment_are_comma_separated_ips() {
    let env = [("GATEWAY_FORWARDED_ALLOW_IPS", "10.0.0.0/8,192.168.1.1")];
    let options = config(&[], &env).options;
    assert_eq!(
        options.forwarded_allow_ips,
        vec![
            "10.0.0.0/8".parse().unwrap(),
            "192.168.1.1".parse().unwrap()
        ]
    );
}

#[test]
fn an_unknown_key_in_the_file_is_named_with_the_closest_known_key() {
    let file = TempFile::new("thread = 4\n");
    let message = error(&[&file.arg()], &[]);
    assert!(message.contains("unknown key \"thread\""), "{message}");
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
    assert!(message.ends_with("did you mean \"threads\"?"), "{message}");

    let file = TempFile::new("database-url = \"x\"\n");
    let message = error(&[&file.arg()], &[]);
    assert!(
        message.contains("run with --help for the options"),
        "{message}"
    );
}

#[test]
fn an_unknown_gateway_variable_is_named_with_the_closest_known_one() {
    let message = error(&[], &[("GATEWAY_THREAD", "4")]);
    assert_eq!(
        message,
        "unknown environment variable GATEWAY_THREAD; did you mean GATEWAY_THREADS?"
    );
    let message = error(&[], &[("GATEWAY_HEADER_TIMEOUT", "4s")]);
    assert!(
        message.ends_with("did you mean GATEWAY_HEADER_READ_TIMEOUT?"),
        "{message}"
    );
}

#[test]
fn other_variables_are_left_alone() {
    let env = [
        ("PATH", "/usr/bin"),
        ("GATEWAY_SNOOP", "off"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("GATEWAY_THREADS", ""),
    ];
    assert_eq!(
        config(&[], &env).options.threads,
        Count(limits::MAX_THREADS)
    );
}

#[test]
fn a_wrong_value_names_the_key_the_value_and_what_was_expected() {
    let file = TempFile::new("threads = \"many\"\n");
    let message = error(&[&file.arg()], &[]);
    let expected = format!(
        "invalid value \"many\" for threads in {}: expected a whole number such as 8",
        file.path().display()
    );
    assert_eq!(message, expected);

    let message = error(&[], &[("GATEWAY_HEADER_READ_TIMEOUT", "soon")]);
    assert_eq!(
        message,
        "invalid value \"soon\" for GATEWAY_HEADER_READ_TIMEOUT: expected a duration such as \
         30s, 500ms, 2m or 1h"
    );
    let message = error(&[], &[("GATEWAY_MAX_HEAD_SIZE", "100")]);
    assert!(message.ends_with("expected at least 8KiB"), "{message}");
    let message = error(&[], &[("GATEWAY_SOCKET", "nginx")]);
    assert!(
        message.contains("\"nginx\" for GATEWAY_SOCKET: expected an address"),
        "{message}"
    );
}

#[test]
fn a_wrong_toml_type_names_the_key_and_what_was_expected() {
    for (text, expected) in [
        ("threads = true\n", "expected a whole number"),
        ("header-read-timeout = 1.5\n", "expected a duration"),
        ("threads = [1, 2]\n", "expected one value, not a list"),
        ("[threads]\nx = 1\n", "expected a value, not a table"),
        ("http = [[\"a\"]]\n", "expected a list of values"),
    ] {
        let file = TempFile::new(text);
        let message = error(&[&file.arg()], &[]);
        assert!(message.contains(expected), "{text:?}: {message}");
        assert!(message.contains(" in "), "{text:?}: {message}");
    }
}

#[test]
fn a_wrong_flag_is_claps_error_naming_the_flag_and_the_value() {
    let message = error(&["--threads", "many"], &[]);
    assert!(message.contains("'many'"), "{message}");
    assert!(message.contains("--threads"), "{message}");
    assert!(message.contains("expected a whole number"), "{message}");
    let message = error(&["--thread", "4"], &[]);
    assert!(
        message.contains("--threads"),
        "clap suggests too: {message}"
    );
}

#[test]
fn an_unreadable_or_invalid_file_is_named() {
    let missing = error(&["--config", "/nonexistent/gateway.toml"], &[]);
    assert!(
        missing.starts_with("cannot read the config file /nonexistent/gateway.toml"),
        "{missing}"
    );
    let file = TempFile::new("threads = \n");
    let message = error(&[&file.arg()], &[]);
    assert!(message.contains("is not valid TOML"), "{message}");
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn check_and_print_config_are_actions() {
    assert_eq!(load(&[], &[]).unwrap().1, Action::Serve);
    assert_eq!(
        load(&["--check-config"], &[]).unwrap().1,
        Action::CheckConfig
    );
    assert_eq!(
        load(&["--print-config"], &[]).unwrap().1,
        Action::PrintConfig
    );
    // A bad configuration fails the check like any other start.
    assert!(load(&["--check-config"], &[("GATEWAY_THREADS", "0")]).is_err());
}

#[test]
fn print_config_says_where_each_value_came_from() {
    let file = TempFile::new("max-headers = 50\n");
    let config = config(
        &[&file.arg(), "--socket", "127.0.0.1:9000", "--threads=32"],
        &[("GATEWAY_HEADER_READ_TIMEOUT", "10s")],
    );
    let printed = config.to_toml();
    let line = |key: &str| {
        printed
            .lines()
            .find(|line| line.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} in\n{printed}"))
            .to_owned()
    };
    assert!(line("threads").starts_with("threads = 32 "));
    assert!(line("threads").ends_with("# --threads"));
    assert!(line("socket").starts_with("socket = [\"127.0.0.1:9000\"]"));
    assert!(line("header-read-timeout").starts_with("header-read-timeout = \"10s\""));
    assert!(line("header-read-timeout").ends_with("# GATEWAY_HEADER_READ_TIMEOUT"));
    assert!(line("max-headers").ends_with(&format!("# {}", file.path().display())));
    assert!(line("shutdown-timeout").ends_with("# default"));
    assert!(
        line("forwarded-allow-ips").starts_with("forwarded-allow-ips = [\"127.0.0.1\", \"::1\"]")
    );
    assert!(printed.contains("# chmod-socket is not set"), "{printed}");
    assert!(
        !printed.contains("\nhttp "),
        "no default --http next to --socket:\n{printed}"
    );
}

#[test]
fn printed_config_reads_back_as_the_same_configuration() {
    let original = config(
        &[
            "--https",
            "127.0.0.1:8443,/tmp/cert.pem,/tmp/key.pem",
            "--http",
            "127.0.0.1:8000,proxy-protocol",
            "--chmod-socket",
            "660",
            "--max-head-size",
            "64KiB",
            "--io-threads",
            "2",
        ],
        &[("GATEWAY_FORWARDED_ALLOW_IPS", "10.0.0.0/8")],
    );
    let file = TempFile::new(&original.to_toml());
    let reread = config(&[&file.arg()], &[]);
    assert_eq!(reread.options, original.options);
}

#[test]
fn help_shows_every_option_with_its_default_and_unit() {
    let help = Cli::command().render_long_help().to_string();
    for (flag, shown) in [
        (
            "--http <ADDR[,proxy-protocol]>",
            "[default: 127.0.0.1:8000 when no listener is given]",
        ),
        ("--https <ADDR,CERT,KEY>", ""),
        ("--socket <ADDR>", ""),
        ("--chmod-socket <MODE>", "[default: the umask decides]"),
        (
            "--forwarded-allow-ips <IP|CIDR,...>",
            "[default: 127.0.0.1 ::1]",
        ),
        ("--header-read-timeout <DURATION>", "[default: 30s]"),
        ("--max-head-size <BYTES>", "[default: 128KiB]"),
        ("--max-headers <N>", "[default: 100]"),
        ("--shutdown-timeout <DURATION>", "[default: 30s]"),
        ("--threads <N>", "[default: 512]"),
        ("--io-threads <N>", "[default: one per core]"),
        ("--config <FILE>", ""),
        ("--check-config", ""),
        ("--print-config", ""),
    ] {
        assert!(help.contains(flag), "{flag} missing from\n{help}");
        assert!(help.contains(shown), "{shown} missing from\n{help}");
    }
    assert!(help.contains("GATEWAY_"), "the environment is explained");
}

#[test]
fn help_is_an_error_value_that_clap_prints() {
    let Err(ConfigError::Cli(help)) = load(&["--help"], &[]) else {
        panic!("--help is clap's to print");
    };
    assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
}
