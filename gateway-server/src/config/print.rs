//! `--print-config`: the effective configuration as a TOML file that gateway reads back as
//! it is, each line saying where its value came from.

use super::layers::{Origin, Setting};
use super::Config;
use std::fmt::Write;

/// The column where the origin comments start, when the value is short enough.
const COMMENT_COLUMN: usize = 44;

impl Config {
    /// The effective configuration as TOML with one `# origin` comment per line; an option
    /// that is not set is a comment line.
    pub(crate) fn to_toml(&self) -> String {
        let mut out = String::from(
            "# The effective configuration (gateway --print-config): each value with where it \
             came from.\n",
        );
        for setting in &self.settings {
            if setting.values.is_empty() {
                let _ = writeln!(out, "# {} is not set", setting.key);
                continue;
            }
            let line = format!("{} = {}", setting.key, toml_value(setting));
            let origin = match &setting.origin {
                Origin::Flag => format!("--{}", setting.key),
                other => other.to_string(),
            };
            let _ = writeln!(out, "{line:COMMENT_COLUMN$} # {origin}");
        }
        out
    }
}

/// The setting's values as a TOML value: a list for a repeatable option, numbers and
/// booleans bare, anything else a quoted string.
fn toml_value(setting: &Setting) -> String {
    let scalar = |text: &String| match text.parse::<i64>() {
        Ok(number) => number.to_string(),
        Err(_) if text == "true" || text == "false" => text.clone(),
        Err(_) => toml::Value::String(text.clone()).to_string(),
    };
    match setting.values.as_slice() {
        [one] if !setting.repeatable => scalar(one),
        many => format!(
            "[{}]",
            many.iter().map(scalar).collect::<Vec<_>>().join(", ")
        ),
    }
}
