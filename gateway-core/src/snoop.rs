//! The runtime of `#[snoop]`: pysnooper's trace, printed by the code the attribute generates.
//!
//! `#[snoop]` (in `gateway-macros`, re-exported as `gateway::snoop`) rewrites a function's
//! body at compile time to call into this module: [`Frame::enter`] when the call starts,
//! [`Frame::line`] before each statement, [`Frame::new_var`] after each `let`,
//! [`Frame::ret`] with the value the function returns. What reaches the output is
//! pysnooper's format, line for line:
//!
//! ```text
//! Source path:... /home/me/gateway/examples/hello.rs
//! Starting var:.. environ = {'REQUEST_METHOD': 'GET', 'SCRIPT_NAME': '', 'PATH_INFO': '/Alice', ...}
//! Starting var:.. start_response = <start_response: not called>
//! 18:13:32.514938 call        13 pub fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
//! 18:13:32.514981 line        14     start_response("200 OK", &[("Content-Type", "text/html")]);
//! 18:13:32.514993 line        15     let name = environ["PATH_INFO"].get(1..).unwrap_or(""); // Python's [1:]: never panics
//! New var:....... name = "Alice"
//! 18:13:32.515002 line        16     let body = format!(
//! New var:....... body = "<h1>Hello, Alice!</h1>"
//! 18:13:32.515013 line        20     vec![body.into_bytes()]
//! 18:13:32.515029 return      20     vec![body.into_bytes()]
//! Return value:.. [b"<h1>Hello, Alice!</h1>"]
//! Elapsed time: 00:00:00.000236
//! ```
//!
//! Nothing here needs calling by hand except the switches: [`set_enabled`] (the
//! `GATEWAY_SNOOP=off` environment variable silences every trace without recompiling) and
//! [`capture`], which collects the trace of a closure into a `String`, for tests.
//!
//! Each line is built into one `String` and written with one locked write, so lines from
//! concurrent calls never interleave inside a line.

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};
use std::fs::File;
use std::future::Future;
use std::io::{IsTerminal as _, Write as _};
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

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

/// The state of one `#[snoop]`: its options, and what is shared by all its calls.
///
/// The attribute puts one in a `static` inside the traced function.
#[derive(Debug)]
pub struct Tracer {
    options: Options,
    /// The longest thread info seen so far, so that columns line up (pysnooper's padding).
    thread_padding: AtomicUsize,
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

    /// Its options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    fn colored(&self, capturing: bool) -> bool {
        match (self.options.output, self.options.color) {
            (Output::Stderr, Color::Always) => true,
            (Output::Stderr, Color::Auto) => !capturing && stderr_is_a_terminal(),
            _ => false,
        }
    }

    /// Writes `line` (without its newline) with one write.
    fn write(&self, line: &str) {
        let mut text = String::with_capacity(self.options.prefix.len() + line.len() + 1);
        text.push_str(self.options.prefix);
        text.push_str(line);
        if CAPTURE.with(|capture| {
            capture.borrow_mut().as_mut().map(|captured| {
                captured.push_str(&text);
                captured.push('\n');
            })
        }) == Some(())
        {
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---- the switch

const UNKNOWN: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;

/// `GATEWAY_SNOOP`, read once; then [`set_enabled`].
static SWITCH: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether `#[snoop]` traces: `false` when the environment variable `GATEWAY_SNOOP` is
/// `off` (or `0`, `false`, `no`) at the first traced call, or after `set_enabled(false)`.
///
/// Read once per traced call, from an atomic: a silenced call costs a load and a branch,
/// and each of its trace points a branch on a local.
#[inline]
pub fn enabled() -> bool {
    match SWITCH.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => read_switch(),
    }
}

#[cold]
fn read_switch() -> bool {
    let off = std::env::var("GATEWAY_SNOOP").is_ok_and(|value| {
        matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    });
    let wanted = if off { OFF } else { ON };
    // `set_enabled` may have run meanwhile: it wins.
    match SWITCH.compare_exchange(UNKNOWN, wanted, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => wanted == ON,
        Err(current) => current == ON,
    }
}

/// Turns every `#[snoop]` on or off from now on, whatever `GATEWAY_SNOOP` says. A call
/// already being traced finishes its trace.
pub fn set_enabled(on: bool) {
    SWITCH.store(if on { ON } else { OFF }, Ordering::Relaxed);
}

// ---- capture

thread_local! {
    /// How many traced calls enclose the current point on this thread: the indentation.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Where [`capture`] collects the lines written on this thread.
    static CAPTURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` and returns what it returned with the trace its `#[snoop]` functions wrote on
/// this thread, instead of writing it to their outputs. Uncoloured unless `color = true`.
///
/// ```
/// let (_, trace) = gateway_core::snoop::capture(|| ());
/// assert_eq!(trace, "");
/// ```
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, String) {
    struct Restore(Option<String>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CAPTURE.with(|capture| *capture.borrow_mut() = previous);
        }
    }
    let previous = CAPTURE.with(|capture| capture.borrow_mut().replace(String::new()));
    let restore = Restore(previous);
    let value = f();
    let captured = CAPTURE.with(|capture| capture.borrow_mut().take());
    drop(restore);
    (value, captured.unwrap_or_default())
}

fn capturing() -> bool {
    CAPTURE.with(|capture| capture.borrow().is_some())
}

// ---- one call

/// One call of a traced function: created when its body starts, dropped when it ends.
///
/// When tracing is off ([`enabled`]) the frame is empty and every method returns at once.
#[derive(Debug)]
pub struct Frame {
    active: Option<Active>,
}

#[derive(Debug)]
struct Active {
    tracer: &'static Tracer,
    /// The indentation level: traced calls enclosing this one on the thread.
    depth: usize,
    /// A plain `fn` makes the calls it makes one level deeper until it returns; an
    /// `async fn` does so only while it is polled (see [`Frame::polled`]).
    is_async: bool,
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

/// The labels of pysnooper's variable lines.
const STARTING: &str = "Starting var:.. ";
const NEW: &str = "New var:....... ";
const MODIFIED: &str = "Modified var:.. ";

/// pysnooper's colours.
struct Palette {
    green: &'static str,
    cyan: &'static str,
    yellow: &'static str,
    red: &'static str,
    dim: &'static str,
    normal: &'static str,
    reset: &'static str,
}

const COLORS: Palette = Palette {
    green: "\x1b[32m",
    cyan: "\x1b[36m",
    yellow: "\x1b[33m",
    red: "\x1b[31m",
    dim: "\x1b[2m",
    normal: "\x1b[22m",
    reset: "\x1b[0m",
};

const PLAIN: Palette = Palette {
    green: "",
    cyan: "",
    yellow: "",
    red: "",
    dim: "",
    normal: "",
    reset: "",
};

impl Frame {
    /// Starts a call of the function `tracer` traces: writes `Source path:...`.
    pub fn enter(tracer: &'static Tracer, is_async: bool) -> Frame {
        if !enabled() {
            return Frame { active: None };
        }
        let depth = DEPTH.with(Cell::get);
        if !is_async {
            DEPTH.with(|level| level.set(depth + 1));
        }
        let options = &tracer.options;
        let active = Active {
            tracer,
            depth,
            is_async,
            started: Instant::now(),
            colored: tracer.colored(capturing()),
            state: Mutex::new(State {
                line: options.line,
                source: options.source,
                values: Vec::new(),
                finished: false,
            }),
        };
        let c = active.palette();
        active.write(|line| {
            let _ = write!(
                line,
                "{}{}{}Source path:... {}{}{}",
                c.yellow,
                c.dim,
                active.lead(),
                c.normal,
                options.path,
                c.reset
            );
        });
        Frame {
            active: Some(active),
        }
    }

    /// Whether this call is traced. The generated code computes values only when it is.
    #[inline]
    pub fn on(&self) -> bool {
        self.active.is_some()
    }

    /// `Starting var:.. name = value`: an argument, or a watched expression at the call.
    pub fn start_var(&self, name: &'static str, value: String) {
        if let Some(active) = &self.active {
            active.variable(STARTING, name, value, Remember::Always);
        }
    }

    /// The `call` event, on the line of `fn`.
    pub fn call(&self) {
        if let Some(active) = &self.active {
            let options = &active.tracer.options;
            active.event("call", options.line, options.source);
        }
    }

    /// The `line` event: the statement on `line`, whose text is `source`, runs next.
    #[inline]
    pub fn line(&self, line: u32, source: &'static str) {
        if let Some(active) = &self.active {
            active.line(line, source);
        }
    }

    /// `New var:....... name = value`, after a `let` bound `name`.
    pub fn new_var(&self, name: &'static str, value: String) {
        if let Some(active) = &self.active {
            active.variable(NEW, name, value, Remember::Always);
        }
    }

    /// A name bound again (a loop's pattern, a `match` arm) or assigned to, or a watched
    /// expression: `New var` the first time, then `Modified var` when its value changed.
    pub fn var(&self, name: &'static str, value: String) {
        if let Some(active) = &self.active {
            active.variable(NEW, name, value, Remember::IfChanged);
        }
    }

    /// `Modified var:.. place = value` after an assignment to a field, an element or through
    /// a reference (`self.count += 1`), when its value changed.
    pub fn modified_var(&self, name: &'static str, value: String) {
        if let Some(active) = &self.active {
            active.variable(MODIFIED, name, value, Remember::IfChanged);
        }
    }

    /// The `return` event on the last line traced, `Return value:.. value` and `Elapsed
    /// time`.
    pub fn ret(&self, value: String) {
        let Some(active) = &self.active else {
            return;
        };
        let (line, source) = {
            let mut state = lock(&active.state);
            state.finished = true;
            (state.line, state.source)
        };
        active.event("return", line, source);
        let c = active.palette();
        let value = active.shorten(value);
        active.write(|line| {
            let _ = write!(
                line,
                "{}{}{}{}Return value:.. {}{value}{}",
                active.indent(),
                c.cyan,
                c.dim,
                active.thread_info(),
                c.normal,
                c.reset
            );
        });
        active.elapsed();
    }

    /// `future` polled one level deeper, so that traced calls it makes are indented under
    /// this one on whichever thread polls it.
    pub fn polled<'f, F: Future + ?Sized>(&'f self, future: Pin<&'f mut F>) -> Polled<'f, F> {
        Polled {
            frame: self,
            future,
        }
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let Some(active) = &self.active else {
            return;
        };
        if !active.is_async {
            DEPTH.with(|level| level.set(active.depth));
        }
        if lock(&active.state).finished {
            return;
        }
        // The body did not return: it panicked, or (async) its future was dropped.
        let how = if std::thread::panicking() {
            "Call ended by panic"
        } else {
            "Call ended by cancellation"
        };
        let c = active.palette();
        active.write(|line| {
            let _ = write!(
                line,
                "{}{}{}{how}{}",
                c.red,
                active.indent(),
                active.thread_info(),
                c.reset
            );
        });
        active.elapsed();
    }
}

/// How [`Active::variable`] decides whether to print.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Remember {
    /// Print and remember.
    Always,
    /// Print when the name is new or its value changed.
    IfChanged,
}

impl Active {
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
            chrono::Local::now().format("%H:%M:%S%.6f").to_string()
        }
    }

    fn line(&self, line: u32, source: &'static str) {
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

    fn variable(&self, label: &str, name: &'static str, value: String, remember: Remember) {
        let value = self.shorten(value);
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

    /// pysnooper's `get_shortish_repr`: no line breaks, and at most `max_variable_length`
    /// characters with `...` in the middle.
    fn shorten(&self, value: String) -> String {
        let value = if value.contains(['\r', '\n']) {
            value.replace(['\r', '\n'], "")
        } else {
            value
        };
        match self.tracer.options.max_variable_length {
            Some(max) if max > 0 => truncate(value, max),
            _ => value,
        }
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

/// pysnooper's `truncate`: the first and last characters, `...` between, `max` in all.
fn truncate(value: String, max: usize) -> String {
    let length = value.chars().count();
    if length <= max {
        return value;
    }
    let left = max.saturating_sub(3) / 2;
    let right = max.saturating_sub(3) - left;
    let mut short: String = value.chars().take(left).collect();
    short.push_str("...");
    short.extend(value.chars().skip(length - right));
    short
}

/// `HH:MM:SS.ffffff`, pysnooper's `timedelta_format`.
fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        elapsed.subsec_micros()
    )
}

/// The future of an `async fn` body, polled one level deeper: see [`Frame::polled`].
#[derive(Debug)]
pub struct Polled<'f, F: ?Sized> {
    frame: &'f Frame,
    future: Pin<&'f mut F>,
}

impl<F: Future + ?Sized> Future for Polled<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let Some(active) = &this.frame.active else {
            return this.future.as_mut().poll(context);
        };
        let outer = DEPTH.with(|level| level.replace(active.depth + 1));
        let poll = this.future.as_mut().poll(context);
        DEPTH.with(|level| level.set(outer));
        poll
    }
}

/// Runs a plain function's body, given as a closure so that `return` and `?` in it end the
/// closure and the trace sees the value. `R` is the function's return type.
#[inline(always)]
pub fn call<R, F: FnOnce() -> R>(body: F) -> R {
    body()
}

/// An `async fn`'s body as an `async` block whose output is the function's return type, so
/// that `?` in it converts errors as it would in the function.
#[inline(always)]
pub fn typed<R, F: Future<Output = R>>(body: F) -> F {
    body
}

// ---- values

/// A value to print, for the `snoop_repr` method of [`ReprDebug`] or [`ReprName`]: with
/// `Debug` when its type has it, or as `<type name>` otherwise (autoref specialisation:
/// `(&Value(&x)).snoop_repr()` finds `ReprDebug` first when `x: Debug`).
#[derive(Clone, Copy)]
pub struct Value<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Value<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value(<{}>)", std::any::type_name::<T>())
    }
}

/// A value printed with its `Debug`.
pub trait ReprDebug {
    /// The value as `Debug` prints it; bytes (`Vec<u8>`, `&[u8]`, lists of them) as
    /// `b"..."` literals, as Python shows `bytes`; `REPR FAILED` if `Debug` fails.
    fn snoop_repr(&self) -> String;
}

impl<T: fmt::Debug + ?Sized> ReprDebug for Value<'_, T> {
    fn snoop_repr(&self) -> String {
        let mut text = String::new();
        if write!(text, "{:?}", self.0).is_err() {
            return "REPR FAILED".to_owned();
        }
        match shape(std::any::type_name::<T>()) {
            Some(shape) => render(&shape, &text).unwrap_or(text),
            None => text,
        }
    }
}

/// A value whose type has no `Debug`: `<its type name>`.
pub trait ReprName {
    /// `<type name>`, such as `<my_app::Database>`.
    fn snoop_repr(&self) -> String;
}

impl<T: ?Sized> ReprName for &Value<'_, T> {
    fn snoop_repr(&self) -> String {
        format!("<{}>", std::any::type_name::<T>())
    }
}

/// Byte containers, whose `Debug` is a list of numbers.
enum Shape {
    Bytes,
    List(Box<Shape>),
}

/// The shape of a type, from its name: `Vec<u8>`, `[u8]`, `Box<[u8]>`, `&[u8; N]` (what a
/// `b"..."` literal is), and lists of those (`Vec<Vec<u8>>`), behind any references. An
/// owned `[u8; N]` is taken for numbers, not bytes.
fn shape(name: &str) -> Option<Shape> {
    let mut name = name.trim();
    let mut borrowed = false;
    while let Some(rest) = name.strip_prefix('&') {
        borrowed = true;
        name = rest.trim_start();
        name = name.strip_prefix("mut ").unwrap_or(name);
    }
    let element = if let Some(inner) = name
        .strip_prefix("alloc::vec::Vec<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        inner
    } else if let Some(inner) = name
        .strip_prefix("alloc::boxed::Box<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        // `Box<[u8]>` is the slice; any other `Box<T>` is not a list.
        return if inner.starts_with('[') && !inner.contains("; ") {
            shape(&format!("&{inner}"))
        } else {
            None
        };
    } else if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        match inner.rsplit_once("; ") {
            Some((element, length)) if length.bytes().all(|b| b.is_ascii_digit()) => {
                if !borrowed {
                    return None;
                }
                element
            }
            _ => inner,
        }
    } else {
        return None;
    };
    if element == "u8" {
        Some(Shape::Bytes)
    } else {
        shape(element).map(|inner| Shape::List(Box::new(inner)))
    }
}

/// `[60, 104]` as `b"<h"`; `[[60], []]` as `[b"<", b""]`.
fn render(shape: &Shape, debug: &str) -> Option<String> {
    let mut rest = debug;
    let mut out = String::with_capacity(debug.len() / 3);
    render_into(shape, &mut rest, &mut out)?;
    rest.is_empty().then_some(out)
}

fn render_into(shape: &Shape, rest: &mut &str, out: &mut String) -> Option<()> {
    *rest = rest.strip_prefix('[')?;
    match shape {
        Shape::Bytes => out.push_str("b\""),
        Shape::List(_) => out.push('['),
    }
    let mut first = true;
    loop {
        if let Some(after) = rest.strip_prefix(']') {
            *rest = after;
            break;
        }
        if !first {
            *rest = rest.strip_prefix(", ")?;
        }
        match shape {
            Shape::Bytes => {
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                let byte: u8 = rest[..end].parse().ok()?;
                *rest = &rest[end..];
                out.extend(std::ascii::escape_default(byte).map(char::from));
            }
            Shape::List(inner) => {
                if !first {
                    out.push_str(", ");
                }
                render_into(inner, rest, out)?;
            }
        }
        first = false;
    }
    match shape {
        Shape::Bytes => out.push('"'),
        Shape::List(_) => out.push(']'),
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr<T: fmt::Debug>(value: &T) -> String {
        ReprDebug::snoop_repr(&Value(value))
    }

    #[test]
    fn snoop_shortens_long_values_in_the_middle_like_pysnooper() {
        let long: String = ('a'..='z').cycle().take(120).collect();
        let short = truncate(long.clone(), 100);
        assert_eq!(short.chars().count(), 100);
        assert_eq!(&short[..48], &long[..48]);
        assert_eq!(&short[48..51], "...");
        assert_eq!(&short[51..], &long[120 - 49..]);
        assert_eq!(truncate("abc".to_owned(), 3), "abc");
        assert_eq!(truncate("héllo wörld".to_owned(), 7), "hé...ld");
    }

    #[test]
    fn snoop_durations_are_hours_minutes_seconds_and_microseconds() {
        assert_eq!(duration(Duration::from_micros(8975)), "00:00:00.008975");
        assert_eq!(duration(Duration::from_secs(3723)), "01:02:03.000000");
    }

    #[test]
    fn snoop_shows_bytes_as_byte_strings() {
        assert_eq!(repr(&b"<h1>\"hi\"\n".to_vec()), r#"b"<h1>\"hi\"\n""#);
        assert_eq!(repr(&vec![b"a".to_vec(), Vec::new()]), r#"[b"a", b""]"#);
        assert_eq!(repr(&&b"ab"[..]), r#"b"ab""#);
        assert_eq!(repr(&b"\xff"), r#"b"\xff""#);
        assert_eq!(repr(&[0u8; 2]), "[0, 0]");
        assert_eq!(repr(&vec![[1u8; 2]]), "[[1, 1]]");
        let boxed: Box<[u8]> = Box::from(&b"ok"[..]);
        assert_eq!(repr(&boxed), r#"b"ok""#);
        assert_eq!(repr(&vec![1u16, 2]), "[1, 2]");
        assert_eq!(repr(&Box::new(3u8)), "3");
        assert_eq!(repr(&"text"), "\"text\"");
    }

    #[test]
    fn snoop_names_the_type_of_a_value_without_debug() {
        struct Opaque;
        let value = Value(&Opaque);
        assert!(ReprName::snoop_repr(&&value).ends_with("Opaque>"));
    }

    #[test]
    fn snoop_capture_collects_lines_and_restores_the_previous_capture() {
        static TRACER: Tracer = Tracer::new(Options {
            function: "f",
            path: "f.rs",
            line: 1,
            source: "fn f() {",
            output: Output::Stderr,
            prefix: "ZZZ ",
            max_variable_length: Some(100),
            relative_time: true,
            thread_info: false,
            color: Color::Always,
        });
        set_enabled(true);
        let ((), trace) = capture(|| {
            let frame = Frame::enter(&TRACER, false);
            frame.call();
            frame.ret("()".to_owned());
        });
        let lines: Vec<&str> = trace.lines().collect();
        assert_eq!(lines.len(), 5, "{trace}");
        assert!(lines[0].starts_with("ZZZ \x1b[33m\x1b[2mSource path:... \x1b[22mf.rs"));
        assert!(lines[1].starts_with("ZZZ \x1b[2m00:00:00."), "{trace}");
        assert!(
            lines[1].ends_with(" call         1\x1b[0m fn f() {"),
            "{trace}"
        );
        assert!(lines[3].contains("Return value:.. \x1b[22m()"), "{trace}");
        assert!(!capturing());
    }
}
