//! The listeners of a server: what each speaks (HTTP, HTTPS, uwsgi), where it listens (TCP or
//! a unix socket file), binding them all before serving, and accepting on them.

use crate::config::listener::{HttpListener, HttpsListener, ListenAddr};
use crate::error::bind_error;
use crate::socket::Socket;
use crate::tls;
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use tokio_rustls::TlsAcceptor;

/// What a listener speaks, as asked for.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    /// HTTP/1 and h2c, optionally behind the PROXY protocol.
    Http {
        /// Whether every connection starts with a PROXY protocol header.
        proxy_protocol: bool,
    },
    /// HTTPS: TLS with this certificate chain and key, then HTTP/1.1 or h2 by ALPN.
    Https {
        /// The PEM certificate chain.
        cert: PathBuf,
        /// The PEM private key.
        key: PathBuf,
    },
    /// The uwsgi protocol (nginx's `uwsgi_pass`).
    Uwsgi,
}

/// Where a listener listens, as asked for.
#[derive(Debug)]
pub(crate) enum Place {
    /// The first of these TCP addresses that binds.
    Tcp(Vec<SocketAddr>),
    /// A unix socket file.
    Unix(PathBuf),
}

/// A listener asked for: where, and what it speaks.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) place: io::Result<Place>,
    pub(crate) kind: Kind,
}

impl Spec {
    /// A listener at `addr` (`IP:PORT`, `:PORT`, or `unix:/path.sock`) speaking `kind`.
    pub(crate) fn parse(addr: &str, kind: Kind) -> Self {
        let place = addr
            .parse::<ListenAddr>()
            .map(Place::from)
            .map_err(|problem| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("cannot listen on {addr:?}: {problem}"),
                )
            });
        Self { place, kind }
    }

    /// A TCP listener at whatever `addr` resolves to.
    pub(crate) fn tcp(addr: impl ToSocketAddrs, kind: Kind) -> Self {
        let place = addr
            .to_socket_addrs()
            .map(|addrs| Place::Tcp(addrs.collect()));
        Self { place, kind }
    }

    /// The `--http` listeners of a configuration.
    pub(crate) fn http(listener: &HttpListener) -> Self {
        Self {
            place: Ok(listener.addr.clone().into()),
            kind: Kind::Http {
                proxy_protocol: listener.proxy_protocol,
            },
        }
    }

    /// The `--https` listeners of a configuration.
    pub(crate) fn https(listener: &HttpsListener) -> Self {
        Self {
            place: Ok(listener.addr.clone().into()),
            kind: Kind::Https {
                cert: listener.cert.clone(),
                key: listener.key.clone(),
            },
        }
    }

    /// The `--socket` (uwsgi) listeners of a configuration.
    pub(crate) fn uwsgi(addr: &ListenAddr) -> Self {
        Self {
            place: Ok(addr.clone().into()),
            kind: Kind::Uwsgi,
        }
    }

    /// Binds the listener (and loads its certificate): every start-up error is a sentence
    /// naming the address or the file.
    pub(crate) fn bind(self, chmod: Option<u32>) -> io::Result<Bound> {
        let protocol = protocol(self.kind)?;
        let listener = match self.place? {
            Place::Tcp(addrs) => {
                let listener = bind_first(&addrs)?;
                listener.set_nonblocking(true)?;
                Listener::Tcp(listener)
            }
            #[cfg(unix)]
            Place::Unix(path) => {
                let (listener, file) = crate::unix_socket::bind(&path, chmod)?;
                Listener::Unix(listener, Some(file))
            }
            #[cfg(not(unix))]
            Place::Unix(path) => {
                let _ = chmod;
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("unix:{} : unix sockets need a unix system", path.display()),
                ));
            }
        };
        Ok(Bound { listener, protocol })
    }

    /// The listener on a socket bound by someone else (systemd, or the master): its
    /// certificate is loaded, its address not bound, and its socket file, if any, left to
    /// whoever bound it.
    pub(crate) fn adopt(self, socket: crate::inherited::Socket) -> io::Result<Bound> {
        let protocol = protocol(self.kind)?;
        let listener = match socket {
            crate::inherited::Socket::Tcp(listener) => {
                listener.set_nonblocking(true)?;
                Listener::Tcp(listener)
            }
            #[cfg(unix)]
            crate::inherited::Socket::Unix(listener) => {
                listener.set_nonblocking(true)?;
                Listener::Unix(listener, None)
            }
        };
        Ok(Bound { listener, protocol })
    }
}

/// What a listener of `kind` speaks, its certificate loaded.
fn protocol(kind: Kind) -> io::Result<Protocol> {
    Ok(match kind {
        Kind::Http { proxy_protocol } => Protocol::Http { proxy_protocol },
        Kind::Https { cert, key } => Protocol::Https(
            tls::acceptor(&cert, &key)
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?,
        ),
        Kind::Uwsgi => Protocol::Uwsgi,
    })
}

impl From<ListenAddr> for Place {
    fn from(addr: ListenAddr) -> Self {
        match addr {
            ListenAddr::Tcp(addr) => Self::Tcp(vec![addr]),
            ListenAddr::Unix(path) => Self::Unix(path),
        }
    }
}

fn bind_first(addrs: &[SocketAddr]) -> io::Result<TcpListener> {
    let mut last_error = io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on");
    for &addr in addrs {
        match TcpListener::bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = bind_error(addr, error),
        }
    }
    Err(last_error)
}

/// What a bound listener speaks.
#[derive(Clone)]
pub(crate) enum Protocol {
    /// HTTP/1 and h2c.
    Http {
        /// Whether every connection starts with a PROXY protocol header.
        proxy_protocol: bool,
    },
    /// TLS, then HTTP/1.1 or h2 by ALPN.
    Https(TlsAcceptor),
    /// The uwsgi protocol.
    Uwsgi,
}

/// A bound listening socket.
enum Listener {
    Tcp(TcpListener),
    #[cfg(unix)]
    /// The socket file is `None` when the socket was inherited: whoever bound it removes it.
    Unix(
        std::os::unix::net::UnixListener,
        Option<crate::unix_socket::SocketFile>,
    ),
}

/// A listener, bound and ready to accept.
pub(crate) struct Bound {
    listener: Listener,
    pub(crate) protocol: Protocol,
}

impl Bound {
    /// The TCP address it listens on (`None` for a unix socket).
    pub(crate) fn local_addr(&self) -> Option<SocketAddr> {
        match &self.listener {
            Listener::Tcp(listener) => listener.local_addr().ok(),
            #[cfg(unix)]
            Listener::Unix(..) => None,
        }
    }

    /// Its address and protocol, as the stats show them (`http://127.0.0.1:8000`, `http`).
    pub(crate) fn described(&self) -> (String, &'static str) {
        let text = self.to_string();
        let address = text.split(" (").next().unwrap_or(&text).to_owned();
        let protocol = match self.protocol {
            Protocol::Http { .. } => "http",
            Protocol::Https(_) => "https",
            Protocol::Uwsgi => "uwsgi",
        };
        (address, protocol)
    }

    /// A descriptor of the same socket, for a worker to inherit.
    #[cfg(unix)]
    pub(crate) fn dup(&self) -> io::Result<std::os::fd::OwnedFd> {
        Ok(match &self.listener {
            Listener::Tcp(listener) => listener.try_clone()?.into(),
            Listener::Unix(listener, _) => listener.try_clone()?.into(),
        })
    }

    /// Hands the socket to the runtime (call within it).
    pub(crate) fn accepting(self) -> io::Result<Accepting> {
        let local = self.local_addr();
        let listener = match self.listener {
            Listener::Tcp(listener) => AcceptOn::Tcp(tokio::net::TcpListener::from_std(listener)?),
            #[cfg(unix)]
            Listener::Unix(listener, file) => AcceptOn::Unix {
                listener: tokio::net::UnixListener::from_std(listener)?,
                _file: file,
            },
        };
        Ok(Accepting { listener, local })
    }
}

/// `listening on http://127.0.0.1:8000 (HTTP/1.1, h2c)`: the start-up line's address part.
impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.protocol {
            Protocol::Http { .. } => "http",
            Protocol::Https(_) => "https",
            Protocol::Uwsgi => "uwsgi",
        };
        let protocols = match self.protocol {
            Protocol::Http {
                proxy_protocol: false,
            } => "HTTP/1.1, h2c",
            Protocol::Http {
                proxy_protocol: true,
            } => "PROXY protocol, then HTTP/1.1, h2c",
            Protocol::Https(_) => "TLS, HTTP/1.1 and h2 by ALPN",
            Protocol::Uwsgi => "uwsgi",
        };
        match &self.listener {
            Listener::Tcp(_) => match self.local_addr() {
                Some(addr) => write!(f, "{scheme}://{addr} ({protocols})"),
                None => write!(f, "{scheme}://? ({protocols})"),
            },
            #[cfg(unix)]
            Listener::Unix(listener, file) => {
                let path = match file {
                    Some(file) => Some(file.path().to_owned()),
                    None => listener
                        .local_addr()
                        .ok()
                        .and_then(|addr| addr.as_pathname().map(Into::into)),
                };
                let path = path.unwrap_or_default();
                write!(f, "unix:{} ({protocols})", path.display())
            }
        }
    }
}

enum AcceptOn {
    Tcp(tokio::net::TcpListener),
    #[cfg(unix)]
    Unix {
        listener: tokio::net::UnixListener,
        /// Lives as long as the listener: dropping it removes the file.
        _file: Option<crate::unix_socket::SocketFile>,
    },
}

/// A listener on the runtime.
pub(crate) struct Accepting {
    listener: AcceptOn,
    /// The TCP address, for `SERVER_NAME` / `SERVER_PORT` (none for a unix socket).
    pub(crate) local: Option<SocketAddr>,
}

impl Accepting {
    /// The next connection and its client's address (none on a unix socket).
    pub(crate) async fn accept(&self) -> io::Result<(Socket, Option<SocketAddr>)> {
        match &self.listener {
            AcceptOn::Tcp(listener) => {
                let (stream, remote) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok((Socket::Tcp(stream), Some(remote)))
            }
            #[cfg(unix)]
            AcceptOn::Unix { listener, .. } => {
                let (stream, _) = listener.accept().await?;
                Ok((Socket::Unix(stream), None))
            }
        }
    }
}
