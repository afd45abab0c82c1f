//! Static files: uWSGI's `--static-map /prefix=/dir`, WhiteNoise's middleware.
//!
//! [`StaticFiles`] wraps an application: a `GET` or `HEAD` whose `PATH_INFO` is under its URL
//! prefix and names a file in its directory is answered from that file; every other request
//! goes to the wrapped application, unchanged.

use crate::application::{Application, Outcome};
use crate::body::{Body, IntoBody};
use crate::environ::Environ;
use crate::file_wrapper::FileWrapper;
use crate::start_response::StartResponse;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The block size files are read and sent by: larger than wsgiref's 8 KiB, because a static
/// file is usually sent whole and each block is one trip through the server's channel.
pub const STATIC_BLOCK_SIZE: usize = 64 * 1024;

/// Serves the files of a directory under a URL prefix, and passes every other request to the
/// application it wraps (uWSGI's `--static-map`, WhiteNoise).
///
/// ```
/// use gateway_core::static_files::StaticFiles;
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
/// Files stream in blocks of [`STATIC_BLOCK_SIZE`] through a [`FileWrapper`], never read
/// whole into memory; opening and `stat`ing happen when the application is called (on the
/// server's application threads: [`blocking`](Application::blocking) is true), reading when
/// the server pulls the body.
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
/// Zero-copy `sendfile` is not used (see [`file_wrapper`](crate::file_wrapper)).
#[derive(Debug, Clone)]
pub struct StaticFiles<A> {
    prefix: String,
    root: PathBuf,
    app: A,
    index_file: Option<String>,
    cache_control: Option<String>,
    block_size: usize,
}

/// What a request under the prefix maps to.
enum Lookup {
    /// Not a file of ours: the application answers.
    NotMine,
    /// A directory asked for without its trailing `/`.
    Redirect(String),
    /// An open regular file.
    File(File, PathBuf),
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

    /// Reads and sends files in blocks of `bytes` (default [`STATIC_BLOCK_SIZE`]).
    pub fn block_size(mut self, bytes: usize) -> Self {
        self.block_size = bytes.max(1);
        self
    }

    /// The path under the prefix, when the request is for it.
    fn relative<'e>(&self, environ: &'e Environ) -> Option<&'e str> {
        let rest = environ.path_info().strip_prefix(self.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    fn lookup(&self, environ: &Environ, rest: &str) -> Lookup {
        if std::str::from_utf8(environ.path_info_bytes()).is_err()
            || rest.contains(['\0', '\\'])
            || has_encoded_separator(environ.uri().path())
        {
            return Lookup::NotMine;
        }
        let mut relative = PathBuf::new();
        for segment in rest.split('/').filter(|segment| !segment.is_empty()) {
            let mut components = Path::new(segment).components();
            match (components.next(), components.next()) {
                (Some(Component::Normal(name)), None) if name == segment => relative.push(name),
                _ => return Lookup::NotMine,
            }
        }
        let Ok(root) = fs::canonicalize(&self.root) else {
            return Lookup::NotMine;
        };
        let Some(target) = inside(&root, &root.join(relative)) else {
            return Lookup::NotMine;
        };
        let Ok(metadata) = fs::metadata(&target) else {
            return Lookup::NotMine;
        };
        if metadata.is_dir() {
            let Some(index) = &self.index_file else {
                return Lookup::NotMine;
            };
            if !rest.ends_with('/') {
                return Lookup::Redirect(directory_location(environ));
            }
            return match inside(&root, &target.join(index)) {
                Some(index) => open_regular(index),
                None => Lookup::NotMine,
            };
        }
        if rest.ends_with('/') {
            return Lookup::NotMine;
        }
        open_regular(target)
    }

    fn serve(
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
            .log_errors_to(environ.errors_handle())
            .into_body()
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
    crate::handler::SERVER_ERROR_BODY.into_body()
}

/// Whether a request target holds `%2F` or `%5C` (any case).
fn has_encoded_separator(raw_path: &str) -> bool {
    raw_path.as_bytes().windows(3).any(|w| {
        let slash = w[1] == b'2' && w[2].eq_ignore_ascii_case(&b'f');
        let backslash = w[1] == b'5' && w[2].eq_ignore_ascii_case(&b'c');
        w[0] == b'%' && (slash || backslash)
    })
}

/// `path` with every symlink resolved, if it exists and is inside `root` (itself resolved).
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let resolved = fs::canonicalize(path).ok()?;
    resolved.starts_with(root).then_some(resolved)
}

/// Opens `path` if it is a regular file (checked before opening: opening a FIFO would
/// block, and again on the open file).
fn open_regular(path: PathBuf) -> Lookup {
    if !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return Lookup::NotMine;
    }
    match File::open(&path) {
        Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => Lookup::File(file, path),
        _ => Lookup::NotMine,
    }
}

/// The request's own path with a `/` added, and its query.
fn directory_location(environ: &Environ) -> String {
    // One leading slash only: `//host/dir` must not become a redirect to another host.
    let path = environ.uri().path().trim_start_matches('/');
    match environ.uri().query() {
        Some(query) => format!("/{path}/?{query}"),
        None => format!("/{path}/"),
    }
}

/// The `Content-Type` for a file name.
fn content_type(path: &Path) -> String {
    let guessed = mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("application/octet-stream");
    let text = guessed.starts_with("text/")
        || matches!(
            guessed,
            "application/javascript" | "application/json" | "image/svg+xml"
        );
    if text {
        format!("{guessed}; charset=utf-8")
    } else {
        guessed.to_owned()
    }
}

/// `ETag` and `Last-Modified` of one file, and the conditional requests they answer.
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
    /// The modification time in whole seconds, as `Last-Modified` says it.
    modified_secs: Option<u64>,
}

impl Validators {
    fn new(size: u64, modified: Option<SystemTime>) -> Self {
        let since_epoch = modified.and_then(|m| m.duration_since(UNIX_EPOCH).ok());
        Self {
            etag: since_epoch.map(|d| format!("\"{size:x}-{:x}\"", d.as_nanos())),
            last_modified: modified.map(httpdate::fmt_http_date),
            modified_secs: since_epoch.as_ref().map(Duration::as_secs),
        }
    }

    /// RFC 9110 13.1.2/13.1.3: `If-None-Match` (weak comparison) decides when present;
    /// otherwise `If-Modified-Since`.
    fn not_modified(&self, environ: &Environ) -> bool {
        if let Some(if_none_match) = environ.get("HTTP_IF_NONE_MATCH") {
            let Some(etag) = &self.etag else {
                return if_none_match.trim() == "*";
            };
            return if_none_match
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag.as_str());
        }
        let (Some(since), Some(modified)) =
            (environ.get("HTTP_IF_MODIFIED_SINCE"), self.modified_secs)
        else {
            return false;
        };
        httpdate::parse_http_date(since)
            .ok()
            .and_then(|since| since.duration_since(UNIX_EPOCH).ok())
            .is_some_and(|since| modified <= since.as_secs())
    }

    /// RFC 9110 13.1.5: `Range` counts only if `If-Range` is absent or names this version
    /// (strong comparison for an `ETag`, the exact date for a `Last-Modified`).
    fn if_range(&self, environ: &Environ) -> bool {
        let Some(if_range) = environ.get("HTTP_IF_RANGE").map(str::trim) else {
            return true;
        };
        if if_range.starts_with('"') || if_range.starts_with("W/") {
            return self.etag.as_deref() == Some(if_range);
        }
        self.last_modified.as_deref() == Some(if_range)
    }
}

/// What a `Range` header asks for.
#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// No usable range: the whole file.
    Whole,
    /// Bytes `first..=last`.
    Bytes { first: u64, last: u64 },
    /// A range that starts past the end.
    Unsatisfiable,
}

/// Parses a single `bytes=` range against a file of `size` bytes.
fn parse_range(header: &str, size: u64) -> Range {
    let header = header.trim();
    let Some(spec) = header
        .get(..6)
        .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
        .map(|_| header[6..].trim())
    else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Range::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-N`: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || size == 0 {
                Range::Unsatisfiable
            } else {
                Range::Bytes {
                    first: size.saturating_sub(suffix),
                    last: size - 1,
                }
            }
        }
        (false, Some(first), last) if last.is_some() || last_is_empty(spec) => {
            if last.is_some_and(|last| last < first) {
                Range::Whole
            } else if first >= size {
                Range::Unsatisfiable
            } else {
                Range::Bytes {
                    first,
                    last: last.map_or(size - 1, |last| last.min(size - 1)),
                }
            }
        }
        _ => Range::Whole,
    }
}

/// Whether `first-` has nothing after the dash.
fn last_is_empty(spec: &str) -> bool {
    spec.split_once('-')
        .is_some_and(|(_, last)| last.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestClient, TestRequest, TestResponse};
    use crate::validate::validator;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A directory under the system's temp dir, removed when dropped:
    /// `base/secret.txt` outside the served `base/public/`.
    struct Site {
        base: PathBuf,
    }

    impl Site {
        fn new() -> Self {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let base = std::env::temp_dir().join(format!(
                "gateway-static-unit-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = fs::remove_dir_all(&base);
            fs::create_dir_all(base.join("public/css")).unwrap();
            fs::create_dir_all(base.join("public/docs")).unwrap();
            fs::write(base.join("secret.txt"), "TOP SECRET").unwrap();
            fs::write(base.join("public/index.html"), "<h1>home</h1>").unwrap();
            fs::write(base.join("public/css/site.css"), "body{}").unwrap();
            fs::write(base.join("public/docs/index.html"), "<h1>docs</h1>").unwrap();
            fs::write(
                base.join("public/data.bin"),
                (0..=255u8).collect::<Vec<_>>(),
            )
            .unwrap();
            fs::write(base.join("public/empty.txt"), "").unwrap();
            Self { base }
        }

        fn public(&self) -> PathBuf {
            self.base.join("public")
        }

        fn client(&self) -> TestClient<StaticFiles<Fallback>> {
            TestClient::new(
                StaticFiles::new("/static", self.public(), fallback as _).index_file("index.html"),
            )
        }
    }

    impl Drop for Site {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.base);
        }
    }

    type Fallback = fn(&Environ, StartResponse) -> String;

    fn fallback(environ: &Environ, start_response: StartResponse) -> String {
        start_response("404 Not Found", &[("Content-Type", "text/plain")]);
        format!("app: {}", environ.path_info())
    }

    fn get_with(
        client: &TestClient<impl Application>,
        target: &str,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = TestRequest::new("GET", target);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        client.send(request)
    }

    #[track_caller]
    fn assert_fell_through(response: &TestResponse) {
        assert_eq!(response.status, 404, "{response:?}");
        assert!(response.text().starts_with("app: "), "{response:?}");
        assert!(!response.text().contains("SECRET"));
    }

    #[test]
    fn a_file_is_served_with_its_type_length_and_validators() {
        let site = Site::new();
        let response = site.client().get("/static/css/site.css");
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), "body{}");
        assert_eq!(
            response.header("content-type"),
            Some("text/css; charset=utf-8")
        );
        assert_eq!(response.header("content-length"), Some("6"));
        assert_eq!(response.header("accept-ranges"), Some("bytes"));
        let etag = response.header("etag").unwrap();
        assert!(etag.starts_with("\"6-") && etag.ends_with('"'), "{etag}");
        let modified = response.header("last-modified").unwrap();
        assert!(httpdate::parse_http_date(modified).is_ok(), "{modified}");
        assert!(response.errors.is_empty());
    }

    #[test]
    fn unknown_extensions_are_octet_streams() {
        let site = Site::new();
        let response = site.client().get("/static/data.bin");
        assert_eq!(
            response.header("content-type"),
            Some("application/octet-stream")
        );
        assert_eq!(response.body.len(), 256);
    }

    #[test]
    fn anything_else_falls_through_to_the_application() {
        let site = Site::new();
        let client = site.client();
        assert_eq!(
            client.get("/static/missing.css").text(),
            "app: /static/missing.css"
        );
        assert_eq!(client.get("/other").text(), "app: /other");
        assert_eq!(client.get("/staticfile").text(), "app: /staticfile");
    }

    #[test]
    fn the_response_passes_the_validator() {
        let site = Site::new();
        let client = TestClient::new(validator(
            StaticFiles::new("/static", site.public(), fallback).index_file("index.html"),
        ));
        for (target, headers) in [
            ("/static/css/site.css", vec![]),
            ("/static/data.bin", vec![("Range", "bytes=0-9")]),
            ("/static/data.bin", vec![("Range", "bytes=900-")]),
            ("/static/empty.txt", vec![]),
            ("/static/docs", vec![]),
            ("/static/docs/", vec![]),
        ] {
            let response = get_with(&client, target, &headers);
            assert!(
                response.errors.is_empty(),
                "{target}: {:?}",
                response.errors
            );
        }
        let etag = client
            .get("/static/css/site.css")
            .header("etag")
            .unwrap()
            .to_owned();
        let response = get_with(&client, "/static/css/site.css", &[("If-None-Match", &etag)]);
        assert_eq!(response.status, 304);
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let response = client.send(TestRequest::new("POST", "/static/css/site.css"));
        assert_eq!(response.status, 405);
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[test]
    fn if_none_match_answers_304() {
        let site = Site::new();
        let client = site.client();
        let etag = client
            .get("/static/css/site.css")
            .header("etag")
            .unwrap()
            .to_owned();
        for header in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
            "*".into(),
        ] {
            let response = get_with(
                &client,
                "/static/css/site.css",
                &[("If-None-Match", &header)],
            );
            assert_eq!(response.status, 304, "{header}");
            assert!(response.body.is_empty());
            assert_eq!(response.header("etag"), Some(etag.as_str()));
            assert_eq!(response.header("content-type"), None);
        }
        let response = get_with(
            &client,
            "/static/css/site.css",
            &[("If-None-Match", "\"other\"")],
        );
        assert_eq!(response.status, 200);
    }

    #[test]
    fn if_modified_since_answers_304_unless_the_file_is_newer() {
        let site = Site::new();
        let client = site.client();
        let modified = client
            .get("/static/css/site.css")
            .header("last-modified")
            .unwrap()
            .to_owned();
        let response = get_with(
            &client,
            "/static/css/site.css",
            &[("If-Modified-Since", &modified)],
        );
        assert_eq!(response.status, 304);
        let long_ago = "Sat, 01 Jan 2000 00:00:00 GMT";
        let response = get_with(
            &client,
            "/static/css/site.css",
            &[("If-Modified-Since", long_ago)],
        );
        assert_eq!(response.status, 200);
        // If-None-Match decides when both are present.
        let response = get_with(
            &client,
            "/static/css/site.css",
            &[
                ("If-Modified-Since", &modified),
                ("If-None-Match", "\"other\""),
            ],
        );
        assert_eq!(response.status, 200);
    }

    #[test]
    fn a_single_range_answers_206() {
        let site = Site::new();
        let client = site.client();
        for (range, first, last) in [
            ("bytes=0-9", 0, 9),
            ("bytes=250-", 250, 255),
            ("bytes=-6", 250, 255),
            ("bytes=100-100000", 100, 255),
            ("BYTES = 3-3", 0, 0),
        ] {
            let response = get_with(&client, "/static/data.bin", &[("Range", range)]);
            if range.starts_with("BYTES =") {
                assert_eq!(response.status, 200, "a malformed Range is ignored");
                continue;
            }
            assert_eq!(response.status, 206, "{range}");
            let expected: Vec<u8> = (first..=last).map(|b| b as u8).collect();
            assert_eq!(response.body, expected, "{range}");
            assert_eq!(
                response.header("content-range"),
                Some(format!("bytes {first}-{last}/256").as_str())
            );
            assert_eq!(
                response.header("content-length"),
                Some((last - first + 1).to_string().as_str())
            );
        }
    }

    #[test]
    fn an_unsatisfiable_range_answers_416() {
        let site = Site::new();
        let client = site.client();
        for range in ["bytes=256-", "bytes=1000-2000", "bytes=-0"] {
            let response = get_with(&client, "/static/data.bin", &[("Range", range)]);
            assert_eq!(response.status, 416, "{range}");
            assert_eq!(response.header("content-range"), Some("bytes */256"));
        }
        let response = get_with(&client, "/static/empty.txt", &[("Range", "bytes=0-")]);
        assert_eq!(response.status, 416);
        assert_eq!(response.header("content-range"), Some("bytes */0"));
    }

    #[test]
    fn several_ranges_and_invalid_ones_get_the_whole_file() {
        let site = Site::new();
        let client = site.client();
        for range in [
            "bytes=0-1,5-6",
            "bytes=9-1",
            "items=0-1",
            "bytes=a-b",
            "bytes=5",
        ] {
            let response = get_with(&client, "/static/data.bin", &[("Range", range)]);
            assert_eq!(response.status, 200, "{range}");
            assert_eq!(response.body.len(), 256);
        }
    }

    #[test]
    fn if_range_with_another_version_gets_the_whole_file() {
        let site = Site::new();
        let client = site.client();
        let etag = client
            .get("/static/data.bin")
            .header("etag")
            .unwrap()
            .to_owned();
        let response = get_with(
            &client,
            "/static/data.bin",
            &[("Range", "bytes=0-0"), ("If-Range", &etag)],
        );
        assert_eq!(response.status, 206);
        let response = get_with(
            &client,
            "/static/data.bin",
            &[("Range", "bytes=0-0"), ("If-Range", "\"old\"")],
        );
        assert_eq!(response.status, 200);
        let response = get_with(
            &client,
            "/static/data.bin",
            &[("Range", "bytes=0-0"), ("If-Range", &format!("W/{etag}"))],
        );
        assert_eq!(
            response.status, 200,
            "a weak validator never matches If-Range"
        );
    }

    #[test]
    fn head_gets_the_headers_of_get() {
        let site = Site::new();
        let client = site.client();
        let get = client.get("/static/data.bin");
        let head =
            client.send(TestRequest::new("HEAD", "/static/data.bin").header("Range", "bytes=0-1"));
        assert_eq!(head.status, 200, "Range applies to GET only");
        for name in ["content-type", "content-length", "etag", "last-modified"] {
            assert_eq!(head.header(name), get.header(name), "{name}");
        }
    }

    #[test]
    fn other_methods_on_a_file_answer_405_and_fall_through_elsewhere() {
        let site = Site::new();
        let client = site.client();
        let response = client.post("/static/css/site.css", "x");
        assert_eq!(response.status, 405);
        assert_eq!(response.header("allow"), Some("GET, HEAD"));
        let response = client.post("/static/missing", "x");
        assert_fell_through(&response);
    }

    #[test]
    fn a_directory_serves_its_index_file_after_a_redirect_to_the_slash() {
        let site = Site::new();
        let client = site.client();
        let response = client.get("/static/docs?v=1");
        assert_eq!(response.status, 301);
        assert_eq!(response.header("location"), Some("/static/docs/?v=1"));
        let response = client.get("/static/docs/");
        assert_eq!(
            (response.status.as_u16(), response.text()),
            (200, "<h1>docs</h1>".into())
        );
        assert_eq!(client.get("/static/").text(), "<h1>home</h1>");
        assert_eq!(client.get("/static").status, 301);
    }

    #[test]
    fn without_an_index_file_directories_fall_through() {
        let site = Site::new();
        let client = TestClient::new(StaticFiles::new("/static", site.public(), fallback));
        assert_fell_through(&client.get("/static/docs/"));
        assert_fell_through(&client.get("/static/docs"));
    }

    #[test]
    fn a_file_with_a_trailing_slash_falls_through() {
        let site = Site::new();
        assert_fell_through(&site.client().get("/static/css/site.css/"));
    }

    #[test]
    fn the_root_prefix_serves_from_the_root() {
        let site = Site::new();
        let client = TestClient::new(StaticFiles::new("/", site.public(), fallback));
        assert_eq!(client.get("/css/site.css").text(), "body{}");
        assert_fell_through(&client.get("/nothing"));
    }

    #[test]
    fn cache_control_is_sent_when_set() {
        let site = Site::new();
        let client = TestClient::new(
            StaticFiles::new("/static", site.public(), fallback)
                .cache_control("public, max-age=60"),
        );
        assert_eq!(
            client.get("/static/css/site.css").header("cache-control"),
            Some("public, max-age=60")
        );
    }

    #[test]
    fn large_files_stream_in_blocks() {
        let site = Site::new();
        let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(site.public().join("big.bin"), &big).unwrap();
        let app = StaticFiles::new("/static", site.public(), fallback).block_size(4096);
        let environ = Environ::builder().uri("/static/big.bin").build();
        let Outcome::Ready(mut body) = app.call(environ, StartResponse::new()) else {
            panic!("a ready body");
        };
        assert!(!body.is_in_memory(), "the body is lazy");
        assert_eq!(body.next().unwrap().unwrap().len(), 4096);
        let response = TestClient::new(app).get("/static/big.bin");
        assert_eq!(response.body, big);
    }

    // --- traversal: never a file outside the directory ---

    #[test]
    fn dot_dot_segments_never_leave_the_directory() {
        let site = Site::new();
        let client = site.client();
        for target in [
            "/static/../secret.txt",
            "/static/css/../../secret.txt",
            "/static/%2e%2e/secret.txt",
            "/static/%2E%2E/secret.txt",
            "/static/.%2e/secret.txt",
            "/static/./css/site.css",
        ] {
            assert_fell_through(&client.get(target));
        }
    }

    #[test]
    fn encoded_slashes_and_backslashes_are_refused() {
        let site = Site::new();
        let client = site.client();
        for target in [
            "/static/..%2Fsecret.txt",
            "/static/..%2fsecret.txt",
            "/static/css%2Fsite.css",
            "/static/..%5Csecret.txt",
            "/static/..%5csecret.txt",
        ] {
            assert_fell_through(&client.get(target));
        }
        let mut environ_path = Environ::builder().uri("/static/css/site.css").build();
        environ_path.insert("PATH_INFO", "/static/..\\secret.txt");
        let app = StaticFiles::new("/static", site.public(), fallback);
        let rest = app.relative(&environ_path).unwrap();
        assert!(matches!(app.lookup(&environ_path, rest), Lookup::NotMine));
    }

    #[test]
    fn absolute_paths_stay_inside_the_directory() {
        let site = Site::new();
        let client = site.client();
        let secret = site.base.join("secret.txt");
        let target = format!("/static/{}", secret.display());
        assert_fell_through(&client.get(&target));
        assert_fell_through(&client.get("/static//etc/passwd"));
        assert_eq!(client.get("/static//css//site.css").text(), "body{}");
    }

    #[test]
    fn nul_bytes_are_refused() {
        let site = Site::new();
        let client = site.client();
        assert_fell_through(&client.get("/static/css/site.css%00.txt"));
        assert_fell_through(&client.get("/static/css/site.css%00"));
    }

    #[test]
    fn non_utf8_paths_fall_through() {
        let site = Site::new();
        assert_fell_through(&site.client().get("/static/caf%E9.css"));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_may_not_lead_outside_the_directory() {
        let site = Site::new();
        std::os::unix::fs::symlink(site.base.join("secret.txt"), site.public().join("link.txt"))
            .unwrap();
        std::os::unix::fs::symlink(&site.base, site.public().join("up")).unwrap();
        std::os::unix::fs::symlink(
            site.public().join("css/site.css"),
            site.public().join("inside.css"),
        )
        .unwrap();
        let client = site.client();
        assert_fell_through(&client.get("/static/link.txt"));
        assert_fell_through(&client.get("/static/up/secret.txt"));
        assert_eq!(client.get("/static/inside.css").text(), "body{}");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_fall_through() {
        let site = Site::new();
        std::os::unix::fs::symlink("/dev/null", site.public().join("null")).unwrap();
        assert_fell_through(&site.client().get("/static/null"));
        // A FIFO inside the directory: opening it would block until a writer came.
        let fifo = site.public().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|status| status.success()) {
            assert_fell_through(&site.client().get("/static/pipe"));
        }
    }

    #[test]
    fn has_encoded_separator_pins() {
        for raw in ["/a%2Fb", "/a%2fb", "/a%5Cb", "/a%5cb", "%2F"] {
            assert!(has_encoded_separator(raw), "{raw}");
        }
        for raw in ["/a/b", "/a%252Fb", "/a%2", "/%2e", "/%5", "/a%2Gb", ""] {
            assert!(!has_encoded_separator(raw), "{raw}");
        }
    }

    #[test]
    fn parse_range_reads_rfc_9110_byte_ranges() {
        assert_eq!(
            parse_range("bytes=0-0", 10),
            Range::Bytes { first: 0, last: 0 }
        );
        assert_eq!(
            parse_range("bytes=5-", 10),
            Range::Bytes { first: 5, last: 9 }
        );
        assert_eq!(
            parse_range("bytes=-20", 10),
            Range::Bytes { first: 0, last: 9 }
        );
        assert_eq!(
            parse_range("Bytes=1-2", 10),
            Range::Bytes { first: 1, last: 2 }
        );
        assert_eq!(parse_range("bytes=10-", 10), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=-", 10), Range::Whole);
        assert_eq!(parse_range("bytes=1-2-3", 10), Range::Whole);
        assert_eq!(parse_range("bytes=+1-2", 10), Range::Whole);
    }
}
