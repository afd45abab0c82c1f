//! One `#[snoop]`'s options, fixed at compile time: what the attribute's arguments become.

/// Where a trace goes: `#[snoop(output = ...)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Standard error, one locked write per line (the default).
    Stderr,
    /// Appended to the file at this path (relative to the working directory), created if
    /// missing; pysnooper's `output='/my/log/file.log'`.
    File(&'static str),
    /// One `tracing` event per line, at `INFO` with target `gateway::snoop`.
    Tracing,
}

/// Whether a trace on stderr is coloured: `#[snoop(color = ...)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Coloured when stderr is a terminal and `NO_COLOR` is not set (the default).
    Auto,
    /// Always coloured on stderr, even through a pipe (for `less -R`).
    Always,
    /// Never coloured.
    Never,
}

/// One `#[snoop]`'s options and the function it traces, fixed at compile time.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The function's name.
    pub function: &'static str,
    /// The source file, printed after `Source path:...`.
    pub path: &'static str,
    /// The line of the `fn` keyword, for the `call` event.
    pub line: u32,
    /// That line's text.
    pub source: &'static str,
    /// Where the trace goes.
    pub output: Output,
    /// Written at the start of every line, to grep for them.
    pub prefix: &'static str,
    /// Values longer than this many characters are shortened with `...` in the middle;
    /// `None` shows them whole.
    pub max_variable_length: Option<usize>,
    /// Timestamps are the time since the call started instead of the time of day.
    pub relative_time: bool,
    /// Every line names its thread (`ident-name`).
    pub thread_info: bool,
    /// Colours on stderr.
    pub color: Color,
}
