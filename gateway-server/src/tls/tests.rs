use super::*;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;

/// A directory of its own for one test's files, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "gateway-tls-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A self-signed certificate for `localhost`: (certificate PEM, key PEM).
fn certificate() -> (String, String) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    (generated.cert.pem(), generated.key_pair.serialize_pem())
}

fn client(cert_pem: &str, alpn: &[&[u8]]) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(cert_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

/// Runs a handshake over an in-memory pipe and returns the protocol ALPN chose and the
/// bytes the server read after it.
fn handshake(acceptor: TlsAcceptor, connector: TlsConnector) -> (Option<Vec<u8>>, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = async {
            let mut stream = acceptor.accept(server_io).await.unwrap();
            let alpn = stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
            let mut request = vec![0; 5];
            stream.read_exact(&mut request).await.unwrap();
            (alpn, request)
        };
        let client = async {
            let name = ServerName::try_from("localhost").unwrap();
            let mut stream = connector.connect(name, client_io).await.unwrap();
            stream.write_all(b"hello").await.unwrap();
            stream.flush().await.unwrap();
            stream
        };
        let ((alpn, request), _client) = tokio::join!(server, client);
        (alpn, request)
    })
}

#[test]
fn a_pem_chain_and_key_serve_tls_offering_h2_then_http11() {
    let dir = TempDir::new();
    let (cert, key) = certificate();
    let acceptor = acceptor(&dir.file("cert.pem", &cert), &dir.file("key.pem", &key)).unwrap();
    let (alpn, bytes) = handshake(acceptor.clone(), client(&cert, &[b"h2", b"http/1.1"]));
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(bytes, b"hello");
    let (alpn, _) = handshake(acceptor.clone(), client(&cert, &[b"http/1.1"]));
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    let (alpn, _) = handshake(acceptor, client(&cert, &[]));
    assert_eq!(alpn, None, "a client without ALPN gets HTTP/1.1 by default");
}

/// The error of loading `cert` and `key`.
fn refused(cert: &Path, key: &Path) -> String {
    match acceptor(cert, key) {
        Ok(_) => panic!("{} and {} were accepted", cert.display(), key.display()),
        Err(error) => error.to_string(),
    }
}

#[test]
fn an_unreadable_certificate_or_key_is_named() {
    let dir = TempDir::new();
    let (cert, key) = certificate();
    let cert_path = dir.file("cert.pem", &cert);
    let key_path = dir.file("key.pem", &key);
    let missing = dir.0.join("missing.pem");
    let message = refused(&missing, &key_path);
    assert!(
        message.starts_with(&format!(
            "cannot use {} for TLS: it cannot be read",
            missing.display()
        )),
        "{message}"
    );
    let message = refused(&cert_path, &missing);
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
}

#[test]
fn a_file_without_the_right_pem_block_is_named() {
    let dir = TempDir::new();
    let (cert, key) = certificate();
    let cert_path = dir.file("cert.pem", &cert);
    let key_path = dir.file("key.pem", &key);
    let garbage = dir.file("garbage.pem", "not a certificate\n");
    let message = refused(&garbage, &key_path);
    assert_eq!(
        message,
        format!(
            "cannot use {} for TLS: it holds no certificate (a PEM BEGIN CERTIFICATE block)",
            garbage.display()
        )
    );
    // The certificate given as the key, and the key as the certificate.
    let message = refused(&cert_path, &cert_path);
    assert!(
        message.contains("it holds no a private key in PEM form") || message.contains("holds no"),
        "{message}"
    );
    let message = refused(&key_path, &key_path);
    assert!(message.contains("holds no certificate"), "{message}");
    let broken = dir.file(
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    );
    let message = refused(&broken, &key_path);
    assert!(message.contains("is not valid PEM"), "{message}");
}

#[test]
fn a_key_of_another_certificate_is_refused_naming_both_files() {
    let dir = TempDir::new();
    let (cert, _) = certificate();
    let (_, other_key) = certificate();
    let cert_path = dir.file("cert.pem", &cert);
    let key_path = dir.file("other-key.pem", &other_key);
    let message = refused(&cert_path, &key_path);
    assert_eq!(
        message,
        format!(
            "cannot use {} for TLS: this key does not belong to the certificate in {}",
            key_path.display(),
            cert_path.display()
        )
    );
}

#[test]
fn plain_http_to_the_tls_port_is_named_in_the_handshake_error() {
    let dir = TempDir::new();
    let (cert, key) = certificate();
    let acceptor = acceptor(&dir.file("cert.pem", &cert), &dir.file("key.pem", &key)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime.block_on(async {
        let (mut client_io, server_io) = tokio::io::duplex(4096);
        client_io
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        match acceptor.accept(server_io).await {
            Ok(_) => panic!("plain HTTP completed a TLS handshake"),
            Err(error) => error,
        }
    });
    let message = handshake_failure(&error);
    assert!(message.contains("spoke plain HTTP"), "{message}");
}
