//! The access log's line formats: the default (Combined Log Format and the duration in
//! microseconds), a format of named fields in gunicorn's (`%(h)s`) or nginx's
//! (`$remote_addr`) spelling, or `json`. A format is parsed once, at start-up; an unknown
//! field is an error that names it.

use super::Entry;
use chrono::{DateTime, SecondsFormat, Utc};
use http::Version;
use serde::Serialize;
use std::fmt;
use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

/// The default format: Combined Log Format plus the duration in microseconds.
pub(crate) const DEFAULT_FORMAT: &str =
    r#"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s"#;

/// A parsed line format.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Format {
    /// Text and fields, in order.
    Pattern(Vec<Piece>),
    /// One JSON object per line.
    Json,
}

/// A part of a line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    Field(Field),
}

/// What a line can show of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    RemoteAddr,
    Dash,
    TimeBracketed,
    TimeLocal,
    RequestLine,
    Status,
    BytesOrDash,
    Bytes,
    Referer,
    UserAgent,
    Seconds,
    SecondsDecimal,
    Millis,
    Micros,
    Method,
    Path,
    Query,
    RequestUri,
    Protocol,
    Pid,
}

/// Every field name, in gunicorn's and nginx's spelling.
const NAMES: [(&str, Field); 29] = [
    ("%(h)s", Field::RemoteAddr),
    ("%(l)s", Field::Dash),
    ("%(u)s", Field::Dash),
    ("%(t)s", Field::TimeBracketed),
    ("%(r)s", Field::RequestLine),
    ("%(s)s", Field::Status),
    ("%(b)s", Field::BytesOrDash),
    ("%(B)s", Field::Bytes),
    ("%(f)s", Field::Referer),
    ("%(a)s", Field::UserAgent),
    ("%(T)s", Field::Seconds),
    ("%(L)s", Field::SecondsDecimal),
    ("%(M)s", Field::Millis),
    ("%(D)s", Field::Micros),
    ("%(m)s", Field::Method),
    ("%(U)s", Field::Path),
    ("%(q)s", Field::Query),
    ("%(H)s", Field::Protocol),
    ("%(p)s", Field::Pid),
    ("$remote_addr", Field::RemoteAddr),
    ("$request", Field::RequestLine),
    ("$status", Field::Status),
    ("$body_bytes_sent", Field::Bytes),
    ("$request_time", Field::SecondsDecimal),
    ("$http_user_agent", Field::UserAgent),
    ("$http_referer", Field::Referer),
    ("$request_method", Field::Method),
    ("$request_uri", Field::RequestUri),
    ("$server_protocol", Field::Protocol),
];

/// Also nginx's, past the array's size limit for one line of names.
const MORE_NAMES: [(&str, Field); 5] = [
    ("$time_local", Field::TimeLocal),
    ("$uri", Field::Path),
    ("$args", Field::Query),
    ("$pid", Field::Pid),
    ("$remote_user", Field::Dash),
];

/// A format with an unknown field (its Display is the start-up error).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnknownField(pub(crate) String);

impl fmt::Display for UnknownField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the access log format has an unknown field `{}`; known fields are gunicorn's \
             %(h)s %(l)s %(u)s %(t)s %(r)s %(s)s %(b)s %(B)s %(f)s %(a)s %(T)s %(L)s %(M)s \
             %(D)s %(m)s %(U)s %(q)s %(H)s %(p)s and nginx's",
            self.0
        )?;
        for (name, _) in NAMES.iter().chain(&MORE_NAMES).skip(19) {
            write!(f, " {name}")?;
        }
        f.write_str(", or the whole format `json`")
    }
}

impl std::error::Error for UnknownField {}

impl Format {
    /// Parses `text`: `json`, or text with fields in either spelling (`%%` and `$$` are a
    /// plain `%` and `$`).
    pub(crate) fn parse(text: &str) -> Result<Self, UnknownField> {
        if text.trim() == "json" {
            return Ok(Self::Json);
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            let escaped = ["%%", "$$"].iter().find(|e| rest.starts_with(**e));
            if let Some(escaped) = escaped {
                literal.push_str(&escaped[1..]);
                rest = &rest[2..];
                continue;
            }
            let name = match c {
                '%' if rest.starts_with("%(") => match rest.find(")s") {
                    Some(end) => &rest[..end + 2],
                    None => return Err(UnknownField(rest.to_owned())),
                },
                '$' => {
                    let end = rest[1..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .map_or(rest.len(), |end| end + 1);
                    &rest[..end]
                }
                _ => {
                    literal.push(c);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
            };
            let field = NAMES
                .iter()
                .chain(&MORE_NAMES)
                .find(|(known, _)| *known == name)
                .map(|(_, field)| *field)
                .ok_or_else(|| UnknownField(name.to_owned()))?;
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Field(field));
            rest = &rest[name.len()..];
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Self::Pattern(pieces))
    }
}

/// Renders lines. What most lines of a busy server share with the line before is kept
/// rendered: the time's second (formatting it each time was a quarter of the log's cost),
/// and the client's address (one proxy, or a few clients).
pub(crate) struct Renderer {
    /// The wall clock and the monotonic clock read together: an entry's wall time is
    /// derived from its monotonic start (a request reads one clock, not two).
    now: (SystemTime, Instant),
    second: u64,
    /// `29/Nov/2026:20:00:00 +0000` for `second`.
    clf: String,
    /// The monotonic instants that fall in `second` (by `now`'s reading): an entry that
    /// started in them shows `clf` without a conversion of its time.
    span: Option<(Instant, Instant)>,
    /// The last client's address and its text.
    remote: Option<(IpAddr, String)>,
}

impl Default for Renderer {
    fn default() -> Self {
        Self {
            now: (SystemTime::now(), Instant::now()),
            second: 0,
            clf: String::new(),
            span: None,
            remote: None,
        }
    }
}

impl Renderer {
    /// Reads the clocks again (the writer does, each time it wakes).
    pub(crate) fn tick(&mut self) {
        self.now = (SystemTime::now(), Instant::now());
        // The wall clock may have been set: the next line converts its time again.
        self.span = None;
    }

    /// When `entry`'s request arrived, by the wall clock.
    fn time(&self, entry: &Entry) -> SystemTime {
        let (wall, monotonic) = self.now;
        match monotonic.checked_duration_since(entry.started) {
            Some(before) => wall - before,
            None => wall + entry.started.duration_since(monotonic),
        }
    }

    /// Appends `entry`'s line, as `format` shows it, and a newline to `out`.
    pub(crate) fn render(&mut self, format: &Format, entry: &Entry, out: &mut Vec<u8>) {
        match format {
            Format::Json => json(entry, self.time(entry), out),
            Format::Pattern(pieces) => {
                for piece in pieces {
                    match piece {
                        Piece::Text(text) => put(text.as_bytes(), out),
                        Piece::Field(field) => self.field(*field, entry, out),
                    }
                }
            }
        }
        out.push(b'\n');
    }

    fn field(&mut self, field: Field, entry: &Entry, out: &mut Vec<u8>) {
        // Only for the fields that need it: a u128 division, once per field, was about
        // half of a Combined Log Format line's rendering.
        let micros = || u64::try_from(entry.took.as_micros()).unwrap_or(u64::MAX);
        match field {
            Field::RemoteAddr => match entry.remote {
                Some(ip) => out.extend_from_slice(self.remote(ip).as_bytes()),
                None => out.push(b'-'),
            },
            Field::Dash => out.push(b'-'),
            Field::TimeBracketed => {
                out.push(b'[');
                out.extend_from_slice(self.clf_time(entry).as_bytes());
                out.push(b']');
            }
            Field::TimeLocal => out.extend_from_slice(self.clf_time(entry).as_bytes()),
            Field::RequestLine => {
                put(entry.method.as_str().as_bytes(), out);
                out.push(b' ');
                escaped(request_uri(entry).as_bytes(), out);
                out.push(b' ');
                out.extend_from_slice(protocol(entry).as_bytes());
            }
            Field::Status => number(u64::from(entry.status), out),
            Field::BytesOrDash if entry.sent == 0 => out.push(b'-'),
            Field::BytesOrDash | Field::Bytes => number(entry.sent, out),
            Field::Referer => header(entry.referer.as_ref(), out),
            Field::UserAgent => header(entry.user_agent.as_ref(), out),
            Field::Seconds => number(entry.took.as_secs(), out),
            Field::SecondsDecimal => {
                let micros = micros();
                let _ = write!(out, "{}.{:03}", micros / 1_000_000, micros / 1000 % 1000);
            }
            Field::Millis => number(micros() / 1000, out),
            Field::Micros => number(micros(), out),
            Field::Method => out.extend_from_slice(entry.method.as_str().as_bytes()),
            Field::Path => escaped(entry.uri.path().as_bytes(), out),
            Field::Query => escaped(entry.uri.query().unwrap_or("").as_bytes(), out),
            Field::RequestUri => escaped(request_uri(entry).as_bytes(), out),
            Field::Protocol => out.extend_from_slice(protocol(entry).as_bytes()),
            Field::Pid => number(u64::from(std::process::id()), out),
        }
    }

    /// `29/Nov/2026:20:00:00 +0000`: the request's arrival, in UTC.
    fn clf_time(&mut self, entry: &Entry) -> &str {
        if let Some((from, to)) = self.span {
            if from <= entry.started && entry.started < to {
                return &self.clf;
            }
        }
        let time = self.time(entry);
        let since = time
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let second = since.as_secs();
        if second != self.second || self.clf.is_empty() {
            self.second = second;
            self.clf.clear();
            let time = DateTime::<Utc>::from(time);
            let _ = fmt::Write::write_fmt(
                &mut self.clf,
                format_args!("{}", time.format("%d/%b/%Y:%H:%M:%S +0000")),
            );
        }
        let into = Duration::from_nanos(u64::from(since.subsec_nanos()));
        self.span = (entry.started.checked_sub(into)).map(|from| (from, from + SECOND));
        &self.clf
    }

    /// The client's address as text: the last line's when it is the same client.
    fn remote(&mut self, ip: IpAddr) -> &str {
        if self.remote.as_ref().is_none_or(|(last, _)| *last != ip) {
            self.remote = Some((ip, ip.to_string()));
        }
        self.remote.as_ref().map_or("", |(_, text)| text)
    }
}

const SECOND: Duration = Duration::from_secs(1);

/// Appends `bytes`: the few bytes between two fields one by one, not through a `memcpy` call
/// (that was a fifth of a line's rendering).
#[inline]
fn put(bytes: &[u8], out: &mut Vec<u8>) {
    if bytes.len() <= 4 {
        for &byte in bytes {
            out.push(byte);
        }
    } else {
        out.extend_from_slice(bytes);
    }
}

fn number(value: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

fn protocol(entry: &Entry) -> &'static str {
    match entry.version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// The path and query as the client sent them.
fn request_uri(entry: &Entry) -> &str {
    entry
        .uri
        .path_and_query()
        .map_or_else(|| entry.uri.path(), |pq| pq.as_str())
}

/// A header's value, `-` when absent.
fn header(value: Option<&http::HeaderValue>, out: &mut Vec<u8>) {
    match value {
        Some(value) => escaped(value.as_bytes(), out),
        None => out.push(b'-'),
    }
}

/// Printable ASCII as is; `"`, `\`, control and non-ASCII bytes as `\xHH` (as nginx does),
/// so a client cannot forge a line or break a quoted field.
fn escaped(bytes: &[u8], out: &mut Vec<u8>) {
    if bytes.iter().all(|&b| is_plain(b)) {
        out.extend_from_slice(bytes);
        return;
    }
    for &byte in bytes {
        if is_plain(byte) {
            out.push(byte);
        } else {
            let _ = write!(out, "\\x{byte:02X}");
        }
    }
}

fn is_plain(byte: u8) -> bool {
    (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\'
}

/// The JSON line's fields.
#[derive(Serialize)]
struct JsonLine<'a> {
    time: String,
    remote_addr: Option<std::net::IpAddr>,
    method: &'a str,
    uri: &'a str,
    protocol: &'static str,
    status: u16,
    bytes_sent: u64,
    referer: Option<std::borrow::Cow<'a, str>>,
    user_agent: Option<std::borrow::Cow<'a, str>>,
    duration_us: u128,
}

fn lossy(value: Option<&http::HeaderValue>) -> Option<std::borrow::Cow<'_, str>> {
    value.map(|value| String::from_utf8_lossy(value.as_bytes()))
}

fn json(entry: &Entry, time: SystemTime, out: &mut Vec<u8>) {
    let line = JsonLine {
        time: DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Millis, true),
        remote_addr: entry.remote,
        method: entry.method.as_str(),
        uri: request_uri(entry),
        protocol: protocol(entry),
        status: entry.status,
        bytes_sent: entry.sent,
        referer: lossy(entry.referer.as_ref()),
        user_agent: lossy(entry.user_agent.as_ref()),
        duration_us: entry.took.as_micros(),
    };
    let _ = serde_json::to_writer(out, &line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse_to_the_same_fields() {
        let gunicorn = Format::parse("%(h)s %(s)s %(D)s").unwrap();
        let nginx = Format::parse("$remote_addr $status %(D)s").unwrap();
        assert_eq!(gunicorn, nginx);
    }

    #[test]
    fn an_unknown_field_is_named() {
        let error = Format::parse("%(h)s %(zz)s").unwrap_err();
        assert_eq!(error.0, "%(zz)s");
        assert!(error.to_string().contains("unknown field `%(zz)s`"));
        assert_eq!(Format::parse("$nope x").unwrap_err().0, "$nope");
    }

    fn entry(started: Instant, remote: IpAddr) -> Entry {
        Entry {
            started,
            remote: Some(remote),
            method: http::Method::GET,
            uri: http::Uri::from_static("/"),
            version: Version::HTTP_11,
            referer: None,
            user_agent: None,
            status: 200,
            sent: 5,
            took: Duration::from_micros(7),
        }
    }

    #[test]
    fn each_line_shows_its_own_second_and_client_whatever_the_line_before() {
        let format = Format::parse("%(h)s %(t)s").unwrap();
        let mut renderer = Renderer::default();
        let (wall, monotonic) = renderer.now;
        let (v4, v6): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "::1".parse().unwrap());
        // Earlier and later seconds, back and forth, and the same second twice in a row.
        for (before_ms, remote) in [
            (2500, v4),
            (2400, v4),
            (1001, v6),
            (2450, v6),
            (999, v4),
            (0, v4),
            (5000, v6),
        ] {
            let before = Duration::from_millis(before_ms);
            let started = monotonic.checked_sub(before).unwrap();
            let mut line = Vec::new();
            renderer.render(&format, &entry(started, remote), &mut line);
            let time = DateTime::<Utc>::from(wall - before).format("%d/%b/%Y:%H:%M:%S +0000");
            assert_eq!(
                String::from_utf8(line).unwrap(),
                format!("{remote} [{time}]\n"),
                "{before_ms} ms before"
            );
        }
    }

    #[test]
    fn quotes_and_control_bytes_are_escaped() {
        let mut out = Vec::new();
        escaped(b"a\"b\nc", &mut out);
        assert_eq!(out, b"a\\x22b\\x0Ac");
    }
}
