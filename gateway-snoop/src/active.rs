//! One call being traced: what it remembers, and the lines it writes in pysnooper's format.

use crate::palette::{Palette, COLORS, PLAIN};
use crate::shorten::shorten;
use crate::time::{duration, time_of_day};
use crate::tracer::{lock, Tracer};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;

/// The labels of pysnooper's variable lines.
pub(crate) const STARTING: &str = "Starting var:.. ";
pub(crate) const NEW: &str = "New var:....... ";
pub(crate) const MODIFIED: &str = "Modified var:.. ";

/// How [`Active::variable`] decides whether to print.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Remember {
    /// Print and remember.
    Always,
    /// Print when the name is new or its value changed.
    IfChanged,
}

/// A call that is traced (tracing was on when it started).
#[derive(Debug)]
pub(crate) struct Active {
    tracer: &'static Tracer,
    /// The indentation level: traced calls enclosing this one on the thread.
    pub(crate) depth: usize,
    /// A plain `fn` makes the calls it makes one level deeper until it returns; an
    /// `async fn` does so only while it is polled (see `Frame::polled`).
    pub(crate) is_async: bool,
    started: Instant,
    colored: bool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The last line traced, for the `return` event.
    line: u32,
    source: &'static str,
    /// The last value printed under each name, for `Modified var` (only when it changed).
    values: Vec<(&'static str, String)>,
    finished: bool,
}

impl Active {
    /// A call starting now, `depth` traced calls deep.
    pub(crate) fn new(tracer: &'static Tracer, depth: usize, is_async: bool) -> Self {
        let options = &tracer.options;
        Active {
            tracer,
            depth,
            is_async,
            started: Instant::now(),
            colored: tracer.colored(),
            state: Mutex::new(State {
                line: options.line,
                source: options.source,
                values: Vec::new(),
                finished: false,
            }),
        }
    }

    fn palette(&self) -> &'static Palette {
        if self.colored {
            &COLORS
        } else {
            &PLAIN
        }
    }

    fn indent(&self) -> String {
        " ".repeat(4 * self.depth)
    }

    /// The thread info, padded like pysnooper's: `ident-name `.
    fn thread_info(&self) -> String {
        if !self.tracer.options.thread_info {
            return String::new();
        }
        let thread = std::thread::current();
        let id = format!("{:?}", thread.id());
        let ident: String = id.chars().filter(char::is_ascii_digit).collect();
        let info = format!("{ident}-{} ", thread.name().unwrap_or("<unnamed>"));
        let width = self
            .tracer
            .thread_padding
            .fetch_max(info.chars().count(), Ordering::Relaxed)
            .max(info.chars().count());
        format!("{info:width$}")
    }

    /// The indentation and, with `thread_info`, the thread, at the start of lines that are
    /// not events (pysnooper puts the thread in events only; with several threads the other
    /// lines need it as much).
    fn lead(&self) -> String {
        let mut lead = self.indent();
        lead.push_str(&self.thread_info());
        lead
    }

    fn write(&self, body: impl FnOnce(&mut String)) {
        let mut line = String::with_capacity(96);
        body(&mut line);
        self.tracer.write(&line);
    }

    fn timestamp(&self) -> String {
        if self.tracer.options.relative_time {
            duration(self.started.elapsed())
        } else {
            time_of_day()
        }
    }

    /// `Source path:... path`, the call's first line.
    pub(crate) fn source_path(&self) {
        let c = self.palette();
        self.write(|line| {
            let _ = write!(
                line,
                "{}{}{}Source path:... {}{}{}",
                c.yellow,
                c.dim,
                self.lead(),
                c.normal,
                self.tracer.options.path,
                c.reset
            );
        });
    }

    /// The `call` event, on the line of `fn`.
    pub(crate) fn call(&self) {
        let options = &self.tracer.options;
        self.event("call", options.line, options.source);
    }

    /// The `line` event, remembered for the `return` event.
    pub(crate) fn line(&self, line: u32, source: &'static str) {
        {
            let mut state = lock(&self.state);
            state.line = line;
            state.source = source;
        }
        self.event("line", line, source);
    }

    /// `HH:MM:SS.ffffff call        10 fn f() {`: pysnooper's columns, event in 9, line in 4.
    fn event(&self, event: &str, line: u32, source: &str) {
        let c = self.palette();
        let timestamp = self.timestamp();
        let thread = self.thread_info();
        self.write(|out| {
            let _ = write!(
                out,
                "{}{}{timestamp} {thread}{event:9} {line:4}{} {source}",
                self.indent(),
                c.dim,
                c.reset
            );
        });
    }

    /// `label name = value`, unless `remember` says the value is known already; a known name
    /// with a new value becomes `Modified var` when `remember` is [`Remember::IfChanged`].
    pub(crate) fn variable(
        &self,
        label: &str,
        name: &'static str,
        value: String,
        remember: Remember,
    ) {
        let value = shorten(value, self.tracer.options.max_variable_length);
        let label = {
            let mut state = lock(&self.state);
            let values = &mut state.values;
            match values.iter().position(|(known, _)| *known == name) {
                None => {
                    values.push((name, value.clone()));
                    label
                }
                Some(at) => {
                    let old = &mut values[at].1;
                    if remember == Remember::IfChanged && *old == value {
                        return;
                    }
                    old.clone_from(&value);
                    if remember == Remember::Always {
                        label
                    } else {
                        MODIFIED
                    }
                }
            }
        };
        let c = self.palette();
        self.write(|line| {
            let _ = write!(
                line,
                "{}{}{}{}{label}{}{name} = {value}{}",
                self.indent(),
                c.green,
                c.dim,
                self.thread_info(),
                c.normal,
                c.reset
            );
        });
    }

    /// The `return` event on the last line traced, `Return value:.. value` and `Elapsed
    /// time`.
    pub(crate) fn ret(&self, value: String) {
        let (line, source) = {
            let mut state = lock(&self.state);
            state.finished = true;
            (state.line, state.source)
        };
        self.event("return", line, source);
        let c = self.palette();
        let value = shorten(value, self.tracer.options.max_variable_length);
        self.write(|line| {
            let _ = write!(
                line,
                "{}{}{}{}Return value:.. {}{value}{}",
                self.indent(),
                c.cyan,
                c.dim,
                self.thread_info(),
                c.normal,
                c.reset
            );
        });
        self.elapsed();
    }

    /// The end of a call that did not return (it panicked, or its future was dropped):
    /// `Call ended by ...` and `Elapsed time`. Nothing once it returned.
    pub(crate) fn end(&self) {
        if lock(&self.state).finished {
            return;
        }
        let how = if std::thread::panicking() {
            "Call ended by panic"
        } else {
            "Call ended by cancellation"
        };
        let c = self.palette();
        self.write(|line| {
            let _ = write!(
                line,
                "{}{}{}{how}{}",
                c.red,
                self.indent(),
                self.thread_info(),
                c.reset
            );
        });
        self.elapsed();
    }

    fn elapsed(&self) {
        let c = self.palette();
        let elapsed = duration(self.started.elapsed());
        self.write(|line| {
            let _ = write!(
                line,
                "{}{}{}{}Elapsed time: {}{elapsed}{}",
                self.indent(),
                c.yellow,
                c.dim,
                self.thread_info(),
                c.normal,
                c.reset
            );
        });
    }
}
