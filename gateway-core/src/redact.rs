//! Which environ values `{:?}` hides: credentials, unless whoever prints says otherwise.
//!
//! An environ printed into a log or a `#[snoop]` trace would otherwise carry every client's
//! `Authorization` and `Cookie` headers. [`Environ`](crate::Environ)'s `Debug` prints the
//! values of [`CREDENTIALS`] as `'<redacted>'`; code that prints an environ on purpose
//! (`#[snoop(show_credentials = true)]`, `#[snoop(redact = [...])]`) says so around the
//! print with [`with_redaction`].

use std::cell::Cell;

/// The keys whose values are hidden by default.
pub const CREDENTIALS: [&str; 3] = [
    "HTTP_AUTHORIZATION",
    "HTTP_COOKIE",
    "HTTP_PROXY_AUTHORIZATION",
];

/// What an environ's `Debug` hides on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redaction {
    /// Print [`CREDENTIALS`] as they are.
    pub show_credentials: bool,
    /// More keys to hide (an API key header, say).
    pub also: &'static [&'static str],
}

impl Redaction {
    /// Credentials hidden, nothing else.
    pub const DEFAULT: Redaction = Redaction {
        show_credentials: false,
        also: &[],
    };

    /// Whether the value of `key` is printed as `'<redacted>'`.
    pub fn hides(&self, key: &str) -> bool {
        (!self.show_credentials && CREDENTIALS.contains(&key)) || self.also.contains(&key)
    }
}

impl Default for Redaction {
    fn default() -> Self {
        Redaction::DEFAULT
    }
}

thread_local! {
    static CURRENT: Cell<Redaction> = const { Cell::new(Redaction::DEFAULT) };
}

/// Runs `print` with `redaction` in force for environs printed on this thread, then puts
/// the previous one back (also when `print` panics).
pub fn with_redaction<R>(redaction: Redaction, print: impl FnOnce() -> R) -> R {
    struct Restore(Redaction);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|current| current.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|current| current.replace(redaction)));
    print()
}

/// The redaction in force on this thread.
pub(crate) fn current() -> Redaction {
    CURRENT.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environ;

    fn printed() -> String {
        let environ = Environ::builder()
            .header("Authorization", "Basic c2VjcmV0")
            .header("Cookie", "session=s3cret")
            .header("X-Api-Key", "k3y")
            .build();
        format!("{environ:?}")
    }

    #[test]
    fn credentials_are_hidden_by_default() {
        let text = printed();
        assert!(
            text.contains("'HTTP_AUTHORIZATION': '<redacted>'"),
            "{text}"
        );
        assert!(text.contains("'HTTP_COOKIE': '<redacted>'"), "{text}");
        assert!(
            !text.contains("s3cret") && !text.contains("c2VjcmV0"),
            "{text}"
        );
        assert!(text.contains("'HTTP_X_API_KEY': 'k3y'"), "{text}");
    }

    #[test]
    fn the_printer_may_show_them_or_hide_more() {
        let shown = Redaction {
            show_credentials: true,
            also: &["HTTP_X_API_KEY"],
        };
        let text = with_redaction(shown, printed);
        assert!(text.contains("'HTTP_COOKIE': 'session=s3cret'"), "{text}");
        assert!(text.contains("'HTTP_X_API_KEY': '<redacted>'"), "{text}");
        assert!(
            printed().contains("'HTTP_COOKIE': '<redacted>'"),
            "restored"
        );
    }
}
