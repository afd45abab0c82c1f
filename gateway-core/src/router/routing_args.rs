//! `wsgiorg.routing_args`: the route parameters a router leaves in the environ.

use crate::environ::Environ;
use crate::python_repr::write_str_repr;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The environ key of the route parameters (wsgi.org's `routing_args` specification).
pub(crate) const ROUTING_ARGS: &str = "wsgiorg.routing_args";

/// The route parameters of a request: `wsgiorg.routing_args`, the 2-tuple
/// `(positional_args, named_args)`.
///
/// A [`Router`](super::Router) stores one in the environ whenever it dispatches a request to
/// a route or a mount; matchit's parameters are named, so they go in `named`, in pattern
/// order, already percent-decoded. A nested router or another dispatcher extends it: appends
/// positional arguments, replaces or adds named ones. `{:?}` prints it as Python prints the
/// tuple.
///
/// ```
/// use gateway_core::{Router, RoutingArgs};
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
    /// The positional arguments (a [`Router`](super::Router) adds none).
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
            write_str_repr(f, value)?;
        }
        f.write_str("], {")?;
        for (i, (name, value)) in self.named.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_str_repr(f, name)?;
            f.write_str(": ")?;
            write_str_repr(f, value)?;
        }
        f.write_str("})")
    }
}

/// Route parameters, read from `wsgiorg.routing_args`.
impl Environ {
    /// The route parameter `name`, percent-decoded, as a [`Router`](super::Router) matched
    /// it: for the pattern `/hello/{name}` and the path `/hello/J%C3%BCrgen`,
    /// `Some("Jürgen")`.
    ///
    /// ```
    /// use gateway_core::Router;
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

/// Adds this match's parameters to `wsgiorg.routing_args` (creating it empty if need be).
pub(super) fn store_routing_args(environ: &mut Environ, params: Vec<(String, String)>) {
    let existing = environ.routing_args();
    if params.is_empty() {
        // A route without parameters (most of them) keeps what is there, or gets the one
        // empty value all requests share.
        if existing.is_none() {
            static EMPTY: OnceLock<Arc<RoutingArgs>> = OnceLock::new();
            let empty = EMPTY.get_or_init(Arc::default).clone();
            environ.insert_shared(ROUTING_ARGS, empty);
        }
        return;
    }
    let mut args = existing.cloned().unwrap_or_default();
    for (name, value) in params {
        args.set(name, value);
    }
    environ.insert_object(ROUTING_ARGS, args);
}

#[cfg(test)]
mod tests {
    use super::*;

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
