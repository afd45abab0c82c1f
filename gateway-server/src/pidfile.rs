//! `--pidfile`: the pid of the process an operator signals (the master, or the lone server),
//! written at start and removed at exit.

use std::io;
use std::path::{Path, PathBuf};

/// The pid file; dropping it removes the file.
pub(crate) struct Pidfile(PathBuf);

impl Pidfile {
    /// Writes this process's pid to `path`.
    pub(crate) fn create(path: &Path) -> io::Result<Self> {
        std::fs::write(path, format!("{}\n", std::process::id())).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot write the pid file {}: {error}", path.display()),
            )
        })?;
        Ok(Self(path.to_owned()))
    }
}

impl Drop for Pidfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
