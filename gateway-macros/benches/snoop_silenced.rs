//! What a silenced `#[snoop]` costs (`GATEWAY_SNOOP=off`, here `set_enabled(false)`): the
//! same function with and without the attribute, in ns per call and per trace point.
//! A benchmark prints; it asserts nothing about time.
//!
//! Run with: `cargo bench -p wsgi-gateway-macros --bench snoop_silenced`

use gateway_macros::snoop;
use gateway_snoop as snoop;
use std::hint::black_box;
use std::time::Instant;

/// The function without the attribute.
fn plain(n: u64) -> u64 {
    let mut total = 0;
    for i in 0..n {
        let square = i * i;
        total += square ^ i;
    }
    let doubled = total * 2;
    doubled + 1
}

/// The same function, traced (to `/dev/null` when tracing is on).
#[snoop(output = "/dev/null")]
fn traced(n: u64) -> u64 {
    let mut total = 0;
    for i in 0..n {
        let square = i * i;
        total += square ^ i;
    }
    let doubled = total * 2;
    doubled + 1
}

/// ns per call of `f`, the best of a few rounds.
fn measure(f: impl Fn(u64) -> u64, n: u64, calls: u32) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..7 {
        let start = Instant::now();
        for _ in 0..calls {
            black_box(f(black_box(n)));
        }
        let per_call = start.elapsed().as_nanos() as f64 / f64::from(calls);
        best = best.min(per_call);
    }
    best
}

fn main() {
    const N: u64 = 8;
    // The trace points one call runs: each writes one line or more when tracing is on.
    snoop::set_enabled(true);
    let (value, trace) = snoop::capture(|| traced(N));
    assert_eq!(value, plain(N));
    let lines = trace.lines().count();
    let events = trace
        .lines()
        .filter(|line| {
            line.contains(" line ")
                || line.starts_with("New var")
                || line.starts_with("Modified var")
        })
        .count();

    let enabled = measure(traced, N, 20_000);
    snoop::set_enabled(false);
    let silenced = measure(traced, N, 2_000_000);
    let without = measure(plain, N, 2_000_000);

    println!("one call of a function with a loop of {N} turns: {lines} trace lines, {events} of them from statements");
    println!("without #[snoop]:            {without:8.1} ns per call");
    println!("#[snoop], GATEWAY_SNOOP=off: {silenced:8.1} ns per call");
    println!(
        "  silenced overhead:         {:8.1} ns per call, {:.2} ns per trace point",
        silenced - without,
        (silenced - without) / events as f64
    );
    println!(
        "#[snoop], tracing to /dev/null: {enabled:8.0} ns per call ({:.0} ns per line)",
        enabled / lines as f64
    );
}
