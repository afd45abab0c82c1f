//! `RouteError`: why a routing table could not be built, in a sentence.

use std::fmt;

/// Why a [`RouterBuilder`](super::RouterBuilder) could not build its [`Router`](super::Router).
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
