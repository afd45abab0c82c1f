//! End-to-end: the router over real sockets (routes, parameters, mounts, 404/405, fallback,
//! middleware around a router), and the routing example.

mod support;

#[allow(dead_code)]
#[path = "../examples/routing.rs"]
mod routing_example;

use gateway::util::request_uri;
use gateway::{Application, Body, Environ, Outcome, StartResponse};
use gateway::{RouteError, Router};
use support::*;

/// Answers `SCRIPT_NAME|PATH_INFO|wsgiorg.routing_args|request_uri`.
fn show(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[("Content-Type", "text/plain; charset=utf-8")]);
    let args = environ
        .value("wsgiorg.routing_args")
        .map(|value| format!("{value:?}"))
        .unwrap_or_else(|| "-".into());
    format!(
        "{}|{}|{}|{}",
        environ.script_name(),
        environ.path_info(),
        args,
        request_uri(environ, true)
    )
}

fn text(body: &'static str) -> impl Application {
    move |_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        body
    }
}

fn param(name: &'static str) -> impl Application {
    move |environ: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Type", "text/plain; charset=utf-8")]);
        format!("{name}={}", environ.route_param(name).unwrap_or("-"))
    }
}

#[test]
fn the_example_greets_through_the_route_parameter() {
    let server = TestServer::start(routing_example::app().unwrap());
    assert_eq!(get(server.addr, "/").status, 200);
    let reply = get(server.addr, "/hello/Alice");
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert_eq!(reply.text(), "<h1>Hello, Alice!</h1>");
    assert_eq!(
        get(server.addr, "/hello/%3Cb%3E").text(),
        "<h1>Hello, &lt;b&gt;!</h1>"
    );
    assert_eq!(get(server.addr, "/hello/").status, 404);
}

#[test]
fn the_example_mounts_an_application_at_api() {
    let server = TestServer::start(routing_example::app().unwrap());
    assert_eq!(
        get(server.addr, "/api/users/7?full=1").text(),
        "SCRIPT_NAME=/api\nPATH_INFO=/users/7\nrequest_uri=http://localhost/api/users/7?full=1\n"
    );
}

#[test]
fn the_example_echo_route_is_post_only() {
    let server = TestServer::start(routing_example::app().unwrap());
    assert_eq!(
        send(server.addr, request("POST", "/echo", "ping")).text(),
        "ping"
    );
    let refused = get(server.addr, "/echo");
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("allow"), Some("POST"));
}

#[test]
fn routes_dispatch_by_path_with_static_segments_first() {
    let router = Router::builder()
        .get("/", text("home"))
        .get("/users/me", text("me"))
        .get("/users/{id}", param("id"))
        .get("/static/{*path}", param("path"))
        .build()
        .unwrap();
    let server = TestServer::start(router);
    assert_eq!(get(server.addr, "/").text(), "home");
    assert_eq!(get(server.addr, "/users/me").text(), "me");
    assert_eq!(get(server.addr, "/users/42").text(), "id=42");
    assert_eq!(
        get(server.addr, "/static/css/site.css").text(),
        "path=css/site.css"
    );
    assert_eq!(get(server.addr, "/users/42/").status, 404);
}

#[test]
fn route_params_are_percent_decoded() {
    let router = Router::builder()
        .get("/hello/{name}", param("name"))
        .build()
        .unwrap();
    let server = TestServer::start(router);
    assert_eq!(get(server.addr, "/hello/J%C3%BCrgen").text(), "name=Jürgen");
    assert_eq!(get(server.addr, "/hello/a%20b").text(), "name=a b");
    assert_eq!(get(server.addr, "/hello/100%25").text(), "name=100%");
}

#[test]
fn an_encoded_slash_stays_inside_its_parameter() {
    let router = Router::builder()
        .get("/files/{name}", param("name"))
        .get("/files/{a}/{b}", text("two segments"))
        .build()
        .unwrap();
    let server = TestServer::start(router);
    assert_eq!(get(server.addr, "/files/a%2Fb").text(), "name=a/b");
    assert_eq!(get(server.addr, "/files/a/b").text(), "two segments");
}

#[test]
fn wsgiorg_routing_args_is_positional_and_named() {
    let router = Router::builder()
        .get("/hello/{name}", show)
        .build()
        .unwrap();
    let server = TestServer::start(router);
    assert_eq!(
        get(server.addr, "/hello/Alice").text(),
        "|/hello/Alice|([], {'name': 'Alice'})|http://localhost/hello/Alice"
    );
}

#[test]
fn a_mount_moves_its_prefix_from_path_info_to_script_name() {
    let router = Router::builder().mount("/api", show).build().unwrap();
    let server = TestServer::start(router);
    assert_eq!(
        get(server.addr, "/api/users/7").text(),
        "/api|/users/7|([], {})|http://localhost/api/users/7"
    );
    assert_eq!(
        get(server.addr, "/api").text(),
        "/api||([], {})|http://localhost/api"
    );
    assert_eq!(
        get(server.addr, "/api/").text(),
        "/api|/|([], {})|http://localhost/api/"
    );
    assert_eq!(get(server.addr, "/apix").status, 404);
}

#[test]
fn nested_mounts_accumulate_and_extend_routing_args() {
    let users = Router::builder()
        .get("/{id}", show)
        .mount("/{id}/files", show)
        .build()
        .unwrap();
    let v1 = Router::builder().mount("/users", users).build().unwrap();
    let api = Router::builder().mount("/{version}", v1).build().unwrap();
    let router = Router::builder().mount("/api", api).build().unwrap();
    let server = TestServer::start(router);
    assert_eq!(
        get(server.addr, "/api/v1/users/7?x=1").text(),
        "/api/v1/users|/7|([], {'version': 'v1', 'id': '7'})|http://localhost/api/v1/users/7?x=1"
    );
    assert_eq!(
        get(server.addr, "/api/v1/users/7/files/a%2Fb").text(),
        "/api/v1/users/7/files|/a/b|([], {'version': 'v1', 'id': '7'})|http://localhost/api/v1/users/7/files/a/b"
    );
}

#[test]
fn request_uri_rebuilds_the_url_under_a_mount() {
    // Patterns are written decoded.
    let router = Router::builder().mount("/café", show).build().unwrap();
    let server = TestServer::start(router);
    let reply = get(server.addr, "/caf%C3%A9/men%C3%BC?day=1");
    assert_eq!(
        reply.text(),
        "/café|/menü|([], {})|http://localhost/caf%C3%A9/men%C3%BC?day=1"
    );
}

#[test]
fn no_match_is_a_plain_404() {
    let server = TestServer::start(Router::builder().get("/", text("home")).build().unwrap());
    let reply = get(server.addr, "/nowhere");
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(reply.text(), "Not Found: no route matches this path.\n");
}

#[test]
fn a_wrong_method_is_405_with_allow() {
    let router = Router::builder()
        .get("/thing", text("got"))
        .put("/thing", text("put"))
        .build()
        .unwrap();
    let server = TestServer::start(router);
    let reply = send(server.addr, request("DELETE", "/thing", ""));
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD, PUT"));
    assert_eq!(
        reply.text(),
        "Method Not Allowed: this path answers GET, HEAD, PUT.\n"
    );
    assert_eq!(
        send(server.addr, request("PUT", "/thing", "")).text(),
        "put"
    );
}

#[test]
fn head_is_allowed_where_get_is() {
    let server = TestServer::start(Router::builder().get("/", text("home")).build().unwrap());
    let reply = send(server.addr, request("HEAD", "/", ""));
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
}

#[test]
fn a_fallback_replaces_the_404() {
    let router = Router::builder()
        .post("/form", text("posted"))
        .fallback(show)
        .build()
        .unwrap();
    let server = TestServer::start(router);
    assert_eq!(
        get(server.addr, "/anything/else").text(),
        "|/anything/else|-|http://localhost/anything/else"
    );
    assert_eq!(get(server.addr, "/form").status, 405);
}

/// Middleware made of a closure: it sees the environ before the application it wraps.
struct Before<F, A> {
    hook: F,
    app: A,
}

impl<F, A> Application for Before<F, A>
where
    F: Fn(&mut Environ) + Send + Sync + 'static,
    A: Application,
{
    fn call(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
        (self.hook)(&mut environ);
        self.app.call(environ, start_response)
    }

    fn blocking(&self) -> bool {
        self.app.blocking()
    }
}

#[test]
fn middleware_wraps_a_router() {
    let router = Router::builder()
        .get(
            "/whoami",
            |environ: &Environ, start_response: StartResponse| {
                start_response("200 OK", &[("Content-Type", "text/plain")]);
                environ.get("REMOTE_USER").unwrap_or("nobody").to_owned()
            },
        )
        .build()
        .unwrap();
    let app = Before {
        hook: |environ: &mut Environ| environ.insert("REMOTE_USER", "alice"),
        app: router,
    };
    let server = TestServer::start(app);
    assert_eq!(get(server.addr, "/whoami").text(), "alice");
    assert_eq!(get(server.addr, "/other").status, 404);
}

#[test]
fn a_router_of_async_applications_serves_on_the_io_threads() {
    struct Async;
    impl Application for Async {
        fn call(&self, environ: Environ, start_response: StartResponse) -> Outcome {
            let id = environ.route_param("id").unwrap_or("-").to_owned();
            start_response("200 OK", &[("Content-Type", "text/plain")]);
            Outcome::Pending(Box::pin(
                async move { Body::from_iter([format!("async {id}")]) },
            ))
        }
        fn blocking(&self) -> bool {
            false
        }
    }
    let router = Router::builder().get("/items/{id}", Async).build().unwrap();
    assert!(!router.blocking());
    let server = TestServer::start(router);
    assert_eq!(get(server.addr, "/items/9").text(), "async 9");
}

#[test]
fn conflicting_routes_fail_the_build_naming_both_patterns() {
    let error = Router::builder()
        .get("/users/{id}", text(""))
        .get("/users/{name}", text(""))
        .build()
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("/users/{id}") && message.contains("/users/{name}"),
        "{message}"
    );
    assert!(matches!(error, RouteError::Conflict { .. }));
}
