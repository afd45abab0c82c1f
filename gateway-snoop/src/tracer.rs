//! [`Tracer`]: one `#[snoop]`'s options and what all its calls share, and where lines go.

use crate::capture;
use crate::options::{Color, Options, Output};
use std::fs::File;
use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

/// The state of one `#[snoop]`: its options, and what is shared by all its calls.
///
/// The attribute puts one in a `static` inside the traced function.
#[derive(Debug)]
pub struct Tracer {
    pub(crate) options: Options,
    /// The longest thread info seen so far, so that columns line up (pysnooper's padding).
    pub(crate) thread_padding: AtomicUsize,
    /// The file of [`Output::File`], opened at the first line; `None` if it cannot be.
    file: OnceLock<Option<Mutex<File>>>,
}

impl Tracer {
    /// A tracer with these options.
    pub const fn new(options: Options) -> Self {
        Tracer {
            options,
            thread_padding: AtomicUsize::new(0),
            file: OnceLock::new(),
        }
    }

    /// Whether lines written now are coloured.
    pub(crate) fn colored(&self) -> bool {
        match (self.options.output, self.options.color) {
            (Output::Stderr, Color::Always) => true,
            (Output::Stderr, Color::Auto) => !capture::capturing() && stderr_is_a_terminal(),
            _ => false,
        }
    }

    /// Writes `line` (without its newline) with one write, so that lines from concurrent
    /// calls never interleave inside a line.
    pub(crate) fn write(&self, line: &str) {
        let mut text = String::with_capacity(self.options.prefix.len() + line.len() + 1);
        text.push_str(self.options.prefix);
        text.push_str(line);
        if capture::record(&text) {
            return;
        }
        match self.options.output {
            Output::Stderr => write_stderr(&text),
            Output::Tracing => {
                tracing::info!(target: "gateway::snoop", function = self.options.function, "{text}");
            }
            Output::File(path) => {
                let file = self.file.get_or_init(|| open(path));
                match file {
                    Some(file) => {
                        text.push('\n');
                        let mut file = lock(file);
                        // A trace that cannot be written must not fail the traced function.
                        let _ = file.write_all(text.as_bytes());
                    }
                    None => write_stderr(&text),
                }
            }
        }
    }
}

fn write_stderr(text: &str) {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

fn open(path: &str) -> Option<Mutex<File>> {
    match File::options().create(true).append(true).open(path) {
        Ok(file) => Some(Mutex::new(file)),
        Err(error) => {
            write_stderr(&format!(
                "#[snoop]: cannot write the trace to {path}: {error}; writing it to stderr"
            ));
            None
        }
    }
}

fn stderr_is_a_terminal() -> bool {
    static TERMINAL: OnceLock<bool> = OnceLock::new();
    *TERMINAL.get_or_init(|| {
        std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    })
}

/// The mutex's guard, even if a traced call panicked while holding it: a trace goes on.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
