//! scratch
use gateway::{Application, Body, Environ, IntoBody, Outcome, StartResponse};
struct Raw;
impl Application for Raw {
    fn call(&self, _environ: Environ, start_response: StartResponse) -> Outcome {
        start_response("200 OK", &[("Content-Type", "text/html")]);
        let body: Body = "<h1>Hello, Web!</h1>".into_body();
        Outcome::Ready(body)
    }
    fn blocking(&self) -> bool {
        false
    }
}
fn main() -> std::io::Result<()> {
    gateway_bench::gateway_hello::server(Raw, gateway_bench::port())?.serve_forever()
}
