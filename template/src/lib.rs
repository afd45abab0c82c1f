//! {{project-name}}: a web application on gateway (Python's WSGI contract, in Rust).

use gateway::{RouteError, Router};
use gateway::util::escape_html;
use gateway::{wsgi_app, Environ, StartResponse};

/// `GET /`: the greeting.
#[wsgi_app]
pub fn hello(_environ: &Environ, start_response: StartResponse) -> &'static str {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    "<h1>Hello, Web!</h1>"
}

/// `GET /hello/{name}`: greets the name from the route.
#[wsgi_app]
pub fn greet(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    let name = environ.route_param("name").unwrap_or("Web");
    format!("<h1>Hello, {}!</h1>", escape_html(name))
}

/// The application: every route of the site.
pub fn app() -> Result<Router, RouteError> {
    Router::builder().get("/", hello).get("/hello/{name}", greet).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway::TestClient;

    #[test]
    fn greets_the_name_in_the_route() {
        let client = TestClient::new(app().unwrap());
        assert_eq!(client.get("/").text(), "<h1>Hello, Web!</h1>");
        assert_eq!(client.get("/hello/Alice").text(), "<h1>Hello, Alice!</h1>");
        assert_eq!(client.get("/hello/%3Cb%3E").text(), "<h1>Hello, &lt;b&gt;!</h1>");
        assert_eq!(client.get("/nowhere").status, 404);
    }
}
