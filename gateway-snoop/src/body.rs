//! How the generated code runs the traced function's body, so that the trace sees the
//! value it ends with.

use std::future::Future;

/// Runs a plain function's body, given as a closure so that `return` and `?` in it end the
/// closure and the trace sees the value. `R` is the function's return type.
#[inline(always)]
pub fn call<R, F: FnOnce() -> R>(body: F) -> R {
    body()
}

/// An `async fn`'s body as an `async` block whose output is the function's return type, so
/// that `?` in it converts errors as it would in the function.
#[inline(always)]
pub fn typed<R, F: Future<Output = R>>(body: F) -> F {
    body
}
