use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;
use std::rc::Rc;

async fn lookup() -> String {
    String::from("alice")
}

#[wsgi_app]
async fn application(_environ: &Environ, start_response: StartResponse) -> String {
    let visits = Rc::new(1);
    let user = lookup().await;
    start_response("200 OK", &[]);
    format!("{user} {visits}")
}

fn main() {}
