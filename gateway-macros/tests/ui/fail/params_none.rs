use gateway_macros::wsgi_app;

#[wsgi_app]
fn application() -> Vec<Vec<u8>> {
    vec![b"hi".to_vec()]
}

fn main() {}
