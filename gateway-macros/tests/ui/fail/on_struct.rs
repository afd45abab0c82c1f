use gateway_macros::wsgi_app;

#[wsgi_app]
struct Application {
    greeting: String,
}

fn main() {}
