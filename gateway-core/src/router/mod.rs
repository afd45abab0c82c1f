//! `Router`: dispatches each request to an application by path and method.
mod builder;
mod dispatch;
mod error;
mod route;
mod routing_args;
mod table;

pub use builder::RouterBuilder;
pub use error::RouteError;
pub use routing_args::RoutingArgs;

use crate::application::{Application, Outcome};
use crate::environ::Environ;
use crate::start_response::StartResponse;
use route::Route;
use std::fmt;
use std::sync::Arc;
use table::{Mount, Target};

/// An application in the table, shared by every method and entry that leads to it.
type App = Arc<dyn Application>;

/// `Router`: dispatches each request to an application by path and method, with
/// [matchit](https://docs.rs/matchit), the way Routes, Selector and werkzeug's
/// `DispatcherMiddleware` do it in the WSGI world.
///
/// A [`Router`] is itself an [`Application`]: routers nest (mount one in another), and
/// middleware wraps them. What a routed application sees:
///
/// * **Route parameters** (`/hello/{name}`) in the environ as `wsgiorg.routing_args`, the
///   wsgi.org convention: a [`RoutingArgs`] holding `(positional, named)`; read one with
///   [`Environ::route_param`]. A nested router extends what an outer one put there (appends
///   positional arguments, updates named ones).
/// * **Mounts** move the matched prefix from `PATH_INFO` to `SCRIPT_NAME` (uWSGI's
///   `--mount` with `--manage-script-name`, werkzeug's dispatcher): `/api/users/7` mounted
///   at `/api` reaches the mounted application with `SCRIPT_NAME=/api`, `PATH_INFO=/users/7`;
///   `/api` alone gives `PATH_INFO=""`. Nested mounts accumulate, and
///   [`request_uri`](crate::util::request_uri) still rebuilds the URL the client asked for.
///   A mount matches whole segments: `/apix` does not reach the mount at `/api`.
/// * **405** with an `Allow` header when the path matches but the method does not (`HEAD` is
///   allowed wherever `GET` is); **404** when nothing matches, unless a
///   [`fallback`](RouterBuilder::fallback) takes those requests.
///
/// # Patterns
/// matchit's syntax: static segments, `{name}` (one segment, never empty, with an optional
/// static prefix or suffix in the same segment: `/img-{id}.png`), and `{*rest}` (the rest of
/// the path, only at the end, never empty). Static segments win over parameters, so
/// `/users/me` and `/users/{id}` live side by side. `/a` and `/a/` are different routes.
/// Every pattern starts with `/`. Patterns that overlap so that neither is more specific
/// (`/users/{id}` and `/users/{name}`) are refused by [`RouterBuilder::build`], which names
/// both.
///
/// # Which path is routed: the raw path, decoded afterwards
/// `PATH_INFO` is percent-decoded (PEP 3333), so `/files/a%2Fb` and `/files/a/b` have the
/// same `PATH_INFO`. Routing on it would turn an encoded slash into a separator. The router
/// therefore routes on the path **as the client sent it**: the part of the request target
/// that `PATH_INFO` is the decoding of (at the top, the whole path; under a mount, what
/// follows the mount's prefix). Before matching, escapes are decoded except `%2F` (`/`) and
/// `%25` (`%`), and except bytes that are not UTF-8, so `/caf%C3%A9` matches the pattern
/// `/café` while `%2F` can never be a separator. Parameters are then fully decoded (UTF-8,
/// else latin-1, the [environ's rule](crate::latin1)): `/files/a%2Fb` matches
/// `/files/{name}` with `name = "a/b"`, and never `/files/{a}/{b}`. A `%` written in a
/// pattern means a literal percent sign.
///
/// If a middleware rewrote `PATH_INFO` to something that is not a decoding of the request
/// target, the router routes on the new `PATH_INFO` itself (every `/` in it is then a
/// separator: the encoding is gone). An empty `PATH_INFO` (a mount reached without its
/// trailing slash) is routed as `/` and passed on empty.
///
/// A routing table: dispatches each request to the application registered for its path
/// and method.
///
/// Build one with [`Router::builder`]; [`RouterBuilder::build`] checks the whole table
/// and reports conflicts then, never at request time.
///
/// ```
/// use gateway_core::Router;
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// fn home(_: &Environ, start_response: StartResponse) -> &'static str {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     "home"
/// }
///
/// fn greet(environ: &Environ, start_response: StartResponse) -> String {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     format!("Hello, {}!", environ.route_param("name").unwrap())
/// }
///
/// fn api(environ: &Environ, start_response: StartResponse) -> String {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     format!("{} {}", environ.script_name(), environ.path_info())
/// }
///
/// let router = Router::builder()
///     .get("/", home)
///     .get("/hello/{name}", greet)
///     .mount("/api", api)
///     .build()
///     .expect("no conflicting routes");
///
/// let client = TestClient::new(router);
/// assert_eq!(client.get("/").text(), "home");
/// assert_eq!(client.get("/hello/Alice").text(), "Hello, Alice!");
/// assert_eq!(client.get("/api/users/7").text(), "/api /users/7");
/// assert_eq!(client.get("/nowhere").status, 404);
/// let refused = client.post("/", "");
/// assert_eq!((refused.status.as_u16(), refused.header("allow")), (405, Some("GET, HEAD")));
/// ```
pub struct Router {
    table: matchit::Router<Target>,
    routes: Vec<Route>,
    mounts: Vec<Mount>,
    fallback: Option<App>,
    blocking: bool,
}

impl Router {
    /// Starts an empty routing table.
    pub fn builder() -> RouterBuilder {
        RouterBuilder::default()
    }
}

impl Application for Router {
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        self.dispatch(environ, start_response)
    }

    /// True unless every application in the table (and the fallback) is non-blocking.
    ///
    /// The server asks this before it calls the router, so it cannot depend on the route a
    /// request will take: one plain `fn` application in the table sends every request
    /// through the application pool (the right place for it anyway), while a table of
    /// `async` applications only is served on the I/O threads.
    fn blocking(&self) -> bool {
        self.blocking
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes: Vec<String> = self
            .routes
            .iter()
            .map(|route| {
                let mut methods: Vec<&str> =
                    route.methods.iter().map(|(m, _)| m.as_str()).collect();
                if route.any.is_some() {
                    methods.push("*");
                }
                format!("{} {}", methods.join(","), route.pattern)
            })
            .chain(self.mounts.iter().map(|m| format!("mount {}", m.prefix)))
            .collect();
        f.debug_struct("Router")
            .field("routes", &routes)
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests;
