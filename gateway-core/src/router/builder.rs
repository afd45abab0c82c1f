//! `RouterBuilder`: routes, methods, mounts and the fallback, checked all at once by
//! [`build`](RouterBuilder::build).

use super::error::RouteError;
use super::table::Table;
use super::{App, Router};
use crate::application::Application;
use http::Method;
use std::fmt;
use std::sync::Arc;

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

/// One registered route or mount, kept in order until [`RouterBuilder::build`].
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
    /// use gateway_core::Router;
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
    /// use gateway_core::Router;
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
            route.allow = route.allow_header();
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
