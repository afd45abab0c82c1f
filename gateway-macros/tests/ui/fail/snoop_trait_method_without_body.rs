use gateway_macros::snoop;

trait Shape {
    #[snoop]
    fn area(&self) -> f64;
}

fn main() {}
