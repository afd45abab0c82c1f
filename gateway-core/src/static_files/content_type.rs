//! The `Content-Type` of a file, from its name.

use std::path::Path;

/// The `Content-Type` for a file name.
pub(super) fn content_type(path: &Path) -> String {
    let guessed = mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("application/octet-stream");
    let text = guessed.starts_with("text/")
        || matches!(
            guessed,
            "application/javascript" | "application/json" | "image/svg+xml"
        );
    if text {
        format!("{guessed}; charset=utf-8")
    } else {
        guessed.to_owned()
    }
}
