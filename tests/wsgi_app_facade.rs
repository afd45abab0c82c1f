//! `#[wsgi_app]` through the facade alone: `use gateway::...`, nothing from gateway-core or
//! gateway-macros by name. The expansion must name `::gateway`.

use gateway::testing::block_on;
use gateway::{
    wsgi_app, Application, Bytes, ContractError, Environ, Errors, Exchange, Outcome, StartResponse,
};

/// Status and chunks, as a server would send them.
fn get(app: &dyn Application, path: &str) -> Result<(u16, Vec<Bytes>), ContractError> {
    let start_response = StartResponse::new();
    let response = start_response.clone();
    let environ = Environ::builder().uri(path).build();
    let body = match app.call(environ, start_response) {
        Outcome::Ready(body) => body,
        Outcome::Pending(future) => block_on(future),
    };
    let mut exchange = Exchange::new(&response, body, Errors::default());
    let start = exchange.start()?;
    let mut chunks: Vec<Bytes> = Some(start.first)
        .filter(|first| !first.is_empty())
        .into_iter()
        .collect();
    while let Some(chunk) = exchange.next_chunk() {
        chunks.push(chunk?);
    }
    Ok((start.head.status.as_u16(), chunks))
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
        get(&hello, "/").unwrap(),
        (200, vec![Bytes::from("<h1>Hello, Web!</h1>")])
    );
    assert_eq!(
        get(&hello, "/Ada").unwrap(),
        (200, vec![Bytes::from("<h1>Hello, Ada!</h1>")])
    );
    assert!(hello.blocking());
}

#[test]
fn an_async_function_is_an_application() {
    assert_eq!(
        get(&greeting, "/Grace").unwrap(),
        (200, vec![Bytes::from("Hello, Grace!")])
    );
    assert!(!greeting.blocking());
}

#[test]
fn an_err_is_a_failed_response() {
    assert_eq!(
        get(&broken, "/").unwrap_err(),
        ContractError::Failed {
            message: "no database".to_owned()
        }
    );
}
