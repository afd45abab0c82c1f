//! How a traced value prints: with `Debug` when its type has it, as `<type name>`
//! otherwise, and bytes as Python prints `bytes`.

use gateway_core::python_repr::write_bytes_repr;
use std::fmt::{self, Write as _};

/// A value to print, for the `snoop_repr` method of [`ReprDebug`] or [`ReprName`]: with
/// `Debug` when its type has it, or as `<type name>` otherwise (autoref specialisation:
/// `(&Value(&x)).snoop_repr()` finds `ReprDebug` first when `x: Debug`).
#[derive(Clone, Copy)]
pub struct Value<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Value<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value(<{}>)", std::any::type_name::<T>())
    }
}

/// A value printed with its `Debug`.
pub trait ReprDebug {
    /// The value as `Debug` prints it; bytes (`Vec<u8>`, `&[u8]`, lists of them) as Python
    /// prints `bytes` (`b'...'`); `REPR FAILED` if `Debug` fails.
    fn snoop_repr(&self) -> String;
}

impl<T: fmt::Debug + ?Sized> ReprDebug for Value<'_, T> {
    fn snoop_repr(&self) -> String {
        let mut text = String::new();
        if write!(text, "{:?}", self.0).is_err() {
            return "REPR FAILED".to_owned();
        }
        match shape(std::any::type_name::<T>()) {
            Some(shape) => render(&shape, &text).unwrap_or(text),
            None => text,
        }
    }
}

/// A value whose type has no `Debug`: `<its type name>`.
pub trait ReprName {
    /// `<type name>`, such as `<my_app::Database>`.
    fn snoop_repr(&self) -> String;
}

impl<T: ?Sized> ReprName for &Value<'_, T> {
    fn snoop_repr(&self) -> String {
        format!("<{}>", std::any::type_name::<T>())
    }
}

/// Byte containers, whose `Debug` is a list of numbers.
enum Shape {
    Bytes,
    List(Box<Shape>),
}

/// The shape of a type, from its name: `Vec<u8>`, `[u8]`, `Box<[u8]>`, `&[u8; N]` (what a
/// `b"..."` literal is), and lists of those (`Vec<Vec<u8>>`), behind any references. An
/// owned `[u8; N]` is taken for numbers, not bytes.
fn shape(name: &str) -> Option<Shape> {
    let mut name = name.trim();
    let mut borrowed = false;
    while let Some(rest) = name.strip_prefix('&') {
        borrowed = true;
        name = rest.trim_start();
        name = name.strip_prefix("mut ").unwrap_or(name);
    }
    let element = if let Some(inner) = name
        .strip_prefix("alloc::vec::Vec<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        inner
    } else if let Some(inner) = name
        .strip_prefix("alloc::boxed::Box<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        // `Box<[u8]>` is the slice; any other `Box<T>` is not a list.
        return if inner.starts_with('[') && !inner.contains("; ") {
            shape(&format!("&{inner}"))
        } else {
            None
        };
    } else if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        match inner.rsplit_once("; ") {
            Some((element, length)) if length.bytes().all(|b| b.is_ascii_digit()) => {
                if !borrowed {
                    return None;
                }
                element
            }
            _ => inner,
        }
    } else {
        return None;
    };
    if element == "u8" {
        Some(Shape::Bytes)
    } else {
        shape(element).map(|inner| Shape::List(Box::new(inner)))
    }
}

/// `[60, 104]` as `b'<h'`; `[[60], []]` as `[b'<', b'']`.
fn render(shape: &Shape, debug: &str) -> Option<String> {
    let mut rest = debug;
    let mut out = String::with_capacity(debug.len() / 3);
    render_into(shape, &mut rest, &mut out)?;
    rest.is_empty().then_some(out)
}

fn render_into(shape: &Shape, rest: &mut &str, out: &mut String) -> Option<()> {
    *rest = rest.strip_prefix('[')?;
    // Python picks the quotes from the whole byte string: collect it first.
    let mut bytes = Vec::new();
    if matches!(shape, Shape::List(_)) {
        out.push('[');
    }
    let mut first = true;
    loop {
        if let Some(after) = rest.strip_prefix(']') {
            *rest = after;
            break;
        }
        if !first {
            *rest = rest.strip_prefix(", ")?;
        }
        match shape {
            Shape::Bytes => {
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                bytes.push(rest[..end].parse().ok()?);
                *rest = &rest[end..];
            }
            Shape::List(inner) => {
                if !first {
                    out.push_str(", ");
                }
                render_into(inner, rest, out)?;
            }
        }
        first = false;
    }
    match shape {
        Shape::Bytes => write_bytes_repr(out, &bytes).ok(),
        Shape::List(_) => {
            out.push(']');
            Some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ReprDebug, ReprName, Value};
    use std::fmt;

    fn repr<T: fmt::Debug>(value: &T) -> String {
        ReprDebug::snoop_repr(&Value(value))
    }

    #[test]
    fn snoop_shows_bytes_as_python_byte_strings() {
        assert_eq!(repr(&b"<h1>\"hi\"\n".to_vec()), r#"b'<h1>"hi"\n'"#);
        assert_eq!(repr(&b"it's".to_vec()), r#"b"it's""#);
        assert_eq!(repr(&vec![b"a".to_vec(), Vec::new()]), "[b'a', b'']");
        assert_eq!(repr(&&b"ab"[..]), "b'ab'");
        assert_eq!(repr(&b"\xff"), r"b'\xff'");
        assert_eq!(repr(&[0u8; 2]), "[0, 0]");
        assert_eq!(repr(&vec![[1u8; 2]]), "[[1, 1]]");
        let boxed: Box<[u8]> = Box::from(&b"ok"[..]);
        assert_eq!(repr(&boxed), "b'ok'");
        assert_eq!(repr(&vec![1u16, 2]), "[1, 2]");
        assert_eq!(repr(&Box::new(3u8)), "3");
        assert_eq!(repr(&"text"), "\"text\"");
    }

    #[test]
    fn snoop_names_the_type_of_a_value_without_debug() {
        struct Opaque;
        let value = Value(&Opaque);
        assert!(ReprName::snoop_repr(&&value).ends_with("Opaque>"));
    }
}
