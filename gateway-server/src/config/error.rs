//! What is wrong with a configuration, in one sentence that names the key and where it came
//! from.

use super::layers::Origin;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why the configuration could not be loaded.
#[derive(Debug)]
pub(crate) enum ConfigError {
    /// The command line was wrong, or asked for `--help` / `--version`: clap's own message
    /// (`error.exit()` prints it and exits with the right status).
    Cli(clap::Error),
    /// A key in the config file or a `GATEWAY_*` variable that is no option.
    UnknownKey {
        /// Where the key was written.
        origin: Origin,
        /// The key as written (`thread`, or `GATEWAY_THREAD`).
        key: String,
        /// The closest known key, in the same spelling.
        suggestion: Option<String>,
    },
    /// A value that does not parse as its option's type.
    BadValue {
        /// Where the value was written.
        origin: Origin,
        /// The option's name (`threads`).
        key: String,
        /// The value as written.
        value: String,
        /// What was expected instead.
        expected: String,
    },
    /// The config file could not be read.
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The config file is not TOML.
    FileSyntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with the line and column.
        message: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cli(error) => write!(f, "{}", error.to_string().trim_end()),
            Self::UnknownKey {
                origin: Origin::Env(_),
                key,
                suggestion,
            } => {
                write!(f, "unknown environment variable {key}")?;
                match suggestion {
                    Some(known) => write!(f, "; did you mean {known}?"),
                    None => f.write_str("; run with --help for the options"),
                }
            }
            Self::UnknownKey {
                origin,
                key,
                suggestion,
            } => {
                write!(f, "unknown key {key:?} in {origin}")?;
                match suggestion {
                    Some(known) => write!(f, "; did you mean {known:?}?"),
                    None => f.write_str("; run with --help for the options"),
                }
            }
            Self::BadValue {
                origin,
                key,
                value,
                expected,
            } => {
                write!(f, "invalid value {value:?} for ")?;
                match origin {
                    Origin::Env(var) => write!(f, "{var}")?,
                    Origin::Flag => write!(f, "--{key}")?,
                    Origin::File(_) | Origin::Default => write!(f, "{key} in {origin}")?,
                }
                write!(f, ": {expected}")
            }
            Self::ReadFile { path, error } => {
                write!(f, "cannot read the config file {}: {error}", path.display())
            }
            Self::FileSyntax { path, message } => write!(
                f,
                "the config file {} is not valid TOML: {}",
                path.display(),
                message.trim_end()
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Cli(error) => Some(error),
            Self::ReadFile { error, .. } => Some(error),
            _ => None,
        }
    }
}
