//! The access log's line formats: the default (Combined Log Format and the duration in
//! microseconds), a format of named fields in gunicorn's (`%(h)s`) or nginx's
//! (`$remote_addr`) spelling, or `json`. A format is parsed once, at start-up; an unknown
//! field is an error that names it.

use super::Entry;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::fmt;

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

/// One line of the log (without its newline), as `format` shows `entry`.
pub(crate) struct Line<'a>(pub(crate) &'a Format, pub(crate) &'a Entry);

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Line(format, entry) = self;
        match format {
            Format::Json => json(entry, f),
            Format::Pattern(pieces) => pieces.iter().try_for_each(|piece| match piece {
                Piece::Text(text) => f.write_str(text),
                Piece::Field(field) => write_field(*field, entry, f),
            }),
        }
    }
}

fn write_field(field: Field, entry: &Entry, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let micros = entry.took.as_micros();
    match field {
        Field::RemoteAddr => match entry.remote {
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("-"),
        },
        Field::Dash => f.write_str("-"),
        Field::TimeBracketed => write!(f, "[{}]", clf_time(entry)),
        Field::TimeLocal => write!(f, "{}", clf_time(entry)),
        Field::RequestLine => {
            write!(f, "{} ", entry.method)?;
            escaped(request_uri(entry).as_bytes(), f)?;
            write!(f, " {:?}", entry.version)
        }
        Field::Status => write!(f, "{}", entry.status),
        Field::BytesOrDash if entry.sent == 0 => f.write_str("-"),
        Field::BytesOrDash | Field::Bytes => write!(f, "{}", entry.sent),
        Field::Referer => header(entry.referer.as_ref(), f),
        Field::UserAgent => header(entry.user_agent.as_ref(), f),
        Field::Seconds => write!(f, "{}", entry.took.as_secs()),
        Field::SecondsDecimal => write!(f, "{}.{:03}", micros / 1_000_000, micros / 1000 % 1000),
        Field::Millis => write!(f, "{}", micros / 1000),
        Field::Micros => write!(f, "{micros}"),
        Field::Method => write!(f, "{}", entry.method),
        Field::Path => escaped(entry.uri.path().as_bytes(), f),
        Field::Query => escaped(entry.uri.query().unwrap_or("").as_bytes(), f),
        Field::RequestUri => escaped(request_uri(entry).as_bytes(), f),
        Field::Protocol => write!(f, "{:?}", entry.version),
        Field::Pid => write!(f, "{}", std::process::id()),
    }
}

/// The path and query as the client sent them.
fn request_uri(entry: &Entry) -> &str {
    entry
        .uri
        .path_and_query()
        .map_or_else(|| entry.uri.path(), |pq| pq.as_str())
}

/// `29/Nov/2026:20:00:00 +0000`: the request's start, in UTC.
fn clf_time(entry: &Entry) -> impl fmt::Display {
    DateTime::<Utc>::from(entry.time).format("%d/%b/%Y:%H:%M:%S +0000")
}

/// A header's value, `-` when absent.
fn header(value: Option<&http::HeaderValue>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match value {
        Some(value) => escaped(value.as_bytes(), f),
        None => f.write_str("-"),
    }
}

/// Printable ASCII as is; `"`, `\`, control and non-ASCII bytes as `\xHH` (as nginx does),
/// so a client cannot forge a line or break a quoted field.
fn escaped(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for chunk in bytes.split_inclusive(|b| !is_plain(*b)) {
        match chunk.split_last() {
            Some((&last, head)) if !is_plain(last) => {
                f.write_str(std::str::from_utf8(head).unwrap_or(""))?;
                write!(f, "\\x{last:02X}")?;
            }
            _ => f.write_str(std::str::from_utf8(chunk).unwrap_or(""))?,
        }
    }
    Ok(())
}

fn is_plain(byte: u8) -> bool {
    (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\'
}

/// The JSON line's fields.
#[derive(Serialize)]
struct JsonLine<'a> {
    time: String,
    remote_addr: Option<String>,
    method: &'a str,
    uri: &'a str,
    protocol: String,
    status: u16,
    bytes_sent: u64,
    referer: Option<String>,
    user_agent: Option<String>,
    duration_us: u128,
}

fn json(entry: &Entry, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let lossy = |value: &http::HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned();
    let line = JsonLine {
        time: DateTime::<Utc>::from(entry.time).to_rfc3339_opts(SecondsFormat::Millis, true),
        remote_addr: entry.remote.map(|ip| ip.to_string()),
        method: entry.method.as_str(),
        uri: request_uri(entry),
        protocol: format!("{:?}", entry.version),
        status: entry.status,
        bytes_sent: entry.sent,
        referer: entry.referer.as_ref().map(lossy),
        user_agent: entry.user_agent.as_ref().map(lossy),
        duration_us: entry.took.as_micros(),
    };
    let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
    f.write_str(&text)
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

    #[test]
    fn quotes_and_control_bytes_are_escaped() {
        struct Escaped(&'static [u8]);
        impl fmt::Display for Escaped {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                escaped(self.0, f)
            }
        }
        assert_eq!(Escaped(b"a\"b\nc").to_string(), "a\\x22b\\x0Ac");
    }
}
