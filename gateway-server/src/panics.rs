//! Quiet panics: a panic in an application is one line in the error log, with its message,
//! where it happened and the request's route; never the default hook's output.
//!
//! gateway-core catches an application's panic and writes "the application panicked: ..." to
//! `wsgi.errors`, but by then Rust's panic hook has already printed its own message, and a
//! symbolized backtrace per panic when `RUST_BACKTRACE` is set in the environment (measured:
//! 113 MB of log in 3 minutes of a panic flood, a thirteenth of the throughput).
//!
//! Why a hook, installed by a library: the hook is the only place that sees a panic's location
//! and can capture its backtrace, and nothing else can keep the default output away. So the
//! first server built installs one, once per process, and keeps the hook that was there
//! before: it answers only for panics raised while a request's application code runs on this
//! thread (the server marks that span, see [`Route::enter`]), and hands every other panic,
//! gateway's own included, to the previous hook unchanged. A program that installs its own
//! hook afterwards replaces this one, as it would expect.
//!
//! For an application's panic the hook prints nothing: it leaves a description on the thread,
//! and the server's error log (see [`error_log`]) puts it into the one line core writes for the
//! panic. Lines about the same fault (the same source location) are rate-limited: at most one
//! per [`REPEAT_WINDOW`], the next one saying how many were left out. A backtrace is captured
//! only when the server was built with `panic_backtraces(true)`, and goes into that line. A
//! panic the application catches itself (no line of core's claims it) is logged as a warning
//! once its request's work on the thread is done, since the default hook would have shown it.

use gateway_core::host::{log, Level};
use gateway_core::ErrorLog;
use http::{Method, Uri};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::panic::PanicHookInfo;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The most one fault (one source location) is written to the log: once per window.
pub(crate) const REPEAT_WINDOW: Duration = Duration::from_secs(10);

/// What core writes for a caught panic; the line this module completes.
const PANIC_LINE: &str = "the application panicked";

thread_local! {
    /// The request whose application code runs on this thread right now.
    static RUNNING: RefCell<Option<Route>> = const { RefCell::new(None) };
    /// What the hook made of the last panic in application code on this thread.
    static CAUGHT: RefCell<Option<Report>> = const { RefCell::new(None) };
}

/// The request a panic is reported with, and whether to capture a backtrace.
pub(crate) struct Route {
    method: Method,
    uri: Uri,
    backtraces: bool,
}

enum Report {
    /// The panic's message, and the rest of the line: the location, the route, left-out
    /// repeats, a backtrace.
    Line { message: String, rest: String },
    /// A repeat within [`REPEAT_WINDOW`]: no line.
    Quiet,
}

/// One source location's recent panics.
struct Repeats {
    since: Instant,
    left_out: u64,
}

static REPEATS: Mutex<Option<HashMap<String, Repeats>>> = Mutex::new(None);

/// Installs the hook, once per process.
pub(crate) fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            crate::inline::note_panic(info);
            if !report(info) {
                previous(info);
            }
        }));
    });
}

impl Route {
    /// The route of a request (the request target's bytes are shared, not copied: this is a
    /// reference count, paid per request so that the rare panic can name its route).
    pub(crate) fn new(method: &Method, uri: &Uri, backtraces: bool) -> Self {
        Self {
            method: method.clone(),
            uri: uri.clone(),
            backtraces,
        }
    }

    /// Runs `f` with this thread marked as running the application code of this request;
    /// the route is dropped after, not given back (a blocking call's span ends with its
    /// request's work on the thread, and does not nest), which saves moving it out again.
    pub(crate) fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        RUNNING.with(|running| *running.borrow_mut() = Some(self));
        // Cleared also when `f` unwinds, so no later panic is taken for this request's.
        let _leave = Leave;
        f()
    }
}

/// Clears this thread's running route when dropped.
struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        RUNNING.with(|running| *running.borrow_mut() = None);
    }
}

/// `future`, polled with this thread marked as running the application code of `route`'s
/// request; its output comes with the route, given back.
pub(crate) fn around<F: Future + Unpin>(route: Option<Route>, future: F) -> InApp<F> {
    InApp { route, future }
}

/// Runs `f` with `route` marked as running on this thread, and gives it back after.
pub(crate) fn enter<R>(route: &mut Option<Route>, f: impl FnOnce() -> R) -> R {
    let previous =
        RUNNING.with(|running| std::mem::replace(&mut *running.borrow_mut(), route.take()));
    let result = f();
    *route = RUNNING.with(|running| std::mem::replace(&mut *running.borrow_mut(), previous));
    result
}

/// A future polled as application code (see [`around`]).
pub(crate) struct InApp<F> {
    route: Option<Route>,
    future: F,
}

impl<F: Future + Unpin> Future for InApp<F> {
    type Output = (F::Output, Option<Route>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let future = &mut this.future;
        match enter(&mut this.route, || Pin::new(future).poll(cx)) {
            Poll::Ready(output) => Poll::Ready((output, this.route.take())),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The hook's work: true when the panic came from application code and was taken care of.
fn report(info: &PanicHookInfo<'_>) -> bool {
    let described = RUNNING.with(|running| {
        let running = running.try_borrow().ok()?;
        let route = running.as_ref()?;
        Some(describe(info, route))
    });
    let handled = described.is_some();
    // Outside application code the slot is emptied, so no later line takes a stale report.
    CAUGHT.with(|caught| *caught.borrow_mut() = described);
    handled
}

/// Logs a report no line claimed: a panic the application caught itself (its own
/// `catch_unwind`), which the default hook would have printed. Called when a request's work
/// on this thread is done; one thread-local look per request.
pub(crate) fn flush_unclaimed() {
    let report = CAUGHT.with(|caught| caught.borrow_mut().take());
    if let Some(Report::Line { message, rest }) = report {
        log(
            Level::Warn,
            format_args!("the application caught a panic of its own: {message} {rest}"),
        );
    }
}

fn describe(info: &PanicHookInfo<'_>, route: &Route) -> Report {
    let location = info
        .location()
        .map_or_else(|| "an unknown place".to_owned(), ToString::to_string);
    let left_out = {
        let mut repeats = REPEATS.lock().unwrap_or_else(|poison| poison.into_inner());
        let now = Instant::now();
        let entry = repeats
            .get_or_insert_with(HashMap::new)
            .entry(location.clone())
            .or_insert(Repeats {
                since: now - REPEAT_WINDOW,
                left_out: 0,
            });
        if now.duration_since(entry.since) < REPEAT_WINDOW {
            entry.left_out += 1;
            return Report::Quiet;
        }
        entry.since = now;
        std::mem::take(&mut entry.left_out)
    };
    let mut line = format!("(at {location}, {} {})", route.method, route.uri);
    if left_out > 0 {
        line += &format!("; {left_out} more like it in the last {REPEAT_WINDOW:?} were not logged");
    }
    if route.backtraces {
        line += &format!(
            "\nbacktrace:\n{}",
            std::backtrace::Backtrace::force_capture()
        );
    }
    Report::Line {
        message: message(info),
        rest: line,
    }
}

/// The panic's message, as `ContractError::from_panic` reads it.
fn message(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic with a non-text payload)".to_owned())
}

/// The server's error log over `inner`: completes the line core writes for a caught panic
/// with what the hook saw (or leaves it out, for a repeat), and passes every other line on.
pub(crate) fn error_log(inner: ErrorLog) -> ErrorLog {
    ErrorLog::to_sink(Arc::new(move |line: &str| {
        let report = CAUGHT.with(|caught| {
            let mut caught = caught.borrow_mut();
            // Only the panic line claims the report; it is written on the thread that caught it.
            if caught.is_some() && line.starts_with(PANIC_LINE) {
                caught.take()
            } else {
                None
            }
        });
        match report {
            None => inner.line(line),
            Some(Report::Quiet) => {}
            Some(Report::Line { rest, .. }) => inner.line(&format!("{line} {rest}")),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::catch_unwind;

    fn logged() -> (ErrorLog, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let log = ErrorLog::to_sink(Arc::new(move |line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        }));
        (error_log(log), lines)
    }

    #[test]
    fn a_panic_in_application_code_is_completed_with_place_and_route_then_rate_limited() {
        install();
        let (log, lines) = logged();
        for _ in 0..3 {
            let route = Route::new(&Method::POST, &Uri::from_static("/boom?x=1"), false);
            let caught = route.enter(|| catch_unwind(|| panic!("kaboom")));
            assert!(caught.is_err());
            log.line("the application panicked: kaboom");
        }
        log.line("an unrelated line");
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("the application panicked: kaboom (at "));
        assert!(lines[0].contains("panics.rs:"), "{}", lines[0]);
        assert!(lines[0].ends_with(", POST /boom?x=1)"), "{}", lines[0]);
        assert_eq!(lines[1], "an unrelated line");
    }

    #[test]
    fn a_panic_the_application_caught_itself_is_still_reported() {
        install();
        let (log, lines) = logged();
        let route = Route::new(&Method::GET, &Uri::from_static("/own"), false);
        route.enter(|| {
            let _ = catch_unwind(|| panic!("handled by the app"));
        });
        assert!(CAUGHT.with(|caught| caught.borrow().is_some()));
        flush_unclaimed(); // one line through the server's log (stderr here)
        assert!(CAUGHT.with(|caught| caught.borrow().is_none()));
        log.line("the application panicked: later, elsewhere");
        assert_eq!(
            lines.lock().unwrap().as_slice(),
            ["the application panicked: later, elsewhere"],
            "no stale report completes a later line"
        );
    }

    #[test]
    fn a_panic_outside_application_code_goes_to_the_previous_hook() {
        install();
        let (log, lines) = logged();
        let _ = catch_unwind(|| panic!("not an application's"));
        log.line("the application panicked: not an application's");
        assert_eq!(
            lines.lock().unwrap().as_slice(),
            ["the application panicked: not an application's"]
        );
    }
}
