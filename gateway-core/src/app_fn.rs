//! `app_fn`: a closure application whose parameter types are inferred.

use crate::body::IntoBody;
use crate::environ::Environ;
use crate::start_response::StartResponse;

/// Takes a closure `|environ, start_response| ...` and returns it as it is, with its
/// parameter types fixed to `&Environ` and `StartResponse`: the closure needs no
/// annotations, and the result is an [`Application`](crate::Application) (a blocking one,
/// like every closure), like `tower::service_fn` for services.
///
/// A closure passed straight to `make_server` or `TestClient::new` must name its types
/// (`|environ: &Environ, start_response: StartResponse|`): those take any application, so
/// nothing tells the compiler what the closure's parameters are ("type annotations
/// needed"). `app_fn` does.
///
/// ```
/// use gateway_core::{app_fn, Status, TestClient};
///
/// let greeting = String::from("Hello");
/// let app = app_fn(move |environ, start_response| {
///     start_response(&Status::OK, &[("Content-Type", "text/plain")]);
///     format!("{greeting}, {}!", &environ.path_info()[1..])
/// });
/// assert_eq!(TestClient::new(app).get("/Alice").text(), "Hello, Alice!");
/// ```
pub fn app_fn<F, B>(application: F) -> F
where
    F: Fn(&Environ, StartResponse) -> B + Send + Sync + 'static,
    B: IntoBody,
{
    application
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Application, HttpError, Status, TestClient};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_closure_over_shared_state_is_an_application_without_annotations() {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let app = app_fn(move |environ, start_response| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            start_response(&Status::OK, &[]);
            format!("{} #{n}", environ.method())
        });
        assert!(app.blocking());
        let client = TestClient::new(app);
        assert_eq!(client.get("/").text(), "GET #1");
        assert_eq!(client.get("/").text(), "GET #2");
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn its_http_errors_answer() {
        let app = app_fn(|environ, start_response| {
            if environ.path_info() != "/" {
                return Err(HttpError::not_found("nothing here"));
            }
            start_response(&Status::OK, &[]);
            Ok("home")
        });
        let client = TestClient::new(app);
        assert_eq!(client.get("/").text(), "home");
        assert_eq!(client.get("/x").status, Status::NOT_FOUND);
    }
}
