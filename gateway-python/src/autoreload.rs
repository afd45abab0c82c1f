//! `--py-autoreload`, for development: when a source file of a loaded module changes, the
//! process starts itself again (same program, same arguments), like Django's runserver.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How often the files are looked at: fast enough to feel immediate, cheap enough to leave
/// on (a few hundred `stat` calls a second at most).
const POLL_EVERY: Duration = Duration::from_secs(1);

/// Starts the thread that watches the loaded modules' files.
pub(crate) fn watch() {
    let spawned = std::thread::Builder::new()
        .name("py-autoreload".into())
        .spawn(|| {
            let mut seen: HashMap<PathBuf, SystemTime> = HashMap::new();
            loop {
                for file in module_files() {
                    let Ok(modified) = std::fs::metadata(&file).and_then(|m| m.modified()) else {
                        continue;
                    };
                    match seen.insert(file.clone(), modified) {
                        Some(before) if before != modified => restart(&file),
                        _ => {}
                    }
                }
                std::thread::sleep(POLL_EVERY);
            }
        });
    if let Err(error) = spawned {
        gateway_core::host::log(
            gateway_core::host::Level::Warn,
            format_args!("--py-autoreload is off: cannot start its thread: {error}"),
        );
    }
}

/// The `__file__` of every module in `sys.modules`.
fn module_files() -> Vec<PathBuf> {
    Python::attach(|py| {
        let modules = py
            .import("sys")
            .and_then(|sys| sys.getattr("modules"))
            .and_then(|m| m.call_method0("copy"))
            .and_then(|m| m.cast_into::<PyDict>().map_err(PyErr::from));
        let Ok(modules) = modules else {
            return Vec::new();
        };
        modules
            .values()
            .iter()
            .filter_map(|module| module.getattr_opt("__file__").ok().flatten())
            .filter_map(|file| file.extract::<PathBuf>().ok())
            .collect()
    })
}

/// Replaces this process by a fresh start of the same command line.
fn restart(changed: &std::path::Path) -> ! {
    use std::os::unix::process::CommandExt;
    gateway_core::host::log(
        gateway_core::host::Level::Info,
        format_args!("{} changed: restarting", changed.display()),
    );
    let mut args = std::env::args_os();
    let program =
        std::env::current_exe().unwrap_or_else(|_| args.next().unwrap_or_default().into());
    let error = std::process::Command::new(program)
        .args(std::env::args_os().skip(1))
        .exec();
    gateway_core::host::log(
        gateway_core::host::Level::Error,
        format_args!("--py-autoreload could not restart: {error}"),
    );
    std::process::exit(1);
}
