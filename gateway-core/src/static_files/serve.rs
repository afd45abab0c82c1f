//! The answer from an open file: `405` for other methods, `304`, `200`, `206` or `416`,
//! and the file's body, streamed in blocks.

use super::conditional::Validators;
use super::content_type::content_type;
use super::range::{parse_range, Range};
use super::StaticFiles;
use crate::application::Application;
use crate::body::{Body, IntoBody};
use crate::environ::Environ;
use crate::file_wrapper::FileWrapper;
use crate::start_response::StartResponse;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::UNIX_EPOCH;

impl<A: Application> StaticFiles<A> {
    /// Answers the request from `file`, found at `path`.
    pub(super) fn serve(
        &self,
        environ: &Environ,
        start_response: &StartResponse,
        file: File,
        path: &Path,
    ) -> Body {
        let method = environ.method().as_str();
        if method != "GET" && method != "HEAD" {
            start_response(
                "405 Method Not Allowed",
                &[("Content-Type", "text/plain"), ("Allow", "GET, HEAD")],
            );
            return "405 Method Not Allowed".into_body();
        }
        let Ok(metadata) = file.metadata() else {
            return fail(environ, start_response, "could not stat the file");
        };
        let size = metadata.len();
        let modified = metadata.modified().ok().filter(|m| *m > UNIX_EPOCH);
        let validators = Validators::new(size, modified);
        let mut common: Vec<(&str, &str)> = Vec::with_capacity(8);
        if let Some(etag) = &validators.etag {
            common.push(("ETag", etag));
        }
        if let Some(last_modified) = &validators.last_modified {
            common.push(("Last-Modified", last_modified));
        }
        if let Some(cache_control) = &self.cache_control {
            common.push(("Cache-Control", cache_control));
        }
        if validators.not_modified(environ) {
            start_response("304 Not Modified", &common);
            return Body::empty();
        }
        let content_type = content_type(path);
        common.push(("Content-Type", &content_type));
        let range = match environ.get("HTTP_RANGE") {
            Some(range) if method == "GET" && validators.if_range(environ) => {
                parse_range(range, size)
            }
            _ => Range::Whole,
        };
        let (start, length) = match range {
            Range::Whole => {
                let length = size.to_string();
                common.push(("Content-Length", &length));
                common.push(("Accept-Ranges", "bytes"));
                start_response("200 OK", &common);
                // Never more than the length announced, should the file grow meanwhile.
                return self.body(environ, file.take(size), size);
            }
            Range::Unsatisfiable => {
                let content_range = format!("bytes */{size}");
                start_response(
                    "416 Range Not Satisfiable",
                    &[
                        ("Content-Type", "text/plain"),
                        ("Content-Range", &content_range),
                    ],
                );
                return "416 Range Not Satisfiable".into_body();
            }
            Range::Bytes { first, last } => (first, last - first + 1),
        };
        let mut file = file;
        if file.seek(SeekFrom::Start(start)).is_err() {
            return fail(environ, start_response, "could not seek in the file");
        }
        let content_range = format!("bytes {start}-{}/{size}", start + length - 1);
        let content_length = length.to_string();
        common.push(("Content-Range", &content_range));
        common.push(("Content-Length", &content_length));
        start_response("206 Partial Content", &common);
        self.body(environ, file.take(length), length)
    }

    /// The file as a lazy body of at most `length` bytes.
    fn body(&self, environ: &Environ, reader: impl Read + Send + 'static, length: u64) -> Body {
        if length == 0 {
            return Body::empty();
        }
        FileWrapper::with_block_size(reader, self.block_size)
            .log_errors_to(environ.error_log())
            .into_body()
    }
}

/// The 500 answer for a file that could be opened but not read; the reason goes to
/// `wsgi.errors`.
fn fail(environ: &Environ, start_response: &StartResponse, reason: &str) -> Body {
    environ
        .errors()
        .log_line(&format!("static files: {reason}: {}", environ.path_info()));
    start_response(
        "500 Internal Server Error",
        &[("Content-Type", "text/plain")],
    );
    crate::host::SERVER_ERROR_BODY.into_body()
}
