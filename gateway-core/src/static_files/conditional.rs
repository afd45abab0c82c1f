//! Conditional requests: `ETag` and `Last-Modified`, `If-None-Match`, `If-Modified-Since`
//! and `If-Range` (RFC 9110 section 13).

use crate::environ::Environ;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `ETag` and `Last-Modified` of one file, and the conditional requests they answer.
pub(super) struct Validators {
    /// `"<size hex>-<mtime ns hex>"`, when the modification time is known.
    pub(super) etag: Option<String>,
    /// The modification time as an HTTP date.
    pub(super) last_modified: Option<String>,
    /// The modification time in whole seconds, as `Last-Modified` says it.
    modified_secs: Option<u64>,
}

impl Validators {
    /// The validators of a file of `size` bytes modified at `modified`.
    pub(super) fn new(size: u64, modified: Option<SystemTime>) -> Self {
        let since_epoch = modified.and_then(|m| m.duration_since(UNIX_EPOCH).ok());
        Self {
            etag: since_epoch.map(|d| format!("\"{size:x}-{:x}\"", d.as_nanos())),
            last_modified: modified.map(httpdate::fmt_http_date),
            modified_secs: since_epoch.as_ref().map(Duration::as_secs),
        }
    }

    /// RFC 9110 13.1.2/13.1.3: `If-None-Match` (weak comparison) decides when present;
    /// otherwise `If-Modified-Since`.
    pub(super) fn not_modified(&self, environ: &Environ) -> bool {
        if let Some(if_none_match) = environ.get("HTTP_IF_NONE_MATCH") {
            let Some(etag) = &self.etag else {
                return if_none_match.trim() == "*";
            };
            return if_none_match
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag.as_str());
        }
        let (Some(since), Some(modified)) =
            (environ.get("HTTP_IF_MODIFIED_SINCE"), self.modified_secs)
        else {
            return false;
        };
        httpdate::parse_http_date(since)
            .ok()
            .and_then(|since| since.duration_since(UNIX_EPOCH).ok())
            .is_some_and(|since| modified <= since.as_secs())
    }

    /// RFC 9110 13.1.5: `Range` counts only if `If-Range` is absent or names this version
    /// (strong comparison for an `ETag`, the exact date for a `Last-Modified`).
    pub(super) fn if_range(&self, environ: &Environ) -> bool {
        let Some(if_range) = environ.get("HTTP_IF_RANGE").map(str::trim) else {
            return true;
        };
        if if_range.starts_with('"') || if_range.starts_with("W/") {
            return self.etag.as_deref() == Some(if_range);
        }
        self.last_modified.as_deref() == Some(if_range)
    }
}
