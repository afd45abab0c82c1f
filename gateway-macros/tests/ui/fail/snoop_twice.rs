use gateway_macros::snoop;

#[snoop(prefix = "a", prefix = "b")]
fn add(a: i32, b: i32) -> i32 {
    a + b
}

fn main() {}
