//! Dispatch: the raw path matched against the table, then 404 (or the fallback), 405 with
//! `Allow`, or the application, with a mount's prefix moved to `SCRIPT_NAME`.

use super::routing_args::store_routing_args;
use super::table::{MountPart, Target, MOUNT_REST};
use super::Router;
use crate::application::Outcome;
use crate::body::IntoBody;
use crate::environ::Environ;
use crate::percent;
use crate::start_response::StartResponse;
use std::borrow::Cow;

impl Router {
    /// Routes one request: see [the module docs](super) for what the application sees.
    pub(super) fn dispatch(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
        // Everything borrowed from the environ is settled here, then the environ is changed.
        let matched = {
            let remaining = raw_path_info(&environ);
            let empty = remaining.is_empty();
            let path = if empty {
                Cow::Borrowed("/")
            } else {
                percent::decode_for_matching(&remaining)
            };
            self.table.at(&path).ok().map(|matched| {
                let target = *matched.value;
                let mut params = Vec::new();
                let mut rest = None;
                for (name, value) in matched.params.iter() {
                    if name == MOUNT_REST {
                        rest = Some(value.len());
                    } else {
                        params.push((name.to_owned(), percent::decode_text(value).into_owned()));
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

/// The `Content-Type` of the router's own 404 and 405 answers.
pub(super) const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// The 405 answer, with the route's `Allow` header.
fn method_not_allowed(allow: &str, start_response: StartResponse) -> Outcome {
    start_response(
        "405 Method Not Allowed",
        &[("Content-Type", TEXT_PLAIN), ("Allow", allow)],
    );
    let body = format!("Method Not Allowed: this path answers {allow}.\n");
    Outcome::Ready(body.into_body())
}

/// The new `SCRIPT_NAME` and `PATH_INFO` when a mount's prefix ends at byte `at` of the
/// routing path, or `None` when they do not change (a mount at `/`).
fn mount_split(environ: &Environ, path: &str, at: usize) -> Option<(String, String)> {
    if at == 0 {
        return None;
    }
    let prefix = percent::decode_text(&path[..at]);
    let path_info = environ.path_info();
    // Split the PATH_INFO text itself when it begins with the decoded prefix, so that
    // SCRIPT_NAME + PATH_INFO stays exactly what it was.
    let rest = match path_info.strip_prefix(&*prefix) {
        Some(rest) => rest.to_owned(),
        None => percent::decode_text(&path[at..]).into_owned(),
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
        .find(|&(start, _)| percent::decodes_to(&raw[start..], path_info))
    {
        // Unique: a longer suffix decodes to a longer text.
        return Cow::Borrowed(&raw[start..]);
    }
    percent::escape_percent(path_info)
}
