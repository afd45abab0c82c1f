//! The router's behaviour, through the test client.

use super::dispatch::TEXT_PLAIN;
use super::*;
use crate::body::IntoBody;
use crate::testing::{TestClient, TestRequest};

/// Answers `SCRIPT_NAME|PATH_INFO|routing_args`.
fn show(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    format!(
        "{}|{}|{:?}",
        environ.script_name(),
        environ.path_info(),
        environ.routing_args()
    )
}

fn text(body: &'static str) -> impl Application {
    move |_: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        body
    }
}

#[test]
fn routes_dispatch_by_path() {
    let router = Router::builder()
        .route("/", text("home"))
        .route("/about", text("about"))
        .route("/users/me", text("me"))
        .route("/users/{id}", text("user"))
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(client.get("/").text(), "home");
    assert_eq!(client.get("/about").text(), "about");
    assert_eq!(client.get("/users/me").text(), "me");
    assert_eq!(client.get("/users/7").text(), "user");
    assert_eq!(client.get("/about/").status, 404);
}

#[test]
fn params_reach_the_environ_as_wsgiorg_routing_args() {
    let router = Router::builder()
        .route("/hello/{name}", show)
        .build()
        .unwrap();
    let response = TestClient::new(router).get("/hello/Alice");
    assert_eq!(
        response.text(),
        "|/hello/Alice|Some(([], {'name': 'Alice'}))"
    );
}

#[test]
fn params_are_percent_decoded() {
    let greet = |environ: &Environ, start_response: StartResponse| {
        start_response("200 OK", &[]);
        environ.route_param("name").unwrap().to_owned()
    };
    let client = TestClient::new(
        Router::builder()
            .get("/hello/{name}", greet)
            .build()
            .unwrap(),
    );
    assert_eq!(client.get("/hello/J%C3%BCrgen").text(), "Jürgen");
    assert_eq!(client.get("/hello/a%20b%25c").text(), "a b%c");
    // Not UTF-8: the latin-1 rule, as for PATH_INFO.
    assert_eq!(client.get("/hello/caf%E9").text(), "café");
}

#[test]
fn an_encoded_slash_is_never_a_separator() {
    let router = Router::builder()
        .get("/files/{name}", |environ: &Environ, sr: StartResponse| {
            sr("200 OK", &[]);
            format!("one:{}", environ.route_param("name").unwrap())
        })
        .get("/files/{a}/{b}", |environ: &Environ, sr: StartResponse| {
            sr("200 OK", &[]);
            format!(
                "two:{}:{}",
                environ.route_param("a").unwrap(),
                environ.route_param("b").unwrap()
            )
        })
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(client.get("/files/a%2Fb").text(), "one:a/b");
    assert_eq!(client.get("/files/a%2fb").text(), "one:a/b");
    assert_eq!(client.get("/files/a/b").text(), "two:a:b");
    assert_eq!(client.get("/files/a%252Fb").text(), "one:a%2Fb");
}

#[test]
fn encoded_text_matches_its_static_pattern() {
    let router = Router::builder()
        .get("/café", text("café"))
        .get("/100%", text("percent"))
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(client.get("/caf%C3%A9").text(), "café");
    assert_eq!(client.get("/100%25").text(), "percent");
}

#[test]
fn wrong_method_is_405_with_allow() {
    let router = Router::builder()
        .get("/thing", text("got"))
        .post("/thing", text("posted"))
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(client.post("/thing", "").text(), "posted");
    let response = client.send(TestRequest::new("DELETE", "/thing"));
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("GET, HEAD, POST"));
    assert!(response.text().starts_with("Method Not Allowed"));
}

#[test]
fn head_is_allowed_where_get_is() {
    let client = TestClient::new(Router::builder().get("/", text("x")).build().unwrap());
    assert_eq!(client.send(TestRequest::new("HEAD", "/")).status, 200);
}

#[test]
fn explicit_methods_win_over_an_any_method_route() {
    let router = Router::builder()
        .get("/x", text("get"))
        .route("/x", text("any"))
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(client.get("/x").text(), "get");
    assert_eq!(client.post("/x", "").text(), "any");
}

#[test]
fn no_match_is_404_or_the_fallback() {
    let router = Router::builder().get("/", text("home")).build().unwrap();
    let response = TestClient::new(router).get("/missing");
    assert_eq!(response.status, 404);
    assert_eq!(response.header("content-type"), Some(TEXT_PLAIN));
    let router = Router::builder()
        .get("/", text("home"))
        .fallback(text("fallback"))
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(client.get("/missing").text(), "fallback");
    assert_eq!(client.post("/", "").status, 405);
}

#[test]
fn a_mount_moves_the_prefix_to_script_name() {
    let router = Router::builder().mount("/api", show).build().unwrap();
    let client = TestClient::new(router);
    assert_eq!(
        client.get("/api/users/7").text(),
        "/api|/users/7|Some(([], {}))"
    );
    assert_eq!(client.get("/api/").text(), "/api|/|Some(([], {}))");
    assert_eq!(client.get("/api").text(), "/api||Some(([], {}))");
    assert_eq!(client.get("/apix").status, 404);
}

#[test]
fn nested_mounts_accumulate_and_extend_routing_args() {
    let inner = Router::builder()
        .route("/posts/{post}", show)
        .mount("/v1", show)
        .build()
        .unwrap();
    let router = Router::builder()
        .mount("/users/{id}", inner)
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(
        client.get("/users/7/posts/3").text(),
        "/users/7|/posts/3|Some(([], {'id': '7', 'post': '3'}))"
    );
    assert_eq!(
        client.get("/users/7/v1/x%2Fy").text(),
        "/users/7/v1|/x/y|Some(([], {'id': '7'}))"
    );
}

#[test]
fn a_nested_router_routes_on_the_raw_rest_of_the_path() {
    let inner = Router::builder()
        .get("/files/{name}", show)
        .build()
        .unwrap();
    let router = Router::builder().mount("/api", inner).build().unwrap();
    let response = TestClient::new(router).get("/api/files/a%2Fb");
    assert_eq!(
        response.text(),
        "/api|/files/a/b|Some(([], {'name': 'a/b'}))"
    );
}

#[test]
fn a_mounted_router_routes_an_empty_path_info_as_slash() {
    let inner = Router::builder().get("/", show).build().unwrap();
    let router = Router::builder().mount("/api", inner).build().unwrap();
    assert_eq!(
        TestClient::new(router).get("/api").text(),
        "/api||Some(([], {}))"
    );
}

#[test]
fn a_root_mount_takes_everything_else_unchanged() {
    let router = Router::builder()
        .get("/special", text("special"))
        .mount("/", show)
        .build()
        .unwrap();
    let client = TestClient::new(router);
    assert_eq!(client.get("/special").text(), "special");
    assert_eq!(client.get("/").text(), "|/|Some(([], {}))");
    assert_eq!(client.get("/a/b").text(), "|/a/b|Some(([], {}))");
}

#[test]
fn a_rewritten_path_info_is_routed_as_it_is() {
    struct Rewrite<A>(A);
    impl<A: Application> Application for Rewrite<A> {
        fn call(&self, mut environ: Environ, start_response: StartResponse) -> Outcome {
            environ.insert("PATH_INFO", "/hello/100%");
            self.0.call(environ, start_response)
        }

        fn blocking(&self) -> bool {
            self.0.blocking()
        }
    }
    let router = Router::builder()
        .get("/hello/{name}", show)
        .build()
        .unwrap();
    let response = TestClient::new(Rewrite(router)).get("/other");
    assert_eq!(response.text(), "|/hello/100%|Some(([], {'name': '100%'}))");
}

#[test]
fn conflicts_are_reported_at_build_with_both_patterns() {
    let error = Router::builder()
        .get("/users/{id}", text(""))
        .get("/users/{name}", text(""))
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        RouteError::Conflict {
            route: "the route `/users/{name}`".into(),
            with: "the route `/users/{id}`".into()
        }
    );
    let error = Router::builder()
        .get("/x", text(""))
        .get("/x", text(""))
        .build()
        .unwrap_err();
    assert_eq!(error.to_string(), "the route `GET /x` is registered twice");
    let error = Router::builder()
        .get("/api", text(""))
        .mount("/api", text(""))
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the mount `/api` conflicts with the route `/api` registered before it: the \
         patterns overlap and neither is more specific"
    );
    let error = Router::builder()
        .mount("/static", text(""))
        .route("/static/{*path}", text(""))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("the mount `/static`"), "{error}");
}

#[test]
fn bad_patterns_are_reported_at_build() {
    let cases = [
        ("users", "it must start with `/`"),
        ("/{a}{b}", "only one parameter is allowed per path segment"),
        (
            "/{*rest}/x",
            "a catch-all parameter {*name} may only end the pattern",
        ),
        ("/{}", "a parameter needs a name"),
    ];
    for (pattern, reason) in cases {
        let error = Router::builder()
            .route(pattern, text(""))
            .build()
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("the pattern `{pattern}` is not valid: {reason}")),
            "{message}"
        );
    }
    let error = Router::builder()
        .mount("/files/{*path}", text(""))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("catch-all"), "{error}");
    let error = Router::builder()
        .route_methods("/x", &[], text(""))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("empty list of methods"));
}

#[test]
fn blocking_unless_every_application_is_non_blocking() {
    struct Async;
    impl Application for Async {
        fn call(&self, _: Environ, start_response: StartResponse) -> Outcome {
            start_response("200 OK", &[]);
            Outcome::Pending(Box::pin(async { ().into_body() }))
        }
        fn blocking(&self) -> bool {
            false
        }
    }
    let all_async = Router::builder()
        .get("/a", Async)
        .mount("/b", Async)
        .build()
        .unwrap();
    assert!(!all_async.blocking());
    let mixed = Router::builder()
        .get("/a", Async)
        .fallback(text(""))
        .build()
        .unwrap();
    assert!(mixed.blocking());
    assert_eq!(TestClient::new(all_async).get("/b/x").status, 200);
}
