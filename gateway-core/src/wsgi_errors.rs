//! `wsgi.errors`: the application's line-oriented error stream.

use crate::error_log::ErrorLog;
use std::fmt;
use std::io;
use std::sync::Mutex;

/// `wsgi.errors`: a [`Write`](io::Write) into the server's error log.
///
/// Text is split into lines; each complete line becomes one entry of the server's error log
/// (by default a `tracing` event with target `wsgi.errors`, or the sink the server was
/// given). A trailing partial line is emitted on [`flush`](io::Write::flush) and when the
/// stream is dropped. There is one stream per request.
///
/// ```
/// use std::io::Write;
/// # let environ = gateway_core::Environ::builder().build();
/// writeln!(environ.errors(), "could not parse the form").unwrap();
/// ```
pub struct Errors {
    log: ErrorLog,
    partial: Mutex<Vec<u8>>,
}

impl Errors {
    /// A stream whose lines go to `log`.
    pub(crate) fn new(log: ErrorLog) -> Self {
        Self {
            log,
            partial: Mutex::new(Vec::new()),
        }
    }

    /// Writes one whole line (without its newline) to the error log.
    pub fn log_line(&self, line: &str) {
        self.log.line(line);
    }

    /// The error log this stream writes to, for whoever logs after the request's environ
    /// is gone (a middleware's body, the response being sent).
    pub fn log(&self) -> &ErrorLog {
        &self.log
    }

    fn emit(&self, bytes: &[u8]) {
        self.log_line(&String::from_utf8_lossy(bytes));
    }

    /// Emits an unfinished last line, if there is one.
    fn emit_rest(&self, rest: Vec<u8>) {
        if !rest.is_empty() {
            self.emit(&rest);
        }
    }
}

impl io::Write for &Errors {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut partial = self
            .partial
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        partial.extend_from_slice(buf);
        while let Some(end) = partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = partial.drain(..=end).collect();
            self.emit(&line[..end]);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut partial = self
            .partial
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let rest = std::mem::take(&mut *partial);
        drop(partial); // the sink may write to this stream again
        self.emit_rest(rest);
        Ok(())
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        // `&mut self`: no lock needed to see whether a partial line is left.
        let partial = self
            .partial
            .get_mut()
            .unwrap_or_else(|poison| poison.into_inner());
        let rest = std::mem::take(partial);
        self.emit_rest(rest);
    }
}

impl Default for Errors {
    fn default() -> Self {
        Self::new(ErrorLog::default())
    }
}

impl fmt::Debug for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<wsgi.errors>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    fn capture() -> (Errors, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let errors = Errors::new(ErrorLog::to_sink(Arc::new(move |line: &str| {
            sink.lock().unwrap().push(line.to_owned())
        })));
        (errors, lines)
    }

    #[test]
    fn each_complete_line_is_one_entry() {
        let (errors, lines) = capture();
        write!(&errors, "one\ntw").unwrap();
        assert_eq!(*lines.lock().unwrap(), ["one"]);
        writeln!(&errors, "o").unwrap();
        assert_eq!(*lines.lock().unwrap(), ["one", "two"]);
    }

    #[test]
    fn a_partial_line_is_emitted_on_drop() {
        let (errors, lines) = capture();
        write!(&errors, "unterminated").unwrap();
        drop(errors);
        assert_eq!(*lines.lock().unwrap(), ["unterminated"]);
    }
}
