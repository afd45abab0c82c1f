//! Python's `repr` of a `str` and of `bytes`, for the `Debug` output that mirrors Python's
//! (the environ dict, `Headers`, `wsgiorg.routing_args`, `#[snoop]`'s byte strings).
//!
//! The rules are CPython's (`unicode_repr` and `bytes_repr` in `Objects/`): single quotes
//! unless the text holds `'` and no `"`; `\\`, the chosen quote, `\t`, `\n` and `\r` escaped;
//! any other character that is not printable as `\xhh`, `\uhhhh` or `\Uhhhhhhhh` (in bytes,
//! every byte outside `0x20..0x7f` as `\xhh`).

use std::fmt;

/// Writes `text` as Python's `repr(text)` does: `'it\'s ok'` is written `"it's ok"`.
///
/// ```
/// let mut out = String::new();
/// gateway_core::python_repr::write_str_repr(&mut out, "it's\n").unwrap();
/// assert_eq!(out, r#""it's\n""#);
/// ```
pub fn write_str_repr(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let quote = quote(text.contains('\''), text.contains('"'));
    out.write_char(quote)?;
    // Runs of characters that need no escape are written as one slice.
    let mut plain = 0;
    for (at, c) in text.char_indices() {
        if c != quote && c != '\\' && is_printable(c) {
            continue;
        }
        out.write_str(&text[plain..at])?;
        plain = at + c.len_utf8();
        match c {
            '\t' => out.write_str("\\t")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\\' => out.write_str("\\\\")?,
            c if c == quote => write!(out, "\\{c}")?,
            c => match u32::from(c) {
                code @ ..=0xff => write!(out, "\\x{code:02x}")?,
                code @ ..=0xffff => write!(out, "\\u{code:04x}")?,
                code => write!(out, "\\U{code:08x}")?,
            },
        }
    }
    out.write_str(&text[plain..])?;
    out.write_char(quote)
}

/// Writes `bytes` as Python's `repr(bytes)` does: `b'<h1>\n'`.
///
/// ```
/// let mut out = String::new();
/// gateway_core::python_repr::write_bytes_repr(&mut out, b"\xff'").unwrap();
/// assert_eq!(out, r#"b"\xff'""#);
/// ```
pub fn write_bytes_repr(out: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    let quote = quote(bytes.contains(&b'\''), bytes.contains(&b'"'));
    out.write_char('b')?;
    out.write_char(quote)?;
    for &byte in bytes {
        match byte {
            b'\t' => out.write_str("\\t")?,
            b'\n' => out.write_str("\\n")?,
            b'\r' => out.write_str("\\r")?,
            b'\\' => out.write_str("\\\\")?,
            byte if char::from(byte) == quote => write!(out, "\\{quote}")?,
            b' '..=b'~' => out.write_char(char::from(byte))?,
            byte => write!(out, "\\x{byte:02x}")?,
        }
    }
    out.write_char(quote)
}

/// Python's choice of quote: `"` only when that spares escaping a `'`.
fn quote(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double {
        '"'
    } else {
        '\''
    }
}

/// Python's `str.isprintable()` for one character: every Unicode category but Cc, Cf, Cs,
/// Co, Cn, Zl, Zp and Zs (the space excepted).
///
/// Rust's `escape_debug` escapes exactly the characters outside that rule (core's
/// `unicode/printable.py` uses the same categories), so its table answers without one of
/// our own. A character is asked about after another one, where `str::escape_debug` does not
/// escape combining marks (which Python prints).
fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, ' '..='~');
    }
    let mut buffer = [b' '; 5];
    let length = 1 + c.encode_utf8(&mut buffer[1..]).len();
    std::str::from_utf8(&buffer[..length])
        .is_ok_and(|text| text.escape_debug().skip(1).eq(std::iter::once(c)))
}

#[cfg(test)]
mod tests {
    use super::{write_bytes_repr, write_str_repr};

    fn str_repr(text: &str) -> String {
        let mut out = String::new();
        write_str_repr(&mut out, text).unwrap();
        out
    }

    fn bytes_repr(bytes: &[u8]) -> String {
        let mut out = String::new();
        write_bytes_repr(&mut out, bytes).unwrap();
        out
    }

    /// Each pair is a string and what CPython 3.11's `repr` printed for it.
    #[test]
    fn str_repr_is_cpythons() {
        for (text, python) in [
            ("", "''"),
            ("abc", "'abc'"),
            ("it's", r#""it's""#),
            ("say \"hi\"", r#"'say "hi"'"#),
            ("both ' and \"", r#"'both \' and "'"#),
            ("back\\slash", r"'back\\slash'"),
            ("tab\there", r"'tab\there'"),
            ("new\nline\r", r"'new\nline\r'"),
            ("\0\x1f\x7f", r"'\x00\x1f\x7f'"),
            // Latin-1 "bytes as strings": C1 controls, no-break space and soft hyphen escape.
            ("\u{80}\u{9f}\u{a0}\u{ad}", r"'\x80\x9f\xa0\xad'"),
            ("café", "'café'"),
            ("e\u{301}", "'e\u{301}'"),
            ("\u{301}", "'\u{301}'"),
            (
                "\u{200b}\u{2028}\u{2029}\u{3000}",
                r"'\u200b\u2028\u2029\u3000'",
            ),
            ("\u{e000}", r"'\ue000'"),
            ("\u{feff}", r"'\ufeff'"),
            ("\u{378}", r"'\u0378'"),
            ("😀", "'😀'"),
            ("snow ☃", "'snow ☃'"),
            ("\u{e0001}", r"'\U000e0001'"),
            ("\u{f0000}", r"'\U000f0000'"),
            ("\u{10ffff}", r"'\U0010ffff'"),
        ] {
            assert_eq!(str_repr(text), python, "{text:?}");
        }
    }

    /// Each pair is a byte string and what CPython 3.11's `repr` printed for it.
    #[test]
    fn bytes_repr_is_cpythons() {
        for (bytes, python) in [
            (&b""[..], "b''"),
            (b"abc", "b'abc'"),
            (b"it's", r#"b"it's""#),
            (b"say \"hi\"", r#"b'say "hi"'"#),
            (b"both ' and \"", r#"b'both \' and "'"#),
            (b"\\", r"b'\\'"),
            (b"\t\n\r", r"b'\t\n\r'"),
            (b"\x00\x1f\x7f\x80\xff", r"b'\x00\x1f\x7f\x80\xff'"),
            (b"<h1>Hello, Alice!</h1>", "b'<h1>Hello, Alice!</h1>'"),
        ] {
            assert_eq!(bytes_repr(bytes), python, "{bytes:?}");
        }
    }
}
