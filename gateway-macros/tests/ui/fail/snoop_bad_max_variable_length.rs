use gateway_macros::snoop;

#[snoop(max_variable_length = "long")]
fn add(a: i32, b: i32) -> i32 {
    a + b
}

fn main() {}
