//! The matchit table being built: each route's and mount's entries, and the conflicts and
//! bad patterns matchit reports, as [`RouteError`]s that name both patterns.

use super::error::RouteError;
use super::route::Route;
use super::App;
use crate::percent;
use http::Method;
use std::collections::HashMap;

/// matchit's name for what follows a mount's prefix; never shown to applications.
pub(super) const MOUNT_REST: &str = "__gateway_mount_rest";

/// What a matchit entry leads to.
#[derive(Clone, Copy)]
pub(super) enum Target {
    /// The route at this index.
    Route(usize),
    /// One of the entries of the mount at this index.
    Mount { mount: usize, part: MountPart },
}

/// Which of a mount's three matchit entries matched.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum MountPart {
    /// `/api`: `PATH_INFO` becomes `""`.
    Exact,
    /// `/api/`: `PATH_INFO` becomes `/`.
    Slash,
    /// `/api/{*rest}`: `PATH_INFO` becomes `/rest`.
    Rest,
}

/// An application mounted under a prefix.
pub(super) struct Mount {
    /// The prefix, as given.
    pub(super) prefix: String,
    /// The application.
    pub(super) app: App,
}

/// The table while it is being built.
#[derive(Default)]
pub(super) struct Table {
    /// Every pattern in matchit's form (a literal `%` escaped), and where it leads.
    pub(super) table: matchit::Router<Target>,
    /// The routes, by [`Target::Route`] index.
    pub(super) routes: Vec<Route>,
    /// The mounts, by [`Target::Mount`] index.
    pub(super) mounts: Vec<Mount>,
    /// matchit's form of every registered pattern -> how the errors name it.
    labels: HashMap<String, String>,
    /// matchit's form of each route's pattern -> its index in `routes`.
    by_pattern: HashMap<String, usize>,
}

impl Table {
    /// Adds `app` for `methods` (every method when `None`) on `pattern`.
    pub(super) fn add_route(
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
        let key = percent::escape_percent(&pattern).into_owned();
        if let Some(&index) = self.by_pattern.get(&key) {
            let route = &mut self.routes[index];
            return route.add(methods, app);
        }
        let label = format!("the route `{pattern}`");
        self.insert(&key, Target::Route(self.routes.len()), &label)?;
        let mut route = Route::new(pattern);
        route.add(methods, app)?;
        self.by_pattern.insert(key, self.routes.len());
        self.routes.push(route);
        Ok(())
    }

    /// Adds a mount: three entries, `prefix`, `prefix/` and `prefix/{*rest}` (the first
    /// one left out for the root mount).
    pub(super) fn add_mount(&mut self, prefix: String, app: App) -> Result<(), RouteError> {
        check_pattern(&prefix)?;
        if prefix.contains("{*") {
            return Err(RouteError::InvalidPattern {
                pattern: prefix,
                reason: "a mount prefix cannot hold a catch-all parameter: the mount takes the rest of the path itself",
            });
        }
        let key = percent::escape_percent(prefix.trim_end_matches('/'));
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

    /// Inserts one matchit entry; `label` names it in errors.
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
                    .unwrap_or_else(|| format!("the route `{}`", percent::unescape_percent(&with)));
                Err(RouteError::Conflict {
                    route: label.to_owned(),
                    with,
                })
            }
            Err(error) => Err(RouteError::InvalidPattern {
                pattern: percent::unescape_percent(key),
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

/// Refuses a pattern that does not start with `/`.
fn check_pattern(pattern: &str) -> Result<(), RouteError> {
    if !pattern.starts_with('/') {
        return Err(RouteError::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: "it must start with `/`",
        });
    }
    Ok(())
}
