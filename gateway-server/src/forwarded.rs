//! Behind an HTTP proxy (nginx's `proxy_pass`): who the client really is and which scheme it
//! used, from `X-Forwarded-For` / `X-Forwarded-Proto` or RFC 7239's `Forwarded`, believed
//! only when the connection comes from a trusted proxy (`--forwarded-allow-ips`, gunicorn's
//! option, default loopback only). From anyone else these headers are ignored: they are the
//! client's word, and a client could claim any address.
//!
//! A chain of proxies is walked from the nearest one outwards: each hop that is itself a
//! trusted proxy is skipped, and the first one that is not is the client (nginx's
//! `real_ip_recursive`). `X-Forwarded-*` is used when present, `Forwarded` otherwise. Your
//! proxy must set (not pass through) the header it uses: nginx's
//! `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` and
//! `proxy_set_header X-Forwarded-Proto $scheme;`.

use http::header::{HeaderName, FORWARDED};
use http::HeaderMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// One entry of `--forwarded-allow-ips`: an address (`127.0.0.1`), a network in CIDR form
/// (`10.0.0.0/8`, `fd00::/8`) or `*` (anyone: only when nothing but the proxy can reach the
/// server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProxyNet {
    /// Every address.
    Any,
    /// The addresses whose first `prefix` bits are those of `addr`.
    Net {
        /// The network's address.
        addr: IpAddr,
        /// How many leading bits must match.
        prefix: u8,
    },
}

impl ProxyNet {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as its IPv4).
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let Self::Net { addr, prefix } = *self else {
            return true;
        };
        match (addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for ProxyNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(Self::Any);
        }
        let expected = || {
            "expected an IP address (127.0.0.1, ::1), a network (10.0.0.0/8, fd00::/8) or *"
                .to_owned()
        };
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| expected())?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => match prefix.parse::<u8>() {
                Ok(prefix) if prefix <= max => prefix,
                _ => return Err(format!("the network prefix must be from 0 to {max}")),
            },
        };
        Ok(Self::Net { addr, prefix })
    }
}

impl fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Net { addr, prefix } if *prefix == if addr.is_ipv4() { 32 } else { 128 } => {
                addr.fmt(f)
            }
            Self::Net { addr, prefix } => write!(f, "{addr}/{prefix}"),
        }
    }
}

/// `X-Forwarded-For` and `X-Forwarded-Proto`, made once: a lookup by `&str` parses the name
/// first, and behind a trusted proxy every request looks for both (callgrind: the three
/// lookups were ~900 instructions per request by name, half of that by `HeaderName`).
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The proxies whose forwarding headers are believed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrustedProxies(Vec<ProxyNet>);

/// What a trusted proxy said about the request it forwarded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Forwarded {
    /// The client's address (`REMOTE_ADDR`), and its port when the proxy gave one.
    pub(crate) client: Option<(IpAddr, Option<u16>)>,
    /// Whether the client used `https` (`wsgi.url_scheme`), when the proxy said.
    pub(crate) https: Option<bool>,
}

impl TrustedProxies {
    /// Trusts the peers in `nets`.
    pub(crate) fn new(nets: Vec<ProxyNet>) -> Self {
        Self(nets)
    }

    /// Whether `ip` is a trusted proxy.
    pub(crate) fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// What the forwarding headers of a request from `peer` say, or nothing when `peer` is
    /// not a trusted proxy. Costs no allocation when the headers are absent.
    pub(crate) fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> Forwarded {
        if !self.trusts(peer) {
            return Forwarded::default();
        }
        // Most requests, even a proxy's, have none of them: one look at the few names beats
        // three hash lookups.
        let forwarding = |name: &HeaderName| {
            name == X_FORWARDED_FOR || name == X_FORWARDED_PROTO || name == FORWARDED
        };
        if !headers.keys().any(forwarding) {
            return Forwarded::default();
        }
        let for_values = headers.get_all(X_FORWARDED_FOR);
        let proto_values = headers.get_all(X_FORWARDED_PROTO);
        if for_values.iter().next().is_some() || proto_values.iter().next().is_some() {
            let hops: Vec<&str> = list(for_values).collect();
            let protos: Vec<&str> = list(proto_values).collect();
            let (client, index) = self.walk(hops.iter().map(|hop| parse_node(hop)));
            // Proxies that each append a proto line up with the hops; else the nearest says.
            let proto = match index {
                Some(index) if protos.len() == hops.len() => protos.get(index),
                _ => protos.last(),
            };
            return Forwarded {
                client,
                https: proto.and_then(|proto| scheme_is_https(proto)),
            };
        }
        let elements: Vec<Vec<(&str, String)>> = list(headers.get_all(FORWARDED))
            .map(forwarded_pairs)
            .collect();
        let node = |element: &Vec<(&str, String)>| {
            let value = element
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("for"))?;
            parse_node(&value.1)
        };
        let (client, index) = self.walk(elements.iter().map(node));
        let https = index.and_then(|index| {
            let element = &elements[index];
            let proto = element
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("proto"))?;
            scheme_is_https(&proto.1)
        });
        Forwarded { client, https }
    }

    /// Walks the hops from the nearest proxy outwards and returns the first untrusted one
    /// (or the farthest, when all are trusted) with its index. A hop that is not an address
    /// (`unknown`, garbage) ends the walk with no client: the proxy chain cannot be followed.
    fn walk(
        &self,
        hops: impl DoubleEndedIterator<Item = Option<(IpAddr, Option<u16>)>> + ExactSizeIterator,
    ) -> (Option<(IpAddr, Option<u16>)>, Option<usize>) {
        let mut found = (None, None);
        for (index, hop) in hops.enumerate().rev() {
            let Some(hop) = hop else {
                return (None, None);
            };
            found = (Some(hop), Some(index));
            if !self.trusts(hop.0) {
                break;
            }
        }
        found
    }
}

/// The comma-separated items of every line of a header, trimmed, empty ones skipped.
fn list<'a>(values: http::header::GetAll<'a, http::HeaderValue>) -> impl Iterator<Item = &'a str> {
    values
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// `https` → true, `http` → false, anything else → unknown.
fn scheme_is_https(proto: &str) -> Option<bool> {
    let proto = proto.trim();
    if proto.eq_ignore_ascii_case("https") {
        Some(true)
    } else if proto.eq_ignore_ascii_case("http") {
        Some(false)
    } else {
        None
    }
}

/// A node: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<(IpAddr, Option<u16>)> {
    let node = node.trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some((ip.to_canonical(), None));
    }
    if let Some(inner) = node.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return inner
            .parse::<IpAddr>()
            .ok()
            .map(|ip| (ip.to_canonical(), None));
    }
    let addr: SocketAddr = node.parse().ok()?;
    Some((addr.ip().to_canonical(), Some(addr.port())))
}

/// The `name=value` pairs of one `Forwarded` element, quotes removed.
fn forwarded_pairs(element: &str) -> Vec<(&str, String)> {
    element
        .split(';')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let value = value.trim();
            let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
                None => value.to_owned(),
            };
            Some((name.trim(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests;
