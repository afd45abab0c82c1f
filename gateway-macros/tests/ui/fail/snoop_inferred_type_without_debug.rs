//! A documented limitation: whether a value has `Debug` is decided where it is bound, and
//! `Default::default()` does not know its type yet there. Writing the type fixes it.
use gateway_macros::snoop;

struct Connection;

#[snoop]
fn pool() -> usize {
    let mut connections = Default::default();
    Vec::push(&mut connections, Connection);
    let mut annotated: Vec<Connection> = Default::default();
    annotated.push(Connection);
    connections.len() + annotated.len()
}

fn main() {}
