//! `#[snoop]`'s trace of each function in `snoop/samples.rs`, compared line for line with
//! `snoop/golden/NAME.txt`. Times are replaced by `HH:MM:SS.ffffff`, the source path by its
//! file name and thread idents by `N`, so that the text is the same on every run.
//!
//! After a change, regenerate with `SNOOP_BLESS=1 cargo test -p wsgi-gateway-macros --test
//! snoop_golden` and read the diff.

#[path = "snoop/samples.rs"]
mod samples;

use gateway_core::testing::block_on;
use gateway_core::{Application, Environ, Outcome, StartResponse};
use gateway_snoop::capture;
use samples::*;
use std::path::Path;

/// Compares `trace`, normalised, with `golden/NAME.txt` (or writes it, with `SNOOP_BLESS`).
fn check(name: &str, trace: &str) {
    let actual = normalise(trace);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snoop/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("SNOOP_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|error| panic!("{}: {error} (SNOOP_BLESS=1 writes it)", golden.display()));
    if actual != expected {
        panic!(
            "the trace of `{name}` differs from {}\n--- expected\n{expected}--- actual\n{actual}",
            golden.display()
        );
    }
}

/// Times as `HH:MM:SS.ffffff`, the source path as its file name, thread idents as `N`,
/// the escape character as `\e`.
fn normalise(trace: &str) -> String {
    let mut out = String::new();
    for line in trace.lines() {
        let line = match line.split_once("Source path:... ") {
            Some((before, path)) => {
                // With colours the path sits between `\e[22m` and `\e[0m`.
                let (normal, path) = path.split_at(if path.starts_with('\x1b') { 5 } else { 0 });
                let (path, reset) = path.split_at(path.find('\x1b').unwrap_or(path.len()));
                let file = Path::new(path).file_name().unwrap().to_string_lossy();
                format!("{before}Source path:... {normal}{file}{reset}")
            }
            None => line.to_owned(),
        };
        out.push_str(&thread(&times(&line)).replace('\x1b', "\\e"));
        out.push('\n');
    }
    out
}

/// `12:34:56.123456` as `HH:MM:SS.ffffff`, and `140-name ` (thread info) as `N-name `.
fn times(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let pattern = "00:00:00.000000";
    let mut out = String::new();
    let mut at = 0;
    while at < chars.len() {
        let candidate: String = chars[at..chars.len().min(at + pattern.len())]
            .iter()
            .collect();
        let is_time = candidate.len() == pattern.len()
            && candidate.chars().zip(pattern.chars()).all(|(c, p)| {
                if p == '0' {
                    c.is_ascii_digit()
                } else {
                    c == p
                }
            });
        if is_time {
            out.push_str("HH:MM:SS.ffffff");
            at += pattern.len();
            // Thread info follows the timestamp: `HH:MM:SS.ffffff 12-name `.
            if chars.get(at) == Some(&' ') {
                let digits = chars[at + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if digits > 0 && chars.get(at + 1 + digits) == Some(&'-') {
                    out.push_str(" N");
                    at += 1 + digits;
                }
            }
            continue;
        }
        out.push(chars[at]);
        at += 1;
    }
    out
}

/// A line that starts with the thread info (`12-worker-1 New var:..`): `N-worker-1 ..`.
fn thread(line: &str) -> String {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && rest[digits..].starts_with('-') {
        format!("{}N{}", &line[..indent], &rest[digits..])
    } else {
        line.to_owned()
    }
}

fn traced<R>(f: impl FnOnce() -> R) -> (R, String) {
    capture(f)
}

#[test]
fn snoop_prints_each_argument_as_a_starting_var() {
    let (value, trace) = traced(|| arguments(3, "point", (1, -2), true));
    assert_eq!(value, "point: 3 at 1,-2");
    check("arguments", &trace);
}

#[test]
fn snoop_prints_every_name_a_let_binds() {
    let (value, trace) = traced(|| let_patterns((1, "one"), Point { x: 2, y: 3 }, Some(4)));
    assert_eq!(value, 1 + 5 + 4 + 1 + 4);
    check("let_patterns", &trace);
    let (value, trace) = traced(|| let_patterns((1, "one"), Point { x: 2, y: 3 }, None));
    assert_eq!(value, -1);
    check("let_else", &trace);
}

#[test]
fn snoop_follows_if_else_if_and_else() {
    let traces: Vec<String> = [-5, 0, 3, 50]
        .into_iter()
        .map(|n| traced(|| if_else(n)).1)
        .collect();
    check("if_else", &traces.concat());
}

#[test]
fn snoop_shows_the_match_arm_taken_and_its_bindings() {
    let traces: Vec<String> = [
        Some(Ok(200)),
        Some(Ok(21)),
        Some(Err("four".to_owned())),
        None,
    ]
    .into_iter()
    .map(|value| traced(|| matching(value)).1)
    .collect();
    check("matching", &traces.concat());
}

#[test]
fn snoop_shows_each_turn_of_a_loop() {
    let (value, trace) = traced(|| loops(3));
    assert_eq!(value, 2 + 3);
    check("loops", &trace);
}

#[test]
fn snoop_shows_assignments_that_change_a_value() {
    let (value, trace) = traced(assignments);
    assert_eq!(value, (2, 22));
    check("assignments", &trace);
}

#[test]
fn snoop_shows_the_value_of_an_early_return() {
    let (early, trace_early) = traced(|| early_return(4));
    let (late, trace_late) = traced(|| early_return(-4));
    assert_eq!((early, late), (40, 4));
    check("early_return", &(trace_early + &trace_late));
}

#[test]
fn snoop_shows_the_error_that_question_mark_returns() {
    let (ok, trace_ok) = traced(|| question_mark(" 21 "));
    let (err, trace_err) = traced(|| question_mark("x"));
    assert_eq!(ok, Ok(42));
    assert!(err.is_err());
    check("question_mark", &(trace_ok + &trace_err));
}

#[test]
fn snoop_traces_an_async_fn_across_await() {
    let (value, trace) = traced(|| block_on(asynchronous("four".to_owned())));
    assert_eq!(value, Ok(5));
    check("async", &trace);
}

/// `00:00:00.031234` as seconds.
fn seconds(timestamp: &str) -> f64 {
    let parts: Vec<f64> = timestamp
        .split([':', '.'])
        .map(|part| part.parse().unwrap())
        .collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + parts[3] / 1e6
}

#[test]
fn snoop_times_each_line_when_it_runs_across_await() {
    let (value, trace) = traced(|| block_on(sleepy(40)));
    assert_eq!(value, 41);
    let time_of = |source: &str| {
        let line = trace
            .lines()
            .find(|line| line.contains(" line ") && line.ends_with(source))
            .unwrap_or_else(|| panic!("no line {source:?} in\n{trace}"));
        seconds(&line[..15])
    };
    let before = time_of("let before = millis;");
    let after = time_of("let after = before + 1;");
    assert!(after - before >= 0.040, "{trace}");
    let elapsed = trace.lines().last().unwrap();
    assert!(
        seconds(&elapsed["Elapsed time: ".len()..]) >= 0.040,
        "{trace}"
    );
}

#[test]
fn snoop_traces_methods_and_their_self() {
    let mut counter = Counter::default();
    let (value, trace) = traced(|| counter.increment(2));
    assert_eq!(value, 2);
    let (_, peek) = traced(|| counter.peek());
    check("method", &(trace + &peek));
}

#[test]
fn snoop_traces_generic_functions() {
    let (value, trace) = traced(|| largest(&[3, 9, 4]));
    assert_eq!(value, 9);
    let (wrapped, trace_wrap) = traced(|| wrap(7u8));
    assert_eq!(wrapped, [7]);
    check("generic", &(trace + &trace_wrap));
}

#[test]
fn snoop_names_the_type_of_a_value_without_debug() {
    let (value, trace) = traced(|| opaque(Opaque { secret: 1 }));
    assert_eq!(value.secret, 2);
    check("no_debug", &trace);
}

#[test]
fn snoop_shortens_long_values_in_the_middle() {
    let (_, long) = traced(|| long_value(120));
    let (_, short) = traced(|| short_value(30));
    check("long_value", &(long + &short));
}

#[test]
fn snoop_shows_values_whole_with_max_variable_length_none() {
    let (_, trace) = traced(|| whole_value(120));
    check("whole_value", &trace);
}

#[test]
fn snoop_watches_expressions_when_they_change() {
    let (value, trace) = traced(|| watched(&["a", "b", "b"]));
    assert_eq!(value, 3);
    check("watch", &trace);
}

#[test]
fn snoop_prefixes_every_line() {
    let (_, trace) = traced(|| prefixed(1));
    check("prefix", &trace);
}

#[test]
fn snoop_names_the_thread_on_every_line_with_thread_info() {
    let trace = std::thread::Builder::new()
        .name("worker-1".to_owned())
        .spawn(|| traced(|| threaded(2)).1)
        .unwrap()
        .join()
        .unwrap();
    check("thread_info", &trace);
}

#[test]
fn snoop_times_from_the_call_with_relative_time() {
    let (_, trace) = traced(|| relative(1));
    assert!(trace.contains("00:00:00."), "{trace}");
    check("relative_time", &trace);
}

#[test]
fn snoop_colours_like_pysnooper_with_color_true() {
    let (_, trace) = traced(|| colored(1));
    check("color", &trace);
}

#[test]
fn snoop_indents_a_traced_call_under_its_caller() {
    let (value, trace) = traced(|| outer(2));
    assert_eq!(value, 5);
    check("nested", &trace);
}

#[test]
fn snoop_reports_a_panic() {
    let (result, trace) = traced(|| std::panic::catch_unwind(|| panics(1)));
    assert!(result.is_err());
    check("panic", &trace);
}

#[test]
fn snoop_traces_functions_returning_impl_trait_and_unit() {
    let (values, trace) = traced(|| iterator(3).collect::<Vec<_>>());
    assert_eq!(values, [0, 2, 4]);
    let mut log = Vec::new();
    let ((), trace_unit) = traced(|| unit(&mut log));
    assert_eq!(log, ["called"]);
    check("impl_trait_and_unit", &(trace + &trace_unit));
}

#[test]
fn snoop_shows_bytes_as_byte_strings() {
    let (_, trace) = traced(|| bytes("Alice"));
    check("bytes", &trace);
}

fn call(app: &dyn Application, path: &str) {
    let environ = Environ::builder().uri(path).build();
    match app.call(environ, StartResponse::new()) {
        Outcome::Ready(body) => drop(body),
        Outcome::Pending(future) => drop(block_on(future)),
    }
}

#[test]
fn snoop_stacks_with_wsgi_app_in_either_order() {
    let ((), below) = traced(|| call(&app_below, "/below"));
    let ((), above) = traced(|| call(&app_above, "/above"));
    // The environ's dict depends on the machine (SERVER_NAME): keep its start.
    let shorten = |trace: String| {
        trace
            .lines()
            .map(|line| match line.find("environ = {") {
                Some(at) => format!("{}...", &line[..at + "environ = {".len()]),
                None => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    check("wsgi_app", &(shorten(below) + "\n" + &shorten(above)));
}

#[test]
fn snoop_appends_to_the_output_file() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("snoop-output-to-a-file.txt");
    let _ = std::fs::remove_file(&path);
    assert_eq!(to_file(1), 2);
    assert_eq!(to_file(2), 3);
    let written = std::fs::read_to_string(&path).unwrap();
    check("output_file", &written);
}

#[test]
fn snoop_lines_from_concurrent_calls_never_interleave() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("snoop-concurrent.txt");
    let _ = std::fs::remove_file(&path);
    let threads: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(|| concurrent(50)))
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 1225);
    }
    let written = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    // Per call: source, argument and call; `let mut sum` and its value; the `for` line;
    // the first turn (`i`, `sum += i`, the `for` line again: `sum` stays 0); 49 turns that
    // also modify `sum`; the tail; return, its value and the elapsed time.
    assert_eq!(
        lines.len(),
        8 * (3 + 2 + 1 + 3 + 49 * 4 + 1 + 3),
        "{written}"
    );
    for line in lines {
        let known = line.starts_with("Source path:... ")
            || line.starts_with("Starting var:.. n = 50")
            || line.starts_with("New var:....... ")
            || line.starts_with("Modified var:.. ")
            || line.starts_with("Return value:.. 1225")
            || line.starts_with("Elapsed time: ")
            || (line.len() > 16 && line.as_bytes()[15] == b' ' && line[..15].contains(':'));
        assert!(known, "a line was cut by another: {line:?}");
    }
}
