//! `#[wsgi_app]` through the facade alone: `use gateway::...`, nothing from gateway-core or
//! gateway-macros by name. The expansion must name `::gateway`.

use gateway::{wsgi_app, Application, Bytes, ContractError, Environ, StartResponse, TestClient};

/// Status and body as a server would send them, or the reason of a 500.
fn get(app: impl Application, path: &str) -> Result<(u16, Vec<Bytes>), String> {
    let response = TestClient::new(app).get(path);
    match response.errors.first() {
        Some(reason) => Err(reason.clone()),
        None => Ok((response.status.as_u16(), vec![response.body])),
    }
}

/// The hello example of the crate docs.
#[wsgi_app]
fn hello(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    let name = environ.path_info().get(1..).unwrap_or("");
    let name = if name.is_empty() { "Web" } else { name };
    vec![format!("<h1>Hello, {name}!</h1>").into_bytes()]
}

#[wsgi_app]
async fn greeting(environ: &gateway::Environ, start_response: gateway::StartResponse) -> String {
    let name = std::future::ready(environ.path_info().trim_start_matches('/').to_owned()).await;
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    format!("Hello, {name}!")
}

#[wsgi_app]
fn broken(_environ: &Environ, start_response: StartResponse) -> Result<String, String> {
    start_response("200 OK", &[]);
    Err("no database".to_owned())
}

#[test]
fn a_plain_function_is_an_application() {
    assert_eq!(
        get(hello, "/").unwrap(),
        (200, vec![Bytes::from("<h1>Hello, Web!</h1>")])
    );
    assert_eq!(
        get(hello, "/Ada").unwrap(),
        (200, vec![Bytes::from("<h1>Hello, Ada!</h1>")])
    );
    assert!(hello.blocking());
}

#[test]
fn an_async_function_is_an_application() {
    assert_eq!(
        get(greeting, "/Grace").unwrap(),
        (200, vec![Bytes::from("Hello, Grace!")])
    );
    assert!(!greeting.blocking());
}

#[test]
fn an_err_is_a_failed_response() {
    assert_eq!(
        get(broken, "/").unwrap_err(),
        ContractError::Failed {
            message: "no database".to_owned()
        }
        .to_string()
    );
}
