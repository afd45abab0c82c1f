//! Every form of function and statement `#[snoop]` must trace without changing whether,
//! or how, the function compiles: no error and no warning that the code without the
//! attribute would not have.
#![deny(warnings)]

use gateway_core::{Environ, StartResponse};
use gateway_macros::{snoop, wsgi_app};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Debug;
use std::rc::Rc;

struct NoDebug;

#[derive(Debug, Default)]
struct Stack {
    items: Vec<u32>,
    name: String,
}

impl Stack {
    #[snoop]
    fn new() -> Self {
        Self::default()
    }

    #[snoop]
    fn push(&mut self, item: u32) -> &mut Self {
        self.items.push(item);
        self
    }

    #[snoop]
    fn top(&self) -> Option<&u32> {
        self.items.last()
    }

    #[snoop]
    fn into_items(self) -> Vec<u32> {
        self.items
    }

    #[snoop]
    fn boxed(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[snoop]
    fn name_mut(&mut self) -> &mut String {
        // A reference into `self`, returned: the body is a `move` closure.
        let name = &mut self.name;
        name
    }
}

trait Shape {
    fn area(&self) -> f64;

    #[snoop]
    fn double_area(&self) -> f64 {
        self.area() * 2.0
    }
}

struct Square(f64);

impl Shape for Square {
    #[snoop]
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

#[snoop]
fn borrowed<'a>(text: &'a str, other: &str) -> &'a str {
    let _ = other;
    &text[1..]
}

#[snoop]
fn elided(text: &str) -> &str {
    text.trim()
}

#[snoop]
fn generic_unbounded<T, U: Clone>(value: T, other: &U) -> (T, U) {
    let copy = other.clone();
    (value, copy)
}

#[snoop]
fn generic_where<T>(items: &[T]) -> Option<&T>
where
    T: PartialOrd + Debug,
{
    let mut best = items.first()?;
    for item in items {
        if item > best {
            best = item;
        }
    }
    Some(best)
}

#[snoop]
fn const_generic<const N: usize>(values: [u8; N]) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, value) in values.iter().enumerate() {
        out[i] = *value;
    }
    out
}

#[snoop]
fn impl_argument(items: impl IntoIterator<Item = u8>) -> u32 {
    items.into_iter().map(u32::from).sum()
}

#[snoop]
fn impl_return(n: u32) -> impl Iterator<Item = u32> + Clone {
    (0..n).map(|x| x + 1)
}

#[snoop]
fn result_of_impl(n: u32) -> Result<impl Iterator<Item = u32>, String> {
    if n == 0 {
        Err("zero")?;
    }
    Ok(0..n)
}

#[snoop]
fn boxed_error(text: &str) -> Result<u32, Box<dyn std::error::Error>> {
    let n: u32 = text.parse()?;
    let m = u32::try_from(i64::from(n) - 1)?;
    Ok(m)
}

#[snoop]
fn option_question(map: &HashMap<&str, u32>) -> Option<u32> {
    let a = map.get("a")?;
    let b = *map.get("b")?;
    Some(a + b)
}

#[snoop]
fn moved_values(names: Vec<String>) -> usize {
    let first = names;
    let consumed = first.into_iter().count();
    let text = String::from("moved");
    drop(text);
    consumed
}

#[snoop]
fn mutable_borrow_alive(mut values: Vec<u32>) -> u32 {
    let first = &mut values[0];
    *first += 1;
    let also = &mut *first;
    *also *= 2;
    values[0]
}

#[snoop]
fn inferred_later() -> usize {
    let mut numbers = Vec::new();
    numbers.push(1u8);
    let mut none = None;
    if numbers.len() == 1 {
        none = Some(2u8);
    }
    let map: HashMap<u8, NoDebug> = HashMap::new();
    // Empty containers whose elements, known later, have no `Debug`.
    let mut later = Vec::new();
    later.push(NoDebug);
    let mut table = std::collections::HashMap::with_capacity(1);
    table.insert(1u8, NoDebug);
    let mut maybe = None;
    if later.len() == 1 {
        maybe = Some(NoDebug);
    }
    let empty = vec![];
    let _: &Vec<NoDebug> = &empty;
    drop((later, table, maybe));
    let parsed = "5".parse().unwrap_or(0usize);
    numbers.len() + usize::from(none.unwrap_or(0)) + map.len() + parsed
}

#[snoop]
fn not_debug(handle: NoDebug, shared: Rc<RefCell<NoDebug>>) -> NoDebug {
    let copy = NoDebug;
    let _keep = shared;
    drop(handle);
    copy
}

#[snoop]
fn deferred(flag: bool) -> u8 {
    let value;
    if flag {
        value = 1;
    } else {
        value = 2;
    }
    value
}

#[snoop]
fn let_else_and_patterns(input: Option<(u8, [u8; 3])>) -> u8 {
    let Some((head, [a, ref b, mut c])) = input else {
        return 0;
    };
    c += 1;
    let (x, _) = (head, b);
    x + a + *b + c
}

#[snoop(watch = "hidden")]
fn configured(n: u32) -> u32 {
    #[cfg(any())]
    let hidden = n;
    #[cfg(any())]
    println!("{hidden}");
    let mut shown = n;
    #[cfg(all())]
    {
        shown += 1;
    }
    #[cfg(any())]
    {
        shown = hidden;
    }
    shown
}

#[snoop]
fn shadowing(n: u32) -> String {
    let n = n * 2;
    let n = n.to_string();
    n
}

#[snoop]
fn labeled_loops(grid: &[Vec<u8>]) -> (usize, u8) {
    let mut count = 0;
    let mut found = 0;
    'rows: for row in grid {
        for &cell in row {
            if cell == 0 {
                continue 'rows;
            }
            if cell > 200 {
                found = cell;
                break 'rows;
            }
            count += 1;
        }
    }
    let value = loop {
        if count > 0 {
            break count;
        }
        count += 1;
    };
    (value, found)
}

#[snoop]
fn while_loops(mut n: u32) -> u32 {
    let mut steps = 0;
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        steps += 1;
        if steps > 1000 {
            break;
        }
    }
    let mut queue = vec![1, 2, 3];
    while let Some(item) = queue.pop() {
        if item == 2 {
            continue;
        }
        steps += item;
    }
    steps
}

#[snoop]
fn matches(value: Result<Option<u8>, &str>, bytes: &[u8]) -> u32 {
    let from_value = match value {
        Ok(Some(n @ 1..=9)) => u32::from(n),
        Ok(Some(n)) if n > 100 => 100,
        Ok(Some(_)) | Ok(None) => 0,
        Err(message) => message.len() as u32,
    };
    let from_bytes = match bytes {
        [] => 0,
        [one] => u32::from(*one),
        [first, .., last] => {
            let sum = u32::from(*first) + u32::from(*last);
            sum
        }
    };
    let mut total = 0;
    match from_value {
        0 => total = 1,
        n => total += n,
    }
    total + from_bytes
}

#[snoop]
fn closures_and_blocks(values: &[i32]) -> i32 {
    let double = |x: i32| {
        let doubled = x * 2;
        doubled
    };
    let sum: i32 = values.iter().map(|&v| double(v)).sum();
    let block = {
        let inner = sum + 1;
        inner
    };
    let labeled = 'found: {
        if block > 10 {
            break 'found 10;
        }
        block
    };
    let array = [labeled; 3];
    fn nested(x: i32) -> i32 {
        x - 1
    }
    const OFFSET: i32 = 2;
    nested(array[0]) + OFFSET
}

#[snoop]
fn unsafe_blocks(values: &[u8]) -> u8 {
    let pointer = values.as_ptr();
    let first = unsafe { *pointer };
    let mut copy = 0u8;
    let target = &mut copy as *mut u8;
    unsafe {
        *target = first;
    }
    copy
}

/// # Safety
/// `pointer` must be valid.
#[snoop]
unsafe fn unsafe_function(pointer: *const u8) -> u8 {
    let value = unsafe { *pointer };
    value
}

#[snoop]
extern "C" fn extern_function(n: u32) -> u32 {
    n + 1
}

#[snoop]
fn diverges(message: &str) -> ! {
    let text = format!("fatal: {message}");
    panic!("{text}")
}

#[snoop]
fn unit_return(log: &mut Vec<String>) {
    log.push("one".to_owned());
    if log.len() > 5 {
        return;
    }
    log.push("two".to_owned());
}

#[snoop]
#[track_caller]
fn tracked(n: u32) -> u32 {
    n
}

#[snoop]
fn macros(values: &[u32]) -> String {
    println!("values: {values:?}");
    let text = format!("{}", values.len());
    assert!(!text.is_empty());
    vec![text].concat()
}

#[snoop]
fn tuple_assignments(mut a: u32, mut b: u32) -> (u32, u32) {
    (a, b) = (b, a);
    [a, b] = [a + 1, b + 1];
    (a, _) = (a * 2, 0);
    let mut pair = (a, b);
    pair.1 -= 1;
    let mut nested = ((1, 2), 3);
    nested.0 .1 = 5;
    let mut boxed = Box::new(7);
    *boxed += 1;
    (pair.0 + nested.0 .1 + *boxed, pair.1)
}

#[snoop]
fn raw_identifiers(r#type: &str) -> usize {
    let r#match = r#type.len();
    r#match
}

#[snoop(watch = ("self.items.len()", "self.name"))]
fn watch_self_free(n: u32) -> u32 {
    n
}

impl Stack {
    #[snoop(watch = ("self.items.len()", "total"))]
    fn sum(&mut self) -> u32 {
        let mut total = 0;
        for item in &self.items {
            total += item;
        }
        self.items.clear();
        total
    }
}

#[snoop(
    output = "tracing",
    prefix = "> ",
    max_variable_length = Some(10),
    relative_time = true,
    thread_info = true,
    color = false
)]
fn every_option(n: u32) -> u32 {
    n
}

#[snoop("snoop-pass.log")]
fn positional_output(n: u32) -> u32 {
    n
}

#[snoop]
async fn asynchronous(name: &str, values: Vec<u32>) -> Result<usize, String> {
    let total: u32 = values.iter().sum();
    let ready = async { total }.await;
    if ready == 0 {
        return Err(format!("{name}: nothing"));
    }
    let checked = usize::try_from(ready).map_err(|error| error.to_string())?;
    Ok(checked + name.len())
}

#[snoop]
async fn async_borrowed<'a>(text: &'a str) -> &'a str {
    &text[1..]
}

#[wsgi_app]
#[snoop]
fn app_below(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[]);
    vec![environ.path_info().as_bytes().to_vec()]
}

#[snoop]
#[wsgi_app]
fn app_above(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    environ.path_info().to_owned()
}

#[snoop]
#[wsgi_app]
async fn async_app(environ: &Environ, start_response: StartResponse) -> Result<String, String> {
    start_response("200 OK", &[]);
    let path = environ.path_info().to_owned();
    Ok(path)
}

fn main() {
    // Traced, into a string: the trace's own code runs too, silently.
    let ((), trace) = gateway_snoop::capture(run);
    assert!(trace.contains("Return value:.. (19, 1)"), "{trace}");
}

fn run() {
    let mut stack = Stack::new();
    stack.push(1).push(2);
    assert_eq!(stack.top(), Some(&2));
    stack.name_mut().push('x');
    assert_eq!(stack.sum(), 3);
    assert_eq!(Box::new(Stack::new()).boxed(), 0);
    assert!(Stack::new().into_items().is_empty());
    assert_eq!(Square(2.0).double_area(), 8.0);
    assert_eq!(borrowed("abc", "d"), "bc");
    assert_eq!(elided(" a "), "a");
    assert_eq!(generic_unbounded(NoDebug, &1).1, 1);
    assert_eq!(generic_where(&[1, 3, 2]), Some(&3));
    assert_eq!(const_generic([1, 2]), [1, 2]);
    assert_eq!(impl_argument([1, 2]), 3);
    assert_eq!(impl_return(2).count(), 2);
    assert!(result_of_impl(0).is_err());
    assert!(boxed_error("0").is_err());
    assert_eq!(
        option_question(&HashMap::from([("a", 1), ("b", 2)])),
        Some(3)
    );
    assert_eq!(moved_values(vec!["a".to_owned()]), 1);
    assert_eq!(mutable_borrow_alive(vec![1]), 4);
    assert_eq!(inferred_later(), 8);
    let _ = not_debug(NoDebug, Rc::new(RefCell::new(NoDebug)));
    assert_eq!(deferred(true), 1);
    assert_eq!(let_else_and_patterns(Some((1, [1, 2, 3]))), 8);
    assert_eq!(shadowing(2), "4");
    assert_eq!(configured(3), 4);
    assert_eq!(labeled_loops(&[vec![1, 0, 5], vec![2, 201]]), (2, 201));
    assert_eq!(while_loops(6), 12);
    assert_eq!(matches(Ok(Some(3)), &[1, 2]), 6);
    assert_eq!(closures_and_blocks(&[1, 2]), 8);
    assert_eq!(unsafe_blocks(&[9]), 9);
    assert_eq!(unsafe { unsafe_function(&5) }, 5);
    assert_eq!(extern_function(1), 2);
    std::panic::set_hook(Box::new(|_| {}));
    assert!(std::panic::catch_unwind(|| diverges("x")).is_err());
    drop(std::panic::take_hook());
    let mut log = Vec::new();
    unit_return(&mut log);
    assert_eq!(tracked(1), 1);
    assert_eq!(macros(&[1]), "1");
    assert_eq!(tuple_assignments(1, 2), (19, 1));
    assert_eq!(raw_identifiers("ab"), 2);
    assert_eq!(watch_self_free(1), 1);
    assert_eq!(every_option(1), 1);
    assert_eq!(positional_output(1), 1);
    let _ = (asynchronous("a", vec![1]), async_borrowed("ab"));
    let _ = (app_below, app_above, async_app);
}
