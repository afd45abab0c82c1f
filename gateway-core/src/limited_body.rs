//! Reading a whole request body under a limit: what form and JSON bodies share.

use crate::environ::Environ;
use std::io::{self, Read};

/// Why a request body could not be read whole.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The body is larger than the limit (by `CONTENT_LENGTH`, or as read).
    TooLarge { limit: u64 },
    /// The body ended before `CONTENT_LENGTH` bytes.
    Incomplete { expected: u64, received: u64 },
    /// Reading `wsgi.input` failed, for example because the client went away.
    Unreadable(io::Error),
}

/// The request body, read from `wsgi.input`: at most `CONTENT_LENGTH` bytes (PEP 3333), or
/// the body up to its end when it has no length, never more than `limit`.
pub(crate) fn read_body(environ: &Environ, limit: u64) -> Result<Vec<u8>, BodyError> {
    let declared = environ.content_length();
    if declared.is_some_and(|length| length > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    // Without a length, one byte past the limit tells a body that is too long.
    let wanted = declared.unwrap_or(limit.saturating_add(1));
    let mut body = Vec::with_capacity(declared.unwrap_or(0).try_into().unwrap_or(0));
    environ
        .input()
        .take(wanted)
        .read_to_end(&mut body)
        .map_err(BodyError::Unreadable)?;
    let received = body.len() as u64;
    match declared {
        Some(expected) if received < expected => Err(BodyError::Incomplete { expected, received }),
        None if received > limit => Err(BodyError::TooLarge { limit }),
        _ => Ok(body),
    }
}
