//! The listeners an operator asks for: `--http ADDR[,proxy-protocol]`, `--https ADDR,CERT,KEY`
//! (uWSGI's spelling) and `--socket ADDR` (the uwsgi protocol), where `ADDR` is a TCP address
//! or `unix:/path.sock`.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

/// Where a listener listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ListenAddr {
    /// A TCP address. `:PORT` and `localhost:PORT` are `127.0.0.1:PORT`: this machine only,
    /// like `make_server("")`; write `0.0.0.0:PORT` or `[::]:PORT` for every interface.
    Tcp(SocketAddr),
    /// A unix socket file, written `unix:/path.sock`.
    Unix(PathBuf),
}

impl FromStr for ListenAddr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("unix:") {
            return match path {
                "" => Err("expected a socket path after unix:".to_owned()),
                _ => Ok(Self::Unix(PathBuf::from(path))),
            };
        }
        let local = text
            .strip_prefix(':')
            .or_else(|| text.strip_prefix("localhost:"));
        let parsed = match local {
            Some(port) => port
                .parse()
                .map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
                .ok(),
            None => text.parse().ok(),
        };
        parsed.map(Self::Tcp).ok_or_else(|| {
            "expected an address such as 127.0.0.1:8000, [::1]:8000, :8000 or \
             unix:/run/gateway.sock"
                .to_owned()
        })
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(addr) => addr.fmt(f),
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// `--http ADDR[,proxy-protocol]`: plain HTTP/1 and h2c, optionally behind a load balancer
/// that sends the PROXY protocol header first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HttpListener {
    /// Where it listens.
    pub(crate) addr: ListenAddr,
    /// Whether every connection starts with a PROXY protocol (v1 or v2) header.
    pub(crate) proxy_protocol: bool,
}

impl FromStr for HttpListener {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (addr, proxy_protocol) = match text.rsplit_once(',') {
            Some((addr, "proxy-protocol")) => (addr, true),
            Some((_, other)) => {
                return Err(format!(
                    "unknown listener option {other:?}: expected ADDR or ADDR,proxy-protocol"
                ))
            }
            None => (text, false),
        };
        Ok(Self {
            addr: addr.parse()?,
            proxy_protocol,
        })
    }
}

impl fmt::Display for HttpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.addr.fmt(f)?;
        if self.proxy_protocol {
            f.write_str(",proxy-protocol")?;
        }
        Ok(())
    }
}

/// `--https ADDR,CERT,KEY`: TLS with a PEM certificate chain and its private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HttpsListener {
    /// Where it listens.
    pub(crate) addr: ListenAddr,
    /// The PEM file of the certificate chain, leaf first.
    pub(crate) cert: PathBuf,
    /// The PEM file of the private key.
    pub(crate) key: PathBuf,
}

impl FromStr for HttpsListener {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut parts = text.splitn(3, ',');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(addr), Some(cert), Some(key)) if !cert.is_empty() && !key.is_empty() => {
                Ok(Self {
                    addr: addr.parse()?,
                    cert: PathBuf::from(cert),
                    key: PathBuf::from(key),
                })
            }
            _ => Err(
                "expected ADDR,CERT,KEY (an address, a PEM certificate chain file and \
                      its PEM key file)"
                    .to_owned(),
            ),
        }
    }
}

impl fmt::Display for HttpsListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{}",
            self.addr,
            self.cert.display(),
            self.key.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_tcp_or_unix_and_a_bare_port_is_this_machine_only() {
        let parse = |text: &str| text.parse::<ListenAddr>();
        assert_eq!(
            parse("0.0.0.0:8000"),
            Ok(ListenAddr::Tcp("0.0.0.0:8000".parse().unwrap()))
        );
        assert_eq!(
            parse("[::1]:9000"),
            Ok(ListenAddr::Tcp("[::1]:9000".parse().unwrap()))
        );
        assert_eq!(
            parse(":9000"),
            Ok(ListenAddr::Tcp("127.0.0.1:9000".parse().unwrap()))
        );
        assert_eq!(
            parse("localhost:9000"),
            Ok(ListenAddr::Tcp("127.0.0.1:9000".parse().unwrap()))
        );
        assert_eq!(
            parse("unix:/run/app.sock"),
            Ok(ListenAddr::Unix("/run/app.sock".into()))
        );
        assert!(parse("unix:").is_err());
        assert!(parse("example.com:80")
            .unwrap_err()
            .contains("expected an address"));
        assert!(parse("127.0.0.1").is_err());
    }

    #[test]
    fn http_listeners_may_ask_for_the_proxy_protocol() {
        let plain: HttpListener = "127.0.0.1:8000".parse().unwrap();
        assert!(!plain.proxy_protocol);
        let proxied: HttpListener = "unix:/run/a.sock,proxy-protocol".parse().unwrap();
        assert!(proxied.proxy_protocol);
        assert_eq!(proxied.to_string(), "unix:/run/a.sock,proxy-protocol");
        assert!("127.0.0.1:8000,tls"
            .parse::<HttpListener>()
            .unwrap_err()
            .contains("\"tls\""));
    }

    #[test]
    fn https_listeners_take_an_address_a_certificate_and_a_key() {
        let https: HttpsListener = "0.0.0.0:443,/etc/cert.pem,/etc/key.pem".parse().unwrap();
        assert_eq!(https.cert, PathBuf::from("/etc/cert.pem"));
        assert_eq!(https.key, PathBuf::from("/etc/key.pem"));
        assert_eq!(https.to_string(), "0.0.0.0:443,/etc/cert.pem,/etc/key.pem");
        assert!("0.0.0.0:443,/etc/cert.pem"
            .parse::<HttpsListener>()
            .unwrap_err()
            .contains("ADDR,CERT,KEY"));
    }
}
