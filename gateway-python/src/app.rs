//! The Python application as a gateway [`Application`]: the I/O thread that received the
//! request hands it to an interpreter thread and awaits the body.

use crate::environ::Template;
use crate::interpreter;
use crate::options::PythonOptions;
use crate::response;
use crate::threads::Interpreters;
use gateway_core::{Application, Body, Environ, Outcome, StartResponse};
use pyo3::{Py, PyAny, Python};
use std::sync::Arc;

/// A loaded WSGI callable and the threads that call it.
pub(crate) struct PythonApp(Arc<Loaded>);

/// What a request's job needs, behind one reference count.
pub(crate) struct Loaded {
    pub(crate) app: Py<PyAny>,
    /// What each request's environ dict starts from.
    pub(crate) environ: Template,
    pub(crate) threads: Interpreters,
}

impl PythonApp {
    /// Starts Python as `options` say, loads the application and starts `threads`
    /// interpreter threads; with `--static-map`, the mapped prefixes are served from disk
    /// before Python is asked. `workers` is `--workers` (0: this process serves alone).
    pub(crate) fn load(
        options: PythonOptions,
        threads: usize,
        workers: usize,
    ) -> Result<Arc<dyn Application>, interpreter::LoadError> {
        let loaded = interpreter::load(&options)?;
        gateway_core::host::log(
            gateway_core::host::Level::Info,
            format_args!(
                "loaded {} ({threads} interpreter threads{})",
                loaded.name,
                Python::attach(interpreter::gil_note)
            ),
        );
        if options.py_autoreload {
            crate::autoreload::watch();
        }
        let threads = Interpreters::start(threads).map_err(|error| {
            interpreter::LoadError::from(format!("cannot start the interpreter threads: {error}"))
        })?;
        // `wsgi.multiprocess`: other worker processes serve the same application.
        let environ = Python::attach(|py| Template::new(py, workers >= 1)).map_err(|error| {
            interpreter::LoadError::from(format!("cannot make the environ template: {error}"))
        })?;
        let app: Arc<dyn Application> = Arc::new(Self(Arc::new(Loaded {
            app: loaded.app,
            environ,
            threads,
        })));
        Ok(crate::static_map::StaticMap::wrap(options.static_map, app))
    }
}

impl Application for PythonApp {
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        let (done, body) = tokio::sync::oneshot::channel();
        let loaded = self.0.clone();
        self.0.threads.run(Box::new(move |py| {
            response::call(py, &loaded, environ, start_response, done);
        }));
        Outcome::Pending(Box::pin(async move {
            body.await
                .unwrap_or_else(|_| Body::failed("the interpreter thread stopped"))
        }))
    }

    /// False: the call only hands the request to an interpreter thread, and the I/O thread
    /// awaits the body without blocking (the server's own pool would be a second hand-over).
    fn blocking(&self) -> bool {
        false
    }
}
