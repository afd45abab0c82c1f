//! `Router`: dispatches each request to an application by path and method, with
//! [matchit](https://docs.rs/matchit), the way Routes, Selector and werkzeug's
//! `DispatcherMiddleware` do it in the WSGI world.
//!
//! A [`Router`] is itself an [`Application`]: routers nest (mount one in another), and
//! middleware wraps them. What a routed application sees:
//!
//! * **Route parameters** (`/hello/{name}`) in the environ as `wsgiorg.routing_args`, the
//!   wsgi.org convention: a [`RoutingArgs`] holding `(positional, named)`; read one with
//!   [`Environ::route_param`]. A nested router extends what an outer one put there (appends
//!   positional arguments, updates named ones).
//! * **Mounts** move the matched prefix from `PATH_INFO` to `SCRIPT_NAME` (uWSGI's
//!   `--mount` with `--manage-script-name`, werkzeug's dispatcher): `/api/users/7` mounted
//!   at `/api` reaches the mounted application with `SCRIPT_NAME=/api`, `PATH_INFO=/users/7`;
//!   `/api` alone gives `PATH_INFO=""`. Nested mounts accumulate, and
//!   [`request_uri`](crate::util::request_uri) still rebuilds the URL the client asked for.
//!   A mount matches whole segments: `/apix` does not reach the mount at `/api`.
//! * **405** with an `Allow` header when the path matches but the method does not (`HEAD` is
//!   allowed wherever `GET` is); **404** when nothing matches, unless a
//!   [`fallback`](RouterBuilder::fallback) takes those requests.
//!
//! # Patterns
//! matchit's syntax: static segments, `{name}` (one segment, never empty, with an optional
//! static prefix or suffix in the same segment: `/img-{id}.png`), and `{*rest}` (the rest of
//! the path, only at the end, never empty). Static segments win over parameters, so
//! `/users/me` and `/users/{id}` live side by side. `/a` and `/a/` are different routes.
//! Every pattern starts with `/`. Patterns that overlap so that neither is more specific
//! (`/users/{id}` and `/users/{name}`) are refused by [`RouterBuilder::build`], which names
//! both.
//!
//! # Which path is routed: the raw path, decoded afterwards
//! `PATH_INFO` is percent-decoded (PEP 3333), so `/files/a%2Fb` and `/files/a/b` have the
//! same `PATH_INFO`. Routing on it would turn an encoded slash into a separator. The router
//! therefore routes on the path **as the client sent it**: the part of the request target
//! that `PATH_INFO` is the decoding of (at the top, the whole path; under a mount, what
//! follows the mount's prefix). Before matching, escapes are decoded except `%2F` (`/`) and
//! `%25` (`%`), and except bytes that are not UTF-8, so `/caf%C3%A9` matches the pattern
//! `/café` while `%2F` can never be a separator. Parameters are then fully decoded (UTF-8,
//! else latin-1, the [environ's rule](crate::latin1)): `/files/a%2Fb` matches
//! `/files/{name}` with `name = "a/b"`, and never `/files/{a}/{b}`. A `%` written in a
//! pattern means a literal percent sign.
//!
//! If a middleware rewrote `PATH_INFO` to something that is not a decoding of the request
//! target, the router routes on the new `PATH_INFO` itself (every `/` in it is then a
//! separator: the encoding is gone). An empty `PATH_INFO` (a mount reached without its
//! trailing slash) is routed as `/` and passed on empty.

use crate::application::{Application, Outcome};
use crate::body::IntoBody;
use crate::environ::{write_python_str, Environ};
use crate::latin1;
use crate::start_response::StartResponse;
use http::Method;
use percent_encoding::percent_decode_str;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The environ key of the route parameters (wsgi.org's `routing_args` specification).
pub const ROUTING_ARGS: &str = "wsgiorg.routing_args";

/// matchit's name for what follows a mount's prefix; never shown to applications.
const MOUNT_REST: &str = "__gateway_mount_rest";

type App = Arc<dyn Application>;

/// The route parameters of a request: `wsgiorg.routing_args`, the 2-tuple
/// `(positional_args, named_args)`.
///
/// A [`Router`] stores one in the environ whenever it dispatches a request to a route or a
/// mount; matchit's parameters are named, so they go in `named`, in pattern order, already
/// percent-decoded. A nested router or another dispatcher extends it: appends positional
/// arguments, replaces or adds named ones. `{:?}` prints it as Python prints the tuple.
///
/// ```
/// use gateway_core::router::{Router, RoutingArgs};
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// let show = |environ: &Environ, start_response: StartResponse| {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     format!("{:?}", environ.routing_args().unwrap())
/// };
/// let router = Router::builder().route("/hello/{name}", show).build().unwrap();
/// let response = TestClient::new(router).get("/hello/Alice");
/// assert_eq!(response.text(), "([], {'name': 'Alice'})");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RoutingArgs {
    /// The positional arguments (a [`Router`] adds none).
    pub positional: Vec<String>,
    /// The named arguments, in the order they were set; names are unique.
    pub named: Vec<(String, String)>,
}

impl RoutingArgs {
    /// The named argument `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Sets the named argument `name`, replacing its value if it is already there (Python's
    /// `dict.update`).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.named.iter_mut().find(|(key, _)| *key == name) {
            Some(slot) => slot.1 = value,
            None => self.named.push((name, value)),
        }
    }
}

/// Prints like Python's `repr` of the tuple: `([], {'name': 'Alice'})`.
impl fmt::Debug for RoutingArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("([")?;
        for (i, value) in self.positional.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_python_str(f, value)?;
        }
        f.write_str("], {")?;
        for (i, (name, value)) in self.named.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_python_str(f, name)?;
            f.write_str(": ")?;
            write_python_str(f, value)?;
        }
        f.write_str("})")
    }
}

/// Route parameters, read from `wsgiorg.routing_args`.
impl Environ {
    /// The route parameter `name`, percent-decoded, as a [`Router`] matched it: for the
    /// pattern `/hello/{name}` and the path `/hello/J%C3%BCrgen`, `Some("Jürgen")`.
    ///
    /// ```
    /// use gateway_core::router::Router;
    /// use gateway_core::{Environ, StartResponse, TestClient};
    ///
    /// let greet = |environ: &Environ, start_response: StartResponse| {
    ///     start_response("200 OK", &[("Content-Type", "text/plain")]);
    ///     format!("Hello, {}!", environ.route_param("name").unwrap_or("Web"))
    /// };
    /// let router = Router::builder().get("/hello/{name}", greet).build().unwrap();
    /// assert_eq!(TestClient::new(router).get("/hello/J%C3%BCrgen").text(), "Hello, Jürgen!");
    /// ```
    pub fn route_param(&self, name: &str) -> Option<&str> {
        self.routing_args()?.get(name)
    }

    /// `wsgiorg.routing_args`, when a router (or another dispatcher) stored it.
    pub fn routing_args(&self) -> Option<&RoutingArgs> {
        self.object(ROUTING_ARGS)
    }
}

/// A routing table: dispatches each request to the application registered for its path
/// and method.
///
/// Build one with [`Router::builder`]; [`RouterBuilder::build`] checks the whole table
/// and reports conflicts then, never at request time. See [the module docs](self) for
/// patterns, mounts and how encoded paths are routed.
///
/// ```
/// use gateway_core::router::Router;
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

/// What a matchit entry leads to.
#[derive(Clone, Copy)]
enum Target {
    Route(usize),
    Mount { mount: usize, part: MountPart },
}

/// Which of a mount's three matchit entries matched.
#[derive(Clone, Copy, PartialEq)]
enum MountPart {
    /// `/api`: `PATH_INFO` becomes `""`.
    Exact,
    /// `/api/`: `PATH_INFO` becomes `/`.
    Slash,
    /// `/api/{*rest}`: `PATH_INFO` becomes `/rest`.
    Rest,
}

/// The applications of one pattern, by method.
struct Route {
    pattern: String,
    methods: Vec<(Method, App)>,
    any: Option<App>,
    /// The `Allow` header of a 405.
    allow: String,
}

struct Mount {
    prefix: String,
    app: App,
}

impl Router {
    /// Starts an empty routing table.
    pub fn builder() -> RouterBuilder {
        RouterBuilder::default()
    }

    fn dispatch(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
        // Everything borrowed from the environ is settled here, then the environ is changed.
        let matched = {
            let remaining = raw_path_info(&environ);
            let empty = remaining.is_empty();
            let path = if empty {
                Cow::Borrowed("/")
            } else {
                routing_path(&remaining)
            };
            self.table.at(&path).ok().map(|matched| {
                let target = *matched.value;
                let mut params = Vec::new();
                let mut rest = None;
                for (name, value) in matched.params.iter() {
                    if name == MOUNT_REST {
                        rest = Some(value.len());
                    } else {
                        params.push((name.to_owned(), decode(value).into_owned()));
                    }
                }
                let split = match target {
                    Target::Mount { part, .. } if !empty => {
                        let at = match part {
                            MountPart::Exact => path.len(),
                            MountPart::Slash => path.len() - 1,
                            MountPart::Rest => path.len() - 1 - rest.unwrap_or_default(),
                        };
                        mount_split(&environ, &path, at)
                    }
                    _ => None,
                };
                (target, params, split)
            })
        };
        let Some((target, params, split)) = matched else {
            return self.not_found(environ, start_response);
        };

        let app = match target {
            Target::Route(index) => {
                let route = &self.routes[index];
                match route.app_for(environ.method()) {
                    Some(app) => app,
                    None => return method_not_allowed(&route.allow, start_response),
                }
            }
            Target::Mount { mount, .. } => {
                if let Some((script_name, path_info)) = split {
                    environ.insert("SCRIPT_NAME", script_name);
                    environ.insert("PATH_INFO", path_info);
                }
                &self.mounts[mount].app
            }
        };
        store_routing_args(&mut environ, params);
        app.call(environ, start_response)
    }

    fn not_found(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        match &self.fallback {
            Some(fallback) => fallback.call(environ, start_response),
            None => {
                start_response("404 Not Found", &[("Content-Type", TEXT_PLAIN)]);
                Outcome::Ready("Not Found: no route matches this path.\n".into_body())
            }
        }
    }
}

const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

fn method_not_allowed(allow: &str, start_response: StartResponse) -> Outcome {
    start_response(
        "405 Method Not Allowed",
        &[("Content-Type", TEXT_PLAIN), ("Allow", allow)],
    );
    let body = format!("Method Not Allowed: this path answers {allow}.\n");
    Outcome::Ready(body.into_body())
}

impl Route {
    fn app_for(&self, method: &Method) -> Option<&App> {
        let find = |wanted: &Method| {
            self.methods
                .iter()
                .find(|(method, _)| method == wanted)
                .map(|(_, app)| app)
        };
        find(method)
            .or_else(|| {
                (*method == Method::HEAD)
                    .then(|| find(&Method::GET))
                    .flatten()
            })
            .or(self.any.as_ref())
    }
}

/// Adds this match's parameters to `wsgiorg.routing_args` (creating it empty if need be).
fn store_routing_args(environ: &mut Environ, params: Vec<(String, String)>) {
    let existing = environ.routing_args();
    if params.is_empty() && existing.is_some() {
        return;
    }
    let mut args = existing.cloned().unwrap_or_default();
    for (name, value) in params {
        args.set(name, value);
    }
    environ.insert_object(ROUTING_ARGS, args);
}

/// The new `SCRIPT_NAME` and `PATH_INFO` when a mount's prefix ends at byte `at` of the
/// routing path, or `None` when they do not change (a mount at `/`).
fn mount_split(environ: &Environ, path: &str, at: usize) -> Option<(String, String)> {
    if at == 0 {
        return None;
    }
    let prefix = decode(&path[..at]);
    let path_info = environ.path_info();
    // Split the PATH_INFO text itself when it begins with the decoded prefix, so that
    // SCRIPT_NAME + PATH_INFO stays exactly what it was.
    let rest = match path_info.strip_prefix(&*prefix) {
        Some(rest) => rest.to_owned(),
        None => decode(&path[at..]).into_owned(),
    };
    let script_name = format!("{}{}", environ.script_name(), prefix);
    Some((script_name, rest))
}

/// The request target's path as sent, from where `PATH_INFO` begins: the raw text whose
/// decoding is `PATH_INFO`. When a middleware rewrote `PATH_INFO` into something that is no
/// decoding of the target, `PATH_INFO` itself with each `%` escaped.
fn raw_path_info(environ: &Environ) -> Cow<'_, str> {
    let raw = environ.uri().path();
    let path_info = environ.path_info();
    if !raw.contains('%') {
        if let Some(start) = raw.len().checked_sub(path_info.len()) {
            if raw.ends_with(path_info) {
                return Cow::Borrowed(&raw[start..]);
            }
        }
    } else if path_info.is_empty() {
        return Cow::Borrowed("");
    } else if let Some((start, _)) = raw
        .match_indices('/')
        .find(|&(start, _)| decodes_to(&raw[start..], path_info))
    {
        // Unique: a longer suffix decodes to a longer text.
        return Cow::Borrowed(&raw[start..]);
    }
    match path_info.contains('%') {
        true => Cow::Owned(path_info.replace('%', "%25")),
        false => Cow::Borrowed(path_info),
    }
}

/// Whether percent-decoding `raw` gives the bytes `text` shows, under the environ's rule
/// (UTF-8, or latin-1 for bytes that are not UTF-8).
fn decodes_to(raw: &str, text: &str) -> bool {
    let decoded = || percent_decode_str(raw);
    decoded().eq(text.bytes())
        || (!text.is_ascii()
            && text.chars().all(|c| u32::from(c) <= 0xFF)
            && decoded().eq(text.chars().map(|c| u32::from(c) as u8)))
}

/// The path matchit sees: `raw` with its escapes decoded, except `%2F` and `%25` (so an
/// encoded `/` is never a separator and a decoded `%` never starts an escape) and except
/// bytes that are not UTF-8.
fn routing_path(raw: &str) -> Cow<'_, str> {
    if !raw.contains('%') {
        return Cow::Borrowed(raw);
    }
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut run = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match escaped_byte(bytes, i) {
            Some(byte) if byte != b'/' && byte != b'%' => {
                run.push(byte);
                i += 3;
                continue;
            }
            _ => {}
        }
        flush_run(&mut out, &mut run);
        let next = if escaped_byte(bytes, i).is_some() {
            i + 3
        } else {
            i + raw[i..].chars().next().map_or(1, char::len_utf8)
        };
        out.push_str(&raw[i..next]);
        i = next;
    }
    flush_run(&mut out, &mut run);
    Cow::Owned(out)
}

/// Appends decoded bytes: the UTF-8 parts as text, the rest re-escaped.
fn flush_run(out: &mut String, run: &mut Vec<u8>) {
    for chunk in run.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    run.clear();
}

/// The byte of the escape `%XX` at `i`, if there is one.
fn escaped_byte(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes.get(i) != Some(&b'%') {
        return None;
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let high = hex(*bytes.get(i + 1)?)?;
    let low = hex(*bytes.get(i + 2)?)?;
    Some((high * 16 + low) as u8)
}

/// Fully decodes a piece of the routing path, under the environ's rule.
fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes: Vec<u8> = percent_decode_str(text).collect();
    Cow::Owned(latin1::decode(&bytes).into_owned())
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

/// Collects routes and mounts for a [`Router`]; [`build`](Self::build) checks them all.
///
/// The methods chain without failing; a bad or conflicting pattern is reported by
/// [`build`](Self::build), with both patterns in the message.
#[derive(Default)]
#[must_use = "call .build() to get the Router"]
pub struct RouterBuilder {
    entries: Vec<Entry>,
    fallback: Option<App>,
}

enum Entry {
    Route {
        pattern: String,
        methods: Option<Vec<Method>>,
        app: App,
    },
    Mount {
        prefix: String,
        app: App,
    },
}

impl RouterBuilder {
    /// Routes every method on `pattern` to `app` (methods given with [`get`](Self::get) and
    /// the like on the same pattern take precedence).
    pub fn route(self, pattern: &str, app: impl Application) -> Self {
        self.entry(pattern, None, Arc::new(app))
    }

    /// Routes `GET` (and `HEAD`, unless `HEAD` has a route of its own) on `pattern` to `app`.
    pub fn get(self, pattern: &str, app: impl Application) -> Self {
        self.route_methods(pattern, &[Method::GET], app)
    }

    /// Routes `POST` on `pattern` to `app`.
    pub fn post(self, pattern: &str, app: impl Application) -> Self {
        self.route_methods(pattern, &[Method::POST], app)
    }

    /// Routes `PUT` on `pattern` to `app`.
    pub fn put(self, pattern: &str, app: impl Application) -> Self {
        self.route_methods(pattern, &[Method::PUT], app)
    }

    /// Routes `PATCH` on `pattern` to `app`.
    pub fn patch(self, pattern: &str, app: impl Application) -> Self {
        self.route_methods(pattern, &[Method::PATCH], app)
    }

    /// Routes `DELETE` on `pattern` to `app`.
    pub fn delete(self, pattern: &str, app: impl Application) -> Self {
        self.route_methods(pattern, &[Method::DELETE], app)
    }

    /// Routes each of `methods` on `pattern` to `app`; other methods on a matching path get
    /// a 405 with an `Allow` header (unless another entry takes them).
    ///
    /// ```
    /// use gateway_core::http::Method;
    /// use gateway_core::router::Router;
    /// use gateway_core::{Environ, StartResponse, TestClient};
    ///
    /// let save = |_: &Environ, start_response: StartResponse| {
    ///     start_response("204 No Content", &[]);
    ///     ()
    /// };
    /// let router = Router::builder()
    ///     .route_methods("/items/{id}", &[Method::PUT, Method::PATCH], save)
    ///     .build()
    ///     .unwrap();
    /// let response = TestClient::new(router).get("/items/7");
    /// assert_eq!(response.status, 405);
    /// assert_eq!(response.header("allow"), Some("PUT, PATCH"));
    /// ```
    pub fn route_methods(self, pattern: &str, methods: &[Method], app: impl Application) -> Self {
        self.entry(pattern, Some(methods.to_vec()), Arc::new(app))
    }

    /// Mounts `app` at `prefix`: requests for `prefix` and everything under it (by whole
    /// segments) reach `app` with the matched prefix moved from `PATH_INFO` to `SCRIPT_NAME`.
    /// `prefix` may hold parameters (`/users/{id}`), which go to `wsgiorg.routing_args`; a
    /// trailing `/` is ignored, and `/` mounts `app` under everything (without changing
    /// `SCRIPT_NAME`). A route or mount with a longer static prefix wins over a mount.
    pub fn mount(mut self, prefix: &str, app: impl Application) -> Self {
        self.entries.push(Entry::Mount {
            prefix: prefix.to_owned(),
            app: Arc::new(app),
        });
        self
    }

    /// Answers the requests no route or mount matches (instead of the 404). A path that
    /// matches with the wrong method still gets its 405.
    pub fn fallback(mut self, app: impl Application) -> Self {
        self.fallback = Some(Arc::new(app));
        self
    }

    fn entry(mut self, pattern: &str, methods: Option<Vec<Method>>, app: App) -> Self {
        self.entries.push(Entry::Route {
            pattern: pattern.to_owned(),
            methods,
            app,
        });
        self
    }

    /// Checks every pattern and builds the table: the first bad pattern or conflict (in
    /// registration order) is the error.
    ///
    /// ```
    /// use gateway_core::router::Router;
    /// use gateway_core::{Environ, StartResponse};
    ///
    /// let app = |_: &Environ, start_response: StartResponse| {
    ///     start_response("200 OK", &[]);
    ///     ()
    /// };
    /// let error = Router::builder()
    ///     .get("/users/{id}", app)
    ///     .get("/users/{name}", app)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "the route `/users/{name}` conflicts with the route `/users/{id}` registered \
    ///      before it: the patterns overlap and neither is more specific"
    /// );
    /// ```
    pub fn build(self) -> Result<Router, RouteError> {
        let mut table = Table::default();
        for entry in self.entries {
            match entry {
                Entry::Route {
                    pattern,
                    methods,
                    app,
                } => table.add_route(pattern, methods, app)?,
                Entry::Mount { prefix, app } => table.add_mount(prefix, app)?,
            }
        }
        let Table {
            table,
            mut routes,
            mounts,
            ..
        } = table;
        for route in &mut routes {
            route.allow = allow_header(route);
        }
        let apps = routes
            .iter()
            .flat_map(|route| route.methods.iter().map(|(_, app)| app).chain(&route.any))
            .chain(mounts.iter().map(|mount| &mount.app))
            .chain(&self.fallback);
        let blocking = apps.into_iter().any(|app| app.blocking());
        Ok(Router {
            table,
            routes,
            mounts,
            fallback: self.fallback,
            blocking,
        })
    }
}

impl fmt::Debug for RouterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterBuilder")
            .field("entries", &self.entries.len())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

/// The `Allow` header of a route: its methods in registration order, `HEAD` after `GET`.
fn allow_header(route: &Route) -> String {
    let mut allow: Vec<&str> = Vec::new();
    for (method, _) in &route.methods {
        allow.push(method.as_str());
        if *method == Method::GET && !route.methods.iter().any(|(m, _)| *m == Method::HEAD) {
            allow.push("HEAD");
        }
    }
    allow.join(", ")
}

/// The table while it is being built.
#[derive(Default)]
struct Table {
    table: matchit::Router<Target>,
    routes: Vec<Route>,
    mounts: Vec<Mount>,
    /// matchit's form of every registered pattern -> how the errors name it.
    labels: HashMap<String, String>,
    /// matchit's form of each route's pattern -> its index in `routes`.
    by_pattern: HashMap<String, usize>,
}

impl Table {
    fn add_route(
        &mut self,
        pattern: String,
        methods: Option<Vec<Method>>,
        app: App,
    ) -> Result<(), RouteError> {
        check_pattern(&pattern)?;
        if methods.as_ref().is_some_and(Vec::is_empty) {
            return Err(RouteError::InvalidPattern {
                pattern,
                reason: "it was given an empty list of methods",
            });
        }
        let key = escape_percent(&pattern);
        if let Some(&index) = self.by_pattern.get(&key) {
            let route = &mut self.routes[index];
            return route.add(methods, app);
        }
        let label = format!("the route `{pattern}`");
        self.insert(&key, Target::Route(self.routes.len()), &label)?;
        let mut route = Route {
            pattern,
            methods: Vec::new(),
            any: None,
            allow: String::new(),
        };
        route.add(methods, app)?;
        self.by_pattern.insert(key, self.routes.len());
        self.routes.push(route);
        Ok(())
    }

    fn add_mount(&mut self, prefix: String, app: App) -> Result<(), RouteError> {
        check_pattern(&prefix)?;
        if prefix.contains("{*") {
            return Err(RouteError::InvalidPattern {
                pattern: prefix,
                reason: "a mount prefix cannot hold a catch-all parameter: the mount takes the rest of the path itself",
            });
        }
        let key = escape_percent(prefix.trim_end_matches('/'));
        let label = format!("the mount `{prefix}`");
        let mount = self.mounts.len();
        let parts = [
            (format!("{key}/"), MountPart::Slash),
            (format!("{key}/{{*{MOUNT_REST}}}"), MountPart::Rest),
        ];
        if !key.is_empty() {
            self.insert(
                &key,
                Target::Mount {
                    mount,
                    part: MountPart::Exact,
                },
                &label,
            )?;
        }
        for (path, part) in parts {
            self.insert(&path, Target::Mount { mount, part }, &label)
                .map_err(|error| match error {
                    // A parameter error shows matchit's form; name the prefix instead.
                    RouteError::InvalidPattern { reason, .. } => RouteError::InvalidPattern {
                        pattern: prefix.clone(),
                        reason,
                    },
                    other => other,
                })?;
        }
        self.mounts.push(Mount { prefix, app });
        Ok(())
    }

    fn insert(&mut self, key: &str, target: Target, label: &str) -> Result<(), RouteError> {
        match self.table.insert(key, target) {
            Ok(()) => {
                self.labels.insert(key.to_owned(), label.to_owned());
                Ok(())
            }
            Err(matchit::InsertError::Conflict { with }) => {
                let with = self
                    .labels
                    .get(&with)
                    .cloned()
                    .unwrap_or_else(|| format!("the route `{}`", with.replace("%25", "%")));
                Err(RouteError::Conflict {
                    route: label.to_owned(),
                    with,
                })
            }
            Err(error) => Err(RouteError::InvalidPattern {
                pattern: key.replace("%25", "%"),
                reason: match error {
                    matchit::InsertError::InvalidParamSegment => {
                        "only one parameter is allowed per path segment"
                    }
                    matchit::InsertError::InvalidCatchAll => {
                        "a catch-all parameter {*name} may only end the pattern"
                    }
                    _ => "a parameter needs a name between braces, like {id} (write {{ and }} for literal braces)",
                },
            }),
        }
    }
}

impl Route {
    /// Adds `app` for `methods` (every method when `None`) on this route's pattern.
    fn add(&mut self, methods: Option<Vec<Method>>, app: App) -> Result<(), RouteError> {
        let Some(methods) = methods else {
            if self.any.is_some() {
                let label = format!("the route `{}`", self.pattern);
                return Err(RouteError::Conflict {
                    route: label.clone(),
                    with: label,
                });
            }
            self.any = Some(app);
            return Ok(());
        };
        for method in methods {
            if self.methods.iter().any(|(m, _)| *m == method) {
                let label = format!("the route `{method} {}`", self.pattern);
                return Err(RouteError::Conflict {
                    route: label.clone(),
                    with: label,
                });
            }
            self.methods.push((method, app.clone()));
        }
        Ok(())
    }
}

fn check_pattern(pattern: &str) -> Result<(), RouteError> {
    if !pattern.starts_with('/') {
        return Err(RouteError::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: "it must start with `/`",
        });
    }
    Ok(())
}

/// A literal `%` in a pattern is `%25` in the routing path.
fn escape_percent(pattern: &str) -> String {
    pattern.replace('%', "%25")
}

/// Why a [`RouterBuilder`] could not build its [`Router`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteError {
    /// Two entries would match the same requests (the same pattern and method twice, or two
    /// patterns that overlap with neither more specific, in matchit's rules).
    Conflict {
        /// The entry being registered, as in "the route `GET /users/{id}`".
        route: String,
        /// The entry registered before it that it conflicts with.
        with: String,
    },
    /// A pattern that is not valid.
    InvalidPattern {
        /// The pattern, as given.
        pattern: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::Conflict { route, with } if route == with => {
                write!(f, "{route} is registered twice")
            }
            RouteError::Conflict { route, with } => write!(
                f,
                "{route} conflicts with {with} registered before it: the patterns overlap and \
                 neither is more specific"
            ),
            RouteError::InvalidPattern { pattern, reason } => {
                write!(f, "the pattern `{pattern}` is not valid: {reason}")
            }
        }
    }
}

impl std::error::Error for RouteError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestClient, TestRequest};

    /// Answers `SCRIPT_NAME|PATH_INFO|routing_args`.
    fn show(environ: &Environ, start_response: StartResponse) -> String {
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        format!(
            "{}|{}|{:?}",
            environ.script_name(),
            environ.path_info(),
            environ.routing_args()
        )
    }

    fn text(body: &'static str) -> impl Application {
        move |_: &Environ, start_response: StartResponse| {
            start_response("200 OK", &[("Content-Type", "text/plain")]);
            body
        }
    }

    #[test]
    fn routes_dispatch_by_path() {
        let router = Router::builder()
            .route("/", text("home"))
            .route("/about", text("about"))
            .route("/users/me", text("me"))
            .route("/users/{id}", text("user"))
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(client.get("/").text(), "home");
        assert_eq!(client.get("/about").text(), "about");
        assert_eq!(client.get("/users/me").text(), "me");
        assert_eq!(client.get("/users/7").text(), "user");
        assert_eq!(client.get("/about/").status, 404);
    }

    #[test]
    fn params_reach_the_environ_as_wsgiorg_routing_args() {
        let router = Router::builder()
            .route("/hello/{name}", show)
            .build()
            .unwrap();
        let response = TestClient::new(router).get("/hello/Alice");
        assert_eq!(
            response.text(),
            "|/hello/Alice|Some(([], {'name': 'Alice'}))"
        );
    }

    #[test]
    fn params_are_percent_decoded() {
        let greet = |environ: &Environ, start_response: StartResponse| {
            start_response("200 OK", &[]);
            environ.route_param("name").unwrap().to_owned()
        };
        let client = TestClient::new(
            Router::builder()
                .get("/hello/{name}", greet)
                .build()
                .unwrap(),
        );
        assert_eq!(client.get("/hello/J%C3%BCrgen").text(), "Jürgen");
        assert_eq!(client.get("/hello/a%20b%25c").text(), "a b%c");
        // Not UTF-8: the latin-1 rule, as for PATH_INFO.
        assert_eq!(client.get("/hello/caf%E9").text(), "café");
    }

    #[test]
    fn an_encoded_slash_is_never_a_separator() {
        let router = Router::builder()
            .get("/files/{name}", |environ: &Environ, sr: StartResponse| {
                sr("200 OK", &[]);
                format!("one:{}", environ.route_param("name").unwrap())
            })
            .get("/files/{a}/{b}", |environ: &Environ, sr: StartResponse| {
                sr("200 OK", &[]);
                format!(
                    "two:{}:{}",
                    environ.route_param("a").unwrap(),
                    environ.route_param("b").unwrap()
                )
            })
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(client.get("/files/a%2Fb").text(), "one:a/b");
        assert_eq!(client.get("/files/a%2fb").text(), "one:a/b");
        assert_eq!(client.get("/files/a/b").text(), "two:a:b");
        assert_eq!(client.get("/files/a%252Fb").text(), "one:a%2Fb");
    }

    #[test]
    fn encoded_text_matches_its_static_pattern() {
        let router = Router::builder()
            .get("/café", text("café"))
            .get("/100%", text("percent"))
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(client.get("/caf%C3%A9").text(), "café");
        assert_eq!(client.get("/100%25").text(), "percent");
    }

    #[test]
    fn wrong_method_is_405_with_allow() {
        let router = Router::builder()
            .get("/thing", text("got"))
            .post("/thing", text("posted"))
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(client.post("/thing", "").text(), "posted");
        let response = client.send(TestRequest::new("DELETE", "/thing"));
        assert_eq!(response.status, 405);
        assert_eq!(response.header("allow"), Some("GET, HEAD, POST"));
        assert!(response.text().starts_with("Method Not Allowed"));
    }

    #[test]
    fn head_is_allowed_where_get_is() {
        let client = TestClient::new(Router::builder().get("/", text("x")).build().unwrap());
        assert_eq!(client.send(TestRequest::new("HEAD", "/")).status, 200);
    }

    #[test]
    fn explicit_methods_win_over_an_any_method_route() {
        let router = Router::builder()
            .get("/x", text("get"))
            .route("/x", text("any"))
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(client.get("/x").text(), "get");
        assert_eq!(client.post("/x", "").text(), "any");
    }

    #[test]
    fn no_match_is_404_or_the_fallback() {
        let router = Router::builder().get("/", text("home")).build().unwrap();
        let response = TestClient::new(router).get("/missing");
        assert_eq!(response.status, 404);
        assert_eq!(response.header("content-type"), Some(TEXT_PLAIN));
        let router = Router::builder()
            .get("/", text("home"))
            .fallback(text("fallback"))
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(client.get("/missing").text(), "fallback");
        assert_eq!(client.post("/", "").status, 405);
    }

    #[test]
    fn a_mount_moves_the_prefix_to_script_name() {
        let router = Router::builder().mount("/api", show).build().unwrap();
        let client = TestClient::new(router);
        assert_eq!(
            client.get("/api/users/7").text(),
            "/api|/users/7|Some(([], {}))"
        );
        assert_eq!(client.get("/api/").text(), "/api|/|Some(([], {}))");
        assert_eq!(client.get("/api").text(), "/api||Some(([], {}))");
        assert_eq!(client.get("/apix").status, 404);
    }

    #[test]
    fn nested_mounts_accumulate_and_extend_routing_args() {
        let inner = Router::builder()
            .route("/posts/{post}", show)
            .mount("/v1", show)
            .build()
            .unwrap();
        let router = Router::builder()
            .mount("/users/{id}", inner)
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(
            client.get("/users/7/posts/3").text(),
            "/users/7|/posts/3|Some(([], {'id': '7', 'post': '3'}))"
        );
        assert_eq!(
            client.get("/users/7/v1/x%2Fy").text(),
            "/users/7/v1|/x/y|Some(([], {'id': '7'}))"
        );
    }

    #[test]
    fn a_nested_router_routes_on_the_raw_rest_of_the_path() {
        let inner = Router::builder()
            .get("/files/{name}", show)
            .build()
            .unwrap();
        let router = Router::builder().mount("/api", inner).build().unwrap();
        let response = TestClient::new(router).get("/api/files/a%2Fb");
        assert_eq!(
            response.text(),
            "/api|/files/a/b|Some(([], {'name': 'a/b'}))"
        );
    }

    #[test]
    fn a_mounted_router_routes_an_empty_path_info_as_slash() {
        let inner = Router::builder().get("/", show).build().unwrap();
        let router = Router::builder().mount("/api", inner).build().unwrap();
        assert_eq!(
            TestClient::new(router).get("/api").text(),
            "/api||Some(([], {}))"
        );
    }

    #[test]
    fn a_root_mount_takes_everything_else_unchanged() {
        let router = Router::builder()
            .get("/special", text("special"))
            .mount("/", show)
            .build()
            .unwrap();
        let client = TestClient::new(router);
        assert_eq!(client.get("/special").text(), "special");
        assert_eq!(client.get("/").text(), "|/|Some(([], {}))");
        assert_eq!(client.get("/a/b").text(), "|/a/b|Some(([], {}))");
    }

    #[test]
    fn a_rewritten_path_info_is_routed_as_it_is() {
        struct Rewrite<A>(A);
        impl<A: Application> Application for Rewrite<A> {
            fn call(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
                environ.insert("PATH_INFO", "/hello/100%");
                self.0.call(environ, start_response)
            }
        }
        let router = Router::builder()
            .get("/hello/{name}", show)
            .build()
            .unwrap();
        let response = TestClient::new(Rewrite(router)).get("/other");
        assert_eq!(response.text(), "|/hello/100%|Some(([], {'name': '100%'}))");
    }

    #[test]
    fn conflicts_are_reported_at_build_with_both_patterns() {
        let error = Router::builder()
            .get("/users/{id}", text(""))
            .get("/users/{name}", text(""))
            .build()
            .unwrap_err();
        assert_eq!(
            error,
            RouteError::Conflict {
                route: "the route `/users/{name}`".into(),
                with: "the route `/users/{id}`".into()
            }
        );
        let error = Router::builder()
            .get("/x", text(""))
            .get("/x", text(""))
            .build()
            .unwrap_err();
        assert_eq!(error.to_string(), "the route `GET /x` is registered twice");
        let error = Router::builder()
            .get("/api", text(""))
            .mount("/api", text(""))
            .build()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the mount `/api` conflicts with the route `/api` registered before it: the \
             patterns overlap and neither is more specific"
        );
        let error = Router::builder()
            .mount("/static", text(""))
            .route("/static/{*path}", text(""))
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("the mount `/static`"), "{error}");
    }

    #[test]
    fn bad_patterns_are_reported_at_build() {
        let cases = [
            ("users", "it must start with `/`"),
            ("/{a}{b}", "only one parameter is allowed per path segment"),
            (
                "/{*rest}/x",
                "a catch-all parameter {*name} may only end the pattern",
            ),
            ("/{}", "a parameter needs a name"),
        ];
        for (pattern, reason) in cases {
            let error = Router::builder()
                .route(pattern, text(""))
                .build()
                .unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("the pattern `{pattern}` is not valid: {reason}")),
                "{message}"
            );
        }
        let error = Router::builder()
            .mount("/files/{*path}", text(""))
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("catch-all"), "{error}");
        let error = Router::builder()
            .route_methods("/x", &[], text(""))
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("empty list of methods"));
    }

    #[test]
    fn blocking_unless_every_application_is_non_blocking() {
        struct Async;
        impl Application for Async {
            fn call(&self, _: Environ, start_response: StartResponse) -> Outcome {
                start_response("200 OK", &[]);
                Outcome::Pending(Box::pin(async { ().into_body() }))
            }
            fn blocking(&self) -> bool {
                false
            }
        }
        let all_async = Router::builder()
            .get("/a", Async)
            .mount("/b", Async)
            .build()
            .unwrap();
        assert!(!all_async.blocking());
        let mixed = Router::builder()
            .get("/a", Async)
            .fallback(text(""))
            .build()
            .unwrap();
        assert!(mixed.blocking());
        assert_eq!(TestClient::new(all_async).get("/b/x").status, 200);
    }

    #[test]
    fn routing_path_keeps_slash_percent_and_non_utf8_escapes() {
        assert_eq!(routing_path("/a%2Fb%25c%41"), "/a%2Fb%25cA");
        assert_eq!(routing_path("/caf%C3%A9/%FF%C3"), "/café/%FF%C3");
        assert_eq!(routing_path("/100%"), "/100%");
        assert_eq!(routing_path("/%zz"), "/%zz");
    }

    #[test]
    fn routing_path_pins() {
        assert_eq!(routing_path("/plain"), "/plain");
        assert_eq!(routing_path("/a%2fb"), "/a%2fb");
        assert_eq!(routing_path("/%c3%a9%20x"), "/é x");
        assert_eq!(routing_path("/%e9"), "/%E9");
        assert_eq!(routing_path("/%C3"), "/%C3");
        assert_eq!(routing_path("/%41%"), "/A%");
        assert_eq!(routing_path("/%4"), "/%4");
        assert_eq!(routing_path("/é%41"), "/éA");
    }

    #[test]
    fn decode_pins() {
        assert!(matches!(decode("/plain"), Cow::Borrowed("/plain")));
        assert_eq!(decode("/caf%C3%A9"), "/café");
        assert_eq!(decode("/caf%E9"), "/café");
        assert_eq!(decode("/a%2Fb%25"), "/a/b%");
        assert_eq!(decode("/100%"), "/100%");
        assert_eq!(decode("/%zz%4"), "/%zz%4");
    }

    #[test]
    fn decodes_to_pins() {
        assert!(decodes_to("/caf%C3%A9", "/café"));
        assert!(decodes_to("/caf%E9", "/café"));
        assert!(decodes_to("/a%2Fb", "/a/b"));
        assert!(!decodes_to("/a%2Fb", "/a%2Fb"));
        assert!(decodes_to("/100%", "/100%"));
        assert!(decodes_to("/x", "/x"));
        assert!(!decodes_to("/caf%E9", "/cafe"));
        assert!(!decodes_to("/x", "/☃"));
        assert!(decodes_to("/snow%E2%98%83", "/snow☃"));
        // The latin-1 reading of UTF-8 bytes also counts.
        assert!(decodes_to("/caf%C3%A9", "/caf\u{C3}\u{A9}"));
    }

    #[test]
    fn routing_args_debug_prints_like_python() {
        let mut args = RoutingArgs {
            positional: vec!["x".into()],
            ..Default::default()
        };
        args.set("name", "it's");
        args.set("id", "7");
        args.set("name", "Bob");
        assert_eq!(format!("{args:?}"), "(['x'], {'name': 'Bob', 'id': '7'})");
    }
}
