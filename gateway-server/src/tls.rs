//! TLS for `--https ADDR,CERT,KEY`: a PEM certificate chain and its PEM private key loaded
//! into a rustls server configuration (the `ring` provider: it builds with a C compiler
//! alone, no cmake or system libraries), offering HTTP/2 and HTTP/1.1 by ALPN. Anything wrong
//! with either file is one start-up error that names the file.

use rustls::crypto::ring;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Why a certificate or key cannot be used.
#[derive(Debug)]
pub(crate) struct TlsError {
    /// The file at fault.
    pub(crate) path: PathBuf,
    /// What is wrong with it, as the end of a sentence.
    pub(crate) problem: String,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot use {} for TLS: {}",
            self.path.display(),
            self.problem
        )
    }
}

impl std::error::Error for TlsError {}

/// The TLS side of an `--https` listener: `cert` is the PEM chain (leaf first), `key` its PEM
/// private key (PKCS#8, PKCS#1 or SEC1).
pub(crate) fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let error = |path: &Path, problem: String| TlsError {
        path: path.to_owned(),
        problem,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| error(cert, pem_problem(e, "certificate")))?;
    if chain.is_empty() {
        return Err(error(
            cert,
            "it holds no certificate (a PEM BEGIN CERTIFICATE block)".into(),
        ));
    }
    let private_key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| error(key, pem_problem(e, "private key")))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, private_key)
        })
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => error(
                key,
                format!(
                    "this key does not belong to the certificate in {}",
                    cert.display()
                ),
            ),
            other => error(
                key,
                format!("the key or the certificate is not usable: {other}"),
            ),
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A PEM reading error as the end of a sentence about a file that should hold `what`.
fn pem_problem(error: pem::Error, what: &str) -> String {
    match error {
        pem::Error::Io(error) => format!("it cannot be read: {error}"),
        pem::Error::NoItemsFound => format!("it holds no {what} in PEM form"),
        other => format!("it is not valid PEM: {other}"),
    }
}

/// Words for a failed handshake, for the log line: a plain-HTTP request sent to the TLS
/// port is named as such.
pub(crate) fn handshake_failure(error: &io::Error) -> String {
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) => {
            "a TLS handshake failed: the client spoke plain HTTP (or another protocol) to an \
             HTTPS port; use https:// or an --http listener"
                .to_owned()
        }
        _ => format!("a TLS handshake failed: {error}"),
    }
}

#[cfg(test)]
mod tests;
