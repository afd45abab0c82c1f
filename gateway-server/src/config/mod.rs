//! The operator's configuration: every option of the server, from the command line
//! (clap), `GATEWAY_*` environment variables and a TOML file (`--config`), with the
//! precedence flags > environment > file > defaults.
//!
//! [`Options`] is the one list of options; the environment and the file are read into the
//! same `--key=value` form as flags and checked by the same parsers, so a value means the
//! same wherever it is written and its error names the key, the value, where it was
//! written and what was expected. An unknown key in the file or the environment is an error
//! that suggests the closest known one (uWSGI silently ignores a misspelt option).

mod error;
mod layers;
pub(crate) mod listener;
mod options;
mod print;
mod suggest;
mod values;

pub(crate) use error::ConfigError;
pub(crate) use layers::{Origin, Setting};
pub(crate) use options::Options;

use clap::{ArgAction, CommandFactory, FromArgMatches};
use layers::Key;
use options::{Cli, DEFAULT_LISTENER};
use std::ffi::OsString;

/// The command-line flags that are not options: they say what to do with the options.
const NOT_OPTIONS: [&str; 5] = ["config", "check-config", "print-config", "help", "version"];

/// The listener options: when none is set anywhere, the default listener is used.
const LISTENERS: [&str; 3] = ["http", "https", "socket"];

/// What the command line asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Serve.
    Serve,
    /// `--check-config`: the configuration is valid; exit 0.
    CheckConfig,
    /// `--print-config`: print [`Config::to_toml`] and exit.
    PrintConfig,
}

/// The effective configuration: the options, and where each value came from.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// The options, parsed.
    pub(crate) options: Options,
    /// Every option's values as written, with their origin, in `--help` order.
    pub(crate) settings: Vec<Setting>,
}

impl Config {
    /// Reads `args` (the program name first) and `env` (and the file they name): for a
    /// test, `Config::load(args, env)`.
    #[cfg(test)] // programs go through `load_with` (see `run_with`)
    pub(crate) fn load(
        args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
        env: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<(Self, Action), ConfigError> {
        let (config, action, _) = Self::load_with(args, env, |command| command)?;
        Ok((config, action))
    }

    /// [`load`](Self::load) for a program whose command line has options of its own
    /// (`gateway-python`'s `--module`): `augment` adds them to the command, so they are read
    /// from flags, `GATEWAY_*` variables and the file like every other option, and the final
    /// matches are returned for the program to read them from.
    pub(crate) fn load_with(
        args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
        env: impl IntoIterator<Item = (OsString, OsString)>,
        augment: impl FnOnce(clap::Command) -> clap::Command,
    ) -> Result<(Self, Action, clap::ArgMatches), ConfigError> {
        let mut command = augment(Cli::command());
        let keys: Vec<Key> = command
            .get_arguments()
            .filter_map(|arg| {
                let name = arg.get_long()?;
                (!NOT_OPTIONS.contains(&name)).then(|| Key {
                    name: name.to_owned(),
                    id: arg.get_id().to_string(),
                    repeatable: matches!(arg.get_action(), ArgAction::Append),
                })
            })
            .collect();
        let flags = command
            .try_get_matches_from_mut(args)
            .map_err(ConfigError::Cli)?;
        let cli = Cli::from_arg_matches(&flags).map_err(ConfigError::Cli)?;
        let (env, env_file) = layers::from_env(&keys, env)?;
        let file = match cli.config.or(env_file) {
            Some(path) => layers::from_file(&keys, &path)?,
            None => Vec::new(),
        };
        let mut settings = Vec::new();
        for key in &keys {
            let from_flags = flags
                .value_source(&key.id)
                .filter(|source| *source == clap::parser::ValueSource::CommandLine)
                .and_then(|_| flags.get_raw(&key.id))
                .map(|raw| Setting {
                    key: key.name.clone(),
                    values: raw.map(|v| v.to_string_lossy().into_owned()).collect(),
                    repeatable: key.repeatable,
                    origin: Origin::Flag,
                });
            let chosen = from_flags
                .or_else(|| env.iter().find(|s| s.key == key.name).cloned())
                .or_else(|| file.iter().find(|s| s.key == key.name).cloned());
            if let Some(setting) = chosen {
                if setting.origin != Origin::Flag {
                    check(&mut command, &setting)?; // flags were checked by clap above
                }
                settings.push(setting);
            }
        }
        if !settings.iter().any(|s| LISTENERS.contains(&s.key.as_str())) {
            settings.push(Setting {
                key: DEFAULT_LISTENER.0.to_owned(),
                values: vec![DEFAULT_LISTENER.1.to_owned()],
                repeatable: true,
                origin: Origin::Default,
            });
        }
        let argv = settings
            .iter()
            .flat_map(|s| s.values.iter().map(move |v| format!("--{}={v}", s.key)));
        let matches = command
            .try_get_matches_from_mut(std::iter::once("gateway".to_owned()).chain(argv))
            .map_err(ConfigError::Cli)?;
        let options = Options::from_arg_matches(&matches).map_err(ConfigError::Cli)?;
        // Every option in --help order, the ones left at their default included.
        let settings = keys
            .iter()
            .map(|key| {
                settings
                    .iter()
                    .find(|s| s.key == key.name)
                    .cloned()
                    .unwrap_or_else(|| Setting {
                        key: key.name.clone(),
                        values: matches
                            .get_raw(&key.id)
                            .into_iter()
                            .flatten()
                            .map(|v| v.to_string_lossy().into_owned())
                            .collect(),
                        repeatable: key.repeatable,
                        origin: Origin::Default,
                    })
            })
            .collect();
        let action = match (cli.check_config, cli.print_config) {
            (_, true) => Action::PrintConfig,
            (true, false) => Action::CheckConfig,
            (false, false) => Action::Serve,
        };
        Ok((Self { options, settings }, action, matches))
    }
}

/// Parses `setting` alone with its option's parser, so that a bad value from the environment
/// or the file is reported with its key and origin.
fn check(command: &mut clap::Command, setting: &Setting) -> Result<(), ConfigError> {
    let argv = setting
        .values
        .iter()
        .map(|value| format!("--{}={value}", setting.key));
    let Err(error) =
        command.try_get_matches_from_mut(std::iter::once("gateway".to_owned()).chain(argv))
    else {
        return Ok(());
    };
    let value = match error.get(clap::error::ContextKind::InvalidValue) {
        Some(clap::error::ContextValue::String(value)) => value.clone(),
        _ => setting.values.join(" "),
    };
    let expected = match std::error::Error::source(&error) {
        Some(reason) => reason.to_string(),
        None => error.kind().to_string(),
    };
    Err(ConfigError::BadValue {
        origin: setting.origin.clone(),
        key: setting.key.clone(),
        value,
        expected,
    })
}

#[cfg(test)]
mod tests;
