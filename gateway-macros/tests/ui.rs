//! Compile-time behaviour of `#[wsgi_app]`: what it accepts, and the message under each
//! mistake. After changing a message, regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p wsgi-gateway-macros --test ui` and read the diff.
//!
//! The `.stderr` files hold rustc's rendering, which may change between compiler versions:
//! they were written with the toolchain this workspace builds with (see `rust-version`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
