//! The `Application` trait: PEP 3333's `application(environ, start_response)`.

use crate::body::{Body, IntoBody};
use crate::environ::Environ;
use crate::start_response::StartResponse;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The body an `async` application will produce.
pub type BodyFuture = Pin<Box<dyn Future<Output = Body> + Send + 'static>>;

/// What calling an application gives: the body, or (for an `async` application) a future
/// of it.
pub enum Outcome {
    /// The application has returned its body.
    Ready(Body),
    /// The application is `async`: the server awaits this for the body.
    Pending(BodyFuture),
}

impl Outcome {
    /// Applies `wrap` to the body once it is there: how middleware wraps a body without
    /// caring whether the application it wraps is `async`.
    pub fn map(self, wrap: impl FnOnce(Body) -> Body + Send + 'static) -> Outcome {
        match self {
            Outcome::Ready(body) => Outcome::Ready(wrap(body)),
            Outcome::Pending(future) => {
                Outcome::Pending(Box::pin(async move { wrap(future.await) }))
            }
        }
    }
}

impl From<Body> for Outcome {
    fn from(body: Body) -> Self {
        Outcome::Ready(body)
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ready(body) => write!(f, "Ready({body:?})"),
            Outcome::Pending(_) => f.write_str("Pending(..)"),
        }
    }
}

/// A WSGI application: called once per request with the request's [`Environ`] and a
/// [`StartResponse`], it answers with a body.
///
/// Write one with `#[wsgi_app]` on a function, or pass a closure
/// `Fn(&Environ, StartResponse) -> impl IntoBody` (in [`app_fn`](crate::app_fn) to have its
/// parameter types inferred). Implement it by hand for middleware:
///
/// ```
/// use gateway_core::{Application, Environ, Outcome, StartResponse};
///
/// /// Tells the application which user is logged in.
/// struct RemoteUser<A>(A);
///
/// impl<A: Application> Application for RemoteUser<A> {
///     fn call(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
///         environ.insert("REMOTE_USER", "alice");
///         self.0.call(environ, start_response)
///     }
///     fn blocking(&self) -> bool {
///         self.0.blocking()
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a WSGI application",
    label = "not an application",
    note = "annotate `fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>>` with `#[wsgi_app]`, or pass a closure of that shape",
    note = "a closure's parameter types are inferred when it is wrapped in `app_fn(|environ, start_response| ...)`"
)]
pub trait Application: Send + Sync + 'static {
    /// Answers one request.
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome;

    /// Whether [`call`](Self::call) may block the thread: `true` for plain `fn` applications
    /// (the server runs them off its I/O threads), `false` for `async` ones (they return
    /// [`Outcome::Pending`] and run on the I/O threads).
    ///
    /// There is no default, on purpose: a middleware must say it, usually by forwarding the
    /// wrapped application's answer (`self.0.blocking()`). A default of `true` would silently
    /// move every `async` application a forgetful middleware wraps onto the blocking pool; a
    /// default of `false` would let a blocking one stall the I/O threads.
    fn blocking(&self) -> bool;
}

/// A closure `Fn(&Environ, StartResponse) -> impl IntoBody` is an application; an
/// `Err(HttpError)` it returns answers through its `start_response`.
impl<F, B> Application for F
where
    F: Fn(&Environ, StartResponse) -> B + Send + Sync + 'static,
    B: IntoBody,
{
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        let body = self(&environ, start_response.clone()).into_body();
        Outcome::Ready(body.answer_through(&environ, &start_response))
    }

    fn blocking(&self) -> bool {
        true
    }
}

impl<A: Application + ?Sized> Application for Arc<A> {
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        (**self).call(environ, start_response)
    }

    fn blocking(&self) -> bool {
        (**self).blocking()
    }
}
