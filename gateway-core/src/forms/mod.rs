//! Query strings, form bodies and cookies, as the WSGI world reads and writes them.
//!
//! Each helper mirrors the Python function a WSGI application would have called, with its
//! rules and its defaults (checked against CPython 3.11):
//!
//! | Python | here |
//! |---|---|
//! | `urllib.parse.parse_qs(qs, ...)` | [`parse_qs`] → [`MultiDict`] |
//! | `urllib.parse.parse_qsl(qs, ...)` | [`parse_qsl`] → `Vec<(String, String)>` |
//! | `keep_blank_values`, `strict_parsing`, `max_num_fields`, `separator` | [`QueryOptions`] |
//! | `parse_qs(environ['QUERY_STRING'])` | [`Environ::query`] |
//! | `cgi.FieldStorage(environ=environ, fp=environ['wsgi.input'])` | [`Environ::form`], [`Environ::form_with`] → [`Form`], [`FormFile`] |
//! | `http.cookies.SimpleCookie(environ['HTTP_COOKIE'])` | [`Environ::cookies`], [`Cookies::parse`] |
//! | `SimpleCookie()[name] = value`; `morsel['path'] = ...`; `.OutputString()` | [`SetCookie`] |
//!
//! A request's fields, its form and its cookies, in one application:
//!
//! ```
//! use gateway_core::forms::SetCookie;
//! use gateway_core::{Environ, StartResponse, TestClient, TestRequest};
//!
//! fn app(environ: &Environ, start_response: StartResponse) -> Result<String, Box<dyn std::error::Error>> {
//!     let page = environ.query().get("page").unwrap_or("1").to_owned();
//!     let form = match environ.form() {
//!         Ok(form) => form,
//!         Err(error) => {
//!             start_response(&error.status().to_string(), &[("Content-Type", "text/plain")]);
//!             return Ok(error.to_string());
//!         }
//!     };
//!     let visits: u32 = environ.cookies().get("visits").and_then(|v| v.parse().ok()).unwrap_or(0);
//!     let (name, value) = SetCookie::new("visits", (visits + 1).to_string())
//!         .path("/")
//!         .http_only(true)
//!         .header()?;
//!     start_response("200 OK", &[("Content-Type", "text/plain"), (name, &value)]);
//!     Ok(format!("page {page}, note {:?}, visit {}", form.get("note").unwrap_or(""), visits + 1))
//! }
//!
//! let response = TestClient::new(app).send(
//!     TestRequest::new("POST", "/notes?page=2")
//!         .header("Content-Type", "application/x-www-form-urlencoded")
//!         .header("Cookie", "visits=4")
//!         .body("note=buy+milk"),
//! );
//! assert_eq!(response.text(), "page 2, note \"buy milk\", visit 5");
//! assert_eq!(response.header("set-cookie"), Some("visits=5; HttpOnly; Path=/"));
//! assert_eq!(TestClient::new(app).post("/", "note=x").status, 415); // no CONTENT_TYPE
//! ```

mod cookies;
mod form;
mod header_params;
mod multi_dict;
mod multipart;
mod query;
mod set_cookie;

pub use cookies::Cookies;
pub use form::{Form, FormError, FormFile, FormOptions};
pub use multi_dict::MultiDict;
pub use multipart::MAX_PART_HEAD_BYTES;
pub use query::{parse_qs, parse_qsl, QueryError, QueryOptions};
pub use set_cookie::{CookieError, SameSite, SetCookie};

#[cfg(doc)]
use crate::Environ;
