//! `--static-map` without a thread hop for the Python requests.
//!
//! gateway-core's [`StaticFiles`] looks files up on the thread that calls it, so it says it is
//! [`blocking`](Application::blocking), and wrapped around the Python application it would
//! send every request through the server's blocking pool before the interpreter threads: a
//! second hand-over on each request, static or not. [`StaticMap`] looks at the path first: a
//! request under a mapped prefix goes to the static files on a blocking thread (falling
//! through to Python when no file matches, as before); any other goes straight to Python.

use gateway_core::{Application, Body, Environ, Outcome, StartResponse, StaticFiles};
use std::path::PathBuf;
use std::sync::Arc;

/// The Python application behind its `--static-map` prefixes.
pub(crate) struct StaticMap {
    /// The URL prefixes, as [`StaticFiles`] normalises them (`/static`).
    prefixes: Vec<String>,
    /// The static files, each map wrapping the next, around `python`.
    files: Arc<dyn Application>,
    python: Arc<dyn Application>,
}

impl StaticMap {
    /// `python` behind the `maps` (`/prefix`, directory); the first map given is looked at
    /// first. Without maps, `python` itself.
    pub(crate) fn wrap(
        maps: Vec<(String, PathBuf)>,
        python: Arc<dyn Application>,
    ) -> Arc<dyn Application> {
        if maps.is_empty() {
            return python;
        }
        let prefixes = maps
            .iter()
            .map(|(prefix, _)| format!("/{}", prefix.trim_matches('/')))
            .collect();
        let mut files = python.clone();
        for (prefix, dir) in maps.into_iter().rev() {
            files = Arc::new(StaticFiles::new(&prefix, dir, files));
        }
        Arc::new(Self {
            prefixes,
            files,
            python,
        })
    }
}

impl Application for StaticMap {
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        let path = environ.path_info();
        // A loose test (`/staticky` passes for `/static`): such a request only takes the
        // blocking thread, and StaticFiles hands it on to Python unchanged.
        if !self.prefixes.iter().any(|prefix| path.starts_with(prefix)) {
            return self.python.call(environ, start_response);
        }
        let files = self.files.clone();
        // Called on an I/O thread of the server's runtime (this application is not
        // blocking), so tokio's blocking threads are there for the file lookup.
        let lookup = tokio::task::spawn_blocking(move || files.call(environ, start_response));
        Outcome::Pending(Box::pin(async move {
            match lookup.await {
                Ok(Outcome::Ready(body)) => body,
                Ok(Outcome::Pending(body)) => body.await,
                Err(_) => Body::failed("the static file lookup panicked"),
            }
        }))
    }

    /// False: Python requests are handed to the interpreter threads, static ones to a
    /// blocking thread, by `call` itself.
    fn blocking(&self) -> bool {
        false
    }
}
