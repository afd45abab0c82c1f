//! Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data` read from
//! `wsgi.input`, what `cgi.FieldStorage` did for a WSGI application.

use super::header_params::HeaderParams;
use super::{multipart, parse_qsl, MultiDict, QueryError, QueryOptions};
use crate::limited_body::{read_body, BodyError};
use crate::Environ;
use bytes::Bytes;
use http::StatusCode;
use std::fmt;
use std::io;

/// A submitted form: its text fields, and the files of a `multipart/form-data` body.
///
/// ```
/// use gateway_core::Environ;
///
/// let environ = Environ::builder()
///     .method("POST")
///     .header("Content-Type", "application/x-www-form-urlencoded")
///     .body("title=Hello+world&tag=a&tag=b")
///     .build();
/// let form = environ.form().unwrap();
/// assert_eq!(form.get("title"), Some("Hello world"));
/// assert_eq!(form.get_all("tag"), ["a", "b"]);
/// assert!(form.files().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub(super) fields: MultiDict,
    pub(super) files: Vec<FormFile>,
}

impl Form {
    /// The first value of the text field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    /// Every value of the text field `name`, in order.
    pub fn get_all(&self, name: &str) -> &[String] {
        self.fields.get_all(name)
    }

    /// Every text field.
    pub fn fields(&self) -> &MultiDict {
        &self.fields
    }

    /// The first file sent as `name`.
    pub fn file(&self, name: &str) -> Option<&FormFile> {
        self.files.iter().find(|file| file.name == name)
    }

    /// Every file, in the order they came.
    pub fn files(&self) -> &[FormFile] {
        &self.files
    }
}

/// A file from a `multipart/form-data` body: a part with a `filename`.
///
/// ```
/// use gateway_core::Environ;
///
/// let body = "--XyZ\r\n\
///     Content-Disposition: form-data; name=\"photo\"; filename=\"cat.png\"\r\n\
///     Content-Type: image/png\r\n\r\n\
///     PNG...\r\n\
///     --XyZ--\r\n";
/// let environ = Environ::builder()
///     .method("POST")
///     .header("Content-Type", "multipart/form-data; boundary=XyZ")
///     .body(body)
///     .build();
/// let form = environ.form().unwrap();
/// let photo = form.file("photo").unwrap();
/// assert_eq!((photo.filename.as_str(), photo.content_type.as_str()), ("cat.png", "image/png"));
/// assert_eq!(&photo.data[..], b"PNG...");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFile {
    /// The form field's name.
    pub name: String,
    /// The file name the browser gave, as given (it may hold a path, and it is `""` when
    /// the user chose no file).
    pub filename: String,
    /// The part's `Content-Type`; `text/plain` when it has none (RFC 7578, as `cgi`).
    pub content_type: String,
    /// The file's bytes.
    pub data: Bytes,
}

/// How [`Environ::form_with`] reads a form; the default is what [`Environ::form`] uses.
///
/// ```
/// use gateway_core::forms::FormOptions;
///
/// let uploads = FormOptions { max_bytes: 64 << 20, ..Default::default() };
/// assert_eq!(uploads.max_fields, 1000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormOptions {
    /// The largest body read, files included, in bytes (default 8 MiB): the whole form is
    /// held in memory. A larger body is [`FormError::TooLarge`].
    pub max_bytes: u64,
    /// The most fields (and files) read (default 1000, Django's
    /// `DATA_UPLOAD_MAX_NUMBER_FIELDS`); more is [`FormError::TooManyFields`].
    pub max_fields: usize,
    /// Keep url-encoded fields whose value is blank (default `true`, as Django and
    /// werkzeug do: an emptied text box reads as `""`; Python's `cgi` dropped them). Parts
    /// of a multipart body are always kept, as in `cgi`.
    pub keep_blank_values: bool,
}

impl Default for FormOptions {
    fn default() -> Self {
        Self {
            max_bytes: 8 << 20,
            max_fields: 1000,
            keep_blank_values: true,
        }
    }
}

/// Why a form could not be read. [`status`](Self::status) is the answer it calls for.
#[derive(Debug)]
#[non_exhaustive]
pub enum FormError {
    /// `CONTENT_TYPE` is not a form (415).
    UnsupportedMediaType {
        /// `CONTENT_TYPE` as sent (empty when there was none).
        content_type: String,
    },
    /// A url-encoded form declared a charset other than UTF-8 (415).
    UnsupportedCharset {
        /// The declared charset.
        charset: String,
    },
    /// The body is larger than [`FormOptions::max_bytes`] (413).
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The form has more than [`FormOptions::max_fields`] fields (413).
    TooManyFields {
        /// The limit.
        limit: usize,
    },
    /// The body ended before `CONTENT_LENGTH` bytes (400).
    Incomplete {
        /// `CONTENT_LENGTH`.
        expected: u64,
        /// The bytes that came.
        received: u64,
    },
    /// Reading `wsgi.input` failed, for example because the client went away (400).
    Unreadable(io::Error),
    /// The body does not follow its format (400).
    Malformed {
        /// What is wrong.
        problem: String,
    },
}

impl FormError {
    /// The HTTP status that answers this error: 400, 413 or 415.
    ///
    /// ```
    /// use gateway_core::Environ;
    ///
    /// let environ = Environ::builder().method("POST").header("Content-Type", "text/csv").build();
    /// let error = environ.form().unwrap_err();
    /// assert_eq!(error.status(), 415);
    /// assert_eq!(
    ///     error.to_string(),
    ///     "expected a form (application/x-www-form-urlencoded or multipart/form-data), \
    ///      but CONTENT_TYPE is \"text/csv\""
    /// );
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnsupportedMediaType { .. } | Self::UnsupportedCharset { .. } => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Self::TooLarge { .. } | Self::TooManyFields { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Incomplete { .. } | Self::Unreadable(_) | Self::Malformed { .. } => {
                StatusCode::BAD_REQUEST
            }
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedMediaType { content_type } => write!(
                f,
                "expected a form (application/x-www-form-urlencoded or multipart/form-data), \
                 but CONTENT_TYPE is {content_type:?}"
            ),
            Self::UnsupportedCharset { charset } => write!(
                f,
                "the form is declared as charset {charset:?}; only UTF-8 forms are read"
            ),
            Self::TooLarge { limit } => {
                write!(f, "the form body is larger than the limit of {limit} bytes")
            }
            Self::TooManyFields { limit } => {
                write!(f, "the form has more than the limit of {limit} fields")
            }
            Self::Incomplete { expected, received } => write!(
                f,
                "the body ended after {received} of the {expected} bytes CONTENT_LENGTH announced"
            ),
            Self::Unreadable(error) => write!(f, "the form body could not be read: {error}"),
            Self::Malformed { problem } => write!(f, "the form body is malformed: {problem}"),
        }
    }
}

impl std::error::Error for FormError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreadable(error) => Some(error),
            _ => None,
        }
    }
}

impl Environ {
    /// The submitted form, read from `wsgi.input` with [`FormOptions::default`]; see
    /// [`form_with`](Self::form_with).
    ///
    /// ```
    /// use gateway_core::{Environ, StartResponse, TestClient, TestRequest};
    ///
    /// let app = |environ: &Environ, start_response: StartResponse| match environ.form() {
    ///     Ok(form) => {
    ///         start_response("200 OK", &[("Content-Type", "text/plain")]);
    ///         format!("Hello, {}!", form.get("name").unwrap_or("Web"))
    ///     }
    ///     Err(error) => {
    ///         start_response(&error.status().to_string(), &[("Content-Type", "text/plain")]);
    ///         error.to_string()
    ///     }
    /// };
    /// let client = TestClient::new(app);
    /// let form = TestRequest::new("POST", "/")
    ///     .header("Content-Type", "application/x-www-form-urlencoded")
    ///     .body("name=Alice");
    /// assert_eq!(client.send(form).text(), "Hello, Alice!");
    /// assert_eq!(client.post("/", "name=Alice").status, 415); // no CONTENT_TYPE
    /// ```
    pub fn form(&self) -> Result<Form, FormError> {
        self.form_with(&FormOptions::default())
    }

    /// The submitted form, read from `wsgi.input` by its `CONTENT_TYPE`:
    /// - `application/x-www-form-urlencoded`: the body as UTF-8 (U+FFFD for what is not),
    ///   parsed as `parse_qsl` parses it; a `charset` other than UTF-8 is refused;
    /// - `multipart/form-data`: each part with a `filename` is a [`FormFile`], each other
    ///   part a text field (UTF-8, U+FFFD for what is not);
    /// - anything else is [`FormError::UnsupportedMediaType`] (a `GET` form's fields are in
    ///   [`query`](Self::query)).
    ///
    /// At most `CONTENT_LENGTH` bytes are read (PEP 3333), or the body up to its end when
    /// it has no length, never more than [`FormOptions::max_bytes`]. The body is read once:
    /// keep the [`Form`] rather than calling this twice. Unlike `cgi.FieldStorage`, the
    /// query string is not mixed in.
    pub fn form_with(&self, options: &FormOptions) -> Result<Form, FormError> {
        let content_type = HeaderParams::parse(self.content_type().unwrap_or(""));
        match content_type.value.to_ascii_lowercase().as_str() {
            "application/x-www-form-urlencoded" => {
                if let Some(charset) = content_type.get("charset") {
                    if !["utf-8", "utf8", "us-ascii"].contains(&&*charset.to_ascii_lowercase()) {
                        let charset = charset.to_owned();
                        return Err(FormError::UnsupportedCharset { charset });
                    }
                }
                let body = read_body(self, options.max_bytes)?;
                url_encoded(&String::from_utf8_lossy(&body), options)
            }
            "multipart/form-data" => {
                let boundary = multipart::boundary(&content_type)?;
                let body = read_body(self, options.max_bytes)?;
                multipart::parse(Bytes::from(body), &boundary, options)
            }
            _ => Err(FormError::UnsupportedMediaType {
                content_type: self.content_type().unwrap_or("").to_owned(),
            }),
        }
    }
}

/// The fields of a url-encoded body, as `cgi` read them: `parse_qsl` with the field limit.
fn url_encoded(text: &str, options: &FormOptions) -> Result<Form, FormError> {
    let query = QueryOptions {
        keep_blank_values: options.keep_blank_values,
        max_num_fields: Some(options.max_fields),
        ..QueryOptions::default()
    };
    let pairs = parse_qsl(text, &query).map_err(|error| match error {
        QueryError::TooManyFields { limit, .. } => FormError::TooManyFields { limit },
        other => FormError::Malformed {
            problem: other.to_string(),
        },
    })?;
    Ok(Form {
        fields: pairs.into_iter().collect(),
        files: Vec::new(),
    })
}

/// The reasons a limited body read fails are the form's own.
impl From<BodyError> for FormError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge { limit } => Self::TooLarge { limit },
            BodyError::Incomplete { expected, received } => Self::Incomplete { expected, received },
            BodyError::Unreadable(error) => Self::Unreadable(error),
        }
    }
}

#[cfg(test)]
mod tests;
