//! Start-up errors that read as one line.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Any error gateway's API returns (binding, a route table that conflicts, a bad `--port`),
/// printed as one clear sentence.
///
/// `fn main() -> gateway::Result<()>` prints it on one line as `Error: <sentence>` and exits
/// with status 1, without a backtrace. Every error type converts into it, so `?` works on
/// [`make_server`](crate::make_server), `Router::build`, [`port_from_args`](crate::port_from_args)
/// and your own fallible calls alike. Like `anyhow::Error`, it does not implement
/// [`std::error::Error`] itself (that is what lets it convert from every error); it converts
/// into `Box<dyn Error + Send + Sync>` where one is needed.
pub struct Error(Box<dyn std::error::Error + Send + Sync + 'static>);

/// `Result` with gateway's [`Error`], for `main`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The error, if it is of type `E` (an [`io::Error`] from binding, say).
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref()
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Self(Box::new(error))
    }
}

impl From<Error> for Box<dyn std::error::Error + Send + Sync + 'static> {
    fn from(error: Error) -> Self {
        error.0
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
        assert!(error.downcast_ref::<io::Error>().is_some());
    }

    #[test]
    fn any_error_converts_for_main() {
        fn main_like() -> Result<()> {
            Err(std::fmt::Error)?;
            Ok(())
        }
        assert_eq!(
            format!("{:?}", main_like().unwrap_err()),
            "an error occurred when formatting an argument"
        );
    }
}
