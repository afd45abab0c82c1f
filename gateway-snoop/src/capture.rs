//! [`capture`]: a closure's trace collected into a `String` instead of written, for tests.

use std::cell::RefCell;

thread_local! {
    /// Where [`capture`] collects the lines written on this thread.
    static CAPTURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` and returns what it returned with the trace its `#[snoop]` functions wrote on
/// this thread, instead of writing it to their outputs. Uncoloured unless `color = true`.
///
/// ```
/// let (_, trace) = gateway_snoop::capture(|| ());
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

/// Whether a [`capture`] collects this thread's lines.
pub(crate) fn capturing() -> bool {
    CAPTURE.with(|capture| capture.borrow().is_some())
}

/// Adds `line` (without its newline) to the capture of this thread, if there is one:
/// `false` when the line is still to be written.
pub(crate) fn record(line: &str) -> bool {
    CAPTURE.with(|capture| {
        capture.borrow_mut().as_mut().is_some_and(|captured| {
            captured.push_str(line);
            captured.push('\n');
            true
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{capture, capturing};
    use crate::__private::{Color, Frame, Options, Output, Tracer};
    use crate::set_enabled;

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
