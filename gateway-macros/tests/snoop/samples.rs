//! The functions whose traces `snoop_golden.rs` compares with `golden/*.txt`. Editing this
//! file moves line numbers: regenerate with `SNOOP_BLESS=1 cargo test -p wsgi-gateway-macros
//! --test snoop_golden` and read the diff.

use gateway_core::{Environ, StartResponse};
use gateway_macros::{snoop, wsgi_app};
use std::collections::HashMap;
use std::fmt::Debug;

#[snoop]
pub fn arguments(count: u32, name: &str, (x, y): (i8, i8), _unused: bool) -> String {
    format!("{name}: {count} at {x},{y}")
}

pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[snoop]
#[allow(clippy::needless_late_init)] // deferred initialisation is what this sample shows
pub fn let_patterns(pair: (i32, &str), point: Point, maybe: Option<u8>) -> i32 {
    let (number, word) = pair;
    let Point { x, y: why } = point;
    let Some(inner) = maybe else {
        return -1;
    };
    let [first, .., last] = [1, 2, 3, 4];
    let later;
    later = x + why;
    let _ignored = word.len();
    number + later + i32::from(inner) + first + last
}

#[snoop]
pub fn if_else(n: i32) -> &'static str {
    if n < 0 {
        "negative"
    } else if n == 0 {
        "zero"
    } else if n < 10 {
        let small = "small";
        small
    } else {
        "large"
    }
}

#[snoop]
pub fn matching(value: Option<Result<u8, String>>) -> u32 {
    let doubled = match value {
        Some(Ok(n)) if n > 100 => 1000,
        Some(Ok(n)) => u32::from(n) * 2,
        Some(Err(message)) => {
            let length = message.len();
            length as u32
        }
        None => 0,
    };
    doubled
}

#[snoop]
pub fn loops(limit: u32) -> u32 {
    let mut total = 0;
    for i in 0..limit {
        if i == 1 {
            continue;
        }
        total += i;
    }
    let mut stack = vec![1, 2];
    while let Some(top) = stack.pop() {
        total += top;
    }
    let mut n = 0;
    while n < 2 {
        n += 1;
    }
    let mut turns = 0;
    loop {
        turns += 1;
        if turns == 2 {
            break;
        }
    }
    total
}

#[snoop]
pub fn assignments() -> (i32, i32) {
    let mut a = 1;
    let mut b = 2;
    a += 10;
    a = 11;
    (a, b) = (b, a);
    let mut grid = [0u8; 3];
    grid[1] = 7;
    let mut pair = (0, 0);
    pair.0 = 5;
    b *= 2;
    (a, b)
}

#[snoop]
pub fn early_return(n: i32) -> i32 {
    if n > 0 {
        return n * 10;
    }
    let negated = -n;
    negated
}

#[snoop]
pub fn question_mark(text: &str) -> Result<u16, std::num::ParseIntError> {
    let number: u16 = text.trim().parse()?;
    let doubled = number * 2;
    Ok(doubled)
}

/// A future that is pending once, so that the `async fn` really suspends.
pub struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            return std::task::Poll::Ready(());
        }
        context.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[snoop]
pub async fn asynchronous(name: String) -> Result<usize, String> {
    let before = name.len();
    YieldNow(false).await;
    let after = checked(before)?;
    Ok(after)
}

#[snoop]
pub fn checked(n: usize) -> Result<usize, String> {
    if n == 0 {
        return Err("empty".to_owned());
    }
    Ok(n + 1)
}

#[derive(Debug, Default)]
pub struct Counter {
    pub count: u32,
    pub label: &'static str,
}

impl Counter {
    #[snoop]
    pub fn increment(&mut self, by: u32) -> u32 {
        self.count += by;
        self.label = "incremented";
        self.count
    }

    #[snoop]
    pub fn peek(&self) -> u32 {
        self.count
    }
}

#[snoop]
pub fn largest<T: PartialOrd + Copy + Debug>(items: &[T]) -> T {
    let mut best = items[0];
    for &item in items {
        if item > best {
            best = item;
        }
    }
    best
}

#[snoop]
pub fn wrap<T>(value: T) -> Vec<T> {
    vec![value]
}

/// A type without `Debug`.
pub struct Opaque {
    pub secret: u32,
}

#[snoop]
pub fn opaque(handle: Opaque) -> Opaque {
    let copy = Opaque {
        secret: handle.secret + 1,
    };
    copy
}

#[snoop]
pub fn long_value(n: usize) -> String {
    let text: String = ('a'..='z').cycle().take(n).collect();
    text
}

#[snoop(max_variable_length = None)]
pub fn whole_value(n: usize) -> String {
    let text: String = ('a'..='z').cycle().take(n).collect();
    text
}

#[snoop(max_variable_length = 20)]
pub fn short_value(n: usize) -> String {
    let text: String = ('a'..='z').cycle().take(n).collect();
    text
}

#[snoop(watch = ("counts.len()", "counts.get(\"b\")", "total * 2"))]
pub fn watched(words: &[&str]) -> usize {
    let mut counts = HashMap::new();
    let mut total = 0;
    for word in words {
        *counts.entry(*word).or_insert(0) += 1;
        total += 1;
    }
    total
}

#[snoop(prefix = "ZZZ ")]
pub fn prefixed(n: u8) -> u8 {
    let m = n + 1;
    m
}

#[snoop(thread_info = true)]
pub fn threaded(n: u8) -> u8 {
    let m = n * 3;
    m
}

#[snoop(relative_time = true)]
pub fn relative(n: u8) -> u8 {
    n
}

#[snoop(color = true)]
pub fn colored(n: u8) -> u8 {
    let m = n;
    m
}

#[snoop]
pub fn outer(n: u32) -> u32 {
    let inner_value = inner(n);
    inner_value + 1
}

#[snoop]
pub fn inner(n: u32) -> u32 {
    n * 2
}

#[snoop]
pub fn panics(n: u32) -> u32 {
    let m = n + 1;
    assert!(m > 100, "m is {m}");
    m
}

#[snoop]
pub fn iterator(n: u32) -> impl Iterator<Item = u32> {
    (0..n).map(|i| {
        // Closures are not traced inside.
        i * 2
    })
}

#[snoop]
pub fn unit(log: &mut Vec<String>) {
    log.push("called".to_owned());
}

#[snoop]
pub fn bytes(name: &str) -> Vec<Vec<u8>> {
    let body = format!("<h1>Hello, {name}!</h1>");
    vec![body.into_bytes(), b"\n\xff".to_vec()]
}

#[wsgi_app]
#[snoop]
pub fn app_below(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    let path = environ.path_info().to_owned();
    path
}

#[snoop]
#[wsgi_app]
pub async fn app_above(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    YieldNow(false).await;
    let path = environ.path_info().to_owned();
    path
}

#[snoop(output = concat!(env!("CARGO_TARGET_TMPDIR"), "/snoop-output-to-a-file.txt"))]
pub fn to_file(n: u8) -> u8 {
    let m = n + 1;
    m
}

#[snoop(output = concat!(env!("CARGO_TARGET_TMPDIR"), "/snoop-concurrent.txt"))]
pub fn concurrent(n: u64) -> u64 {
    let mut sum = 0;
    for i in 0..n {
        sum += i;
    }
    sum
}

/// A future ready `after` its first poll, woken by a thread: a timer without a runtime.
pub struct Sleep {
    pub after: std::time::Duration,
    pub started: Option<std::time::Instant>,
}

impl std::future::Future for Sleep {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let after = self.after;
        let started = *self.started.get_or_insert_with(|| {
            let waker = context.waker().clone();
            std::thread::spawn(move || {
                std::thread::sleep(after);
                waker.wake();
            });
            std::time::Instant::now()
        });
        if started.elapsed() >= after {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }
}

#[snoop(relative_time = true)]
pub async fn sleepy(millis: u64) -> u64 {
    let before = millis;
    Sleep {
        after: std::time::Duration::from_millis(millis),
        started: None,
    }
    .await;
    let after = before + 1;
    after
}
