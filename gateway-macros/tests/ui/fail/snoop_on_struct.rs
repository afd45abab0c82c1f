use gateway_macros::snoop;

#[snoop]
struct Request {
    path: String,
}

fn main() {}
