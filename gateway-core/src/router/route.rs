//! One pattern's applications, by method: registering them, choosing one for a request's
//! method (`HEAD` as `GET`), and the `Allow` header of a 405.

use super::error::RouteError;
use super::App;
use http::Method;

/// The applications of one pattern, by method.
pub(super) struct Route {
    /// The pattern, as given.
    pub(super) pattern: String,
    /// The applications of the methods named for this pattern, in registration order.
    pub(super) methods: Vec<(Method, App)>,
    /// The application of every other method.
    pub(super) any: Option<App>,
    /// The `Allow` header of a 405.
    pub(super) allow: String,
}

impl Route {
    /// A route for `pattern` with no application yet.
    pub(super) fn new(pattern: String) -> Self {
        Route {
            pattern,
            methods: Vec::new(),
            any: None,
            allow: String::new(),
        }
    }

    /// Adds `app` for `methods` (every method when `None`) on this route's pattern.
    pub(super) fn add(&mut self, methods: Option<Vec<Method>>, app: App) -> Result<(), RouteError> {
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

    /// The application for `method`: its own, else `GET`'s for `HEAD`, else the one for
    /// every method.
    pub(super) fn app_for(&self, method: &Method) -> Option<&App> {
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

    /// The `Allow` header: the methods in registration order, `HEAD` after `GET`.
    pub(super) fn allow_header(&self) -> String {
        let mut allow: Vec<&str> = Vec::new();
        for (method, _) in &self.methods {
            allow.push(method.as_str());
            if *method == Method::GET && !self.methods.iter().any(|(m, _)| *m == Method::HEAD) {
                allow.push("HEAD");
            }
        }
        allow.join(", ")
    }
}
