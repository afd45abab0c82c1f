//! Start-up errors that read as one line.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// An error from starting or running the server, printed as one clear sentence.
///
/// `fn main() -> gateway::Result<()>` prints it on one line as `Error: <sentence>` and exits
/// with status 1, without a backtrace. It converts from [`io::Error`], so `?` works on
/// [`make_server`](crate::make_server).
pub struct Error(io::Error);

/// `Result` with gateway's [`Error`], for `main`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The underlying I/O error.
    pub fn io(&self) -> &io::Error {
        &self.0
    }
}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        Self(error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Prints the sentence, not a struct: this is what `main` shows.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Rewrites a bind failure into a sentence that names the address and says what to do.
pub(crate) fn bind_error(addr: SocketAddr, error: io::Error) -> io::Error {
    let advice = match error.kind() {
        io::ErrorKind::AddrInUse => format!(
            "address {addr} is already in use; stop the program using port {port} or choose \
             another port (--port N or PORT=N)",
            port = addr.port()
        ),
        io::ErrorKind::PermissionDenied => format!(
            "not allowed to listen on {addr}; ports below 1024 need privileges, choose another \
             port (--port N or PORT=N)"
        ),
        io::ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {addr}: no network interface has that address")
        }
        _ => format!("cannot listen on {addr}: {error}"),
    };
    io::Error::new(error.kind(), advice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_in_use_is_one_sentence_naming_the_address_and_the_fix() {
        let addr: SocketAddr = "0.0.0.0:8000".parse().unwrap();
        let error = Error::from(bind_error(addr, io::ErrorKind::AddrInUse.into()));
        let printed = format!("{error:?}");
        assert!(!printed.contains('\n'));
        assert!(printed.contains("0.0.0.0:8000 is already in use"));
        assert!(printed.contains("--port N or PORT=N"));
    }
}
