//! Listening on a unix socket file (`unix:/path.sock`), as nginx's `uwsgi_pass unix:...`
//! and `proxy_pass http://unix:...` expect: the file is given `--chmod-socket`'s mode (nginx's
//! workers run as another user), a file left by a crashed run is replaced, a live one
//! (another server answering) is an error, and the file is removed when its [`SocketFile`]
//! guard is dropped, unless another server has replaced it since.

use gateway_core::host::{log, Level};
use std::fs::{self, Permissions};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

/// The socket file of a listener: removed when this is dropped (at shutdown).
#[derive(Debug)]
pub(crate) struct SocketFile {
    path: PathBuf,
    /// The file's identity, so that drop removes this socket's file only: device, inode and
    /// change time (an inode number alone is reused at once on tmpfs).
    identity: (u64, u64, i64, i64),
}

impl SocketFile {
    /// The socket file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Listens on `path`, with the permission bits `mode` when given (else the umask decides).
/// The listener is non-blocking, ready for `tokio::net::UnixListener::from_std`; keep the
/// [`SocketFile`] for as long as it serves.
pub(crate) fn bind(path: &Path, mode: Option<u32>) -> io::Result<(UnixListener, SocketFile)> {
    if let Ok(metadata) = fs::symlink_metadata(path) {
        if !metadata.file_type().is_socket() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "cannot listen on unix:{}: a file that is not a socket is there; remove \
                     it or choose another path",
                    path.display()
                ),
            ));
        }
        if UnixStream::connect(path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!(
                    "unix:{} is in use: another server answers on it; stop it or choose \
                     another path",
                    path.display()
                ),
            ));
        }
        log(
            Level::Warn,
            format_args!(
                "replacing unix:{}, left by a server that is gone",
                path.display()
            ),
        );
        fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot listen on unix:{}: {error}", path.display()),
        )
    })?;
    if let Some(mode) = mode {
        if let Err(error) = fs::set_permissions(path, Permissions::from_mode(mode)) {
            let _ = fs::remove_file(path);
            return Err(error);
        }
    }
    // Taken after the chmod, which changes the change time.
    let file = fs::symlink_metadata(path).map(|metadata| SocketFile {
        path: path.to_owned(),
        identity: identity(&metadata),
    })?;
    listener.set_nonblocking(true)?;
    Ok((listener, file))
}

fn identity(metadata: &fs::Metadata) -> (u64, u64, i64, i64) {
    (
        metadata.dev(),
        metadata.ino(),
        metadata.ctime(),
        metadata.ctime_nsec(),
    )
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let ours = fs::symlink_metadata(&self.path)
            .is_ok_and(|metadata| identity(&metadata) == self.identity);
        if ours {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn socket_path() -> PathBuf {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        std::env::temp_dir().join(format!(
            "gateway-unix-test-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ))
    }

    #[test]
    fn the_socket_gets_its_mode_answers_and_is_removed_on_drop() {
        let path = socket_path();
        let (listener, file) = bind(&path, Some(0o666)).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666);
        assert!(UnixStream::connect(&path).is_ok());
        assert_eq!(file.path(), path);
        drop(listener);
        drop(file);
        assert!(!path.exists(), "the file is removed on drop");
    }

    #[test]
    fn a_stale_socket_file_is_replaced() {
        let path = socket_path();
        drop(UnixListener::bind(&path).unwrap()); // a crashed run leaves its file
        assert!(path.exists());
        let _socket = bind(&path, None).unwrap();
        assert!(UnixStream::connect(&path).is_ok());
    }

    #[test]
    fn a_live_socket_is_an_error_and_is_left_alone() {
        let path = socket_path();
        let _first = bind(&path, None).unwrap();
        let error = bind(&path, None).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
        assert!(
            error.to_string().contains("another server answers on it"),
            "{error}"
        );
        assert!(
            UnixStream::connect(&path).is_ok(),
            "the first server still answers"
        );
    }

    #[test]
    fn a_file_that_is_not_a_socket_is_never_replaced() {
        let path = socket_path();
        fs::write(&path, "data").unwrap();
        let error = bind(&path, None).unwrap_err();
        assert!(error.to_string().contains("not a socket"), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "data");
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn drop_leaves_a_socket_that_another_server_put_there() {
        let path = socket_path();
        let (old_listener, old_file) = bind(&path, None).unwrap();
        drop(old_listener);
        fs::remove_file(&path).unwrap();
        let new = UnixListener::bind(&path).unwrap();
        drop(old_file);
        assert!(path.exists(), "the new server's socket stays");
        drop(new);
        fs::remove_file(&path).unwrap();
    }
}
