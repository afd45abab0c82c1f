//! The three places an option can be written (flags, `GATEWAY_*` variables, the config
//! file), read into one form: a key and its values as text, with where they came from.
//! Values are checked by the option's own parser later, whatever their origin.

use super::error::ConfigError;
use super::suggest::closest;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where an option's value came from, highest precedence first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The command line.
    Flag,
    /// An environment variable (its name).
    Env(String),
    /// The config file.
    File(PathBuf),
    /// The option's default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag => f.write_str("the command line"),
            Self::Env(var) => f.write_str(var),
            Self::File(path) => path.display().fmt(f),
            Self::Default => f.write_str("default"),
        }
    }
}

/// One option's values as written, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Setting {
    /// The option's name, as its flag is spelt (`header-read-timeout`).
    pub(crate) key: String,
    /// Its values as text (several for a repeatable option).
    pub(crate) values: Vec<String>,
    /// Whether the option takes several values.
    pub(crate) repeatable: bool,
    /// Where they came from.
    pub(crate) origin: Origin,
}

/// What an option looks like to the layers: its name and whether it takes several values.
pub(crate) struct Key {
    /// The flag's name without `--`.
    pub(crate) name: String,
    /// The clap id of the argument (the field name).
    pub(crate) id: String,
    /// Whether it is repeatable (listeners) or a list (`forwarded-allow-ips`).
    pub(crate) repeatable: bool,
}

/// The prefix of every environment variable of an option.
pub(crate) const ENV_PREFIX: &str = "GATEWAY_";

/// `GATEWAY_*` variables that belong to other parts of gateway or to CGI, not to options.
const OTHER_VARIABLES: [&str; 3] = ["GATEWAY_SNOOP", "GATEWAY_MACROS_PRINT", "GATEWAY_INTERFACE"];

/// The variable of an option: `header-read-timeout` → `GATEWAY_HEADER_READ_TIMEOUT`.
pub(crate) fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.to_ascii_uppercase().replace('-', "_"))
}

/// The settings made by `GATEWAY_*` variables, and the config file named by `GATEWAY_CONFIG`.
/// An empty variable counts as unset; a repeatable option takes several values separated by
/// whitespace.
pub(crate) fn from_env(
    keys: &[Key],
    env: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<(Vec<Setting>, Option<PathBuf>), ConfigError> {
    let mut settings = Vec::new();
    let mut config_file = None;
    for (name, value) in env {
        let Some(name) = name.to_str().filter(|name| name.starts_with(ENV_PREFIX)) else {
            continue;
        };
        if OTHER_VARIABLES.contains(&name) {
            continue;
        }
        let origin = Origin::Env(name.to_owned());
        let value = value.into_string().map_err(|value| ConfigError::BadValue {
            origin: origin.clone(),
            key: name.to_owned(),
            value: value.to_string_lossy().into_owned(),
            expected: "expected UTF-8 text".to_owned(),
        })?;
        if value.trim().is_empty() {
            continue;
        }
        if name == env_name("config") {
            config_file = Some(PathBuf::from(value));
            continue;
        }
        let Some(key) = keys.iter().find(|key| env_name(&key.name) == name) else {
            let names: Vec<String> = keys.iter().map(|key| env_name(&key.name)).collect();
            let suggestion = closest(name, names.iter().map(String::as_str)).map(str::to_owned);
            return Err(ConfigError::UnknownKey {
                origin,
                key: name.to_owned(),
                suggestion,
            });
        };
        let values = match key.repeatable {
            true => value.split_whitespace().map(str::to_owned).collect(),
            false => vec![value.trim().to_owned()],
        };
        settings.push(Setting {
            key: key.name.clone(),
            values,
            repeatable: key.repeatable,
            origin,
        });
    }
    Ok((settings, config_file))
}

/// The settings of a TOML config file whose keys are the options' names.
pub(crate) fn from_file(keys: &[Key], path: &Path) -> Result<Vec<Setting>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::ReadFile {
        path: path.to_owned(),
        error,
    })?;
    from_toml(keys, path, &text)
}

/// The settings of config file text `text`, read from `path`.
pub(crate) fn from_toml(
    keys: &[Key],
    path: &Path,
    text: &str,
) -> Result<Vec<Setting>, ConfigError> {
    let table: toml::Table =
        text.parse()
            .map_err(|error: toml::de::Error| ConfigError::FileSyntax {
                path: path.to_owned(),
                message: error.to_string(),
            })?;
    let origin = Origin::File(path.to_owned());
    let mut settings = Vec::new();
    for (name, value) in table {
        let Some(key) = keys.iter().find(|key| key.name == name) else {
            let suggestion = closest(&name, keys.iter().map(|key| key.name.as_str()));
            return Err(ConfigError::UnknownKey {
                origin,
                suggestion: suggestion.map(str::to_owned),
                key: name,
            });
        };
        let bad = |expected: &str| ConfigError::BadValue {
            origin: origin.clone(),
            key: name.clone(),
            value: value.to_string(),
            expected: expected.to_owned(),
        };
        let values = match &value {
            toml::Value::Array(items) if key.repeatable => items
                .iter()
                .map(|item| scalar_text(item).ok_or_else(|| bad("expected a list of values")))
                .collect::<Result<_, _>>()?,
            toml::Value::Array(_) => return Err(bad("expected one value, not a list")),
            scalar => {
                vec![scalar_text(scalar).ok_or_else(|| bad("expected a value, not a table"))?]
            }
        };
        settings.push(Setting {
            key: name,
            values,
            repeatable: key.repeatable,
            origin: origin.clone(),
        });
    }
    Ok(settings)
}

/// A TOML scalar as the text a flag would carry (`64` → `"64"`, `"30s"` → `"30s"`).
fn scalar_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
        other => Some(other.to_string()),
    }
}
