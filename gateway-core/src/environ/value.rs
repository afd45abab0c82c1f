//! The values of the environ dict: text, flags, and objects middleware adds.

use crate::input::Input;
use crate::python_repr::write_str_repr;
use crate::wsgi_errors::Errors;
#[cfg(doc)]
use crate::Environ;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A value a middleware stores in the environ under a key of its own (PEP 3333's
/// extension point), for example `wsgiorg.routing_args`.
pub trait Extension: Any + fmt::Debug + Send + Sync {}
impl<T: Any + fmt::Debug + Send + Sync> Extension for T {}

/// A value stored into the environ with [`Environ::insert`].
#[derive(Clone)]
pub enum Value {
    /// A text value, like every CGI key.
    Str(String),
    /// A flag, like `wsgi.multithread`.
    Bool(bool),
    /// Any other value: see [`Environ::insert_object`].
    Object(Arc<dyn Extension>),
}

impl Value {
    /// This value as [`Environ::value`] shows it.
    pub(crate) fn as_value_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Str(text) => ValueRef::Str(text),
            Value::Bool(flag) => ValueRef::Bool(*flag),
            Value::Object(object) => ValueRef::Object(&**object),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Str(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Str(text)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Value::Bool(flag)
    }
}

/// One value of the environ as the dict shows it; see [`Environ::value`].
#[derive(Clone, Copy)]
pub enum ValueRef<'a> {
    /// A text value (every CGI and `HTTP_*` key, `wsgi.url_scheme`).
    Str(&'a str),
    /// A flag (`wsgi.multithread`, `wsgi.multiprocess`, `wsgi.run_once`, `wsgi.input_terminated`).
    Bool(bool),
    /// `wsgi.version`: `(1, 0)`.
    Version(u8, u8),
    /// `wsgi.input`.
    Input(&'a Input),
    /// `wsgi.errors`.
    Errors(&'a Errors),
    /// A value stored by middleware with [`Environ::insert_object`].
    Object(&'a dyn Extension),
}

impl<'a> ValueRef<'a> {
    /// The text, if this is a text value.
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            ValueRef::Str(text) => Some(text),
            _ => None,
        }
    }
}

/// Prints values the way Python's `repr` prints the dict's values.
impl fmt::Debug for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Str(text) => write_str_repr(f, text),
            ValueRef::Bool(true) => f.write_str("True"),
            ValueRef::Bool(false) => f.write_str("False"),
            ValueRef::Version(major, minor) => write!(f, "({major}, {minor})"),
            ValueRef::Input(input) => fmt::Debug::fmt(input, f),
            ValueRef::Errors(errors) => fmt::Debug::fmt(errors, f),
            ValueRef::Object(object) => fmt::Debug::fmt(object, f),
        }
    }
}
