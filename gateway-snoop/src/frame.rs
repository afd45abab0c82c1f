//! [`Frame`]: one call of a traced function, as the generated code sees it, and the
//! indentation of traced calls nested in it.

use crate::active::{Active, Remember, MODIFIED, NEW, STARTING};
use crate::switch::enabled;
use crate::tracer::Tracer;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// How many traced calls enclose the current point on this thread: the indentation.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One call of a traced function: created when its body starts, dropped when it ends.
///
/// When tracing is off (`GATEWAY_SNOOP=off`) the frame is empty and every method returns
/// at once.
#[derive(Debug)]
pub struct Frame {
    active: Option<Active>,
}

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
        let active = Active::new(tracer, depth, is_async);
        active.source_path();
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
            active.call();
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
        if let Some(active) = &self.active {
            active.ret(value);
        }
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
        active.end();
    }
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
