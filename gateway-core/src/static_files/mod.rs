//! Static files: uWSGI's `--static-map /prefix=/dir`, WhiteNoise's middleware.
//!
//! [`StaticFiles`] wraps an application: a `GET` or `HEAD` whose `PATH_INFO` is under its URL
//! prefix and names a file in its directory is answered from that file; every other request
//! goes to the wrapped application, unchanged.

mod conditional;
mod content_type;
mod lookup;
mod range;
mod serve;

use crate::application::{Application, Outcome};
use crate::body::IntoBody;
use crate::environ::Environ;
use crate::start_response::StartResponse;
use lookup::Lookup;
use std::path::PathBuf;

/// The block size files are read and sent by: larger than wsgiref's 8 KiB, because a static
/// file is usually sent whole and each block is one trip through the server's channel.
pub(crate) const STATIC_BLOCK_SIZE: usize = 64 * 1024;

/// Serves the files of a directory under a URL prefix, and passes every other request to the
/// application it wraps (uWSGI's `--static-map`, WhiteNoise).
///
/// ```
/// use gateway_core::StaticFiles;
/// use gateway_core::{Environ, StartResponse, TestClient};
///
/// # let dir = std::env::temp_dir().join(format!("gateway-doc-static-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # std::fs::write(dir.join("style.css"), "body { margin: 0 }").unwrap();
/// let app = |_: &Environ, start_response: StartResponse| {
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     "the application"
/// };
/// let client = TestClient::new(StaticFiles::new("/static", &dir, app));
///
/// let css = client.get("/static/style.css");
/// assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
/// assert_eq!(css.text(), "body { margin: 0 }");
/// assert_eq!(client.get("/static/missing.css").text(), "the application");
/// assert_eq!(client.get("/elsewhere").text(), "the application");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
///
/// # What it answers
/// * `200` with `Content-Type` (guessed from the extension by `mime_guess`, with
///   `; charset=utf-8` for text, JavaScript and JSON; `application/octet-stream` when
///   unknown), `Content-Length`, `Last-Modified`, a strong `ETag` made of the size and the
///   modification time (`"<size hex>-<mtime ns hex>"`), `Accept-Ranges: bytes`, and
///   [`cache_control`](Self::cache_control) when set.
/// * `304 Not Modified` when `If-None-Match` matches the `ETag` (weak comparison, `*`
///   included), or, without `If-None-Match`, when the file is not newer than
///   `If-Modified-Since`.
/// * `206 Partial Content` with `Content-Range` for a single byte range (`bytes=0-99`,
///   `bytes=100-`, `bytes=-100`), honouring `If-Range`; `416 Range Not Satisfiable` with
///   `Content-Range: bytes */<size>` when it starts past the end. A request for several
///   ranges, or a `Range` that cannot be parsed, gets the whole file with `200` (RFC 9110
///   lets a server ignore `Range`; no `multipart/byteranges`).
/// * `HEAD`: the headers `GET` would have. The body is the file's, left lazy for the server
///   to discard, so at most a block or two is read.
/// * A directory: with [`index_file`](Self::index_file), its index file, after a `301` to the
///   path with a trailing `/` when it had none (so relative links work). Without, the request
///   falls through; no listings.
/// * Methods other than `GET` and `HEAD` on a file: `405 Method Not Allowed` with
///   `Allow: GET, HEAD`, as WhiteNoise does. On anything else they fall through.
///
/// Files stream in blocks of 64 KiB through a
/// [`FileWrapper`](crate::FileWrapper), never read whole into memory; opening and `stat`ing
/// happen when the application is called (on the server's application threads:
/// [`blocking`](Application::blocking) is true), reading when the server pulls the body.
///
/// # Safety of the mapping
/// A request never reads a file outside the directory. The request falls through to the
/// application, as if no file matched, when:
/// * a path segment is `..` or `.` (also when sent as `%2e%2e`: `PATH_INFO` is decoded), or is
///   not a plain file name on this platform (a drive prefix such as `C:`);
/// * the path holds a backslash or a NUL byte, or the request target holds an encoded slash
///   or backslash (`%2F`, `%5C`), which would make one segment look like two;
/// * the path is not UTF-8;
/// * the file's real path (symlinks resolved by `canonicalize`) is not inside the real path
///   of the directory: a symlink may point anywhere inside the directory, never out of it;
/// * it is not a regular file (a FIFO, a socket, a device), or a file asked for with a
///   trailing `/`.
///
/// Empty segments are skipped, so `/static//etc/passwd` looks for `etc/passwd` in the
/// directory. Dotfiles are served like any other file: point it at a folder meant for the
/// public. The check and the open are two steps: someone who can replace files inside the
/// directory between them could swap in a symlink; the directory is trusted to be written only
/// by its owner.
///
/// Zero-copy `sendfile` is not used (see [`FileWrapper`](crate::FileWrapper)).
#[derive(Debug, Clone)]
pub struct StaticFiles<A> {
    prefix: String,
    root: PathBuf,
    app: A,
    index_file: Option<String>,
    cache_control: Option<String>,
    block_size: usize,
}

impl<A: Application> StaticFiles<A> {
    /// Serves the files under `directory` at `url_prefix` (`"/static"` serves
    /// `directory/css/site.css` as `/static/css/site.css`; `"/"` serves from the root), and
    /// everything else from `app`. The directory is looked up on each request, so it may be
    /// created after start-up.
    pub fn new(url_prefix: &str, directory: impl Into<PathBuf>, app: A) -> Self {
        let prefix = format!("/{}", url_prefix.trim_matches('/'));
        Self {
            prefix: if prefix == "/" { String::new() } else { prefix },
            root: directory.into(),
            app,
            index_file: None,
            cache_control: None,
            block_size: STATIC_BLOCK_SIZE,
        }
    }

    /// Serves `name` (for example `index.html`) for a request naming a directory.
    pub fn index_file(mut self, name: &str) -> Self {
        self.index_file = Some(name.to_owned());
        self
    }

    /// Sends `Cache-Control: value` with every file (`"public, max-age=3600"`); none by
    /// default.
    pub fn cache_control(mut self, value: &str) -> Self {
        self.cache_control = Some(value.to_owned());
        self
    }

    /// Reads and sends files in blocks of `bytes` (default 64 KiB).
    pub fn block_size(mut self, bytes: usize) -> Self {
        self.block_size = bytes.max(1);
        self
    }
}

impl<A: Application> Application for StaticFiles<A> {
    fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
        let Some(rest) = self.relative(&environ) else {
            return self.app.call(environ, start_response);
        };
        match self.lookup(&environ, rest) {
            Lookup::NotMine => self.app.call(environ, start_response),
            Lookup::Redirect(location) => {
                start_response(
                    "301 Moved Permanently",
                    &[("Content-Type", "text/plain"), ("Location", &location)],
                );
                Outcome::Ready("301 Moved Permanently".into_body())
            }
            Lookup::File(file, path) => {
                Outcome::Ready(self.serve(&environ, &start_response, file, &path))
            }
        }
    }

    /// True: looking files up and opening them blocks.
    fn blocking(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
